"""Reservations: list, show, create/update and delete (the reference's ``reservations.c``).

Every handler talks to the controller as the caller (``ctx.ctld``), so
reservations are changed as the caller and the controller decides who may.  A description names an existing
reservation (names compare without case) → it is updated; otherwise it is
checked as libslurm's ``validate_resv_create_desc`` does and created.  The
answer echoes the descriptions as sent, with the changes that check made.
Error texts and sources follow the reference handlers.

Changes are sent once: the client is pinned to the protocol version it
already found before a create/update/delete goes out.

TRES in descriptions are named by type (``cpu``, ``mem`` …).  The reference
resolves them against slurmdbd's TRES table; until this daemon reads that
table the built-in TRES (which have fixed ids) are the table.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld.listings import dump_list, pinned, query
from slurmrestd.rpc.ctld import reservations as rpc
from slurmrestd.slurm.sentinels import NO_VAL64

#: Slurm's built-in TRES, ids fixed by ``tres_types_t`` (src/common/slurmdb_defs.h).
BUILTIN_TRES = ({"id": 1, "type": "cpu", "name": None}, {"id": 2, "type": "mem", "name": None},
                {"id": 3, "type": "energy", "name": None}, {"id": 4, "type": "node", "name": None},
                {"id": 5, "type": "billing", "name": None}, {"id": 6, "type": "fs", "name": "disk"},
                {"id": 7, "type": "vmem", "name": None}, {"id": 8, "type": "pages", "name": None})

#: ``slurm_create_reservation`` failures after which the reference explains partitions
_NEEDS_PARTITION_HINT = frozenset({int(E.ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE), int(E.ESLURM_NODES_BUSY)})

_BAD_PARAMETERS = "Rejecting request. Failure parsing parameters"
_NO_BODY = "unexpected empty query for reservation creation"


def _with_tres(ctx: OperationContext) -> None:
    if ctx.diag.tres is None:
        ctx.diag.loaders.setdefault("TRES", lambda: [dict(t) for t in BUILTIN_TRES])


def _desc(parsed: dict | None) -> dict:
    """A parsed RESERVATION_DESC_MSG on top of ``slurm_init_resv_desc_msg`` (flags 0 for
    parsing, as the reference's parser starts)."""
    d = rpc.init_resv_desc()
    d["flags"] = 0
    d.update(parsed or {})
    return d


def _resp(msg: dict, resvs: list | None = None) -> dict:
    return {"reservations": {**msg, "reservation_array": resvs} if resvs is not None else msg,
            "last_update": msg["last_update"]}


# -- GET reservations, GET reservation/{name} -------------------------------------------------------

def _load(ctx: OperationContext, source: str) -> dict | None:
    q = query(ctx, "OPENAPI_RESERVATION_QUERY", source)
    try:
        return rpc.load_reservations(ctx.ctld, q.get("update_time") or 0)
    except SlurmError as e:
        raise SlurmError(errno_of(e), "Unable to query reservations", "slurm_load_reservations()") from None


def get_reservations(ctx: OperationContext):
    msg = _load(ctx, "_get_reservations")
    if msg is None:
        return dump_list(ctx, "OPENAPI_RESERVATION_RESP", {"reservations": None, "last_update": 0})
    return dump_list(ctx, "OPENAPI_RESERVATION_RESP", _resp(msg))


def get_reservation(ctx: OperationContext):
    src = "_get_single_reservation"
    name = ctx.params.get("reservation_name")
    msg = _load(ctx, src)
    if not msg or not msg["record_count"]:
        # as the reference: no reservation at all is this error, with error number 0
        raise SlurmError(0, "Unable to query reservations", "slurm_load_reservations()")
    found = next((r for r in msg["reservation_array"] if (name or "").lower() == (r["name"] or "").lower()),
                 None)
    if found is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Unable to find reservation %s" % name, src)
    return dump_list(ctx, "OPENAPI_RESERVATION_RESP", _resp(msg, [found]))


# -- create or update ---------------------------------------------------------------------------------

def _existing(client) -> set:
    """Names (lower case) of the reservations that exist."""
    try:
        msg = rpc.load_reservations(client, 0)
    except SlurmError as e:
        raise SlurmError(errno_of(e), "Unable to query reservations", "slurm_load_reservations()") from None
    if msg is None:
        raise SlurmError(0, "Unable to query reservations", "slurm_load_reservations()")
    return {(r["name"] or "").lower() for r in msg["reservation_array"]}


def _record(ctx: OperationContext, rc: int, text: str, source: str) -> int:
    ctx.error(rc, text, source)
    return int(rc)


def _create_or_update(ctx: OperationContext, client, desc: dict, existing: set) -> int:
    """``_create_or_update_each_resv``: 0 or the error number (already recorded)."""
    name = desc.get("name") or ""
    if name.lower() in existing:
        try:
            rpc.update_reservation(client, desc)
        except SlurmError as e:
            return _record(ctx, errno_of(e), "Error updating reservation %s" % name, "slurm_update_reservation")
        return 0
    problem = rpc.validate_resv_create(desc)
    if problem:
        return _record(ctx, E.ESLURM_RESERVATION_INVALID, problem, "validate_resv_create_desc")
    try:
        rpc.create_reservation(client, desc)
    except SlurmError as e:
        rc = errno_of(e)
        if rc in _NEEDS_PARTITION_HINT and not desc.get("node_list"):
            text = ("Error creating reservation %s. Note, unless nodes are directly requested a reservation "
                    "must exist in a single partition. If no partition is requested the default partition "
                    "is assumed." % name)
        else:
            text = "Error creating reservation  %s" % name
        return _record(ctx, rc, text, "slurm_create_reservation")
    return 0


def _echo(descs: list) -> list:
    """The descriptions as the answer shows them: unset flags (NO_VAL64) read 0."""
    return [{**d, "flags": 0} if d.get("flags") == NO_VAL64 else d for d in descs]


def post_reservation(ctx: OperationContext):
    """``_mod_reservation``: one description in the body."""
    src = "_parse_resv_desc"
    if ctx.query is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, _NO_BODY, src)
    _with_tres(ctx)
    desc = _desc(ctx.parse("RESERVATION_DESC_MSG", ctx.query, description=_BAD_PARAMETERS, source=src))
    if not desc["flags"]:
        desc["flags"] = NO_VAL64
    if desc.get("name") is None:
        raise SlurmError(E.ESLURM_RESERVATION_INVALID, "Reservation must be given.", "_mod_reservation")
    client = ctx.ctld
    existing = _existing(client)
    if _create_or_update(ctx, pinned(client), desc, existing):
        return None
    return ctx.dump("OPENAPI_RESERVATION_MOD_RESP", {"response": _echo([desc])})


