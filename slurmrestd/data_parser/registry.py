"""Per-version type registries built from the declarations.

``v0.0.45`` is declared in full (``decl/v0045.py``); each older version is a
:class:`~slurmrestd.data_parser.model.Delta` against the next newer one
(``v0.0.44`` against ``v0.0.45``, ``v0.0.43`` against ``v0.0.44``, ``v0.0.42``
against ``v0.0.43``, and Slurm 24.11's ``v0.0.41`` against ``v0.0.42``,
``v0.0.40`` against ``v0.0.41``).  ``get_registry(version)`` applies the chain once and
caches the result.

A registry also holds what dumps and parses its types: the codec tables
(:mod:`~slurmrestd.data_parser.codecs`, registered there) and its
:class:`~slurmrestd.data_parser.plan.Planner`.
"""

from __future__ import annotations

import dataclasses
import importlib
from functools import lru_cache
from typing import Any, Iterable, Optional, Sequence

from slurmrestd.data_parser.codecs import CODECS
from slurmrestd.data_parser.codecs.base import Codecs
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser.engine import Dumper, Parser
from slurmrestd.data_parser.model import Delta, Flags, GenOptions, RowPatch, Struct, TypeDecl
from slurmrestd.data_parser.plan import Planner
from slurmrestd.data_parser.versions import DEFAULT_VERSION, VERSIONS, VERSIONS_NEWEST_FIRST

__all__ = ["DEFAULT_VERSION", "VERSIONS", "VERSIONS_NEWEST_FIRST", "Registry", "apply_delta", "get_registry"]


def _module(version: str):
    return importlib.import_module("slurmrestd.data_parser.decl.v00" + version[-2:])


class Registry:
    """All types of one data parser version."""

    def __init__(self, version: str, types: Iterable[TypeDecl], options: GenOptions,
                 codecs: Codecs = CODECS, specs: Optional[dict] = None):
        self.version = version
        self.types: dict[str, TypeDecl] = {t.name: t for t in types}
        self.options = options
        #: fixed schemas of the types that describe themselves (v0.0.40)
        self.specs: dict = dict(specs or {})
        self.codecs = codecs
        self.planner = Planner(self)

    def dump(self, type_name: str, value: Any, ctx: ParserContext) -> Any:
        """``value`` (controller data) as the JSON data of ``type_name`` (generic walker)."""
        return Dumper(self, ctx).dump(self[type_name], value, None)

    def dump_planned(self, type_name: str, value: Any, ctx: ParserContext, envelope: bool = False) -> Any:
        """The same as :meth:`dump`, through the compiled plans (for long lists); see
        ``Planner.dump`` for ``envelope``."""
        return self.planner.dump(type_name, value, ctx, envelope)

    def parse(self, type_name: str, data: Any, ctx: ParserContext, path: Sequence[str] = ()) -> Any:
        """Request ``data`` as a value of ``type_name``; see :func:`slurmrestd.data_parser.parse`."""
        return Parser(self, ctx).run(self[type_name], data, path)

    def get(self, name: Optional[str]) -> Optional[TypeDecl]:
        if not name:
            return None
        return self.types.get(name)

    def __getitem__(self, name: str) -> TypeDecl:
        return self.types[name]

    def __contains__(self, name: str) -> bool:
        return name in self.types

    def unalias(self, t: TypeDecl) -> TypeDecl:
        """Follow pointer/alias links to the first concrete type."""
        while t.pointer_to or t.alias_of:
            t = self.types[t.pointer_to or t.alias_of]
        return t

    def openapi_type_of(self, name: str) -> Optional[str]:
        """The OpenAPI format of a type as used to decide whether an
        operation is bound (None = not supported by this version)."""
        t = self.get(name)
        if t is None:
            return None
        if t.model == "alias":
            t = self.unalias(t)
        return t.openapi

    @property
    def deprecated(self) -> bool:
        return self.options.deprecated


def _apply_rows(rows: tuple, patch: RowPatch, ident) -> tuple:
    replaced = {ident(r): r for r in patch.replace}
    dropped = set(patch.drop)
    out = [replaced.get(ident(r), r) for r in rows if ident(r) not in dropped]
    if patch.change:
        ids = [ident(r) for r in out]
        for key, attrs in patch.change:
            if key not in ids:  # pragma: no cover - declarations error
                raise KeyError(f"{patch.name}: no row {key} to change")
            i = ids.index(key)
            out[i] = dataclasses.replace(out[i], **dict(attrs))
    for after, row in patch.insert:
        if after is None:
            out.insert(0, row)
        else:
            ids = [ident(r) for r in out]
            out.insert(ids.index(after) + 1, row)
    return tuple(out)


def apply_delta(types: Iterable[TypeDecl], delta: Delta) -> list[TypeDecl]:
    put = {t.name: t for t in delta.put}
    patches = {p.name: p for p in delta.patch}
    dropped = set(delta.drop)
    out = []
    for t in types:
        if t.name in dropped:
            continue
        if t.name in put:
            out.append(put.pop(t.name))
        elif t.name in patches:
            p = patches[t.name]
            if isinstance(t, Struct):
                t = dataclasses.replace(t, fields=_apply_rows(t.fields, p, lambda f: f.ident))
            elif isinstance(t, Flags):
                t = dataclasses.replace(t, flags=_apply_rows(t.flags, p, lambda b: b.name))
            else:  # pragma: no cover - declarations error
                raise TypeError(f"cannot patch rows of {t.name}")
            out.append(t)
        else:
            out.append(t)
    out.extend(put.values())
    return out


@lru_cache(maxsize=None)
def get_registry(version: str) -> Registry:
    if version not in VERSIONS:
        raise KeyError(f"unknown data parser version {version}")
    mod = _module(version)
    if hasattr(mod, "TYPES"):
        return Registry(version, mod.TYPES, mod.OPTIONS)
    delta: Delta = mod.DELTA
    base = get_registry(delta.base)
    return Registry(version, apply_delta(base.types.values(), delta), delta.options,
                    specs={**base.specs, **delta.specs})
