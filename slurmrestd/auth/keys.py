"""The keys that let the daemon judge JWTs itself: where they are, and whether we can read them.

slurmctld and slurmdbd verify tokens with the key named in ``AuthAltParameters``:
``jwt_key=`` (an HS256 shared secret) or ``jwks=`` (a JSON Web Key Set of RS256
public keys, chosen by the token's ``kid``).  Without either, slurmctld uses
``StateSaveLocation/jwt_hs256.key``.  When the daemon can read the same key it
checks tokens before any RPC; when it cannot (the usual 0600 file owned by
SlurmUser), tokens pass through to the controller as the reference daemon does.

Each kind of key counts on its own: a site may publish its JWKS (public keys)
to everyone and keep the HS256 secret 0600.  A daemon that reads one kind but
not the other checks the tokens of the readable kind and passes the others
through (``JwtKeys.unchecked``), so no token slurmctld would accept is refused.

``SLURMRESTD_JWT_KEY`` / ``SLURMRESTD_JWKS`` name other files (for example a
copy readable by the daemon's user, or the public key set only), and
``SLURMRESTD_JWT_VERIFY`` is ``auto`` (verify when a key is readable), ``yes``
(refuse to start without one) or ``no`` (always pass through).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("slurmrestd.auth.keys")

DEFAULT_HS256_KEY_NAME = "jwt_hs256.key"


class KeyFileError(Exception):
    """A key file that was asked for explicitly cannot be used; the daemon must not start."""


@dataclass(frozen=True)
class JwtKeys:
    """What tokens can be checked against (either part may be missing)."""

    #: The HS256 secret (``jwt_key=``), or None.
    hs256: bytes | None = None
    #: RS256 public keys by ``kid`` (``jwks=``): cryptography key objects.
    rs256: Mapping[str, Any] = field(default_factory=dict)
    #: ``userclaimfield=``: one more claim that may name the user (after ``sun`` and ``username``).
    claim_field: str | None = None
    #: Where the keys came from, for the start-up log line.
    sources: tuple[str, ...] = ()
    #: Algorithms whose key slurm.conf names but the daemon cannot read ("HS256", "RS256"):
    #: their tokens pass through for slurmctld and slurmdbd to judge, as without any key.
    unchecked: frozenset[str] = frozenset()
    #: ``use_jwt_client_ids``: a token may carry the caller's whole identity (``uid``, ``gid``
    #: and an ``id`` object with ``name``, ``gecos``, ``dir``, ``shell``); it then names the user.
    client_ids: bool = False
    #: ``use_jwt_client_ids_only``: a token without such an identity is refused.
    client_ids_only: bool = False

    @property
    def usable(self) -> bool:
        return self.hs256 is not None or bool(self.rs256)


def auth_alt_options(text: str | None) -> dict[str, str]:
    """``AuthAltParameters`` → {option: value} (comma separated ``name=value`` or bare words)."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        out[name.strip().lower()] = value.strip()
    return out


def _uses_jwt(slurm_conf) -> bool:
    types = (getattr(slurm_conf, "auth_type", "") or "",) + tuple(getattr(slurm_conf, "auth_alt_types", ()) or ())
    return "auth/jwt" in types


def key_paths(slurm_conf, jwt_key: str | None = None, jwks: str | None = None) -> tuple[str | None, str | None]:
    """(HS256 key file, JWKS file) to try.  Each override replaces slurm.conf's file of its
    kind; with neither kind configured anywhere, the controller's default HS256 key
    (``StateSaveLocation/jwt_hs256.key``) is tried."""
    conf_hs = conf_ks = None
    if slurm_conf is not None and _uses_jwt(slurm_conf):
        opts = auth_alt_options(getattr(slurm_conf, "auth_alt_parameters", None))
        conf_hs, conf_ks = opts.get("jwt_key") or None, opts.get("jwks") or None
        if conf_hs is None and conf_ks is None and not (jwt_key or jwks):
            state = slurm_conf.get("StateSaveLocation") if hasattr(slurm_conf, "get") else None
            if state:
                conf_hs = os.path.join(state, DEFAULT_HS256_KEY_NAME)
    return jwt_key or conf_hs, jwks or conf_ks


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


class RsaKeys(Mapping):
    """RS256 public keys by ``kid``: each JWK is turned into a key object (PyJWT and
    ``cryptography``, about 90 ms to import) on its first use, not at start-up; a process
    that never meets an RS256 token never loads them.  The JWKs were checked for shape
    when read (``parse_jwks``)."""

    def __init__(self, jwks: dict[str, dict]) -> None:
        self._jwks = dict(jwks)
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getitem__(self, kid: str) -> Any:
        jwk = self._jwks[kid]
        with self._lock:
            key = self._keys.get(kid)
            if key is None:
                from jwt.algorithms import RSAAlgorithm

                key = self._keys[kid] = RSAAlgorithm.from_jwk(jwk)
            return key

    def __iter__(self):
        return iter(self._jwks)

    def __len__(self) -> int:
        return len(self._jwks)


