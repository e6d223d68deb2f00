"""OpenAPI schema generation from the type declarations.

A walk over the declarations of one version (:class:`Registry`) that produces

* ``$ref``/inline schemas for an operation's request/response type, adding the
  referenced component schemas to a shared ``components.schemas`` dict the
  first time they are met (depth first, which fixes the component order);
* the operation ``parameters`` list from a path-parameter type and a query
  type.

Component names are ``<version>_<lower-case type name>``.  Every struct, list
and array type is a ``$ref``; leaves are inlined.  Per-version switches
(:class:`GenOptions`) reproduce the older versions: v0.0.42 has flag arrays as
``$ref`` components and "first description wins" instead of description
chaining; Slurm 24.11's v0.0.41 makes components only of the types that the
operations name more than once (``refs="counted"``, counts from
``count_references``) and inlines the rest; its v0.0.40 (``legacy``) has fixed
schemas for a few types (``Registry.specs``) and no deprecation marks.
"""

from __future__ import annotations

import copy
from typing import Optional

from slurmrestd.data_parser.model import OPENAPI_FORMATS, Field, TypeDecl
from slurmrestd.data_parser.registry import Registry

REF_PREFIX = "#/components/schemas/"


def schema_name(version: str, type_name: str) -> str:
    return f"{version}_{type_name.lower()}"


