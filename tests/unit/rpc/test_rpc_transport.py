"""Transport and client behaviour against local fake servers (no Slurm needed)."""

import socket
import struct
import threading
import time

import pytest
from socket_frames import read_frame

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
from slurmrestd.rpc.conf import ControllerHost, SlurmConfig
from slurmrestd.rpc.cred import JwtCredential
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer
from slurmrestd.rpc.protocol import (SLURM_NO_AUTH_CRED, V24_11, V26_05, decode_message, encode_request,
                                     pack_header)
from slurmrestd.rpc.ctld.transport import Transport, endpoints, pick_port

CRED = JwtCredential("tok", "alice")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def conf(*ports, timeout=2):
    hosts = tuple(ControllerHost("c%d" % i, "127.0.0.1") for i in range(len(ports)))
    return SlurmConfig(path="test", controllers=hosts, slurmctld_port=ports[0], message_timeout=timeout,
                       tcp_timeout=1)


def reply_frame(msg_type, body, version=V26_05):
    p = Packer()
    pack_header(p, version, SLURM_NO_AUTH_CRED | 0x04, msg_type, len(body))
    payload = p.getvalue() + body
    return struct.pack(">I", len(payload)) + payload


def rc_frame(rc, version=V26_05):
    return reply_frame(MsgType.RESPONSE_SLURM_RC, Packer().u32(rc).getvalue(), version)


def read_request(conn):
    conn.settimeout(5)
    return read_frame(conn)


class FakeServer:
    """Accepts connections; ``handler(conn, request_payload)`` answers each one."""

    def __init__(self, handler, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.requests = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                req = read_request(conn)
                if req is None:
                    continue
                self.requests.append(req)
                try:
                    self.handler(conn, req)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def server():
    made = []

    def make(handler, port=0):
        s = FakeServer(handler, port)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def test_refused_port_maps_to_connection_error():
    t = Transport(conf(free_port()), retry_window=0)
    t0 = time.monotonic()
    with pytest.raises(SlurmError) as ei:
        t.send_recv(b"\x00\x00\x00\x00")
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR
    assert time.monotonic() - t0 < 2


def test_refused_port_retries_like_libslurm():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    t = Transport(conf(free_port()), retry_window=3, sleep=sleep, clock=lambda: now[0])
    with pytest.raises(SlurmError) as ei:
        t.send_recv(b"")
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR
    assert slept == [1, 1, 1]  # attempts at t=0,1,2,3 as _open_controller does for MessageTimeout=3


def test_no_controllers():
    with pytest.raises(SlurmError) as ei:
        Transport(SlurmConfig(path="x")).send_recv(b"")
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR


def test_server_never_answers_times_out(server):
    s = server(lambda conn, req: time.sleep(1.5))
    t = Transport(conf(s.port), io_timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(SlurmError) as ei:
        t.send_recv(encode_request(1008, b"", CRED))
    assert ei.value.errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    assert time.monotonic() - t0 < 1.2


def test_server_closes_mid_reply(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)[:10]))
    with pytest.raises(SlurmError) as ei:
        Transport(conf(s.port)).send_recv(encode_request(1008, b"", CRED))
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


def test_server_closes_without_reply(server):
    s = server(lambda conn, req: None)
    with pytest.raises(SlurmError) as ei:
        Transport(conf(s.port)).send_recv(encode_request(1008, b"", CRED))
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


def test_oversized_reply_refused(server):
    s = server(lambda conn, req: conn.sendall(struct.pack(">I", 5000) + b"x" * 10))
    with pytest.raises(SlurmError) as ei:
        Transport(conf(s.port), max_reply=4096).send_recv(encode_request(1008, b"", CRED))
    assert ei.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH


