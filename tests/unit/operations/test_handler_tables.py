"""Every handler table names declared operations of its own plugin, once.

A key that matches no operation of ``openapi/paths`` would silently leave the
endpoint unbound (and missing from ``/openapi/v3``); a module left out of its
package's ``MODULES`` would be unbound as a whole; a key bound by two modules
would serve only one of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
from collections import Counter

import pytest

from slurmrestd.data_parser.registry import VERSIONS
from slurmrestd.openapi.document import iter_operations
from slurmrestd.openapi.paths import PLUGINS as DECLARED_PLUGINS
from slurmrestd.operations import collect
from slurmrestd.operations.plugins import PLUGINS, handlers_for


def _declared(plugin: str) -> set[tuple[str, str]]:
    """(template, method) of every operation the plugin offers for at least one data parser version."""
    short = plugin.removeprefix("openapi/")
    return {(op.template, op.method) for op in iter_operations(tuple(VERSIONS), (short,))}


def _tables():
    for plugin, package in PLUGINS.items():
        for module in package.MODULES:
            yield plugin, module


def test_every_plugin_has_a_package():
    assert set(PLUGINS) == {p.type for p in DECLARED_PLUGINS.values()}


@pytest.mark.parametrize("plugin,module", list(_tables()), ids=lambda x: getattr(x, "__name__", x))
def test_every_key_is_a_declared_operation_of_its_plugin(plugin, module):
    declared = _declared(plugin)
    assert module.HANDLERS, "%s exports an empty table" % module.__name__
    for key, fn in module.HANDLERS.items():
        template, method = key
        assert method == method.lower(), key
        assert "{data_parser}" in template, key
        assert key in declared, "%s: %s %s is not an operation of %s" % (module.__name__, method, template,
                                                                         plugin)
        assert callable(fn), key


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_every_handler_module_is_listed(plugin):
    package = PLUGINS[plugin]
    listed = {m.__name__ for m in package.MODULES}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module("%s.%s" % (package.__name__, info.name))
        if hasattr(module, "HANDLERS"):
            assert module.__name__ in listed, "%s is not in %s.MODULES" % (module.__name__, package.__name__)


def test_no_key_is_bound_twice():
    counts = Counter(key for _, module in _tables() for key in module.HANDLERS)
    assert [k for k, n in counts.items() if n > 1] == []
    assert len(handlers_for(PLUGINS)) == sum(counts.values())


def test_collect_refuses_a_key_claimed_twice():
    def h(ctx):
        return None

    a = types.SimpleNamespace(__name__="a", HANDLERS={("/x/{data_parser}/y", "get"): h})
    b = types.SimpleNamespace(__name__="b", HANDLERS={("/x/{data_parser}/y", "get"): h})
    with pytest.raises(ValueError, match="GET /x/{data_parser}/y is bound by both a and b"):
        collect([a, b])


def test_handlers_for_only_the_plugins_asked():
    util_only = handlers_for(["openapi/util"])
    assert set(util_only) == set(PLUGINS["openapi/util"].HANDLERS)
    assert handlers_for(["openapi/none"]) == {}
