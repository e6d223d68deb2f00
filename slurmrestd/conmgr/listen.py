"""Turn listen specifications into bound, listening sockets.

Accepted forms (as the reference daemon accepts them):
``host:port``, ``:port`` (all addresses), ``[v6addr]:port``, a bare ``port``,
``unix:/path/to/socket``, and the same with an ``http://`` prefix.  An
``https://`` prefix makes a TLS listener (``Listener.tls``; the certificate is
the daemon's, see ``conmgr/tls.py``); it is not allowed with ``unix:``.  A host
name is resolved once, at start-up, and every address it resolves to is bound.
Port 0 lets the kernel pick a free port; ``Listener.address`` tells which.
Sockets handed over by systemd (``LISTEN_FDS``) are adopted as they are.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass, field

BACKLOG = 4096
SD_LISTEN_FDS_START = 3


class ListenError(Exception):
    """A listen specification that cannot be parsed or bound."""


@dataclass
class Listener:
    sock: socket.socket
    spec: str
    unix_path: str | None = None
    #: inode of the socket file we created, so we only ever remove our own file.
    unix_ino: int | None = field(default=None, repr=False)
    #: Accepted connections must speak TLS (an ``https://`` address).
    tls: bool = False

    @property
    def address(self) -> str:
        if self.unix_path is not None:
            return "unix:" + self.unix_path
        addr = self.sock.getsockname()
        scheme = "https://" if self.tls else ""
        if self.sock.family == socket.AF_INET6:
            return "%s[%s]:%d" % (scheme, addr[0], addr[1])
        return "%s%s:%d" % (scheme, addr[0], addr[1])

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            if self.unix_path is not None and self.unix_ino is not None:
                try:
                    st = os.lstat(self.unix_path)
                    if stat.S_ISSOCK(st.st_mode) and st.st_ino == self.unix_ino:
                        os.unlink(self.unix_path)
                except OSError:
                    pass


def parse_spec(spec: str) -> tuple[str, str | None, int | None]:
    """Split a spec into (kind, host-or-path, port). kind is 'unix' or 'inet'."""
    s = spec.strip()
    if not s:
        raise ListenError("empty listen address")
    if s.startswith("unix:"):
        path = s[5:]
        if not path.startswith("/"):
            raise ListenError("unix socket path must be absolute: %r" % spec)
        return "unix", path, None
    for prefix in ("http://", "https://"):
        if s.startswith(prefix):
            s = s[len(prefix):].rstrip("/")
            if s.startswith("unix:"):
                raise ListenError("%s cannot be combined with a unix socket: %r" % (prefix, spec))
    if s.startswith("["):
        end = s.find("]")
        if end < 0 or not s[end + 1:].startswith(":"):
            raise ListenError("invalid IPv6 listen address %r (use [addr]:port)" % spec)
        host, port_s = s[1:end], s[end + 2:]
    elif ":" in s:
        host, _, port_s = s.rpartition(":")
        if ":" in host:
            raise ListenError("IPv6 addresses must be in brackets: %r" % spec)
    else:
        host, port_s = "", s
    if not port_s.isdigit() or int(port_s) > 65535:
        raise ListenError("invalid port in listen address %r" % spec)
    return "inet", host or None, int(port_s)


def is_tls_spec(spec: str) -> bool:
    """An ``https://`` listen address."""
    return spec.strip().startswith("https://")


def open_listeners(spec: str) -> list[Listener]:
    kind, host, port = parse_spec(spec)
    if kind == "unix":
        assert host is not None
        return [_open_unix(spec, host)]
    listeners = _open_inet(spec, host, port or 0)
    for l in listeners:
        l.tls = is_tls_spec(spec)
    return listeners


def _open_unix(spec: str, path: str) -> Listener:
    if os.path.lexists(path):
        st = os.lstat(path)
        if not stat.S_ISSOCK(st.st_mode):
            raise ListenError("%s exists and is not a socket" % path)
        # A socket file left by a dead daemon: refuse if something still answers.
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)
        else:
            raise ListenError("%s is in use by another process" % path)
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o117)  # the file is created rw for owner and group only
    try:
        sock.bind(path)
    except OSError as e:
        sock.close()
        raise ListenError("unable to bind %s: %s" % (path, e.strerror)) from e
    finally:
        os.umask(old)
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return Listener(sock, spec, unix_path=path, unix_ino=os.lstat(path).st_ino)


def _open_inet(spec: str, host: str | None, port: int) -> list[Listener]:
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ListenError("unable to resolve %r: %s" % (host, e.strerror)) from e
    listeners: list[Listener] = []
    seen: set[tuple] = set()
    chosen_port = port
    try:
        for family, socktype, proto, _, addr in infos:
            key = (family, addr[0])
            if key in seen:
                continue
            seen.add(key)
            sock = socket.socket(family, socktype, proto)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                # With port 0 and several addresses, bind all of them to one port.
                sock.bind((addr[0], chosen_port) + tuple(addr[2:]))
                sock.listen(BACKLOG)
            except OSError as e:
                sock.close()
                raise ListenError("unable to listen on %s: %s" % (spec, e.strerror)) from e
            sock.setblocking(False)
            chosen_port = sock.getsockname()[1]
            listeners.append(Listener(sock, spec))
    except ListenError:
        for l in listeners:
            l.close()
        raise
    if not listeners:
        raise ListenError("no address to listen on for %r" % spec)
    return listeners


def systemd_listeners() -> list[Listener]:
    """Adopt sockets passed by systemd socket activation, if they are for us."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return []
    try:
        count = int(os.environ.get("LISTEN_FDS", "0"))
    except ValueError:
        return []
    listeners = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + count):
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        path = sock.getsockname() if sock.family == socket.AF_UNIX else None
        listeners.append(Listener(sock, "systemd:%d" % fd, unix_path=None if not path else path))
    for var in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(var, None)
    return listeners


def accepted_name(listener: Listener, sock: socket.socket, addr) -> str:
    """How the log names a connection ``listener`` accepted (TCP ones also get
    ``TCP_NODELAY``: an answer goes out in one write and must not wait for an ACK)."""
    if sock.family == socket.AF_UNIX:
        return "%s(fd:%d)" % (listener.address, sock.fileno())
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if sock.family == socket.AF_INET6:
        return "[%s]:%d" % (addr[0], addr[1])
    return "%s:%d" % (addr[0], addr[1])
