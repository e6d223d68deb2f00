"""The issue 13 performance table: ours against the reference C slurmrestd, every row from one run.

    python bench/driver.py            (make bench, bench/run.sh)
    BENCH_QUICK=1 python bench/driver.py     a short smoke run (about a minute)

Against the local 26.05 cluster (forky, cluster/cluster.sh up forky; bench users from
``cluster/cluster.sh users forky``).  Two of our daemons are started, one with request
coalescing on and one with it off, both with the job list cache off
(SLURMRESTD_JOB_LIST_CACHE=0); the reference is the cluster's own C daemon.  Rows:

* GET ping, diag, nodes, partitions with 16 connections (wrk -t2, one token): requests/s;
* GET jobs with 1,000 jobs in the queue: latency of one call (median), and requests/s with
  8 connections of 8 different users (bench1..bench8, a Python client, one keep-alive
  connection per user);
* one request in inet mode (a fresh process per request, process start to the end of the
  answer, median): ours with warm start (the default, ``slurmrestd/warmstart``) and cold
  (SLURMRESTD_INET_WARM=no);
* an unknown path (404) with 16 connections;
* peak RSS (VmHWM) of each daemon after the runs.

Each throughput row also gives how many RPCs slurmctld received per answered request: the
change of its ``rpcs_by_user`` count (diag statistics) for the bench user(s) over the run,
divided by the requests answered.  Only this driver uses the bench users, so other sessions
on the same cluster do not show up in it.  And the CPU time each daemon spent per request
(/proc), steadier than requests/s on a shared machine.

Jobs: the queue is topped up to BENCH_JOBS (1000) with held jobs named
``$BENCH_PREFIX-held`` (submitted as bench1), all cancelled at the end, also on SIGINT or
SIGTERM.  Jobs of other users already queued count towards the 1,000; the row says how many
jobs the answers held.  Finished jobs (those of an earlier run, cancelled minutes ago) do not
count: slurmctld forgets them MinJobAge (300 s) after they end, which would shrink the list in
the middle of a row, so the driver first waits until they are gone (at most MinJobAge).

The wrk rows run each daemon BENCH_ROUNDS times (3), the daemons taking turns (on, off,
reference, on, off, …), so that a minute of a busier machine falls on all of them; a cell is
the daemon's median round (its RPC and CPU figures are that round's), with the lowest and
highest round after it.

Settings (environment): BENCH_QUICK=1, BENCH_DURATION (s, default 5; quick 1), BENCH_ROUNDS (3; quick 1),
BENCH_CONNECTIONS (16), BENCH_JOBS (1000; quick 20), BENCH_JOBS_DURATION (s, 15; quick 2),
BENCH_INET_RUNS (15; quick 2), BENCH_PREFIX (bench), BENCH_OUT (bench/results.md; in quick
mode nothing is appended unless it is set), BENCH_ROWS (the rows to run, comma-separated, of
ctld, 404, jobs and inet; default all; peak RSS is always given), SLURMRESTD_CLUSTER_ROOT, PY.
Our daemons get the environment's SLURMRESTD_* settings (SLURMRESTD_DUMP_PROCESSES=0 …); the
CPU time and peak RSS of a daemon include its dump processes'.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from slurmrestd.warmstart.server import stop_servers as stop_warm_servers  # noqa: E402
SUITE = "forky"
VERSION = "v0.0.45"
USERS = ["bench%d" % i for i in range(1, 9)]
HZ = os.sysconf("SC_CLK_TCK")


def env_int(name: str, default: int, quick: int) -> int:
    return int(os.environ.get(name) or (quick if QUICK else default))


QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "no")
DUR = env_int("BENCH_DURATION", 5, 1)
#: wrk rows: each daemon this many times, taking turns; the row gives each daemon's median round.
ROUNDS = env_int("BENCH_ROUNDS", 3, 1)
CONNS = env_int("BENCH_CONNECTIONS", 16, 16)
NJOBS = env_int("BENCH_JOBS", 1000, 20)
JOBS_DUR = env_int("BENCH_JOBS_DURATION", 15, 2)
ROWS = set((os.environ.get("BENCH_ROWS") or "ctld,404,jobs,inet").replace(" ", "").split(","))
INET_RUNS = env_int("BENCH_INET_RUNS", 15, 2)
LATENCY_CALLS = 3 if QUICK else 9
PREFIX = os.environ.get("BENCH_PREFIX", "bench")
#: A job in one of these states stays listed for the whole run; any other has ended.
LIVE_JOB_STATES = frozenset(("PENDING", "RUNNING", "SUSPENDED", "CONFIGURING", "RESIZING"))
#: Longest wait for finished jobs to be forgotten: slurmctld's default MinJobAge and a sweep
#: (none in the quick smoke run, whose numbers mean nothing anyway).
FORGET_WAIT = 0 if QUICK else 330
PY = os.environ.get("PY") or sys.executable
if not os.path.isabs(PY) and os.sep in PY:
    PY = os.path.join(REPO, PY)
CLUSTER_ROOT = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")


def log(msg: str) -> None:
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def read_env() -> dict[str, str]:
    path = os.path.join(CLUSTER_ROOT, SUITE, "env")
    if not os.path.exists(path):
        sys.exit("cluster %s is not set up (%s missing): cluster/cluster.sh up %s" % (SUITE, path, SUITE))
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v.strip().strip("'\"")
    return out


def token(user: str) -> str:
    out = subprocess.run(["bash", os.path.join(REPO, "cluster", "cluster.sh"), "token", SUITE, user, "7200"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("no token for %s (bench users missing? run: cluster/cluster.sh users %s)\n%s"
                 % (user, SUITE, out.stderr[-2000:]))
    return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listener_pid(port: int) -> int | None:
    out = subprocess.run(["ss", "-Htlnp", "sport = :%d" % port], capture_output=True, text=True).stdout
    m = re.search(r"pid=(\d+)", out)
    return int(m.group(1)) if m else None


def tree(pid: int | None) -> list[int]:
    """``pid`` and its descendants (our dump processes): a daemon's CPU and memory are theirs
    together."""
    if pid is None:
        return []
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(open("/proc/%s/stat" % name).read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, ()))
    return out


def cpu_ticks(pid: int | None) -> int:
    """utime + stime of the daemon's process tree."""
    total = 0
    for p in tree(pid):
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except (OSError, TypeError, IndexError, ValueError):
            pass
    return total


