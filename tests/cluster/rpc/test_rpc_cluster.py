"""Live tests against the local Slurm clusters (cluster/cluster.sh up).

forky = Slurm 26.05 (protocol 45), trixie = Slurm 24.11 (protocol 42).  Each test
is skipped when the cluster's env file is missing or its slurmctld is not listening.
"""


import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
from slurmrestd.rpc.conf import load_slurm_conf
from slurmrestd.rpc.cred import JwtCredential, munge_from_authinfo
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, V24_11, V26_05

from clusters import read_env, token  # noqa: E402

pytestmark = pytest.mark.cluster

SUITES = {"forky": V26_05, "trixie": V24_11}


@pytest.fixture(params=sorted(SUITES))
def suite(request):
    env = read_env(request.param)
    return request.param, env, load_slurm_conf(env["SLURM_CONF"])


@pytest.fixture(params=["jwt", "munge"])
def client(request, suite):
    name, env, conf = suite
    if request.param == "jwt":
        cred = JwtCredential(token(name), "alice")
    else:
        cred = munge_from_authinfo(conf.auth_info)
    return name, SlurmctldClient(conf, cred, version_cache=VersionCache())


def test_version_probe(client):
    name, c = client
    assert c.protocol_version() == SUITES[name]


def test_ping(client):
    name, c = client
    pings = c.ping()
    assert len(pings) == len(c.config.controllers) >= 1
    p = pings[0]
    assert p["pinged"] is True and p["rc"] == 0 and p["mode"] == "primary" and p["latency"] > 0
    assert p["hostname"] == c.config.controllers[0].name


def test_statistics(client):
    name, c = client
    s = c.get_statistics()
    assert s["req_time"] >= s["req_time_start"] > 0
    assert s["server_thread_count"] >= 1
    assert len(s["rpc_type_id"]) == len(s["rpc_type_cnt"]) == len(s["rpc_type_time"]) == s["rpc_type_size"]
    assert 1008 in s["rpc_type_id"] or 2035 in s["rpc_type_id"]
    assert len(s["rpc_user_id"]) == s["rpc_user_size"]


def test_licenses(client):
    name, c = client
    lic = c.load_licenses()
    assert lic["num_lic"] == len(lic["lic_array"]) and lic["last_update"] > 0
    for item in lic["lic_array"]:
        assert {"name", "total", "in_use", "available", "reserved", "remote", "mode", "nodes"} <= set(item)


def test_shares(client):
    name, c = client
    sh = c.load_shares()
    assert "cpu" in sh["tres_names"] and sh["tres_cnt"] == len(sh["tres_names"])
    assert sh["assoc_shares_list"] and sh["assoc_shares_list"][0]["name"] == "root"
    assert all(len(a["tres_run_secs"]) == sh["tres_cnt"] for a in sh["assoc_shares_list"])
    only = c.load_shares(users=["alice"])
    assert all(a["user"] == 0 or a["name"] == "alice" for a in only["assoc_shares_list"] or [])


def test_conf(client):
    name, c = client
    conf = c.load_conf()
    assert conf["cluster_name"] == name
    assert conf["slurmctld_port"] == c.config.slurmctld_port
    assert conf["control_cnt"] == len(conf["control_machine"]) >= 1
    assert conf["authtype"] == "auth/munge" and "auth/jwt" in (conf["authalttypes"] or "")
    assert conf["version"].startswith({"forky": "26.05", "trixie": "24.11"}[name])
    with pytest.raises(SlurmError) as ei:
        c.load_conf(last_update=conf["last_update"] + 1)
    assert ei.value.errno == E.SLURM_NO_CHANGE_IN_DATA


def test_reconfigure(client, request):
    name, c = client
    if isinstance(c.credential, JwtCredential):
        with pytest.raises(SlurmError) as ei:  # alice is not SlurmUser/root
            c.reconfigure()
        assert ei.value.errno in (E.ESLURM_USER_ID_MISSING, E.ESLURM_ACCESS_DENIED)
    else:
        c.reconfigure()  # we run as root: munge says uid 0


def test_every_version_on_newest_controller(suite):
    name, env, conf = suite
    cred = munge_from_authinfo(conf.auth_info)
    newest = SUITES[name]
    for v in SUPPORTED_VERSIONS:
        c = SlurmctldClient(conf, cred, version=v)
        if v > newest:
            with pytest.raises(SlurmError):
                c.get_statistics()
            continue
        assert c.get_statistics()["req_time"] > 0
        assert c.load_conf()["cluster_name"] == name
        assert c.load_shares()["tres_cnt"] > 0


def test_bad_jwt_is_auth_error(suite):
    name, env, conf = suite
    c = SlurmctldClient(conf, JwtCredential("not-a-token", "alice"), version=SUITES[name])
    with pytest.raises(SlurmError) as ei:
        c.get_statistics()
    assert ei.value.errno == E.SLURM_PROTOCOL_AUTHENTICATION_ERROR
