"""Slurm's binary packing primitives (``src/common/pack.c``), both directions.

Everything on Slurm's wire is big-endian.  ``Packer`` appends to a
``bytearray``; ``Unpacker`` reads a ``memoryview`` at an offset and raises
``UnpackError`` on any short or malformed read, never ``struct.error`` or
``IndexError``.  Neither knows about sockets; slurmctld and slurmdbd clients
both build on them.

Strings: Slurm sends C strings as ``u32 len`` + bytes *including* the
terminating NUL, so ``""`` is ``00000001 00`` while NULL is ``00000000``.  We map
NULL to ``None``.  Bytes are decoded as UTF-8 with ``surrogateescape`` so that
arbitrary bytes survive a round trip.
"""

from __future__ import annotations

import struct
from typing import Any, Callable, Iterable, Sequence

from slurmrestd.slurm.sentinels import NO_VAL

#: ``FLOAT_MULT`` (pack.h): doubles and floats are scaled by this before packing.
FLOAT_MULT = 1000000
#: ``MAX_PACK_MEM_LEN`` / ``MAX_MSG_SIZE``: 1 GiB limit per string/array and per message.
MAX_PACK_MEM_LEN = 1024 * 1024 * 1024
MAX_MSG_SIZE = 1024 * 1024 * 1024

STR_ENCODING = "utf-8"
STR_ERRORS = "surrogateescape"

# Precompiled once at import.
_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_I32 = struct.Struct(">i")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")
_F32 = struct.Struct(">f")
_U16U16 = struct.Struct(">HH")


class UnpackError(ValueError):
    """The buffer does not hold what the layout says (short, bad length, no NUL …)."""


# -- bitmaps --------------------------------------------------------------------


def bitmap_to_hex(bits: int, size: int) -> str:
    """``bit_fmt_hexmask``: ``"0x"`` + ceil(size/4) uppercase hex digits, MSB first."""
    if size <= 0:
        return "0x0"
    digits = (size + 3) // 4
    return "0x%0*X" % (digits, bits & ((1 << size) - 1))


def hex_to_bitmap(text: str, size: int) -> int:
    """``bit_unfmt_hexmask``: parse a hex mask into an int (bit i = index i)."""
    s = text[2:] if text[:2] in ("0x", "0X") else text
    if not s:
        return 0
    try:
        value = int(s, 16)
    except ValueError:
        raise UnpackError("bad hex bitmap %r" % text) from None
    if value >> size:
        raise UnpackError("hex bitmap %r wider than %d bits" % (text, size))
    return value


def bitmap_indexes(bits: int) -> list[int]:
    """Indexes of the set bits, ascending."""
    out = []
    i = 0
    while bits:
        if bits & 1:
            out.append(i)
        bits >>= 1
        i += 1
    return out


def bitmap_fmt(bits: int) -> str:
    """``bit_fmt``-style range string: ``"0-3,7"``."""
    idx = bitmap_indexes(bits)
    parts = []
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        parts.append(str(idx[i]) if i == j else "%d-%d" % (idx[i], idx[j]))
        i = j + 1
    return ",".join(parts)


class Bitstr:
    """A Slurm ``bitstr_t``: ``size`` bits, ``bits`` as an int (bit i = index i)."""

    __slots__ = ("size", "bits")

    def __init__(self, size: int, bits: int = 0) -> None:
        self.size = size
        self.bits = bits

    @classmethod
    def from_indexes(cls, size: int, indexes: Iterable[int]) -> "Bitstr":
        bits = 0
        for i in indexes:
            if not 0 <= i < size:
                raise ValueError("bit %d outside 0..%d" % (i, size - 1))
            bits |= 1 << i
        return cls(size, bits)

    def indexes(self) -> list[int]:
        return bitmap_indexes(self.bits)

    def fmt(self) -> str:
        return bitmap_fmt(self.bits)

    def hex(self) -> str:
        return bitmap_to_hex(self.bits, self.size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstr) and (self.size, self.bits) == (other.size, other.bits)

    def __repr__(self) -> str:
        return "Bitstr(%d, %s)" % (self.size, self.hex())


