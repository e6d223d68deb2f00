"""DbdConnector/DbdConnection over a loopback socket that answers with scripted frames
(the init reply bytes are the ones captured from slurmdbd 26.05)."""

import socket
import struct
import threading

import pytest
from socket_frames import read_frame as _read_frame

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.rpc.cred import JwtCredential
from slurmrestd.rpc.dbd.connection import DbdConnector, dbd_endpoints
from slurmrestd.rpc.pack import Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05, decode_message

INIT_OK_2D00 = bytes.fromhex("0599000000000000000000002d00")


def persist_rc(rc, ret_info, comment=None):
    return Packer().u16(1433).str(comment).u16(0).u32(rc).u16(ret_info).getvalue()


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def read_frame(conn):
    try:
        return _read_frame(conn)
    except OSError:
        return None


class Server:
    """Accepts connections; ``script(conn_index, frame_index, payload)`` returns the reply
    payload, or None to close the socket."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = []   # per connection: list of payloads
        self.closed_by_client = []
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        i = 0
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c, i), daemon=True).start()
            i += 1

    def _serve(self, c, i):
        got = []
        self.received.append(got)
        j = 0
        while True:
            data = read_frame(c)
            if data is None:
                self.closed_by_client.append(i)
                c.close()
                return
            got.append(data)
            reply = self.script(i, j, data)
            j += 1
            if reply is None:
                c.close()
                return
            c.sendall(frame(reply))

    def conf(self, **kw):
        return SlurmConfig(path="test", cluster_name="peer", accounting_storage_host="127.0.0.1",
                           accounting_storage_port=self.port, **kw)

    def close(self):
        self.sock.close()


@pytest.fixture
def server_factory():
    made = []

    def make(script):
        s = Server(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def init_version(payload):
    msg = decode_message(payload, dbd=True)
    assert msg.header.dbd_msg_type == 6500 and msg.header.flags == 3
    return msg.body.u16(), msg


def test_init_then_requests_and_fini(server_factory):
    def script(i, j, data):
        if j == 0:
            v, msg = init_version(data)
            assert v == V26_05 and msg.auth_plugin_id == 102
            assert msg.auth == ("tok", "alice")
            b = msg.body
            assert (b.str(), b.u16(), b.u16()) == ("peer", 1, 0)
            return INIT_OK_2D00
        if data[:2] == b"\x05\x79":
            return persist_rc(0, 1401)
        return data[:2] + b"\0\0\0\0\0\0\0\0"  # an empty list reply of the same type
    srv = server_factory(script)
    conn = DbdConnector(srv.conf()).open(JwtCredential("tok", "alice"))
    assert conn.version == V26_05 and not conn.dirty
    r = conn.request(1486, b"x")
    assert r.msg_type == 1486 and r.rc is None and conn.dirty
    conn.fini(False)
    assert not conn.dirty and srv.received[0][2] == bytes.fromhex("057900000000")
    conn.close()


def test_version_fallback_and_cache(server_factory):
    def script(i, j, data):
        v, _ = init_version(data) if j == 0 else (None, None)
        if j == 0:
            if v != V24_11:
                return persist_rc(1005, 6500, "Failed to unpack SLURM_PERSIST_INIT message")
            return persist_rc(0, V24_11)
        return persist_rc(0, 1401)
    srv = server_factory(script)
    c = DbdConnector(srv.conf())
    conn = c.open(JwtCredential("tok"))
    assert conn.version == V24_11
    offered = [init_version(r[0])[0] for r in srv.received]
    assert offered == [V26_05, V25_11, V25_05, V24_11]
    assert len(srv.received) == 4            # every refused version on its own socket
    conn.close()
    conn = c.open(JwtCredential("tok"))      # the answer is remembered
    assert len(srv.received) == 5 and conn.version == V24_11
    conn.close()


def test_refused_init_closes_socket(server_factory):
    srv = server_factory(lambda i, j, d: persist_rc(E.SLURM_PROTOCOL_AUTHENTICATION_ERROR, 6500, "bad"))
    with pytest.raises(SlurmError) as e:
        DbdConnector(srv.conf()).open(JwtCredential("tok"))
    assert e.value.errno == E.SLURM_PROTOCOL_AUTHENTICATION_ERROR
    import time
    for _ in range(50):
        if srv.closed_by_client:
            break
        time.sleep(0.02)
    assert srv.closed_by_client == [0] and len(srv.received[0]) == 1  # nothing sent after the refusal


def test_nobody_listening():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    conf = SlurmConfig(path="t", accounting_storage_host="127.0.0.1", accounting_storage_port=port)
    with pytest.raises(SlurmError) as e:
        DbdConnector(conf, connect_timeout=1).open(JwtCredential("tok"))
    assert e.value.errno == E.ESLURM_DB_CONNECTION and e.value.http_status == 502


def test_backup_host_used(server_factory):
    srv = server_factory(lambda i, j, d: INIT_OK_2D00 if j == 0 else persist_rc(0, 1401))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    # primary on a dead port is not expressible (one port for both): use an unresolvable primary
    conf = SlurmConfig(path="t", accounting_storage_host="no-such-host.invalid",
                       accounting_storage_backup_host="127.0.0.1", accounting_storage_port=srv.port)
    assert [e.index for e in dbd_endpoints(conf)] == [0, 1]
    conn = DbdConnector(conf, connect_timeout=1).open(JwtCredential("tok"))
    assert conn.endpoint.host == "127.0.0.1" and conn.endpoint.index == 1
    conn.close()
    assert dead


def test_eof_marks_broken_and_access_denied_too(server_factory):
    def script(i, j, data):
        if j == 0:
            return INIT_OK_2D00
        if data[:2] == b"\x05\xd1":       # GET_STATS → denied (slurmdbd then closes)
            return persist_rc(E.ESLURM_ACCESS_DENIED, 1489, "Your user doesn't have privilege")
        return None                        # anything else: close without answer
    srv = server_factory(script)
    c = DbdConnector(srv.conf())
    conn = c.open(JwtCredential("tok"))
    r = conn.request(1489)
    assert r.rc.rc == E.ESLURM_ACCESS_DENIED and conn.broken and not conn.usable
    with pytest.raises(SlurmError):
        conn.request(1448)
    conn = c.open(JwtCredential("tok"))
    with pytest.raises(SlurmError) as e:
        conn.request(1448)
    assert e.value.errno == E.ESLURM_DB_CONNECTION and conn.broken


def test_timeout(server_factory):
    import time

    def script(i, j, data):
        if j == 0:
            return INIT_OK_2D00
        time.sleep(1.0)
        return persist_rc(0, 1)
    srv = server_factory(script)
    conn = DbdConnector(srv.conf(), io_timeout=0.2).open(JwtCredential("tok"))
    with pytest.raises(SlurmError) as e:
        conn.request(1448)
    assert e.value.errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT and conn.broken


def test_oversized_reply_refused(server_factory):
    def script(i, j, data):
        return INIT_OK_2D00 if j == 0 else b"\x05\x87" + b"\0" * 100
    srv = server_factory(script)
    conn = DbdConnector(srv.conf(), max_reply=50).open(JwtCredential("tok"))
    with pytest.raises(SlurmError) as e:
        conn.request(1415)
    assert e.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH and conn.broken
    assert Unpacker(INIT_OK_2D00).u16() == 1433
