"""The chain built from the settings: what each combination turns on or refuses."""

from __future__ import annotations

import os

import pytest

from slurmrestd.auth.jwt import JwtAuth
from slurmrestd.auth.local import LocalAuth
from slurmrestd.auth.setup import AuthSetupError, chain_from_settings
from slurmrestd.settings import Settings


class Conf:
    auth_type = "auth/munge"
    auth_alt_types = ("auth/jwt",)
    slurm_user = "slurm"

    def __init__(self, key_path=None):
        self.auth_alt_parameters = "jwt_key=%s" % key_path if key_path else None

    def get(self, key, default=None):
        return default


@pytest.fixture
def key(tmp_path):
    p = tmp_path / "jwt.key"
    p.write_bytes(os.urandom(64))
    return str(p)


def plugins(chain):
    return {type(p): p for p in chain}


def test_readable_key_turns_verification_and_minting_on(key):
    got = plugins(chain_from_settings(Settings(), Conf(key), 64030))
    assert got[JwtAuth].verifier is not None and got[JwtAuth].pam is None
    assert got[LocalAuth].minter is not None


def test_no_key_is_pass_through(tmp_path):
    got = plugins(chain_from_settings(Settings(), Conf(str(tmp_path / "missing")), 64030))
    assert got[JwtAuth].verifier is None and got[LocalAuth].minter is None


def test_pam_needs_the_key(tmp_path, key):
    with pytest.raises(AuthSetupError, match="need the HS256 jwt_key"):
        chain_from_settings(Settings(pam_service="svc"), Conf(str(tmp_path / "missing")), None)
    with pytest.raises(AuthSetupError, match="need the HS256 jwt_key"):
        chain_from_settings(Settings(pam_service="svc", jwt_verify="no"), Conf(key), None)
    with pytest.raises(AuthSetupError, match="need rest_auth/jwt"):
        chain_from_settings(Settings(pam_service="svc", auth_plugins=("rest_auth/local",)), Conf(key), None)
    got = plugins(chain_from_settings(Settings(pam_service="svc"), Conf(key), None))
    assert got[JwtAuth].pam.service == "svc" and got[JwtAuth].minter is not None


def test_become_user(key):
    with pytest.raises(AuthSetupError, match="must not be loaded in become_user mode"):
        chain_from_settings(Settings(security=frozenset({"become_user"})), Conf(key), None)
    chain = chain_from_settings(Settings(security=frozenset({"become_user"}), auth_plugins=("rest_auth/local",)),
                                Conf(key), None)
    assert [type(p) for p in chain] == [LocalAuth] and chain[0].minter is None
