"""The connection manager: one selector loop that owns every socket.

The loop thread accepts, reads, hands bytes to each connection's protocol,
writes queued output and enforces deadlines.  Blocking work (a request talking
to slurmctld) runs on the worker pool, in a fiber or, in inet mode, on the loop
thread (``dispatch.py``); its result comes back through ``call_soon``, which
wakes the loop.

Admission control (``admission.py``)
-------------------------------------
``max_connections`` bounds the *busy* connections (a complete request being
served, or its response being written); open, idle or half-sent ones only
*wait*, under their own caps, so they never lock out an active client.

Deadlines (``Limits``): an idle keep-alive connection is closed after
``idle_timeout_s``; a request head must arrive within ``header_timeout_s`` of
its first byte and the whole request within ``request_timeout_s``; a peer that
stops reading our response is dropped after ``write_timeout_s`` without
progress.

Lingering close: a connection that ends after an error response (or with input
not read) is not closed at once, which would make the kernel answer the
peer's unread bytes with a reset that destroys the response before the peer
reads it.  Once the response is sent, our side is shut down and the peer's
input is read and discarded until it closes, for at most ``linger_timeout_s``
and ``linger_max_bytes``.

Flushing
--------
Protocols never make the manager do I/O from inside their callbacks: what they
ask of a connection only marks it dirty (``mark_dirty``).  The manager flushes
dirty connections (sends queued output, closes those that asked to close once
drained, recomputes selector interest, busy state and admission) right after
each protocol callback returns and after each callback a worker handed back
through ``call_soon``.  ``Protocol.connection_lost`` therefore never fires in
the middle of another protocol method.
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import selectors
import signal
import socket
import time
from typing import TYPE_CHECKING, Callable

from slurmrestd.conmgr import dispatch
from slurmrestd.conmgr.admission import Admission, open_fd_budget
from slurmrestd.conmgr.connection import Connection, Protocol
if TYPE_CHECKING:
    from slurmrestd.conmgr.fibers import FiberScheduler
from slurmrestd.conmgr.inbuf import InputReader
from slurmrestd.conmgr.listen import ListenError, Listener, accepted_name
from slurmrestd.conmgr.workers import WorkerPool
from slurmrestd.settings import Limits

if TYPE_CHECKING:  # pragma: no cover - ssl and conmgr.tls are loaded only with a TLS server
    from slurmrestd.conmgr import tls as tlsmod

log = logging.getLogger("slurmrestd.conmgr")

READ_CHUNK = 256 * 1024
#: Most bytes handed to one TLS write (a retried write must be offered the same bytes).
TLS_WRITE_CHUNK = 256 * 1024
#: Raised by a non-blocking socket (plain or TLS) that cannot go on now.
#: Non-blocking I/O that must wait; with a TLS server also ssl's want-read/want-write
#: (``ConnectionManager._would_block``: ssl is imported only when TLS is in use).
_WOULD_BLOCK = (BlockingIOError, InterruptedError)
ACCEPT_BATCH = 64
SWEEP_INTERVAL_S = 0.5

ProtocolFactory = Callable[[Connection], Protocol]
Clock = Callable[[], float]


class ConnectionManager:
    def __init__(self, limits: Limits, max_connections: int, workers: WorkerPool,
                 protocol_factory: ProtocolFactory, clock: Clock = time.monotonic,
                 tls: "tlsmod.TlsServer | None" = None, inline: bool = True) -> None:
        self.limits = limits
        #: Inline requests may run on the loop thread (False: SLURMRESTD_INLINE=no, every
        #: request goes to a worker).
        self.inline = inline
        #: Runs them (``fibers``); made with the first one (greenlet is not imported before).
        self.fibers: "FiberScheduler | None" = None
        #: The certificate of ``https://`` listeners (None: only plain listeners allowed).
        self.tls = tls
        if tls is not None:
            import ssl

            self._would_block: tuple = _WOULD_BLOCK + (ssl.SSLWantReadError, ssl.SSLWantWriteError)
            self._tls_socket: tuple = (ssl.SSLSocket,)
        else:  # no TLS server: no socket is an SSLSocket (isinstance(x, ()) is False)
            self._would_block = _WOULD_BLOCK
            self._tls_socket = ()
        #: Monotonic seconds for every deadline (tests pass a fake one).
        self.clock = clock
        self.max_connections = max(1, max_connections)
        self.workers = workers
        self.protocol_factory = protocol_factory
        self.selector = selectors.DefaultSelector()
        self._reader = InputReader(READ_CHUNK)  # reads reuse one buffer (conmgr.inbuf)
        self.listeners: list[Listener] = []
        self.connections: dict[int, Connection] = {}  # keyed by read fd
        #: Connections a protocol changed since the last flush (insertion-ordered).
        self._dirty: dict[Connection, None] = {}
        self._accepting = False
        self._accept_retry_at = 0.0
        self._fd_events: dict[int, int] = {}
        self._callbacks: collections.deque[Callable[[], None]] = collections.deque()
        self._waker = dispatch.Waker()
        self._wake_pending = False
        self.selector.register(self._waker.r, selectors.EVENT_READ, self._waker)
        self._stop_requested = False
        self._stop_reason = ""
        self._draining_until: float | None = None
        #: The one client of inet mode (stdin/stdout), if any.
        self.inet_conn: Connection | None = None
        #: Descriptors the selector refuses (regular files: inet mode with stdin or stdout
        #: redirected to a file), which are always ready: fd -> (connection, role, the events
        #: wanted now).  The loop serves those with events itself, and only those, so a
        #: request with a worker does not spin the loop.
        self._unpollable: dict[int, tuple[Connection, str, int]] = {}
        self._next_sweep = 0.0
        self.max_open = open_fd_budget()
        max_waiting = limits.max_waiting_connections or max(16, self.max_open - self.max_connections)
        self.admission = Admission(self.max_connections, min(max_waiting, self.max_open),
                                   limits.max_client_connections)
        self.signal_handlers: dict[int, Callable[[], None]] = {}

    # -- set-up ----------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        if listener.tls and self.tls is None:
            raise ListenError("%s needs a TLS certificate" % listener.address)
        self.listeners.append(listener)
        log.info("listening on %s", listener.address)
        if self._accepting:
            self.selector.register(listener.sock, selectors.EVENT_READ, listener)
        else:
            self._update_accepting()

    def add_inet(self, rfd: int, wfd: int) -> Connection:
        """Serve the one client on already-open descriptors (inet mode)."""
        sock = None
        try:
            probe = socket.socket(fileno=os.dup(rfd))
            if probe.type == socket.SOCK_STREAM:
                sock = probe
            else:
                probe.close()
        except OSError:
            sock = None
        is_unix = sock is not None and sock.family == socket.AF_UNIX
        peer = None
        if sock is not None:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                try:  # inetd / socket activation hand over a TCP client: rate limits and PAM_RHOST use it
                    peer = sock.getpeername()
                except OSError:
                    peer = None
            sock.close()
        for fd in {rfd, wfd}:
            os.set_blocking(fd, False)
        name = "inet:stdin" if peer is None else "inet:%s:%d" % (peer[0], peer[1])
        conn = Connection(self, rfd, wfd, name, sock=None, is_unix=is_unix)
        conn.peer_address = None if peer is None else peer[0]
        self.inet_conn = conn
        self._add_connection(conn)
        return conn

    def load(self) -> dict[str, int]:
        """Connection counts, for metrics and logs; safe to call from any thread (a
        snapshot of a few counters).

        ``open``: every client connection; ``busy``: a complete request with a worker
        or a response being written (counted against ``max_busy``, --max-connections);
        ``waiting``: the others (idle, sending a request, queued, lingering), counted
        against ``max_waiting``; ``parked``: complete requests waiting for a busy slot.
        """
        adm = self.admission
        return {"open": len(self.connections), "busy": len(adm.busy), "waiting": len(adm.waiting),
                "parked": len(adm.queue), "max_busy": adm.max_busy, "max_waiting": adm.max_waiting}

    @property
    def inet_failed(self) -> bool:
        """True when the protocol of the inet-mode client reported a failure."""
        return self.inet_conn is not None and self.inet_conn.failed

    # -- threads ---------------------------------------------------------

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop thread (thread-safe).

        One wake-up byte covers any number of callbacks queued before the loop
        drains them: the loop clears ``_wake_pending`` before it runs the queue.
        """
        self._callbacks.append(fn)
        if not self._wake_pending:
            self._wake_pending = True
            self._waker.wake()

    def submit(self, conn: Connection, work: Callable[[], Callable[[], None] | None],
               inline: bool = False) -> None:
        """Run ``work`` on a worker; the callable it returns then runs on the loop.

        ``inline``: ``work`` is cheap and blocks only in code that waits through the
        current fiber (``fibers``): it runs on the loop thread, in a fiber, without a
        thread hand-off (when the manager has fibers; else on a worker as any work).

        The connection counts as busy until the follow-up has run.  With every busy
        slot taken the work waits in a queue (first come, first served) and the
        connection stops reading until a slot frees up.
        """
        if inline and self.inline and conn is not self.inet_conn:  # inet work runs on the loop thread anyway
            work = dispatch.Inline(work)
        if conn is not self.inet_conn and not self.admission.may_dispatch(conn):
            self.admission.enqueue(conn, work)
            self.mark_dirty(conn)
            return
        self._dispatch(conn, work)

    def _dispatch(self, conn: Connection, work: Callable[[], Callable[[], None] | None]) -> None:
        conn.busy = True
        if conn is not self.inet_conn:
            self.admission.set_busy(conn)
        self.mark_dirty(conn)
        dispatch.start(self, conn, work)

    def run_later(self, fn: Callable[[], None]) -> None:
        """Loop thread only: run ``fn`` from this turn's callback queue (no wake-up needed)."""
        self._callbacks.append(fn)

    def fiber_scheduler(self) -> "FiberScheduler":
        """The scheduler of inline work, made with the first (greenlet is not imported before)."""
        if self.fibers is None:
            from slurmrestd.conmgr.fibers import FiberScheduler

            self.fibers = FiberScheduler(self)
        return self.fibers

    def mark_dirty(self, conn: Connection) -> None:
        """Note that ``conn`` changed; it is flushed once the running callback returns.

        Only records: never sends, closes or calls a protocol.
        """
        if not conn.closed:
            self._dirty[conn] = None

    # -- control ---------------------------------------------------------

    def request_stop(self, reason: str = "") -> None:
        """Stop accepting, finish in-flight requests within the grace period, then return from run()."""
        self._stop_requested = True
        self._stop_reason = reason
        self._waker.wake()

    def _on_signal(self, signum: int, frame: object) -> None:
        # Runs in the main thread between bytecodes; keep it trivial.  The wake-up
        # fd already got a byte from the signal machinery.
        self._callbacks.append(lambda: self._handle_signal(signum))

    def _handle_signal(self, signum: int) -> None:
        handler = self.signal_handlers.get(signum)
        if handler is not None:
            handler()
        elif signum in (signal.SIGINT, signal.SIGTERM):
            name = signal.Signals(signum).name
            if self._draining_until is not None:
                log.info("caught %s again: not waiting for in-flight requests", name)
                self._draining_until = 0.0
            else:
                log.info("caught %s: shutting down", name)
                self.request_stop(name)

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        signal.set_wakeup_fd(self._waker.w.fileno(), warn_on_full_buffer=False)

    # -- main loop -------------------------------------------------------

    def run(self) -> None:
        """Serve until stopped (``request_stop``, a signal, or the inet client gone)."""
        self._update_accepting()
        while not self._finished():
            self.run_once()
        self._shutdown()

    def _finished(self) -> bool:
        now = self.clock()
        if self._stop_requested and self._draining_until is None:
            self._begin_drain(now)
        if self._draining_until is not None:
            if not self.connections or now >= self._draining_until:
                return True
        return self.inet_conn is not None and self.inet_conn.closed

    def run_once(self, timeout: float | None = None) -> None:
        """One turn of the loop: wait for I/O (at most ``timeout`` s), serve it, run
        the queued callbacks and, when due, the deadline sweep."""
        now = self.clock()
        wait = max(0.0, min(SWEEP_INTERVAL_S, self._next_sweep - now))
        if timeout is not None:
            wait = min(wait, timeout)
        fibers = self.fibers
        if fibers is not None:
            due = fibers.next_deadline()
            if due is not None:
                wait = min(wait, max(0.0, due - now))
        if self._callbacks or self._unpollable_ready():
            wait = 0.0
        try:
            events = self.selector.select(wait)
        except InterruptedError:
            events = []
        if fibers is not None:  # replies to inline requests first: their RPCs hold their callers
            for key, _ in events:
                data = key.data
                if type(data) is not tuple and data is not self._waker and not isinstance(data, Listener):
                    fibers.ready(data)  # the socket an inline request waits for (``fibers.FdWait``)
        for key, mask in events:
            data = key.data
            if type(data) is tuple:
                conn, role = data
                if mask & selectors.EVENT_READ and role in ("r", "rw") and not conn.closed:
                    self._do_read(conn)
                if mask & selectors.EVENT_WRITE and role in ("w", "rw") and not conn.closed:
                    self._do_write(conn)
            elif data is self._waker:
                self._waker.drain()
            elif isinstance(data, Listener):
                self._accept(data)
        for conn, role, wanted in list(self._unpollable.values()):
            if wanted & selectors.EVENT_READ and not conn.closed:
                self._do_read(conn)
            if wanted & selectors.EVENT_WRITE and not conn.closed:
                self._do_write(conn)
        self._run_callbacks()
        self._flush_dirty()  # anything marked outside a callback (normally nothing)
        now = self.clock()
        if fibers is not None:
            fibers.expire(now)
        if now >= self._next_sweep:
            self._sweep(now)
            self._next_sweep = now + SWEEP_INTERVAL_S

    def _run_callbacks(self) -> None:
        self._wake_pending = False
        while self._callbacks:
            fn = self._callbacks.popleft()
            try:
                fn()
            except Exception:
                log.exception("error in loop callback")
            self._flush_dirty()

    def _begin_drain(self, now: float) -> None:
        self._draining_until = now + self.limits.shutdown_grace_s
        for l in self.listeners:
            self._unregister_listener(l)
            l.close()
        self.listeners.clear()
        self._accepting = False
        for conn in list(self.connections.values()):
            if conn.is_idle() or conn.lingering:
                self.close(conn)
            else:
                self._update_interest(conn)

    def _shutdown(self) -> None:
        for conn in list(self.connections.values()):
            if conn.busy or conn.outbuf:
                log.warning("[%s] closing connection with a request still in progress", conn.name)
            self.close(conn)
        if self.fibers is not None:
            self.fibers.close()
        for l in self.listeners:
            l.close()
        self.listeners.clear()
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:
            pass  # not the main thread
        self.selector.close()
        self._waker.close()

    @property
    def draining(self) -> bool:
        return self._draining_until is not None

    # -- accepting -------------------------------------------------------

    def _update_accepting(self) -> None:
        want = (not self._stop_requested
                and self.admission.can_accept()
                and len(self.connections) < self.max_open
                and self.clock() >= self._accept_retry_at)
        if want == self._accepting:
            return
        self._accepting = want
        for l in self.listeners:
            if want:
                self.selector.register(l.sock, selectors.EVENT_READ, l)
            else:
                self._unregister_listener(l)
        if not want and self.listeners:
            log.debug("deferring new connections: %d/%d busy, %d waiting, %d open",
                      len(self.admission.busy), self.max_connections, len(self.admission.waiting),
                      len(self.connections))

    def _unregister_listener(self, l: Listener) -> None:
        try:
            self.selector.unregister(l.sock)
        except (KeyError, ValueError):
            pass

    def _accept(self, listener: Listener) -> None:
        for _ in range(ACCEPT_BATCH):
            if not self._accepting:
                return
            try:
                sock, addr = listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.warning("accept on %s failed: %s; retrying shortly", listener.address, e.strerror)
                    self._accept_retry_at = self.clock() + 1.0
                    self._update_accepting()
                    return
                if e.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            sock.setblocking(False)
            if listener.tls:
                try:
                    sock = self.tls.wrap(sock)  # type: ignore[union-attr]
                except OSError as e:  # ssl.SSLError is an OSError
                    log.debug("cannot set up TLS on an accepted connection: %s", e)
                    sock.close()
                    continue
            is_unix = sock.family == socket.AF_UNIX
            conn = Connection(self, sock.fileno(), sock.fileno(), accepted_name(listener, sock, addr),
                              sock=sock, is_unix=is_unix)
            if is_unix:  # a client is its address, or its uid on a unix socket
                creds = conn.peer_creds
                conn.client_key = "uid:%d" % creds.uid if creds is not None else None
            else:
                conn.client_key = addr[0]
            if listener.tls:
                conn.handshaking = True
                conn.handshake_until = self.clock() + self.limits.tls_handshake_timeout_s
            self.admission.add(conn)
            self._add_connection(conn)
            self._enforce_caps(conn)
            if len(self.connections) >= self.max_open or not self.admission.can_accept():
                self._update_accepting()

    def _enforce_caps(self, conn: Connection) -> None:
        """Close the longest-waiting connections over the caps that ``conn`` reached."""
        victims = self.admission.over_cap(conn)
        if not victims:
            return
        for victim in victims:
            log.debug("[%s] closing: waiting connections over the cap (newest: %s)", victim.name, conn.name)
            self.close(victim)
        self.admission.closed_at_cap(len(victims))
        self.admission.log_capped(self.clock())

    def _add_connection(self, conn: Connection) -> None:
        self.connections[conn.rfd] = conn
        conn.protocol = self.protocol_factory(conn)
        log.debug("[%s] new connection (%d open)", conn.name, len(self.connections))
        self._update_interest(conn)
        self._flush_dirty()

    # -- I/O -------------------------------------------------------------

    def _do_read(self, conn: Connection) -> None:
        if not self._want_read(conn):
            return
        if conn.lingering:
            self._linger_read(conn)
            return
        if conn.handshaking:
            self._tls_handshake(conn)
            return
        room = max(0, self.limits.max_pipelined_bytes - len(conn.inbuf))
        try:
            data = self._reader.read(conn, room, self._tls_socket)
        except self._would_block:
            return
        except OSError as e:
            log.debug("[%s] read failed: %s", conn.name, e.strerror or e)
            self.close(conn)
            return
        conn.last_activity = self.clock()
        self.mark_dirty(conn)
        if not data:
            conn.read_eof = True
            self._call_protocol(conn, conn.protocol.eof_received if conn.protocol else None)
        else:
            conn.inbuf += data
            self._call_protocol(conn, conn.protocol.data_received if conn.protocol else None)
        self._flush_dirty()

    def _call_protocol(self, conn: Connection, method: Callable[[Connection], None] | None) -> None:
        """Run one protocol callback; the caller flushes what it asked for afterwards."""
        if method is None or conn.closed:
            return
        try:
            method(conn)
        except Exception:
            log.exception("[%s] error in the connection's protocol", conn.name)
            self.close(conn)

    def _flush_dirty(self) -> None:
        """Carry out what protocols asked of their connections since the last flush."""
        while self._dirty:
            conn = next(iter(self._dirty))
            del self._dirty[conn]
            if conn.closed:
                continue
            if conn.outbuf:
                self._do_write(conn)
            elif conn.closing and not conn.lingering:
                self._close_or_linger(conn)
            else:
                self._refresh(conn)

    def _do_write(self, conn: Connection) -> None:
        if conn.handshaking:
            self._tls_handshake(conn)
            return
        tls = isinstance(conn.sock, self._tls_socket)
        out = conn.outbuf
        while out:
            chunk = out.first()
            try:
                if tls:
                    n = conn.sock.send(bytes(chunk[:TLS_WRITE_CHUNK]))  # type: ignore[union-attr]
                elif conn.sock is not None:
                    n = conn.sock.send(chunk)
                else:
                    n = os.write(conn.wfd, chunk)
            except self._would_block:
                break
            except OSError as e:
                log.debug("[%s] write failed: %s", conn.name, e.strerror or e)
                self.close(conn)
                return
            if n <= 0:
                break
            out.consume(n)
            now = self.clock()
            conn.last_activity = now
            conn.write_started = now if out else None
        if not conn.outbuf and conn.closing and not conn.lingering:
            self._close_or_linger(conn)
            return
        self._refresh(conn)

    # -- TLS handshake ---------------------------------------------------

    def _tls_handshake(self, conn: Connection) -> None:
        """One step of a non-blocking server handshake, whenever the socket is ready."""
        from slurmrestd.conmgr import tls as tlsmod
        try:
            step = tlsmod.handshake(conn.sock)  # type: ignore[arg-type]
        except OSError as e:  # ssl.SSLError is an OSError
            log.info("[%s] %s", conn.name, tlsmod.describe_failure(e))
            conn.failed = True
            self.close(conn)
            return
        conn.last_activity = self.clock()
        if step == tlsmod.DONE:
            conn.handshaking = False
            conn.tls_want_write = False
            log.debug("[%s] TLS established: %s", conn.name, tlsmod.describe_session(conn.sock))  # type: ignore[arg-type]
            self._update_interest(conn)
            self._do_read(conn)  # the request may have come with the last handshake flight
            return
        conn.tls_want_write = step == tlsmod.WANT_WRITE
        self._update_interest(conn)

    # -- lingering close -------------------------------------------------

    def _close_or_linger(self, conn: Connection) -> None:
        """The output is sent and the connection is to close: close, or linger first."""
        lim = self.limits
        if (conn.sock is None or conn.read_eof or self.draining or lim.linger_timeout_s <= 0
                or not (conn.linger_wanted or conn.inbuf)):
            self.close(conn)
            return
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.close(conn)
            return
        conn.lingering = True
        conn.inbuf.clear()
        conn.linger_until = self.clock() + lim.linger_timeout_s
        conn.linger_left = lim.linger_max_bytes
        self._refresh(conn)

    def _linger_read(self, conn: Connection) -> None:
        """Read and discard; close at the peer's EOF, an error or the byte bound."""
        try:
            data = conn.sock.recv(min(READ_CHUNK, max(1, conn.linger_left)))  # type: ignore[union-attr]
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close(conn)
            return
        conn.linger_left -= len(data)
        if not data or conn.linger_left <= 0:
            if data:
                log.debug("[%s] peer still sending after %d bytes of lingering: closing",
                          conn.name, self.limits.linger_max_bytes)
            self.close(conn)

    def close(self, conn: Connection) -> None:
        if conn.closed:
            return
        conn.closed = True
        for fd in {conn.rfd, conn.wfd}:
            if fd in self._fd_events:
                try:
                    self.selector.unregister(fd)
                except (KeyError, ValueError):
                    pass
                del self._fd_events[fd]
        self.connections.pop(conn.rfd, None)
        freed = self.admission.remove(conn)
        for fd in {conn.rfd, conn.wfd}:
            entry = self._unpollable.get(fd)
            if entry is not None and entry[0] is conn:
                del self._unpollable[fd]
        self._dirty.pop(conn, None)
        if conn.protocol is not None:
            try:
                conn.protocol.connection_lost(conn)
            except Exception:
                log.exception("[%s] error while closing", conn.name)
        if conn.sock is not None:
            try:
                conn.sock.close()
            except OSError:
                pass
        elif conn is self.inet_conn:
            # Leave stdin/stdout open for the process; just stop using them.
            pass
        conn.inbuf.clear()
        conn.outbuf.clear()
        log.debug("[%s] closed (%d open)", conn.name, len(self.connections))
        if freed:
            self._dispatch_queued()
        self._update_accepting()

    # -- bookkeeping -----------------------------------------------------

    def _want_read(self, conn: Connection) -> bool:
        if conn.lingering:
            return not conn.closed
        if conn.handshaking:
            return not conn.closed and not conn.tls_want_write
        if conn.closed or conn.read_eof or conn.closing or not conn.reading:
            return False
        if conn in self.admission.queue:
            return False  # a complete request waits for a slot: leave the rest in the kernel
        if len(conn.inbuf) >= self.limits.max_pipelined_bytes:
            return False
        if len(conn.outbuf) >= self.limits.max_outbuf_bytes:
            return False
        if self.draining and conn.is_idle():
            return False
        return True

    def _update_interest(self, conn: Connection) -> None:
        if conn.closed:
            return
        want_r = self._want_read(conn)
        want_w = bool(conn.outbuf) or conn.tls_want_write
        if conn.rfd == conn.wfd:
            self._set_events(conn, conn.rfd, (selectors.EVENT_READ if want_r else 0)
                             | (selectors.EVENT_WRITE if want_w else 0), "rw")
        else:
            self._set_events(conn, conn.rfd, selectors.EVENT_READ if want_r else 0, "r")
            self._set_events(conn, conn.wfd, selectors.EVENT_WRITE if want_w else 0, "w")

    def _unpollable_ready(self) -> bool:
        """True when an always-ready descriptor has something to do now."""
        return any(wanted and not conn.closed for conn, _, wanted in self._unpollable.values())

    def _set_events(self, conn: Connection, fd: int, events: int, role: str) -> None:
        if fd in self._unpollable:
            self._unpollable[fd] = (conn, role, events)
            return
        old = self._fd_events.get(fd, 0)
        if old == events:
            return
        try:
            if events == 0:
                self.selector.unregister(fd)
                del self._fd_events[fd]
            elif old == 0:
                self.selector.register(fd, events, (conn, role))
                self._fd_events[fd] = events
            else:
                self.selector.modify(fd, events, (conn, role))
                self._fd_events[fd] = events
        except PermissionError:
            # Regular files (inet mode with redirected stdin/stdout) cannot be polled;
            # they are always ready, so the loop serves them itself while events are wanted.
            log.debug("[%s] fd %d cannot be polled (a regular file?): served without waiting",
                      conn.name, fd)
            self._unpollable[fd] = (conn, role, events)

    def _refresh(self, conn: Connection) -> None:
        """Recompute busy/waiting state, selector interest and admission after any change."""
        if conn.closed:
            return
        freed = False
        if conn is not self.inet_conn:
            if conn.busy or conn.outbuf:
                self.admission.set_busy(conn)
            else:
                freed = self.admission.set_waiting(conn)
        if self.draining and conn.is_idle():
            self.close(conn)
            return
        self._update_interest(conn)
        if freed:
            self._dispatch_queued()
        self._update_accepting()

    def _dispatch_queued(self) -> None:
        """Hand queued complete requests to workers while busy slots are free."""
        while True:
            nxt = self.admission.next_queued()
            if nxt is None:
                return
            conn, work = nxt
            if not conn.closed:
                self._dispatch(conn, work)  # type: ignore[arg-type]
                self._update_interest(conn)

    def _sweep(self, now: float) -> None:
        lim = self.limits
        self.admission.log_capped(now)
        if not self._accepting:
            self._update_accepting()
        for conn in list(self.connections.values()):
            if conn.closed or conn.busy:
                continue
            if conn.handshaking:
                if now >= conn.handshake_until:
                    log.info("[%s] TLS handshake not complete after %.0fs: closing", conn.name,
                             lim.tls_handshake_timeout_s)
                    self.close(conn)
            elif conn.lingering:
                if now >= conn.linger_until:
                    log.debug("[%s] lingering close: peer still open after %.0fs", conn.name,
                              lim.linger_timeout_s)
                    self.close(conn)
            elif conn.outbuf:
                if conn.write_started is not None and now - conn.write_started > lim.write_timeout_s:
                    log.info("[%s] peer stopped reading for %.0fs: closing", conn.name, lim.write_timeout_s)
                    self.close(conn)
            elif conn.request_started is not None:
                age = now - conn.request_started
                if not conn.head_done and age > lim.header_timeout_s:
                    what = "request head not complete after %.0fs" % lim.header_timeout_s
                elif age > lim.request_timeout_s:
                    what = "request not complete after %.0fs" % lim.request_timeout_s
                else:
                    continue
                log.info("[%s] %s: closing", conn.name, what)
                if conn.protocol is None:
                    self.close(conn)
                else:
                    self._call_protocol(conn, conn.protocol.request_timed_out)
                    self._flush_dirty()
            elif conn.is_idle() and conn is not self.inet_conn:
                if now - conn.last_activity > lim.idle_timeout_s:
                    log.debug("[%s] idle for %.0fs: closing", conn.name, lim.idle_timeout_s)
                    self.close(conn)
            elif conn.read_eof and conn.is_idle():
                self.close(conn)
