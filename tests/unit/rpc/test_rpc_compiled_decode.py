"""The compiled layout decoders (``Layout.decoder``) give what the field-by-field reader
gives: the same dict, key order included, on every captured reply; and on damaged replies
the same value or the same ``UnpackError`` text (they fall back to the generic reader)."""

from __future__ import annotations

import contextlib
import importlib.util
import os

from hypothesis import given
from hypothesis import strategies as st

from slurmrestd.errors import SlurmError
from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker, UnpackError


def _sibling(name: str):
    """A test module beside this one (the seeds and mutations of the property tests)."""
    spec = importlib.util.spec_from_file_location("_seeds_" + name, os.path.join(os.path.dirname(__file__),
                                                                                name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_props = _sibling("test_rpc_unpack_properties")
SEEDS, SETTINGS, mutate, _mutation = _props.SEEDS, _props.SETTINGS, _props.mutate, _props._mutation


def _plain(x, stack=()):
    """Values compared with key order (Bitstr has no equality of its own); a record met
    again below itself (slurmdbd steps point back at their job) is a marker."""
    if isinstance(x, Bitstr):
        return ("bitstr", x.size, x.bits)
    if isinstance(x, float) and x != x:
        return "nan"  # equal to itself here
    if isinstance(x, (dict, list, tuple)):
        if id(x) in stack:
            return "<cycle>"
        stack = (*stack, id(x))
    if isinstance(x, dict):
        return [(k, _plain(v, stack)) for k, v in x.items()]
    if isinstance(x, (list, tuple)):
        return [_plain(v, stack) for v in x]
    return x


@contextlib.contextmanager
def generic_only():
    compiled = Layout.decode
    Layout.decode = lambda self, u, version, out=None: self.decode_generic(u, version, {} if out is None else out)
    try:
        yield
    finally:
        Layout.decode = compiled


def _outcome(decoder, body: bytes, version: int):
    u = Unpacker(body)
    try:
        return "value", _plain(decoder(u, version)), u.offset
    except (UnpackError, SlurmError) as exc:
        return "error", type(exc).__name__, str(exc)


def _both(decoder, body: bytes, version: int):
    fast = _outcome(decoder, body, version)
    with generic_only():
        slow = _outcome(decoder, body, version)
    return fast, slow


def test_captures_decode_as_the_generic_reader():
    assert SEEDS
    for name, decoder, body, version in SEEDS:
        fast, slow = _both(decoder, body, version)
        assert fast[0] == "value", name
        assert fast == slow, name


def test_every_cut_of_a_job_list_fails_as_the_generic_reader():
    jobs = [s for s in SEEDS if "jobs" in s[0] and s[1].__name__ == "unpack_job_info_msg"]
    assert jobs
    name, decoder, body, version = max(jobs, key=lambda s: len(s[2]))
    for cut in range(0, len(body), max(1, len(body) // 300)):
        fast, slow = _both(decoder, body[:cut], version)
        assert fast == slow, (name, cut)


@SETTINGS
@given(seed=st.sampled_from(range(len(SEEDS))) if SEEDS else st.nothing(),
       ops=st.lists(_mutation, min_size=1, max_size=4))
def test_mutated_replies_decode_as_the_generic_reader(seed, ops):
    _name, decoder, body, version = SEEDS[seed]
    data = mutate(body, ops)
    fast, slow = _both(decoder, data, version)
    assert fast == slow


LAYOUT = Layout("demo_t", (
    F("a", "u8"), F("b", "bool"), F("c", "u16"), F("d", "u32"), F("e", "u64"), F("t", "time"),
    F("x", "double"), F("y", "float"), F("s", "str"), F("_was_dead", "str"), F("n", "u32"),
    F("_present", "bool"), F("opt", "str", when="_present"), F("opt_n", "u32", when="_present"),
    F("arr", "u32_array", count="arr_cnt"), F("after", "u16"),
))


def _demo(present: bool) -> bytes:
    p = Packer().u8(7).bool(True).u16(65535).u32(4294967294).u64(2 ** 64 - 1).time(-5)
    p.double(1.5).float(0.25).str("h\u00e9").str("gone").u32(3).bool(present)
    if present:
        p.str("o").u32(9)
    return p.u32_array([1, 2]).u16(4).getvalue()


def test_every_fixed_kind_and_presence_flag():
    for present in (True, False):
        data = _demo(present)
        u = Unpacker(memoryview(data)[0:])  # also through a view that is not the bytes' own
        fast = LAYOUT.decode(u, 0)
        assert u.offset == len(data)
        slow = LAYOUT.decode_generic(Unpacker(data), 0, {})
        assert _plain(fast) == _plain(slow)
        assert fast["s"] == "h\u00e9" and "_was_dead" not in fast and fast["arr_cnt"] == 2
        assert fast["opt"] == ("o" if present else None)


def test_a_string_without_its_nul_is_the_generic_error():
    data = bytearray(_demo(False))
    i = data.index(b"h\xc3\xa9") + 3
    data[i] = 0x41  # the NUL of "hé"
    fast, slow = _outcome(lambda u, v: LAYOUT.decode(u, v), bytes(data), 0), None
    with generic_only():
        slow = _outcome(lambda u, v: LAYOUT.decode(u, v), bytes(data), 0)
    assert fast == slow and fast[0] == "error" and "demo_t.s" in fast[2]
