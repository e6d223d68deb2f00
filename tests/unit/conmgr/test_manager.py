"""The connection manager on loopback sockets: deadlines, admission, backpressure, closing."""

from __future__ import annotations

import selectors
import socket

from conmgr_harness import read_available, recv_exactly, recv_until_eof


def _conn_of(h, proto_index=-1):
    proto = h.protocols[proto_index]
    for conn in h.manager.connections.values():
        if conn.protocol is proto:
            return conn
    return None


# -- basics ---------------------------------------------------------------


def test_echo_over_tcp(make_harness):
    h = make_harness(unix=False)
    c = h.connect()
    h.until(lambda: h.protocols)
    c.sendall(b"echo hello\necho again\n")
    assert recv_exactly(c, 12, h) == b"hello\nagain\n"


def test_quit_sends_everything_then_closes(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"big 300000\nquit\n")
    data = recv_until_eof(c, h)
    assert data == b"x" * 300000 + b"bye\n"
    h.until(lambda: not h.manager.connections)
    assert h.protocols[0].events.count("lost") == 1


def test_worker_result_is_flushed_when_the_callback_returns(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    conn = _conn_of(h)
    assert conn.busy and not conn.is_idle()
    h.pool.release()
    h.turn()  # the follow-up runs and its output is sent in the same turn
    assert recv_exactly(c, 5) == b"done\n"
    assert not conn.busy and conn.is_idle()


# -- the seam: callbacks never re-enter the protocol ---------------------


def test_close_after_write_inside_data_received_closes_afterwards(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"quit\n")
    assert recv_until_eof(c, h) == b"bye\n"
    proto = h.protocols[0]
    assert proto.events == ["data", "lost"]
    assert not proto.reentered


def test_close_after_write_inside_a_worker_follow_up(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"work\nquit\n")
    h.until(lambda: h.pool.queued)
    h.pool.release()
    assert recv_until_eof(c, h) == b"done\nbye\n"
    proto = h.protocols[0]
    assert proto.events[-2:] == ["work_done", "lost"]
    assert not proto.reentered


def test_connection_methods_only_mark_dirty(make_harness):
    h = make_harness()
    c = h.connect()
    h.until(lambda: h.protocols)
    conn = _conn_of(h)
    conn.write(b"queued\n")
    conn.close_after_write()
    # Nothing was sent or closed yet: the manager does that when it flushes.
    assert bytes(conn.outbuf) == b"queued\n" and not conn.closed
    assert h.protocols[0].events == []
    h.turn()
    assert recv_until_eof(c, h) == b"queued\n"
    assert conn.closed and h.protocols[0].events == ["lost"]


def test_eof_closes_once(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"echo a\n")
    assert recv_exactly(c, 2, h) == b"a\n"
    c.shutdown(socket.SHUT_WR)
    assert recv_until_eof(c, h) == b""
    h.until(lambda: not h.manager.connections)
    assert h.protocols[0].events == ["data", "eof", "lost"]


def test_manager_close_twice_loses_once(make_harness):
    h = make_harness()
    h.connect()
    h.until(lambda: h.protocols)
    conn = _conn_of(h)
    h.manager.close(conn)
    h.manager.close(conn)
    conn.write(b"late")  # ignored on a closed connection
    h.turn()
    assert h.protocols[0].events == ["lost"]
    assert not conn.outbuf


def test_inet_failure_is_reported_by_the_connection(make_harness):
    h = make_harness()
    ours, theirs = socket.socketpair()
    try:
        conn = h.manager.add_inet(ours.fileno(), ours.fileno())
        assert h.manager.inet_conn is conn and not h.manager.inet_failed
        theirs.sendall(b"fail\n")
        h.until(lambda: conn.closed)
        assert conn.failed and h.manager.inet_failed
    finally:
        ours.close()
        theirs.close()


def test_inet_success_is_not_a_failure(make_harness):
    h = make_harness()
    ours, theirs = socket.socketpair()
    try:
        conn = h.manager.add_inet(ours.fileno(), ours.fileno())
        theirs.sendall(b"quit\n")
        h.until(lambda: conn.closed)
        assert theirs.recv(100) == b"bye\n"
        assert not h.manager.inet_failed
    finally:
        ours.close()
        theirs.close()


def test_inet_on_a_tcp_socket_knows_its_peer(make_harness):
    """inetd and systemd Accept=yes hand over a TCP client: its address names the connection
    and is what rate limits and PAM_RHOST see; a socketpair or a pipe has none."""
    from slurmrestd.auth.jwt import client_address, pam_rhost
    h = make_harness()
    srv = socket.create_server(("127.0.0.1", 0))
    theirs = socket.create_connection(srv.getsockname())
    ours, _ = srv.accept()
    pair_ours, pair_theirs = socket.socketpair()
    try:
        conn = h.manager.add_inet(ours.fileno(), ours.fileno())
        port = theirs.getsockname()[1]
        assert conn.name == "inet:127.0.0.1:%d" % port and conn.peer_address == "127.0.0.1"
        assert client_address(conn) == pam_rhost(conn) == "127.0.0.1"
        other = h.manager.add_inet(pair_ours.fileno(), pair_ours.fileno())
        assert other.name == "inet:stdin" and other.peer_address is None
        assert pam_rhost(other) == "localhost"  # an AF_UNIX socketpair: a local peer
    finally:
        for s in (ours, theirs, srv, pair_ours, pair_theirs):
            s.close()


def test_inet_work_runs_on_the_loop_thread_without_a_worker(make_harness, tmp_path):
    """Inet mode has one client and serves one request at a time: the loop thread runs the
    work itself (no worker thread to start, no hand-offs), after the protocol callback that
    submitted it returned.  ``slurmrestd < request > answer`` (regular files, which the
    selector refuses) is served to the end."""
    h = make_harness()
    (tmp_path / "in").write_bytes(b"work\nwork\nquit\n")
    with open(tmp_path / "in", "rb") as rf, open(tmp_path / "out", "wb") as wf:
        conn = h.manager.add_inet(rf.fileno(), wf.fileno())
        h.until(lambda: conn.closed)
        assert not h.pool.queued, "inet work went to the worker pool"
    assert (tmp_path / "out").read_bytes() == b"done\ndone\nbye\n"
    proto = h.protocols[0]
    assert proto.events.count("work_done") == 2 and not proto.reentered
    assert not h.manager._unpollable and not h.manager.inet_failed


# -- deadlines (fake clock, no sleeping) ---------------------------------


def test_idle_deadline(make_harness, limits):
    h = make_harness()
    c = h.connect()
    h.until(lambda: h.protocols)
    h.clock.advance(limits.idle_timeout_s - 1)
    h.turn()
    assert h.manager.connections, "closed before the idle deadline"
    h.clock.advance(2)
    h.turn()
    assert not h.manager.connections
    assert recv_until_eof(c, h) == b""
    assert h.protocols[0].events == ["lost"]


def test_activity_restarts_the_idle_deadline(make_harness, limits):
    h = make_harness()
    c = h.connect()
    h.until(lambda: h.protocols)
    h.clock.advance(limits.idle_timeout_s - 1)
    c.sendall(b"echo a\n")
    assert recv_exactly(c, 2, h) == b"a\n"
    h.clock.advance(limits.idle_timeout_s - 1)
    h.turn()
    assert h.manager.connections


def test_request_deadline(make_harness, limits):
    h = make_harness()
    c = h.connect()
    c.sendall(b"echo never finish")
    h.until(lambda: h.protocols and _conn_of(h).request_started is not None)
    h.clock.advance(limits.request_timeout_s - 1)
    h.turn()
    assert "timeout" not in h.protocols[0].events
    h.clock.advance(2)
    h.turn()
    assert recv_until_eof(c, h) == b"timeout\n"
    c.close()  # the manager lingers after a failure until the peer closes
    h.clients.remove(c)
    h.until(lambda: h.protocols[0].events[-1] == "lost")
    events = h.protocols[0].events
    assert events.count("timeout") == 1 and events[-1] == "lost"
    assert events.count("lost") == 1


def test_request_deadline_is_not_the_idle_deadline(make_harness, limits):
    """A request in progress is not idle: the (longer) idle deadline does not apply."""
    h = make_harness(idle_timeout_s=5.0, request_timeout_s=20.0)
    c = h.connect()
    c.sendall(b"echo slow")
    h.until(lambda: h.protocols and _conn_of(h).request_started is not None)
    h.clock.advance(10)
    h.turn()
    assert h.manager.connections
    c.sendall(b"ly\n")
    assert recv_exactly(c, 7, h) == b"slowly\n"


def test_write_deadline(make_harness, limits):
    h = make_harness()
    c = h.connect(rcvbuf=4096)
    c.sendall(b"big 4000000\n")
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).outbuf)
    h.turn(3)
    conn = _conn_of(h)
    assert conn.outbuf, "the peer took everything"
    h.clock.advance(limits.write_timeout_s - 1)
    h.turn()
    assert not conn.closed
    h.clock.advance(2)
    h.turn()
    assert conn.closed
    assert h.protocols[0].events == ["data", "lost"]


