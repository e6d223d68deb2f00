"""Message layouts as data, one description for both directions: field name
(the C struct member), wire kind, and the protocol versions that carry it.

A layout is a sequence of ``F(name, kind, since=, until=, count=, when=)``:

* ``kind`` says how the field is read and written: an ``Unpacker``/``Packer``
  method pair (``u32``, ``str``, ``u64_array`` …) or one of the composite kinds
  in ``_COMPOSITE`` (``key_pairs``, ``job_defaults``, ``step_id``, ``cron_entry`` …);
* ``since``/``until`` bound the protocol versions (inclusive) that send the field;
* ``count`` (decoding) also stores ``len(value)`` under that name (C keeps a
  separate count);
* ``when``: the field is on the wire only if the field of that name (decoded
  before it, or given to ``encode``) is truthy; decoding stores None otherwise;
* a dotted name (``step_id.job_id``) is a member of a nested struct: decoding
  stores it flat and ``nest`` folds it, encoding reads it from the nested dict;
* names starting with ``_`` are presence flags or dead fields: ``_was_`` ones are
  read and dropped (fields Slurm still sends for old peers but no longer keeps);
  encoding writes the kind's zero for a ``_`` name the dict does not hold.

The C code has one copy of every pack and unpack function per protocol version;
the differences for 24.11–26.05 are the handful of ``since``/``until`` marks.
``Layout.decode`` reads a dict and ``Layout.encode`` writes one from the same
field list, compiled once per version.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from typing import Any, Callable

from slurmrestd.rpc.pack import FLOAT_MULT, MAX_PACK_MEM_LEN, STR_ENCODING, STR_ERRORS, Bitstr, Packer, Unpacker, \
    UnpackError
from slurmrestd.slurm.jobid import step_id_init

_ALL = 0xFFFF


@dataclass(frozen=True)
class F:
    name: str
    kind: str
    since: int = 0
    until: int = _ALL
    count: str | None = None
    when: str | None = None

    def applies(self, version: int) -> bool:
        return self.since <= version <= self.until


@dataclass(frozen=True)
class Kind:
    """How one wire type is read and written, and what an unset member holds."""

    read: Callable[[Unpacker], Any]
    write: Callable[[Packer, Any], Any]
    zero: Any = None


# -- composite kinds ------------------------------------------------------------------


def _key_pair(u: Unpacker) -> dict:
    """``config_key_pair_t``."""
    return {"name": u.str(), "value": u.str()}


def key_pair_list(u: Unpacker) -> list[dict] | None:
    """``unpack_key_pair_list``: u32 count (NO_VAL = NULL) + (str name, str value)."""
    return u.list(_key_pair)


def pack_key_pair_list(p: Packer, items: list[dict] | None) -> None:
    p.list(items, lambda pp, kv: pp.str(kv["name"]).str(kv["value"]))


def _plugin_params(u: Unpacker) -> dict:
    """``config_plugin_params_t``."""
    return {"name": u.str(), "key_pairs": key_pair_list(u)}


def plugin_params_list(u: Unpacker) -> list[dict] | None:
    return u.list(_plugin_params)


def _pack_plugin_params(p: Packer, item: dict) -> None:
    p.str(item["name"])
    pack_key_pair_list(p, item["key_pairs"])


def pack_plugin_params_list(p: Packer, items: list[dict] | None) -> None:
    p.list(items, _pack_plugin_params)


def _job_defaults(u: Unpacker) -> dict:
    """``job_defaults_t``."""
    return {"type": u.u16(), "value": u.u64()}


def job_defaults_list(u: Unpacker) -> list[dict] | None:
    return u.list(_job_defaults)


def pack_job_defaults_list(p: Packer, items: list[dict] | None) -> None:
    p.list(items, lambda pp, jd: pp.u16(jd["type"]).u64(jd["value"]))


def _u16_pair(u: Unpacker) -> list[int]:
    return [u.u16(), u.u16()]


def _pack_u16_pair(p: Packer, pair) -> None:
    p.u16(pair[0]).u16(pair[1])


def unpack_step_id(u: Unpacker) -> dict:
    """``unpack_step_id_members`` (every protocol from 24.11 on)."""
    return {"sluid": u.u64(), "job_id": u.u32(), "step_id": u.u32(), "step_het_comp": u.u32()}


def pack_step_id(p: Packer, sid: dict | None) -> None:
    """``pack_step_id``: u64 sluid, u32 job_id, u32 step_id, u32 step_het_comp
    (members not given keep the initializer's values)."""
    s = step_id_init()
    s.update(sid or {})
    p.u64(s["sluid"]).u32(s["job_id"]).u32(s["step_id"]).u32(s["step_het_comp"])


_CRON_BITMAPS = ("minute", "hour", "day_of_month", "month", "day_of_week")


def unpack_cron_entry(u: Unpacker) -> dict | None:
    """``unpack_cron_entry`` (cron.c): u8 set, then flags, 5 bitmaps, cronspec, lines."""
    if not u.u8():
        return None
    entry: dict = {"flags": u.u32()}
    for k in _CRON_BITMAPS:
        entry[k] = u.bitstr()
    entry["cronspec"] = u.str()
    entry["line_start"] = u.u32()
    entry["line_end"] = u.u32()
    return entry


#: bitmap sizes of a cron entry (``new_cron_entry`` in cron.c)
_CRON_BITMAP_SIZES = {"minute": 61, "hour": 25, "day_of_month": 32, "month": 13, "day_of_week": 8}


def _cron_bits(key: str, value):
    """A cron bitmap as given: a Bitstr, None, or (as the data parser gives it) the list of
    set indexes; indexes outside the bitmap are refused."""
    if value is None or isinstance(value, Bitstr):
        return value
    return Bitstr.from_indexes(_CRON_BITMAP_SIZES[key], [int(i) for i in value])


def pack_cron_entry(p: Packer, entry: dict | None) -> None:
    """``pack_cron_entry`` (cron.c): u8 set + flags, 5 bitmaps, cronspec, lines."""
    if not entry:
        p.u8(0)
        return
    p.u8(1)
    p.u32(entry.get("flags", 0))
    for k in _CRON_BITMAPS:
        p.bitstr(_cron_bits(k, entry.get(k)))
    p.str(entry.get("cronspec"))
    p.u32(entry.get("line_start", 0))
    p.u32(entry.get("line_end", 0))


_COMPOSITE: dict[str, Kind] = {
    "key_pairs": Kind(key_pair_list, pack_key_pair_list),
    "plugin_params": Kind(plugin_params_list, pack_plugin_params_list),
    "job_defaults": Kind(job_defaults_list, pack_job_defaults_list),
    "u16_pair": Kind(_u16_pair, _pack_u16_pair, (0, 0)),
    "step_id": Kind(unpack_step_id, pack_step_id),
    "cron_entry": Kind(unpack_cron_entry, pack_cron_entry),
}

#: Primitive kinds whose unset value is 0 (the others: None, i.e. NULL).
_NUMERIC = frozenset({"u8", "bool", "u16", "u32", "u64", "time", "double", "float", "longdouble"})


def kind(name: str) -> Kind:
    """The ``Kind`` a field's kind name stands for; ``ValueError`` if none."""
    composite = _COMPOSITE.get(name)
    if composite is not None:
        return composite
    read = getattr(Unpacker, name, None)
    write = getattr(Packer, name, None)
    if name.startswith("_") or read is None or write is None:
        raise ValueError("unknown field kind %r" % name)
    return Kind(read, write, 0 if name in _NUMERIC else None)


_MISSING = object()

#: Fixed-size kinds a compiled decoder reads with one ``struct`` call per run of them:
#: format character and the expression turning the raw value ``x`` into the member.
_FIXED = {"u8": ("B", None), "bool": ("B", "x != 0"), "u16": ("H", None), "u32": ("I", None),
          "u64": ("Q", None), "time": ("q", None), "double": ("d", "x / %d" % FLOAT_MULT),
          "float": ("f", "x / %d" % FLOAT_MULT)}


class _Fallback(Exception):
    """A compiled decoder met something it does not judge (a short buffer, a bad string):
    the generic decoder reads the same bytes again and says what is wrong."""


def _compile_decoder(layout_name: str, fields: tuple) -> Callable:
    """``fields`` (``Layout.fields_for``) as one generated function ``fn(u, d, buf)``.

    Runs of fixed-size fields are one ``struct.unpack_from``; strings are sliced from
    ``buf`` (the bytes behind ``u.view``, same offsets) or from the view; other kinds call
    their reader.  Anything irregular raises ``_Fallback`` (the caller then runs the generic
    decoder from the same offset, so errors read exactly as before)."""
    consts: list = []

    def const(obj) -> str:
        consts.append(obj)
        return "K[%d]" % (len(consts) - 1)

    lines = ["def fn(u, d, buf):", "    view = u.view", "    off = u.offset", "    end = u.end"]
    run: list = []

    def flush(indent: str, length: bool = False) -> bool:
        """Read the run; ``length``: also the u32 length of the string after it, into ``n``
        (one ``struct`` call less per such string).  Returns whether that was done."""
        if not run:
            return False
        st = struct.Struct(">" + "".join(_FIXED[k][0] for _, k, _ in run) + ("I" if length else ""))
        lines.append("%sif off + %d > end: raise Fallback" % (indent, st.size))
        targets = []
        posts = []
        converted = any(_FIXED[k][1] for _, k, drop in run if not drop)
        for i, (name, k, drop) in enumerate(run):
            post = _FIXED[k][1] or "x"
            if drop:
                targets.append("_")
            elif not converted:
                targets.append("d[%r]" % name)
            else:  # members in field order (the dict's key order is the generic reader's)
                targets.append("x%d" % i)
                posts.append("%sd[%r] = %s" % (indent, name, post.replace("x", "x%d" % i)))
        if length:
            targets.append("n")
        lines.append("%s%s, = %s(view, off)" % (indent, ", ".join(targets), const(st.unpack_from)))
        lines.append("%soff += %d" % (indent, st.size))
        lines.extend(posts)
        run.clear()
        return length

    def string(indent: str, name: str, drop: bool, have_length: bool = False) -> None:
        dst = "_" if drop else "d[%r]" % name
        if not have_length:
            lines.extend([
                "%sif off + 4 > end: raise Fallback" % indent,
                "%sn = U32(view, off)[0]" % indent,
                "%soff += 4" % indent])
        lines.extend([
            "%sif n:" % indent,
            "%s    stop = off + n" % indent,
            "%s    if n > MAXLEN or stop > end or view[stop - 1]: raise Fallback" % indent,
            "%s    %s = (buf[off:stop - 1] if buf is not None else bytes(view[off:stop - 1]))"
            ".decode(ENC, ERRS)" % (indent, dst),
            "%s    off = stop" % indent,
            "%selse:" % indent,
            "%s    %s = None" % (indent, dst)])

    for name, read, count, when, drop in fields:
        k = next((n for n, fn in _READERS.items() if fn is read), None)
        fixed = k in _FIXED and count is None and when is None
        if fixed:
            run.append((name, k, drop))
            continue
        # a string right after a run: its length is read with the run
        have_length = flush("    ", length=k == "str" and when is None)
        indent = "    "
        if when is not None:
            lines.append("    if not d.get(%r):" % when)
            lines.append("        d[%r] = None" % name)
            lines.append("    else:")
            indent = "        "
        if k in _FIXED:
            run.append((name, k, drop))
            flush(indent)
        elif k == "str":
            string(indent, name, drop, have_length)
        else:
            lines.append("%su.offset = off" % indent)
            lines.append("%s%s = %s(u)" % (indent, "_" if drop else "d[%r]" % name, const(read)))
            lines.append("%soff = u.offset" % indent)
        if count is not None and not drop:
            lines.append("%sv = d[%r]" % (indent, name))
            lines.append("%sd[%r] = len(v) if v is not None else 0" % (indent, count))
    flush("    ")
    lines.append("    u.offset = off")
    lines.append("    return d")
    namespace = {"K": consts, "Fallback": _Fallback, "U32": struct.Struct(">I").unpack_from,
                 "MAXLEN": MAX_PACK_MEM_LEN, "ENC": STR_ENCODING, "ERRS": STR_ERRORS}
    exec(compile("\n".join(lines), "<decode %s>" % layout_name, "exec"), namespace)
    return namespace["fn"]


#: The primitive readers by kind name (to recognise them in compiled field lists).
_READERS = {n: getattr(Unpacker, n) for n in ("u8", "bool", "u16", "u32", "u64", "time", "double", "float", "str")}


def _same_offsets(u: Unpacker):
    """The bytes object behind ``u.view`` when its indexes are the view's, else None."""
    obj = u.view.obj
    return obj if type(obj) is bytes and len(obj) == len(u.view) else None


class Layout:
    """A named field list, decoded and encoded per protocol version."""

    def __init__(self, name: str, fields: tuple[F, ...]) -> None:
        self.name = name
        self.fields = fields
        for f in fields:
            kind(f.kind)  # fail at import on a typo
        self._readers: dict[int, tuple] = {}
        self._decoders: dict[int, Callable] = {}
        self._writers: dict[int, tuple] = {}
        self._lock = threading.Lock()

    def fields_for(self, version: int) -> tuple:
        """``(name, read, count, when, drop)`` per field sent in ``version``."""
        c = self._readers.get(version)
        if c is None:
            with self._lock:
                c = tuple((f.name, kind(f.kind).read, f.count, f.when, f.name.startswith("_was_"))
                          for f in self.fields if f.applies(version))
                self._readers[version] = c
        return c

    def _writers_for(self, version: int) -> tuple:
        c = self._writers.get(version)
        if c is None:
            with self._lock:
                c = tuple((f.name, tuple(f.name.split(".")) if "." in f.name else None, kind(f.kind).write,
                           f.when, kind(f.kind).zero)
                          for f in self.fields if f.applies(version))
                self._writers[version] = c
        return c

    def names(self, version: int) -> list[str]:
        return [n for n, _, _, _, drop in self.fields_for(version) if not drop]

    def zeros(self) -> dict:
        """Every plain member (no dotted or ``_`` name) with its kind's unset value."""
        return {f.name: kind(f.kind).zero for f in self.fields
                if "." not in f.name and not f.name.startswith("_")}

    def decoder(self, version: int) -> Callable:
        """The compiled decoder of ``version`` (see ``_compile_decoder``)."""
        fn = self._decoders.get(version)
        if fn is None:
            fn = _compile_decoder(self.name, self.fields_for(version))
            with self._lock:
                fn = self._decoders.setdefault(version, fn)
        return fn

    def decode(self, u: Unpacker, version: int, out: dict | None = None) -> dict:
        d: dict = {} if out is None else out
        if type(u) is Unpacker:
            start = u.offset
            fn = self._decoders.get(version) or self.decoder(version)
            try:
                return fn(u, d, _same_offsets(u))
            except (_Fallback, struct.error, IndexError, UnpackError):
                u.offset = start  # the generic reader below says what is wrong
        return self.decode_generic(u, version, d)

    def decode_generic(self, u: Unpacker, version: int, d: dict) -> dict:
        """Field by field through the kinds' readers (errors name the field)."""
        for name, read, count, when, drop in self.fields_for(version):
            if when is not None and not d.get(when):
                d[name] = None
                continue
            try:
                v = read(u)
            except UnpackError as exc:
                raise UnpackError("%s.%s: %s" % (self.name, name, exc)) from None
            if drop:
                continue
            d[name] = v
            if count is not None:
                d[count] = len(v) if v is not None else 0
        return d

    def encode(self, p: Packer, d: dict, version: int) -> Packer:
        """Append ``d`` as ``version`` lays it out; ``ValueError`` names the field
        that is missing or does not fit its kind."""
        for name, path, write, when, zero in self._writers_for(version):
            if when is not None and not d.get(when):
                continue
            v = d.get(name, _MISSING) if path is None else _lookup(d, path)
            if v is _MISSING:
                if not name.startswith("_"):
                    raise ValueError("%s.%s: no value given" % (self.name, name))
                v = zero
            try:
                write(p, v)
            except (TypeError, ValueError, KeyError, struct.error) as exc:
                raise ValueError("%s.%s = %r: %s" % (self.name, name, v, exc)) from None
        return p


def _lookup(d: dict, path: tuple[str, ...]) -> Any:
    v: Any = d
    for part in path:
        if not isinstance(v, dict) or part not in v:
            return _MISSING
        v = v[part]
    return v


# -- nested members -------------------------------------------------------------------


def nest_keys(*layouts: Layout) -> tuple[str, ...]:
    """The field names of ``layouts`` that ``nest`` has to fold or drop (computed once)."""
    return tuple(dict.fromkeys(f.name for lay in layouts for f in lay.fields
                               if "." in f.name or f.name.startswith("_")))


def nest(d: dict, keys: tuple[str, ...] | None = None) -> dict:
    """Fold dotted keys (``step_id.job_id``) into nested dicts; drop ``_`` keys.

    ``keys``: the candidate names, when the caller knows them (``nest_keys``);
    otherwise every key of ``d`` is examined."""
    if keys is None:
        keys = tuple(k for k in d if "." in k or k.startswith("_"))
    for key in keys:
        if key not in d:
            continue
        v = d.pop(key)
        if key.startswith("_"):
            continue
        parts = key.split(".")
        cur = d
        for part in parts[:-1]:
            cur = cur.setdefault(part, {})
        cur[parts[-1]] = v
    return d


def fill_step_id(d: dict, key: str = "step_id") -> dict:
    """Complete a (possibly partial, old-protocol) step id with the initializer."""
    sid = step_id_init()
    sid.update(d.get(key) or {})
    d[key] = sid
    return d


__all__ = ["F", "Kind", "Layout", "kind", "nest", "nest_keys", "fill_step_id",
           "key_pair_list", "plugin_params_list", "job_defaults_list", "pack_key_pair_list",
           "pack_plugin_params_list", "pack_job_defaults_list", "unpack_step_id", "pack_step_id",
           "unpack_cron_entry", "pack_cron_entry"]