def post_reservations(ctx: OperationContext):
    """``_mod_reservations``: a list of descriptions, each created or updated."""
    src = "_parse_resv_desc_list"
    empty = "No reservation descriptions specified in reservations array"
    if ctx.query is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, _NO_BODY, src)
    _with_tres(ctx)
    req = ctx.parse("RESERVATION_MOD_REQ", ctx.query, description=_BAD_PARAMETERS, source=src)
    parsed = req.get("reservations")
    if parsed is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, empty, src)
    descs = [_desc(p) for p in parsed]
    if not descs:
        ctx.warn(empty, src)
    for d in descs:
        if not d["flags"]:
            d["flags"] = NO_VAL64
    if any(d.get("name") is None for d in descs):
        raise SlurmError(E.ESLURM_RESERVATION_INVALID, "Reservation must be given", "_check_resv_name")
    client = ctx.ctld
    existing = _existing(client)
    pinned(client)
    failed = False
    for d in descs:
        failed = bool(_create_or_update(ctx, client, d, existing)) or failed
    if failed or ctx.errors:
        return None
    return ctx.dump("OPENAPI_RESERVATION_MOD_RESP", {"response": _echo(descs)})


# -- DELETE reservation/{name} ------------------------------------------------------------------------

def delete_reservation(ctx: OperationContext):
    name = ctx.params.get("reservation_name")
    try:
        rpc.delete_reservation(pinned(ctx.ctld), name)
    except SlurmError as e:
        ctx.error(errno_of(e), "Error deleting reservation %s" % name, "slurm_delete_reservation")
    return ctx.dump("OPENAPI_RESP", {})


HANDLERS = {
    ("/slurm/{data_parser}/reservations/", "get"): get_reservations,
    ("/slurm/{data_parser}/reservations/", "post"): post_reservations,
    ("/slurm/{data_parser}/reservation/{reservation_name}", "get"): get_reservation,
    ("/slurm/{data_parser}/reservation/{reservation_name}", "delete"): delete_reservation,
    ("/slurm/{data_parser}/reservation", "post"): post_reservation,
}
