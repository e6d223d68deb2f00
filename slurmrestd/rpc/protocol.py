"""Slurm RPC framing and header, with no I/O (sans-I/O).

A message on the wire (``slurm_bufs_sendto``)::

    u32 length            bytes that follow (header + auth + body)
    header                pack_header(): 16 bytes for a plain client request
    auth                  u32 plugin id + the plugin's credential; absent if
                          flags & SLURM_NO_AUTH_CRED
    body                  header.body_length bytes

``encode_request`` builds the bytes to send; ``decode_message`` takes one
frame's payload (everything after the length prefix) and returns the header
and an ``Unpacker`` positioned at the body.  The transport only moves bytes.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from slurmrestd.errors import E, SlurmError
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import MAX_MSG_SIZE, Packer, Unpacker, UnpackError

# -- protocol versions (slurm_protocol_common.h: MAKE_SLURM_VER(r) = r << 8) ----
V24_11 = 42 << 8  # 0x2a00, SLURM_MIN_PROTOCOL_VERSION in 26.05
V25_05 = 43 << 8  # 0x2b00
V25_11 = 44 << 8  # 0x2c00
V26_05 = 45 << 8  # 0x2d00, SLURM_PROTOCOL_VERSION
PROTOCOL_VERSION = V26_05
MIN_PROTOCOL_VERSION = V24_11
#: What a 26.05 client/server accepts, newest first.
SUPPORTED_VERSIONS = (V26_05, V25_11, V25_05, V24_11)
_RELEASES = {V24_11: "24.11", V25_05: "25.05", V25_11: "25.11", V26_05: "26.05"}


def version_release(version: int) -> str:
    """``0x2d00`` → ``"26.05"`` (or the number in hex if unknown)."""
    return _RELEASES.get(version, "%#06x" % version)


# -- header flags (slurm_protocol_common.h) --------------------------------------
SLURM_GLOBAL_AUTH_KEY = 0x0001
SLURMDBD_CONNECTION = 0x0002
SLURM_MSG_KEEP_BUFFER = 0x0004
USE_BCAST_NETWORK = 0x0010
CTLD_QUEUE_PROCESSING = 0x0020
SLURM_NO_AUTH_CRED = 0x0040
SLURM_PACK_ADDRS = 0x0080

# -- auth plugin ids (slurm.h) -----------------------------------------------------
AUTH_PLUGIN_NONE = 100
AUTH_PLUGIN_MUNGE = 101
AUTH_PLUGIN_JWT = 102
AUTH_PLUGIN_SLURM = 103

AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10

_LEN = struct.Struct(">I")
#: A request's header after the dbd type: version, flags, msg_type, body_length, then forward.cnt,
#: ret_cnt and the orig_addr family (0, 0, AF_UNSPEC: nothing forwarded, no ret list, no address).
_HDR_REQUEST = struct.Struct(">HHHIHHH")


class Credential(Protocol):
    """What ``encode_request`` needs from a credential (see ``cred.py``)."""

    plugin_id: int

    def pack(self, packer: Packer, msg_type: int, body: bytes) -> None:
        """Append ``u32 plugin_id`` and the credential for this message."""


@dataclass(frozen=True)
class Forward:
    """``forward_t`` as carried in the header (slurmd fan-out; controllers send cnt 0)."""

    cnt: int
    nodelist: str | None = None
    timeout: int = 0
    tree_width: int = 0
    net_cred: str | None = None
    tree_depth: int = 0


@dataclass(frozen=True)
class RetItem:
    """One ``ret_data_info_t`` of a header's ret_list (only RC bodies are decoded)."""

    err: int
    msg_type: int
    node_name: str | None
    data: Any


class Header(NamedTuple):
    """A message header.  Header and Message are named tuples, not frozen dataclasses: one of
    each per RPC, and a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__`` (about 2 µs of the two per RPC, against a fraction for a tuple)."""

    version: int
    flags: int
    msg_type: int
    body_length: int
    forward: Forward | None = None
    ret_list: tuple[RetItem, ...] = ()
    #: ``orig_addr``: None for AF_UNSPEC, else ``(host, port)``.
    orig_addr: tuple[str, int] | None = None
    #: slurmdbd: the u16 message type written before the header.
    dbd_msg_type: int | None = None


