"""POST slurmdb qos/ with a preemption list that names a QOS slurmdbd does not have: the
data parser refuses it (2066 "Unable to resolve QOS: <name>" at the list's path) before
anything reaches slurmdbd, as the reference does, at every version on both clusters.

QOS are named ``qospre<pid>...``; any that got through are removed at the end.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from test_dbd_basic import by_design, diff

pytestmark = pytest.mark.cluster

ALL_VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")
PREFIX = "qospre%d" % os.getpid()


def cases(p):
    """(step, body): unknown name alone, after a known one, two unknown (the first ends
    the list), an unknown id, and in the
    second QOS of a list whose first QOS is new (nothing of it may remain)."""
    return [
        ("unknown name", {"qos": [{"name": p + "a", "preempt": {"list": [p + "nosuch"]}}]}),
        ("known then unknown", {"qos": [{"name": p + "a", "preempt": {"list": ["normal", p + "nosuch", "normal"]}}]}),
        ("two unknown", {"qos": [{"name": p + "a", "preempt": {"list": [p + "x1", p + "x2"]}}]}),
        ("unknown id", {"qos": [{"name": p + "a", "preempt": {"list": [987654]}}]}),
        ("second item", {"qos": [{"name": p + "b"}, {"name": p + "a", "preempt": {"list": [p + "nosuch"]}}]}),
    ]


def sacctmgr_qos(env, p):
    r = subprocess.run(["chroot", env["CHROOT"], "sacctmgr", "-n", "-P", "show", "qos", "format=name"],
                       capture_output=True, text=True, timeout=120)
    return sorted(n for n in r.stdout.split() if n.startswith(p))


def remove(env, p):
    for n in sacctmgr_qos(env, p):
        subprocess.run(["chroot", env["CHROOT"], "sacctmgr", "-i", "delete", "qos", "where", "name=" + n],
                       capture_output=True, timeout=120)


def run(base, version, tok, env, p):
    out = []
    for step, body in cases(p):
        st, doc = call(base, "POST", "/slurmdb/%s/qos/" % version, tok, user="root", body=body)
        out.append((step, st, doc))
        assert sacctmgr_qos(env, p) == [], (step, "written to slurmdbd")
    return out


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_unknown_preempt_qos_as_the_reference(cluster, ours, version):
    suite, env = cluster
    tok = token(suite, "root")
    p = "%s%s" % (PREFIX, version[-2:])
    try:
        mine = run("http://%s:%d" % ours.inet, version, tok, env, p)
        for step, st, doc in mine:
            assert st == 422, (step, st, doc)
            assert [e["error_number"] for e in doc["errors"]] == [2066], (step, doc)
        if version not in REF_VERSIONS[suite]:
            return
        ref = run(env["REF_URL"], version, tok, env, p)
    finally:
        remove(env, p)
    bad = {}
    for (step, st_a, a), (_, st_b, b) in zip(mine, ref):
        st_b, b = by_design(suite, st_a, st_b, a, b)
        if st_a != st_b:
            bad[step] = ("status", st_a, st_b, a.get("errors"), b.get("errors"))
            continue
        d = diff(a, b, {"meta"})
        if d:
            bad[step] = d
    assert bad == {}
