"""A TCP forwarder between our daemon and a real slurmdbd, to make it look like slurmdbd
restarted (every connection cut) or is down (nothing listening), without touching the
shared slurmdbd itself."""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading


def conf_through(slurm_conf: str, ctld_port: int, dbd_port: int, prefix: str) -> tuple[str, str]:
    """A copy of ``slurm_conf`` in a new directory whose SlurmctldPort and
    AccountingStoragePort are the given (proxy) ports: (directory, path of the copy)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    with open(slurm_conf) as fh:
        text = fh.read()
    text = re.sub(r"(?m)^SlurmctldPort=.*$", "SlurmctldPort=%d" % ctld_port, text)
    text = re.sub(r"(?m)^AccountingStoragePort=.*$", "AccountingStoragePort=%d" % dbd_port, text)
    path = os.path.join(folder, "slurm.conf")
    with open(path, "w") as fh:
        fh.write(text)
    return folder, path


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self.accepted = 0
        self._listener: socket.socket | None = None
        self.port = 0
        self.resume()

    def resume(self) -> None:
        """(Re)open the listening socket, on the same port as before."""
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self.port = s.getsockname()[1]
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def pause(self) -> None:
        """Stop listening: new connections are refused."""
        s, self._listener = self._listener, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def drop_all(self) -> int:
        """Cut every forwarded connection (both sides); returns how many."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        return len(pairs)

    def close(self) -> None:
        self.pause()
        self.drop_all()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, (client, upstream)), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
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