# -- packing ---------------------------------------------------------------------


class Packer:
    """Append Slurm primitives to a growing buffer."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def __len__(self) -> int:
        return len(self.buf)

    def getvalue(self) -> bytes:
        return bytes(self.buf)

    def raw(self, data: bytes) -> "Packer":
        """``packmem_array``: bytes with no length."""
        self.buf += data
        return self

    def u8(self, v: int) -> "Packer":
        self.buf += _U8.pack(v & 0xFF)
        return self

    def bool(self, v: bool) -> "Packer":
        self.buf += b"\x01" if v else b"\x00"
        return self

    def u16(self, v: int) -> "Packer":
        self.buf += _U16.pack(v & 0xFFFF)
        return self

    def u32(self, v: int) -> "Packer":
        """``pack32``; negative values travel as two's complement (rc −1)."""
        self.buf += _U32.pack(v & 0xFFFFFFFF)
        return self

    def u64(self, v: int) -> "Packer":
        self.buf += _U64.pack(v & 0xFFFFFFFFFFFFFFFF)
        return self

    def time(self, v: int) -> "Packer":
        """``pack_time``: time_t as signed int64.  NO_VAL64 and INFINITE64 (what a parsed
        unset or infinite timestamp holds) pack as C's cast to time_t does: the same 64 bits."""
        v = int(v)
        if not -(1 << 63) <= v < (1 << 64):
            raise ValueError("time %d does not fit 64 bits" % v)
        self.buf += _U64.pack(v & 0xFFFFFFFFFFFFFFFF)
        return self

    def double(self, v: float) -> "Packer":
        """``packdouble``: binary64 bits of ``v * FLOAT_MULT``."""
        self.buf += _F64.pack(v * FLOAT_MULT)
        return self

    def float(self, v: float) -> "Packer":
        """``packfloat``: binary32 bits of ``v * FLOAT_MULT`` through pack32."""
        self.buf += _F32.pack(v * FLOAT_MULT)
        return self

    def longdouble(self, v: float) -> "Packer":
        """``packlongdouble``: a ``"%Lf"`` string (6 decimals)."""
        return self.str("%f" % v)

    def mem(self, data: bytes | None) -> "Packer":
        """``packmem``: u32 length + bytes (None → length 0)."""
        if not data:
            self.buf += _U32.pack(0)
            return self
        if len(data) > MAX_PACK_MEM_LEN:
            raise ValueError("packmem: %d bytes is over the 1 GiB limit" % len(data))
        self.buf += _U32.pack(len(data))
        self.buf += data
        return self

    def str(self, s: str | bytes | None) -> "Packer":
        """``packstr``: None → u32 0; else u32 (len+1) + bytes + NUL."""
        if s is None:
            self.buf += _U32.pack(0)
            return self
        b = s if isinstance(s, (bytes, bytearray)) else s.encode(STR_ENCODING, STR_ERRORS)
        if b"\x00" in b:
            raise ValueError("packstr: string contains NUL")
        self.buf += _U32.pack(len(b) + 1)
        self.buf += b
        self.buf += b"\x00"
        return self

    def null(self) -> "Packer":
        """``packnull``."""
        self.buf += _U32.pack(0)
        return self

    def _array(self, items: Sequence[Any] | None, pack_one: Callable[["Packer", Any], Any]) -> "Packer":
        """u32 count + count items (None → count 0)."""
        items = items or ()
        self.buf += _U32.pack(len(items))
        for v in items:
            pack_one(self, v)
        return self

    def str_array(self, items: Sequence[str | None] | None) -> "Packer":
        """``packstr_array``: u32 count + count × packstr (None → count 0)."""
        return self._array(items, Packer.str)

    def u16_array(self, items: Sequence[int] | None) -> "Packer":
        return self._array(items, Packer.u16)

    def u32_array(self, items: Sequence[int] | None) -> "Packer":
        return self._array(items, Packer.u32)

    def u64_array(self, items: Sequence[int] | None) -> "Packer":
        return self._array(items, Packer.u64)

    def double_array(self, items: Sequence[float] | None) -> "Packer":
        return self._array(items, Packer.double)

    def longdouble_array(self, items: Sequence[float] | None) -> "Packer":
        return self._array(items, Packer.longdouble)

    def bitstr(self, b: Bitstr | None) -> "Packer":
        """``pack_bit_str_hex``: None → u32 NO_VAL; else u32 size + packstr(hex)."""
        if b is None:
            self.buf += _U32.pack(NO_VAL)
            return self
        self.buf += _U32.pack(b.size)
        return self.str(b.hex())

    def list(self, items: Sequence[Any] | None, pack_item: Callable[["Packer", Any], Any]) -> "Packer":
        """``slurm_pack_list``: None → u32 NO_VAL; else u32 count + items."""
        if items is None:
            self.buf += _U32.pack(NO_VAL)
            return self
        self.buf += _U32.pack(len(items))
        for it in items:
            pack_item(self, it)
        return self

    def str_list(self, items: Sequence[str] | None) -> "Packer":
        """A ``list_t`` of strings (``packstr_with_version`` items)."""
        return self.list(items, Packer.str)


