"""The warm server: everything imported once, then one process per client, forked ahead.

Started in the background by ``client._maybe_spawn`` with the client process's interpreter,
flags, ``sys.path`` and environment, so that its fingerprint is the client's.  It holds the
``.lock`` file beside its socket (one server per fingerprint; the file holds its pid), binds
the socket only after every module is loaded, and exits after ``idle`` seconds without a
client.  It never starts a thread: each child is a copy of a single-threaded process.  One
child, the *spare*, is always forked and waiting on the socket; the spare that takes a
client tells the server, which forks the next one (see ``_fork_spare``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time

from slurmrestd.warmstart import policy, wire

#: Seconds a connected client has to deliver its hand-off.
HANDOFF_TIMEOUT_S = 5.0
#: Connections queued while the next spare is forked.
BACKLOG = 64


def preload() -> None:
    """Import every module a request could need (what listen mode loads ahead, plus the PAM
    and metrics libraries), and build what is the same in every process: each version's type
    registry, its compiled dump plans, and the operations of each combination of OpenAPI
    plugins (the bindings a router makes)."""
    from itertools import combinations

    from slurmrestd import daemon
    from slurmrestd.data_parser.registry import get_registry
    from slurmrestd.data_parser.versions import VERSIONS
    from slurmrestd.openapi.document import operations_of
    from slurmrestd.settings import OPENAPI_PLUGINS, Settings

    daemon._import_package()
    daemon._preload(Settings())
    for name in ("prometheus_client", "pam"):
        try:
            __import__(name)
        except ImportError:
            pass
    names = [p.removeprefix("openapi/") for p in OPENAPI_PLUGINS]
    for v in VERSIONS:
        reg = get_registry(v)
        for t in reg.types.values():
            if t.model == "struct":
                reg.planner.struct_fn(t)
        for n in range(1, len(names) + 1):
            for combo in combinations(names, n):
                operations_of((v,), combo)


def stop_servers(directory: str) -> None:
    """SIGTERM the warm servers of ``directory`` (the pid in each lock file): for tests and
    benchmarks that gave a run its own runtime directory."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.endswith(".lock"):
            try:
                with open(os.path.join(directory, name)) as f:
                    os.kill(int(f.read().split()[0]), signal.SIGTERM)
            except (OSError, ValueError, IndexError):
                pass


def main(spec: dict) -> int:
    path, idle, argv = spec["socket"], int(spec["idle"]), list(spec["argv"])
    lock_path = path[:-len(".sock")] + ".lock"
    lock = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another server for this fingerprint is starting or running
    os.ftruncate(lock, 0)
    os.write(lock, b"%d\n" % os.getpid())
    fp = policy.fingerprint(argv, os.environ)
    directory = os.path.dirname(path)
    if policy.socket_path(directory, fp) != path:
        return 0  # this interpreter would not be the client's twin
    preload()
    try:
        os.unlink(path)  # a dead server's socket: we hold the lock
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(BACKLOG)
    listener.setblocking(False)  # the spare's select may race a connection that went away
    bound = os.stat(path).st_ino
    os.chdir("/")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    import gc

    gc.collect()
    gc.freeze()  # what every child shares stays out of their collections (and their pages)
    alive_r, alive_w = os.pipe()  # end of file here tells a waiting spare the server is gone
    try:
        while True:
            taken = _fork_spare(listener, lock, fp, argv, alive_r, alive_w)
            if taken is None:
                break  # cannot fork: callers serve cold once this socket is gone
            try:
                ready, _, _ = select.select([taken], [], [], idle)
                if not ready:
                    break
                os.read(taken, 1)  # b"t": the spare took a client; b"": it died; a new one either way
            finally:
                os.close(taken)
    finally:
        try:
            if os.stat(path).st_ino == bound:
                os.unlink(path)  # still ours: a later server may have replaced it
        except OSError:
            pass
        listener.close()
        os.close(alive_w)  # the waiting spare exits
    return 0