def test_write_progress_restarts_the_write_deadline(make_harness, limits):
    h = make_harness()
    c = h.connect(rcvbuf=4096)
    c.sendall(b"big 1000000\n")
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).outbuf)
    conn = _conn_of(h)
    h.clock.advance(limits.write_timeout_s - 1)
    got = len(read_available(c))  # the peer reads what is in the kernel; the loop sends more
    left = len(conn.outbuf)
    h.turn(3)
    assert len(conn.outbuf) < left, "nothing more was sent"
    h.clock.advance(limits.write_timeout_s - 1)
    h.turn()
    assert not conn.closed
    assert len(recv_exactly(c, 1000000 - got, h)) == 1000000 - got


# -- admission at --max-connections --------------------------------------


def test_half_sent_requests_take_no_slot(make_harness):
    """Connections still sending their request are waiting, not busy: the listener keeps
    accepting and an active client is served at once."""
    h = make_harness(max_connections=1)
    slow = [h.connect() for _ in range(20)]
    for c in slow:
        c.sendall(b"echo never finis")
    h.until(lambda: len(h.manager.connections) == 20)
    h.turn(3)
    counts = h.manager.load()
    assert counts["busy"] == 0 and counts["waiting"] == 20
    assert h.listening()
    a = h.connect()
    a.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    assert h.manager.load()["busy"] == 1
    h.pool.release()
    assert recv_exactly(a, 5, h) == b"done\n"


