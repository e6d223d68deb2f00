"""The slurmdb writes, as libslurmdb's ``slurmdb_*_add/modify/remove()`` call them.

Four message shapes (src/common/slurmdbd_pack.c) and their replies, as the
accounting_storage/slurmdbd plugin reads them:

* **add** (``DBD_ADD_ACCOUNTS`` …): a list message, ``u32 count`` + records +
  ``u32 return_code`` (0).  slurmdbd answers ``PERSIST_RC``; rc ≠ 0 is the
  error (its comment is mostly NULL; for access denied it says so).
  :func:`add` returns nothing or raises ``SlurmError(rc, comment)``.
* **add with condition** (``DBD_ADD_ACCOUNTS_COND``, ``DBD_ADD_USERS_COND``):
  an ``add_assoc_cond`` + a record; the ``PERSIST_RC`` comment is the result
  text (" Added …" or why not), returned even on error: :func:`add_cond`
  gives a :class:`Result` (rc, comment) and never raises for an rc.
* **modify** (``DBD_MODIFY_*``): cond + record.  ``DBD_GOT_LIST`` = the names
  changed; ``PERSIST_RC`` rc 0 = nothing listed (``[]``), rc ≠ 0 = the error
  (``SLURM_NO_CHANGE_IN_DATA`` when nothing matched).  :func:`modify`.
* **remove** (``DBD_REMOVE_*``): a cond.  ``DBD_GOT_LIST`` = the names removed,
  and its ``return_code`` ≠ 0 is an error *with* a list (e.g. the jobs still
  running on an association): :func:`remove` raises :class:`ListError`,
  which carries the list.  ``PERSIST_RC`` as for modify.
* coordinators (``DBD_ADD/REMOVE_ACCOUNT_COORDS``): ``u32 n`` + account names
  + a ``user_cond``; add answers ``PERSIST_RC``, remove as remove does.

Bodies are packed at the connection's protocol version (``DbdSession.request``
takes a callable).  A value that cannot be packed (a number out of range, a
NUL in a string) is the caller's input: ``ESLURM_REST_INVALID_QUERY``.

Each family is a table by record type (:data:`ADD`, :data:`ADD_COND`,
:data:`MODIFY`, :data:`REMOVE`: message type, packers and the libslurmdb function
it stands for, which handlers quote in their errors as the reference does) with
one generic function: ``add(db, "accounts", items)``, ``modify(db, "qos", cond,
rec)`` ….
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc.dbd import cluster_rec, conds, jobs, qos_rec, records
from slurmrestd.rpc.dbd import job_modify as job_modify_rec
from slurmrestd.rpc.dbd.session import DbdSession, unpack_list_msg
from slurmrestd.rpc.pack import Packer, UnpackError
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T, dbd_msg_type_name

Pack = Callable[[Packer, Any, int], None]


@dataclass(frozen=True)
class Result:
    """A ``PERSIST_RC`` answer: rc and slurmdbd's comment (may be None)."""

    rc: int
    comment: str | None


class ListError(SlurmError):
    """A remove that slurmdbd answered with a list *and* an error (``items``: that list)."""

    def __init__(self, errno: int, items: list, description: str | None = None) -> None:
        super().__init__(errno, description)
        self.items = items


def _body(build: Callable[[Packer, int], None]) -> Callable[[int], bytes]:
    def body(version: int) -> bytes:
        p = Packer()
        try:
            build(p, version)
        except (ValueError, TypeError, OverflowError) as exc:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY,
                             "Rejecting request: cannot send value to slurmdbd (%s)" % exc) from None
        return p.getvalue()
    return body


def list_body(pack_rec: Pack, items: list | None) -> Callable[[int], bytes]:
    """``slurmdbd_pack_list_msg``: u32 count (NO_VAL for None) + records + u32 return_code 0."""
    def build(p: Packer, version: int) -> None:
        records.pack_list(p, items, pack_rec, version)
        p.u32(0)
    return _body(build)


def modify_body(pack_cond: Pack, cond: Any, pack_rec: Pack, rec: Any) -> Callable[[int], bytes]:
    """``_pack_modify_msg``: cond then record."""
    def build(p: Packer, version: int) -> None:
        pack_cond(p, cond, version)
        pack_rec(p, rec, version)
    return _body(build)


def cond_body(pack_cond: Pack, cond: Any) -> Callable[[int], bytes]:
    """``_pack_cond_msg``: the cond alone."""
    return _body(lambda p, version: pack_cond(p, cond, version))


