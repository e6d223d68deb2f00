"""Server-side TLS for ``https://`` listeners, with the standard ``ssl`` module.

``TlsServer`` holds the current ``ssl.SSLContext`` (TLS 1.2 or later, the
module's modern defaults, ALPN ``http/1.1``) built from one certificate chain
and key in PEM files.  ``reload()`` builds a new context from the same files:
connections accepted afterwards use it, established ones keep theirs, so
nothing is dropped.  A reload that fails keeps the old context.

The handshake itself runs in the selector loop (``ConnectionManager``): the
accepted socket is wrapped without handshaking, and ``handshake()`` is called
whenever the socket is ready, until it completes, fails or its deadline
passes.  No worker ever waits on a handshake.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import stat
from dataclasses import dataclass

from slurmrestd.conmgr.tls_record import looks_like_tls  # noqa: F401  (its old home, tests use it)

log = logging.getLogger("slurmrestd.conmgr.tls")

ALPN = ("http/1.1",)

#: What a handshake step asks for next.
DONE = "done"
WANT_READ = "read"
WANT_WRITE = "write"

# OpenSSL's reason when the first bytes on a TLS port are an HTTP request line.
_PLAIN_HTTP_REASONS = ("HTTP_REQUEST", "HTTPS_PROXY_REQUEST")


class TlsError(Exception):
    """The certificate or key cannot be used (start-up or reload)."""


@dataclass(frozen=True)
class CertFiles:
    cert: str
    key: str
    #: Where the paths came from, for messages (an environment variable, TLSParameters …).
    source: str = ""


def check_files(files: CertFiles) -> None:
    """Refuse a certificate anyone may change and a key anyone else may read, as the
    reference does (its TLS plugin checks the same modes)."""
    for path, bad, what in ((files.cert, stat.S_IWOTH | stat.S_IXOTH, "writable or executable by others"),
                            (files.key, stat.S_IRWXO, "readable, writable or executable by others")):
        try:
            st = os.stat(path)
        except OSError as e:
            raise TlsError("cannot read TLS %s %s (%s): %s"
                           % ("certificate" if path == files.cert else "key", path, files.source, e.strerror)) from None
        if st.st_mode & bad:
            raise TlsError("TLS %s %s is %s (mode 0%o)" % (
                "certificate" if path == files.cert else "key", path, what, st.st_mode & 0o777))


def build_context(files: CertFiles) -> ssl.SSLContext:
    check_files(files)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(list(ALPN))
    try:
        ctx.load_cert_chain(files.cert, files.key)
    except (ssl.SSLError, OSError) as e:
        raise TlsError("cannot load TLS certificate %s and key %s (%s): %s"
                       % (files.cert, files.key, files.source, getattr(e, "reason", None) or e)) from None
    return ctx


class TlsServer:
    """The context ``https://`` listeners wrap accepted sockets with."""

    def __init__(self, files: CertFiles) -> None:
        self.files = files
        self.context = build_context(files)

    def reload(self) -> bool:
        """Load the certificate and key again (SIGHUP); True when the new pair is in use."""
        try:
            self.context = build_context(self.files)
        except TlsError as e:
            log.error("TLS certificate not reloaded, keeping the previous one: %s", e)
            return False
        log.info("TLS certificate reloaded from %s", self.files.cert)
        return True

    def wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        """Wrap an accepted, non-blocking socket; the handshake is left to ``handshake``."""
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)


def handshake(sock: ssl.SSLSocket) -> str:
    """One non-blocking handshake step: ``DONE``, ``WANT_READ`` or ``WANT_WRITE``.

    Raises ``ssl.SSLError``/``OSError`` when the handshake fails; ``describe_failure``
    turns that into a log message.
    """
    try:
        sock.do_handshake()
    except ssl.SSLWantReadError:
        return WANT_READ
    except ssl.SSLWantWriteError:
        return WANT_WRITE
    return DONE


def describe_failure(err: BaseException) -> str:
    reason = getattr(err, "reason", None)
    if reason in _PLAIN_HTTP_REASONS:
        return "plain HTTP sent to a TLS (https://) listener: closing without an answer"
    if isinstance(err, ssl.SSLEOFError) or (isinstance(err, OSError) and not isinstance(err, ssl.SSLError)):
        return "peer closed the connection during the TLS handshake"
    return "TLS handshake failed: %s" % (reason or err)


def describe_session(sock: ssl.SSLSocket) -> str:
    cipher = sock.cipher()
    return "%s %s, ALPN %s" % (sock.version(), cipher[0] if cipher else "?", sock.selected_alpn_protocol() or "none")


def parse_tls_parameters(text: str | None) -> dict[str, str]:
    """slurm.conf ``TLSParameters``: comma-separated ``key=value`` options."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        key, sep, value = item.strip().partition("=")
        if sep and key:
            out[key.strip().lower()] = value.strip()
    return out


def cert_files(env_cert: str | None, env_key: str | None, tls_parameters: str | None,
               slurm_conf_path: str) -> CertFiles:
    """Where the certificate and key of https:// listeners are.

    ``SLURMRESTD_TLS_CERT`` and ``SLURMRESTD_TLS_KEY`` (both or neither) come first;
    otherwise the reference's places: ``TLSParameters=restd_cert_file=…,
    restd_cert_key_file=…`` in slurm.conf, else ``restd_cert.pem`` and
    ``restd_cert_key.pem`` in slurm.conf's directory.
    """
    if env_cert or env_key:
        if not (env_cert and env_key):
            raise TlsError("SLURMRESTD_TLS_CERT and SLURMRESTD_TLS_KEY must be set together")
        return CertFiles(env_cert, env_key, "SLURMRESTD_TLS_CERT/SLURMRESTD_TLS_KEY")
    params = parse_tls_parameters(tls_parameters)
    conf_dir = os.path.dirname(os.path.abspath(slurm_conf_path))
    cert = params.get("restd_cert_file") or os.path.join(conf_dir, "restd_cert.pem")
    key = params.get("restd_cert_key_file") or os.path.join(conf_dir, "restd_cert_key.pem")
    where = "TLSParameters in %s" % slurm_conf_path if params.get("restd_cert_file") else "beside %s" % slurm_conf_path
    return CertFiles(cert, key, where)
