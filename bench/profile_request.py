"""Profile one kind of request through the whole pipeline, in process, against a real cluster.

    python bench/profile_request.py [--suite forky] [--path /slurm/v0.0.45/nodes] [-n 200] [--out FILE]

The daemon's parts are built as ``slurmrestd.daemon`` builds them (settings from the
command line and environment, ``Site``, router, authentication chain, ``RestApp``); the
request is parsed from raw HTTP bytes with alice's JWT and served ``-n`` times under
cProfile (after a few unprofiled warm-up requests).  Printed: the wall and CPU time per
request, the share spent waiting on slurmctld (socket receive/connect), own time by
module, and the top functions by own and by cumulative time.  ``--out`` also writes that summary to a file (e.g.
bench/profiles/nodes.txt).  The cluster's env file is read from
$SLURMRESTD_CLUSTER_ROOT/<suite>/env (default /var/lib/slurmrestd-cluster); SLURMRESTD_* variables of the
environment apply as they do to the daemon (e.g. SLURMRESTD_JOB_LIST_CACHE=0).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from slurmrestd import cli  # noqa: E402
from slurmrestd.auth import build_chain  # noqa: E402
from slurmrestd.daemon import build_router, default_plugins, load_slurm_conf  # noqa: E402
from slurmrestd.http.parser import RequestParser  # noqa: E402
from slurmrestd.operations.app import RestApp  # noqa: E402
from slurmrestd.site import Site  # noqa: E402


#: Where the profiled thread waits for slurmctld (not CPU time of ours).
_WAITS = ("<method 'recv_into' of '_socket.socket' objects>", "<method 'recv' of '_socket.socket' objects>",
          "<method 'connect' of '_socket.socket' objects>")


class Conn:
    """What the pipeline reads from a connection."""

    name = "profile"
    is_unix = False
    sock = object()  # a TCP peer: rest_auth/local passes, rest_auth/jwt decides


def read_env(suite: str) -> dict:
    root = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")
    env = {}
    with open(os.path.join(root, suite, "env")) as fh:
        for line in fh:
            if "=" in line and not line.startswith("#"):
                k, _, v = line.strip().partition("=")
                env[k] = v
    return env


def build_app(slurm_conf: str) -> RestApp:
    environ = {k: v for k, v in os.environ.items() if k.startswith("SLURMRESTD_")}
    settings, _ = cli.parse(["127.0.0.1:0"], {**environ, "SLURM_CONF": slurm_conf})
    conf = load_slurm_conf(settings)
    from dataclasses import replace
    settings = replace(settings, openapi_plugins=settings.openapi_plugins or default_plugins(conf))
    site = Site(settings, conf)
    router, _ = build_router(settings, site)
    return RestApp(router, build_chain(settings.auth_plugins, settings.become_user), site)


def request(path: str, token: str):
    raw = ("GET %s HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-NAME: alice\r\nX-SLURM-USER-TOKEN: %s\r\n\r\n"
           % (path, token)).encode()
    p = RequestParser()
    p.receive_data(raw)
    return p.next_event()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="forky")
    ap.add_argument("--path", default="/slurm/v0.0.45/nodes")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out")
    args = ap.parse_args(argv)

    env = read_env(args.suite)
    token = subprocess.run(["bash", os.path.join(ROOT, "cluster", "cluster.sh"), "token", args.suite, "alice",
                            "3600"], capture_output=True, text=True, check=True).stdout.split()[-1]
    app = build_app(env["SLURM_CONF"])
    req, conn = request(args.path, token), Conn()
    for _ in range(5):
        resp = app(req, conn)
    assert resp.status == 200, (resp.status, resp.body[:300])

    c0 = time.thread_time()
    for _ in range(args.n):
        app(req, conn)
    cpu = (time.thread_time() - c0) / args.n

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(args.n):
        app(req, conn)
    prof.disable()
    wall = (time.perf_counter() - t0) / args.n

    stats = pstats.Stats(prof)
    by_file: collections.Counter = collections.Counter()
    for (file, _, fn), (_, _, tt, _, _) in stats.stats.items():
        if fn in _WAITS:
            by_file["(waiting on slurmctld: %s)" % fn] += tt
        elif file == "~":
            by_file["(built-in) " + fn] += tt
        else:
            by_file[os.path.relpath(file, ROOT) if file.startswith(ROOT) else os.path.basename(file)] += tt
    waiting = sum(v for k, v in by_file.items() if k.startswith("(waiting"))
    out = io.StringIO()
    out.write("GET %s on %s: %d requests, %d bytes each\n" % (args.path, args.suite, args.n, len(resp.body)))
    out.write("wall time per request: %.2f ms (profiled; unprofiled CPU: %.2f ms); waiting on slurmctld: "
              "%.2f ms\n\n" % (wall * 1e3, cpu * 1e3, waiting / args.n * 1e3))
    out.write("own time per request by module (profiled, ms):\n")
    for k, v in by_file.most_common(args.top):
        out.write("  %7.3f  %s\n" % (v / args.n * 1e3, k))
    out.write("\n")
    for key in ("tottime", "cumulative"):
        s = pstats.Stats(prof, stream=out)
        s.strip_dirs().sort_stats(key).print_stats(args.top)
    text = out.getvalue()
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
