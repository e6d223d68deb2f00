"""Controller health and configuration: ping, diag, licenses, reconfigure, shares, conf.

Error texts and sources follow the reference handlers, so clients that match
on them keep working.
"""

from __future__ import annotations

import time

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext


def call_rpc(ctx: OperationContext, source: str, description: str, fn, *args):
    """Run one RPC; a Slurm error becomes the request's error with the reference's wording."""
    try:
        return fn(*args)
    except SlurmError as e:
        raise ctx.fail(e.errno, description, source) from None


def ping(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    pings = client.ping()  # never raises: an unreachable controller is reported in its entry
    return ctx.dump("OPENAPI_PING_ARRAY_RESP", {"response": pings})


def diag(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    stats = call_rpc(ctx, "op_handler_diag", "slurm_get_statistics() failed to get slurmctld statistics",
                     client.get_statistics)
    return ctx.dump("OPENAPI_DIAG_RESP", {"response": stats})


def licenses(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    lic = call_rpc(ctx, "op_handler_licenses", "slurm_load_licenses() was unable to load licenses",
                   client.load_licenses)
    return ctx.dump("OPENAPI_LICENSES_RESP", {"licenses": lic, "last_update": lic["last_update"]})


def reconfigure(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    call_rpc(ctx, "op_handler_reconfigure", "slurm_reconfigure() failed", client.reconfigure)
    return ctx.dump("OPENAPI_RESP", {})


def shares(ctx: OperationContext):
    query = ctx.parse(ctx.operation.query_type, ctx.query if ctx.query is not None else {}, "parameters")
    client = ctx.site.ctld(ctx.identity)
    resp = call_rpc(ctx, "_dump_shares", "slurm_associations_get_shares() failed: GET", client.load_shares,
                    query.get("acct_list"), query.get("user_list"))
    return ctx.dump("OPENAPI_SHARES_RESP", {"response": resp})


def conf(ctx: OperationContext):
    query = ctx.parse_query()
    update_time = query.get("update_time") or 0
    client = ctx.site.ctld(ctx.identity)
    try:
        cfg = client.load_conf(update_time)
    except SlurmError as e:
        if e.errno != E.SLURM_NO_CHANGE_IN_DATA:
            raise ctx.fail(e.errno, "slurm_load_ctl_conf() failed", "_dump_config") from None
        ctx.warn("No config changes since update_time[%d]=%s"
                 % (update_time, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(update_time))),
                 "_dump_config")
        return {}
    return ctx.dump("OPENAPI_CONF_RESP", {"slurm_conf": cfg})


HANDLERS = {
    ("/slurm/{data_parser}/ping/", "get"): ping,
    ("/slurm/{data_parser}/diag/", "get"): diag,
    ("/slurm/{data_parser}/licenses/", "get"): licenses,
    ("/slurm/{data_parser}/reconfigure/", "get"): reconfigure,
    ("/slurm/{data_parser}/shares", "get"): shares,
    ("/slurm/{data_parser}/conf", "get"): conf,
}
