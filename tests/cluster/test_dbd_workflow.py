"""slurmdb reads as a site uses them: what sacctmgr changes shows in the very next GET,
persistent connections are reused and bounded under concurrency, and a slurmdbd that
is down or restarts gives a clear error and then works again, while the rest of the
daemon keeps serving."""

import os
import re
import subprocess
import threading
import time

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from tcp_proxy import TcpProxy
from test_dbd_basic import diff

pytestmark = pytest.mark.cluster

PREFIX = "h10a_%d" % os.getpid()


def sacctmgr(env, *args):
    r = subprocess.run(["chroot", env["CHROOT"], "sacctmgr", "-i", *args], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def dbd_ports(pid: int, dbd_port: int) -> set[int]:
    """Local ports of the established connections process ``pid`` has to slurmdbd."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", "( dport = :%d )" % dbd_port],
                         capture_output=True, text=True, timeout=30).stdout
    ports = set()
    for line in out.splitlines():
        if "pid=%d," % pid in line:
            m = re.search(r"\S+:(\d+)\s+\S+:%d\b" % dbd_port, line)
            if m:
                ports.add(int(m.group(1)))
    return ports


@pytest.fixture(scope="module")
def root_token(cluster):
    return token(cluster[0], "root")


def conf_with(env, tmp_path, **keys):
    text = open(env["SLURM_CONF"]).read()
    for k, v in keys.items():
        text = re.sub(r"(?im)^%s=.*$" % k, "", text) + "\n%s=%s\n" % (k, v)
    path = tmp_path / "slurm.conf"
    path.write_text(text)
    return str(path)


def test_sacctmgr_changes_show_in_the_next_get(cluster, ours, root_token):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    acct, qos = PREFIX + "_acct", PREFIX + "_qos"

    def get(path, daemon=base):
        st, doc = call(daemon, "GET", "/slurmdb/%s/%s" % (version, path), root_token, user="root")
        assert st == 200, (path, doc)
        return doc

    # warm the pool with this caller's connection: it now holds a read snapshot
    assert get("account/%s" % acct)["accounts"] == []
    assert get("qos/%s" % qos)["qos"] == []
    ports = dbd_ports(ours.proc.pid, int(env["DBD_PORT"]))
    assert ports
    try:
        sacctmgr(env, "add", "account", acct, "Description=first", "Organization=h10a")
        doc = get("account/%s?with_assocs" % acct)
        assert [(a["name"], a["description"], a["organization"]) for a in doc["accounts"]] == \
            [(acct, "first", "h10a")]
        assert [a["account"] for a in doc["accounts"][0]["associations"]] == [acct]
        ref = get("account/%s?with_assocs" % acct, env["REF_URL"])
        assert diff(doc, ref) == {}

        sacctmgr(env, "modify", "account", "where", "name=" + acct, "set", "Description=second")
        assert [a["description"] for a in get("account/%s" % acct)["accounts"]] == ["second"]

        sacctmgr(env, "add", "user", "bob", "account=" + acct)
        doc = get("user/bob?with_assocs")
        assert acct in [a["account"] for a in doc["users"][0]["associations"]]
        assert diff(doc, get("user/bob?with_assocs", env["REF_URL"])) == {}

        sacctmgr(env, "add", "qos", qos, "Priority=7", "MaxWall=1:00:00")
        doc = get("qos/%s" % qos)
        assert [(q["name"], q["priority"]["number"]) for q in doc["qos"]] == [(qos, 7)]
        assert doc["qos"][0]["limits"]["max"]["wall_clock"]["per"]["job"] == \
            {"set": True, "infinite": False, "number": 60}
        assert diff(doc, get("qos/%s" % qos, env["REF_URL"])) == {}
        assert qos in [q["name"] for q in get("qos/")["qos"]]
    finally:
        for what, name in (("qos", qos), ("account", acct)):
            subprocess.run(["chroot", env["CHROOT"], "sacctmgr", "-i", "delete", what, "where", "name=" + name],
                           capture_output=True, timeout=120)
    doc = get("account/%s" % acct)
    assert doc["accounts"] == []
    assert doc["warnings"] == [{"description": "slurmdb_accounts_get() found nothing", "source": "_dump_accounts"}]
    deleted = get("account/%s?with_deleted" % acct)["accounts"]
    assert [a["flags"] for a in deleted] == [["DELETED"]] or deleted == []
    assert get("qos/%s" % qos)["qos"] == []
    # every one of those requests used the connection opened by the first
    assert dbd_ports(ours.proc.pid, int(env["DBD_PORT"])) == ports


def test_concurrent_clients_share_few_connections(cluster, root_token, alice_token):
    """16 clients at once: every answer right, and slurmdbd sees at most the configured
    number of persistent connections from us (the reference opens one per request)."""
    from daemon import Daemon, base_env

    suite, env = cluster
    limit = 3
    d = Daemon("-t", "8", "127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"],
                                                      SLURMRESTD_DBD_MAX_CONNECTIONS=str(limit)))
    try:
        base = "http://%s:%d" % d.inet
        version = REF_VERSIONS[suite][-1]
        path = "/slurmdb/%s/accounts/" % version
        st, expected = call(base, "GET", path, root_token, user="root")
        assert st == 200
        results, seen, done = [], set(), threading.Event()

        def client(i):
            tok, user = (root_token, "root") if i % 2 else (alice_token, "alice")
            for _ in range(15):
                results.append(call(base, "GET", path, tok, user=user))

        def watch():
            while not done.is_set():
                seen.update(dbd_ports(d.proc.pid, int(env["DBD_PORT"])))
                peak.append(len(dbd_ports(d.proc.pid, int(env["DBD_PORT"]))))
                time.sleep(0.02)

        peak: list[int] = []
        w = threading.Thread(target=watch)
        w.start()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        done.set()
        w.join(30)
        elapsed = time.monotonic() - t0
        assert len(results) == 16 * 15
        assert all(st == 200 for st, _ in results), [doc for st, doc in results if st != 200][:2]
        assert all(diff(doc, expected) == {} for _, doc in results)
        assert max(peak) <= limit, peak
        # connections were reused, not reopened per request
        assert len(seen) <= 2 * limit, (len(seen), elapsed)
        log = d.drain_log()
        assert "Traceback" not in log, log[-3000:]
    finally:
        d.stop()


def test_slurmdbd_down_is_a_clear_error(cluster, tmp_path, alice_token):
    """Nothing listening on AccountingStoragePort: every slurmdb path answers 502 with the
    reference's error; slurmctld paths and the daemon itself keep working."""
    from daemon import Daemon, base_env

    suite, env = cluster
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf_with(env, tmp_path, AccountingStoragePort=dead)))
    try:
        base = "http://%s:%d" % d.inet
        version = REF_VERSIONS[suite][-1]
        for ep in ("ping/", "tres/", "accounts/", "users/", "qos/normal", "config", "diag/"):
            st, doc = call(base, "GET", "/slurmdb/%s/%s" % (version, ep), alice_token)
            assert st == 502, (ep, doc)
            assert [(e["error_number"], e["source"], e["description"]) for e in doc["errors"]] == \
                [(7000, "openapi_get_db_conn", "Failed to open slurmdbd connection")]
            assert "Connection refused" in doc["warnings"][0]["description"]
        st, doc = call(base, "GET", "/slurm/%s/diag/" % version, alice_token)
        assert st == 200 and doc["errors"] == []
        st, _ = call(base, "GET", "/livez", alice_token)
        assert st == 204
        assert "Traceback" not in d.drain_log()
    finally:
        d.stop()


