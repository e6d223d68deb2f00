"""Bytes ↔ Python data for every media type we read or write.

JSON goes through orjson (strict: invalid JSON or invalid UTF-8 is refused with
the position of the problem).  YAML goes through PyYAML's LibYAML classes when
present.  URL-encoded data (query strings and form bodies) follows the
reference's rules: ``k`` alone is ``true``, ``k=`` is null, a repeated key
becomes a list; unlike the reference we accept every character RFC 3986 allows
in a query (``,`` ``:`` ``[`` …) instead of failing with a 500.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import unquote_to_bytes

import orjson
import yaml

from slurmrestd.errors import E, SlurmError

try:
    _YamlLoader = yaml.CSafeLoader
    _YamlDumper = yaml.CSafeDumper
except AttributeError:  # PyYAML without LibYAML
    _YamlLoader = yaml.SafeLoader  # type: ignore[misc]
    _YamlDumper = yaml.SafeDumper  # type: ignore[misc]

JSON = "application/json"
URL_ENCODED = "application/x-www-form-urlencoded"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
JSON_TYPES = (JSON, "application/jsonrequest")


def _fail(what: str, detail: str) -> SlurmError:
    return SlurmError(E.ESLURM_REST_FAIL_PARSING, "Failure during parsing %s: %s" % (what, detail), "body")


def dump_json(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def load_json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise _fail("JSON", str(e)) from None


def dump_yaml(obj: Any) -> bytes:
    return yaml.dump(obj, Dumper=_YamlDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 20, explicit_start=True).encode("utf-8")


def load_yaml(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail("YAML", "invalid UTF-8 at byte %d" % e.start) from None
    try:
        return yaml.load(text, Loader=_YamlLoader)
    except yaml.YAMLError as e:
        raise _fail("YAML", str(e).replace("\n", " ")) from None


# RFC 3986 query characters, plus '%' escapes; anything else must be escaped by the client.
_QUERY_OK = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                      b"-._~!$'()*+,;=:@/?&[]%")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _decode_component(raw: str, what: str) -> str:
    b = raw.encode("latin-1")
    i = b.find(b"%")
    while i >= 0:
        if len(b) < i + 3 or b[i + 1] not in _HEX or b[i + 2] not in _HEX:
            raise SlurmError(E.ESLURM_URL_INVALID_FORMATTING,
                             "Invalid percent escape %r in %s" % (b[i:i + 3].decode("latin-1"), what), "query")
        i = b.find(b"%", i + 3)
    try:
        return unquote_to_bytes(b.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise SlurmError(E.ESLURM_URL_INVALID_FORMATTING, "Invalid UTF-8 in %s" % what, "query") from None


def parse_query(query: str | bytes, what: str = "query string") -> dict:
    if isinstance(query, bytes):
        try:
            query = query.decode("ascii")
        except UnicodeDecodeError:
            raise SlurmError(E.ESLURM_URL_INVALID_FORMATTING, "Non-ASCII byte in %s" % what, "query") from None
    for ch in query.encode("latin-1"):
        if ch not in _QUERY_OK:
            raise SlurmError(E.ESLURM_URL_INVALID_FORMATTING,
                             "Character %r must be percent-encoded in %s" % (chr(ch), what), "query")
    out: dict[str, Any] = {}
    for part in query.replace(";", "&").split("&"):
        if not part:
            continue
        key_raw, eq, val_raw = part.partition("=")
        key = _decode_component(key_raw, what)
        if not key:
            raise SlurmError(E.ESLURM_URL_INVALID_FORMATTING, "Empty key in %s" % what, "query")
        value: Any = _decode_component(val_raw, what) if eq else True
        if eq and val_raw == "":
            value = None
        if key in out:
            prev = out[key]
            out[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[key] = value
    return out


def load_form(data: bytes) -> dict:
    return parse_query(data, "form body")


_LOADERS: dict[str, Callable[[bytes], Any]] = {
    **{t: load_json for t in JSON_TYPES},
    **{t: load_yaml for t in YAML_TYPES},
    URL_ENCODED: load_form,
}
_DUMPERS: dict[str, Callable[[Any], bytes]] = {
    **{t: dump_json for t in JSON_TYPES},
    **{t: dump_yaml for t in YAML_TYPES},
}

READABLE = tuple(_LOADERS)
WRITABLE = tuple(_DUMPERS)


def load(mime: str, data: bytes) -> Any:
    return _LOADERS[mime](data)


def dump(mime: str, obj: Any) -> bytes:
    return _DUMPERS[mime](obj)
