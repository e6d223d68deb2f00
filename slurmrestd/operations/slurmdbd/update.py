"""What the openapi/slurmdbd write handlers share (the reference's api.c helpers for writes).

* ``records(ctx, resp_type)``: the request body parsed as an ``OPENAPI_*_RESP``
  (``{"accounts": [...]}`` …) → its list of records, dicts keyed by C member
  names; None when it does not parse (the parser's errors are the answer, 4xx,
  and nothing is sent).  ``parse_value(ctx, type)``: the same for any body type.
* ``parse_body(ctx, resp_type)``: the same parse without the "Rejecting request"
  wrap-up error (qos.c, wckeys.c, cluster.c, config.c): None when it failed.
* ``db_rc(ctx, kind, db, items, caller)``: ``db_query_rc()``: an add
  (``writes.ADD[kind]``); a failure is recorded as ``"<func>() failed"`` with
  slurmdbd's error number.
* ``db_modify(ctx, kind, db, cond, rec, caller)``: ``db_modify_rc()``: a modify
  (``writes.MODIFY[kind]``); the same error form (also for "nothing changed", as
  the reference).
* ``db_list(ctx, kind, db, cond, caller)``: ``db_query_list()`` for a remove
  (``writes.REMOVE[kind]``):
  ``"<func> failed"``, an empty answer warned as ``"<func>() found nothing"``.
* ``exists(ctx, fn, db, cond, caller)``: ``db_query_list_xempty()``: the
  existence check before add-or-modify; ``None`` after a recorded error.

There is no explicit commit: the request is one slurmdbd transaction, which
the pipeline commits when no error was recorded and rolls back otherwise
(``OperationContext.release``), so a list whose third item fails leaves
nothing of the first two.  Handlers stop at the first error, as the
reference's ``list_for_each`` does.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from slurmrestd import data_parser
from slurmrestd.errors import SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import query_list, reject_nul
from slurmrestd.rpc.dbd import messages, writes

log = logging.getLogger(__name__)


def func_name(fn: Callable) -> str:
    """The libslurmdb name of one of our slurmdb queries (:mod:`messages`)."""
    return messages.FUNC_NAMES[fn.__name__]


def parse_value(ctx: OperationContext, type_name: str) -> Any:
    """The body (an empty one is ``{}``) parsed as ``type_name``; None after the parser
    recorded why not (as the reference, no further error is added: the status is the
    parser's, 422 for a missing or bad field)."""
    data = ctx.query if ctx.query is not None else {}
    reject_nul(ctx, data, "request")
    before = len(ctx.errors)
    value = data_parser.parse(type_name, data, ctx.diag, version=ctx.version)
    return None if len(ctx.errors) > before else value


def records(ctx: OperationContext, resp_type: str) -> list | None:
    """The body's records (``response`` of ``resp_type``, [] when empty); None when the
    body does not parse (nothing is sent then)."""
    value = parse_value(ctx, resp_type)
    if value is None:
        return None
    return list(value.get("response") or [])


def parse_body(ctx: OperationContext, resp_type: str) -> dict | None:
    """The body parsed as ``resp_type`` the way most C write handlers do it
    (``if (!DATA_PARSE(...))``): on failure only the parser's own errors are
    recorded, with no "Rejecting request" wrap-up, and the result is None.
    Lists keep the difference between absent (None) and empty ([])."""
    data = ctx.query if ctx.query is not None else {}
    reject_nul(ctx, data, "request")
    before = len(ctx.errors)
    value = data_parser.parse(resp_type, data, ctx.diag, version=ctx.version)
    if len(ctx.errors) > before:
        return None
    return value if isinstance(value, dict) else {}


def db_rc(ctx: OperationContext, kind: str, db, items: Any, caller: str) -> bool:
    """``db_query_rc``: ``writes.add(db, kind, items)``; False after recording ``"<func>() failed"``."""
    try:
        writes.add(db, kind, items)
    except SlurmError as e:
        _failed(ctx, writes.ADD[kind].func, e, caller)
        return False
    return True


def db_modify(ctx: OperationContext, kind: str, db, cond: Any, rec: Any, caller: str) -> list | None:
    """``db_modify_rc``: the names ``writes.modify(db, kind, cond, rec)`` changed, or None
    after recording ``"<func>() failed"``."""
    try:
        return writes.modify(db, kind, cond, rec)
    except SlurmError as e:
        _failed(ctx, writes.MODIFY[kind].func, e, caller)
        return None


def _failed(ctx: OperationContext, func: str, e: SlurmError, caller: str) -> None:
    log.debug("%s: %s", func, e.description)
    ctx.error(e.errno, "%s() failed" % func, caller)


def db_list(ctx: OperationContext, kind: str, db, cond: Any, caller: str) -> list | None:
    """``db_query_list`` of ``writes.remove(db, kind, cond)``: the names, ``[]`` (warned) or
    None (error recorded)."""
    return query_list(ctx, lambda db, cond: writes.remove(db, kind, cond), db, cond, caller,
                      func_name=writes.REMOVE[kind].func)


def exists(ctx: OperationContext, fn: Callable, db, cond: Any, caller: str) -> list | None:
    """``db_query_list_xempty``: what matches ``cond`` ([] for nothing), None after an error."""
    return query_list(ctx, fn, db, cond, caller, ignore_empty=True, func_name=func_name(fn))


__all__ = ["func_name", "parse_value", "records", "parse_body", "db_rc", "db_modify", "db_list", "exists"]