def coord_body(accounts: list[str] | None, user_cond: dict | None) -> Callable[[int], bytes]:
    """``_pack_acct_coord_msg``: u32 n + n account names (0 when None), then a user_cond."""
    def build(p: Packer, version: int) -> None:
        names = list(accounts or ())
        p.u32(len(names))
        for name in names:
            p.str(str(name))
        conds.pack_user_cond(p, user_cond, version)
    return _body(build)


def _rc_error(rc) -> SlurmError:
    return SlurmError(rc.rc, rc.comment or strerror(rc.rc))


def _unexpected(db: DbdSession, msg_type: int, got: int, expected: str) -> SlurmError:
    db.abandon()
    return SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "slurmdbd answered %s with %s, expected %s"
                      % (dbd_msg_type_name(msg_type), dbd_msg_type_name(got), expected))


def request_rc(db: DbdSession, msg_type: int, body) -> Result:
    """A request answered by ``PERSIST_RC`` (``dbd_conn_send_recv_rc_comment_msg``)."""
    reply = db.request(msg_type, body)
    if reply.rc is None:
        raise _unexpected(db, msg_type, reply.msg_type, "PERSIST_RC")
    return Result(reply.rc.rc, reply.rc.comment)


def request_list(db: DbdSession, msg_type: int, body, list_error: bool) -> list[str]:
    """A request answered by ``DBD_GOT_LIST`` (names) or ``PERSIST_RC``.

    ``list_error``: a nonzero return code in the list reply is an error (removes)."""
    reply = db.request(msg_type, body)
    if reply.rc is not None:
        if reply.rc.rc:
            raise _rc_error(reply.rc)
        return []
    if reply.msg_type != T.DBD_GOT_LIST:
        raise _unexpected(db, msg_type, reply.msg_type, "DBD_GOT_LIST")
    try:
        items, rc = unpack_list_msg(reply.body, db.version, lambda u, v: u.str())
        reply.body.expect_end("DBD_GOT_LIST")
    except UnpackError as exc:
        db.abandon()
        raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET, "cannot decode DBD_GOT_LIST from slurmdbd: %s"
                         % exc) from None
    items = items if items is not None else []
    if list_error and rc:
        raise ListError(rc, items)
    return items


# -- the tables: one entry per record type of each family ----------------------------------


@dataclass(frozen=True)
class Write:
    """One libslurmdb write of one record type (an entry of :data:`ADD` … :data:`REMOVE`)."""

    func: str  # the libslurmdb function it stands for (quoted in the handlers' errors)
    msg_type: int  # the DBD_* request
    pack_rec: Pack | None = None  # the record (add, add with condition, modify)
    pack_cond: Pack | None = None  # the condition (modify, remove)
    none_is_nothing: bool = False  # add: a NULL list sends no message (acct_storage_p_add_tres)


#: ``acct_storage_p_add_*`` (a list message, answered by ``PERSIST_RC``), by record type
ADD: dict[str, Write] = {
    "accounts": Write("slurmdb_accounts_add", T.DBD_ADD_ACCOUNTS, records.pack_account_rec),
    "users": Write("slurmdb_users_add", T.DBD_ADD_USERS, records.pack_user_rec),
    "associations": Write("slurmdb_associations_add", T.DBD_ADD_ASSOCS, records.pack_assoc_rec),
    "wckeys": Write("slurmdb_wckeys_add", T.DBD_ADD_WCKEYS, records.pack_wckey_rec),
    "qos": Write("slurmdb_qos_add", T.DBD_ADD_QOS, qos_rec.pack_qos_rec),
    "clusters": Write("slurmdb_clusters_add", T.DBD_ADD_CLUSTERS, cluster_rec.pack_cluster_rec),
    "tres": Write("slurmdb_tres_add", T.DBD_ADD_TRES, records.pack_tres_rec, none_is_nothing=True),
}

#: ``acct_storage_p_add_*_cond`` (an ``add_assoc_cond`` + a record), by record type
ADD_COND: dict[str, Write] = {
    "accounts": Write("slurmdb_accounts_add_cond", T.DBD_ADD_ACCOUNTS_COND, records.pack_account_rec),
    "users": Write("slurmdb_users_add_cond", T.DBD_ADD_USERS_COND, records.pack_user_rec),
}

