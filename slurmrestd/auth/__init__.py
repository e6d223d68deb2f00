"""REST authentication: who is asking, decided before anything else is parsed.

Each plugin looks at the request and its connection and either claims it
(returns an ``Identity``), passes (returns ``None``), or refuses it (raises
``AuthError``).  Plugins are tried in the order given with ``-a``; the first
claim wins and a refusal ends the chain.  The ``Identity`` travels with the
request down to the RPC client, which turns it into a Slurm credential: the
daemon never changes its own user per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from slurmrestd.errors import E, SlurmError


@dataclass(frozen=True, init=False)
class Identity:
    """The authenticated caller of one request (immutable, compared and hashed by value)."""

    #: "rest_auth/jwt" or "rest_auth/local".
    plugin: str
    #: User name the caller claims (jwt) or was proven to be (local); may be None for a bare token.
    user_name: str | None
    #: The caller's JWT, passed through to slurmctld/slurmdbd untouched.
    token: str | None = None
    #: Peer uid/gid for rest_auth/local.
    uid: int | None = None
    gid: int | None = None
    #: True when the daemon itself proved who the caller is (a token checked with the
    #: site's key, a PAM login, the kernel's peer credentials); only then does the
    #: answer's meta.client name the user.
    verified: bool = False
    #: Why local verification refused the token (for the log), or None.  Such a request
    #: still runs, but every RPC it would make is answered as the controller answers a
    #: bad credential, without being sent (``rpc.cred.RefusedCredential``).
    rejected: str | None = None
    #: X-SLURM-USER-NAME as the caller sent it (rest_auth/jwt), or None.  It is the user name
    #: packed next to the token in the RPC credential, as the C daemon packs it; None packs
    #: NULL and slurmctld/slurmdbd take the token's own user.  ``user_name`` may be filled from
    #: the token instead, for meta.client, but is not sent.
    header_user: str | None = None

    def __init__(self, plugin: str, user_name: str | None, token: str | None = None, uid: int | None = None,
                 gid: int | None = None, verified: bool = False, rejected: str | None = None,
                 header_user: str | None = None) -> None:
        # One or two per request: the generated frozen __init__ sets each of the eight fields
        # through object.__setattr__, three times the cost of filling the dict at once.
        self.__dict__.update(plugin=plugin, user_name=user_name, token=token, uid=uid, gid=gid,
                             verified=verified, rejected=rejected, header_user=header_user)

    def __repr__(self) -> str:  # never log the token
        return "Identity(%s, user=%r, uid=%r)" % (self.plugin, self.user_name, self.uid)


class AuthError(SlurmError):
    """The request carries credentials we refuse."""

    def __init__(self, reason: str, errno: int = E.ESLURM_AUTH_CRED_INVALID) -> None:
        super().__init__(errno, reason, "rest_auth")


class LoginThrottled(AuthError):
    """Too many failed logins from this address or for this user: 429 with Retry-After."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class AuthPlugin(Protocol):
    name: str

    def authenticate(self, headers, conn) -> Identity | None: ...


def build_chain(names: tuple[str, ...], become_user: bool = False, verifier=None, pam=None,
                minter=None) -> list[AuthPlugin]:
    """The plugins named by -a, in order.  ``verifier`` (a ``TokenVerifier``) checks tokens
    locally, None passes them through; ``pam`` (a ``PamLogin``) with ``minter`` accepts
    HTTP Basic logins; ``minter`` also lets a root peer of rest_auth/local name a user."""
    from slurmrestd.auth.jwt import JwtAuth
    from slurmrestd.auth.local import LocalAuth

    chain: list[AuthPlugin] = []
    for n in names:
        if n == "rest_auth/jwt":
            chain.append(JwtAuth(verifier=verifier, pam=pam, minter=minter))
        elif n == "rest_auth/local":
            chain.append(LocalAuth(become_user=become_user, minter=minter))
        else:
            raise ValueError("unknown authentication plugin %r" % n)
    return chain


def authenticate(chain: list[AuthPlugin], headers, conn) -> Identity:
    """Run the chain; raise AuthError when nobody claims or someone refuses."""
    for plugin in chain:
        ident = plugin.authenticate(headers, conn)
        if ident is not None:
            return ident
    raise AuthError("no authentication credentials provided", E.ESLURM_AUTH_SKIP)
