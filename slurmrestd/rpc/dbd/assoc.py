"""Associations on the slurmdbd wire: ``slurmdb_assoc_cond_t`` out, ``slurmdb_assoc_rec_t`` in.

Pure functions over :mod:`slurmrestd.rpc.pack`; no sockets.  Records are dicts keyed
by the C member names (what the data parser's ``ASSOC`` table reads).  Both
layouts have had one shape since 24.11 (``src/common/slurmdb_pack.c``), so the
protocol version is only checked against the supported range.

The cond encoder and the record decoder are the shared ones of ``conds`` and
``records`` (accounts, users and clusters carry associations too); this module
adds the request and reply messages and the list envelope with error context
(``u32 count`` + records + ``u32 return_code``) that the instance and job
replies use as well.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from slurmrestd.rpc.dbd import conds, records, session
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION
from slurmrestd.slurm.dbd_msg_types import DbdMsgType

DBD_GET_ASSOCS = DbdMsgType.DBD_GET_ASSOCS
DBD_GOT_ASSOCS = DbdMsgType.DBD_GOT_ASSOCS

# slurmdb.h: ASSOC_COND_FLAG_*
ASSOC_COND_FLAG_WITH_DELETED = 1 << 0
ASSOC_COND_FLAG_WITH_USAGE = 1 << 1
ASSOC_COND_FLAG_ONLY_DEFS = 1 << 2
ASSOC_COND_FLAG_RAW_QOS = 1 << 3
ASSOC_COND_FLAG_SUB_ACCTS = 1 << 4
ASSOC_COND_FLAG_WOPI = 1 << 5
ASSOC_COND_FLAG_WOPL = 1 << 6
ASSOC_COND_FLAG_QOS_USAGE = 1 << 7

def check_version(version: int) -> None:
    if not MIN_PROTOCOL_VERSION <= version <= PROTOCOL_VERSION:
        raise ValueError("slurmdbd protocol version %#06x is not supported" % version)


def _strs(values) -> list[str] | None:
    """A list_t of strings: None stays None (NULL list, NO_VAL on the wire)."""
    if values is None:
        return None
    return [str(v) for v in values]


# -- conditions ---------------------------------------------------------------------------


#: ``slurmdb_pack_assoc_cond``: ``bool present``, then 12 members (none when NULL); the
#: account and user conds nest it, so it lives with the other conds
pack_assoc_cond = conds.pack_assoc_cond


def encode_cond_msg(msg_type: int, pack: Callable[[Packer, Any, int], None], cond: Any, version: int) -> bytes:
    """A whole cond request: ``u16 msg_type`` + ``pack(cond)``, for a supported version."""
    check_version(version)
    p = Packer()
    p.u16(msg_type)
    pack(p, cond, version)
    return p.getvalue()


def encode_get_assocs(cond: Mapping[str, Any] | None, version: int) -> bytes:
    """The ``DBD_GET_ASSOCS`` payload."""
    return encode_cond_msg(DBD_GET_ASSOCS, pack_assoc_cond, cond, version)


def unpack_assoc_cond(u: Unpacker, version: int) -> dict | None:
    """Inverse of :func:`pack_assoc_cond` (for tests and tools)."""
    check_version(version)
    return conds.unpack_assoc_cond(u, version)


# -- records ------------------------------------------------------------------------------

#: ``slurmdb_unpack_assoc_rec_members`` (33 members; the slurmctld-only usage is not sent),
#: shared with the account, user and cluster records that carry associations
unpack_assoc_rec = records.unpack_assoc_rec
unpack_tres_rec = records.unpack_tres_rec
unpack_accounting_rec = records.unpack_accounting_rec


def unpack_list_msg(u: Unpacker, unpack_item: Callable[[Unpacker, int], Any], version: int,
                    what: str = "list") -> tuple[list | None, int]:
    """``slurmdbd_unpack_list_msg``: (records or None for a NULL list, return_code); a
    record that does not decode names its type and index."""
    index = [0]

    def item(u: Unpacker, version: int) -> Any:
        try:
            return unpack_item(u, version)
        except UnpackError as exc:
            raise UnpackError("%s record %d: %s" % (what, index[0], exc)) from None
        finally:
            index[0] += 1

    return session.unpack_list_msg(u, version, item)


def decode_got_assocs(u: Unpacker, version: int) -> tuple[list | None, int]:
    """Body of ``DBD_GOT_ASSOCS`` (after the u16 message type)."""
    check_version(version)
    return unpack_list_msg(u, unpack_assoc_rec, version, "slurmdb_assoc_rec_t")


__all__ = [
    "DBD_GET_ASSOCS", "DBD_GOT_ASSOCS", "pack_assoc_cond", "encode_cond_msg", "encode_get_assocs", "unpack_assoc_cond",
    "unpack_tres_rec", "unpack_accounting_rec", "unpack_assoc_rec", "unpack_list_msg",
    "decode_got_assocs", "check_version",
] + [n for n in dir() if n.startswith("ASSOC_COND_FLAG_")]
