import pytest

from slurmrestd.cli import ListRequested, UsageError, parse


def test_defaults():
    s, lvl = parse([], {})
    assert s.listen == () and s.inet_mode
    assert s.max_connections == 124
    assert s.data_parsers == ("v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")
    assert lvl is None


def test_env_then_argv_override():
    env = {"SLURMRESTD_LISTEN": "a:1,b:2", "SLURMRESTD_MAX_CONNECTIONS": "9", "SLURMRESTD_AUTH_TYPES": "jwt",
           "SLURMRESTD_SECURITY": "disable_unshare_files,Disable_User_Check", "SLURMRESTD_DEBUG": "debug2",
           "SLURM_CONF": "/x/slurm.conf", "SLURMRESTD_IDLE_TIMEOUT": "5"}
    s, lvl = parse(["--max-connections", "3", "-f", "/y.conf", "c:3", "-vv"], env)
    assert s.listen == ("c:3",)
    assert s.max_connections == 3
    assert s.auth_plugins == ("rest_auth/jwt",)
    assert s.security == {"disable_unshare_files", "disable_user_check"}
    assert s.slurm_conf == "/y.conf"
    assert s.verbosity == 2 and lvl == "debug2"
    assert s.limits.idle_timeout_s == 5


def test_plugin_names_with_and_without_prefix():
    s, _ = parse(["-d", "data_parser/v0.0.44,v0.0.45", "-s", "util,openapi/slurmctld", "-a", "rest_auth/local"], {})
    assert s.data_parsers == ("v0.0.44", "v0.0.45")
    assert s.openapi_plugins == ("openapi/util", "openapi/slurmctld")
    assert s.auth_plugins == ("rest_auth/local",)


@pytest.mark.parametrize("spelling,versions", [
    ("latest", ("v0.0.45",)), ("LATEST", ("v0.0.45",)), ("Latest+prefer_refs", ("v0.0.45",)),
    ("data_parser/v0.0.41", ("v0.0.41",)), ("v0.0.40+complex", ("v0.0.40",)),
    ("v0.0.41,latest,v0.0.41", ("v0.0.41", "v0.0.45")), (",v0.0.40,,", ("v0.0.40",)),
    ("data_parser/v0.0.40,v0.0.41,v0.0.42,v0.0.43,v0.0.44,v0.0.45",
     ("v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")),
])
def test_data_parser_spellings(spelling, versions):
    """What the reference's -d accepts: CSV, optional data_parser/ prefix, +flags, latest in any case."""
    s, _ = parse(["-d", spelling], {})
    assert s.data_parsers == versions
    s, _ = parse([], {"SLURMRESTD_DATA_PARSER_PLUGINS": spelling})
    assert s.data_parsers == versions


@pytest.mark.parametrize("spelling", ["V0.0.41", "Data_parser/v0.0.41", "v0.0.39", "v0.0.46", "latest/x", "0.0.41"])
def test_data_parser_wrong_spellings(spelling):
    """Names are case sensitive in the reference (only latest and list are not)."""
    with pytest.raises(UsageError):
        parse(["-d", spelling], {})


@pytest.mark.parametrize("word", ["list", "LIST"])
def test_data_parser_list_shows_all_six(word):
    with pytest.raises(ListRequested) as e:
        parse(["-d", word], {})
    assert e.value.names == tuple("data_parser/v0.0.4%d" % i for i in range(6))


@pytest.mark.parametrize("argv", [["-t", "0"], ["-t", "x"], ["--max-connections", "-5"], ["-d", ""],
                                  ["-z"], ["--nope"], ["-a", "rest_auth/basic"]])
def test_errors(argv):
    with pytest.raises(UsageError):
        parse(argv, {})


def test_bad_env_level():
    with pytest.raises(UsageError):
        parse([], {"SLURMRESTD_DEBUG": "loud"})


def test_list_requests():
    with pytest.raises(ListRequested) as e:
        parse(["-s", "list"], {})
    assert "openapi/util" in e.value.names


def test_dbd_limits_from_env():
    s, _ = parse([], {})
    assert (s.limits.dbd_max_connections, s.limits.dbd_idle_timeout_s) == (16, 60.0)
    s, _ = parse([], {"SLURMRESTD_DBD_MAX_CONNECTIONS": "4", "SLURMRESTD_DBD_IDLE_TIMEOUT": "2.5",
                      "SLURMRESTD_DBD_CONNECTION_LIFETIME": "30", "SLURMRESTD_DBD_ACQUIRE_TIMEOUT": "1",
                      "SLURMRESTD_DBD_REQUEST_TIMEOUT": "120"})
    lim = s.limits
    assert (lim.dbd_max_connections, lim.dbd_idle_timeout_s, lim.dbd_max_lifetime_s,
            lim.dbd_acquire_timeout_s, lim.dbd_request_timeout_s) == (4, 2.5, 30.0, 1.0, 120.0)
    for env in ({"SLURMRESTD_DBD_MAX_CONNECTIONS": "0"}, {"SLURMRESTD_DBD_MAX_CONNECTIONS": "100"},
                {"SLURMRESTD_DBD_IDLE_TIMEOUT": "x"}, {"SLURMRESTD_DBD_REQUEST_TIMEOUT": "0"}):
        with pytest.raises(UsageError):
            parse([], env)


