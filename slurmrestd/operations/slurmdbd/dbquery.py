"""slurmdbd list exchanges whose reply carries its own error (the association,
instance and job messages), and the association table of the data parser.

* :func:`get_list` is one ``acct_storage_p_get_*`` exchange whose decoder returns
  ``(records, return_code)``: a NULL list raises that code (how slurmdbd refuses
  a job query that is too wide or too large).
* :func:`assoc_table` is every association, deleted ones included: what
  :func:`common.session` lets the data parser load for v0.0.42's job associations.

The handlers' session, ``db_query_list`` and input parsing are in :mod:`common`.
"""

from __future__ import annotations

from typing import Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.dbd import assoc as rpc_assoc
from slurmrestd.rpc.dbd.session import pack_cond
from slurmrestd.rpc.pack import NO_VAL, Unpacker, UnpackError


#: a request body packed at the connection's protocol version: ``body(pack, cond)``
body = pack_cond


def get_list(db, msg_type: int, payload, got_type: int,
             decode: Callable[[Unpacker, int], tuple[list | None, int]], null_errno: int | None = None) -> list:
    """One ``acct_storage_p_get_*`` exchange.

    PERSIST_RC rc 0 → ``[]``, rc ≠ 0 → that error.  A NULL list raises
    ``null_errno`` (the reply's return_code when None, as for jobs)."""
    reply = db.request(msg_type, payload)
    rc = getattr(reply, "rc", None)
    if rc is not None:
        if rc.rc:
            raise SlurmError(rc.rc, rc.comment or None)
        return []
    if reply.msg_type != got_type:
        db.abandon()
        raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR,
                         "slurmdbd answered message %d with %d" % (msg_type, reply.msg_type))
    conn_version = db.version
    try:
        items, ret = decode(reply.body, conn_version)
        reply.body.expect_end("message %d" % got_type)
    except UnpackError as exc:
        db.abandon()
        raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET,
                         "cannot decode message %d from slurmdbd: %s" % (got_type, exc)) from None
    if items is None:
        errno = ret if null_errno is None else null_errno
        raise SlurmError(errno or E.ESLURM_REST_INVALID_QUERY)
    return items


# -- the association table (v0.0.42 job associations) --------------------------------------


def assoc_table(db) -> list:
    cond = {"flags": rpc_assoc.ASSOC_COND_FLAG_WITH_DELETED}
    return get_list(db, rpc_assoc.DBD_GET_ASSOCS, body(rpc_assoc.pack_assoc_cond, cond),
                    rpc_assoc.DBD_GOT_ASSOCS, rpc_assoc.decode_got_assocs, null_errno=0)


__all__ = ["body", "get_list", "assoc_table", "NO_VAL"]