def test_slurmdbd_restart_and_outage(cluster, tmp_path, root_token):
    """Through a forwarder: cut every connection (a slurmdbd restart) → the next request
    reconnects by itself; stop listening (slurmdbd down) → 502; listening again → 200."""
    from daemon import Daemon, base_env

    suite, env = cluster
    proxy = TcpProxy(("127.0.0.1", int(env["DBD_PORT"])))
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf_with(env, tmp_path, AccountingStoragePort=proxy.port)))
    try:
        base = "http://%s:%d" % d.inet
        path = "/slurmdb/%s/tres/" % REF_VERSIONS[suite][-1]

        def get():
            return call(base, "GET", path, root_token, user="root")

        st, first = get()
        assert st == 200 and first["TRES"]
        opened = proxy.accepted      # 1, or more when older versions had to be offered (24.11)
        assert get()[0] == 200 and proxy.accepted == opened     # reused
        assert proxy.drop_all() == 1                              # "slurmdbd restarted"
        st, doc = get()
        assert st == 200 and doc["TRES"] == first["TRES"] and doc["errors"] == []
        assert proxy.accepted == opened + 1                       # the known version is offered first
        proxy.pause()
        proxy.drop_all()                                          # "slurmdbd is down"
        st, doc = get()
        assert st == 502 and doc["errors"][0]["error_number"] == 7000, doc
        st, doc = call(base, "GET", "/slurm/%s/ping/" % REF_VERSIONS[suite][-1], root_token, user="root")
        assert st == 200
        proxy.resume()                                            # "slurmdbd is back"
        st, doc = get()
        assert st == 200 and doc["TRES"] == first["TRES"]
        assert "Traceback" not in d.drain_log()
    finally:
        d.stop()
        proxy.close()


def test_local_auth_munge(cluster, tmp_path):
    """rest_auth/local over a unix socket: the munge credential (with its body hash) opens
    the slurmdbd connection."""
    import socket as _socket

    from daemon import Daemon, Reader, base_env

    suite, env = cluster
    path = str(tmp_path / "rest.sock")
    d = Daemon("-a", "rest_auth/local", "unix:" + path, env=base_env(SLURM_CONF=env["SLURM_CONF"]))
    try:
        version = REF_VERSIONS[suite][-1]
        for ep in ("tres/", "users/", "diag/"):
            s = _socket.socket(_socket.AF_UNIX)
            s.settimeout(30)
            s.connect(path)
            s.sendall(b"GET /slurmdb/%s/%s HTTP/1.1\r\nHost: x\r\n\r\n" % (version.encode(), ep.encode()))
            r = Reader(s).read()
            s.close()
            assert r.status == 200, r.body
            assert r.json()["errors"] == []
    finally:
        d.stop()
