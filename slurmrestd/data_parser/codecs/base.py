"""What every codec area module uses: its :class:`CodecSet` and two helpers.

A codec area is a module that declares ``CODECS = CodecSet()`` and registers its
functions with ``@CODECS.dumper(name, ...)`` / ``@CODECS.parser(name, ...)``
(or ``CODECS.add_dump(name, fn)`` for functions made in a loop):

* ``dump(dumper, decl, value) -> data`` mirrors one ``DUMP_FUNC`` of the C plugin;
* ``parse(parser, decl, data, path) -> value`` mirrors one ``PARSE_FUNC``; it
  records problems with ``parser.error()`` (which stops parsing) or
  ``parser.warn()``, and returns :data:`~slurmrestd.data_parser.plain.UNSET` to
  leave the member as it is.

A complex codec (``Leaf(complex=True)``) receives the whole parent struct.
:func:`merge` joins the areas listed in ``codecs/__init__.py`` into the
read-only tables the registries hand to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping


class CodecSet:
    """The dump and parse functions of one area module, by type name."""

    def __init__(self) -> None:
        self.dump: dict[str, Callable] = {}
        self.parse: dict[str, Callable] = {}

    def add_dump(self, name: str, fn: Callable) -> None:
        _add(self.dump, name, fn)

    def add_parse(self, name: str, fn: Callable) -> None:
        _add(self.parse, name, fn)

    def add_dumps(self, factory: Callable, table: Mapping[str, tuple]) -> None:
        """Each type of ``table`` (type name -> arguments) dumps with ``factory(*arguments)``."""
        for name, args in table.items():
            self.add_dump(name, factory(*args))

    def dumper(self, *names: str):
        """Decorator: ``fn`` dumps the types ``names``."""
        return _registrar(self.add_dump, names)

    def parser(self, *names: str):
        """Decorator: ``fn`` parses the types ``names``."""
        return _registrar(self.add_parse, names)

    def same_as(self, name: str, other: str) -> None:
        """Type ``name`` dumps and parses as the type ``other``."""
        self.add_dump(name, lambda d, t, value: sub(d, other, value))
        self.add_parse(name, lambda p, t, data, path: p.parse(p.reg[other], data, path))


def _registrar(add: Callable, names: tuple):
    def deco(fn):
        for n in names:
            add(n, fn)
        return fn
    return deco


def _add(table: dict, name: str, fn: Callable) -> None:
    if name in table:
        raise ValueError(f"codec {name} registered twice in one area")
    table[name] = fn


@dataclass(frozen=True)
class Codecs:
    """All codecs of the data parser: type name -> function (read-only)."""
    dump: Mapping[str, Callable]
    parse: Mapping[str, Callable]


def merge(areas: Iterable) -> Codecs:
    """The codecs of ``areas`` (modules with a ``CODECS`` set), in order: an area's
    codec replaces a codec of the same name from an earlier area."""
    dump: dict[str, Callable] = {}
    parse: dict[str, Callable] = {}
    for area in areas:
        dump.update(area.CODECS.dump)
        parse.update(area.CODECS.parse)
    return Codecs(MappingProxyType(dump), MappingProxyType(parse))


def inline(template: Callable[[Any], Any]):
    """Decorator: the dump codec can be written out in compiled plans (``data_parser.plan``).

    ``template(reg, t)`` gives, for the registry ``reg`` and the type ``t``, a Python
    expression of the same result in terms of ``v`` (the member), ``self`` (the dumper), ``{T}`` (the row's type)
    and ``{C}`` (this codec, for the values the expression does not cover), or None when
    the codec cannot be written out for that registry."""
    def deco(fn):
        fn.plan_inline = template
        return fn
    return deco


def folded(*values: Any):
    """Decorator: the dump codec's output depends only on its input value, the registry and
    plain or complex mode (not on the context's tables, names or anything else, and it
    records no warnings for these values): compiled plans write out its output for each of
    ``values`` as a literal (``data_parser.fold``)."""
    def deco(fn):
        fn.plan_fold = values
        return fn
    return deco


def sub(d, type_name: str, value: Any, row=None) -> Any:
    """Dump ``value`` as the type ``type_name`` with the dumper ``d``."""
    return d.dump(d.reg[type_name], value, row)


def current(p) -> dict:
    """The struct a parser is filling (complex parse codecs may read and change it)."""
    cur = getattr(p, "current", None)
    return cur if cur is not None else {}