# -- unpacking -------------------------------------------------------------------


_U16_FROM = _U16.unpack_from
_U32_FROM = _U32.unpack_from
_U64_FROM = _U64.unpack_from
_I64_FROM = _I64.unpack_from


class Unpacker:
    """Read Slurm primitives from a buffer; ``offset`` advances as fields are read."""

    __slots__ = ("view", "offset", "end")

    def __init__(self, data: bytes | bytearray | memoryview, offset: int = 0, end: int | None = None) -> None:
        self.view = data if isinstance(data, memoryview) else memoryview(data)
        self.offset = offset
        self.end = len(self.view) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.offset

    def _need(self, n: int, what: str) -> int:
        off = self.offset
        if n < 0 or off + n > self.end:
            raise UnpackError("%s: need %d bytes at offset %d, %d left" % (what, n, off, self.end - off))
        self.offset = off + n
        return off

    def raw(self, n: int) -> bytes:
        off = self._need(n, "raw")
        return bytes(self.view[off:off + n])

    def rest(self) -> bytes:
        return self.raw(self.remaining)

    def skip(self, n: int) -> None:
        self._need(n, "skip")

    def expect_end(self, what: str = "message") -> None:
        if self.offset != self.end:
            raise UnpackError("%s: %d bytes left over" % (what, self.end - self.offset))

    # The fixed-size readers check bounds inline: they run millions of times per big reply.

    def u8(self) -> int:
        off = self.offset
        if off + 1 > self.end:
            self._need(1, "u8")
        self.offset = off + 1
        return self.view[off]

    def bool(self) -> bool:
        return self.u8() != 0

    def u16(self) -> int:
        off = self.offset
        if off + 2 > self.end:
            self._need(2, "u16")
        self.offset = off + 2
        return _U16_FROM(self.view, off)[0]

    def u32(self) -> int:
        off = self.offset
        if off + 4 > self.end:
            self._need(4, "u32")
        self.offset = off + 4
        return _U32_FROM(self.view, off)[0]

    def i32(self) -> int:
        """A u32 field that holds a C ``int`` (rc −1 etc.)."""
        return _I32.unpack_from(self.view, self._need(4, "i32"))[0]

    def u64(self) -> int:
        off = self.offset
        if off + 8 > self.end:
            self._need(8, "u64")
        self.offset = off + 8
        return _U64_FROM(self.view, off)[0]

    def time(self) -> int:
        off = self.offset
        if off + 8 > self.end:
            self._need(8, "time")
        self.offset = off + 8
        return _I64_FROM(self.view, off)[0]

    def double(self) -> float:
        return _F64.unpack_from(self.view, self._need(8, "double"))[0] / FLOAT_MULT

    def float(self) -> float:
        return _F32.unpack_from(self.view, self._need(4, "float"))[0] / FLOAT_MULT

    def _len(self, what: str) -> int:
        n = self.u32()
        if n > MAX_PACK_MEM_LEN:
            raise UnpackError("%s: length %d over the 1 GiB limit" % (what, n))
        return n

    def mem(self) -> bytes | None:
        """``unpackmem``: length 0 → None."""
        n = self._len("mem")
        if not n:
            return None
        return self.raw(n)

    def str_bytes(self) -> bytes | None:
        off = self.offset
        if off + 4 > self.end:
            self._need(4, "str")
        n = _U32_FROM(self.view, off)[0]
        if not n:
            self.offset = off + 4
            return None
        start = off + 4
        stop = start + n
        if n > MAX_PACK_MEM_LEN or stop > self.end:
            self.offset = start
            if n > MAX_PACK_MEM_LEN:
                raise UnpackError("str: length %d over the 1 GiB limit" % n)
            self._need(n, "str")
        if self.view[stop - 1] != 0:
            raise UnpackError("str at offset %d is not NUL terminated" % off)
        self.offset = stop
        return bytes(self.view[start:stop - 1])

    def str(self) -> str | None:
        """``unpackstr``: length 0 → None; the trailing NUL must be there."""
        b = self.str_bytes()
        return None if b is None else b.decode(STR_ENCODING, STR_ERRORS)

    def skip_str(self) -> None:
        n = self._len("str")
        if n:
            self._need(n, "str")

    def longdouble(self) -> float:
        """``unpacklongdouble``: a decimal string; NaN becomes 0 as Slurm does."""
        b = self.mem()
        text = (b or b"").split(b"\x00", 1)[0].decode("ascii", "replace").strip()
        try:
            v = float(text)
        except ValueError:
            raise UnpackError("bad long double %r" % text) from None
        return 0.0 if v != v else v

    def _count(self, what: str) -> int:
        n = self.u32()
        if n > MAX_PACK_MEM_LEN:
            raise UnpackError("%s: count %d too large" % (what, n))
        return n

    def str_array(self) -> list[str | None]:
        """``unpackstr_array``: count 0 → [] (C gives NULL)."""
        return [self.str() for _ in range(self._count("str_array"))]

    def _fixed_array(self, st: struct.Struct, what: str) -> list[int]:
        n = self._count(what)
        off = self._need(n * st.size, what)
        return [v[0] for v in st.iter_unpack(self.view[off:off + n * st.size])]

    def u16_array(self) -> list[int]:
        return self._fixed_array(_U16, "u16_array")

    def u32_array(self) -> list[int]:
        return self._fixed_array(_U32, "u32_array")

    def u64_array(self) -> list[int]:
        return self._fixed_array(_U64, "u64_array")

    def double_array(self) -> list[float]:
        return [self.double() for _ in range(self._count("double_array"))]

    def longdouble_array(self) -> list[float]:
        return [self.longdouble() for _ in range(self._count("longdouble_array"))]

    def bitstr(self) -> Bitstr | None:
        """``unpack_bit_str_hex``: NO_VAL → None; size 0 → None."""
        size = self.u32()
        if size == NO_VAL:
            return None
        text = self.str()
        if not size:
            return None
        return Bitstr(size, hex_to_bitmap(text or "", size))

    def list(self, unpack_item: Callable[["Unpacker"], Any]) -> list[Any] | None:
        """``slurm_unpack_list``: NO_VAL → None; else count items."""
        n = self.u32()
        if n == NO_VAL:
            return None
        if n > NO_VAL:
            raise UnpackError("list count %#x" % n)
        return [unpack_item(self) for _ in range(n)]

    def str_list(self) -> list[str | None] | None:
        return self.list(Unpacker.str)


__all__ = [
    "Packer", "Unpacker", "UnpackError", "Bitstr",
    "bitmap_to_hex", "hex_to_bitmap", "bitmap_indexes", "bitmap_fmt",
    "FLOAT_MULT", "MAX_PACK_MEM_LEN", "MAX_MSG_SIZE",
]
