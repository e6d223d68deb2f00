"""Operations: the request pipeline, the router, and the handlers of each plugin.

The pipeline (``app``, ``context``, ``router``) and the unversioned core paths
(``core``: the OpenAPI document and the health probes) live here; the handlers
live in one package per plugin (``slurmctld/``, ``slurmdbd/``, ``util/``, joined
in ``plugins``).  Every handler module exports its own ``HANDLERS`` table and
its package's ``MODULES`` lists them all.

Handlers are looked up by the operation's path template and method as the
OpenAPI table declares them, so what is served and what the document lists
always agree: an operation appears in ``/openapi/v3`` exactly when it is bound.
"""

from __future__ import annotations

from types import ModuleType
from typing import Callable, Iterable

from slurmrestd.operations.coalesce import coalescable
from slurmrestd.operations.inline import inline_operation
from slurmrestd.operations.router import Binding, Router

#: (path template with {data_parser} as ``openapi/paths`` declares it, lower-case method) → handler
HandlerTable = dict[tuple[str, str], Callable]


def collect(modules: Iterable[ModuleType]) -> HandlerTable:
    """One table from the ``HANDLERS`` of every module; a key claimed twice is a bug, refused."""
    table: HandlerTable = {}
    owner: dict[tuple[str, str], str] = {}
    for module in modules:
        for key, fn in module.HANDLERS.items():
            if key in owner:
                raise ValueError("%s %s is bound by both %s and %s"
                                 % (key[1].upper(), key[0], owner[key], module.__name__))
            owner[key] = module.__name__
            table[key] = fn
    return table


def lazy_handler_package(package: str, module_names: Iterable[str]) -> Callable[[str], object]:
    """The module ``__getattr__`` (PEP 562) of a handler package: ``MODULES`` imports its
    ``module_names`` and ``HANDLERS`` collects their tables, both on first use, so importing
    one handler module does not import its siblings."""
    import importlib

    names = tuple(module_names)

    def __getattr__(name: str) -> object:
        if name == "MODULES":
            return tuple(importlib.import_module(package + "." + n) for n in names)
        if name == "HANDLERS":
            return collect(__getattr__("MODULES"))
        raise AttributeError("module %r has no attribute %r" % (package, name))

    return __getattr__


def bind_operations(router: Router, versions: Iterable[str], plugins: Iterable[str],
                    handlers: HandlerTable) -> int:
    """Bind every declared operation that has a handler; returns how many were bound."""
    from slurmrestd.openapi.document import iter_operations

    count = 0
    names = [p.removeprefix("openapi/") for p in plugins]
    for op in iter_operations(tuple(versions), tuple(names)):
        fn = handlers.get((op.template, op.method))
        if fn is None:
            continue
        plugin = "openapi/" + op.plugin
        router.add(Binding(op.path, op.method.upper(), fn, plugin, op.version, operation=op,
                           coalesce=coalescable(plugin, op.method, op.template),
                           inline=inline_operation(plugin, op.method, op.template)))
        count += 1
    return count


def defer_operations(router: Router, versions: Iterable[str], plugins: Iterable[str],
                     handlers: HandlerTable) -> None:
    """``bind_operations`` one version at a time, when the router first meets a path naming
    that version (``Router.defer``): the same bindings, built only for the versions used."""
    plugins = tuple(plugins)
    for v in versions:
        router.defer(v, lambda v=v: bind_operations(router, (v,), plugins, handlers))