class Message(NamedTuple):
    """A decoded frame: header, the auth section (if any) and the body."""

    header: Header
    body: Unpacker
    auth_plugin_id: int | None = None
    auth: tuple = ()

    @property
    def msg_type(self) -> int:
        return self.header.msg_type

    @property
    def version(self) -> int:
        return self.header.version


# -- header ------------------------------------------------------------------------


def pack_addr(p: Packer, addr: tuple[str, int] | None) -> None:
    """``slurm_pack_addr``.  IPv4 address and port were already in network order
    when the C code packs them with pack32/pack16, so on the little-endian hosts
    Slurm runs on they end up byte-swapped on the wire; we reproduce that."""
    if addr is None:
        p.u16(AF_UNSPEC)
        return
    host, port = addr
    if ":" in host:
        p.u16(AF_INET6)
        p.mem(socket.inet_pton(socket.AF_INET6, host))
        p.u16(int.from_bytes(port.to_bytes(2, "big"), "little"))
    else:
        p.u16(AF_INET)
        p.raw(socket.inet_aton(host)[::-1])
        p.raw(port.to_bytes(2, "little"))


def unpack_addr(u: Unpacker) -> tuple[str, int] | None:
    fam = u.u16()
    if fam == AF_INET6:
        raw = u.mem()
        if raw is None or len(raw) != 16:
            raise UnpackError("AF_INET6 address is not 16 bytes")
        port = int.from_bytes(u.raw(2), "little")
        return socket.inet_ntop(socket.AF_INET6, raw), port
    if fam == AF_INET:
        a = u.raw(4)[::-1]
        port = int.from_bytes(u.raw(2), "little")
        return socket.inet_ntoa(a), port
    return None


def pack_header(p: Packer, version: int, flags: int, msg_type: int, body_length: int) -> None:
    """``pack_header`` for a request: no forwarding, no ret list, no orig_addr."""
    if flags & SLURMDBD_CONNECTION:
        p.u16(msg_type)
    p.raw(_HDR_REQUEST.pack(version, flags, msg_type, body_length, 0, 0, AF_UNSPEC))


def unpack_header(u: Unpacker, dbd: bool = False, check_version: bool = True) -> Header:
    """``unpack_header``.  Raises ``SlurmError(SLURM_PROTOCOL_VERSION_ERROR)``
    for a version outside 42..45, ``UnpackError`` for malformed bytes."""
    dbd_type = u.u16() if dbd else None
    off = u.offset
    if off + _HDR_REQUEST.size <= u.end:
        # Every reply slurmctld and slurmdbd send us: no forwarding, no ret list, no address;
        # that is one read of the same layout as a request header.
        version, flags, msg_type, body_length, fwd_cnt, ret_cnt, fam = _HDR_REQUEST.unpack_from(u.view, off)
        if not (fwd_cnt or ret_cnt or fam) and (not check_version or version in SUPPORTED_VERSIONS):
            u.offset = off + _HDR_REQUEST.size
            return Header(version, flags, msg_type, body_length, None, (), None, dbd_type)
    version = u.u16()
    if check_version and version not in SUPPORTED_VERSIONS:
        raise SlurmError(E.SLURM_PROTOCOL_VERSION_ERROR,
                         "protocol_version %#06x not supported" % version, "unpack_header")
    flags = u.u16()
    msg_type = u.u16()
    body_length = u.u32()
    fwd_cnt = u.u16()
    forward = None
    if fwd_cnt:
        nodelist = u.str()
        timeout = u.u32()
        tree_width = u.u16()
        net_cred = u.str() if flags & SLURM_PACK_ADDRS else None
        tree_depth = u.u16()
        forward = Forward(fwd_cnt, nodelist, timeout, tree_width, net_cred, tree_depth)
    ret_cnt = u.u16()
    ret = []
    for _ in range(ret_cnt):
        err = u.u32()
        rtype = u.u16()
        node = u.str()
        if rtype == MsgType.RESPONSE_SLURM_RC:
            data: Any = unpack_rc(u)
        else:
            raise UnpackError("ret_list body of type %d not supported" % rtype)
        ret.append(RetItem(err, rtype, node, data))
    orig = unpack_addr(u)
    return Header(version, flags, msg_type, body_length, forward, tuple(ret), orig, dbd_type)


# -- whole messages ------------------------------------------------------------------


