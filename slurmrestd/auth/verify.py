"""Judging a JWT the way slurmctld's auth/jwt does, before any RPC is made.

The checks, in order: the header's ``alg`` picks the key (``HS256`` → the
``jwt_key`` secret, ``RS256`` → the JWKS key named by ``kid``; anything else, or
an algorithm without its key, is refused, so a token can never choose a weaker
check); the signature; ``exp`` (required, no grace: the controller has none);
``iat`` when present (not in the future beyond a small clock-skew allowance);
the user name, from ``sun``, else ``username``, else ``userclaimfield=``
(with ``use_jwt_client_ids``, a complete identity in the token comes first and
cannot be overridden by a header; ``use_jwt_client_ids_only`` requires one).  An
``X-SLURM-USER-NAME`` naming someone else is accepted only from a token of root
or SlurmUser, as the controller decides.

A refusal raises ``TokenRejected`` with a reason for the log; the token itself
is never part of any message.  A token whose algorithm has a key in slurm.conf
that the daemon cannot read raises ``TokenUnchecked``: it passes through to
slurmctld, which has the key.

A token whose signature and claims were checked is remembered (bounded LRU, by
the SHA-256 of the token string, so a long token costs no more) with its user and expiry, so a client reusing its token
costs one dictionary look-up instead of a signature check; its expiry and the
user-name rule are still checked on every use.

A plainly good HS256 token is checked with ``hmac`` (``auth/hs256``) without importing
PyJWT; PyJWT judges every other token, so refusals read as before.
"""

from __future__ import annotations

import hashlib
import pwd
import time
from dataclasses import dataclass
from typing import Callable

from slurmrestd.auth.hs256 import verified_claims
from slurmrestd.auth.keys import JwtKeys
from slurmrestd.cache import LruCache

#: Bytes a remembered token costs besides its user name (digest, tuple, dictionary slot).
_ENTRY_OVERHEAD = 200

#: Claims that may name the user, in the controller's order (``userclaimfield=`` after them).
USER_CLAIMS = ("sun", "username")


class TokenRejected(Exception):
    """The token would be refused by slurmctld; ``reason`` says why (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenUnchecked(Exception):
    """The token's key is configured but unreadable here: slurmctld and slurmdbd judge it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedToken:
    #: Who the request runs as: X-SLURM-USER-NAME when a privileged token names someone, else the token's user.
    user_name: str
    #: The user the token was issued to.
    token_user: str
    #: The token's expiry (seconds since the epoch).
    expires: float