def test_a_complete_request_at_the_limit_is_queued(make_harness):
    h = make_harness(max_connections=1)
    a = h.connect()
    b = h.connect()
    h.until(lambda: len(h.protocols) == 2)
    a.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    b.sendall(b"work\n")
    h.turn(5)
    assert len(h.pool.queued) == 1, "a second request went to a worker past the limit"
    b_conn = _conn_of(h, 1)
    assert h.manager.load()["parked"] == 1
    assert not h.interest(b_conn) & selectors.EVENT_READ, "a queued connection keeps reading"
    assert h.listening(), "queued requests do not stop the listener"
    h.pool.release()
    assert recv_exactly(a, 5, h) == b"done\n"
    h.until(lambda: h.pool.queued)  # b got the slot a freed
    assert h.manager.load()["parked"] == 0
    h.pool.release()
    assert recv_exactly(b, 5, h) == b"done\n"


def test_queued_requests_are_served_in_order(make_harness):
    h = make_harness(max_connections=1)
    a = h.connect()
    h.until(lambda: len(h.protocols) == 1)
    a.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    others = []
    for i in range(4):
        c = h.connect()
        h.until(lambda: len(h.protocols) == 2 + i)
        c.sendall(b"work\n")
        h.turn(3)
        others.append(c)
    assert h.manager.load()["parked"] == 4
    for c in [a] + others:
        h.until(lambda: h.pool.queued)
        h.pool.release()
        assert recv_exactly(c, 5, h) == b"done\n"


def test_waiting_cap_closes_the_longest_waiting(make_harness):
    h = make_harness(max_waiting_connections=5, max_client_connections=0)
    clients = []
    for i in range(8):
        c = h.connect()
        c.sendall(b"echo half%d" % i)
        h.until(lambda: len(h.protocols) == i + 1)
        h.turn(2)
        clients.append(c)
    assert h.manager.load()["waiting"] == 5
    for c in clients[:3]:
        assert recv_until_eof(c, h) == b"", "the oldest are closed"
    for i, c in enumerate(clients[3:], 3):
        c.sendall(b"\n")
        assert recv_exactly(c, 6, h) == b"half%d\n" % i


