"""slurmdbd message type numbers (``slurmdbd_msg_type_t``, src/common/slurmdbd_defs.h).

The enum starts at 1401 (``DBD_FINI``) and numbers its members in order; the
names are listed here in that order.  ``REQUEST_PERSIST_INIT`` (6500) opens a
persistent connection and ``PERSIST_RC`` (1433) is the generic reply.
"""

from __future__ import annotations

from enum import IntEnum

#: Members of ``slurmdbd_msg_type_t`` from 1401 on, in enum order.
_NAMES = (
    "DBD_FINI",
    "DBD_ADD_ACCOUNTS",
    "DBD_ADD_ACCOUNT_COORDS",
    "DBD_ADD_ASSOCS",
    "DBD_ADD_CLUSTERS",
    "DBD_ADD_USERS",
    "DBD_CLUSTER_TRES",
    "DBD_FLUSH_JOBS",
    "DBD_GET_ACCOUNTS",
    "DBD_GET_ASSOCS",
    "DBD_GET_ASSOC_USAGE",
    "DBD_GET_CLUSTERS",
    "DBD_GET_CLUSTER_USAGE",
    "DBD_RECONFIG",
    "DBD_GET_USERS",
    "DBD_GOT_ACCOUNTS",
    "DBD_GOT_ASSOCS",
    "DBD_GOT_ASSOC_USAGE",
    "DBD_GOT_CLUSTERS",
    "DBD_GOT_CLUSTER_USAGE",
    "DBD_GOT_JOBS",
    "DBD_GOT_LIST",
    "DBD_GOT_USERS",
    "DBD_JOB_COMPLETE",
    "DBD_JOB_START",
    "DBD_ID_RC",
    "DBD_JOB_SUSPEND",
    "DBD_MODIFY_ACCOUNTS",
    "DBD_MODIFY_ASSOCS",
    "DBD_MODIFY_CLUSTERS",
    "DBD_MODIFY_USERS",
    "DBD_NODE_STATE",
    "SLURM_PERSIST_RC",
    "DBD_REGISTER_CTLD",
    "DBD_REMOVE_ACCOUNTS",
    "DBD_REMOVE_ACCOUNT_COORDS",
    "DBD_REMOVE_ASSOCS",
    "DBD_REMOVE_CLUSTERS",
    "DBD_REMOVE_USERS",
    "DBD_ROLL_USAGE",
    "DBD_STEP_COMPLETE",
    "DBD_STEP_START",
    "DBD_DEFUNCT_RPC_1443",
    "DBD_GET_JOBS_COND",
    "DBD_GET_TXN",
    "DBD_GOT_TXN",
    "DBD_ADD_QOS",
    "DBD_GET_QOS",
    "DBD_GOT_QOS",
    "DBD_REMOVE_QOS",
    "DBD_MODIFY_QOS",
    "DBD_ADD_WCKEYS",
    "DBD_GET_WCKEYS",
    "DBD_GOT_WCKEYS",
    "DBD_REMOVE_WCKEYS",
    "DBD_MODIFY_WCKEYS",
    "DBD_GET_WCKEY_USAGE",
    "DBD_GOT_WCKEY_USAGE",
    "DBD_ARCHIVE_DUMP",
    "DBD_ARCHIVE_LOAD",
    "DBD_ADD_RESV",
    "DBD_REMOVE_RESV",
    "DBD_MODIFY_RESV",
    "DBD_GET_RESVS",
    "DBD_GOT_RESVS",
    "DBD_GET_CONFIG",
    "DBD_GOT_CONFIG_KEYPAIRS",
    "DBD_GET_PROBS",
    "DBD_GOT_PROBS",
    "DBD_GET_EVENTS",
    "DBD_GOT_EVENTS",
    "DBD_SEND_MULT_JOB_START",
    "DBD_GOT_MULT_JOB_START",
    "DBD_SEND_MULT_MSG",
    "DBD_GOT_MULT_MSG",
    "DBD_MODIFY_JOB",
    "DBD_ADD_RES",
    "DBD_GET_RES",
    "DBD_GOT_RES",
    "DBD_REMOVE_RES",
    "DBD_MODIFY_RES",
    "DBD_ADD_CLUS_RES",
    "DBD_REMOVE_CLUS_RES",
    "DBD_MODIFY_CLUS_RES",
    "DBD_ADD_TRES",
    "DBD_GET_TRES",
    "DBD_GOT_TRES",
    "DBD_FIX_RUNAWAY_JOB",
    "DBD_GET_STATS",
    "DBD_GOT_STATS",
    "DBD_CLEAR_STATS",
    "DBD_SHUTDOWN",
    "DBD_ADD_FEDERATIONS",
    "DBD_GET_FEDERATIONS",
    "DBD_GOT_FEDERATIONS",
    "DBD_MODIFY_FEDERATIONS",
    "DBD_REMOVE_FEDERATIONS",
    "DBD_JOB_HEAVY",
    "DBD_GOT_JOB_ENV",
    "DBD_GOT_JOB_SCRIPT",
    "DBD_ADD_ACCOUNTS_COND",
    "DBD_ADD_USERS_COND",
    "DBD_GET_INSTANCES",
    "DBD_GOT_INSTANCES",
    "DBD_GET_QOS_USAGE",
    "DBD_GOT_QOS_USAGE",
    "DBD_GET_ASSOC_NG_USAGE",
    "DBD_GOT_CONFIG",)

DbdMsgType = IntEnum("DbdMsgType", {**{n: 1401 + i for i, n in enumerate(_NAMES)},
                                    "SLURM_PERSIST_INIT": 6500, "SLURM_PERSIST_INIT_TLS": 6501})
DbdMsgType.__doc__ = "slurmdbd message types (``DBD_GET_QOS == 1448``)."

DBD_FINI = DbdMsgType.DBD_FINI
PERSIST_RC = DbdMsgType.SLURM_PERSIST_RC
PERSIST_INIT = DbdMsgType.SLURM_PERSIST_INIT

#: Types ``slurmdbd_msg_type_2_str()`` has no name for (it prints ``MsgType=<n>``).
_UNNAMED = frozenset({
    DbdMsgType.SLURM_PERSIST_RC, DbdMsgType.DBD_DEFUNCT_RPC_1443, DbdMsgType.DBD_MODIFY_WCKEYS,
    DbdMsgType.DBD_ADD_CLUS_RES, DbdMsgType.DBD_REMOVE_CLUS_RES, DbdMsgType.DBD_MODIFY_CLUS_RES,
    DbdMsgType.DBD_FIX_RUNAWAY_JOB, DbdMsgType.DBD_GOT_JOB_ENV, DbdMsgType.DBD_GOT_JOB_SCRIPT,
})


def dbd_msg_type_name(num: int) -> str:
    """The name slurmdbd reports for a message type (its RPC statistics), as
    ``slurmdbd_msg_type_2_str(type, 1)`` spells it."""
    try:
        t = DbdMsgType(num)
    except ValueError:
        return "MsgType=%d" % num
    if t in _UNNAMED:
        return "MsgType=%d" % num
    return t.name


__all__ = ["DbdMsgType", "DBD_FINI", "PERSIST_RC", "PERSIST_INIT", "dbd_msg_type_name"]