def _uid_of(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _id_number(value) -> int | None:
    """A uid/gid claim as the controller converts it: an integer, or a string of one, in 0..2^32-1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip(), 10)
        except ValueError:
            return None
    if isinstance(value, int) and 0 <= value <= 0xFFFFFFFF:
        return value
    return None


def identity_user(claims: dict) -> str | None:
    """The user name of a complete identity carried by the token (``use_jwt_client_ids``),
    or None when the claims hold none: ``uid`` and ``gid`` numbers and an ``id`` object with
    a non-empty ``name`` and ``gecos`` and absolute ``dir`` and ``shell``."""
    if _id_number(claims.get("uid")) is None or _id_number(claims.get("gid")) is None:
        return None
    ident = claims.get("id")
    if not isinstance(ident, dict):
        return None
    name, gecos, home, shell = (ident.get(k) for k in ("name", "gecos", "dir", "shell"))
    if not (isinstance(name, str) and name and isinstance(gecos, str) and gecos):
        return None
    if not (isinstance(home, str) and home.startswith("/") and isinstance(shell, str)
            and shell.startswith("/")):
        return None
    return name


class TokenVerifier:
    """Checks tokens against the site's keys; shared by all requests (read-only)."""

    def __init__(self, keys: JwtKeys, slurm_user: str = "root", slurm_user_uid: int | None = None,
                 iat_leeway_s: float = 60.0, uid_of: Callable[[str], int | None] = _uid_of,
                 clock: Callable[[], float] = time.time, cache_entries: int = 1024,
                 cache_bytes: int = 1024 * 1024) -> None:
        self.keys = keys
        self.slurm_user = slurm_user or "root"
        self.slurm_user_uid = slurm_user_uid
        self.iat_leeway_s = iat_leeway_s
        self._uid_of = uid_of
        self._clock = clock
        #: sha256(token) → (user, exp) of tokens whose signature and claims passed.
        self._checked = LruCache(cache_entries, cache_bytes)

    def may_proxy(self, user: str) -> bool:
        """Whether a token of ``user`` may name another user (root or SlurmUser only)."""
        if user in ("root", self.slurm_user):
            return True
        uid = self._uid_of(user)
        return uid is not None and (uid == 0 or uid == self.slurm_user_uid)

    def verify(self, token: str, header_user: str | None = None) -> VerifiedToken:
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        hit = self._checked.get(digest)
        if hit is not None:
            user, exp, fixed = hit
            now = self._clock()
            if exp < now:
                raise TokenRejected("expired %d s ago" % int(now - exp))
            return self._run_as(user, exp, header_user, fixed)
        user, exp, fixed = self._check(token)
        self._checked.put(digest, (user, exp, fixed), _ENTRY_OVERHEAD + len(user))
        return self._run_as(user, exp, header_user, fixed)

    def _run_as(self, user: str, exp: float, header_user: str | None, fixed: bool = False) -> VerifiedToken:
        run_as = user
        if fixed and header_user and header_user != user:
            raise TokenRejected("user name mismatch: the token carries the identity of %s, which "
                                "X-SLURM-USER-NAME cannot override (use_jwt_client_ids)" % user)
        if header_user and header_user != user:
            if not self.may_proxy(user):
                raise TokenRejected("user name mismatch: a token of %s cannot act as %s "
                                    "(X-SLURM-USER-NAME; only root and SlurmUser may)" % (user, header_user))
            run_as = header_user
        return VerifiedToken(run_as, user, float(exp))

    def _check(self, token: str) -> tuple[str, float, bool]:
        """Signature and claims: (user, exp, whether the user comes from a carried identity),
        or TokenRejected."""
        claims = None
        if self.keys.hs256 is not None and "HS256" not in self.keys.unchecked:
            claims = verified_claims(token, self.keys.hs256)  # None: not plainly good, PyJWT judges
        if claims is None:
            claims = self._decode(token)
        return self._claims(claims)

    def _decode(self, token: str) -> dict:
        """PyJWT's judgement: the header picks the key, the signature is checked."""
        import jwt  # PyJWT (and cryptography) only for tokens the HS256 fast path leaves to it

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise TokenRejected("malformed token (%s)" % e) from None
        alg = header.get("alg")
        if isinstance(alg, str) and alg in self.keys.unchecked:
            raise TokenUnchecked("%s key unreadable" % alg)
        if alg == "HS256":
            if self.keys.hs256 is None:
                raise TokenRejected("algorithm HS256 but no jwt_key is loaded")
            key = self.keys.hs256
        elif alg == "RS256":
            if not self.keys.rs256:
                raise TokenRejected("algorithm RS256 but no jwks is loaded")
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise TokenRejected("RS256 token without kid")
            if kid not in self.keys.rs256:
                raise TokenRejected("no key with kid %r in the jwks" % kid)
            try:
                key = self.keys.rs256[kid]
            except Exception as e:  # bad modulus/exponent encodings, found on first use
                raise TokenRejected("the jwks key %r is unusable (%s)" % (kid, e)) from None
        else:
            raise TokenRejected("wrong algorithm %r (only HS256 and RS256 are accepted)" % (alg,))
        try:
            claims = jwt.decode(token, key, algorithms=[alg],
                                options={"verify_signature": True, "verify_exp": False, "verify_iat": False,
                                         "verify_nbf": False, "verify_aud": False, "verify_iss": False})
        except jwt.InvalidSignatureError:
            raise TokenRejected("bad signature") from None
        except jwt.PyJWTError as e:
            raise TokenRejected("undecodable token (%s)" % e) from None
        return claims

    def _claims(self, claims: dict) -> tuple[str, float, bool]:
        now = self._clock()
        exp = claims.get("exp")
        if exp is None:
            raise TokenRejected("no exp claim")
        if not _number(exp):
            raise TokenRejected("exp claim is not a number")
        if exp < now:
            raise TokenRejected("expired %d s ago" % int(now - exp))
        iat = claims.get("iat")
        if iat is not None:
            if not _number(iat):
                raise TokenRejected("iat claim is not a number")
            if iat > now + self.iat_leeway_s:
                raise TokenRejected("issued %d s in the future (iat)" % int(iat - now))
        if self.keys.client_ids:
            user = identity_user(claims)
            if user is not None:
                return user, float(exp), True
            if self.keys.client_ids_only:
                raise TokenRejected("no complete identity (uid, gid, id.name/gecos/dir/shell) in the token "
                                    "and AuthAltParameters has use_jwt_client_ids_only")
        user = None
        for claim in USER_CLAIMS + ((self.keys.claim_field,) if self.keys.claim_field else ()):
            value = claims.get(claim)
            if isinstance(value, str) and value:
                user = value
                break
        if user is None:
            raise TokenRejected("no user name claim (sun, username%s)"
                                % (", " + self.keys.claim_field if self.keys.claim_field else ""))
        return user, float(exp), False
