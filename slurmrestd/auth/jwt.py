"""rest_auth/jwt: the caller's token, checked here when the site's key is readable.

The token comes from ``X-SLURM-USER-TOKEN`` (optionally with
``X-SLURM-USER-NAME``) or from ``Authorization: Bearer``.  With a
``TokenVerifier`` the token is judged before anything else happens and a token
slurmctld would refuse is refused here (``CredentialRejected``, no RPC); without
one it passes through and slurmctld and slurmdbd judge it, as in the reference.
A refused token gives an ``Identity`` with ``rejected`` set: the request runs,
but none of its RPCs leaves the daemon, and each is answered as slurmctld
answers a bad credential, so every endpoint answers as the reference does
after the controller's refusal (511 and error 1007 for most).

With PAM logins on, ``Authorization: Basic`` is a user name and password
checked through PAM; the request then carries a short-lived token the daemon
signs for that user (``TokenMinter``).
"""

from __future__ import annotations

import binascii
import logging
import socket

from slurmrestd.auth import AuthError, Identity
from slurmrestd.auth.verify import TokenRejected, TokenUnchecked

log = logging.getLogger("slurmrestd.auth.jwt")

HEADER_TOKEN = "x-slurm-user-token"
HEADER_USER = "x-slurm-user-name"
HEADER_AUTHORIZATION = "authorization"


def client_address(conn) -> str:
    """The peer's address without the port (rate limits count per address)."""
    sock = getattr(conn, "sock", None)
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            return sock.getpeername()[0]
        except OSError:
            pass
    return getattr(conn, "peer_address", None) or getattr(conn, "name", "") or "?"


def pam_rhost(conn) -> str | None:
    """PAM_RHOST for a login on ``conn``: the peer's address on TCP, ``localhost`` on a unix
    socket (inet mode on a TCP socket: the address inetd or systemd handed over); None (not
    set) where the peer is unknown (inet mode on a pipe)."""
    sock = getattr(conn, "sock", None)
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            return sock.getpeername()[0]
        except OSError:
            return None
    if getattr(conn, "peer_address", None):
        return conn.peer_address
    if getattr(conn, "is_unix", False):
        return "localhost"
    return None


def claimed_user(identity: Identity) -> str | None:
    """Who a token passed through unchecked claims to act as: X-SLURM-USER-NAME, else the
    token's own user claim (read without checking the signature).  Only to be reported once
    slurmctld or slurmdbd accepted the token with that name."""
    if identity.user_name:
        return identity.user_name
    import jwt as pyjwt  # imported on first use (see auth/verify.py)

    try:
        claims = pyjwt.decode(identity.token, options={"verify_signature": False})
    except Exception:
        return None
    for claim in ("sun", "username"):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            return value
    return None


def parse_basic(credentials: str) -> tuple[str, str]:
    """``base64(user:password)`` → (user, password); AuthError on anything malformed."""
    try:
        raw = binascii.a2b_base64(credentials.strip().encode("ascii"), strict_mode=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        raise AuthError("malformed HTTP Basic credentials (not base64 of UTF-8 user:password)") from None
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise AuthError("malformed HTTP Basic credentials (no user name)")
    if "\0" in text:
        raise AuthError("malformed HTTP Basic credentials (NUL byte)")
    return user, password


class JwtAuth:
    name = "rest_auth/jwt"

    def __init__(self, verifier=None, pam=None, minter=None) -> None:
        self.verifier = verifier
        self.pam = pam if minter is not None else None
        self.minter = minter

    def authenticate(self, headers, conn) -> Identity | None:
        token = headers.get(HEADER_TOKEN)
        auth = headers.get(HEADER_AUTHORIZATION)
        user = headers.get(HEADER_USER)
        if token is None and auth is None and user is None:
            return None
        if token is None and auth is None:
            raise AuthError("%s given without %s" % ("X-SLURM-USER-NAME", "X-SLURM-USER-TOKEN"))
        if token is not None and auth is not None:
            raise AuthError("both X-SLURM-USER-TOKEN and Authorization given")
        if token is None:
            scheme, _, rest = auth.strip().partition(" ")
            if scheme.lower() == "basic" and self.pam is not None:
                return self._basic(rest, user, conn)
            if scheme.lower() != "bearer" or not rest.strip():
                raise AuthError("Authorization header is not a Bearer token")
            token = rest.strip()
        if not token:
            raise AuthError("empty token")
        if self.verifier is None:
            log.debug("[%s] %s token authentication pass through",
                      conn.name, "user_name %s" % user if user else "bearer" if auth else "anonymous")
            return Identity(self.name, user or None, token=token, header_user=user or None)
        try:
            checked = self.verifier.verify(token, user or None)
        except TokenRejected as e:
            log.warning("[%s] rejected token%s: %s", conn.name,
                        " with X-SLURM-USER-NAME %s" % user if user else "", e.reason)
            return Identity(self.name, None, token=token, rejected=e.reason)
        except TokenUnchecked as e:
            log.debug("[%s] token passes through unchecked (%s)", conn.name, e.reason)
            return Identity(self.name, user or None, token=token, header_user=user or None)
        log.debug("[%s] verified token of %s, running as %s", conn.name, checked.token_user, checked.user_name)
        return Identity(self.name, checked.user_name, token=token, verified=True, header_user=user or None)

    def _basic(self, credentials: str, header_user: str | None, conn) -> Identity:
        user, password = parse_basic(credentials)
        if header_user and header_user != user:
            raise AuthError("X-SLURM-USER-NAME %s differs from the HTTP Basic user %s" % (header_user, user))
        from slurmrestd.auth.pam import LoginUnavailable

        try:
            ok = self.pam.login(user, password, client_address(conn), conn.name, pam_rhost(conn))
        except LoginUnavailable as e:
            raise AuthError("PAM login not checked: %s" % e) from None
        if not ok:
            raise AuthError("PAM login of %s failed" % user)
        return Identity(self.name, user, token=self.minter.token_for(user), verified=True,
                        header_user=header_user or None)
