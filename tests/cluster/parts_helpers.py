"""Shared pieces of the partition and reservation cluster tests: names, leaf diffs, clean-up,
the ``root_token`` and ``clean`` fixtures (import them into the test module to use them)."""

from __future__ import annotations

import os
import time

import pytest

from clusters import token as cluster_token
from http_client import call
from jobs_helpers import without_required_empties

#: every object these tests create starts with this (unique per test process)
PREFIX = "h9p_%x_" % (os.getpid() & 0xFFFF)
#: leaves that move between two calls
MOVING = frozenset({"meta", "last_update"})


def base(ours) -> str:
    return "http://%s:%d" % ours.inet


@pytest.fixture(scope="module")
def root_token(cluster):
    return cluster_token(cluster[0], "root")


@pytest.fixture
def clean(ours, root_token):
    """Purges what the test created (names starting with ``PREFIX``) when it ends."""
    yield
    purge(base(ours), root_token)


def both(env, ours, method, path, tok, user, body=None):
    """The same request to our daemon and to the reference one: ``((status, doc), (status, doc))``."""
    return (call(base(ours), method, path, tok, user, body),
            call(env["REF_URL"], method, path, tok, user, body))


def future_start(days: int = 400) -> int:
    """A start time that never holds node n1 for other tests: past the year a job
    without a time limit is assumed to run, rounded to the minute."""
    return (int(time.time()) // 60 + days * 24 * 60) * 60


def leaves(doc, path: str = "", moving=MOVING) -> dict:
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k not in moving:
                out.update(leaves(v, path + "/" + k, moving))
    elif isinstance(doc, list):
        if not doc:
            out[path] = []
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i), moving))
    else:
        out[path] = doc
    return out


def diff(ours, ref, moving=MOVING) -> dict:
    a, b = leaves(without_required_empties(ours, ref), moving=moving), leaves(ref, moving=moving)
    return {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in set(a) | set(b)
            if a.get(k, "<missing>") != b.get(k, "<missing>")}


def purge(url: str, token: str, prefix: str = PREFIX) -> list[str]:
    """Delete every reservation and partition whose name starts with ``prefix`` (as root,
    through the daemon at ``url``, data parser v0.0.45); the names it deleted."""
    gone = []
    st, doc = call(url, "GET", "/slurm/v0.0.45/reservations", token, "root")
    for r in (doc or {}).get("reservations") or () if st == 200 else ():
        if r["name"].startswith(prefix):
            call(url, "DELETE", "/slurm/v0.0.45/reservation/" + r["name"], token, "root")
            gone.append(r["name"])
    st, doc = call(url, "GET", "/slurm/v0.0.45/partitions", token, "root")
    for p in (doc or {}).get("partitions") or () if st == 200 else ():
        if p["name"].startswith(prefix):
            call(url, "DELETE", "/slurm/v0.0.45/partition/" + p["name"], token, "root")
            gone.append(p["name"])
    return gone
