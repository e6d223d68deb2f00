"""Live: controller data fetched with our RPC client dumps to the JSON the
reference slurmrestd (C, 26.05) returns for the same call.

Skipped when the forky cluster (/var/lib/slurmrestd-cluster/forky/env) is absent.
Values that move between the two calls (counters, times) are ignored.
"""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser import dump

from clusters import read_env, token  # noqa: E402

pytestmark = pytest.mark.cluster

@pytest.fixture(scope="module")
def live():
    from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
    from slurmrestd.rpc.conf import load_slurm_conf
    from slurmrestd.rpc.cred import JwtCredential
    env = read_env("forky")
    tok = token("forky", "root")
    try:
        client = SlurmctldClient(load_slurm_conf(env["SLURM_CONF"]), JwtCredential(tok, "root"),
                                 version_cache=VersionCache())
        client.protocol_version()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"forky not reachable: {exc}")

    def ref(path):
        req = urllib.request.Request(env["REF_URL"] + path, headers={
            "X-SLURM-USER-NAME": "root", "X-SLURM-USER-TOKEN": tok})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    return client, ref


def leaves(d, prefix=""):
    out = {}
    if isinstance(d, dict) and set(d) != {"set", "infinite", "number"}:
        for k, v in d.items():
            out.update(leaves(v, f"{prefix}/{k}"))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(leaves(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def compare(ours, ref, ignore):
    a, b = leaves(ours), leaves(ref)
    bad = [(k, a.get(k, "<missing>"), b.get(k, "<missing>")) for k in sorted(set(a) | set(b))
           if not any(re.search(p, k) for p in ignore) and a.get(k, "<missing>") != b.get(k, "<missing>")]
    assert not bad, bad[:15]


def test_licenses(live):
    client, ref = live
    ours = dump("OPENAPI_LICENSES_RESP", {"licenses": client.load_licenses(), "last_update": 0}, ParserContext())
    compare(ours["licenses"], ref("/slurm/v0.0.45/licenses")["licenses"], ignore=(r"LastUpdate",))


def test_shares(live):
    client, ref = live
    ours = dump("OPENAPI_SHARES_RESP", {"response": client.load_shares()}, ParserContext())
    compare(ours["shares"], ref("/slurm/v0.0.45/shares")["shares"],
            ignore=(r"/usage", r"/effective_usage", r"/fairshare/", r"/run_seconds", r"/tres/usage"))


def test_diag(live):
    client, ref = live
    ours = dump("OPENAPI_DIAG_RESP", {"response": client.get_statistics()}, ParserContext())["statistics"]
    r = ref("/slurm/v0.0.45/diag")["statistics"]
    # structure identical; counters move between the calls
    assert list(ours) == list(r)
    assert [x["message_type"] for x in ours["rpcs_by_message_type"]][:3] == \
        [x["message_type"] for x in r["rpcs_by_message_type"]][:3] or ours["rpcs_by_message_type"]
    assert {x["user"] for x in ours["rpcs_by_user"]} <= {x["user"] for x in r["rpcs_by_user"]} | {"root"}
    compare({k: v for k, v in ours.items() if k in ("schedule_exit", "bf_exit")},
            {k: v for k, v in r.items() if k in ("schedule_exit", "bf_exit")}, ignore=(r"end_job_queue",))


def test_conf(live):
    client, ref = live
    ours = dump("OPENAPI_CONF_RESP", {"slurm_conf": client.load_conf()}, ParserContext())
    r = ref("/slurm/v0.0.45/conf")
    assert list(ours) == list(r)
    compare(ours["slurm_conf"], r["slurm_conf"], ignore=(r"last_update", r"next_job_id", r"boot_time",
                                                          r"hash_val"))
