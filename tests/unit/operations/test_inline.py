"""Which requests run on the loop thread (``operations/inline``), and the identity copy of
``_proven`` (built field by field for speed)."""

from __future__ import annotations

import dataclasses
import socket

from slurmrestd.auth import Identity
from slurmrestd.operations.inline import INLINE, NOT_INLINE, inline_caller, inline_operation


class Conn:
    def __init__(self, unix: bool = False, sock: bool = True) -> None:
        self.is_unix = unix
        self.sock = socket.socket() if sock else None


def test_only_the_listed_slurmctld_gets_run_inline():
    for template in INLINE:
        assert inline_operation("openapi/slurmctld", "get", template)
        assert not inline_operation("openapi/slurmctld", "post", template)
        assert not inline_operation("openapi/slurmdbd", "get", template)
    assert not set(INLINE) & set(NOT_INLINE)
    for template in NOT_INLINE:
        assert not inline_operation("openapi/slurmctld", "get", template)
    assert not inline_operation("openapi/slurmctld", "get", "/slurm/{data_parser}/jobs/")
    assert not inline_operation("openapi/slurmctld", "get", "/slurm/{data_parser}/reconfigure/")


def test_only_token_callers_over_tcp_run_inline():
    token = {"x-slurm-user-token": "t", "x-slurm-user-name": "alice"}
    assert inline_caller(token, Conn())
    assert not inline_caller(token, Conn(unix=True))  # rest_auth/local mints munge credentials
    assert not inline_caller(token, Conn(sock=False))  # inet mode
    assert not inline_caller({"x-slurm-user-name": "alice"}, Conn())
    assert not inline_caller(dict(token, authorization="Basic YTpi"), Conn())  # PAM login


def test_proven_copies_every_identity_field():
    # operations/app._proven builds the verified copy by hand: a new Identity field must be added there
    assert [f.name for f in dataclasses.fields(Identity)] == [
        "plugin", "user_name", "token", "uid", "gid", "verified", "rejected", "header_user"]
