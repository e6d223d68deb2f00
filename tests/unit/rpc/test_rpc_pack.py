"""Pack primitives: exact bytes as Slurm's pack.c writes them, and round trips."""

import struct

import pytest

from slurmrestd.rpc.pack import (Bitstr, Packer, Unpacker, UnpackError, bitmap_fmt, bitmap_to_hex,
                                 hex_to_bitmap)
from slurmrestd.slurm.sentinels import INFINITE, NO_VAL, NO_VAL16, NO_VAL64


def P():
    return Packer()


def test_integers_big_endian():
    b = P().u8(0xAB).u16(0x1234).u32(0xDEADBEEF).u64(0x0102030405060708).getvalue()
    assert b == bytes.fromhex("ab" "1234" "deadbeef" "0102030405060708")
    u = Unpacker(b)
    assert (u.u8(), u.u16(), u.u32(), u.u64()) == (0xAB, 0x1234, 0xDEADBEEF, 0x0102030405060708)
    u.expect_end()


def test_negative_rc_is_twos_complement():
    b = P().u32(-1).getvalue()
    assert b == b"\xff\xff\xff\xff"
    assert Unpacker(b).i32() == -1
    assert Unpacker(b).u32() == INFINITE


def test_time_is_signed_int64():
    assert P().time(-2).getvalue() == b"\xff" * 7 + b"\xfe"
    assert P().time(1795315030).getvalue() == struct.pack(">q", 1795315030)
    assert Unpacker(P().time(-5).getvalue()).time() == -5


def test_bool():
    assert P().bool(True).bool(False).getvalue() == b"\x01\x00"
    assert Unpacker(b"\x07").bool() is True


def test_double_is_scaled_by_float_mult():
    # packdouble stores the IEEE bits of val * 1e6
    assert P().double(1.5).getvalue() == struct.pack(">d", 1500000.0)
    assert P().double(0.0).getvalue() == b"\x00" * 8
    assert Unpacker(struct.pack(">d", 2500000.0)).double() == 2.5
    assert Unpacker(P().double(0.123456).getvalue()).double() == pytest.approx(0.123456)


def test_float_and_longdouble():
    assert P().float(2.0).getvalue() == struct.pack(">f", 2000000.0)
    assert Unpacker(P().float(0.5).getvalue()).float() == 0.5
    b = P().longdouble(12.5).getvalue()
    assert b == b"\x00\x00\x00\x0a" + b"12.500000\x00"
    assert Unpacker(b).longdouble() == 12.5
    assert Unpacker(P().str("nan").getvalue()).longdouble() == 0.0  # glibc workaround


def test_str_null_vs_empty():
    assert P().str(None).getvalue() == b"\x00\x00\x00\x00"
    assert P().str("").getvalue() == b"\x00\x00\x00\x01\x00"
    assert P().str("root").getvalue() == b"\x00\x00\x00\x05root\x00"
    u = Unpacker(P().str(None).str("").str("root").getvalue())
    assert u.str() is None
    assert u.str() == ""
    assert u.str() == "root"
    u.expect_end()


def test_str_must_end_in_nul():
    with pytest.raises(UnpackError):
        Unpacker(b"\x00\x00\x00\x04root").str()


def test_str_short_buffer():
    with pytest.raises(UnpackError):
        Unpacker(b"\x00\x00\x00\x09root\x00").str()


def test_str_rejects_embedded_nul():
    with pytest.raises(ValueError):
        P().str("a\x00b")


def test_str_bytes_survive_round_trip():
    raw = b"caf\xe9"  # not UTF-8
    s = Unpacker(P().str(raw).getvalue()).str()
    assert P().str(s).getvalue() == P().str(raw).getvalue()


def test_str_too_long_length():
    with pytest.raises(UnpackError):
        Unpacker(b"\x40\x00\x00\x01").str()


def test_mem():
    assert P().mem(b"\x01\x02").getvalue() == b"\x00\x00\x00\x02\x01\x02"
    assert P().mem(None).getvalue() == b"\x00\x00\x00\x00"
    assert Unpacker(b"\x00\x00\x00\x00").mem() is None


def test_arrays():
    b = P().u16_array([1, 2]).u32_array([3]).u64_array([]).str_array(["a", None]).getvalue()
    assert b == bytes.fromhex("00000002 0001 0002 00000001 00000003 00000000 00000002 00000002 6100 00000000")
    u = Unpacker(b)
    assert u.u16_array() == [1, 2]
    assert u.u32_array() == [3]
    assert u.u64_array() == []
    assert u.str_array() == ["a", None]
    u.expect_end()


def test_double_arrays():
    u = Unpacker(P().double_array([1.0, 0.25]).longdouble_array([3.0]).getvalue())
    assert u.double_array() == [1.0, 0.25]
    assert u.longdouble_array() == [3.0]


def test_array_count_sanity():
    with pytest.raises(UnpackError):
        Unpacker(b"\xff\xff\xff\xff").u32_array()
    with pytest.raises(UnpackError):
        Unpacker(b"\x00\x00\x00\x05\x00\x00").u32_array()


def test_list_null_and_empty():
    assert P().list(None, Packer.str).getvalue() == struct.pack(">I", NO_VAL)
    assert P().str_list([]).getvalue() == b"\x00\x00\x00\x00"
    assert Unpacker(struct.pack(">I", NO_VAL)).str_list() is None
    assert Unpacker(P().str_list(["x", "y"]).getvalue()).str_list() == ["x", "y"]
    with pytest.raises(UnpackError):
        Unpacker(b"\xff\xff\xff\xff").str_list()


def test_bitstr_hex_layout():
    # bit_fmt_hexmask: "0x" + ceil(size/4) uppercase digits, MSB first
    assert bitmap_to_hex(0b1000001001, 10) == "0x209"
    assert bitmap_to_hex(0, 0) == "0x0"
    assert bitmap_to_hex(1 << 69 | 0xF, 70) == "0x20000000000000000F"
    b = Bitstr.from_indexes(10, [0, 3, 9])
    wire = P().bitstr(b).getvalue()
    assert wire == b"\x00\x00\x00\x0a" + b"\x00\x00\x00\x060x209\x00"
    assert Unpacker(wire).bitstr() == b
    assert b.fmt() == "0,3,9"
    assert P().bitstr(None).getvalue() == struct.pack(">I", NO_VAL)
    assert Unpacker(struct.pack(">I", NO_VAL)).bitstr() is None


def test_bitstr_parse():
    assert hex_to_bitmap("0xff", 8) == 255
    assert hex_to_bitmap("0x0f", 4) == 15
    with pytest.raises(UnpackError):
        hex_to_bitmap("0x1ff", 8)
    with pytest.raises(UnpackError):
        hex_to_bitmap("0xzz", 8)
    assert bitmap_fmt(0b1110_0101) == "0,2,5-7"


def test_sentinels():
    assert NO_VAL == 0xFFFFFFFE and NO_VAL16 == 0xFFFE and NO_VAL64 == 0xFFFFFFFFFFFFFFFE


def test_short_reads_raise_unpack_error():
    for fn in ("u8", "u16", "u32", "u64", "time", "double"):
        with pytest.raises(UnpackError):
            getattr(Unpacker(b""), fn)()


def test_expect_end_and_bounds():
    u = Unpacker(b"\x00\x01\x02", end=2)
    assert u.u16() == 1
    with pytest.raises(UnpackError):
        u.u8()
    u = Unpacker(b"\x00\x01")
    with pytest.raises(UnpackError):
        u.expect_end()
