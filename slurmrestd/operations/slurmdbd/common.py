"""What every openapi/slurmdbd handler shares.

* ``session(ctx)``: the request's slurmdbd session, opened first (as the
  reference opens its connection before any handler runs).  An unreachable or
  refusing slurmdbd ends the request with ``ESLURM_DB_CONNECTION`` (502),
  "Failed to open slurmdbd connection", source ``openapi_get_db_conn``, plus
  a warning saying why.  The session is ``ctx.dbd``: the request pipeline
  releases it (committing only when no error was recorded).  It also gives the
  data parser its lazy TRES/QOS tables, loaded over the same connection (the C
  ``load_prereqs``).
* ``query_list(...)``: ``db_query_list()``: a slurmdb query whose failure is
  recorded as ``"<func> failed"`` and whose empty answer is warned about as
  ``"<func>() found nothing"`` (both with the C caller as source).
* ``parse(ctx, type, data)``: input through the data parser; a bad value is
  a 4xx naming the parameter (``#/usage_end/``), never a 5xx.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Iterator

from slurmrestd.data_parser.context import format_path, with_index
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.rpc.dbd import messages

log = logging.getLogger(__name__)

#: QOS_COND_FLAG_WITH_DELETED (slurmdb.h)
QOS_COND_FLAG_WITH_DELETED = 0x1
#: slurmdb_account_cond_t flags (slurmdb.h SLURMDB_ACCT_FLAG_*)
ACCT_FLAG_DELETED = 0x1
ACCT_FLAG_WASSOC = 0x2
ACCT_FLAG_WCOORD = 0x4
#: ASSOC_COND_FLAG_* (slurmdb.h)
ASSOC_COND_FLAG_WITH_DELETED = 0x1
ASSOC_COND_FLAG_WITH_USAGE = 0x2
ASSOC_COND_FLAG_RAW_QOS = 0x8
ASSOC_COND_FLAG_SUB_ACCTS = 0x10

DB_CONN_SOURCE = "openapi_get_db_conn"
DB_CONN_TEXT = "Failed to open slurmdbd connection"


def install_prereqs(ctx: OperationContext, db) -> None:
    """Let the data parser load TRES and QOS on first use, over this session."""
    loaders = ctx.diag.loaders
    loaders.setdefault("TRES", lambda: messages.tres_get(db, {"with_deleted": 1, "count": 0}))
    loaders.setdefault("QOS", lambda: messages.qos_get(db, {"flags": QOS_COND_FLAG_WITH_DELETED}))


@contextlib.contextmanager
def session(ctx: OperationContext) -> Iterator[Any]:
    """The request's ``DbdSession`` (``ctx.dbd``), connected; see the module docstring.

    The request pipeline releases it when the request ends (``ctx.release``)."""
    try:
        db = ctx.dbd
        db.open()
    except SlurmError as e:
        log.info("slurmdbd connection failed: %s", e.description)
        if e.description != DB_CONN_TEXT:
            ctx.warn("%s: %s" % (DB_CONN_TEXT, e.description), DB_CONN_SOURCE)
        raise SlurmError(E.ESLURM_DB_CONNECTION, DB_CONN_TEXT, DB_CONN_SOURCE) from None
    install_prereqs(ctx, db)
    yield db


def query_list(ctx: OperationContext, fn: Callable, db, cond, caller: str,
               ignore_empty: bool = False) -> list | None:
    """``db_query_list()``: the records (``[]`` when none), or ``None`` after
    recording the error.  An empty answer is warned about unless ``ignore_empty``."""
    func_name = messages.FUNC_NAMES[fn.__name__]
    try:
        items = fn(db, cond)
    except SlurmError as e:
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA and ignore_empty:
            ctx.warn("%s() reports nothing changed" % func_name, caller)
            return []
        log.debug("%s: %s", func_name, e.description)
        ctx.error(e.errno, "%s failed" % func_name, caller)
        return None
    if not items and not ignore_empty:
        ctx.warn("%s() found nothing" % func_name, caller)
    return items


def _nul_path(data: Any, parts: list) -> list | None:
    """JSON path of the first string (key or value) holding a NUL byte, else None."""
    if isinstance(data, str):
        return parts if "\x00" in data else None
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, str) and "\x00" in k:
                return parts + [k]
            found = _nul_path(v, parts + [str(k)])
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found = _nul_path(v, with_index(parts, i))
            if found is not None:
                return found
    return None


def reject_nul(ctx: OperationContext, data: Any, what: str = "query") -> None:
    """Slurm strings cannot hold NUL bytes: refuse them (naming where) before they
    reach the wire."""
    parts = _nul_path(data, [])
    if parts is not None:
        ctx.error(E.ESLURM_DATA_PARSE_BAD_INPUT, "String contains a NUL byte", format_path(parts))
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing %s." % what,
                         ctx.operation_source)


def parse(ctx: OperationContext, type_name: str, data: Any, what: str = "query") -> Any:
    """Parse request input; a bad value ends the request with a 4xx naming it."""
    data = data if data is not None else {}
    reject_nul(ctx, data, what)
    return ctx.parse(type_name, data, what)


def path_param(ctx: OperationContext, name: str) -> str | None:
    """A path parameter, refused (4xx naming it) if it cannot be sent to slurmdbd."""
    value = ctx.params.get(name)
    reject_nul(ctx, {name: value}, "parameters")
    return value


def query_data(ctx: OperationContext) -> Any:
    """The query string (or the body sent with a GET), as a dict; ``{}`` when absent."""
    return ctx.query if ctx.query is not None else {}


def response(ctx: OperationContext, type_name: str, value: Any) -> dict:
    """Dump an ``openapi_resp_single_t``-style response whose payload is ``value``."""
    return ctx.dump(type_name, {"response": value})


__all__ = ["session", "query_list", "parse", "path_param", "reject_nul", "query_data", "response",
           "install_prereqs",
           "QOS_COND_FLAG_WITH_DELETED", "ACCT_FLAG_DELETED", "ACCT_FLAG_WASSOC", "ACCT_FLAG_WCOORD",
           "ASSOC_COND_FLAG_WITH_DELETED", "ASSOC_COND_FLAG_WITH_USAGE", "ASSOC_COND_FLAG_RAW_QOS",
           "ASSOC_COND_FLAG_SUB_ACCTS", "DB_CONN_SOURCE", "DB_CONN_TEXT"]
