"""The authentication chain from the settings: keys, verifier, minter, PAM.

Called once, after the daemon has switched to its own user, so that "the key
is readable" means readable by the user that serves requests.
"""

from __future__ import annotations

import logging

from slurmrestd.auth import build_chain
from slurmrestd.auth.keys import KeyFileError, load_keys
from slurmrestd.settings import Settings

log = logging.getLogger("slurmrestd.auth")


class AuthSetupError(Exception):
    """The authentication settings cannot work; the daemon must not start."""


def chain_from_settings(settings: Settings, slurm_conf, slurm_user_uid: int | None) -> list:
    names = settings.auth_plugins
    lim = settings.limits
    if settings.become_user:
        if "rest_auth/jwt" in names:
            raise AuthSetupError("rest_auth/jwt must not be loaded in become_user mode: use -a rest_auth/local")
        if settings.pam_service:
            raise AuthSetupError("PAM logins (SLURMRESTD_PAM_SERVICE) are not available in become_user mode")
        return build_chain(names, become_user=True)
    keys = None
    if "rest_auth/jwt" in names or "rest_auth/local" in names:
        try:
            keys = load_keys(slurm_conf, settings.jwt_verify, settings.jwt_key, settings.jwks)
        except KeyFileError as e:
            raise AuthSetupError(str(e)) from None
    verifier = minter = pam = None
    if keys is not None and "rest_auth/jwt" in names:
        from slurmrestd.auth.verify import TokenVerifier

        verifier = TokenVerifier(keys, getattr(slurm_conf, "slurm_user", "root"), slurm_user_uid,
                                 lim.jwt_iat_leeway_s, cache_entries=lim.verified_token_cache_entries,
                                 cache_bytes=lim.verified_token_cache_bytes)
    if keys is not None and keys.hs256 is not None:
        from slurmrestd.auth.mint import TokenMinter

        minter = TokenMinter(keys.hs256, lim.minted_token_lifespan_s, lim.minted_token_cache_entries,
                             lim.minted_token_cache_bytes)
    if settings.pam_service:
        if "rest_auth/jwt" not in names:
            raise AuthSetupError("PAM logins (SLURMRESTD_PAM_SERVICE) need rest_auth/jwt in -a")
        if minter is None:
            raise AuthSetupError(
                "PAM logins (SLURMRESTD_PAM_SERVICE=%s) need the HS256 jwt_key, readable by the daemon, "
                "to sign a token for each logged-in user; set AuthAltParameters=jwt_key= in slurm.conf "
                "or SLURMRESTD_JWT_KEY" % settings.pam_service)
        from slurmrestd.auth.pam import PamLogin

        pam = PamLogin(settings.pam_service, lim.pam_timeout_s, lim.pam_max_failures,
                       lim.pam_failure_window_s, lim.pam_max_concurrent, max_keys=lim.pam_failure_keys)
        log.info("rest_auth/jwt: HTTP Basic logins through PAM service %s (tokens signed for %d s)",
                 settings.pam_service, lim.minted_token_lifespan_s)
    return build_chain(names, verifier=verifier, pam=pam, minter=minter)
