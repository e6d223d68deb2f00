"""Soak: our daemon under mixed load for a while, its RSS sampled, the slope judged.

Started by ``bench/soak.sh`` (or the cluster test ``tests/cluster/test_soak.py``).  It
starts our daemon against one cluster (default forky), runs a moderate mix of requests for
``--minutes`` and samples the daemon's VmRSS every ``--interval`` seconds.  The verdict is
the least-squares slope (kB/min) over the second half of the run of the RSS floor: RSS is read
every second and the lowest value of each interval is the sample, so that the transient peak of
one big answer (GET jobs of a busy cluster is megabytes) is not taken for kept memory.  The
first half is warm-up (caches fill to their bounds, allocator arenas grow to their working set).

Load, all at once, each in its own thread:

* ``--workers`` keep-alive clients looping over a weighted mix: ping, diag, jobs, nodes,
  partitions, slurmdb accounts / associations / jobs, /metrics, and cache attacks: random
  query strings, random paths, random job ids, random ``X-SLURM-USER-NAME`` with alice's
  token, malformed tokens, and tokens signed with the cluster's jwt_key for a fresh random
  user name each time (they pass local verification, so they fill the verified-token and
  client-group caches, and slurmctld refuses them);
* one client sending malformed HTTP (garbage, bad request lines, oversized headers) from
  random 127.x.y.z source addresses;
* one keeping ``--slow`` half-sent requests open from random source addresses, each held
  for a random time (some until the daemon's header deadline closes them);
* one submitting a held job as alice (named ``<prefix>-<n>``) every ``--submit-every``
  seconds and cancelling it soon after; every job it made is cancelled at the end.

Exit status 0 when the slope is within ``--max-slope``, no request got an unexpected 5xx,
the daemon never died and its log has no traceback.  A 5xx is expected only where the
reference answers the same: a token slurmctld or slurmdbd refuses (511, 502).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import socket
import string
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ROOT = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")
CLUSTER_SH = os.environ.get("SLURMRESTD_CLUSTER_SH", os.path.join(REPO, "cluster", "cluster.sh"))

V = "v0.0.45"
#: kind → (weight, expected statuses besides 2xx/4xx that are not a failure)
KINDS = {
    "ping": 10, "diag": 6, "jobs": 0.3, "nodes": 6, "partitions": 6, "db_accounts": 4,
    "db_associations": 3, "db_jobs": 3, "metrics": 1, "random_query": 6, "random_path": 5,
    "random_job": 5, "random_user_header": 5, "bad_token": 5, "random_user_token": 5,
}
#: Statuses in the 5xx range the reference gives too, for kinds whose credential the
#: controller refuses: 511 (slurmctld: authentication error), 502 (slurmdbd refused).
#: And 505 for a request line naming HTTP/9.9 (the answer RFC 9110 asks for).
#: Statuses that are the right answer while slurmctld or slurmdbd is down (as the reference's).
OUTAGE_5XX = {500, 502, 503, 504}
#: A controller is taken to be back this long after it accepts connections again (start-up).
OUTAGE_GRACE_S = 15.0
EXPECTED_5XX = {"bad_token": {502, 511}, "random_user_token": {502, 511}, "bad_version": {505}}


def read_env(suite: str) -> dict[str, str]:
    env = {}
    with open(os.path.join(ROOT, suite, "env")) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip().strip("'\"")
    return env


def token(suite: str, user: str, lifespan: int) -> str:
    out = subprocess.run(["bash", CLUSTER_SH, "token", suite, user, str(lifespan)], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return out.strip().splitlines()[-1]


def rand_word(n: int = 8) -> str:
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def rand_loopback() -> str:
    return "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 255), random.randint(1, 254))


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_kind: collections.Counter = collections.Counter()
        self.status: collections.Counter = collections.Counter()
        self.errors: collections.Counter = collections.Counter()
        #: (when, kind, status) of 5xx answers not in EXPECTED_5XX; judged against the outages
        self.other_5xx: list[tuple[float, str, int]] = []
        self.expected_5xx = 0

    def done(self, kind: str, status: int) -> None:
        with self.lock:
            self.by_kind[kind] += 1
            self.status[status] += 1
            if status >= 500:
                if status in EXPECTED_5XX.get(kind, ()):
                    self.expected_5xx += 1
                else:
                    self.other_5xx.append((time.monotonic(), kind, status))

    def failed(self, kind: str, what: str) -> None:
        with self.lock:
            self.by_kind[kind] += 1
            self.errors["%s: %s" % (kind, what)] += 1


class Soak:
    def __init__(self, args) -> None:
        self.args = args
        self.env = read_env(args.suite)
        self.stop = threading.Event()
        self.stats = Stats()
        self.alice = token(args.suite, "alice", int(args.minutes * 60 + 900))
        self.jwt_key = None
        try:
            with open(self.env.get("JWT_KEY", ""), "rb") as fh:
                self.jwt_key = fh.read()
        except OSError:
            pass
        self.jobs_made: list[int] = []
        self.jobs_lock = threading.Lock()
        #: (seconds, lowest, highest VmRSS in kB) per sampling interval (RSS read every second)
        self.samples: list[tuple[float, int, int]] = []
        self.jobs_bytes: list[int] = []
        #: Most jobs one GET jobs answer listed since the last sample (the cluster is shared:
        #: others' jobs change what the daemon's job list costs).
        self.jobs_seen = 0
        self.jobs_per_sample: list[int] = []
        #: Connections open in the daemon (its /metrics: busy + idle), per scrape.
        self.open_connections: list[int] = []
        self.series: list[tuple[float, int]] = []
        self.proc: subprocess.Popen | None = None
        #: (peer, down since, back at) in monotonic seconds
        self.outages: list[tuple[str, float, float]] = []

    # -- the daemon --------------------------------------------------------------

    def start_daemon(self) -> None:
        env = dict(os.environ, SLURMRESTD_SECURITY="disable_user_check", SLURM_CONF=self.env["SLURM_CONF"],
                   PYTHONPATH=REPO)
        self.log = open(self.args.log, "wb")
        argv = ([sys.executable, self.args.daemon_script] if self.args.daemon_script
                else [sys.executable, "-m", "slurmrestd"])
        self.proc = subprocess.Popen(argv + ["127.0.0.1:%d" % self.args.port],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO)
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.args.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit("daemon exited at start (see %s)" % self.args.log)
                time.sleep(0.2)
        self.proc.kill()
        self.proc.wait()
        raise SystemExit("daemon did not listen within 120 s")

    def cpu_s(self) -> float:
        """User + system CPU seconds the daemon used so far."""
        with open("/proc/%d/stat" % self.proc.pid) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        with open("/proc/%d/status" % self.proc.pid) as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    # -- load -------------------------------------------------------------------

    def minted(self, user: str) -> str:
        import jwt

        now = int(time.time())
        return jwt.encode({"iat": now, "exp": now + 600, "sun": user}, self.jwt_key, algorithm="HS256")

    def request_for(self, kind: str) -> tuple[str, dict]:
        h = {"X-SLURM-USER-TOKEN": self.alice}
        if kind == "ping":
            return "/slurm/%s/ping" % V, h
        if kind == "diag":
            return "/slurm/%s/diag" % V, h
        if kind == "jobs":
            return "/slurm/%s/jobs" % V, h
        if kind == "nodes":
            return "/slurm/%s/nodes" % V, h
        if kind == "partitions":
            return "/slurm/%s/partitions" % V, h
        if kind == "db_accounts":
            return "/slurmdb/%s/accounts" % V, h
        if kind == "db_associations":
            return "/slurmdb/%s/associations?user=alice" % V, h
        if kind == "db_jobs":
            return "/slurmdb/%s/jobs?users=alice&job_name=%s" % (V, self.args.prefix), h
        if kind == "metrics":
            return "/metrics", h
        if kind == "random_query":
            return "/slurm/%s/partitions?%s=%s&update_time=%d" % (V, rand_word(), rand_word(12),
                                                                  random.randint(1, 2 ** 31)), h
        if kind == "random_path":
            return "/slurm/%s/%s/%s" % (V, rand_word(), rand_word(16)), h
        if kind == "random_job":
            return "/slurm/%s/job/%d" % (V, random.randint(10 ** 7, 10 ** 9)), h
        if kind == "random_user_header":
            return "/slurm/%s/ping" % V, dict(h, **{"X-SLURM-USER-NAME": "%s-%s" % (self.args.prefix, rand_word())})
        if kind == "bad_token":
            return "/slurm/%s/nodes" % V, {"X-SLURM-USER-TOKEN": "%s.%s.%s" % (rand_word(20), rand_word(40),
                                                                               rand_word(30))}
        if kind == "random_user_token":
            user = "%s-%s" % (self.args.prefix, rand_word(10))
            return "/slurm/%s/diag" % V, {"X-SLURM-USER-TOKEN": self.minted(user)}
        raise KeyError(kind)

    def worker(self) -> None:
        kinds = [k for k in KINDS if (k != "random_user_token" or self.jwt_key) and k not in self.args.skip]
        weights = [KINDS[k] for k in kinds]
        conn = None
        while not self.stop.is_set():
            kind = random.choices(kinds, weights)[0]
            path, headers = self.request_for(kind)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=120)
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                self.stats.done(kind, resp.status)
                if kind == "jobs" and resp.status == 200:
                    self.jobs_bytes.append(len(body))
                    self.jobs_seen = max(self.jobs_seen, body.count(b'"job_id":'))
                if kind == "metrics" and resp.status == 200:
                    n = sum(1 for line in body.splitlines() if line.startswith(b"slurmrestd_http_requests_total{"))
                    self.series.append((time.monotonic(), n))
                    conns = sum(float(line.rsplit(None, 1)[1]) for line in body.splitlines()
                                if line.startswith(b"slurmrestd_connections{"))
                    self.open_connections.append(int(conns))
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                self.stats.failed(kind, type(e).__name__)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.5)
            time.sleep(self.args.pause)

    def malformed(self) -> None:
        bad = [
            lambda: os.urandom(random.randint(1, 300)),
            lambda: b"GET /%s HTTP/1.1 extra\r\nHost: x\r\n\r\n" % rand_word().encode(),
            lambda: b"G\x00T / HTTP/1.1\r\n\r\n",
            lambda: b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
            lambda: b"GET /slurm/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            lambda: b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n",
            lambda: b"POST /slurm/%s/job/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    b"Content-Type: application/json\r\n\r\n{\"a\":" % V.encode(),
            lambda: b"POST /slurm/%s/job/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                    % V.encode(),
        ]
        version = b"GET /%s HTTP/9.9\r\nHost: x\r\n\r\n"
        while not self.stop.is_set():
            kind = "bad_version" if random.random() < 0.1 else "malformed"
            data = version % rand_word().encode() if kind == "bad_version" else random.choice(bad)()
            try:
                s = socket.socket()
                s.settimeout(20)
                s.bind((rand_loopback(), 0))
                s.connect(("127.0.0.1", self.args.port))
                s.sendall(data)
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                got = b""
                while len(got) < 12:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                s.close()
                if got.startswith(b"HTTP/1.1 "):
                    self.stats.done(kind, int(got[9:12]))
                else:
                    self.stats.done(kind, 0)  # closed without an answer
            except OSError as e:
                self.stats.failed(kind, type(e).__name__)
            time.sleep(self.args.pause * 4)

    def slow(self) -> None:
        held: list[tuple[float, socket.socket]] = []
        while not self.stop.is_set():
            now = time.monotonic()
            for t, s in [h for h in held if h[0] <= now]:
                s.close()
                held.remove((t, s))
                self.stats.done("slow_client", 0)
            while len(held) < self.args.slow:
                try:
                    s = socket.socket()
                    s.bind((rand_loopback(), 0))
                    s.connect(("127.0.0.1", self.args.port))
                    s.sendall(b"GET /slurm/%s/ping HTTP/1.1\r\nHost: x\r\nX-Slow: " % V.encode())
                    held.append((now + random.uniform(1, 45), s))
                except OSError as e:
                    self.stats.failed("slow_client", type(e).__name__)
                    break
            self.stop.wait(0.5)
        for _, s in held:
            s.close()

    def submitter(self) -> None:
        n = 0
        conn = None
        headers = {"X-SLURM-USER-TOKEN": self.alice, "Content-Type": "application/json"}
        while not self.stop.wait(self.args.submit_every):
            n += 1
            body = {"job": {"name": "%s-%d" % (self.args.prefix, n), "hold": True,
                            "current_working_directory": "/tmp", "environment": ["PATH=/bin:/usr/bin"],
                            "script": "#!/bin/sh\nsleep 60\n"}}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=120)
                conn.request("POST", "/slurm/%s/job/submit" % V, json.dumps(body), headers)
                resp = conn.getresponse()
                doc = json.loads(resp.read() or b"{}")
                self.stats.done("submit", resp.status)
                job_id = doc.get("job_id")
                if resp.status == 200 and job_id:
                    with self.jobs_lock:
                        self.jobs_made.append(job_id)
                    time.sleep(0.5)
                    conn.request("DELETE", "/slurm/%s/job/%d" % (V, job_id), headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    self.stats.done("cancel", resp.status)
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.stats.failed("submit", type(e).__name__)
                if conn is not None:
                    conn.close()
                conn = None

    def watch_peers(self) -> None:
        """Note when slurmctld or slurmdbd does not accept connections: the cluster is shared, and
        fault tests of other users stop and restart them."""
        peers = [(name, int(self.env[var])) for name, var in (("slurmctld", "CTLD_PORT"), ("slurmdbd", "DBD_PORT"))
                 if self.env.get(var)]
        down: dict[str, float] = {}
        while not self.stop.wait(0.5):
            for name, port in peers:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    if name in down:
                        self.outages.append((name, down.pop(name), time.monotonic()))
                except OSError:
                    down.setdefault(name, time.monotonic())
        for name, since in down.items():
            self.outages.append((name, since, time.monotonic()))

    def during_outage(self, when: float) -> bool:
        """Within an outage of slurmctld or slurmdbd, or its first ``OUTAGE_GRACE_S`` after."""
        return any(start - 1 <= when <= end + OUTAGE_GRACE_S for _, start, end in self.outages)

    def restarts_logged(self, since: float) -> int:
        """slurmctld and slurmdbd start-ups in the cluster's logs since ``since`` (epoch)."""
        n = 0
        stamp = time.strftime("[%Y-%m-%dT%H:%M:%S", time.localtime(since))
        for log, word in (("slurmctld.log", "slurmctld version"), ("slurmdbd.log", "slurmdbd version")):
            try:
                with open(os.path.join(self.env.get("LOG_DIR", ""), log), errors="replace") as fh:
                    n += sum(1 for line in fh if word in line and "started" in line and line[:20] >= stamp)
            except OSError:
                pass
        return n

    def cancel_leftovers(self) -> None:
        headers = {"X-SLURM-USER-TOKEN": self.alice}
        for job_id in self.jobs_made:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
                conn.request("DELETE", "/slurm/%s/job/%d" % (V, job_id), headers=headers)
                conn.getresponse().read()
                conn.close()
            except (OSError, http.client.HTTPException):
                pass

    # -- the run ------------------------------------------------------------------

    def run(self) -> dict:
        self.start_daemon()
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.args.workers)]
        threads += [threading.Thread(target=f, daemon=True)
                    for f in (self.malformed, self.slow, self.submitter, self.watch_peers)]
        self.started_wall = time.time()
        t0 = self.t0 = time.monotonic()
        rss = self.rss_kb()
        self.samples.append((0.0, rss, rss))
        self.cpu0 = self.cpu_s()
        for t in threads:
            t.start()
        end = t0 + self.args.minutes * 60
        died = None
        lo = hi = None
        next_sample = t0 + self.args.interval
        while time.monotonic() < end:
            time.sleep(1.0)
            if self.proc.poll() is not None:
                died = self.proc.returncode
                break
            rss = self.rss_kb()
            lo, hi = min(lo or rss, rss), max(hi or rss, rss)
            if time.monotonic() >= next_sample:
                next_sample += self.args.interval
                self.samples.append((time.monotonic() - t0, lo, hi))
                self.jobs_per_sample.append(self.jobs_seen)
                self.jobs_seen = 0
                lo = hi = None
                if self.args.verbose:
                    print("%6.0f s  RSS %d..%d kB  requests %d" % (self.samples[-1] + (
                        sum(self.stats.by_kind.values()),)), flush=True)
        self.cpu1 = self.cpu_s() if died is None else None
        self.stop.set()
        for t in threads:
            t.join(timeout=60)
        if died is None:
            self.cancel_leftovers()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.args.log, "rb") as fh:
            log = fh.read()
        return self.summary(died, b"Traceback (most recent call last)" in log, time.monotonic() - t0)

    def summary(self, died, traceback: bool, seconds: float) -> dict:
        last = self.samples[-1][0]
        half = [s for s in self.samples if s[0] >= last / 2]
        # the verdict: the floor of each interval (transient peaks of one big answer are not kept memory)
        slope = least_squares_slope([(t / 60.0, lo) for t, lo, _ in half])
        slope_hi = least_squares_slope([(t / 60.0, hi) for t, _, hi in half])
        # the shared cluster's job count moves the cost of GET jobs: the floor follows the most
        # jobs listed so far (the allocator keeps the high-water of the biggest answer), so the
        # time slope is fitted together with that high-water
        high, seen = [], 0
        for n in [0] + self.jobs_per_sample:
            seen = max(seen, n)
            high.append(seen)
        first = len(self.samples) - len(half)
        adjusted, per_job = slope_given_jobs([(t / 60.0, h, lo) for (t, lo, _), h
                                              in zip(half, high[first:])])
        verdict = adjusted if per_job is not None else slope
        st = self.stats
        unexpected = ["%s %d at %.0f s" % (kind, status, when - self.t0) for when, kind, status in st.other_5xx
                      if not (status in OUTAGE_5XX and self.during_outage(when))]
        ok = (died is None and not traceback and not unexpected and verdict <= self.args.max_slope)
        return {
            "ok": ok, "minutes": round(seconds / 60, 2), "samples": len(self.samples),
            "rss_start_kb": self.samples[0][1], "rss_after_warmup_kb": half[0][1] if half else None,
            "rss_end_kb": self.samples[-1][1], "rss_max_kb": max(hi for _, _, hi in self.samples),
            "slope_kb_per_min": round(slope, 1), "slope_of_peaks_kb_per_min": round(slope_hi, 1),
            "slope_given_jobs_kb_per_min": None if per_job is None else round(adjusted, 1),
            "kb_per_job_high_water": None if per_job is None else round(per_job, 1),
            "verdict_slope_kb_per_min": round(verdict, 1),
            "max_slope_kb_per_min": self.args.max_slope,
            "daemon_cpu_s": round(self.cpu1 - self.cpu0, 1) if self.cpu1 is not None else None,
            "requests": sum(st.by_kind.values()), "by_kind": dict(sorted(st.by_kind.items())),
            "status": {str(k): v for k, v in sorted(st.status.items())},
            "client_errors": dict(st.errors), "expected_5xx": st.expected_5xx,
            "outage_5xx": len(st.other_5xx) - len(unexpected), "unexpected_5xx": unexpected[:50],
            "unexpected_5xx_count": len(unexpected),
            "outages": ["%s down %.0f..%.0f s" % (name, a - self.t0, b - self.t0) for name, a, b in self.outages],
            "controller_restarts_logged": self.restarts_logged(self.started_wall), "daemon_died": died, "traceback": traceback,
            "jobs_submitted": len(self.jobs_made),
            "jobs_answer_bytes": [self.jobs_bytes[0], self.jobs_bytes[-1]] if self.jobs_bytes else None,
            "metric_series": [self.series[0][1], self.series[-1][1]] if self.series else None,
            "open_connections_max_last": ([max(self.open_connections), self.open_connections[-1]]
                                          if self.open_connections else None),
            "sample_s": [round(t, 1) for t, _, _ in self.samples],
            "rss_floor_kb": [lo for _, lo, _ in self.samples],
            "rss_peak_kb": [hi for _, _, hi in self.samples],
            "jobs_listed_per_sample": self.jobs_per_sample,
        }