def test_client_cap_closes_that_clients_longest_waiting(make_harness):
    h = make_harness(unix=False, max_client_connections=3)
    clients = []
    for i in range(5):
        c = h.connect()
        c.sendall(b"echo c%d" % i)
        h.until(lambda: len(h.protocols) == i + 1)
        h.turn(2)
        clients.append(c)
    assert h.manager.load()["waiting"] == 3
    assert recv_until_eof(clients[0], h) == b""
    assert recv_until_eof(clients[1], h) == b""
    clients[4].sendall(b"\n")
    assert recv_exactly(clients[4], 3, h) == b"c4\n"


def test_queued_requests_are_never_closed_at_a_cap(make_harness):
    h = make_harness(max_connections=1, max_waiting_connections=2, max_client_connections=0)
    a = h.connect()
    h.until(lambda: len(h.protocols) == 1)
    a.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    q = h.connect()
    h.until(lambda: len(h.protocols) == 2)
    q.sendall(b"work\n")
    h.turn(3)
    assert h.manager.load()["parked"] == 1
    for i in range(3):
        c = h.connect()
        h.until(lambda: len(h.protocols) == 3 + i)
        h.turn(2)
    assert not _conn_of(h, 1).closed, "a queued request was closed at the cap"
    h.pool.release()
    h.until(lambda: h.pool.queued)
    h.pool.release()
    assert recv_exactly(q, 5, h) == b"done\n"


def test_parked_requests_are_never_closed_at_a_cap(make_harness):
    """A complete request the application parked (no worker, no slot) is not closed to make room."""
    h = make_harness(max_waiting_connections=2, max_client_connections=0)
    p = h.connect()
    h.until(lambda: len(h.protocols) == 1)
    p.sendall(b"park\n")
    h.until(lambda: h.protocols[0].events == ["data"])
    h.turn(2)
    for i in range(3):
        h.connect()
        h.until(lambda: len(h.protocols) == 2 + i)
        h.turn(2)
    conn = _conn_of(h, 0)
    assert not conn.closed, "a parked request was closed at the cap"
    conn.call_soon(lambda: h.protocols[0]._work_done(conn))
    assert recv_exactly(p, 5, h) == b"done\n"


def test_header_deadline(make_harness, limits):
    """The request head has its own, shorter deadline; once the head is in, the request one applies."""
    h = make_harness(header_timeout_s=5.0, request_timeout_s=20.0)
    c = h.connect()
    c.sendall(b"echo head")
    h.until(lambda: h.protocols and _conn_of(h).request_started is not None)
    h.clock.advance(6)
    h.turn()
    assert recv_until_eof(c, h) == b"timeout\n"
    d = h.connect()
    d.sendall(b"echo body")
    h.until(lambda: len(h.protocols) == 2 and _conn_of(h).request_started is not None)
    _conn_of(h).head_received()
    h.clock.advance(6)
    h.turn()
    assert "timeout" not in h.protocols[1].events
    d.sendall(b"\n")
    assert recv_exactly(d, 5, h) == b"body\n"


# -- lingering close ------------------------------------------------------


def test_lingering_close_after_failure_drains_input(make_harness):
    """After a failure the output is sent, our side shut down, and what the peer still
    sends is discarded until it closes: no reset destroys the response."""
    h = make_harness()
    c = h.connect()
    c.sendall(b"fail\n" + b"x" * 1000)
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).lingering)
    conn = _conn_of(h)
    for _ in range(20):
        c.sendall(b"y" * 10000)
        h.turn(2)
    assert not conn.closed
    assert recv_until_eof(c, h) == b""  # our FIN arrived, nothing was reset
    c.close()
    h.clients.remove(c)
    h.until(lambda: conn.closed)
    assert h.protocols[0].events[-1] == "lost"


def test_lingering_is_bounded_in_time_and_bytes(make_harness, limits):
    h = make_harness(linger_max_bytes=50000)
    c = h.connect()
    c.sendall(b"fail\n")
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).lingering)
    conn = _conn_of(h)
    for _ in range(6):
        try:
            c.sendall(b"z" * 10000)
        except OSError:
            break  # reset once the manager gave up
        h.turn(2)
    h.until(lambda: conn.closed)
    h2 = make_harness(linger_timeout_s=2.0)
    c2 = h2.connect()
    c2.sendall(b"fail\n")
    h2.until(lambda: h2.protocols and _conn_of(h2) is not None and _conn_of(h2).lingering)
    conn2 = _conn_of(h2)
    h2.clock.advance(1)
    h2.turn(2)
    assert not conn2.closed
    h2.clock.advance(1.5)
    h2.turn(2)
    assert conn2.closed