def _check_rsa_jwk(k: dict, path: str, kid: str) -> None:
    """What ``RSAAlgorithm.from_jwk`` needs of a public key, checked without loading it:
    ``n`` and ``e`` as base64url text."""
    for member in ("n", "e"):
        value = k.get(member)
        if not isinstance(value, str) or not value or not set(value) <= _B64URL:
            raise KeyFileError("%s: key %r: %r is missing or not base64url" % (path, kid, member))


def parse_jwks(data: bytes, path: str = "jwks") -> "RsaKeys":
    """RS256 public keys of a JWKS document by ``kid`` (other key types and algorithms skipped)."""
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise KeyFileError("%s: not a JSON document: %s" % (path, e)) from None
    keys = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(keys, list):
        raise KeyFileError("%s: no \"keys\" list" % path)
    out: dict[str, dict] = {}
    for k in keys:
        if not isinstance(k, dict):
            continue
        alg = k.get("alg")
        if alg is not None and str(alg).upper() != "RS256":
            continue
        if k.get("kty") != "RSA":
            continue
        kid = k.get("kid")
        if not isinstance(kid, str) or not kid:
            raise KeyFileError("%s: an RSA key without \"kid\"" % path)
        _check_rsa_jwk(k, path, kid)
        out[kid] = k
    return RsaKeys(out)


def load_keys(slurm_conf, mode: str = "auto", jwt_key: str | None = None,
              jwks: str | None = None) -> JwtKeys | None:
    """The keys to verify with, or None for pass-through.

    ``mode`` ``no`` → None.  ``auto`` → whatever is readable; unreadable files give
    one info line and pass-through.  ``yes`` → a missing or unreadable key is a
    ``KeyFileError``.  A file given through the environment that cannot be read is an
    error in every mode but ``no``: the site asked for it by name."""
    if mode == "no":
        log.info("rest_auth/jwt: local token verification is off (SLURMRESTD_JWT_VERIFY=no); "
                 "tokens pass through to slurmctld and slurmdbd")
        return None
    hs_path, ks_path = key_paths(slurm_conf, jwt_key, jwks)
    hs: bytes | None = None
    rs: dict[str, Any] = {}
    sources: list[str] = []
    problems: list[str] = []
    unchecked: set[str] = set()
    if hs_path:
        try:
            hs = _read(hs_path)
            if not hs:
                problems.append("%s is empty" % hs_path)
                hs = None
            else:
                sources.append("jwt_key=%s" % hs_path)
        except OSError as e:
            problems.append("cannot read %s: %s" % (hs_path, e.strerror or e))
            if jwt_key:  # asked for by name: an error in every mode but "no"
                raise KeyFileError("rest_auth/jwt: SLURMRESTD_JWT_KEY: " + problems[-1]) from None
            unchecked.add("HS256")
    if ks_path:
        try:
            rs = parse_jwks(_read(ks_path), ks_path)
            sources.append("jwks=%s (%d RS256 keys)" % (ks_path, len(rs)))
        except OSError as e:
            problems.append("cannot read %s: %s" % (ks_path, e.strerror or e))
            if jwks:
                raise KeyFileError("rest_auth/jwt: SLURMRESTD_JWKS: " + problems[-1]) from None
            unchecked.add("RS256")
    opts = auth_alt_options(getattr(slurm_conf, "auth_alt_parameters", None))
    raw = getattr(slurm_conf, "auth_alt_parameters", None) or ""
    # the controller looks for these words anywhere in the parameter string (the longer
    # spelling contains the shorter one, so "_only" turns both on)
    keys = JwtKeys(hs, rs, opts.get("userclaimfield") or None, tuple(sources), frozenset(unchecked),
                   client_ids="use_jwt_client_ids" in raw, client_ids_only="use_jwt_client_ids_only" in raw)
    if problems and mode == "yes":
        raise KeyFileError("rest_auth/jwt: " + "; ".join(problems))
    if not keys.usable:
        if mode == "yes":
            raise KeyFileError("rest_auth/jwt: SLURMRESTD_JWT_VERIFY=yes but no JWT key is configured "
                            "(AuthAltParameters jwt_key=/jwks=, SLURMRESTD_JWT_KEY, SLURMRESTD_JWKS)")
        log.info("rest_auth/jwt: tokens pass through to slurmctld and slurmdbd unchecked (%s)",
                 "; ".join(problems) if problems else "no JWT key configured")
        return None
    if problems:
        log.info("rest_auth/jwt: %s; %s tokens pass through to slurmctld and slurmdbd unchecked",
                 "; ".join(problems), " and ".join(sorted(unchecked)) or "no")
    log.info("rest_auth/jwt: verifying tokens locally with %s", ", ".join(sources))
    return keys
