"""What the association, instance and job handlers add to :mod:`common`: the
association table as a lookup table, lists whose NULL form carries an error, a
``db_query_list`` over any fetch, and input parsing with the reference's texts.

* :func:`session` is :func:`common.session` (opened first, TRES and QOS tables
  for the data parser) plus, for v0.0.42's job associations, the association
  table (deleted ones included), fetched at most once and only when needed.
* :func:`get_list` is one ``acct_storage_p_get_*`` exchange whose decoder returns
  ``(records, return_code)``: a NULL list raises that code (how slurmdbd refuses
  a job query that is too wide or too large).
* :func:`query_list` is ``db_query_list()``: an error is recorded as
  ``"<func> failed"`` from ``caller`` and None returned; an empty result is the
  warning ``"<func>() found nothing"``.
* :func:`parse` parses the query (or the JSON body sent instead); any problem
  ends the request with error 9000 after the parser's own errors, which name the
  offending parameter (``#/usage_start/``): a 422, never a 500.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from slurmrestd import data_parser
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import common
from slurmrestd.rpc.dbd import assoc as rpc_assoc
from slurmrestd.rpc.dbd.session import pack_cond
from slurmrestd.rpc.pack import NO_VAL, Unpacker, UnpackError


@contextmanager
def session(ctx: OperationContext) -> Iterator[Any]:
    """The request's slurmdbd session (see the module text)."""
    with common.session(ctx) as db:
        ctx.diag.loaders.setdefault("ASSOC", lambda: assoc_table(db))
        yield db


#: a request body packed at the connection's protocol version: ``body(pack, cond)``
body = pack_cond


def get_list(db, msg_type: int, payload, got_type: int,
             decode: Callable[[Unpacker, int], tuple[list | None, int]], null_errno: int | None = None) -> list:
    """One ``acct_storage_p_get_*`` exchange.

    PERSIST_RC rc 0 → ``[]``, rc ≠ 0 → that error.  A NULL list raises
    ``null_errno`` (the reply's return_code when None, as for jobs)."""
    reply = db.request(msg_type, payload)
    rc = getattr(reply, "rc", None)
    if rc is not None:
        if rc.rc:
            raise SlurmError(rc.rc, rc.comment or None)
        return []
    if reply.msg_type != got_type:
        db.abandon()
        raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR,
                         "slurmdbd answered message %d with %d" % (msg_type, reply.msg_type))
    conn_version = db.version
    try:
        items, ret = decode(reply.body, conn_version)
        reply.body.expect_end("message %d" % got_type)
    except UnpackError as exc:
        db.abandon()
        raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET,
                         "cannot decode message %d from slurmdbd: %s" % (got_type, exc)) from None
    if items is None:
        errno = ret if null_errno is None else null_errno
        raise SlurmError(errno or E.ESLURM_REST_INVALID_QUERY)
    return items


def query_list(ctx: OperationContext, func_name: str, caller: str, fetch: Callable[[], list],
               ignore_empty: bool = False) -> list | None:
    """``db_query_list()``: the records, or None after recording an error (or when empty)."""
    try:
        items = fetch()
    except SlurmError as exc:
        rc = exc.errno
        if rc == E.SLURM_NO_CHANGE_IN_DATA and ignore_empty:
            ctx.warn("%s() reports nothing changed" % func_name, caller)
            return None
        ctx.error(rc, "%s failed" % func_name, caller)
        return None
    if not items:
        if not ignore_empty:
            ctx.warn("%s() found nothing" % func_name, caller)
        return None
    return items


def parse(ctx: OperationContext, type_name: str, data: Any, source: str,
          description: str = "Rejecting request. Failure parsing query.") -> Any:
    """Parse request input; on any error end the request with 9000 (a 422)."""
    common.reject_nul(ctx, data if data is not None else {})
    before = len(ctx.errors)
    value = data_parser.parse(type_name, data if data is not None else {}, ctx.diag, version=ctx.version)
    if len(ctx.errors) > before:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, description, source)
    return value


# -- the association table (v0.0.42 job associations) --------------------------------------


def assoc_table(db) -> list:
    cond = {"flags": rpc_assoc.ASSOC_COND_FLAG_WITH_DELETED}
    return get_list(db, rpc_assoc.DBD_GET_ASSOCS, body(rpc_assoc.pack_assoc_cond, cond),
                    rpc_assoc.DBD_GOT_ASSOCS, rpc_assoc.decode_got_assocs, null_errno=0)


__all__ = ["session", "body", "get_list", "query_list", "parse", "assoc_table", "NO_VAL"]