def test_plain_close_does_not_linger(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"quit\n")
    assert recv_until_eof(c, h) == b"bye\n"
    assert not h.manager.connections


# -- backpressure ---------------------------------------------------------


def test_slow_reader_stops_reading_at_the_outbuf_limit(make_harness, limits):
    h = make_harness()
    c = h.connect(rcvbuf=4096)
    size = 2_000_000
    c.sendall(b"big %d\n" % size)
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).outbuf)
    conn = _conn_of(h)
    assert len(conn.outbuf) >= limits.max_outbuf_bytes
    assert not h.interest(conn) & selectors.EVENT_READ
    assert h.interest(conn) & selectors.EVENT_WRITE
    reads = h.protocols[0].events.count("data")
    c.sendall(b"echo after\n")
    h.turn(5)
    assert h.protocols[0].events.count("data") == reads, "read while the output is over the limit"
    assert not conn.inbuf
    # The peer catches up: output drains, then reading resumes and the command runs.
    assert recv_exactly(c, size, h) == b"x" * size
    assert recv_exactly(c, 6, h) == b"after\n"
    assert h.interest(conn) & selectors.EVENT_READ


def test_pipelined_input_is_bounded(make_harness, limits):
    """While a command is being worked on, at most max_pipelined_bytes are read ahead."""
    h = make_harness(max_connections=4)
    c = h.connect()
    c.setblocking(False)
    c.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    chunk = b"echo " + b"y" * 1018 + b"\n"
    sent = 0
    try:
        for _ in range(4000):
            sent += c.send(chunk)
            h.turn(timeout=0)
    except BlockingIOError:
        pass
    h.turn(5)
    conn = _conn_of(h)
    assert sent > limits.max_pipelined_bytes
    assert len(conn.inbuf) <= limits.max_pipelined_bytes
    assert not h.interest(conn) & selectors.EVENT_READ


# -- close during a write --------------------------------------------------


def test_peer_closes_during_a_write(make_harness):
    h = make_harness()
    c = h.connect(rcvbuf=4096)
    c.sendall(b"big 4000000\n")
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).outbuf)
    conn = _conn_of(h)
    c.close()
    h.clients.remove(c)
    h.until(lambda: conn.closed)
    assert h.protocols[0].events == ["data", "lost"]
    assert not conn.outbuf and not h.manager.connections


def test_manager_closes_during_a_write(make_harness):
    h = make_harness()
    c = h.connect(rcvbuf=4096)
    c.sendall(b"big 4000000\n")
    h.until(lambda: h.protocols and _conn_of(h) is not None and _conn_of(h).outbuf)
    conn = _conn_of(h)
    h.manager.close(conn)
    h.turn(2)
    assert h.protocols[0].events == ["data", "lost"]
    data = recv_until_eof(c, h)
    assert 0 < len(data) < 4000000


def test_peer_closes_while_a_worker_runs(make_harness):
    h = make_harness()
    c = h.connect()
    c.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    conn = _conn_of(h)
    c.close()
    h.clients.remove(c)
    h.turn(3)
    h.pool.release()
    h.until(lambda: conn.closed)
    h.turn(2)
    events = h.protocols[0].events
    assert events.count("lost") == 1
    assert "work_done" not in events[events.index("lost"):]


def test_drain_closes_idle_connections_and_finishes_busy_ones(make_harness):
    h = make_harness()
    idle = h.connect()
    busy = h.connect()
    h.until(lambda: len(h.protocols) == 2)
    busy.sendall(b"work\n")
    h.until(lambda: h.pool.queued)
    h.manager.request_stop("test")
    assert not h.manager._finished()
    assert recv_until_eof(idle, h) == b""
    assert not h.listening()
    h.pool.release()
    assert recv_until_eof(busy, h) == b"done\n"
    assert h.manager._finished()
    for proto in h.protocols:
        assert proto.events.count("lost") == 1
