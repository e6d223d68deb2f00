"""Request/response body formats: JSON, YAML and url-encoded (query strings, forms).

Every loader takes the raw bytes (or the raw query string) and returns plain
Python data (``dict`` keeping key order, ``list``, ``str``, ``int``, ``float``,
``bool``, ``None``).  Every failure to read input is a
``SlurmError(E.ESLURM_REST_FAIL_PARSING, <what and where>, <"body"|"query">)``,
which the HTTP layer answers with 400.

Choices that differ from the reference daemon (SchedMD slurmrestd 26.05):

* JSON input is strict RFC 8259 (orjson).  The reference uses json-c, which also
  takes comments, single quotes, trailing commas and trailing garbage; we refuse
  them with a message that names the line and column.  ``NaN``/``Infinity`` are
  refused too, and so is invalid UTF-8.  Integers beyond 64 bits become floats.
* JSON output is orjson with a 2-space indent, no trailing newline, UTF-8 not
  escaped.  It is not byte-identical to json-c: ``/`` is not written as ``\\/``
  and floats use the shortest round-trip form (``0.1``), not ``%.17g``.
* YAML input: the reference hands every untagged scalar over as a *string* and
  lets the data parser coerce it.  We resolve untagged plain scalars with the
  YAML 1.2 *core* schema (the JSON-compatible one): ``null ~`` and empty ->
  ``None``; ``true/false`` (3 spellings each) -> ``bool``; decimal, ``0o`` and
  ``0x`` integers -> ``int``; decimal/exponent floats and ``.inf``/``.nan`` ->
  ``float``; everything else -> ``str``.  We deliberately do **not** use YAML
  1.1 typing (PyYAML's default), where ``yes``/``no``/``on``/``off`` are booleans,
  ``0777`` is octal, ``1:30`` is 90 and ``2024-01-01`` is a date.  Quoted
  scalars are always strings; explicit tags (``!!int 5``, ``!!str 5``) are
  honoured as the reference does.  Mapping keys are always the key's text.
  Anchors/aliases are refused (the reference refuses them too; it also stops
  alias-expansion bombs), and so are several documents in one body.
* YAML output is PyYAML's libyaml dumper in block style, keys in insertion
  order, Unicode kept.  The reference tags every node (``!!str key: !!int 5``,
  ``%YAML 1.1`` and ``---``/``...`` markers); we do not.
* url-encoded: the reference accepts only RFC 3986 *unreserved* characters raw
  and answers 500 to anything else (``users=root,nobody``, ``a:b``,
  ``n[1-2]``).  We accept every printable ASCII character raw and refuse (400)
  only control characters, space, DEL and non-ASCII bytes, bad ``%`` escapes,
  ``%00`` and escapes that do not decode to UTF-8.  A second ``=`` after the
  value started is part of the value (``k=a=b`` -> ``"a=b"``; the reference
  fails), ``=v`` gives the empty key ``""``.  Everything else follows the
  reference: ``&`` and ``;`` separate pairs, ``+`` is a space, ``k`` -> ``True``,
  ``k=`` -> ``None``, ``k==v`` -> ``"v"``, a repeated key -> a list of its values
  in order, values are never split on commas.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

import functools

import secrets

import orjson

from slurmrestd.errors import E, SlurmError
from slurmrestd.http.mime import (
    MIME_JSON,
    MIME_JSONREQUEST,
    MIME_TEXT_YAML,
    MIME_URL_ENCODED,
    MIME_X_YAML,
    MIME_YAML,
)



@functools.cache
def _yaml_kit():
    """PyYAML, its loader and our dumper, imported on the first YAML body or answer: importing
    PyYAML costs about 15 ms, which a JSON-only process (inet mode) should not pay."""
    import yaml

    try:  # LibYAML bindings when PyYAML was built with them
        loader, base = yaml.CSafeLoader, yaml.CSafeDumper
    except AttributeError:  # pragma: no cover - depends on the PyYAML build
        loader, base = yaml.SafeLoader, yaml.SafeDumper

    class Dumper(base):  # type: ignore[misc, valid-type]
        """The libyaml dumper, quoting strings our own loader would read as non-strings."""

    Dumper.add_representer(str, _represent_str)
    return yaml, loader, Dumper

__all__ = [
    "SERIALIZERS",
    "dump_json",
    "load_json",
    "dump_yaml",
    "load_yaml",
    "parse_query",
    "parse_form",
]

_FAIL = E.ESLURM_REST_FAIL_PARSING


def _fail(message: str, source: str) -> SlurmError:
    return SlurmError(_FAIL, message, source)


# --------------------------------------------------------------------------
# JSON


class JsonText:
    """A value already serialized as JSON (``data``, UTF-8), written as is by
    ``dump_json`` and parsed back for the other writers: the ``jobs`` of a job list
    that a dump process serialized (``slurmrestd.offload``)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


