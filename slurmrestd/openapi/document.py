"""The OpenAPI document and the operation table.

``build_document()`` produces the whole document the daemon serves at
``/openapi/v3`` (and its aliases) from the operation declarations
(``paths.py``) and the data parser declarations.  ``iter_operations()``
yields the same bound operations for the router.

Binding rule (as the reference): a path is bound once per data parser version,
and each of its methods only when every type it uses (response, path
parameters, query, body) exists in that version with a valid OpenAPI format.
Paths appear per plugin, per path, per version in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Sequence

from slurmrestd.data_parser.registry import VERSIONS, get_registry
from slurmrestd.openapi import corrections
from slurmrestd.openapi.paths import PLUGINS, Method
from slurmrestd.slurm.release import SLURM_RELEASE

if TYPE_CHECKING:  # pragma: no cover - the schema writer is imported by build_document only
    from slurmrestd.data_parser.schema import SchemaWriter

OPENAPI_VERSION = "3.0.3"
DEFAULT_MIME_TYPES = ("application/json", "application/yaml")
DEFAULT_PLUGINS = ("slurmctld", "slurmdbd", "util")

TAGS = (
    ("slurm", "Operations served by slurmctld"),
    ("slurmdb", "Operations served by slurmdbd"),
    ("util", "Helpers computed by slurmrestd itself"),
    ("openapi", "The OpenAPI description of this service"),
)

SECURITY_SCHEMES = {
    "user": {"type": "apiKey", "description": "Name of the user to act as",
             "name": "X-SLURM-USER-NAME", "in": "header"},
    "token": {"type": "apiKey", "description": "Slurm JWT of the user",
              "name": "X-SLURM-USER-TOKEN", "in": "header"},
    "bearerAuth": {"type": "http", "description": "Slurm JWT as bearer token",
                   "scheme": "bearer", "bearerFormat": "JWT"},
}

SECURITY = ({"user": [], "token": []}, {"token": []}, {"bearerAuth": []}, {})


#: Slurm 24.11 counted its own four /openapi paths (hidden from the document) when it
#: decided which types are components ("counted" refs): each was declared with the
#: shares response and query types.
HIDDEN_24_11 = (Method("get", "OpenAPI document", "OPENAPI_SHARES_RESP", parameters="SHARES_REQ_MSG"),) * 4


@dataclass(frozen=True)
class Operation:
    """One bound operation (path template bound to one data parser version)."""

    path: str                 # concrete path, version substituted
    template: str             # path with {data_parser}
    method: str               # lower case HTTP method
    operation_id: str
    version: str
    plugin: str
    handler: str
    path_params: dict = field(default_factory=dict)   # name -> schema dict
    query_type: Optional[str] = None
    body_type: Optional[str] = None
    response_type: Optional[str] = None
    parameters_type: Optional[str] = None
    decl: Optional[Method] = None


def operation_id(path: str, method: str) -> str:
    """operationId as the reference derives it from the concrete path."""
    parts: list[str] = []
    last_index: Optional[int] = None
    for raw in [p for p in path.split("/") if p]:
        template = raw.startswith("{") and raw.endswith("}")
        entry = raw[1:-1] if template else raw
        if template and last_index is not None and parts[last_index] == entry:
            parts.append(entry)
            parts[last_index] = "single"
            last_index = len(parts) - 1
        elif template:
            last_index = None
        else:
            parts.append(entry.replace(".", ""))
            last_index = len(parts) - 1
    if len(parts) < 3:
        merged = [method] + parts
    else:
        merged = parts[:2] + [method] + parts[2:]
    return "_".join(merged)


def _supported(registry, m: Method) -> bool:
    if registry.version < m.oldest:
        return False
    for name in (m.response, m.parameters, m.query, m.body):
        if name and registry.openapi_type_of(name) is None:
            return False
    return True


def _bound(versions: Sequence[str], plugins: Sequence[str], corrected: bool = True):
    """Yield (plugin, path decl, version, concrete path, [methods])."""
    for pname in plugins:
        plugin = PLUGINS[pname]
        for p in plugin.paths:
            for v in versions:
                reg = get_registry(v)
                methods = []
                for m in p.methods:
                    fixed = corrections.corrected(p.template, m) if corrected else m
                    if fixed is not m and not _supported(reg, fixed):
                        fixed = m  # a version without the corrected type keeps the declared one
                    if _supported(reg, fixed):
                        methods.append(fixed)
                if methods:
                    yield plugin, p, v, p.template.replace("{data_parser}", v), methods


def _path_param_schemas(reg, m: Method) -> dict:
    out: dict = {}
    if not m.parameters:
        return out
    t = reg.unalias(reg[m.parameters])
    for f in t.fields:
        if f.kind in ("field", "complex") and f.key:
            target = reg.unalias(reg[f.type])
            fmt = target.openapi or ("OBJECT" if target.fields else None)
            from slurmrestd.data_parser.model import OPENAPI_FORMATS
            otype, oformat = OPENAPI_FORMATS.get(fmt, ("string", None))
            sch = {"type": otype}
            if oformat:
                sch["format"] = oformat
            out[f.key] = sch
    return out


def iter_operations(versions: Sequence[str] = VERSIONS,
                    plugins: Sequence[str] = DEFAULT_PLUGINS) -> Iterator[Operation]:
    return iter(operations_of(tuple(versions), tuple(plugins)))


@lru_cache(maxsize=256)
def operations_of(versions: tuple[str, ...], plugins: tuple[str, ...]) -> tuple[Operation, ...]:
    """The operations of these plugins bound to these versions, in the document's order
    (plugin, path, version).  Built once per combination: the declarations never change,
    and nothing mutates an ``Operation``."""
    out = []
    for plugin, p, v, path, methods in _bound(versions, plugins):
        reg = get_registry(v)
        for m in methods:
            out.append(Operation(
                path=path, template=p.template, method=m.method,
                operation_id=operation_id(path, m.method), version=v,
                plugin=plugin.name, handler=p.handler,
                path_params=_path_param_schemas(reg, m),
                query_type=m.query, body_type=m.body, response_type=m.response,
                parameters_type=m.parameters, decl=m))
    return tuple(out)


def _content(writer: SchemaWriter, type_name: str, mime_types: Sequence[str]) -> dict:
    content: dict = {}
    for mt in mime_types:
        if mt == "application/x-www-form-urlencoded":
            continue
        schema: dict = {}
        content[mt] = {"schema": schema}
        writer.set_ref(schema, None, writer.reg[type_name])
    return content


def _operation(plugin, path: str, m: Method, writer: SchemaWriter,
               mime_types: Sequence[str]) -> dict:
    op: dict = {"tags": [plugin.tag], "summary": m.summary}
    if m.description:
        op["description"] = m.description
    if writer.reg.deprecated:
        op["deprecated"] = True
    op["operationId"] = operation_id(path, m.method)
    if m.parameters or m.query:
        op["parameters"] = writer.parameters(m.parameters, m.query)
    if m.response:
        responses: dict = {}
        for code in ("200", "default"):
            resp: dict = {"content": _content(writer, m.response, mime_types)}
            if m.response_desc is not None:
                resp["description"] = m.response_desc
            responses[code] = resp
        op["responses"] = responses
    if m.body:
        body: dict = {"content": _content(writer, m.body, mime_types)}
        if m.body_desc is not None:
            body["description"] = m.body_desc
        op["requestBody"] = body
    return op


def _release_parts(release: str) -> dict:
    parts = (release.split(".") + ["0", "0", "0"])[:3]
    return {"major": parts[0], "micro": parts[2], "minor": parts[1]}


def build_document(versions: Sequence[str] = VERSIONS,
                   plugins: Sequence[str] = DEFAULT_PLUGINS,
                   registered: Optional[Callable[[str, str], bool]] = None,
                   slurm_release: str = SLURM_RELEASE,
                   mime_types: Sequence[str] = DEFAULT_MIME_TYPES, corrected: bool = True) -> dict:
    """The complete OpenAPI document.

    ``versions``: data parser versions (order = order of the paths);
    ``plugins``: openapi plugins (slurmctld, slurmdbd, util);
    ``registered(path, method)`` (concrete path, version filled in): only operations whose handler is
    registered appear (None: all); ``mime_types``: response/request media
    types listed (the reference lists one per loaded serializer); ``corrected``: with the
    corrections of ``openapi/corrections`` (False: the reference's document).
    """
    from slurmrestd.data_parser.schema import SchemaWriter, count_references

    doc: dict = {}
    doc["tags"] = [{"name": n, "description": d} for n, d in TAGS]
    paths: dict = {}
    doc["paths"] = paths
    schemas: dict = {}
    doc["components"] = {"schemas": schemas,
                         "securitySchemes": {k: dict(v) for k, v in SECURITY_SCHEMES.items()}}
    bound = []
    for plugin, p, v, path, methods in _bound(versions, plugins, corrected):
        if registered is not None:
            methods = [m for m in methods if registered(path, m.method)]
        if methods:
            bound.append((plugin, p, v, path, methods))
    writers = {}
    for v in versions:
        reg = get_registry(v)
        counts = None
        if reg.options.refs == "counted":
            named = [m for b in bound if b[2] == v for m in b[4]] + list(HIDDEN_24_11)
            counts = count_references(reg, named, len(mime_types))
        writers[v] = SchemaWriter(reg, schemas, counts,
                                  frozenset(corrections.NULLABLE) if corrected else frozenset())
    for plugin, p, v, path, methods in bound:
        entry: dict = {}
        paths[path] = entry
        for m in methods:
            entry[m.method] = _operation(plugin, path, m, writers[v], mime_types)
    doc["info"] = {
        "contact": {"name": "slurmrestd (Python) maintainers",
                    "url": "https://slurm.schedmd.com/rest.html",
                    "email": "slurmrestd@localhost"},
        "license": {"name": "Apache 2.0",
                    "url": "https://www.apache.org/licenses/LICENSE-2.0.html"},
        "x-slurm": {
            "data_parsers": [{"plugin": v, "flags": ["NONE"]} for v in versions],
            "openapi": [PLUGINS[p].type for p in plugins],
            "version": _release_parts(slurm_release),
            "release": slurm_release,
        },
        "title": "Slurm REST API",
        "description": "Query and control a Slurm cluster over HTTP",
        "termsOfService": "https://github.com/SchedMD/slurm/blob/master/DISCLAIMER",
        "version": f"Slurm-{slurm_release}",
    }
    doc["servers"] = [{"url": "/"}]
    doc["security"] = [dict(s) for s in SECURITY]
    doc["openapi"] = OPENAPI_VERSION
    if corrected:
        corrections.apply(doc, versions)
    return doc

