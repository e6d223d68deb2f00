"""Controller health and configuration: ping, diag, licenses, reconfigure, shares, conf."""

from __future__ import annotations

from slurmrestd.errors import SlurmError
from slurmrestd.operations.context import OperationContext


def _call(ctx: OperationContext, source: str, fn, *args):
    """Run one RPC; a Slurm error becomes the request's error, named after the C API call."""
    try:
        return fn(*args)
    except SlurmError as e:
        raise ctx.fail(e.errno, e.description, source) from None


def ping(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    pings = client.ping()  # never raises: an unreachable controller is reported in its entry
    return ctx.dump("OPENAPI_PING_ARRAY_RESP", {"response": pings})


def diag(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    stats = _call(ctx, "slurm_get_statistics()", client.get_statistics)
    return ctx.dump("OPENAPI_DIAG_RESP", {"response": stats})


def licenses(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    lic = _call(ctx, "slurm_load_licenses()", client.load_licenses)
    return ctx.dump("OPENAPI_LICENSES_RESP", {"licenses": lic, "last_update": lic["last_update"]})


def reconfigure(ctx: OperationContext):
    client = ctx.site.ctld(ctx.identity)
    _call(ctx, "slurm_reconfigure()", client.reconfigure)
    return ctx.dump("OPENAPI_RESP", {})


def shares(ctx: OperationContext):
    query = ctx.parse_query()
    client = ctx.site.ctld(ctx.identity)
    resp = _call(ctx, "slurm_associations_get_shares()", client.load_shares,
                 query.get("acct_list"), query.get("user_list"))
    return ctx.dump("OPENAPI_SHARES_RESP", {"response": resp})


def conf(ctx: OperationContext):
    ctx.parse_query()
    client = ctx.site.ctld(ctx.identity)
    cfg = _call(ctx, "slurm_load_ctl_conf()", client.load_conf)
    return ctx.dump("OPENAPI_CONF_RESP", {"slurm_conf": cfg})


HANDLERS = {
    ("/slurm/{data_parser}/ping/", "get"): ping,
    ("/slurm/{data_parser}/diag/", "get"): diag,
    ("/slurm/{data_parser}/licenses/", "get"): licenses,
    ("/slurm/{data_parser}/reconfigure/", "get"): reconfigure,
    ("/slurm/{data_parser}/shares", "get"): shares,
    ("/slurm/{data_parser}/conf", "get"): conf,
}
