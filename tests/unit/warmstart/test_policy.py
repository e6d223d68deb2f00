"""When warm start applies, what a fingerprint covers, and where its socket may live."""

from __future__ import annotations

import os
import stat

import pytest

from slurmrestd.warmstart import policy


@pytest.mark.parametrize("value,idle", [(None, policy.DEFAULT_IDLE_S), ("", policy.DEFAULT_IDLE_S),
                                        ("no", 0), ("OFF", 0), ("0", 0), ("false", 0), ("yes", policy.DEFAULT_IDLE_S),
                                        (" 60 ", 60), ("86400", 86400)])
def test_parse_idle(value, idle):
    assert policy.parse_idle(value) == idle


@pytest.mark.parametrize("value", ["maybe", "-1", "86401", "1.5", "10s"])
def test_parse_idle_refuses(value):
    with pytest.raises(policy.PolicyError, match="SLURMRESTD_INET_WARM"):
        policy.parse_idle(value)


@pytest.mark.parametrize("env,argv,on", [
    ({}, [], True),
    ({}, ["-a", "rest_auth/jwt"], True),
    ({"SLURMRESTD_INET_WARM": "no"}, [], False),
    ({"SLURMRESTD_INET_WARM": "bogus"}, [], False),      # the full parser reports it
    ({"INVOCATION_ID": "abc"}, [], False),               # systemd
    ({"LISTEN_FDS": "1"}, [], False),
    ({"SLURMRESTD_LISTEN": "127.0.0.1:1"}, [], False),
    ({}, ["127.0.0.1:1"], False),
    ({}, ["-V"], False),
    ({}, ["--generate-openapi-spec"], False),
])
def test_idle_lifetime(env, argv, on):
    assert bool(policy.idle_lifetime(argv, env)) is on


def test_fingerprint_is_stable_and_covers_argv_and_startup_variables():
    env = {"LANG": "C.UTF-8", "HOME": "/x"}
    fp = policy.fingerprint(["-a", "rest_auth/jwt"], env)
    assert fp == policy.fingerprint(["-a", "rest_auth/jwt"], dict(env))
    assert fp != policy.fingerprint(["-a", "rest_auth/local"], env)
    assert fp != policy.fingerprint(["-a", "rest_auth/jwt"], {**env, "LANG": "de_DE.UTF-8"})
    assert fp != policy.fingerprint(["-a", "rest_auth/jwt"], {**env, "PYTHONHASHSEED": "1"})
    assert fp != policy.fingerprint(["-a", "rest_auth/jwt"], {**env, "LD_PRELOAD": "x.so"})
    # other variables reach the child as they are: they do not pick another server
    assert fp == policy.fingerprint(["-a", "rest_auth/jwt"], {**env, "HOME": "/y", "SLURM_JWT": "t"})


def test_package_stamp_sees_an_edit(tmp_path):
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "m.py"
    f.write_text("x = 1\n")
    (tmp_path / "sub" / "__pycache__").mkdir()
    (tmp_path / "sub" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"junk")
    before = policy._package_stamp(str(tmp_path))
    assert [os.path.basename(p) for p, _, _ in before] == ["m.py"]
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    assert policy._package_stamp(str(tmp_path)) != before


def test_socket_dir_is_private(tmp_path):
    d = policy.socket_dir({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert d == str(tmp_path / "slurmrestd-warm")
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    os.chmod(d, 0o755)
    assert policy.socket_dir({"XDG_RUNTIME_DIR": str(tmp_path)}) is None
    os.rmdir(d)
    os.symlink(str(tmp_path), d)  # a symbolic link is never followed
    assert policy.socket_dir({"XDG_RUNTIME_DIR": str(tmp_path)}) is None


def test_socket_dir_of_another_user(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to make a directory of another user")
    d = tmp_path / "slurmrestd-warm"
    d.mkdir(mode=0o700)
    os.chown(d, 65534, -1)
    assert policy.socket_dir({"XDG_RUNTIME_DIR": str(tmp_path)}) is None


def test_socket_path():
    p = policy.socket_path("/run/user/1", b"x")
    assert p.startswith("/run/user/1/w") and p.endswith(".sock") and p != policy.socket_path("/run/user/1", b"y")
    assert policy.socket_path("/" + "d" * 120, b"x") is None
    assert policy.socket_path("/" + "d" * 70, b"x") is not None


def test_the_settings_default_is_the_policy_default():
    from slurmrestd.settings import Settings

    assert Settings().inet_warm_idle_s == policy.DEFAULT_IDLE_S
