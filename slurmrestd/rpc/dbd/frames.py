"""slurmdbd framing, with no I/O.

Every frame in both directions is ``u32 length`` (big-endian) + payload.

* The first frame a client sends is a normal Slurm RPC for
  ``REQUEST_PERSIST_INIT`` (6500): header (flags ``SLURM_GLOBAL_AUTH_KEY |
  SLURMDBD_CONNECTION``, which also puts the message type in front of the
  header), the caller's credential, and the init body::

      u16 version | packstr cluster_name | u16 persist_type (1 = DBD) | u16 port (0)

  The version in the body decides how everything later on the connection is
  packed.
* Every later frame is ``u16 msg_type`` + body, without credential; every
  request gets exactly one reply frame of the same shape.
* ``PERSIST_RC`` (1433), the generic reply, is ``packstr comment | u16 flags |
  u32 rc | u16 ret_info``; to the init it returns the accepted version in
  ``ret_info``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.pack import MAX_MSG_SIZE, Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import SLURM_GLOBAL_AUTH_KEY, SLURMDBD_CONNECTION, Credential, encode_request
from slurmrestd.slurm.dbd_msg_types import DBD_FINI, PERSIST_INIT, PERSIST_RC

#: ``persist_type`` of a slurmdbd connection (``PERSIST_TYPE_DBD``).
PERSIST_TYPE_DBD = 1
#: Header flags of the init frame.
INIT_FLAGS = SLURM_GLOBAL_AUTH_KEY | SLURMDBD_CONNECTION

_LEN = struct.Struct(">I")
_TYPE = struct.Struct(">H")


@dataclass(frozen=True)
class PersistRc:
    """A ``persist_rc_msg_t``: the answer to init, FINI, adds, and to any error."""

    comment: str | None
    flags: int
    rc: int
    ret_info: int


@dataclass
class Reply:
    """One reply frame: its message type and an ``Unpacker`` at its body.

    For a PERSIST_RC reply, ``rc`` holds the decoded message (body consumed)."""

    msg_type: int
    body: Unpacker
    rc: PersistRc | None = None


def init_body(version: int, cluster_name: str | None) -> bytes:
    """``slurm_persist_pack_init_req_msg`` for a client that is not a slurmctld (port 0)."""
    return Packer().u16(version).str(cluster_name).u16(PERSIST_TYPE_DBD).u16(0).getvalue()


def encode_init(credential: Credential, cluster_name: str | None, version: int) -> bytes:
    """The whole init frame (length prefix included) offering ``version``."""
    return encode_request(PERSIST_INIT, init_body(version, cluster_name), credential, version, INIT_FLAGS)


def encode_msg(msg_type: int, body: bytes = b"") -> bytes:
    """A later frame: u32 length + u16 msg_type + body."""
    n = 2 + len(body)
    if n > MAX_MSG_SIZE:
        raise SlurmError(E.SLURM_PROTOCOL_INSANE_MSG_LENGTH, "slurmdbd request of %d bytes is too large" % n)
    return b"".join((_LEN.pack(n), _TYPE.pack(msg_type), body))


def fini_body(commit: bool, close_conn: bool = False) -> bytes:
    """``DBD_FINI``: u16 close_conn, u16 commit."""
    return Packer().u16(1 if close_conn else 0).u16(1 if commit else 0).getvalue()


def encode_fini(commit: bool) -> bytes:
    return encode_msg(DBD_FINI, fini_body(commit))


def decode_reply(payload: bytes | bytearray | memoryview) -> Reply:
    """Split a reply payload (after the length prefix, which ``rpc.frames`` checked
    against the size limit) into type and body; a PERSIST_RC is decoded into
    ``Reply.rc``.  A payload too short for the type is refused."""
    if len(payload) < 2:
        raise SlurmError(E.SLURM_PROTOCOL_INSANE_MSG_LENGTH,
                         "slurmdbd reply of %d bytes has no message type" % len(payload))
    u = Unpacker(payload)
    reply = Reply(u.u16(), u)
    if reply.msg_type == PERSIST_RC:
        try:
            reply.rc = unpack_persist_rc(u)
        except UnpackError as exc:
            raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET,
                             "malformed PERSIST_RC from slurmdbd: %s" % exc) from None
    return reply


def unpack_persist_rc(u: Unpacker) -> PersistRc:
    """``slurm_persist_unpack_rc_msg``; rc is a C int (−1 possible)."""
    comment = u.str()
    flags = u.u16()
    rc = u.i32()
    ret_info = u.u16()
    return PersistRc(comment, flags, rc, ret_info)


__all__ = [
    "PERSIST_TYPE_DBD", "INIT_FLAGS", "PersistRc", "Reply", "init_body", "encode_init", "encode_msg",
    "fini_body", "encode_fini", "decode_reply", "unpack_persist_rc",
]