#: Stands for a ``JsonText`` member while the rest of its document is serialized
#: (``dump_parts``); random, so that no data can contain it.
_TEXT_MARK = "slurmrestd-json-text-" + secrets.token_hex(16)
_TEXT_MARK_JSON = orjson.dumps(_TEXT_MARK)


def _json_default(obj: object) -> object:
    if isinstance(obj, JsonText):
        return orjson.Fragment(obj.data)
    raise TypeError("Type is not JSON serializable: %s" % type(obj).__name__)


def dump_json(obj: object) -> bytes:
    """Pretty JSON (2-space indent), UTF-8, no trailing newline."""
    try:
        return orjson.dumps(obj, default=_json_default, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError as exc:
        if "Integer exceeds 64-bit range" not in str(exc):
            raise
    # orjson cannot write integers beyond 64 bits; the stdlib can.
    return json.dumps(_thawed(obj), indent=2, ensure_ascii=False, allow_nan=True).encode("utf-8")


def _thawed(obj: object) -> object:
    """``obj`` with its ``JsonText`` members parsed back, for the writers other than
    orjson.  They are members of objects, so only objects are walked."""
    if isinstance(obj, JsonText):
        return orjson.loads(obj.data)
    if isinstance(obj, dict) and any(isinstance(v, (dict, JsonText)) for v in obj.values()):
        return {k: _thawed(v) for k, v in obj.items()}
    return obj


def load_json(data: bytes | bytearray | memoryview | str) -> object:
    """Parse a JSON document strictly (RFC 8259; no NaN/Infinity, comments or trailing data).

    Raises ``SlurmError(ESLURM_REST_FAIL_PARSING, "Unable to parse JSON: <why> at
    line L column C (char N)", "body")``.  Integers beyond 64 bits become floats
    (orjson's rule).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "UTF-8" in exc.msg and not isinstance(data, str):
            raw = bytes(data)
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as uexc:
                line = raw.count(b"\n", 0, uexc.start) + 1
                col = uexc.start - (raw.rfind(b"\n", 0, uexc.start) + 1) + 1
                raise _fail(
                    "Unable to parse JSON: invalid UTF-8 (%s) at line %d column %d (byte %d)"
                    % (uexc.reason, line, col, uexc.start),
                    "body",
                ) from None
        raise _fail(_json_message(exc), "body") from None


def _json_message(exc: json.JSONDecodeError) -> str:
    return "Unable to parse JSON: %s at line %d column %d (char %d)" % (
        exc.msg,
        exc.lineno,
        exc.colno,
        exc.pos,
    )


# --------------------------------------------------------------------------
# YAML

_TAG = "tag:yaml.org,2002:"
_CORE_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_CORE_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_CORE_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_CORE_INT8 = re.compile(r"0o[0-7]+\Z")
_CORE_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_CORE_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)\Z")
_CORE_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")


def _core_scalar(value: str) -> object:
    """Type an untagged plain scalar with the YAML 1.2 core schema."""
    if _CORE_NULL.match(value):
        return None
    b = _CORE_BOOL.get(value)
    if b is not None:
        return b
    if _CORE_INT10.match(value):
        return int(value, 10)
    if _CORE_INT8.match(value):
        return int(value[2:], 8)
    if _CORE_INT16.match(value):
        return int(value[2:], 16)
    if _CORE_FLOAT.match(value):
        return float(value)
    m = _CORE_INF.match(value)
    if m:
        return -math.inf if m.group(1) == "-" else math.inf
    if _CORE_NAN.match(value):
        return math.nan
    return value


def _tagged_scalar(tag: str, value: str) -> object:
    """An explicitly tagged scalar (``!!int 5``); unknown tags keep the text."""
    if not tag.startswith(_TAG):
        return value
    kind = tag[len(_TAG) :]
    if kind == "str":
        return value
    typed = _core_scalar(value)
    if kind == "null":
        if typed is None:
            return None
    elif kind == "bool":
        if isinstance(typed, bool):
            return typed
    elif kind == "int":
        if isinstance(typed, int) and not isinstance(typed, bool):
            return typed
    elif kind == "float":
        if isinstance(typed, (int, float)) and not isinstance(typed, bool):
            return float(typed)
    else:
        return value
    raise ValueError("cannot convert %r to !!%s" % (value, kind))


def _yaml_where(mark: object) -> str:
    if mark is None:
        return ""
    return " at line %d column %d" % (getattr(mark, "line", 0) + 1, getattr(mark, "column", 0) + 1)


def load_yaml(data: bytes | bytearray | memoryview | str) -> object:
    """Parse one YAML document (see the module notes for how scalars are typed).

    An empty document gives ``None``.  Raises ``SlurmError(ESLURM_REST_FAIL_PARSING,
    "Unable to parse YAML: …", "body")``.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    stack: list[object] = []  # open containers; a dict entry is [dict, pending_key]
    root: list[object] = []
    docs = 0
    event = None
    yaml, loader, _ = _yaml_kit()
    try:
        for event in yaml.parse(data, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                raise _fail("Unable to parse YAML: aliases are not supported" + _yaml_where(event.start_mark), "body")
            if isinstance(event, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise _fail(
                        "Unable to parse YAML: only one document is allowed" + _yaml_where(event.start_mark), "body"
                    )
                continue
            if isinstance(event, yaml.ScalarEvent):
                if stack and not isinstance(stack[-1], _SeqFrame):
                    entry = stack[-1]
                    if entry[1] is _NO_KEY:
                        entry[1] = event.value  # keys are always their text
                        continue
                    value = _scalar_value(event)
                    entry[0][entry[1]] = value
                    entry[1] = _NO_KEY
                    continue
                _attach(stack, root, _scalar_value(event), event)
                continue
            if isinstance(event, yaml.SequenceStartEvent):
                new: object = []
                _attach(stack, root, new, event)
                stack.append(_SeqFrame(new))
                continue
            if isinstance(event, yaml.MappingStartEvent):
                new = {}
                _attach(stack, root, new, event)
                stack.append([new, _NO_KEY])
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
                continue
    except SlurmError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        if isinstance(exc, yaml.reader.ReaderError):
            raise _fail("Unable to parse YAML: %s at byte %d" % (exc.reason, exc.position), "body") from None
        raise _fail("Unable to parse YAML: %s%s" % (problem, _yaml_where(mark)), "body") from None
    except ValueError as exc:
        raise _fail("Unable to parse YAML: %s%s" % (exc, _yaml_where(getattr(event, "start_mark", None))), "body") from None
    except RecursionError:  # pragma: no cover - libyaml nests without Python recursion
        raise _fail("Unable to parse YAML: nesting too deep", "body") from None
    return root[0] if root else None


class _NoKey:
    __slots__ = ()


_NO_KEY = _NoKey()


class _SeqFrame:
    __slots__ = ("items",)

    def __init__(self, items: list):
        self.items = items


def _scalar_value(event: "yaml.ScalarEvent") -> object:
    tag = event.tag
    if tag and tag != "!":
        return _tagged_scalar(tag, event.value)
    plain = event.implicit[0] and not event.style
    if plain:
        return _core_scalar(event.value)
    return event.value


def _attach(stack: list, root: list, value: object, event: object) -> None:
    if not stack:
        root.append(value)
        return
    top = stack[-1]
    if isinstance(top, _SeqFrame):
        top.items.append(value)
        return
    # a mapping: a collection in key position is not something we can use
    if top[1] is _NO_KEY:
        raise _fail(
            "Unable to parse YAML: mapping keys must be scalars" + _yaml_where(getattr(event, "start_mark", None)),
            "body",
        )
    top[0][top[1]] = value
    top[1] = _NO_KEY


def preload() -> None:
    """Import the lazily loaded codecs now (before the daemon switches to a user that may not
    be able to read the installation)."""
    _yaml_kit()


def _represent_str(dumper, data: str):
    style = "'" if not isinstance(_core_scalar(data), str) else None
    return dumper.represent_scalar(_TAG + "str", data, style=style)


def dump_yaml(obj: object) -> bytes:
    """Block-style YAML (UTF-8, keys in insertion order).

    Strings that look like YAML 1.2 core-schema nulls, booleans or numbers are
    quoted, so :func:`load_yaml` gives back exactly what was dumped.
    """
    yaml, _, dumper = _yaml_kit()
    return yaml.dump(
        _thawed(obj),
        Dumper=dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        encoding="utf-8",
    )


# --------------------------------------------------------------------------
# url-encoded

_HEX = frozenset(b"0123456789abcdefABCDEF")


def _urlencoded(raw: bytes, source: str, what: str) -> dict:
    result: dict[str, object] = {}

    def add(key: bytes, value: object) -> None:
        k = _utf8(key, source, what)
        if isinstance(value, (bytes, bytearray)):
            value = _utf8(value, source, what)
        if k in result:
            prior = result[k]
            if isinstance(prior, _Multi):
                prior.append(value)
            else:
                result[k] = _Multi((prior, value))
        else:
            result[k] = value

    key: bytearray | None = None
    buf: bytearray | None = None

    def flush() -> None:
        nonlocal key, buf
        if key is None and buf is not None:
            add(bytes(buf), True)
        elif key is not None:
            add(bytes(key), None if buf is None else bytes(buf))
        key = buf = None

    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c <= 0x20 or c >= 0x7F:
            raise _fail(
                "Invalid %s: character 0x%02X at offset %d must be percent-encoded" % (what, c, i), source
            )
        if c == 0x25:  # %
            if i + 2 < n and raw[i + 1] in _HEX and raw[i + 2] in _HEX:
                byte = int(raw[i + 1 : i + 3], 16)
                if byte == 0:
                    raise _fail("Invalid %s: %%00 (NUL) at offset %d is not allowed" % (what, i), source)
                if buf is None:
                    buf = bytearray()
                buf.append(byte)
                i += 3
                continue
            raise _fail(
                "Invalid %s: bad percent-escape %r at offset %d"
                % (what, raw[i : i + 3].decode("ascii", "replace"), i),
                source,
            )
        if c in (0x26, 0x3B):  # & ;
            flush()
        elif c == 0x3D:  # =
            if key is None:
                key = buf if buf is not None else bytearray()
                buf = None
            elif buf is None:
                pass  # "k==v": the reference skips the repeated "="
            else:
                buf.append(c)
        else:
            if buf is None:
                buf = bytearray()
            buf.append(0x20 if c == 0x2B else c)  # '+' is a space
        i += 1
    flush()
    return {k: (list(v) if isinstance(v, _Multi) else v) for k, v in result.items()}


class _Multi(list):
    """Values of a repeated key while parsing (kept apart from real lists)."""


def _utf8(raw: bytes, source: str, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("Invalid %s: percent-escapes do not form valid UTF-8 (%s)" % (what, exc.reason), source) from None


def parse_query(query: str | bytes) -> dict:
    """Parse a URL query string (without the ``?``) into a dict; see the module notes.

    Raises ``SlurmError(ESLURM_REST_FAIL_PARSING, …, "query")`` (HTTP 400).
    """
    return _urlencoded(_ascii(query, "query", "query"), "query", "query")


def parse_form(body: bytes | bytearray | memoryview | str) -> dict:
    """Parse an ``application/x-www-form-urlencoded`` body; same rules as :func:`parse_query`.

    Raises ``SlurmError(ESLURM_REST_FAIL_PARSING, …, "body")`` (HTTP 400).
    """
    return _urlencoded(_ascii(body, "form body", "body"), "body", "form body")


def _ascii(text: str | bytes | bytearray | memoryview, what: str, source: str) -> bytes:
    """Bytes of a query or form body; text must be ASCII (everything else percent-encoded)."""
    if not isinstance(text, str):
        return bytes(text)
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise _fail("Invalid %s: non-ASCII character %r at offset %d must be percent-encoded"
                    % (what, text[exc.start], exc.start), source) from None


# --------------------------------------------------------------------------
# registry

Loader = Callable[[bytes], object]
Dumper = Callable[[object], bytes]

#: MIME type -> (loader, dumper); ``None`` where the direction is not supported.
#: Keys are lower-case; the first of each family is the canonical one.  The names,
#: and which may be read or written, are ``http.mime``'s (READ_TYPES, WRITE_TYPES).
SERIALIZERS: dict[str, tuple[Loader | None, Dumper | None]] = {
    MIME_JSON: (load_json, dump_json),
    MIME_JSONREQUEST: (load_json, dump_json),
    MIME_YAML: (load_yaml, dump_yaml),
    MIME_X_YAML: (load_yaml, dump_yaml),
    MIME_TEXT_YAML: (load_yaml, dump_yaml),
    MIME_URL_ENCODED: (parse_form, None),
}


def dump_parts(mime: str, obj: object) -> tuple[bytes, ...]:
    """``dump`` in pieces that join to the same bytes: for JSON whose top-level members
    include ``JsonText`` (a job list from a dump process, ~8 MB), the document around them
    and their bytes as they are, so that the big text is never copied into a new answer;
    otherwise one piece."""
    if SERIALIZERS.get(mime, (None, None))[1] is not dump_json or not isinstance(obj, dict) \
            or not any(isinstance(v, JsonText) for v in obj.values()):
        return (dump(mime, obj),)
    texts = [v.data for v in obj.values() if isinstance(v, JsonText)]
    shell = {k: (_TEXT_MARK if isinstance(v, JsonText) else v) for k, v in obj.items()}
    pieces = dump_json(shell).split(_TEXT_MARK_JSON)
    if len(pieces) != len(texts) + 1:  # pragma: no cover - the mark is random
        return (dump_json(obj),)
    out = [pieces[0]]
    for text, piece in zip(texts, pieces[1:]):
        out += (text, piece)
    return tuple(out)


def load(mime: str, data: bytes) -> object:
    """Parse a request body of a type ``http.mime.resolve_read_type`` chose."""
    loader = SERIALIZERS[mime][0]
    assert loader is not None, mime
    return loader(data)


def dump(mime: str, obj: object) -> bytes:
    """Serialize a response in a type ``http.mime.resolve_write_type`` chose."""
    dumper = SERIALIZERS[mime][1]
    assert dumper is not None, mime
    return dumper(obj)
