"""slurmdbd health and configuration: ping, diag (statistics), conf.

Sources and texts of errors follow the reference handlers (diag.c, config.c).
"""

from __future__ import annotations

import time

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import DB_CONN_SOURCE, DB_CONN_TEXT, response, session
from slurmrestd.rpc.dbd import messages


def ping(ctx: OperationContext):
    """``slurmdb_ping_all()``: a fresh persistent connection (init only) to the
    primary slurmdbd, and to the backup only if the primary failed; latency in µs.

    If no slurmdbd answers, the request fails as the reference's does (its own
    request connection could not be opened): 502, ESLURM_DB_CONNECTION."""
    pool = ctx.site.dbd_pool
    if pool is None:
        raise SlurmError(E.ESLURM_DB_CONNECTION, DB_CONN_TEXT, DB_CONN_SOURCE)
    connector = pool.connector
    endpoints = connector.endpoints()
    if not endpoints:
        ctx.error(E.SLURM_ERROR, "ping query failed", "slurmdb_ping_all")
        return response(ctx, "OPENAPI_SLURMDBD_PING_RESP", None)
    credential = ctx.site.credential(ctx.identity)
    pings = []
    problems = []
    for ep in endpoints:
        t0 = time.monotonic()
        try:
            connector.open(credential, only=ep.index).close()
            rc = 0
        except SlurmError as e:
            rc = e.errno
            problems.append(e.description)
        pings.append({"hostname": ep.host, "pinged": rc == 0, "latency": int((time.monotonic() - t0) * 1e6),
                      "offset": ep.index, "rc": rc})
        if rc == 0:
            break
    if not any(p["pinged"] for p in pings):
        ctx.warn("%s: %s" % (DB_CONN_TEXT, "; ".join(problems)), DB_CONN_SOURCE)
        raise SlurmError(E.ESLURM_DB_CONNECTION, DB_CONN_TEXT, DB_CONN_SOURCE)
    return response(ctx, "OPENAPI_SLURMDBD_PING_RESP", pings)


def diag(ctx: OperationContext):
    """``DBD_GET_STATS`` (SuperUser only).  On refusal the reference still dumps
    an empty ``statistics`` object next to the error."""
    with session(ctx) as db:
        stats = None
        try:
            stats = messages.get_stats(db)
        except SlurmError as e:
            ctx.error(e.errno, "stats query failed", "slurmdb_get_stats")
        return response(ctx, "OPENAPI_SLURMDBD_STATS_RESP", stats)


def conf(ctx: OperationContext):
    """``slurmdb_config_get()`` → slurmdbd.conf as slurmdbd reports it (v0.0.45)."""
    with session(ctx) as db:
        cfg = None
        try:
            cfg = messages.config_get(db)
        except SlurmError as e:
            ctx.error(e.errno, "slurmdb_config_get() failed", "_dump_conf")
        return response(ctx, "OPENAPI_SLURMDBD_CONF_RESP", cfg)


HANDLERS = {
    ("/slurmdb/{data_parser}/ping/", "get"): ping,
    ("/slurmdb/{data_parser}/diag/", "get"): diag,
    ("/slurmdb/{data_parser}/conf", "get"): conf,
}
