"""The seed walkthrough (SchedMD's 2025 talk, "Example use cases via Python Client"), as a
plain HTTP client: list jobs, their states and running tasks, submit a job, an array job
and a heterogeneous job, cancel one, signal one, rename one, change a task count.

Every job it submits gets a unique name (``prefix`` + a counter) and is held, so the
shared test node is not loaded.  ``Walkthrough.submitted`` maps each name to the job id
the daemon answered.  Requests that fail without an answer (connection reset, or a 502
from a balancer whose instance died) are retried: reads at once; a submission only after
looking up, by its unique name, whether it reached slurmctld, so a job is never submitted
twice.
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

ENV = ["PATH=/bin/:/sbin/:/usr/bin/:/usr/sbin/"]
RETRYABLE_STATUS = (502, 503, 504)
#: Suffix the walkthrough's rename step appends to a job name.
RENAMED = "_updated"


class Unanswered(Exception):
    """No usable answer after the retries."""


class Walkthrough:
    def __init__(self, base: str, version: str, token: str, user: str, prefix: str,
                 retries: int = 8, timeout: float = 60.0) -> None:
        u = urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.version = version
        self.headers = {"X-SLURM-USER-NAME": user, "X-SLURM-USER-TOKEN": token}
        self.prefix = prefix
        self.retries = retries
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.counter = 0
        #: job name → job id, for every submission the daemon confirmed
        self.submitted: dict[str, int] = {}
        #: (method, path, status) of every attempt that got no usable answer
        self.failures: list[tuple[str, str, object]] = []
        self.steps = 0

    # -- HTTP -----------------------------------------------------------------------------

    def _once(self, method: str, path: str, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        h = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            return None, exc
        if r.getheader("connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = raw
        return r.status, doc

    def call(self, method: str, path: str, body=None, safe_to_repeat: bool = True):
        """(status, doc); retries reads that got no answer.  A non-repeatable request that
        got no answer raises ``Unanswered`` at once (the caller decides)."""
        for attempt in range(self.retries):
            status, doc = self._once(method, path, body)
            if status is not None and status not in RETRYABLE_STATUS:
                return status, doc
            self.failures.append((method, path, status if status is not None else repr(doc)))
            if not safe_to_repeat:
                raise Unanswered("%s %s: %s" % (method, path, status or doc))
            time.sleep(min(0.2 * (attempt + 1), 1.0))
        raise Unanswered("%s %s: no answer after %d tries" % (method, path, self.retries))

    def ok(self, method: str, path: str, body=None):
        status, doc = self.call(method, path, body)
        assert status == 200, (method, path, status, doc)
        assert not doc.get("errors"), (method, path, doc["errors"])
        return doc

    # -- steps ----------------------------------------------------------------------------

    def _p(self, rest: str) -> str:
        return "/slurm/%s/%s" % (self.version, rest)

    def find_job(self, name: str) -> int | None:
        doc = self.ok("GET", self._p("jobs/"))
        ids = [j["job_id"] for j in doc["jobs"] if j.get("name") == name]
        return ids[0] if ids else None

    def submit(self, make_body) -> int:
        """Submit the body ``make_body(name)`` under a new unique name, exactly once."""
        self.counter += 1
        name = "%s_%d" % (self.prefix, self.counter)
        body = make_body(name)
        for _ in range(self.retries):
            try:
                status, doc = self.call("POST", self._p("job/submit"), body, safe_to_repeat=False)
            except Unanswered:
                time.sleep(0.5)
                found = self.find_job(name)
                if found is not None:  # it did reach slurmctld: never submit it again
                    self.submitted[name] = found
                    return found
                continue
            assert status == 200 and not doc.get("errors"), (status, doc)
            self.submitted[name] = doc["job_id"]
            return doc["job_id"]
        raise Unanswered("submission of %s got no answer" % name)

    def desc(self, name: str, **extra) -> dict:
        d = {"script": "#!/bin/bash\nsrun uptime", "environment": ENV, "current_working_directory": "/tmp",
             "name": name, "hold": True}
        d.update(extra)
        return d

    def run_once(self) -> dict:
        """One pass over the walkthrough; returns the ids it submitted."""
        # "Get job id of all jobs known to slurmctld", their states, running tasks
        jobs = self.ok("GET", self._p("jobs/"))["jobs"]
        _ = [j["job_id"] for j in jobs]
        _ = [s for j in jobs for s in j["job_state"]]
        _ = sum(j["tasks"]["number"] for j in jobs if "RUNNING" in j["job_state"] and "tasks" in j)
        # a job, an array job, a heterogeneous job
        single = self.submit(lambda n: {"job": self.desc(n)})
        array = self.submit(lambda n: {"job": self.desc(n, array="100")})
        het = self.submit(lambda n: {"jobs": [self.desc(n), {"environment": ENV,
                                                             "current_working_directory": "/tmp",
                                                             "name": n, "hold": True}]})
        # rename, change the task count, signal, cancel
        # (the talk renames it to 'updated test job'; the suffix keeps it findable as ours)
        name = next(n for n, j in self.submitted.items() if j == single)
        self.ok("POST", self._p("job/%d" % single), {"name": name + RENAMED})
        self.ok("POST", self._p("job/%d" % het), {"tasks": 2})
        st, doc = self.call("DELETE", self._p("job/%d?signal=SIGINT" % array))
        assert st == 200, (st, doc)
        self.ok("DELETE", self._p("job/%d" % single))
        self.steps += 1
        return {"single": single, "array": array, "het": het}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
