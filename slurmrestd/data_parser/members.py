"""Reading and writing C members of struct values.

A struct value is a ``dict`` keyed by C member names; a member written with a
path in C (``step_id.job_id``) is either a flat key with that exact text or a
nested dict.  Output objects nest by JSON key paths (``time/elapsed``).
"""

from __future__ import annotations

from typing import Any, Sequence


def get_member(obj: Any, member: str) -> Any:
    """Read a C member (``a``, ``a.b``) from a struct value; None if absent."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        if member in obj:
            return obj[member]
        if "." in member:
            cur: Any = obj
            for part in member.split("."):
                if not isinstance(cur, dict) or part not in cur:
                    return None
                cur = cur[part]
            return cur
        return None
    return getattr(obj, member, None)


def member(obj: Any, name: str, default: Any = None) -> Any:
    """:func:`get_member`, with ``default`` for an absent or None member."""
    v = get_member(obj, name)
    return default if v is None else v


def nested_slot(root: dict, parts: Sequence[str]) -> tuple[dict, str]:
    """The dict that holds the last of ``parts`` below ``root`` (made as needed), and that key."""
    cur = root
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[p] = nxt
        cur = nxt
    return cur, parts[-1]


def set_member(out: dict, name: str, value: Any) -> None:
    """Store a parsed member; dotted members (``step_id.job_id``) nest."""
    if "." not in name:
        out[name] = value
        return
    dst, leaf = nested_slot(out, name.split("."))
    dst[leaf] = value
