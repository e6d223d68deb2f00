"""GET /slurmdb/{v}/tres/: every TRES slurmdbd knows, deleted ones included; POST (tres.c).

``POST tres/`` is refused with ESLURM_NOT_SUPPORTED, as the reference's release
builds do: TRES ids are referenced everywhere and cannot be kept stable through
an add or update (slurmctld registers the TRES it needs itself).
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import dump_list, session
from slurmrestd.rpc.pack import NO_VAL
from slurmrestd.rpc.dbd import messages


def get_tres(ctx: OperationContext):
    # as slurmdb_init_tres_cond(): with_deleted, count NO_VAL
    with session(ctx) as db:
        return dump_list(ctx, "OPENAPI_TRES_RESP", messages.tres_get, db, {"with_deleted": 1, "count": NO_VAL},
                         "op_handler_tres", failed=None)


#: what update_tres() says whenever it is asked to commit
TRES_NOT_SUPPORTED = "Updating TRES is not currently supported"


def post_tres(ctx: OperationContext):
    with session(ctx):
        raise SlurmError(E.ESLURM_NOT_SUPPORTED, TRES_NOT_SUPPORTED, "op_handler_tres")


HANDLERS = {
    ("/slurmdb/{data_parser}/tres/", "get"): get_tres,
    ("/slurmdb/{data_parser}/tres/", "post"): post_tres,
}