def _fork_spare(listener: socket.socket, lock: int, fp: bytes, argv: list[str], alive_r: int,
                alive_w: int) -> int | None:
    """Fork the next client's process ahead of its client: the fork (about 5 ms for a
    process this size) is then off every client's path.  The spare waits for a client,
    tells the server it took one (a byte on the pipe whose read end this returns; end of
    file if the spare died instead), and becomes that client's process.  Once the server
    is gone it takes no more clients: a connection still queued is then closed unread, and
    its caller serves cold.  None when the fork failed."""
    taken_r, taken_w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(taken_r)
        os.close(taken_w)
        return None
    if pid:
        os.close(taken_w)
        return taken_r
    status = 70
    try:
        for fd in (lock, taken_r, alive_w):
            os.close(fd)
        status = _spare(listener, fp, argv, taken_w, alive_r)
    finally:
        os._exit(status)


def _spare(listener: socket.socket, fp: bytes, argv: list[str], taken_w: int, alive_r: int) -> int:
    while True:
        ready, _, _ = select.select([listener, alive_r], [], [])
        if alive_r in ready:
            return 0  # the server went away (idle, or stopped): take no more clients
        try:
            conn, _ = listener.accept()
        except OSError:
            continue  # the caller gave up before it was accepted
        try:
            taken = _take(conn, fp, taken_w)
            if taken is not None:
                listener.close()
                os.close(alive_r)
                msg, fds = taken
                return _child(conn, msg, fds, argv)
        finally:
            conn.close()


def _take(conn: socket.socket, fp: bytes, taken_w: int) -> tuple[wire.Handoff, list[int]] | None:
    """The hand-off of a caller that may use this process (its descriptors are then this
    process's), after telling the server; None when it may not (it serves cold)."""
    conn.setblocking(True)
    _, uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    if uid != os.geteuid() or gid != os.getegid():
        return None
    try:
        msg, fds = _receive(conn)
    except (OSError, wire.WireError):
        return None
    if msg.fingerprint != fp:
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(wire.encode_refused("fingerprint differs"))
        except OSError:
            pass
        return None
    os.write(taken_w, b"t")
    os.close(taken_w)
    return msg, fds


def _receive(conn: socket.socket) -> tuple[wire.Handoff, list[int]]:
    reader = wire.HandoffReader()
    fds: list[int] = []
    conn.settimeout(HANDOFF_TIMEOUT_S)
    try:
        while True:
            data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(struct.unpack("%di" % (len(payload) // 4), payload[:len(payload) // 4 * 4]))
            if not data:
                raise wire.WireError("hand-off cut short")
            msg = reader.feed(data)
            if msg is not None:
                if len(fds) != 3:
                    raise wire.WireError("hand-off with %d descriptors (3 expected)" % len(fds))
                return msg, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _child(conn: socket.socket, msg: wire.Handoff, fds: list[int], argv: list[str]) -> int:
    """Become the client's process, then run the entry point a cold process runs."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    conn.settimeout(None)
    try:
        os.chdir(msg.cwd)
    except OSError as e:
        conn.sendall(wire.encode_refused("working directory: %s" % errno.errorcode.get(e.errno, e.errno)))
        return 0
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
    env = dict(var.split(b"=", 1) for var in msg.env)
    for k in list(os.environb):
        if k not in env:
            del os.environb[k]
    os.environb.update(env)
    time.tzset()
    sys.argv = [os.fsdecode(msg.argv0), *argv]
    conn.sendall(wire.encode_started(os.getpid()))
    status = _run(argv)
    try:
        conn.sendall(wire.encode_exited(status))
    except OSError:
        pass
    return status


def _run(argv: list[str]) -> int:
    from slurmrestd import cli

    try:
        status = cli.main(argv)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    _finish()
    return status


def _finish() -> None:
    """What the interpreter does at exit, since the child leaves with os._exit."""
    import atexit
    import threading

    for t in threading.enumerate():
        if t is not threading.main_thread() and not t.daemon:
            t.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
