"""The slurmdb writes, as libslurmdb's ``slurmdb_*_add/modify/remove()`` call them.

Four message shapes (src/common/slurmdbd_pack.c) and their replies, as the
accounting_storage/slurmdbd plugin reads them:

* **add** (``DBD_ADD_ACCOUNTS`` …): a list message, ``u32 count`` + records +
  ``u32 return_code`` (0).  slurmdbd answers ``PERSIST_RC``; rc ≠ 0 is the
  error (its comment is mostly NULL; for access denied it says so).
  :func:`add_list` returns nothing or raises ``SlurmError(rc, comment)``.
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

``FUNC_NAMES`` maps each function to the libslurmdb function it stands for
(handlers quote it in their errors, as the reference does).
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


# -- the generic shapes --------------------------------------------------------------------


def add_list(db: DbdSession, msg_type: int, pack_rec: Pack, items: list) -> None:
    """``acct_storage_p_add_*``: raise ``SlurmError(rc)`` unless slurmdbd answered rc 0."""
    res = request_rc(db, msg_type, list_body(pack_rec, items))
    if res.rc:
        raise SlurmError(res.rc, res.comment or strerror(res.rc))


def add_cond(db: DbdSession, msg_type: int, add_assoc: dict | None, pack_rec: Pack, rec: Any) -> Result:
    """``acct_storage_p_add_*_cond``: slurmdbd's rc and result text, whatever the rc."""
    return request_rc(db, msg_type, modify_body(records.pack_add_assoc_cond, add_assoc, pack_rec, rec))


def modify(db: DbdSession, msg_type: int, pack_cond: Pack, cond: Any, pack_rec: Pack, rec: Any) -> list[str]:
    """``acct_storage_p_modify_*``: the names changed ([] when slurmdbd listed none)."""
    return request_list(db, msg_type, modify_body(pack_cond, cond, pack_rec, rec), list_error=False)


def remove(db: DbdSession, msg_type: int, pack_cond: Pack, cond: Any) -> list[str]:
    """``acct_storage_p_remove_*``: the names removed; :class:`ListError` when slurmdbd
    refused with a list (what is in the way)."""
    return request_list(db, msg_type, cond_body(pack_cond, cond), list_error=True)


# -- accounts, users, associations, coordinators, wckeys --------------------------------------


def accounts_add(db: DbdSession, accounts: list[dict]) -> None:
    add_list(db, T.DBD_ADD_ACCOUNTS, records.pack_account_rec, accounts)


def accounts_add_cond(db: DbdSession, add_assoc: dict | None, account: dict | None) -> Result:
    return add_cond(db, T.DBD_ADD_ACCOUNTS_COND, add_assoc, records.pack_account_rec, account)


def accounts_modify(db: DbdSession, cond: dict | None, account: dict) -> list[str]:
    return modify(db, T.DBD_MODIFY_ACCOUNTS, conds.pack_account_cond, cond, records.pack_account_rec, account)


def accounts_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_ACCOUNTS, conds.pack_account_cond, cond)


def users_add(db: DbdSession, users: list[dict]) -> None:
    add_list(db, T.DBD_ADD_USERS, records.pack_user_rec, users)


def users_add_cond(db: DbdSession, add_assoc: dict | None, user: dict | None) -> Result:
    return add_cond(db, T.DBD_ADD_USERS_COND, add_assoc, records.pack_user_rec, user)


def users_modify(db: DbdSession, cond: dict | None, user: dict) -> list[str]:
    return modify(db, T.DBD_MODIFY_USERS, conds.pack_user_cond, cond, records.pack_user_rec, user)


def users_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_USERS, conds.pack_user_cond, cond)


def associations_add(db: DbdSession, assocs: list[dict]) -> None:
    add_list(db, T.DBD_ADD_ASSOCS, records.pack_assoc_rec, assocs)


def associations_modify(db: DbdSession, cond: dict | None, assoc: dict) -> list[str]:
    return modify(db, T.DBD_MODIFY_ASSOCS, conds.pack_assoc_cond, cond, records.pack_assoc_rec, assoc)


def associations_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_ASSOCS, conds.pack_assoc_cond, cond)