def vmhwm_kb(pid: int | None) -> int | None:
    """The sum of the peak RSS of the daemon's processes (each process's own peak: an upper
    bound of their peak together)."""
    total = None
    for p in tree(pid):
        try:
            for line in open("/proc/%d/status" % p):
                if line.startswith("VmHWM:"):
                    total = (total or 0) + int(line.split()[1])
        except (OSError, TypeError):
            pass
    return total


def request(base: str, method: str, path: str, tok: str, user: str, body=None, conn=None):
    """One HTTP request; returns (status, body bytes).  ``conn`` is reused when given."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    c = conn or http.client.HTTPConnection(host, int(port), timeout=300)
    hdr = {"X-SLURM-USER-TOKEN": tok, "X-SLURM-USER-NAME": user} if tok else {}
    data = None
    if body is not None:
        data = json.dumps(body)
        hdr["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=hdr)
    r = c.getresponse()
    out = r.read()
    if conn is None:
        c.close()
    return r.status, out


@dataclass
class Daemon:
    name: str
    base: str
    pid: int | None
    proc: subprocess.Popen | None = None


@dataclass
class Bench:
    env: dict[str, str]
    tokens: dict[str, str]
    tmp: str
    daemons: dict[str, Daemon] = field(default_factory=dict)
    job_ids: list[int] = field(default_factory=list)

    # -- daemons ---------------------------------------------------------------------------------

    def start_ours(self, name: str, coalesce: str) -> Daemon:
        port = free_port()
        env = dict(os.environ, SLURMRESTD_COALESCE=coalesce, SLURMRESTD_SECURITY="disable_user_check",
                   SLURMRESTD_JOB_LIST_CACHE="0", SLURM_CONF=self.env["SLURM_CONF"],
                   PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        errlog = open(os.path.join(self.tmp, "%s.log" % name), "wb")
        proc = subprocess.Popen([PY, "-m", "slurmrestd", "127.0.0.1:%d" % port], env=env, cwd=REPO,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
        d = Daemon(name, "http://127.0.0.1:%d" % port, proc.pid, proc)
        self.daemons[name] = d
        for _ in range(150):
            try:
                request(d.base, "GET", "/livez", None, None)  # any answer: it is listening
                return d
            except OSError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        sys.exit("our daemon (%s) did not start:\n%s" % (name, open(errlog.name).read()[-3000:]))

    def stop_ours(self) -> None:
        for d in self.daemons.values():
            if d.proc is not None and d.proc.poll() is None:
                d.proc.terminate()
                try:
                    d.proc.wait(15)
                except subprocess.TimeoutExpired:
                    d.proc.kill()

    # -- slurmctld's RPC counts -------------------------------------------------------------------

    def rpcs_by_user(self) -> dict[str, int]:
        st, body = request(self.env["REF_URL"], "GET", "/slurm/%s/diag" % VERSION, self.tokens["root"], "root")
        if st != 200:
            return {}
        rows = json.loads(body)["statistics"].get("rpcs_by_user") or []
        return {r["user"]: int(r["count"]) for r in rows}

    # -- load generators -------------------------------------------------------------------------

    def wrk(self, d: Daemon, path: str, user: str, conns: int = CONNS, dur: int = DUR) -> dict:
        r0, t0 = self.rpcs_by_user(), cpu_ticks(d.pid)
        out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % dur, "--latency", "--timeout", "30s",
                              "-H", "X-SLURM-USER-NAME: %s" % user, "-H", "X-SLURM-USER-TOKEN: %s" % self.tokens[user],
                              d.base + path], capture_output=True, text=True).stdout
        t1, r1 = cpu_ticks(d.pid), self.rpcs_by_user()
        m = re.search(r"Requests/sec:\s*([\d.]+)", out)
        n = re.search(r"(\d+) requests in", out)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        done = int(n.group(1)) if n else 0
        return {"rate": float(m.group(1)) if m else None, "n": done, "non2xx": int(bad.group(1)) if bad else 0,
                "rpcs": rpc_delta(r0, r1, [user], done), "cpu_ms": cpu_ms(t0, t1, done)}

    def wrk_rounds(self, daemons: list, path: str, user: str) -> list[dict]:
        """``wrk`` of each daemon ROUNDS times, taking turns: per daemon its median round, with
        every round's rate in ``rounds``."""
        runs: list[list[dict]] = [[] for _ in daemons]
        for _ in range(ROUNDS):
            for i, d in enumerate(daemons):
                runs[i].append(self.wrk(d, path, user))
        out = []
        for d, rs in zip(daemons, runs):
            rated = sorted((r for r in rs if r.get("rate") is not None), key=lambda r: r["rate"])
            best = dict(rated[(len(rated) - 1) // 2] if rated else rs[0])
            best["rounds"] = [r.get("rate") for r in rs]
            log("  %s: %s req/s" % (d.name, ", ".join(fmt(r) for r in best["rounds"])))
            out.append(best)
        return out

    def jobs_latency(self, daemons: dict[str, Daemon]) -> dict[str, dict]:
        """One GET jobs at a time, the daemons taking turns (the first of each round
        rotates), after one uncounted call each: every daemon sees the same controller and
        machine load, and none is measured alone right after the jobs were submitted."""
        times: dict[str, list] = {k: [] for k in daemons}
        count: dict[str, int] = {}
        failed: dict[str, str] = {}
        names = list(daemons)
        for i in range(LATENCY_CALLS + 1):
            for k in names[i % len(names):] + names[:i % len(names)]:
                if k in failed:
                    continue
                t = time.perf_counter()
                st, body = request(daemons[k].base, "GET", "/slurm/%s/jobs" % VERSION, self.tokens["bench1"],
                                   "bench1")
                dt = time.perf_counter() - t
                if st != 200:
                    failed[k] = "HTTP %d" % st
                    continue
                count[k] = len(json.loads(body)["jobs"])
                if i:
                    times[k].append(dt)
        return {k: {"rate": None, "note": failed[k]} if k in failed else
                {"rate": statistics.median(times[k]), "jobs": count[k]} for k in names}

    def jobs_users(self, d: Daemon) -> dict:
        """8 connections, one per bench user, each sending GET jobs back to back for JOBS_DUR."""
        done, errors = [0] * len(USERS), [0] * len(USERS)
        deadline = time.monotonic() + JOBS_DUR

        def loop(i: int) -> None:
            host, port = d.base.split("//", 1)[1].rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=300)
            while time.monotonic() < deadline:
                try:
                    st, _ = request(d.base, "GET", "/slurm/%s/jobs" % VERSION, self.tokens[USERS[i]], USERS[i],
                                    conn=conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, int(port), timeout=300)
                    st = 0
                if st == 200:
                    done[i] += 1
                else:
                    errors[i] += 1
            conn.close()

        r0, t0, start = self.rpcs_by_user(), cpu_ticks(d.pid), time.monotonic()
        threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(USERS))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        t1, r1 = cpu_ticks(d.pid), self.rpcs_by_user()
        n = sum(done)
        return {"rate": n / elapsed if n else None, "n": n, "non2xx": sum(errors),
                "rpcs": rpc_delta(r0, r1, USERS, n), "cpu_ms": cpu_ms(t0, t1, n)}

    def inet(self, which: str, warm: bool = True) -> dict:
        """Median wall time of one GET ping in a fresh process (the request on a pipe, as
        from inetd).  Ours with warm start (the default: the first, uncounted, run starts the
        warm server; timing starts once its socket exists) or without it (cold: every process
        imports everything)."""
        req = ("GET /slurm/%s/ping HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-NAME: bench1\r\n"
               "X-SLURM-USER-TOKEN: %s\r\nConnection: close\r\n\r\n" % (VERSION, self.tokens["bench1"])).encode()
        run_dir = None
        if which == "ref":
            # as cluster.sh starts the reference: in the chroot, as user slurmrestd
            cmd = ["chroot", "--userspec=slurmrestd:slurmrestd", self.env["CHROOT"], "env", "-i",
                   "PATH=/usr/sbin:/usr/bin", "LANG=C.UTF-8", "HOME=/", "SLURM_JWT=daemon",
                   "/usr/sbin/slurmrestd", "-a", "rest_auth/jwt"]
            env = None
        else:
            # the installed command, as inetd would start it (python -m without one)
            script = os.path.join(os.path.dirname(PY), "slurmrestd")
            cmd = [script] if os.access(script, os.X_OK) else [PY, "-m", "slurmrestd"]
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            run_dir = tempfile.mkdtemp(prefix="bw", dir="/tmp")  # the warm server's, short for the socket path
            env.update(SLURMRESTD_SECURITY="disable_user_check", SLURM_CONF=self.env["SLURM_CONF"],
                       PYTHONPATH=REPO, XDG_RUNTIME_DIR=run_dir, SLURMRESTD_INET_WARM="600" if warm else "no")
        times = []
        try:
            for i in range(INET_RUNS + 1):  # the first run warms caches (and starts the warm server): not counted
                if i == 1 and run_dir and warm and not _wait_for_glob(os.path.join(run_dir, "slurmrestd-warm"), ".sock", 60):
                    return {"rate": None, "note": "no warm server"}
                t = time.perf_counter()
                p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, cwd=REPO)
                out, _ = p.communicate(req, timeout=60)  # the request arrives through a pipe, as from inetd
                dt = time.perf_counter() - t
                if not out.startswith(b"HTTP/1.1 200"):
                    return {"rate": None, "note": "answer %r" % out[:40]}
                if i:
                    times.append(dt)
        finally:
            if run_dir:
                stop_warm_servers(os.path.join(run_dir, "slurmrestd-warm"))
                shutil.rmtree(run_dir, ignore_errors=True)
        return {"rate": statistics.median(times)}

    # -- jobs -------------------------------------------------------------------------------------

    def _listed_jobs(self, d: Daemon) -> tuple[int, int]:
        """(jobs still pending or running, finished jobs slurmctld still lists)."""
        st, body = request(d.base, "GET", "/slurm/%s/jobs" % VERSION, self.tokens["bench1"], "bench1")
        jobs = json.loads(body)["jobs"] if st == 200 else []
        live = sum(1 for j in jobs if set(j.get("job_state") or ()) & LIVE_JOB_STATES)
        return live, len(jobs) - live

    def top_up_jobs(self, d: Daemon) -> int:
        present, finished = self._listed_jobs(d)
        if finished and FORGET_WAIT:
            log("waiting for slurmctld to forget %d finished jobs (MinJobAge) before queueing" % finished)
            until = time.monotonic() + FORGET_WAIT
            while finished and time.monotonic() < until:
                time.sleep(5)
                present, finished = self._listed_jobs(d)
            if finished:
                log("%d finished jobs still listed; going on with them" % finished)
        need = max(NJOBS - present, 5)
        job = {"script": "#!/bin/sh\nsleep 60\n", "hold": True, "name": "%s-held" % PREFIX,
               "current_working_directory": "/tmp", "environment": ["PATH=/bin:/usr/bin"]}

        def one(_):
            st, body = request(d.base, "POST", "/slurm/%s/job/submit" % VERSION, self.tokens["bench1"], "bench1",
                               {"job": job})
            if st == 200:
                jid = json.loads(body).get("job_id")
                if jid:
                    self.job_ids.append(jid)

        log("%d jobs queued; submitting %d held jobs named %s-held as bench1" % (present, need, PREFIX))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(need)))
        return len(self.job_ids)

    def cancel_jobs(self) -> None:
        ids, self.job_ids = self.job_ids, []
        if not ids:
            return
        base = self.env["REF_URL"]
        for d in self.daemons.values():
            if d.proc is not None and d.proc.poll() is None:
                base = d.base
                break
        left = []
        for i in range(0, len(ids), 200):
            chunk = ids[i:i + 200]
            try:
                st, _ = request(base, "DELETE", "/slurm/%s/jobs" % VERSION, self.tokens["bench1"], "bench1",
                                {"jobs": chunk})
            except OSError:
                st = 0
            if st != 200:
                left += chunk
        if left:  # last resort: scancel in the chroot
            subprocess.run(["chroot", self.env["CHROOT"], "scancel"] + [str(j) for j in left],
                           capture_output=True)
        log("cancelled %d held jobs" % len(ids))