class SchemaWriter:
    """Generates schemas of one data parser version into ``schemas``."""

    def __init__(self, registry: Registry, schemas: dict, counts: Optional[dict] = None,
                 nullable: frozenset = frozenset()):
        self.reg = registry
        self.schemas = schemas
        self.opts = registry.options
        #: ``refs="counted"``: how often the operations name each (unaliased) type
        self.counts = counts or {}
        #: types whose schema is marked ``nullable`` wherever it is written, as a component
        #: or inline (``openapi/corrections``)
        self.nullable = nullable

    # -- descriptions ---------------------------------------------------
    @staticmethod
    def _chain(desc: Optional[str], node) -> Optional[str]:
        text = node.desc
        if not text:
            return desc
        if isinstance(node, Field) and node.key:
            return (desc or "") + text
        if desc:
            return f"{desc} ({text})"
        return text

    # -- $ref or inline -------------------------------------------------
    def _should_be_ref(self, t: TypeDecl) -> bool:
        if t.model == "removed" and not self.opts.legacy:
            return False
        if self.opts.refs == "counted" and self.counts.get(t.name, 0) <= 1:
            return False
        if t.openapi == "OBJECT":
            return True
        if t.openapi == "ARRAY" and (t.model != "flags" or self.opts.flag_enums_as_refs):
            return True
        return bool(t.array_of or t.pointer_to or t.list_of or t.fields or t.alias_of)

    def _set_ref_legacy(self, obj: dict, parent, node) -> None:
        """v0.0.40: the nearest type's own description wins, nothing is deprecated."""
        reg = self.reg
        if isinstance(node, Field):
            parent, node = node, reg[node.type]
        desc = node.desc if node.desc is not None else (parent.desc if parent is not None else None)
        while node.pointer_to or node.alias_of:
            if node.desc is not None:
                desc = node.desc
            node = reg[node.pointer_to or node.alias_of]
        if not self._should_be_ref(node):
            self._inline(obj, node, desc, False)
            return
        obj["$ref"] = REF_PREFIX + schema_name(reg.version, node.name)
        if desc is not None:
            obj["description"] = desc
        key = schema_name(reg.version, node.name)
        if key not in self.schemas:
            target: dict = {}
            self.schemas[key] = target
            self._inline(target, node, None, False)

    def set_ref(self, obj: dict, parent, node) -> None:
        """Fill ``obj`` with the schema of ``node`` (a row or a type)."""
        if self.opts.legacy:
            self._set_ref_legacy(obj, parent, node)
            return
        reg = self.reg
        deprecated = bool(parent is not None and parent.deprecated)
        desc: Optional[str] = None
        first = self.opts.desc_first_wins

        while True:
            if first:
                if desc is not None:
                    pass
                elif parent is not None and parent.desc is not None:
                    desc = parent.desc
                elif node.desc is not None:
                    desc = node.desc
            else:
                desc = self._chain(desc, node)
            if node.deprecated:
                deprecated = True
            if isinstance(node, Field):
                parent = node
                node = reg[node.type]
                continue
            if node.model == "removed":
                break
            if node.pointer_to:
                node = reg[node.pointer_to]
                continue
            if node.alias_of:
                node = reg[node.alias_of]
                continue
            break

        if not self._should_be_ref(node):
            self._inline(obj, node, desc, deprecated)
            return

        obj["$ref"] = REF_PREFIX + schema_name(reg.version, node.name)
        if desc is not None and (desc or first):
            obj.setdefault("description", desc)
        if deprecated:
            obj["deprecated"] = True
        key = schema_name(reg.version, node.name)
        if key not in self.schemas:
            target: dict = {}
            self.schemas[key] = target
            self._inline(target, node, None, bool(node.deprecated))

    def _inline(self, obj: dict, t: TypeDecl, desc: Optional[str],
                deprecated: bool) -> None:
        if t.name in self.nullable:
            obj["nullable"] = True
        if t.spec and self.opts.legacy:
            obj.update(copy.deepcopy(self.reg.specs[t.spec]))
            return
        if self.opts.legacy and t.desc is not None:
            desc = t.desc
        if t.array_of or t.list_of or (t.model == "flags" and not t.single):
            fmt = "ARRAY"
        elif t.model == "flags":
            fmt = "STRING"
        elif t.fields:
            fmt = "OBJECT"
        else:
            fmt = t.openapi
        if desc is None:
            if self.opts.desc_first_wins:
                desc = t.desc
            else:
                desc = self._chain(None, t)
        otype, oformat = OPENAPI_FORMATS[fmt]
        obj["type"] = otype
        if oformat:
            obj["format"] = oformat
        if desc is not None and (desc or self.opts.desc_first_wins):
            obj["description"] = desc
        if fmt == "ARRAY":
            items: dict = {}
            obj["items"] = items
            if t.array_of:
                self.set_ref(items, t, self.reg[t.array_of])
            elif t.list_of:
                self.set_ref(items, t, self.reg[t.list_of])
            elif t.model == "flags":
                items["enum"] = [b.name for b in t.flags if not b.hidden]
                items["type"] = "string"
        elif fmt == "OBJECT":
            obj["properties"] = {}
            if t.fields:
                required: list = []
                obj["required"] = required
                for f in t.fields:
                    self._add_field(obj, required, t, f)
        if deprecated:
            obj["deprecated"] = True

    def _add_field(self, obj: dict, required: list, parent: TypeDecl, f: Field) -> None:
        if f.kind == "skip":
            return
        if f.required:
            required.append(f.key)
        dst = obj
        if f.key is not None:
            for part in [p for p in f.key.split("/") if p]:
                if "type" not in dst:
                    dst["type"] = "object"
                props = dst.setdefault("properties", {})
                dst = props.setdefault(part, {})
        else:  # exploded flags have no key: their booleans go to the parent
            dst = obj
        if f.kind == "eflags":
            props = dst.setdefault("properties", {})
            for b in self.reg[f.type].flags:
                if not b.hidden or self.opts.legacy:
                    props[b.name] = {"type": "boolean"}
            return
        self.set_ref(dst, parent, f)

    # -- parameters -----------------------------------------------------
    def parameters(self, path_type: Optional[str], query_type: Optional[str]) -> list:
        params: list = []
        path_names: set = set()
        ptype = self.reg.unalias(self.reg[path_type]) if path_type else None
        qtype = self.reg.unalias(self.reg[query_type]) if query_type else None
        if ptype is not None:
            path_names = {f.key for f in ptype.fields}
            for f in ptype.fields:
                self._param_row(params, f, path_names)
        if qtype is not None:
            for f in qtype.fields:
                self._param_row(params, f, path_names)
        return params

    def _param(self, name: str, allow_empty: bool, desc: Optional[str],
               deprecated: bool, required: bool, path_names: set) -> dict:
        in_path = name in path_names
        p: dict = {"in": "path" if in_path else "query", "name": name,
                   "style": "simple" if in_path else "form", "explode": False}
        if deprecated or self.opts.legacy:
            p["deprecated"] = deprecated
        p["allowEmptyValue"] = allow_empty
        p["allowReserved"] = False
        if desc is not None:
            p["description"] = desc
        p["required"] = bool(in_path or required)
        p["schema"] = {"type": "string"}
        return p

    def _param_row(self, params: list, f: Field, path_names: set) -> None:
        plugin_deprecated = self.opts.deprecated
        if f.kind == "skip":
            return
        if f.kind == "eflags":
            for b in self.reg[f.type].flags:
                if not b.hidden:
                    params.append(self._param(b.name, True, b.desc,
                                              bool(b.deprecated or plugin_deprecated),
                                              False, path_names))
            return
        if f.kind == "removed":
            p = None
            allow_empty = False
        else:
            p = self.reg.unalias(self.reg[f.type])
            if p.model == "struct":
                return
            allow_empty = p.openapi == "BOOL"
        param = self._param(f.key, allow_empty, f.desc,
                            bool(f.deprecated or plugin_deprecated), f.required,
                            path_names)
        params.append(param)
        if f.kind != "removed":
            t = self.reg[f.type]
            if t.model == "flags":
                schema = param["schema"]
                schema["enum"] = [b.name for b in t.flags if not b.hidden]
                schema["type"] = "string"


def count_references(reg: Registry, operations, mime_types: int) -> dict:
    """How often ``operations`` (each with ``parameters``, ``query``, ``body`` and
    ``response`` type names) name each unaliased type of ``reg``: once for the path
    and query parameter types, once per media type for bodies and responses."""
    counts: dict = {}

    def add(name: Optional[str], times: int) -> None:
        if name:
            t = reg.unalias(reg[name])
            counts[t.name] = counts.get(t.name, 0) + times

    for m in operations:
        add(m.parameters, 1)
        add(m.query, 1)
        add(m.body, mime_types)
        add(m.response, mime_types)
    return counts