def markdown(r: dict, suite: str, load: str) -> str:
    """A bench/results.md section for one run."""
    when = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())
    lines = ["## Soak, %s minutes of mixed load on %s, %s" % (r["minutes"], suite, when), "",
             "Machine: %s" % load, "",
             "| metric | value |", "|---|---|",
             "| verdict | %s |" % ("pass" if r["ok"] else "FAIL"),
             "| RSS at start / after the first half / at the end (floor, kB) | %s / %s / %s |"
             % (r["rss_start_kb"], r["rss_after_warmup_kb"], r["rss_end_kb"]),
             "| RSS peak (kB) | %s |" % r["rss_max_kb"],
             "| slope of the RSS floor over the second half (kB/min) | %s |" % r["slope_kb_per_min"],
             "| slope of the RSS peaks over the second half (kB/min) | %s |" % r["slope_of_peaks_kb_per_min"],
             "| slope of the RSS floor over the second half, fitted with the job high-water (kB/min; "
             "kB per job) | %s; %s |" % (r["slope_given_jobs_kb_per_min"], r["kb_per_job_high_water"]),
             "| slope judged (kB/min) | %s (limit %s) |" % (r["verdict_slope_kb_per_min"], r["max_slope_kb_per_min"]),
             "| daemon CPU (s) | %s |" % r["daemon_cpu_s"],
             "| requests | %s |" % r["requests"],
             "| 5xx unexpected / expected (refused tokens 511/502, HTTP/9.9 505) | %d / %d |"
             % (r["unexpected_5xx_count"], r["expected_5xx"]),
             "| 5xx while slurmctld or slurmdbd was down (others' fault tests) | %d |" % r["outage_5xx"],
             "| slurmctld/slurmdbd outages seen / start-ups in their logs | %d / %d |"
             % (len(r["outages"]), r["controller_restarts_logged"]),
             "| client-side errors (resets, timeouts) | %s |" % (sum(r["client_errors"].values())),
             "| daemon died / traceback in its log | %s / %s |" % (r["daemon_died"] is not None, r["traceback"]),
             "| jobs submitted and cancelled | %s |" % r["jobs_submitted"],
             "| GET jobs answer, first / last (bytes) | %s |" % r["jobs_answer_bytes"],
             "| request-counter series in /metrics, first / last scrape | %s |" % r["metric_series"],
             "| connections open in the daemon (its /metrics), most / last scrape | %s |"
             % r["open_connections_max_last"],
             "", "Requests by kind: " + ", ".join("%s %d" % kv for kv in r["by_kind"].items()) + ".",
             "", "Statuses (0: closed without an answer): "
             + ", ".join("%s %d" % kv for kv in r["status"].items()) + ".",
             "", "RSS floor per 10 s (kB): " + " ".join(str(x) for x in r["rss_floor_kb"]), ""]
    if any(r["jobs_listed_per_sample"]):
        lines += ["Most jobs in one GET jobs answer per 10 s (0: none asked): "
                  + " ".join(str(x) for x in r["jobs_listed_per_sample"]), ""]
    return "\n".join(lines) + "\n"