def test_round_trip_and_nodelay(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    payload, ep = Transport(conf(s.port)).send_recv(encode_request(1008, b"", CRED))
    assert decode_message(payload).msg_type == MsgType.RESPONSE_SLURM_RC
    assert ep.index == 0 and ep.port == s.port
    req = decode_message(s.requests[0])
    assert req.msg_type == 1008 and req.auth == ("tok", "alice")


def test_failover_to_backup(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    c = SlurmConfig(path="t", controllers=(ControllerHost("p", "127.0.0.2"), ControllerHost("b", "127.0.0.1")),
                    slurmctld_port=s.port, tcp_timeout=1)
    # 127.0.0.2 refuses on that port (nothing listens there)
    _, ep = Transport(c, retry_window=0).send_recv(encode_request(1008, b"", CRED))
    assert ep.name == "b"


def test_port_range_choice():
    assert pick_port(6817, 1) == 6817
    assert pick_port(6817, 4, now=10, pid=3) == 6817 + 13 % 4
    c = SlurmConfig(path="t", controllers=(ControllerHost("a", "x"),), slurmctld_addr="vip")
    assert [e.host for e in endpoints(c)] == ["vip"]


# -- client behaviour ------------------------------------------------------------------------


def test_call_raises_on_rc(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(E.ESLURM_ACCESS_DENIED)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    with pytest.raises(SlurmError) as ei:
        client.reconfigure()
    assert ei.value.errno == E.ESLURM_ACCESS_DENIED


def test_rc_msg_text_is_kept(server):
    body = Packer().u32(E.ESLURM_ACCESS_DENIED).str("go away").getvalue()
    s = server(lambda conn, req: conn.sendall(reply_frame(MsgType.RESPONSE_SLURM_RC_MSG, body)))
    with pytest.raises(SlurmError) as ei:
        SlurmctldClient(conf(s.port), CRED, version=V26_05).reconfigure()
    assert ei.value.description == "go away"


def test_backoff_is_retried(server):
    answers = [rc_frame(E.SLURMCTLD_COMMUNICATIONS_BACKOFF), rc_frame(E.SLURMCTLD_COMMUNICATIONS_BACKOFF),
               rc_frame(0)]
    s = server(lambda conn, req: conn.sendall(answers.pop(0)))
    slept = []
    SlurmctldClient(conf(s.port), CRED, version=V26_05, sleep=slept.append).reconfigure()
    assert slept == [1, 2] and len(s.requests) == 3


def test_standby_moves_to_next_controller(server):
    # two SlurmctldHost entries served by one fake: the first answer is "standby"
    answers = [rc_frame(E.ESLURM_IN_STANDBY_MODE), rc_frame(0)]
    b = server(lambda conn, req: conn.sendall(answers.pop(0)))
    c = SlurmConfig(path="t", controllers=(ControllerHost("p", "127.0.0.1"), ControllerHost("b", "127.0.0.1")),
                    slurmctld_port=b.port)
    SlurmctldClient(c, CRED, version=V26_05).reconfigure()
    assert len(b.requests) == 2


def test_unexpected_reply_type(server):
    s = server(lambda conn, req: conn.sendall(reply_frame(MsgType.RESPONSE_LICENSE_INFO, b"")))
    with pytest.raises(SlurmError) as ei:
        SlurmctldClient(conf(s.port), CRED, version=V26_05).get_statistics()
    assert ei.value.errno == E.SLURM_UNEXPECTED_MSG_ERROR


def test_version_probe_and_cache(server):
    def handler(conn, req):
        (version,) = struct.unpack(">H", req[:2])
        if version != V24_11:
            if version == V26_05:
                conn.sendall(b"HTTP/1.1 405 NOT ALLOWED\r\n\r\n")  # what a 26.05 listener does
            return  # older releases just close
        conn.sendall(rc_frame(0, V24_11))

    s = server(handler)
    cache = VersionCache()
    client = SlurmctldClient(conf(s.port), CRED, version_cache=cache)
    assert client.protocol_version() == V24_11
    assert cache.get("127.0.0.1", s.port) == V24_11
    n = len(s.requests)
    assert SlurmctldClient(conf(s.port), CRED, version_cache=cache).protocol_version() == V24_11
    assert len(s.requests) == n  # cached: no new probe
    client.reconfigure()
    assert struct.unpack(">H", s.requests[-1][:2])[0] == V24_11


def test_version_probe_gives_up(server):
    s = server(lambda conn, req: None)
    with pytest.raises(SlurmError) as ei:
        SlurmctldClient(conf(s.port), CRED).protocol_version()
    assert ei.value.errno == E.SLURM_PROTOCOL_VERSION_ERROR


def test_ping_reports_each_controller(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    c = SlurmConfig(path="t", controllers=(ControllerHost("p", "127.0.0.1"), ControllerHost("b", "127.0.0.2")),
                    slurmctld_port=s.port, tcp_timeout=1)
    pings = SlurmctldClient(c, CRED, version=V26_05).ping()
    assert [p["hostname"] for p in pings] == ["p", "b"]
    assert pings[0]["pinged"] and pings[0]["rc"] == 0 and pings[0]["mode"] == "primary"
    assert not pings[1]["pinged"] and pings[1]["rc"] == E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR
    assert pings[1]["mode"] == "backup" and pings[1]["offset"] == 1
    assert all(isinstance(p["latency"], int) for p in pings)


def test_reroute_is_refused(server):
    s = server(lambda conn, req: conn.sendall(reply_frame(MsgType.RESPONSE_SLURM_REROUTE_MSG, b"\x00")))
    with pytest.raises(SlurmError) as ei:
        SlurmctldClient(conf(s.port), CRED, version=V26_05).get_statistics()
    assert ei.value.errno == E.ESLURM_NOT_SUPPORTED


def _license_reply(version, total, in_use, deficit):
    p = Packer().u32(1).time(100)
    p.str("lic").u32(total).u32(in_use).u32(0).u8(0).u32(0).u32(deficit).time(5)
    if version >= 0x2B00:
        p.u8(1).str("n1")
    return reply_frame(MsgType.RESPONSE_LICENSE_INFO, p.getvalue(), version)


@pytest.mark.parametrize("version,total,in_use,deficit,avail", [
    (V26_05, 10, 3, 2, 5),
    (V26_05, 4, 3, 2, 0),
    (V26_05, 0xFFFFFFFF, 3, 0, 0xFFFFFFFF),
    (V24_11, 10, 3, 0, 7),
])
def test_license_available(server, version, total, in_use, deficit, avail):
    s = server(lambda conn, req: conn.sendall(_license_reply(version, total, in_use, deficit)))
    lic = SlurmctldClient(conf(s.port), CRED, version=version).load_licenses()
    item = lic["lic_array"][0]
    assert lic["num_lic"] == 1 and lic["last_update"] == 100
    assert item["available"] == avail and item["name"] == "lic"
    assert (item["mode"], item["nodes"]) == ((1, "n1") if version >= 0x2B00 else (0, None))
    req = decode_message(s.requests[0])
    assert req.msg_type == MsgType.REQUEST_LICENSE_INFO and req.body.rest() == b"\x00" * 10


def test_reset_statistics_sends_reset(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    SlurmctldClient(conf(s.port), CRED, version=V26_05).reset_statistics()
    req = decode_message(s.requests[0])
    assert req.msg_type == MsgType.REQUEST_STATS_INFO and req.body.rest() == b"\x00\x00"


def test_trailing_bytes_are_an_error(server):
    s = server(lambda conn, req: conn.sendall(
        reply_frame(MsgType.RESPONSE_LICENSE_INFO, Packer().u32(0).time(1).u8(9).getvalue())))
    with pytest.raises(SlurmError) as ei:
        SlurmctldClient(conf(s.port), CRED, version=V26_05).load_licenses()
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


# -- SlurmctldClient.call: the one way an RPC is made ----------------------------------------


def _u32(u, version):
    return u.u32()


def test_call_decodes_the_expected_reply(server):
    s = server(lambda conn, req: conn.sendall(reply_frame(MsgType.RESPONSE_JOB_INFO, Packer().u32(5).getvalue())))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    assert client.call(MsgType.REQUEST_JOB_INFO, expect=MsgType.RESPONSE_JOB_INFO, decode=_u32) == 5


def test_call_accepts_rc_0_only_when_expected(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    either = (MsgType.RESPONSE_JOB_ARRAY_ERRORS, MsgType.RESPONSE_SLURM_RC)
    assert client.call(MsgType.REQUEST_UPDATE_JOB, expect=either, decode=_u32) is None
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO, expect=MsgType.RESPONSE_JOB_INFO, decode=_u32, source="f()")
    assert ei.value.errno == E.SLURM_UNEXPECTED_MSG_ERROR and ei.value.source == "f()"
    assert ei.value.description == "REQUEST_JOB_INFO answered with RESPONSE_SLURM_RC, expected RESPONSE_JOB_INFO"
    assert client.call(MsgType.REQUEST_COMPLETE_JOB_ALLOCATION).rc == 0  # expect=None: any reply


def test_call_rc_error_names_the_source(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(E.ESLURM_INVALID_JOB_ID)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO, expect=MsgType.RESPONSE_JOB_INFO, decode=_u32, source="f()")
    assert (ei.value.errno, ei.value.source) == (E.ESLURM_INVALID_JOB_ID, "f()")
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO)
    assert ei.value.source == "REQUEST_JOB_INFO"


def test_call_left_over_bytes_are_a_receive_error(server):
    body = Packer().u32(5).u8(1).getvalue()
    s = server(lambda conn, req: conn.sendall(reply_frame(MsgType.RESPONSE_JOB_INFO, body)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO, expect=MsgType.RESPONSE_JOB_INFO, decode=_u32)
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR
    assert ei.value.description == "malformed RESPONSE_JOB_INFO (protocol 26.05): 1 unexpected bytes at the end"
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO, expect=MsgType.RESPONSE_JOB_INFO,
                    decode=lambda u, v: (u.u32(), u.u64()))
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


def test_call_transport_error_gets_the_source_only_when_given():
    client = SlurmctldClient(conf(free_port()), CRED, version=V26_05, transport=Transport(conf(free_port()),
                                                                                             retry_window=0))
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_JOB_INFO, source="slurm_load_jobs()")
    assert (ei.value.errno, ei.value.source) == (E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR, "slurm_load_jobs()")
    with pytest.raises(SlurmError) as ei:
        client.reconfigure()
    assert not ei.value.source


# -- requests begun early (SlurmctldClient.begin, Transport.start/finish) ---------------------

def _by_type(conn, req):
    msg = decode_message(req)
    conn.sendall(rc_frame(msg.msg_type - 2000))  # each request answered with its own number


def test_begun_requests_are_in_flight_before_any_reply_is_read(server):
    s = server(_by_type)
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    a = client.begin(MsgType.REQUEST_NODE_INFO, b"a")
    b = client.begin(MsgType.REQUEST_PARTITION_INFO, b"b")
    deadline = time.monotonic() + 5
    while len(s.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [decode_message(r).msg_type for r in s.requests] == [2007, 2009]  # both out, nothing read yet
    assert client.send(MsgType.REQUEST_NODE_INFO, b"a", pending=a).rc == 7
    assert client.send(MsgType.REQUEST_PARTITION_INFO, b"b", pending=b).rc == 9
    assert len(s.requests) == 2  # not sent again
    assert a.started.sock.fileno() == -1 and b.started.sock.fileno() == -1


def test_begin_without_a_known_version_leaves_the_request_to_call(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    client = SlurmctldClient(conf(s.port), CRED, version_cache=VersionCache())
    p = client.begin(MsgType.REQUEST_PING)
    assert p.version is None and not s.requests
    assert client.send(MsgType.REQUEST_PING, pending=p).rc == 0 and len(s.requests) == 1


def test_a_failed_begin_is_raised_by_call():
    c = conf(free_port())
    client = SlurmctldClient(c, CRED, version=V26_05, transport=Transport(c, retry_window=0))
    p = client.begin(MsgType.REQUEST_NODE_INFO, b"x")  # nothing listens: no exception yet
    with pytest.raises(SlurmError) as ei:
        client.call(MsgType.REQUEST_NODE_INFO, b"x", pending=p, source="slurm_load_node()")
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR
    assert ei.value.source == "slurm_load_node()"


def test_a_dropped_request_is_closed_unread(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    p = client.begin(MsgType.REQUEST_PARTITION_INFO, b"")
    client.drop(p)
    assert p.used and p.started.sock.fileno() == -1
    client.drop(p)  # twice: nothing more
    client.drop(None)


def test_pending_of_another_request_is_refused(server):
    s = server(lambda conn, req: conn.sendall(rc_frame(0)))
    client = SlurmctldClient(conf(s.port), CRED, version=V26_05)
    p = client.begin(MsgType.REQUEST_NODE_INFO, b"x")
    with pytest.raises(ValueError):
        client.send(MsgType.REQUEST_NODE_INFO, b"y", pending=p)
    assert p.used and p.started.sock.fileno() == -1  # closed all the same
