"""openapi/util: hostlist expressions ↔ host name lists (no controller involved)."""

from __future__ import annotations

from slurmrestd import hostlist
from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.router import Binding, Router

PLUGIN = "openapi/util"
VERSIONS = ("v0.0.44", "v0.0.45")


def _body(ctx: OperationContext) -> dict:
    if ctx.query is None:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing request.",
                       "#/")
    if not isinstance(ctx.query, dict):
        raise ctx.fail(E.ESLURM_DATA_EXPECTED_DICT,
                       "Rejecting %s when dictionary expected" % type(ctx.query).__name__, "#/")
    return ctx.query


def hostnames(ctx: OperationContext) -> dict:
    """{"hostlist": "n[1-3]"} → {"hostnames": ["n1", "n2", "n3"]}"""
    body = _body(ctx)
    if "hostlist" not in body:
        raise ctx.fail(E.ESLURM_DATA_PATH_NOT_FOUND, "Missing required field 'hostlist' in dictionary",
                       "#/hostlist")
    expr = body["hostlist"]
    if expr is None:
        return {"hostnames": []}
    if not isinstance(expr, str):
        raise ctx.fail(E.ESLURM_DATA_PARSE_BAD_INPUT,
                       "string expected but got %s" % _json_type(expr), "#/hostlist")
    try:
        return {"hostnames": hostlist.expand(expr)}
    except hostlist.HostlistError:
        raise ctx.fail(E.ESLURM_DATA_PARSE_BAD_INPUT, "Invalid hostlist string: %s" % expr,
                       "#/hostlist") from None


def hostlist_op(ctx: OperationContext) -> dict:
    """{"hostnames": ["n1", "n2"]} (or "n1,n2") → {"hostlist": "n[1-2]"}"""
    body = _body(ctx)
    if "hostnames" not in body:
        raise ctx.fail(E.ESLURM_DATA_PATH_NOT_FOUND, "Missing required field 'hostnames' in dictionary",
                       "#/hostnames")
    names = body["hostnames"]
    if names is None:
        names = []
    elif isinstance(names, str):
        ctx.warn("Expected list of strings but got a string; splitting it on commas", "#/hostnames")
        names = [n for n in names.split(",") if n]
    elif not isinstance(names, list):
        raise ctx.fail(E.ESLURM_DATA_PARSE_BAD_INPUT,
                       "list of strings expected but got %s" % _json_type(names), "#/hostnames")
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise ctx.fail(E.ESLURM_DATA_PARSE_BAD_INPUT,
                           "string expected but got %s" % _json_type(n), "#/hostnames[%d]" % i)
    try:
        return {"hostlist": hostlist.compress(names)}
    except hostlist.HostlistError as e:
        raise ctx.fail(E.ESLURM_DATA_PARSE_BAD_INPUT, str(e), "#/hostnames") from None


def _json_type(v: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", dict: "dictionary",
            list: "list", str: "string"}.get(type(v), type(v).__name__)


def bind(router: Router, versions: tuple[str, ...]) -> None:
    for v in versions:
        if v not in VERSIONS:
            continue
        router.add(Binding("/util/%s/hostnames" % v, "POST", hostnames, PLUGIN, v))
        router.add(Binding("/util/%s/hostlist" % v, "POST", hostlist_op, PLUGIN, v))
