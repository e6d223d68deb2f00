"""Licenses: the cluster's licenses, their totals and what is in use."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import call_rpc


def licenses(ctx: OperationContext):
    lic = call_rpc("op_handler_licenses", "slurm_load_licenses() was unable to load licenses",
                   ctx.ctld.load_licenses)
    return ctx.dump("OPENAPI_LICENSES_RESP", {"licenses": lic, "last_update": lic["last_update"]})


HANDLERS = {
    ("/slurm/{data_parser}/licenses/", "get"): licenses,
}
