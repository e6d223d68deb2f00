"""What every openapi/slurmdbd handler shares.

* ``session(ctx)``: the request's slurmdbd session, opened first (as the
  reference opens its connection before any handler runs).  An unreachable or
  refusing slurmdbd ends the request with ``ESLURM_DB_CONNECTION`` (502),
  "Failed to open slurmdbd connection", source ``openapi_get_db_conn``, plus
  a warning saying why.  The session is ``ctx.dbd``: the request pipeline
  releases it (committing only when no error was recorded).  It also gives the
  data parser its lazy TRES/QOS tables, loaded over the same connection (the C
  ``load_prereqs``), and, for v0.0.42's job associations, the association table
  (deleted ones included), fetched at most once and only when needed.
* ``query_list(...)``: ``db_query_list()``: a slurmdb query whose failure is
  recorded as ``"<func> failed"`` and whose empty answer is warned about as
  ``"<func>() found nothing"`` (both with the C caller as source).
* ``dump_list(...)``: ``query_list`` and the ``OPENAPI_*_RESP`` dump of what it
  found, with ``more_than_one`` (the singular handlers' "Ambiguous request").
* ``parse(ctx, type, data)``: input through the data parser; a bad value is
  a 4xx naming the parameter (``#/usage_end/``), never a 5xx.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Iterator

from slurmrestd import data_parser
from slurmrestd.data_parser.context import format_path, with_index
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.dbquery import assoc_table
from slurmrestd.rpc.dbd import messages
from slurmrestd.rpc.dbd.assoc import (ASSOC_COND_FLAG_RAW_QOS, ASSOC_COND_FLAG_SUB_ACCTS,  # noqa: F401 - re-exported
                                      ASSOC_COND_FLAG_WITH_DELETED, ASSOC_COND_FLAG_WITH_USAGE)

log = logging.getLogger(__name__)

#: QOS_COND_FLAG_WITH_DELETED (slurmdb.h)
QOS_COND_FLAG_WITH_DELETED = 0x1
#: slurmdb_account_cond_t flags (slurmdb.h SLURMDB_ACCT_FLAG_*)
ACCT_FLAG_DELETED = 0x1
ACCT_FLAG_WASSOC = 0x2
ACCT_FLAG_WCOORD = 0x4

DB_CONN_SOURCE = "openapi_get_db_conn"
DB_CONN_TEXT = "Failed to open slurmdbd connection"


def install_prereqs(ctx: OperationContext, db) -> None:
    """Let the data parser load TRES, QOS and associations on first use, over this session."""
    loaders = ctx.diag.loaders
    loaders.setdefault("TRES", lambda: messages.tres_get(db, {"with_deleted": 1, "count": 0}))
    loaders.setdefault("QOS", lambda: messages.qos_get(db, {"flags": QOS_COND_FLAG_WITH_DELETED}))
    loaders.setdefault("ASSOC", lambda: assoc_table(db))


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


def query_list(ctx: OperationContext, fn: Callable, db, cond, caller: str, ignore_empty: bool = False, *,
               func_name: str | None = None, none_if_empty: bool = False) -> list | None:
    """``db_query_list()``: ``fn(db, cond)``'s records, or ``None`` after recording
    the error as ``"<func_name> failed"`` (``func_name`` defaults to the C name of a
    :mod:`messages` query).  An empty answer is warned about unless ``ignore_empty``
    (then slurmdbd's "nothing changed" is a warning, not an error).

    An empty answer is returned as it came (``[]``), or as ``None`` with
    ``none_if_empty`` (what the association, instance and job handlers test)."""
    if func_name is None:
        func_name = messages.FUNC_NAMES[fn.__name__]
    try:
        items = fn(db, cond)
    except SlurmError as e:
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA and ignore_empty:
            ctx.warn("%s() reports nothing changed" % func_name, caller)
            return None if none_if_empty else []
        log.debug("%s: %s", func_name, e.description)
        ctx.error(e.errno, "%s failed" % func_name, caller)
        return None
    if not items:
        if not ignore_empty:
            ctx.warn("%s() found nothing" % func_name, caller)
        if none_if_empty:
            return None
    return items


def more_than_one(ctx: OperationContext, items: list | None, what: str, caller: str) -> bool:
    """A singular query (``association/``, ``instance/``) that matched several records:
    record ``ESLURM_DATA_AMBIGUOUS_QUERY`` and say so."""
    if not items or len(items) <= 1:
        return False
    ctx.error(E.ESLURM_DATA_AMBIGUOUS_QUERY, "Ambiguous request: More than 1 %s would have been dumped." % what,
              caller)
    return True


#: ``dump_list(failed=DUMP)``: dump the response even after a failed query
DUMP = object()


def dump_list(ctx: OperationContext, type_name: str, fn: Callable, db, cond, caller: str, *,
              func_name: str | None = None, none_if_empty: bool = False, failed: Any = DUMP,
              single: str | None = None, planned: bool = False) -> Any:
    """``query_list`` and the ``type_name`` response (``OPENAPI_*_RESP``) of what it found.

    * ``failed``: what the handler returns after a failed query (``None`` from
      ``query_list``), or ``DUMP`` (the default) to dump the response anyway,
      with an empty list, as most reference handlers do.
    * ``single``: the record kind of a singular query; more than one record is
      then an error (see :func:`more_than_one`) and counts as a failed query.
    * ``planned``: dump through the registry's compiled plans (long job lists)."""
    items = query_list(ctx, fn, db, cond, caller, func_name=func_name, none_if_empty=none_if_empty)
    if single is not None and more_than_one(ctx, items, single, caller):
        items = None
    if items is None and failed is not DUMP:
        return failed
    if planned:
        return data_parser.dump_planned(type_name, {"response": items or []}, ctx.diag, ctx.version)
    return response(ctx, type_name, items)


def _bad_char(text: str) -> str | None:
    """Why slurmdbd cannot take ``text``, or None: a NUL byte (C strings end there), or a
    character outside the Basic Multilingual Plane (slurmdbd answers "Unspecified error" or
    MySQL error 1300 for those: its tables use a 3-byte UTF-8 character set)."""
    if "\x00" in text:
        return "String contains a NUL byte"
    for ch in text:
        if ord(ch) > 0xFFFF:
            return "String contains U+%06X, a character outside the Basic Multilingual Plane" % ord(ch)
    return None


def _bad_path(data: Any, parts: list) -> tuple[list, str] | None:
    """JSON path of the first string (key or value) slurmdbd cannot take, and why; else None."""
    if isinstance(data, str):
        why = _bad_char(data)
        return (parts, why) if why else None
    if isinstance(data, dict):
        for k, v in data.items():
            why = _bad_char(k) if isinstance(k, str) else None
            if why:
                return parts + [k], why
            found = _bad_path(v, parts + [str(k)])
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found = _bad_path(v, with_index(parts, i))
            if found is not None:
                return found
    return None


def reject_nul(ctx: OperationContext, data: Any, what: str = "query") -> None:
    """Refuse strings slurmdbd cannot take (naming where) before they reach the wire."""
    found = _bad_path(data, [])
    if found is not None:
        ctx.error(E.ESLURM_DATA_PARSE_BAD_INPUT, found[1], format_path(found[0]))
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing %s." % what,
                         ctx.operation_source)


def parse(ctx: OperationContext, type_name: str, data: Any, what: str = "query", *,
          source: str | None = None, description: str | None = None) -> Any:
    """Parse request input; a bad value ends the request with a 4xx naming it, after
    the parser's own errors (``description`` and ``source`` as for ``ctx.parse``)."""
    data = data if data is not None else {}
    reject_nul(ctx, data, what)
    return ctx.parse(type_name, data, what, description=description, source=source)


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


__all__ = ["session", "query_list", "more_than_one", "dump_list", "DUMP", "parse", "path_param", "reject_nul", "query_data", "response",
           "install_prereqs",
           "QOS_COND_FLAG_WITH_DELETED", "ACCT_FLAG_DELETED", "ACCT_FLAG_WASSOC", "ACCT_FLAG_WCOORD",
           "ASSOC_COND_FLAG_WITH_DELETED", "ASSOC_COND_FLAG_WITH_USAGE", "ASSOC_COND_FLAG_RAW_QOS",
           "ASSOC_COND_FLAG_SUB_ACCTS", "DB_CONN_SOURCE", "DB_CONN_TEXT"]
