"""Dump processes: long lists decoded, dumped and serialized beside the daemon, on another core.

The daemon's Python runs on one core at a time (the GIL), so eight users asking for a
1,000-job list at once share that core while the machine's others idle.  A dump process
is a second interpreter that does one list's CPU-bound part: it gets the packed reply
bytes and sends back the answer's JSON.

Theory of operation:

* ``run(fn, args, here)`` takes a *slot*: an idle dump process (or one of ``here_slots``
  of the daemon's own interpreter, none by default).  With a process it sends ``fn`` (by
  name) and ``args`` and blocks the calling worker thread (the loop and the other workers
  go on) until the result is back; with a slot of its own it calls ``here()``.  When
  every slot is taken the request waits for the first to free, in the order they came:
  the daemon's interpreter never holds a long list of Python objects (memory stays
  bounded, and its loop is not held by a dump), and the lists are done one per process
  at a time.  With no process busy to wait for (turned off, still starting, or all being
  replaced), or after waiting ``timeout_s``, the request does its own list with ``here()``.
* Each process is a fresh interpreter (``sys.executable``) joined by a socket pair.  The
  first ones are launched before the daemon switches to -u/-g and make the same switch
  themselves once they have imported what they need (``become``; the whole package first
  when that user cannot read the installation); replacements start as the daemon's user.  A message is an
  8-byte length and a pickle; only functions of this package are run.  A process
  ignores SIGINT, SIGHUP and SIGTERM (the daemon handles those; a SIGTERM to the whole
  process group, as systemd and a terminal send it, must not kill a list half way
  while the daemon finishes its requests), takes the daemon's collector and ``malloc``
  settings, and ends when its socket closes: at ``close``, or when the daemon dies.
  SIGKILL still ends it, and the daemon replaces it.
* A task that raises ``SlurmError`` in the process raises it in the caller (a malformed
  reply reads the same as in the thread).  A process that dies, answers garbage or
  takes longer than ``timeout_s`` is killed and replaced, and the caller does the work
  with ``here()``.  After ``max_failures`` starts in a row that fail, dump processes
  are turned off with an error in the log.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Sequence

from slurmrestd.errors import SlurmError

log = logging.getLogger("slurmrestd.offload")

#: A message's head: the length of its pickle and how many out-of-band buffers follow it.
_HEAD = struct.Struct("!QI")
#: The length of one out-of-band buffer.
_LEN = struct.Struct("!Q")
#: Longest message either side accepts (a 1,000-job answer is about 8 MB).
MAX_MESSAGE_BYTES = 1 << 31
#: Socket buffer asked for on each side of a dump process's socket.
SOCKET_BUFFER_BYTES = 4 << 20
#: Modules whose functions a dump process runs.
_ALLOWED = "slurmrestd."
#: The child's command line after the interpreter: its socket and our ``sys.path``.
_BOOT = ("import json, signal, sys\n"
         "for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM): signal.signal(s, signal.SIG_IGN)\n"
         "sys.path[:] = json.loads(sys.argv[2])\n"
         "try:\n"
         "    from slurmrestd.offload import child_main\n"
         "except Exception as e:\n"
         "    sys.exit('slurmrestd: dump process: %s' % e)\n"
         "child_main(int(sys.argv[1]))\n")
#: ``run``'s slot of the daemon's own interpreter.
_HERE = "here"


#: ``mallopt`` parameter (malloc.h): the size from which blocks are mapped on their own.
_M_MMAP_THRESHOLD = -3


def tune_malloc(threshold: int) -> bool:
    """Have glibc map blocks of ``threshold`` bytes or more on their own (given back to the
    kernel when freed) instead of its rising default (``Limits.malloc_mmap_threshold``);
    False where that cannot be set (0, or not glibc)."""
    if threshold <= 0:
        return False
    try:
        import ctypes

        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, int(threshold)))
    except (OSError, AttributeError, ValueError):
        return False


class _Gone(Exception):
    """The other side closed, broke the protocol or did not answer in time."""


def _send(sock: socket.socket, obj: Any) -> None:
    """One message: ``obj`` pickled, with each ``pickle.PickleBuffer`` in it (the JSON of a
    list) sent after the pickle as raw bytes, so that neither side copies it again."""
    buffers: list = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    sock.sendall(_HEAD.pack(len(data), len(raws)) + b"".join(_LEN.pack(r.nbytes) for r in raws))
    sock.sendall(data)
    for r in raws:
        sock.sendall(r)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    """``n`` bytes as one ``bytes`` object (received in place, not joined)."""
    if n > MAX_MESSAGE_BYTES:
        raise _Gone("a message of %d bytes" % n)
    data = sock.recv(n, socket.MSG_WAITALL)
    if len(data) == n:
        return data
    if not data:
        raise _Gone("closed")
    buf = bytearray(n)  # cut short (a signal, or the timeout): the rest, then one copy
    buf[:len(data)] = data
    view, got = memoryview(buf), len(data)
    while got < n:
        k = sock.recv_into(view[got:])
        if not k:
            raise _Gone("closed")
        got += k
    return bytes(buf)


def _recv(sock: socket.socket) -> Any:
    size, count = _HEAD.unpack(_recv_exact(sock, _HEAD.size))
    if count > 64:
        raise _Gone("%d buffers in one message" % count)
    lengths = [_LEN.unpack(_recv_exact(sock, _LEN.size))[0] for _ in range(count)] if count else []
    data = _recv_exact(sock, size)
    return pickle.loads(data, buffers=[_recv_exact(sock, n) for n in lengths])


class _Child:
    __slots__ = ("proc", "sock")

    def __init__(self, proc: subprocess.Popen, sock: socket.socket) -> None:
        self.proc = proc
        self.sock = sock

    def kill(self) -> None:
        try:
            self.sock.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not reaped in 5 s
                pass


class Offload:
    """A few dump processes and the daemon's own slot (see the module's text)."""

    def __init__(self, processes: int, *, min_bytes: int, timeout_s: float, gc_threshold: int = 0,
                 malloc_mmap_threshold: int = 0,
                 warm: Sequence[tuple[Callable, tuple]] = (), max_failures: int = 3,
                 allowed: tuple[str, ...] = (_ALLOWED,), executable: str | None = None,
                 here_slots: int = 0, become: tuple[int | None, int | None] | None = None,
                 import_all: bool = False) -> None:
        #: Packed replies shorter than this are worked on in the request's thread.
        self.min_bytes = min_bytes
        self.processes = processes
        self.timeout_s = timeout_s
        self._gc_threshold = gc_threshold
        self._mmap_threshold = malloc_mmap_threshold
        self._warm = [(fn.__module__, fn.__qualname__, tuple(args)) for fn, args in warm]
        self._max_failures = max_failures
        #: Module prefixes whose functions the processes run (tests add the standard library's).
        self._allowed = tuple(allowed)
        self._executable = executable or sys.executable
        #: (uid, gid) each process switches to once it has imported what it needs (the
        #: daemon's -u/-g), and whether it first imports the whole package (the user may not
        #: be able to read the installation).
        self._become = become
        self._import_all = import_all
        self._cond = threading.Condition()
        self._idle: list[_Child] = []
        self._busy: set[_Child] = set()
        self._here_free = here_slots
        self._starting = 0
        self._failures = 0
        self._closed = False
        #: Tasks done in a dump process, and in the daemon's own interpreter; processes that
        #: failed (a task, or their start).
        self.done_there = 0
        self.done_here = 0
        self.failed = 0

    def stats(self) -> dict:
        """Processes by state, and the counters, for ``/metrics``."""
        with self._cond:
            return {"idle": len(self._idle), "busy": len(self._busy), "starting": self._starting,
                    "done_process": self.done_there, "done_daemon": self.done_here, "failed": self.failed}

    def enabled_processes(self) -> bool:
        """False once closed, or turned off after failed starts."""
        return not self._closed

    # -- processes ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the processes.  They are launched in this thread, so as the user it runs as
        (before the daemon's switch to -u/-g, which each process then makes itself after its
        imports: ``become``); each is used once it has warmed up, in the background."""
        for _ in range(self.processes):
            self._start_one(now=True)

    def _start_one(self, now: bool = False) -> None:
        with self._cond:
            if self._closed:
                return
            self._starting += 1
        launched: Any = None
        if now:
            try:
                launched = self._launch()
            except OSError as e:
                launched = e
        threading.Thread(target=self._spawn, args=(launched,), name="offload-start", daemon=True).start()

    def _launch(self) -> _Child:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            for sock, opt in ((theirs, socket.SO_SNDBUF), (ours, socket.SO_RCVBUF)):
                # an 8 MB answer in a few hand-overs (the kernel caps it at net.core.[wr]mem_max)
                sock.setsockopt(socket.SOL_SOCKET, opt, SOCKET_BUFFER_BYTES)
            proc = subprocess.Popen([self._executable, "-c", _BOOT, str(theirs.fileno()), json.dumps(sys.path)],
                                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return _Child(proc, ours)

    def _spawn(self, launched: Any = None) -> None:
        child = None
        try:
            if isinstance(launched, BaseException):
                raise launched
            child = launched or self._launch()
            ours = child.sock
            ours.settimeout(max(self.timeout_s, 60.0))  # imports and plans on a loaded machine
            _send(ours, ("setup", self._gc_threshold, self._mmap_threshold, self._allowed, self._warm,
                         self._become, self._import_all))
            status, detail = _recv(ours)
            if status != "ok":
                raise _Gone(detail)
            ours.settimeout(self.timeout_s)
        except (OSError, _Gone, pickle.PickleError, EOFError, ValueError) as e:
            if child is not None:
                child.kill()
            with self._cond:
                self._starting -= 1
                self._failures += 1
                self.failed += 1
                failures, closed = self._failures, self._closed
                if failures >= self._max_failures:
                    self._closed = True
                self._cond.notify_all()
            if closed:
                return
            if failures >= self._max_failures:
                log.error("dump processes turned off after %d failed starts (last: %s); long lists are "
                          "dumped in the daemon's own interpreter", failures, e)
            else:
                log.warning("a dump process did not start (%s); trying again", e)
                time.sleep(min(10.0, 0.5 * 2 ** failures))
                self._start_one()
            return
        with self._cond:
            self._starting -= 1
            if self._closed:
                child.kill()
                return
            self._failures = 0
            self._idle.append(child)
            self._cond.notify()

    def _lost(self, child: _Child, why: str) -> None:
        """A process that failed a task: killed, and another started."""
        log.error("dump process %d failed (%s); it is replaced and the list dumped here", child.proc.pid, why)
        with self._cond:
            self.failed += 1
        child.kill()
        self._start_one()

    # -- tasks --------------------------------------------------------------------------------

    def _acquire(self) -> Any:
        """An idle process, or ``_HERE`` (a slot of the daemon's own), or None: do it here
        without a slot (turned off, no process busy that will free, or ``timeout_s`` waited)."""
        deadline = time.monotonic() + self.timeout_s
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._idle:
                    child = self._idle.pop()
                    self._busy.add(child)
                    return child
                if self._here_free > 0:
                    self._here_free -= 1
                    return _HERE
                left = deadline - time.monotonic()
                if left <= 0 or not self._busy:  # nothing will free: none alive, or all starting
                    return None
                self._cond.wait(left)

    def _release(self, slot: Any, ok: bool = True, done: bool = False) -> None:
        with self._cond:
            self.done_there += done
            if slot is _HERE:
                self._here_free += 1
            elif slot is not None:
                self._busy.discard(slot)
                if ok and not self._closed:
                    self._idle.append(slot)
                elif ok:
                    slot.kill()
            self._cond.notify()

    def run(self, fn: Callable, args: tuple, here: Callable[[], Any]) -> tuple[bool, Any]:
        """(True, ``fn(*args)`` from a dump process) or (False, ``here()``) (see the module's
        text).  ``SlurmError`` raised by either is raised here."""
        slot = self._acquire()
        if isinstance(slot, _Child):
            try:
                try:
                    _send(slot.sock, (fn.__module__, fn.__qualname__, args))
                    status, value = _recv(slot.sock)
                except (OSError, _Gone, pickle.PickleError, EOFError, ValueError) as e:
                    self._release(slot, ok=False)
                    self._lost(slot, str(e) or type(e).__name__)
                    slot = None
                else:
                    self._release(slot, done=status != "fail")
                    slot = None
                    if status == "ok":
                        return True, value
                    if status == "raise":
                        raise SlurmError(*value)
                    log.error("dump process task %s failed: %s", fn.__qualname__, value)
            finally:
                if slot is not None:  # interrupted half way: the process's state is unknown
                    self._release(slot, ok=False)
                    self._lost(slot, "interrupted")
            slot = None  # the failed task is done here, without the daemon's slot
        try:
            with self._cond:
                self.done_here += 1
            return False, here()
        finally:
            if slot is not None:
                self._release(slot)

    def close(self) -> None:
        """Stop the processes (at shutdown): idle ones now, busy ones when their task ends."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for child in idle:
            child.kill()


# -- the dump process ---------------------------------------------------------------------------

def _resolve(module: str, qualname: str, allowed: tuple[str, ...]) -> Callable:
    if not module.startswith(allowed):
        raise ValueError("not a function of this package: %s.%s" % (module, qualname))
    import importlib

    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _answer(module: str, qualname: str, args: tuple, allowed: tuple[str, ...]) -> tuple:
    try:
        return "ok", _resolve(module, qualname, allowed)(*args)
    except SlurmError as e:
        return "raise", (e.errno, e.description, e.source)
    except Exception as e:  # noqa: BLE001 - reported to the daemon, which logs it
        return "fail", "%s: %s" % (type(e).__name__, e)


def _import_package() -> None:
    """Every module of this package, ahead of the user switch (as the daemon does)."""
    import importlib
    import pkgutil

    import slurmrestd

    for mod in pkgutil.walk_packages(slurmrestd.__path__, "slurmrestd."):
        if not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)


def child_main(fd: int) -> None:
    """A dump process: set up, warm up, then answer tasks until the socket closes."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # the daemon's to handle; this process ends with it
    sock = socket.socket(fileno=fd)
    try:
        _, gc_threshold, mmap_threshold, allowed, warm, become, import_all = _recv(sock)
        tune_malloc(mmap_threshold)
        if gc_threshold > 0:
            import gc

            gc.set_threshold(gc_threshold, *gc.get_threshold()[1:])
        for module, qualname, args in warm:
            status, value = _answer(module, qualname, args, allowed)
            if status != "ok":
                _send(sock, ("fail", "warm-up %s: %s" % (qualname, value)))
                return
        try:
            if import_all:
                _import_package()
            if become is not None:
                from slurmrestd.security import drop_privileges

                drop_privileges(*become)
        except Exception as e:  # noqa: BLE001 - reported to the daemon, which logs it
            _send(sock, ("fail", "user switch: %s: %s" % (type(e).__name__, e)))
            return
        if gc_threshold > 0:
            import gc

            gc.freeze()  # the imports and plans stay out of every collection, as in the daemon
        _send(sock, ("ok", os.getpid()))
        while True:
            module, qualname, args = _recv(sock)
            _send(sock, _answer(module, qualname, args, allowed))
    except (_Gone, OSError, EOFError, pickle.PickleError):
        return  # the daemon closed the socket (or died)
    finally:
        sock.close()
