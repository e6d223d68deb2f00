"""The slurmdb queries of the REST API, as the C ``slurmdb_*_get()`` calls them.

Each function takes a ``DbdSession`` and a cond dict (see ``conds.py``; ``None``
= NULL cond) and returns the decoded records (see ``records.py``), or raises
``SlurmError`` with slurmdbd's error number.  ``[]`` means slurmdbd found
nothing.  The C function name each one stands for is in ``FUNC_NAMES``
(handlers quote it in their warnings and errors).
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.dbd import conds, records
from slurmrestd.rpc.dbd.session import DbdSession, pack_cond
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T

#: Our function → the libslurmdb function it mirrors.
FUNC_NAMES = {
    "tres_get": "slurmdb_tres_get",
    "qos_get": "slurmdb_qos_get",
    "accounts_get": "slurmdb_accounts_get",
    "users_get": "slurmdb_users_get",
    "clusters_get": "slurmdb_clusters_get",
    "wckeys_get": "slurmdb_wckeys_get",
    "associations_get": "slurmdb_associations_get",
    "get_stats": "slurmdb_get_stats",
    "config_get": "slurmdb_config_get",
}


def tres_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_TRES, pack_cond(conds.pack_tres_cond, cond), T.DBD_GOT_TRES,
                       records.unpack_tres_rec)


def qos_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_QOS, pack_cond(conds.pack_qos_cond, cond), T.DBD_GOT_QOS, records.unpack_qos_rec)


def accounts_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_ACCOUNTS, pack_cond(conds.pack_account_cond, cond), T.DBD_GOT_ACCOUNTS,
                       records.unpack_account_rec)


def users_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_USERS, pack_cond(conds.pack_user_cond, cond), T.DBD_GOT_USERS,
                       records.unpack_user_rec)


def clusters_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_CLUSTERS, pack_cond(conds.pack_cluster_cond, cond), T.DBD_GOT_CLUSTERS,
                       records.unpack_cluster_rec)


def wckeys_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_WCKEYS, pack_cond(conds.pack_wckey_cond, cond), T.DBD_GOT_WCKEYS,
                       records.unpack_wckey_rec)


def associations_get(db: DbdSession, cond) -> list[dict]:
    return db.get_list(T.DBD_GET_ASSOCS, pack_cond(conds.pack_assoc_cond, cond), T.DBD_GOT_ASSOCS,
                       records.unpack_assoc_rec)


def get_stats(db: DbdSession) -> dict:
    """``DBD_GET_STATS`` (SuperUser only; slurmdbd closes the connection of anyone else)."""
    return db.get_one(T.DBD_GET_STATS, b"", T.DBD_GOT_STATS, records.unpack_stats_msg)


def config_get(db: DbdSession) -> dict:
    """``DBD_GET_CONFIG`` → ``slurmdbd_conf_t``.  Like the 26.05 client, the
    key/value list older slurmdbd send is refused (ESLURM_NOT_SUPPORTED)."""
    reply = db.request(T.DBD_GET_CONFIG, pack_cond(conds.pack_config_request, None))
    if reply.rc is not None:
        raise SlurmError(reply.rc.rc or E.SLURM_ERROR, reply.rc.comment)
    if reply.msg_type == T.DBD_GOT_CONFIG_KEYPAIRS:
        raise SlurmError(E.ESLURM_NOT_SUPPORTED, "slurmdbd older than 26.05 sends its configuration as key pairs")
    if reply.msg_type != T.DBD_GOT_CONFIG:
        db.abandon()
        raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "slurmdbd answered DBD_GET_CONFIG with %d" % reply.msg_type)
    from slurmrestd.rpc.pack import UnpackError
    try:
        conf = records.unpack_slurmdbd_conf(reply.body, db.version)
        reply.body.expect_end("DBD_GOT_CONFIG")
    except UnpackError as exc:
        db.abandon()
        raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET, "cannot decode DBD_GOT_CONFIG: %s" % exc) from None
    return conf


__all__ = ["FUNC_NAMES", "tres_get", "qos_get", "accounts_get", "users_get", "clusters_get", "wckeys_get",
           "associations_get", "get_stats", "config_get"]
