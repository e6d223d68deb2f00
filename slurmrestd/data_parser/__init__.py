"""Declarative data_parser layer (schemas, dump and parse for v0.0.42-v0.0.45).

Public API::

    from slurmrestd.data_parser import dump, dump_planned, parse, ParserContext, get_registry, VERSIONS

Layers, bottom up: ``versions``, ``model`` and ``decl/`` (the type declarations),
``context`` (diagnostics), ``members``/``plain``/``flags`` (value helpers),
``codecs/`` (leaf codecs, one module per area), ``engine`` (the generic
walkers), ``plan`` (compiled dumps), ``registry`` (one version's types with
their codecs and planner), ``schema`` (OpenAPI schemas).

Importing the package loads nothing but this file: the names above are resolved on first
use (PEP 562 ``__getattr__``), so ``slurmrestd.settings`` can read ``versions`` without
building the codecs, and a process that dumps nothing (an inet-mode 404) never loads them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Optional, Sequence

from slurmrestd.data_parser.versions import DEFAULT_VERSION, VERSIONS

if TYPE_CHECKING:  # pragma: no cover
    from slurmrestd.data_parser.context import ParserContext, format_path  # noqa: F401
    from slurmrestd.data_parser.registry import Registry, get_registry  # noqa: F401

#: Public name → the submodule that defines it, imported on first use.
_LAZY = {
    "ParserContext": "context",
    "format_path": "context",
    "Registry": "registry",
    "get_registry": "registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(importlib.import_module("slurmrestd.data_parser." + module), name)


def _context(ctx: Optional["ParserContext"], version: Optional[str]) -> tuple["ParserContext", "Registry"]:
    from slurmrestd.data_parser.registry import get_registry

    if ctx is None:
        from slurmrestd.data_parser.context import ParserContext

        ctx = ParserContext(version=version or DEFAULT_VERSION)
    return ctx, get_registry(version or ctx.version)


def dump(type_name: str, value: Any, ctx: Optional["ParserContext"] = None, *,
         version: Optional[str] = None) -> Any:
    """Dump ``value`` (controller data) as the JSON data of ``type_name``."""
    ctx, reg = _context(ctx, version)
    return reg.dump(type_name, value, ctx)


def dump_planned(type_name: str, value: Any, ctx: "ParserContext", version: Optional[str] = None, *,
                 envelope: bool = False) -> Any:
    """:func:`dump` through the registry's compiled plans: the same output, faster for long
    lists (jobs, nodes, accounting records).  ``envelope``: an answer's ``meta``, ``errors``
    and ``warnings`` are left ``None`` for the envelope to set (``Planner.dump``)."""
    ctx, reg = _context(ctx, version)
    return reg.dump_planned(type_name, value, ctx, envelope)


def parse(type_name: str, data: Any, ctx: Optional["ParserContext"] = None, *,
          version: Optional[str] = None, path: Sequence[str] = ()) -> Any:
    """Parse request ``data`` as ``type_name``.

    Returns the parsed value (see :mod:`~slurmrestd.data_parser.engine`).  Problems are
    recorded in ``ctx``; on an error the value parsed so far is returned and
    ``ctx.errors`` is non-empty.
    """
    ctx, reg = _context(ctx, version)
    return reg.parse(type_name, data, ctx, path)


def required_members(type_name: str, version: Optional[str] = None) -> dict:
    """The required members of struct ``type_name`` with the values an empty record dumps as
    (``{"jobs": [], "last_update": {...}}`` for ``OPENAPI_JOB_INFO_RESP``): what an answer
    still carries when its handler produced nothing, so that it validates against the
    document.  Members that would dump as ``null`` are left out."""
    ctx, reg = _context(None, version)
    t = reg.unalias(reg[type_name])
    empty = reg.dump(type_name, {}, ctx)
    if not isinstance(empty, dict) or ctx.errors:
        return {}
    keys = [f.key for f in t.fields if f.required and f.key and "/" not in f.key]
    return {k: empty[k] for k in keys if empty.get(k) is not None}


__all__ = ["ParserContext", "format_path", "dump", "dump_planned", "parse", "required_members", "DEFAULT_VERSION", "VERSIONS",
           "Registry", "get_registry"]