def rpc_delta(before: dict, after: dict, users: list[str], answered: int) -> float | None:
    if not answered or not after:
        return None
    return sum(after.get(u, 0) - before.get(u, 0) for u in users) / answered


def cpu_ms(t0: int, t1: int, answered: int) -> float | None:
    return (t1 - t0) * 1000.0 / HZ / answered if answered and t1 > t0 else None


# -- the table ------------------------------------------------------------------------------------

def fmt(v, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if unit == "s":
        return "%.3f s" % v
    if unit == "MB":
        return "%.0f MB" % (v / 1024.0)
    return "{:,.1f}".format(v) if v < 100 else "{:,.0f}".format(v)


def ratio(a, b) -> str:
    return "%.2f×" % (a / b) if a is not None and b else "n/a"


#: Issue 13's goals per row: (comparison, ours-on/ref, ours-off/ref); None where it sets none.
GOALS = {
    "ctld": (">=", 1.5, 1.0),  # GET ping, diag, nodes, partitions with 16 connections
    "jobs one": ("<=", 0.3, 0.3),
    "jobs users": (">=", 1.5, 1.5),
    "inet": ("<=", 2.0, None),
    "rss": ("<=", 0.25, 0.25),
}


def goal_cell(goal, on: dict | None, off: dict | None, ref: dict | None) -> str:
    if goal is None or ref is None or not ref.get("rate"):
        return "—"
    op, parts = goal[0], []
    for name, r, target in (("on", on, goal[1]), ("off", off, goal[2])):
        if target is None or r is None or r.get("rate") is None:
            continue
        q = r["rate"] / ref["rate"]
        met = q >= target if op == ">=" else q <= target
        parts.append("%s %s %.2g× %s" % (name, "≥" if op == ">=" else "≤", target, "met" if met else "missed"))
    return ", ".join(parts) or "—"


def _wait_for_glob(directory: str, suffix: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.isdir(directory) and any(n.endswith(suffix) for n in os.listdir(directory)):
            return True
        time.sleep(0.1)
    return False


def row(scenario: str, on: dict | None, off: dict | None, ref: dict | None, unit: str = "", goal=None) -> str:
    cells = [scenario]
    for r in (on, off, ref):
        if r is None:
            cells.append("—")
            continue
        s = fmt(r.get("rate"), unit)
        rounds = [v for v in r.get("rounds") or () if v is not None]
        if len(rounds) > 1:
            s += " (%s–%s)" % (fmt(min(rounds), unit), fmt(max(rounds), unit))
        if r.get("non2xx") and "404" not in scenario:
            s += " (%d errors)" % r["non2xx"]
        if r.get("note"):
            s += " (%s)" % r["note"]
        cells.append(s)
    cells.append(ratio(on.get("rate"), ref.get("rate")) if on and ref else "—")
    cells.append(ratio(off.get("rate"), ref.get("rate")) if off and ref else "—")
    cells.append(" / ".join("—" if r is None or r.get("rpcs") is None else "%.2f" % r["rpcs"]
                            for r in (on, off, ref)) if any(r and "rpcs" in r for r in (on, off, ref)) else "—")
    cells.append(" / ".join("—" if r is None or r.get("cpu_ms") is None else "%.2f" % r["cpu_ms"]
                            for r in (on, off, ref)) if any(r and "cpu_ms" in r for r in (on, off, ref)) else "—")
    cells.append(goal_cell(goal, on, off, ref))
    return "| " + " | ".join(cells) + " |"


def interrupted(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM: cancel the jobs and stop our daemons as on ^C


def main() -> int:
    env = read_env()
    subprocess.run(["wrk", "--version"], capture_output=True)  # FileNotFoundError: apt-get install wrk
    load0 = open("/proc/loadavg").read().split()[:3]
    log("tokens for %s and root" % ", ".join(USERS))
    tokens = {u: token(u) for u in USERS + ["root"]}
    ref_pid = listener_pid(int(env["REF_PORT"]))
    with tempfile.TemporaryDirectory() as tmp:
        b = Bench(env, tokens, tmp)
        b.daemons["ref"] = Daemon("ref", env["REF_URL"], ref_pid)
        signal.signal(signal.SIGTERM, interrupted)
        try:
            on, off, ref = b.start_ours("on", "yes"), b.start_ours("off", "no"), b.daemons["ref"]
            lines = []
            for what in ("ping", "diag", "nodes", "partitions") if "ctld" in ROWS else ():
                log("GET %s, %d connections, %d rounds of %ds: ours on, ours off, reference"
                    % (what, CONNS, ROUNDS, DUR))
                p = "/slurm/%s/%s" % (VERSION, what)
                r_on, r_off, r_ref = b.wrk_rounds([on, off, ref], p, "bench1")
                lines.append(row("`GET %s`, %d connections (req/s)" % (what, CONNS), r_on, r_off, r_ref,
                                 goal=GOALS["ctld"]))
            if "404" in ROWS:
                log("unknown path (404), %d connections, %d rounds of %ds" % (CONNS, ROUNDS, DUR))
                p = "/slurm/%s/%s-no-such-path" % (VERSION, PREFIX)
                r_on, r_ref = b.wrk_rounds([on, ref], p, "bench1")
                lines.append(row("an unknown path (404), %d connections (req/s)" % CONNS, r_on, None, r_ref))
            if "jobs" in ROWS:
                b.top_up_jobs(on)
                log("GET jobs: one call (median of %d, the daemons taking turns), then 8 users for %ds"
                    % (LATENCY_CALLS, JOBS_DUR))
                lat = b.jobs_latency({"on": on, "off": off, "ref": ref})
                counts = sorted({str(v.get("jobs")) for v in lat.values()})
                lines.append(row("`GET jobs`, %s jobs, one call, list cache off (median s, lower is better)"
                                 % "/".join(counts), lat["on"], lat["off"], lat["ref"], "s", GOALS["jobs one"]))
                lines.append(row("`GET jobs`, %s jobs, 8 connections of 8 users, list cache off (req/s)"
                                 % "/".join(counts), b.jobs_users(on), b.jobs_users(off), b.jobs_users(ref),
                                 goal=GOALS["jobs users"]))
                b.cancel_jobs()
            if "inet" in ROWS:
                log("inet mode, %d runs each" % INET_RUNS)
                lines.append(row("one request in inet mode, process start to answer, warm start (the default; "
                                 "median s, lower is better)", b.inet("ours"), None, b.inet("ref"), "s",
                                 GOALS["inet"]))
                lines.append(row("one request in inet mode, process start to answer, cold "
                                 "(SLURMRESTD_INET_WARM=no; median s, lower is better)",
                                 b.inet("ours", warm=False), None, b.inet("ref"), "s"))
            rss = {k: {"rate": vmhwm_kb(d.pid)} for k, d in (("on", on), ("off", off), ("ref", ref))}
            lines.append(row("peak RSS after the runs, VmHWM (lower is better)", rss["on"], rss["off"], rss["ref"],
                             "MB", GOALS["rss"]))
        except KeyboardInterrupt:
            log("interrupted")
            return 130
        finally:
            b.cancel_jobs()
            b.stop_ours()
    load1 = open("/proc/loadavg").read().split()[:3]
    out = [
        "",
        "## Issue 13 table (bench/run.sh%s) — %s (%s), %s, %s, %d cores" % (
            ", BENCH_QUICK" if QUICK else "", SUITE, env.get("SLURM_VERSION", "?"), VERSION,
            time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count() or 0),
        "",
        "wrk -t2, %d rounds of %ds per daemon and row, the daemons taking turns: the median round (lowest–highest); "
        "GET jobs 8 users %ds; inet %d runs; one token per user (bench1..8). "
        "Load average %s at the start, %s at the end." % (ROUNDS, DUR, JOBS_DUR, INET_RUNS, " ".join(load0),
                                                        " ".join(load1)),
        "RPCs/request: slurmctld's rpcs_by_user count of the bench users over the row, per answer. "
        "CPU ms/request: the daemon's user+system time over the row, per answer (the reference's includes other "
        "clients' requests; its peak RSS is since it started).",
        "",
        "| scenario | ours, coalescing on | ours, coalescing off | reference | on / ref | off / ref "
        "| slurmctld RPCs/request on / off / ref | CPU ms/request on / off / ref | issue 13 goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ] + lines + [""]
    text = "\n".join(out)
    print(text, flush=True)
    dest = os.environ.get("BENCH_OUT") or ("" if QUICK else os.path.join(REPO, "bench", "results.md"))
    if dest:
        with open(dest, "a") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