def slope_given_jobs(points: list[tuple[float, float, float]]) -> tuple[float, float | None]:
    """Least squares of ``rss = a + b·t + c·jobs`` through ``(t, jobs, rss)``: (b, c); (the plain
    slope, None) when the job high-water does not change over the points."""
    jobs = [j for _, j, _ in points]
    if len(points) < 4 or max(jobs) == min(jobs):
        return least_squares_slope([(t, y) for t, _, y in points]), None
    n = len(points)
    mt = sum(t for t, _, _ in points) / n
    mj = sum(jobs) / n
    my = sum(y for _, _, y in points) / n
    stt = sum((t - mt) ** 2 for t, _, _ in points)
    sjj = sum((j - mj) ** 2 for j in jobs)
    stj = sum((t - mt) * (j - mj) for t, j, _ in points)
    sty = sum((t - mt) * (y - my) for t, _, y in points)
    sjy = sum((j - mj) * (y - my) for _, j, y in points)
    det = stt * sjj - stj * stj
    if abs(det) < 1e-9 * max(1.0, stt * sjj):
        return least_squares_slope([(t, y) for t, _, y in points]), None
    return (sty * sjj - sjy * stj) / det, (sjy * stt - sty * stj) / det


def least_squares_slope(points: list[tuple[float, float]]) -> float:
    """Slope of the least-squares line through ``points`` (0 with fewer than two)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if not sxx:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", default=os.environ.get("SOAK_SUITE", "forky"))
    ap.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "30")))
    ap.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT", "0")))
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument("--workers", type=int, default=3, help="keep-alive clients of the request mix")
    ap.add_argument("--pause", type=float, default=0.05, help="seconds each client waits between requests")
    ap.add_argument("--slow", type=int, default=20, help="half-sent requests kept open")
    ap.add_argument("--submit-every", type=float, default=3.0)
    ap.add_argument("--prefix", default=os.environ.get("SOAK_PREFIX", "soak14"))
    ap.add_argument("--max-slope", type=float, default=float(os.environ.get("SOAK_MAX_SLOPE", "64")),
                    help="kB/min over the second half (see bench/results.md for the reasoning)")
    ap.add_argument("--log", default=os.environ.get("SOAK_LOG", "/tmp/soak-daemon.log"))
    ap.add_argument("--json", help="write the summary here too")
    ap.add_argument("--daemon-script", help="run this Python script instead of `-m slurmrestd` (given the "
                    "listen address; for profiling, e.g. under tracemalloc)")
    ap.add_argument("--append", help="append a markdown section to this file (bench/results.md)")
    ap.add_argument("--skip", action="append", default=[], choices=sorted(KINDS),
                    help="leave this kind out of the request mix (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not args.port:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        args.port = s.getsockname()[1]
        s.close()
    load0 = os.getloadavg()
    result = Soak(args).run()
    text = json.dumps(result, indent=1)
    if args.append:
        load = "%d CPUs, load average %.1f at the start, %.1f at the end (1 min)" % (
            os.cpu_count() or 1, load0[0], os.getloadavg()[0])
        with open(args.append, "a") as fh:
            fh.write("\n" + markdown(result, args.suite, load))
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text + "\n")
    print(text)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