def encode_request(msg_type: int, body: bytes, cred: Credential | None,
                   version: int = PROTOCOL_VERSION, flags: int = 0) -> bytes:
    """The bytes of one request: u32 length + header + auth + body.

    ``cred=None`` sends no credential and sets ``SLURM_NO_AUTH_CRED`` (only
    useful to test the server's refusal)."""
    auth = Packer()
    if cred is None:
        flags |= SLURM_NO_AUTH_CRED
    else:
        cred.pack(auth, msg_type, body)
    hdr = Packer()
    pack_header(hdr, version, flags, msg_type, len(body))
    n = len(hdr) + len(auth) + len(body)
    if n > MAX_MSG_SIZE:
        raise SlurmError(E.SLURM_PROTOCOL_INSANE_MSG_LENGTH, "request of %d bytes is too large" % n)
    return b"".join((_LEN.pack(n), hdr.buf, auth.buf, body))


def frame_length(prefix: bytes, limit: int = MAX_MSG_SIZE) -> int:
    """Validate the 4-byte length prefix and return the payload length."""
    (n,) = _LEN.unpack(prefix)
    if n > limit:
        raise SlurmError(E.SLURM_PROTOCOL_INSANE_MSG_LENGTH,
                         "message length %d exceeds the %d byte limit" % (n, limit))
    return n


def unpack_auth(u: Unpacker) -> tuple[int, tuple]:
    """Skip over (and return) an auth section: ``u32 plugin id`` + credential."""
    pid = u.u32()
    if pid == AUTH_PLUGIN_MUNGE:
        return pid, (u.str(),)
    if pid == AUTH_PLUGIN_JWT:
        return pid, (u.str(), u.str())
    raise UnpackError("unknown auth plugin id %d" % pid)


def decode_message(payload: bytes | bytearray | memoryview, dbd: bool = False) -> Message:
    """Decode one frame payload (after the length prefix).

    The body ``Unpacker`` is bounded to exactly ``body_length`` bytes; a
    mismatch with what is left after the auth section is an ``UnpackError``
    (Slurm: "Header lengths are longer than data received")."""
    u = Unpacker(payload)
    hdr = unpack_header(u, dbd=dbd)
    pid = None
    auth: tuple = ()
    if not hdr.flags & SLURM_NO_AUTH_CRED:
        pid, auth = unpack_auth(u)
    if hdr.body_length != u.remaining:
        raise UnpackError("header body_length %d but %d bytes remain" % (hdr.body_length, u.remaining))
    return Message(hdr, Unpacker(u.view, u.offset), pid, auth)


# -- common reply bodies ---------------------------------------------------------------


def unpack_rc(u: Unpacker) -> int:
    """RESPONSE_SLURM_RC body: ``u32 return_code`` (a C int: −1 possible)."""
    return u.i32()


def unpack_rc_msg(u: Unpacker) -> tuple[int, str | None]:
    """RESPONSE_SLURM_RC_MSG body: ``u32 return_code`` + ``packstr err_msg``."""
    return u.i32(), u.str()


def pack_rc(p: Packer, rc: int) -> None:
    p.u32(rc)


def reply_rc(msg: Message) -> tuple[int, str | None] | None:
    """For RC / RC_MSG replies, ``(rc, err_msg)``; else None.  The body is consumed."""
    if msg.msg_type == MsgType.RESPONSE_SLURM_RC:
        rc = unpack_rc(msg.body)
        return rc, None
    if msg.msg_type == MsgType.RESPONSE_SLURM_RC_MSG:
        return unpack_rc_msg(msg.body)
    return None


__all__ = [
    "V24_11", "V25_05", "V25_11", "V26_05", "PROTOCOL_VERSION", "MIN_PROTOCOL_VERSION",
    "SUPPORTED_VERSIONS", "version_release",
    "SLURM_GLOBAL_AUTH_KEY", "SLURMDBD_CONNECTION", "SLURM_MSG_KEEP_BUFFER", "SLURM_NO_AUTH_CRED",
    "SLURM_PACK_ADDRS", "AUTH_PLUGIN_NONE", "AUTH_PLUGIN_MUNGE", "AUTH_PLUGIN_JWT", "AUTH_PLUGIN_SLURM",
    "Credential", "Header", "Forward", "RetItem", "Message",
    "pack_header", "unpack_header", "pack_addr", "unpack_addr", "encode_request", "frame_length",
    "decode_message", "unpack_auth", "unpack_rc", "unpack_rc_msg", "pack_rc", "reply_rc",
]
