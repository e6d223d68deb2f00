"""A TCP forwarder that counts the messages our daemon sends to slurmctld or slurmdbd, and
can hold them: while the gate is closed, what the daemon sends is received and counted
but not passed on, so an RPC stays in flight for as long as a test wants.

Both daemons frame every message with a 4-byte big-endian length (slurmctld RPCs, one per
connection, and the persistent slurmdbd connections alike); ``messages`` counts complete
frames received from our side, on every connection together."""

from __future__ import annotations

import shutil
import socket
import struct
import threading
import time

from tcp_proxy import TcpProxy, conf_through


class GatedProxy(TcpProxy):
    def __init__(self, target: tuple[str, int]) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self._count_lock = threading.Lock()
        self.messages = 0
        super().__init__(target)

    def hold(self) -> None:
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def wait_messages(self, n: int, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.messages >= n:
                return True
            time.sleep(0.005)
        return self.messages >= n

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        if src is not pair[0]:  # answers flow freely
            return super()._pump(src, dst, pair)
        pending = b""  # bytes of the next frame's length, or of its body
        need = 0  # body bytes of the current frame still to come
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                view = data
                while view:
                    if need:
                        take = min(need, len(view))
                        need -= take
                        view = view[take:]
                        continue
                    take = min(4 - len(pending), len(view))
                    pending += view[:take]
                    view = view[take:]
                    if len(pending) == 4:
                        need = struct.unpack(">I", pending)[0]
                        pending = b""
                        if need == 0:
                            continue
                    else:
                        break
                    # a frame is complete once its body has arrived; count it when its length is read
                    with self._count_lock:
                        self.messages += 1
                self.gate.wait()
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)


class GatedConf:
    """A copy of the cluster's slurm.conf whose SlurmctldPort and AccountingStoragePort lead
    through gated proxies."""

    def __init__(self, env: dict[str, str]) -> None:
        self.ctld = GatedProxy(("127.0.0.1", int(env["CTLD_PORT"])))
        self.dbd = GatedProxy(("127.0.0.1", int(env["DBD_PORT"])))
        self.dir, self.path = conf_through(env["SLURM_CONF"], self.ctld.port, self.dbd.port, "gated-conf-")

    def close(self) -> None:
        self.ctld.release()
        self.dbd.release()
        self.ctld.close()
        self.dbd.close()
        shutil.rmtree(self.dir, ignore_errors=True)
