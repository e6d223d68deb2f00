"""Operations: the request pipeline, the router, and one module of handlers per plugin.

Handlers are looked up by the operation's path template and method as the
OpenAPI table declares them, so what is served and what the document lists
always agree: an operation appears in ``/openapi/v3`` exactly when it is bound.
"""

from __future__ import annotations

from typing import Callable, Iterable

from slurmrestd.operations.router import Binding, Router

#: (path template with {data_parser}, lower-case method) → handler
HandlerTable = dict[tuple[str, str], Callable]


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
        router.add(Binding(op.path, op.method.upper(), fn, "openapi/" + op.plugin, op.version,
                           operation=op))
        count += 1
    return count
