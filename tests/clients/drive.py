"""Drive one third-party Slurm REST client through its own API and print what it saw.

Runs inside the clients' own venv (tools/real_clients.sh), never with the project on
the path: ``python drive.py CLIENT BASE VERSION USER TOKEN NAME``.  CLIENT is
``slurmrestapi`` or ``slurpy``.  Prints one JSON object: step name → a summary of
the answer as the client's models decoded it, or ``{"error": "..."}`` when the
client raised (a model that rejects the daemon's answer shows up here).  The job the
run submits is held, named NAME, and cancelled by the run itself.
"""

from __future__ import annotations

import json
import sys
import traceback

ENV = ["PATH=/bin/:/sbin/:/usr/bin/:/usr/sbin/"]


class Client:
    """The calls the steps need, named the same for every client."""

    def __init__(self, kind: str, base: str, version: str, user: str, token: str) -> None:
        tag = version.replace(".", "")  # v0042
        if kind == "slurmrestapi":
            import slurmrestapi as m

            self._fn = lambda api, plugin, op: getattr(api, "%s_%s_%s" % (plugin, tag, op))
            self.model = lambda name: getattr(m, tag.capitalize() + name)  # V0042JobDescMsg
        elif kind == "slurpy":
            import importlib

            m = importlib.import_module("slurpy." + tag)
            self._fn = lambda api, plugin, op: getattr(api, op)
            self.model = lambda name: getattr(m, name)
        else:
            raise SystemExit("unknown client %r" % kind)
        cfg = m.Configuration(host=base)
        cfg.api_key = {"user": user, "token": token}
        client = m.ApiClient(cfg)
        self.slurm = m.SlurmApi(client)
        self.slurmdb = m.SlurmdbApi(client)

    def ctld(self, op: str, *args, **kw):
        return self._fn(self.slurm, "slurm", op)(*args, **kw)

    def dbd(self, op: str, *args, **kw):
        return self._fn(self.slurmdb, "slurmdb", op)(*args, **kw)


def plain(v):
    """A model attribute as JSON-able data (enums by value, models as dicts)."""
    if hasattr(v, "to_dict"):
        return v.to_dict()
    if isinstance(v, list):
        return [plain(x) for x in v]
    if hasattr(v, "value"):
        return v.value
    return v


def num(v):
    v = plain(v)
    if isinstance(v, dict):
        return v.get("number") if v.get("set", True) else None
    return v


def states(v) -> list:
    return sorted(str(plain(s)) for s in (v or []))


def run(kind: str, base: str, version: str, user: str, token: str, name: str) -> dict:
    c = Client(kind, base, version, user, token)
    out: dict = {}
    job_id = None

    def step(label, fn):
        try:
            out[label] = fn()
        except Exception as exc:  # what the client raised is the finding
            line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            out[label] = {"error": "%s: %s" % (type(exc).__name__, line[:300])}

    def ping():
        r = c.ctld("get_ping")
        return {"pings": [{"hostname": p.hostname, "responding": p.responding, "primary": p.primary,
                           "mode": p.mode} for p in r.pings], "errors": len(r.errors or [])}

    def submit():
        nonlocal job_id
        desc = c.model("JobDescMsg")(script="#!/bin/bash\nsrun uptime", environment=ENV,
                                     current_working_directory="/tmp", name=name, hold=True)
        r = c.ctld("post_job_submit", c.model("JobSubmitReq")(job=desc))
        job_id = r.job_id
        return {"job_id": bool(job_id), "errors": len(r.errors or [])}

    def get_job(label):
        r = c.ctld("get_job", str(job_id))
        j = r.jobs[0]
        return {"n": len(r.jobs), "name": j.name, "state": states(j.job_state), "user": j.user_name,
                "partition": j.partition, "priority": num(j.priority), "label": label}

    def update():
        r = c.ctld("post_job", str(job_id), c.model("JobDescMsg")(name=name + "_renamed"))
        return {"errors": len(r.errors or []), "results": len(r.results or [])}

    def cancel():
        r = c.ctld("delete_job", str(job_id))
        return {"errors": len(r.errors or [])}

    def nodes():
        r = c.ctld("get_nodes")
        # (the state changes with other users' jobs between two runs: not compared)
        return sorted((n.name, n.cpus, n.real_memory, bool(n.state)) for n in r.nodes)

    def partitions():
        r = c.ctld("get_partitions")
        return sorted(p.name for p in r.partitions)

    def accounts():
        r = c.dbd("get_accounts")
        return sorted(a.name for a in r.accounts)

    def users():
        r = c.dbd("get_users")
        return sorted(u.name for u in r.users)

    def dbd_jobs():
        r = c.dbd("get_jobs", users=user)
        return {"any": bool(r.jobs), "fields": sorted({k for j in r.jobs[:50] for k in j.to_dict()})[:400]}

    step("ping", ping)
    step("submit", submit)
    if job_id:
        step("get_job", lambda: get_job("held"))
        step("update", update)
        step("get_renamed", lambda: get_job("renamed"))
        step("cancel", cancel)
        step("get_cancelled", lambda: get_job("cancelled"))
    step("nodes", nodes)
    step("partitions", partitions)
    step("slurmdb_accounts", accounts)
    step("slurmdb_users", users)
    step("slurmdb_jobs", dbd_jobs)
    out["_job_id"] = job_id
    return out


if __name__ == "__main__":
    try:
        print(json.dumps(run(*sys.argv[1:7]), default=str, sort_keys=True))
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(2)