def test_connection_caps_and_linger_from_env():
    lim = parse([], {})[0].limits
    assert (lim.header_timeout_s, lim.max_waiting_connections, lim.max_client_connections,
            lim.linger_timeout_s, lim.linger_max_bytes) == (30.0, 0, 1024, 5.0, 4 * 1024 * 1024)
    lim = parse([], {"SLURMRESTD_HEADER_TIMEOUT": "2.5", "SLURMRESTD_MAX_WAITING_CONNECTIONS": "500",
                     "SLURMRESTD_MAX_CLIENT_CONNECTIONS": "0", "SLURMRESTD_LINGER_TIMEOUT": "0",
                     "SLURMRESTD_LINGER_BYTES": "1000"})[0].limits
    assert (lim.header_timeout_s, lim.max_waiting_connections, lim.max_client_connections,
            lim.linger_timeout_s, lim.linger_max_bytes) == (2.5, 500, 0, 0.0, 1000)
    for env in ({"SLURMRESTD_HEADER_TIMEOUT": "0"}, {"SLURMRESTD_MAX_CLIENT_CONNECTIONS": "-1"},
                {"SLURMRESTD_LINGER_TIMEOUT": "x"}, {"SLURMRESTD_MAX_WAITING_CONNECTIONS": "many"}):
        with pytest.raises(UsageError):
            parse([], env)


def test_auth_settings_from_env():
    s, _ = parse([], {})
    assert (s.jwt_verify, s.jwt_key, s.jwks, s.pam_service) == ("auto", None, None, None)
    assert (s.limits.minted_token_lifespan_s, s.limits.pam_timeout_s, s.limits.pam_max_failures,
            s.limits.pam_failure_window_s) == (300, 10.0, 5, 300.0)
    s, _ = parse([], {"SLURMRESTD_JWT_VERIFY": "Yes", "SLURMRESTD_JWT_KEY": "/k", "SLURMRESTD_JWKS": "/j",
                      "SLURMRESTD_PAM_SERVICE": "slurmrestd", "SLURMRESTD_MINTED_TOKEN_LIFESPAN": "60",
                      "SLURMRESTD_PAM_TIMEOUT": "2.5", "SLURMRESTD_PAM_MAX_FAILURES": "0",
                      "SLURMRESTD_PAM_FAILURE_WINDOW": "30"})
    assert (s.jwt_verify, s.jwt_key, s.jwks, s.pam_service) == ("yes", "/k", "/j", "slurmrestd")
    assert (s.limits.minted_token_lifespan_s, s.limits.pam_timeout_s, s.limits.pam_max_failures,
            s.limits.pam_failure_window_s) == (60, 2.5, 0, 30.0)
    assert parse([], {"SLURMRESTD_JWT_VERIFY": "off"})[0].jwt_verify == "no"
    assert parse([], {"SLURMRESTD_JWT_VERIFY": "AUTO"})[0].jwt_verify == "auto"
    for env in ({"SLURMRESTD_JWT_VERIFY": "maybe"}, {"SLURMRESTD_MINTED_TOKEN_LIFESPAN": "5"},
                {"SLURMRESTD_MINTED_TOKEN_LIFESPAN": "100000"}, {"SLURMRESTD_PAM_TIMEOUT": "0"},
                {"SLURMRESTD_PAM_MAX_FAILURES": "-1"}, {"SLURMRESTD_PAM_FAILURE_WINDOW": "x"}):
        with pytest.raises(UsageError):
            parse([], env)


def test_gc_threshold_from_the_environment():
    from slurmrestd import cli
    settings, _ = cli.parse(["127.0.0.1:0"], {"SLURMRESTD_GC_THRESHOLD": "0"})
    assert settings.limits.gc_threshold == 0
    settings, _ = cli.parse(["127.0.0.1:0"], {})
    assert settings.limits.gc_threshold == 20000


def test_tune_gc_freezes_and_raises_the_young_threshold():
    import gc

    from slurmrestd.daemon import tune_gc
    before = gc.get_threshold()
    try:
        tune_gc(0)
        assert gc.get_threshold() == before
        tune_gc(12345)
        assert gc.get_threshold()[0] == 12345 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_inline_switch_from_env():
    assert parse(["127.0.0.1:0"], {})[0].inline is True
    assert parse(["127.0.0.1:0"], {"SLURMRESTD_INLINE": "no"})[0].inline is False
    with pytest.raises(UsageError):
        parse(["127.0.0.1:0"], {"SLURMRESTD_INLINE": "maybe"})


def test_dump_processes_from_env(monkeypatch):
    import os

    from slurmrestd.settings import DUMP_PROCESSES_DEFAULT_MAX, default_dump_processes

    for cpus, want in ((1, 0), (2, 1), (3, 2), (64, DUMP_PROCESSES_DEFAULT_MAX)):
        monkeypatch.setattr(os, "cpu_count", lambda cpus=cpus: cpus)
        assert default_dump_processes() == want
    monkeypatch.undo()
    s, _ = parse(["127.0.0.1:0"], {"SLURMRESTD_DUMP_PROCESSES": "0", "SLURMRESTD_DUMP_MIN_BYTES": "4096",
                                   "SLURMRESTD_MALLOC_MMAP_THRESHOLD": "0"})
    assert s.dump_processes == 0 and s.limits.dump_min_bytes == 4096 and s.limits.malloc_mmap_threshold == 0
    assert parse(["127.0.0.1:0"], {"SLURMRESTD_DUMP_PROCESSES": " 3 "})[0].dump_processes == 3
    for bad in ("two", "-1", "65", "1.5"):
        with pytest.raises(UsageError, match="SLURMRESTD_DUMP_PROCESSES"):
            parse(["127.0.0.1:0"], {"SLURMRESTD_DUMP_PROCESSES": bad})
    with pytest.raises(UsageError, match="SLURMRESTD_DUMP_MIN_BYTES"):
        parse(["127.0.0.1:0"], {"SLURMRESTD_DUMP_MIN_BYTES": "lots"})
