"""Helpers for the job API tests: job bookkeeping (every job created is
cancelled at the end) and leaf-by-leaf comparison with the reference daemon."""

from __future__ import annotations

import re
import threading
import time
import uuid

from http_client import call

ALL_VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")

#: Leaves that move between two calls (or between two daemons) and are not compared.
MOVING = (r"^/meta", r"/last_update/", r"/last_backfill/", r"/last_sched_evaluation/",
          r"/accrue_time/", r"/eligible_time/", r"/start_time/", r"/end_time/", r"/priority/",
          r"/preemptable_time/", r"/resize_time/", r"/suspend_time/")


def leaves(doc, path=""):
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.update(leaves(v, path + "/" + k))
    elif isinstance(doc, list) and doc:
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i)))
    else:
        out[path + "/"] = doc
    return out


def _empty(value) -> bool:
    return value in ([], "", {}) or (isinstance(value, dict) and value.get("set") is False
                                      and not value.get("infinite"))


def without_required_empties(ours, ref):
    """``ours`` without the top-level members the reference left out that we carry empty.

    Our error and empty answers carry the required members of their type, empty (``nodes: []``,
    ``last_update`` unset, …) so that they validate against the document; the reference leaves
    them out (docs/compatibility.md, deliberate difference 32)."""
    if not (isinstance(ours, dict) and isinstance(ref, dict)):
        return ours
    return {k: v for k, v in ours.items() if k in ref or not _empty(v)}


def diff(ours, ref, ignore=MOVING):
    a, b = leaves(without_required_empties(ours, ref)), leaves(ref)
    return {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in sorted(set(a) | set(b))
            if not any(re.search(p, k) for p in ignore) and a.get(k, "<missing>") != b.get(k, "<missing>")}


def settled_diff(fetch_ours, fetch_ref, ignore=MOVING, tries=6, pause=0.5, compare=None):
    """The diff of two live answers, fetched again while they differ.

    Both daemons read the same controller, but one after the other: a job's live bits (the
    scheduler sets and clears DEPENDENT on every pass, for example) can change in between,
    and so can what other tests create on the shared clusters.  A real difference stays on
    every try; a moving one settles.  ``compare(ours, ref)`` (default: :func:`diff` without
    the ``ignore`` leaves) gives the differences of one pair of answers, falsy for none."""
    compare = compare or (lambda a, b: diff(a, b, ignore))
    for attempt in range(tries):
        found = compare(fetch_ours(), fetch_ref())
        if not found:
            return found
        time.sleep(pause)
    return found


def script(body: str = "sleep 300") -> str:
    return "#!/bin/sh\n%s\n" % body


def job_desc(**kw) -> dict:
    d = {"current_working_directory": "/tmp", "environment": ["PATH=/bin:/usr/bin"], "script": script(),
         "name": "jobsapi-" + uuid.uuid4().hex[:8]}
    d.update(kw)
    return d


class Jobs:
    """Submits through one daemon and remembers every job id, to cancel them all."""

    def __init__(self, base: str, tokens: dict, version: str = "v0.0.45") -> None:
        self.base = base
        self.tokens = tokens
        self.version = version
        self.created: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def call(self, method: str, path: str, user: str = "alice", body=None, version: str | None = None,
             base: str | None = None):
        v = version or self.version
        return call(base or self.base, method, "/slurm/%s/%s" % (v, path.lstrip("/")), self.tokens[user], user, body)

    def remember(self, user: str, job_id: int) -> None:
        with self._lock:
            self.created.append((user, job_id))

    def submit(self, user: str = "alice", version: str | None = None, base: str | None = None, **body):
        st, doc = self.call("POST", "job/submit", user, body, version, base)
        if st == 200 and doc.get("job_id"):
            self.remember(user, doc["job_id"])
        return st, doc

    def get(self, job_id, user: str = "alice", version: str | None = None, base: str | None = None):
        return self.call("GET", "job/%s" % job_id, user, None, version, base)

    def wait_state(self, job_id, states, timeout: float = 60, user: str = "alice") -> str:
        end = time.monotonic() + timeout
        state = None
        while time.monotonic() < end:
            st, doc = self.get(job_id, user)
            if st == 200 and doc["jobs"]:
                state = doc["jobs"][0]["job_state"][0]
                if state in states:
                    return state
            time.sleep(0.5)
        return state

    def cancel_all(self, timeout: float = 30) -> None:
        """Cancel every job created; retry those the controller did not end yet."""
        left = list(dict.fromkeys(self.created))
        end = time.monotonic() + timeout
        while left and time.monotonic() < end:
            for user, jid in left:
                try:
                    self.call("DELETE", "job/%d" % jid, user)
                except OSError:
                    pass
            time.sleep(1)
            still = []
            for user, jid in left:
                try:
                    st, doc = self.get(jid, user)
                except OSError:
                    still.append((user, jid))
                    continue
                if st == 200 and doc["jobs"] and any(
                        j["job_state"][0] in ("PENDING", "RUNNING", "SUSPENDED", "REQUEUED")
                        and "COMPLETING" not in j["job_state"] for j in doc["jobs"] if j["job_id"] == jid):
                    still.append((user, jid))
            left = still
        self.created.clear()
