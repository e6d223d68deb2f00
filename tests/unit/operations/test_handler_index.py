"""The static handler index (``operations/handler_index``) says what the modules' own
``HANDLERS`` tables say, and its lazy handlers import only their own module."""

from __future__ import annotations

import subprocess
import sys

from slurmrestd.operations.handler_index import HANDLER_MODULES, LazyHandler, lazy_handlers_for
from slurmrestd.operations.plugins import PLUGINS, handlers_for


def test_index_matches_the_modules_tables():
    for plugin, package in PLUGINS.items():
        declared = {key: fn.__module__ for module in package.MODULES for key, fn in module.HANDLERS.items()}
        indexed = {key: "slurmrestd.operations." + m for key, m in HANDLER_MODULES[plugin].items()}
        assert indexed == declared, plugin
    assert set(HANDLER_MODULES) == set(PLUGINS)


def test_lazy_handlers_resolve_to_the_real_ones():
    eager = handlers_for(PLUGINS)
    lazy = lazy_handlers_for(PLUGINS)
    assert set(lazy) == set(eager)
    for key, handler in lazy.items():
        assert isinstance(handler, LazyHandler)
        assert handler.resolve() is eager[key]
    assert lazy_handlers_for(["openapi/none"]) == {}


def test_a_lazy_handler_imports_only_its_module():
    code = (
        "import sys\n"
        "from slurmrestd.operations.handler_index import lazy_handlers_for\n"
        "h = lazy_handlers_for(['openapi/slurmctld'])[('/slurm/{data_parser}/ping/', 'get')]\n"
        "assert not [m for m in sys.modules if m.startswith('slurmrestd.operations.slurm')], sorted(sys.modules)\n"
        "h.resolve()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('slurmrestd.operations.slurm'))\n"
        "assert loaded == ['slurmrestd.operations.slurmctld', 'slurmrestd.operations.slurmctld.ping'], loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)



def test_a_lazy_handler_imports_its_module_once(monkeypatch):
    import importlib

    from slurmrestd.operations import handler_index

    handler = lazy_handlers_for(["openapi/slurmctld"])[("/slurm/{data_parser}/ping/", "get")]
    module = importlib.import_module(handler.module)
    imports = []
    monkeypatch.setattr(handler_index.importlib, "import_module", lambda name: imports.append(name) or module)
    monkeypatch.setitem(module.HANDLERS, handler.key, lambda ctx: "pong %s" % ctx)
    assert handler(1) == "pong 1" and handler(2) == "pong 2"
    assert imports == [handler.module]
