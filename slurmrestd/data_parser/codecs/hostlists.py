"""Hostlists: expressions (``n[1-3]``) expanded to names, names ranged into expressions."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import compact
from slurmrestd.errors import E
from slurmrestd.slurm import hostlist

CODECS = CodecSet()


def hostlist_expand(expr: str) -> list:
    """Slurm's expansion of a hostlist expression (raises hostlist.HostlistError)."""
    return hostlist.expand(hostlist.normalize(expr))


@CODECS.dumper("HOSTLIST", "HOSTLIST_STRING")
def _dump_hostlist(d, t, value):
    if not value:
        return []
    if isinstance(value, str):
        return hostlist_expand(value)
    return list(value)


def _parse_hostlist_common(p, t, data, path):
    if data is None:
        return []
    if isinstance(data, list):
        names = []
        for i, x in enumerate(data):
            if not isinstance(x, str):
                p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(x)}")
            names.extend(_expand_or_fail(p, x, path))
        return names
    if isinstance(data, str):
        return _expand_or_fail(p, data, path)
    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")


def _expand_or_fail(p, s, path):
    try:
        return hostlist_expand(s)
    except Exception:
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"Invalid hostlist string: {s}")


@CODECS.parser("HOSTLIST")
def _parse_hostlist(p, t, data, path):
    return _parse_hostlist_common(p, t, data, path)


def _parse_ranged(p, t, data, path):
    """A hostlist given as an expression or a list of names/expressions → one ranged string.

    Like Slurm: a string is parsed as an expression (never expanded host by host),
    list items are pushed one by one, and the result is the ranged string."""
    if data is None:
        return None
    try:
        if isinstance(data, str):
            return hostlist.normalize(data)
        if isinstance(data, list):
            for x in data:
                if not isinstance(x, str):
                    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(x)}")
            return hostlist.compress(data)
    except (hostlist.HostlistError, TypeError):
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"Invalid hostlist string: {data}")
    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")


@CODECS.parser("HOSTLIST_STRING")
def _parse_hostlist_string(p, t, data, path):
    """Names (or expressions) -> one compressed expression string."""
    return _parse_ranged(p, t, data, path) or ""


@CODECS.parser("HOSTLIST_STRING_TO_STRING")
def _parse_hostlist_to_string(p, t, data, path):
    """A hostlist expression, validated; kept as its ranged string."""
    if data is not None and not isinstance(data, str):
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")
    return _parse_ranged(p, t, data, path)


@CODECS.dumper("STEP_NODES")
def _dump_step_nodes(d, t, step):
    nodes = member(step, "nodes")
    return hostlist_expand(nodes) if nodes else []
