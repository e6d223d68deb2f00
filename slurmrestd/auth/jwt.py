"""rest_auth/jwt: the caller's token, passed through to Slurm.

The token comes from ``X-SLURM-USER-TOKEN`` (optionally with
``X-SLURM-USER-NAME``) or from ``Authorization: Bearer``.  slurmrestd does not
judge the token; slurmctld and slurmdbd do, when the request's RPCs carry it.
"""

from __future__ import annotations

import logging

from slurmrestd.auth import AuthError, Identity

log = logging.getLogger("slurmrestd.auth.jwt")

HEADER_TOKEN = "x-slurm-user-token"
HEADER_USER = "x-slurm-user-name"
HEADER_AUTHORIZATION = "authorization"


class JwtAuth:
    name = "rest_auth/jwt"

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
            scheme, _, rest = auth.partition(" ")
            if scheme.lower() != "bearer" or not rest.strip():
                raise AuthError("Authorization header is not a Bearer token")
            token = rest.strip()
        if not token:
            raise AuthError("empty token")
        log.debug("[%s] %s token authentication pass through",
                 conn.name, "user_name %s" % user if user else "bearer" if auth else "anonymous")
        return Identity(self.name, user or None, token=token)