#: ``acct_storage_p_modify_*`` (cond + record), by record type
MODIFY: dict[str, Write] = {
    "accounts": Write("slurmdb_accounts_modify", T.DBD_MODIFY_ACCOUNTS, records.pack_account_rec,
                      conds.pack_account_cond),
    "users": Write("slurmdb_users_modify", T.DBD_MODIFY_USERS, records.pack_user_rec, conds.pack_user_cond),
    "associations": Write("slurmdb_associations_modify", T.DBD_MODIFY_ASSOCS, records.pack_assoc_rec,
                          conds.pack_assoc_cond),
    "qos": Write("slurmdb_qos_modify", T.DBD_MODIFY_QOS, qos_rec.pack_qos_rec, conds.pack_qos_cond),
    # the jobs changed, as "<id> submitted at <time>" texts
    "job": Write("slurmdb_job_modify", T.DBD_MODIFY_JOB, job_modify_rec.pack_job_rec, jobs.pack_job_cond),
}

#: ``acct_storage_p_remove_*`` (a cond), by record type
REMOVE: dict[str, Write] = {
    "accounts": Write("slurmdb_accounts_remove", T.DBD_REMOVE_ACCOUNTS, pack_cond=conds.pack_account_cond),
    "users": Write("slurmdb_users_remove", T.DBD_REMOVE_USERS, pack_cond=conds.pack_user_cond),
    "associations": Write("slurmdb_associations_remove", T.DBD_REMOVE_ASSOCS, pack_cond=conds.pack_assoc_cond),
    "wckeys": Write("slurmdb_wckeys_remove", T.DBD_REMOVE_WCKEYS, pack_cond=conds.pack_wckey_cond),
    "qos": Write("slurmdb_qos_remove", T.DBD_REMOVE_QOS, pack_cond=conds.pack_qos_cond),
    "clusters": Write("slurmdb_clusters_remove", T.DBD_REMOVE_CLUSTERS, pack_cond=conds.pack_cluster_cond),
}


# -- one generic function per family ---------------------------------------------------------


def add(db: DbdSession, kind: str, items: list | None) -> None:
    """``ADD[kind]``: raise ``SlurmError(rc)`` unless slurmdbd answered rc 0."""
    w = ADD[kind]
    if items is None and w.none_is_nothing:
        return
    res = request_rc(db, w.msg_type, list_body(w.pack_rec, items))
    if res.rc:
        raise SlurmError(res.rc, res.comment or strerror(res.rc))


def add_cond(db: DbdSession, kind: str, add_assoc: dict | None, rec: Any) -> Result:
    """``ADD_COND[kind]``: slurmdbd's rc and result text, whatever the rc."""
    w = ADD_COND[kind]
    return request_rc(db, w.msg_type, modify_body(records.pack_add_assoc_cond, add_assoc, w.pack_rec, rec))


def modify(db: DbdSession, kind: str, cond: Any, rec: Any) -> list[str]:
    """``MODIFY[kind]``: the names changed ([] when slurmdbd listed none)."""
    w = MODIFY[kind]
    return request_list(db, w.msg_type, modify_body(w.pack_cond, cond, w.pack_rec, rec), list_error=False)


def remove(db: DbdSession, kind: str, cond: Any) -> list[str]:
    """``REMOVE[kind]``: the names removed; :class:`ListError` when slurmdbd refused
    with a list (what is in the way)."""
    w = REMOVE[kind]
    return request_list(db, w.msg_type, cond_body(w.pack_cond, cond), list_error=True)


# -- coordinators: their own message shape ------------------------------------------------------


def coord_add(db: DbdSession, accounts: list[str], user_cond: dict | None) -> None:
    """``slurmdb_coord_add``: make the users of ``user_cond`` coordinators of ``accounts``."""
    res = request_rc(db, T.DBD_ADD_ACCOUNT_COORDS, coord_body(accounts, user_cond))
    if res.rc:
        raise SlurmError(res.rc, res.comment or strerror(res.rc))


def coord_remove(db: DbdSession, accounts: list[str], user_cond: dict | None) -> list[str]:
    """``slurmdb_coord_remove`` (the C client ignores the list's return code here)."""
    return request_list(db, T.DBD_REMOVE_ACCOUNT_COORDS, coord_body(accounts, user_cond), list_error=False)


__all__ = ["Result", "ListError", "Write", "list_body", "modify_body", "cond_body", "coord_body", "request_rc",
           "request_list", "ADD", "ADD_COND", "MODIFY", "REMOVE", "add", "add_cond", "modify", "remove",
           "coord_add", "coord_remove"]
