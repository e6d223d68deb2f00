"""The controller's configuration: reconfigure (reread slurm.conf) and conf (dump it).

Error texts and sources follow the reference handlers, so clients that match
on them keep working.
"""

from __future__ import annotations

import time

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import call_rpc


def reconfigure(ctx: OperationContext):
    call_rpc("op_handler_reconfigure", "slurm_reconfigure() failed", ctx.ctld.reconfigure)
    return ctx.dump("OPENAPI_RESP", {})


def conf(ctx: OperationContext):
    query = ctx.parse_query()
    update_time = query.get("update_time") or 0
    client = ctx.ctld
    try:
        cfg = client.load_conf(update_time)
    except SlurmError as e:
        if e.errno != E.SLURM_NO_CHANGE_IN_DATA:
            raise SlurmError(e.errno, "slurm_load_ctl_conf() failed", "_dump_config") from None
        ctx.warn("No config changes since update_time[%d]=%s"
                 % (update_time, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(update_time))),
                 "_dump_config")
        return {}
    return ctx.dump("OPENAPI_CONF_RESP", {"slurm_conf": cfg})


HANDLERS = {
    ("/slurm/{data_parser}/reconfigure/", "get"): reconfigure,
    ("/slurm/{data_parser}/conf", "get"): conf,
}
