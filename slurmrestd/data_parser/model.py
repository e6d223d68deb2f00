"""Building blocks of the declarative data_parser schema layer.

Every Slurm type that the REST API can dump or parse is declared once per API
version as one of the classes below (see ``decl/``).  The same declarations
drive three things: the OpenAPI component schemas (``schema.py``), dumping
controller data into response objects and parsing request bodies/queries
(``engine.py``).

Naming follows the C plugin: a type is known by its data parser name without
the ``DATA_PARSER_`` prefix (``JOB_INFO``, ``UINT32_NO_VAL``...), a struct
field by its JSON key path (``time/elapsed`` is a nested object) and by the C
struct member it maps to (``member``), which is the key used in the Python
dicts exchanged with the RPC layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field as _dc_field
from typing import Any, Optional

# OpenAPI leaf formats (name -> (type, format))
OPENAPI_FORMATS: dict[str, tuple[str, Optional[str]]] = {
    "INT": ("integer", None),
    "INT32": ("integer", "int32"),
    "INT64": ("integer", "int64"),
    "NUMBER": ("number", None),
    "FLOAT": ("number", "float"),
    "DOUBLE": ("number", "double"),
    "STRING": ("string", None),
    "PASSWORD": ("string", "password"),
    "BOOL": ("boolean", None),
    "OBJECT": ("object", None),
    "ARRAY": ("array", None),
}

# --------------------------------------------------------------------------
# Struct rows
# --------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Field:
    """One row of a struct table.

    kind:
      ``field``   – JSON ``key`` <-> C ``member`` through ``type``
      ``complex`` – ``type`` gets the whole struct (virtual field), no member
      ``removed`` – key kept for compatibility: dumped as placeholder,
                    ignored when parsing, deprecated in the schema
      ``skip``    – C member deliberately not exposed (documentation only)
      ``eflags``  – flag field exploded into one boolean per flag
    """

    kind: str
    key: Optional[str] = None
    type: Optional[str] = None
    member: Optional[str] = None
    required: bool = False
    overloads: int = 0
    deprecated: Optional[str] = None  # Slurm release that deprecated it
    single_flag: bool = False
    desc: Optional[str] = None

    @property
    def ident(self) -> str:
        """Identity of the row inside its table (used by version deltas)."""
        if self.key is not None:
            return self.key
        if self.kind == "eflags":
            return "!" + str(self.member)
        return "~" + str(self.member)


def F(key: str, type: str, member: str, *, required: bool = False,
      overloads: int = 0, deprecated: Optional[str] = None,
      single_flag: bool = False, desc: Optional[str] = None) -> Field:
    """A linked field: ``key`` maps C ``member`` through ``type``."""
    return Field(kind="field", key=key, type=type, member=member,
                 required=required, overloads=overloads, deprecated=deprecated,
                 single_flag=single_flag, desc=desc)


def C(key: str, type: str, *, required: bool = False,
      desc: Optional[str] = None) -> Field:
    """A complex (virtual) field whose codec receives the whole struct."""
    return Field(kind="complex", key=key, type=type, required=required,
                 desc=desc)


def R(key: str, type: str, *, required: bool = False,
      deprecated: Optional[str] = None, desc: Optional[str] = None) -> Field:
    """A removed field kept as a placeholder."""
    return Field(kind="removed", key=key, type=type, required=required,
                 deprecated=deprecated, desc=desc)


def S(member: str) -> Field:
    """A C member that is intentionally not exposed."""
    return Field(kind="skip", member=member)


def E(type: str, member: str, *, desc: Optional[str] = None) -> Field:
    """A flag member exploded into one boolean per (visible) flag."""
    return Field(kind="eflags", type=type, member=member, desc=desc)


# --------------------------------------------------------------------------
# Flag rows
# --------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Bit:
    """One flag of a flag/enum table.

    kind ``bit``: set iff ``(v & mask & value) == (mask & value)``;
    kind ``equal``: enum style, ``(v & mask) == value``;
    kind ``removed``: accepted (with a warning) but never dumped.
    ``value``/``mask`` are the C expressions (symbolic); numeric values are
    resolved by the codec layer when needed.
    """

    name: str
    kind: str = "bit"
    value: Optional[str] = None
    mask: Optional[str] = None
    hidden: bool = False
    deprecated: Optional[str] = None
    desc: Optional[str] = None


def B(name: str, value: str, mask: str = "INFINITE64", *, hidden: bool = False,
      desc: Optional[str] = None) -> Bit:
    return Bit(name=name, kind="bit", value=value, mask=mask, hidden=hidden,
               desc=desc)


def Q(name: str, value: str, mask: str, *, hidden: bool = False,
      desc: Optional[str] = None) -> Bit:
    return Bit(name=name, kind="equal", value=value, mask=mask, hidden=hidden,
               desc=desc)


def X(name: str, *, deprecated: Optional[str] = None) -> Bit:
    return Bit(name=name, kind="removed", deprecated=deprecated)


# --------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class TypeDecl:
    name: str
    desc: Optional[str] = None
    deprecated: Optional[str] = None

    # generic accessors used by the walkers
    fields: tuple = ()
    array_of: Optional[str] = None      # element type (shown as array)
    pointer_to: Optional[str] = None    # schema is the one of that type
    list_of: Optional[str] = None
    alias_of: Optional[str] = None
    flags: tuple = ()
    single: bool = False
    openapi: Optional[str] = None       # leaf OpenAPI format name
    spec: Optional[str] = None          # v0.0.40: name of a fixed schema (``Delta.specs``)

    model = "abstract"


@dataclass(frozen=True, kw_only=True)
class Struct(TypeDecl):
    """A C struct: ordered table of rows; an OpenAPI object."""
    ctype: str = ""
    fields: tuple = ()
    openapi: Optional[str] = "OBJECT"
    model = "struct"

    def row(self, ident: str) -> Optional[Field]:
        for f in self.fields:
            if f.ident == ident:
                return f
        return None


@dataclass(frozen=True, kw_only=True)
class Flags(TypeDecl):
    """Bit flags (list of names) or, with ``single``, one enum name."""
    ctype: str = ""
    flags: tuple = ()
    single: bool = False
    openapi: Optional[str] = "ARRAY"
    model = "flags"


@dataclass(frozen=True, kw_only=True)
class Ptr(TypeDecl):
    """Pointer to ``pointer_to``; NULL dumps as null when ``allow_null``."""
    pointer_to: Optional[str] = None
    allow_null: bool = False
    model = "ptr"


@dataclass(frozen=True, kw_only=True)
class ListOf(TypeDecl):
    """A Slurm ``list_t`` of ``list_of`` items."""
    list_of: Optional[str] = None
    needs: Optional[str] = None
    model = "list"


@dataclass(frozen=True, kw_only=True)
class NtArray(TypeDecl):
    """NULL/zero terminated C array (``pointers``: array of pointers)."""
    array_of: Optional[str] = None
    pointers: bool = False
    model = "nt_array"


@dataclass(frozen=True, kw_only=True)
class Leaf(TypeDecl):
    """A type with its own codec.

    ``openapi`` is its schema format; ``array_of`` makes it look like an array
    of that type; ``pointer_to`` makes its schema the one of that type.
    ``complex``: the codec receives the whole parent struct.
    ``parse_disabled``: read-only type (parsing only warns).
    """
    ctype: str = ""
    needs: Optional[str] = None
    complex: bool = False
    parse_disabled: bool = False
    model = "leaf"


@dataclass(frozen=True, kw_only=True)
class Alias(TypeDecl):
    alias_of: Optional[str] = None
    model = "alias"


@dataclass(frozen=True, kw_only=True)
class Removed(TypeDecl):
    """A type that no longer exists; kept so old schemas stay valid."""
    model = "removed"


# --------------------------------------------------------------------------
# Version deltas
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class RowPatch:
    """Row changes of one struct (or flag) table between two versions.

    ``drop``: identities removed; ``replace``: rows declared anew (matched by
    identity; for a row that changes kind); ``change``: :func:`Edit` pairs,
    rows that keep their kind and change only the attributes named (a C
    member path, a type, ``deprecated`` …); ``insert``: ``(after_ident or
    None, row)`` pairs, applied in order after drops, replacements and changes.
    """
    name: str
    drop: tuple = ()
    replace: tuple = ()
    insert: tuple = ()
    change: tuple = ()


def Edit(ident: str, **attrs: Any) -> tuple:
    """A row of a :class:`RowPatch` ``change``: the row ``ident`` (a field's identity or a
    flag's name) with ``attrs`` (``member="job_id"``, ``deprecated=None`` …) set."""
    return ident, tuple(attrs.items())


@dataclass(frozen=True)
class GenOptions:
    """Per-version switches of the schema generator."""
    flag_enums_as_refs: bool = False   # v0.0.42: flag arrays are $ref schemas
    desc_first_wins: bool = False      # v0.0.42: no description chaining
    deprecated: bool = False           # whole plugin deprecated (v0.0.42)
    #: ``always``: every struct, list and array is a ``$ref`` component (26.05);
    #: ``counted``: only types that the operations name more than once are
    #: components, everything else is inlined (Slurm 24.11's v0.0.41)
    refs: str = "always"
    #: Slurm 24.11's v0.0.40 rules: fixed schemas for the ``spec`` types, a
    #: type's own description wins, nothing is marked deprecated, exploded
    #: flags list hidden flags too, and every parameter says ``deprecated``
    legacy: bool = False


@dataclass(frozen=True)
class Delta:
    """A version expressed against the next newer one."""
    base: str
    drop: tuple = ()          # type names absent in this version
    put: tuple = ()           # type declarations new or replaced entirely
    patch: tuple = ()         # RowPatch for changed struct/flag tables
    options: GenOptions = _dc_field(default_factory=GenOptions)
    specs: dict = _dc_field(default_factory=dict)  # spec name -> fixed schema (v0.0.40)
