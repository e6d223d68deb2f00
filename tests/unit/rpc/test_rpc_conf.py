"""slurm.conf reading: location, Include, continuation, comments, hosts, ports, errors."""

import os

import pytest

from slurmrestd.rpc.conf import (ControllerHost, SlurmConfigError, find_slurm_conf, load_slurm_conf,
                                 logical_lines, split_pairs)


def write(path, text):
    path.write_text(text)
    return str(path)


def test_basic(tmp_path):
    p = write(tmp_path / "slurm.conf", """
# comment
ClusterName=forky   # trailing comment
slurmctldhost=ctl1(10.0.0.1)
SlurmctldHost=ctl2
SLURMCTLDPORT=17817
AuthType=auth/munge
AuthAltTypes=auth/jwt,auth/slurm
AuthAltParameters=jwt_key=/etc/slurm/jwt.key
AuthInfo=socket=/run/munge/m.sock,ttl=60
MessageTimeout=20
TCPTimeout=3
SlurmUser=slurm
AccountingStorageHost=dbd AccountingStoragePort=16819
AccountingStorageType=accounting_storage/slurmdbd
NodeName=n1 Port=1 MessageTimeout=99 CPUs=2
PartitionName=debug Nodes=n1 Default=YES
""")
    c = load_slurm_conf(p)
    assert c.path == p and c.cluster_name == "forky"
    assert c.controllers == (ControllerHost("ctl1", "10.0.0.1"), ControllerHost("ctl2", "ctl2"))
    assert (c.slurmctld_port, c.slurmctld_port_count) == (17817, 1)
    assert c.auth_type == "auth/munge" and c.auth_alt_types == ("auth/jwt", "auth/slurm")
    assert c.auth_alt_parameters == "jwt_key=/etc/slurm/jwt.key"
    assert c.munge_socket == "/run/munge/m.sock" and c.auth_info_options["ttl"] == "60"
    assert c.message_timeout == 20 and c.tcp_timeout == 3 and c.slurm_user == "slurm"
    assert (c.accounting_storage_host, c.accounting_storage_port) == ("dbd", 16819)
    assert c.accounting_storage_type == "accounting_storage/slurmdbd"
    assert c.get("CLUSTERNAME") == "forky"


def test_defaults(tmp_path):
    c = load_slurm_conf(write(tmp_path / "s.conf", "SlurmctldHost=a\n"))
    assert c.message_timeout == 10 and c.tcp_timeout == 2 and c.slurmctld_port == 6817
    assert c.accounting_storage_port == 6819 and c.auth_type == "auth/munge" and c.slurm_user == "root"
    assert c.slurmctld_addr is None and c.cluster_name is None


def test_port_range_and_addr(tmp_path):
    c = load_slurm_conf(write(tmp_path / "s.conf", "SlurmctldHost=a\nSlurmctldPort=6817-6820\nSlurmctldAddr=vip\n"))
    assert (c.slurmctld_port, c.slurmctld_port_count, c.slurmctld_addr) == (6817, 4, "vip")
    for bad in ("6820-6817", "x", "0", "6817-99999"):
        with pytest.raises(SlurmConfigError):
            load_slurm_conf(write(tmp_path / "b.conf", "SlurmctldPort=%s\n" % bad))


def test_continuation_and_escapes(tmp_path):
    text = "ClusterName=a\\\nb\nSlurmctldHost=x # c\nSchedulerParameters=foo\\#bar\n"
    c = load_slurm_conf(write(tmp_path / "s.conf", text))
    assert c.cluster_name == "ab"
    assert c.get("SchedulerParameters") == "foo#bar"
    assert logical_lines("A=1 \\\n B=2\n") == ["A=1  B=2"]


def test_split_pairs_quotes():
    assert split_pairs('A=1 B="x y" c=') == [("A", "1"), ("B", "x y"), ("c", "")]


def test_last_value_wins(tmp_path):
    c = load_slurm_conf(write(tmp_path / "s.conf", "MessageTimeout=5\nMessageTimeout=7\n"))
    assert c.message_timeout == 7


def test_include_relative_and_cluster_name(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "ctl.conf", "SlurmctldHost=b1(1.2.3.4)\nSlurmctldPort=1234\n")
    write(tmp_path / "forky.conf", "TCPTimeout=9\n")
    write(tmp_path / "sub" / "abs.conf", "MessageTimeout=33\n")
    p = write(tmp_path / "slurm.conf",
              "ClusterName=Forky\nSlurmctldHost=a\ninclude ctl.conf\nInclude %%c.conf\nINCLUDE %s\n"
              "Include *.conf\n" % (tmp_path / "sub" / "abs.conf"))
    c = load_slurm_conf(p)
    assert [h.name for h in c.controllers] == ["a", "b1"]
    assert c.slurmctld_port == 1234 and c.tcp_timeout == 9 and c.message_timeout == 33


def test_include_missing(tmp_path):
    p = write(tmp_path / "slurm.conf", "Include nope.conf\n")
    with pytest.raises(SlurmConfigError) as ei:
        load_slurm_conf(p)
    assert ei.value.path.endswith("nope.conf") and "not found" in ei.value.reason


def test_include_loop(tmp_path):
    p = write(tmp_path / "slurm.conf", "Include slurm.conf\n")
    with pytest.raises(SlurmConfigError):
        load_slurm_conf(p)


def test_missing_and_unreadable(tmp_path):
    with pytest.raises(SlurmConfigError) as ei:
        load_slurm_conf(str(tmp_path / "none.conf"))
    assert "none.conf" in str(ei.value) and ei.value.reason == "file not found"
    with pytest.raises(SlurmConfigError) as ei:
        load_slurm_conf(str(tmp_path))
    assert ei.value.reason == "is a directory"
    if os.geteuid() != 0:
        p = write(tmp_path / "x.conf", "A=1\n")
        os.chmod(p, 0)
        with pytest.raises(SlurmConfigError):
            load_slurm_conf(p)


def test_bad_values(tmp_path):
    with pytest.raises(SlurmConfigError):
        load_slurm_conf(write(tmp_path / "s.conf", "MessageTimeout=ten\n"))
    with pytest.raises(SlurmConfigError):
        load_slurm_conf(write(tmp_path / "s.conf", "SlurmctldHost=a(b\n"))
    with pytest.raises(SlurmConfigError):
        load_slurm_conf(write(tmp_path / "s.conf", "SlurmctldHost=a\nSlurmctldHost=a\n"))


def test_location_order(tmp_path, monkeypatch):
    monkeypatch.delenv("SLURM_CONF", raising=False)
    assert find_slurm_conf() == "/etc/slurm/slurm.conf"
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "env.conf"))
    assert find_slurm_conf() == str(tmp_path / "env.conf")
    assert find_slurm_conf("/explicit") == "/explicit"
    write(tmp_path / "env.conf", "ClusterName=fromenv\n")
    assert load_slurm_conf().cluster_name == "fromenv"
