"""``Identity``: immutable, compared and hashed by value, with its defaults, and never shows
its token."""

import dataclasses

import pytest

from slurmrestd.auth import Identity


def test_identity_is_a_frozen_value():
    a = Identity("rest_auth/jwt", "alice", "secret-token", header_user="alice")
    b = Identity(plugin="rest_auth/jwt", user_name="alice", token="secret-token", header_user="alice")
    assert a == b and hash(a) == hash(b) and a != dataclasses.replace(a, verified=True)
    assert (a.uid, a.gid, a.verified, a.rejected) == (None, None, False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.user_name = "bob"
    assert [f.name for f in dataclasses.fields(a)] == ["plugin", "user_name", "token", "uid", "gid", "verified",
                                                      "rejected", "header_user"]
    r = dataclasses.replace(a, user_name="bob", verified=True)
    assert (r.user_name, r.verified, r.token, r.header_user) == ("bob", True, "secret-token", "alice")
    assert "secret-token" not in repr(a) and "alice" in repr(a)
    with pytest.raises(TypeError):
        Identity("rest_auth/jwt")  # user_name has no default
