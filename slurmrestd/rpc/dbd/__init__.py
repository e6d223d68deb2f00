"""The slurmdbd client: persistent connections, a pool, and the slurmdb queries.

Layers, bottom up (each usable without the ones above it):

* ``slurm.dbd_msg_types`` (a Slurm fact, outside ``rpc/``) – ``DbdMsgType``
                   (``DBD_GET_QOS`` …) and the names slurmdbd reports in its
                   statistics.
* ``frames``     – sans-I/O framing: the ``REQUEST_PERSIST_INIT`` frame, later
                   ``u16 type + body`` frames, ``PERSIST_RC``, ``DBD_FINI``.
* ``connection`` – ``DbdConnector.open(credential)`` → ``DbdConnection``: TCP,
                   init with the caller's credential, protocol version choice
                   (26.05 → 24.11), one reply per request, ``fini(commit)``.
* ``pool``       – ``DbdPool``: connections per credential, bounded, reused
                   between requests, idle ones closed, counters.
* ``session``    – ``DbdSession``: one REST request's use of the pool
                   (``request``, ``get_list``, ``commit``, ``release``; a
                   context manager).  ``Site.dbd(identity)`` makes one.
* ``conds``      – cond encoders (``pack_account_cond`` …), dicts keyed by C names.
* ``records``    – record decoders (``unpack_qos_rec`` …), dicts keyed by C names.
* ``messages``   – ``tres_get(session, cond)`` … as libslurmdb's ``slurmdb_*_get``.

Typical use in a handler::

    with ctx.site.dbd(ctx.identity) as db:
        qos = messages.qos_get(db, cond)

Other record families (jobs, associations, instances) build on
``DbdSession.get_list(req_type, pack_cond(packer, cond), got_type, decoder)``.
"""

from slurmrestd.rpc.dbd.connection import DbdConnection, DbdConnector, DbdEndpoint
from slurmrestd.rpc.dbd.pool import DbdPool, credential_key
from slurmrestd.rpc.dbd.session import DbdSession, pack_cond
from slurmrestd.slurm.dbd_msg_types import DbdMsgType, dbd_msg_type_name

__all__ = ["DbdConnection", "DbdConnector", "DbdEndpoint", "DbdMsgType", "dbd_msg_type_name", "DbdPool",
           "credential_key", "DbdSession", "pack_cond"]