def coord_add(db: DbdSession, accounts: list[str], user_cond: dict | None) -> None:
    """``slurmdb_coord_add``: make the users of ``user_cond`` coordinators of ``accounts``."""
    res = request_rc(db, T.DBD_ADD_ACCOUNT_COORDS, coord_body(accounts, user_cond))
    if res.rc:
        raise SlurmError(res.rc, res.comment or strerror(res.rc))


def coord_remove(db: DbdSession, accounts: list[str], user_cond: dict | None) -> list[str]:
    """``slurmdb_coord_remove`` (the C client ignores the list's return code here)."""
    return request_list(db, T.DBD_REMOVE_ACCOUNT_COORDS, coord_body(accounts, user_cond), list_error=False)


def wckeys_add(db: DbdSession, wckeys: list[dict]) -> None:
    add_list(db, T.DBD_ADD_WCKEYS, records.pack_wckey_rec, wckeys)


def wckeys_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_WCKEYS, conds.pack_wckey_cond, cond)


# -- qos, clusters, tres, jobs ----------------------------------------------------------------


def qos_add(db: DbdSession, qos: list[dict]) -> None:
    add_list(db, T.DBD_ADD_QOS, qos_rec.pack_qos_rec, qos)


def qos_modify(db: DbdSession, cond: dict | None, qos: dict) -> list[str]:
    return modify(db, T.DBD_MODIFY_QOS, conds.pack_qos_cond, cond, qos_rec.pack_qos_rec, qos)


def qos_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_QOS, conds.pack_qos_cond, cond)


def clusters_add(db: DbdSession, clusters: list[dict] | None) -> None:
    add_list(db, T.DBD_ADD_CLUSTERS, cluster_rec.pack_cluster_rec, clusters)


def clusters_remove(db: DbdSession, cond: dict | None) -> list[str]:
    return remove(db, T.DBD_REMOVE_CLUSTERS, conds.pack_cluster_cond, cond)


def tres_add(db: DbdSession, tres: list[dict] | None) -> None:
    """``acct_storage_p_add_tres``: a NULL list is nothing to do (no message)."""
    if tres is not None:
        add_list(db, T.DBD_ADD_TRES, records.pack_tres_rec, tres)


def job_modify(db: DbdSession, cond: dict, job: dict) -> list[str]:
    """``slurmdb_job_modify``: the jobs changed, as "<id> submitted at <time>" texts."""
    return modify(db, T.DBD_MODIFY_JOB, jobs.pack_job_cond, cond, job_modify_rec.pack_job_rec, job)


#: Our function → the libslurmdb function it mirrors (quoted in the handlers' errors).
FUNC_NAMES = {
    "accounts_add": "slurmdb_accounts_add",
    "accounts_add_cond": "slurmdb_accounts_add_cond",
    "accounts_modify": "slurmdb_accounts_modify",
    "accounts_remove": "slurmdb_accounts_remove",
    "users_add": "slurmdb_users_add",
    "users_add_cond": "slurmdb_users_add_cond",
    "users_modify": "slurmdb_users_modify",
    "users_remove": "slurmdb_users_remove",
    "associations_add": "slurmdb_associations_add",
    "associations_modify": "slurmdb_associations_modify",
    "associations_remove": "slurmdb_associations_remove",
    "coord_add": "slurmdb_coord_add",
    "coord_remove": "slurmdb_coord_remove",
    "wckeys_add": "slurmdb_wckeys_add",
    "wckeys_remove": "slurmdb_wckeys_remove",
    "qos_add": "slurmdb_qos_add",
    "qos_modify": "slurmdb_qos_modify",
    "qos_remove": "slurmdb_qos_remove",
    "clusters_add": "slurmdb_clusters_add",
    "clusters_remove": "slurmdb_clusters_remove",
    "tres_add": "slurmdb_tres_add",
    "job_modify": "slurmdb_job_modify",
}


__all__ = ["Result", "ListError", "list_body", "modify_body", "cond_body", "coord_body", "request_rc",
           "request_list", "add_list", "add_cond", "modify", "remove", "accounts_add", "accounts_add_cond",
           "accounts_modify", "accounts_remove", "users_add", "users_add_cond", "users_modify", "users_remove",
           "associations_add", "associations_modify", "associations_remove", "coord_add", "coord_remove",
           "wckeys_add", "wckeys_remove", "qos_add", "qos_modify", "qos_remove", "clusters_add", "clusters_remove",
           "tres_add", "job_modify", "FUNC_NAMES"]
