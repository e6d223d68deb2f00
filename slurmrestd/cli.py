"""Command line and environment → ``Settings``; the ``slurmrestd`` entry point.

The options are the reference daemon's, letter for letter.  The environment is
read first and the command line overrides it.  A bad option or value prints one
line saying what is wrong, then the usage, on stderr, and exits with status 1.
"""

from __future__ import annotations

import getopt
import os
import re
import sys
from dataclasses import replace

from slurmrestd import SLURM_COMPAT_RELEASE, __version__, options
from slurmrestd.log import parse_level
from slurmrestd.warmstart import policy as warm_policy
from slurmrestd.settings import (AUTH_PLUGINS, DATA_PARSERS, DEFAULT_DATA_PARSER, DEFAULT_MAX_CONNECTIONS,
                                 LOG_FORMATS, OPENAPI_PLUGINS, SECURITY_WORDS, Cors, Limits, Settings)

USAGE = """\
Usage: slurmrestd [OPTIONS] <[host]:port|unix:/path/to/socket>...
	-a <authentication plugins>
		CSV list of REST authentication plugins (-a list to show them).
	-d <data_parser plugins>
		CSV list of data_parser plugins (-d list to show them).
	-f <file>
		Read this slurm.conf instead of the default.
	-g <group>
		Switch to this group after opening the sockets.
	--generate-openapi-spec
		Print the OpenAPI document for the selected plugins and exit.
	-h, --help
		Print this help message.
	--max-connections <count>
		Most connections processed at once (default %d).
	-s <OpenAPI plugins>
		CSV list of OpenAPI plugins (-s list to show them).
	-t <thread count>
		Number of worker threads.
	-u <user>
		Switch to this user after opening the sockets.
	-v
		Verbose mode. Multiple -v's increase verbosity.
	-V
		Print version information and exit.
""" % DEFAULT_MAX_CONNECTIONS


class UsageError(Exception):
    """Bad command line or environment: one line of explanation."""


class ListRequested(Exception):
    """``-a list`` and friends: print the names and exit 0."""

    def __init__(self, title: str, names: tuple[str, ...]) -> None:
        super().__init__(title)
        self.title = title
        self.names = names


def _split_csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _plugins(text: str, known: tuple[str, ...], prefix: str, what: str) -> tuple[str, ...]:
    if text.strip().lower() == "list":
        raise ListRequested("Possible %s plugins:" % what, known)
    out: list[str] = []
    for item in _split_csv(text):
        name = item if item.startswith(prefix) else prefix + item
        if name not in known:
            raise UsageError("unknown %s plugin %r (known: %s)" % (what, item, ", ".join(known)))
        if name not in out:
            out.append(name)
    if not out:
        raise UsageError("empty list of %s plugins" % what)
    return tuple(out)


def _data_parser_name(item: str) -> str:
    """One ``-d`` item as the reference reads it: ``NAME[+FLAGS]``, where ``latest`` (any
    case) is the newest version and NAME may carry the ``data_parser/`` prefix."""
    name = item.split("+", 1)[0]
    if name.lower() == "latest":
        return DEFAULT_DATA_PARSER
    return name.removeprefix("data_parser/")


def _data_parsers(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "list":
        raise ListRequested("Possible data_parser plugins:", tuple("data_parser/" + v for v in DATA_PARSERS))
    out: list[str] = []
    for item in _split_csv(text):
        name = _data_parser_name(item)
        if name not in DATA_PARSERS:
            raise UsageError("unknown data_parser plugin %r (known: %s)" % (item, ", ".join(DATA_PARSERS)))
        if name not in out:
            out.append(name)
    if not out:
        raise UsageError("empty list of data_parser plugins")
    return tuple(out)


def _positive_int(text: str, what: str, maximum: int | None = None) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise UsageError("invalid %s %r: not a number" % (what, text)) from None
    if value < 1 or (maximum is not None and value > maximum):
        raise UsageError("invalid %s %r: must be between 1 and %s" % (what, text, maximum or "∞"))
    return value


def _seconds(text: str, what: str, allow_zero: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError("invalid %s %r: not a number of seconds" % (what, text)) from None
    if not (value >= 0 if allow_zero else value > 0) or value != value or value == float("inf"):
        raise UsageError("invalid %s %r: must be %s" % (what, text, "0 or more" if allow_zero else "positive"))
    return value


def _count(text: str, what: str) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise UsageError("invalid %s %r: not a whole number" % (what, text)) from None
    if value < 0:
        raise UsageError("invalid %s %r: must be 0 or more" % (what, text))
    return value


_SWITCH_WORDS = {"1": True, "yes": True, "on": True, "true": True,
                 "0": False, "no": False, "off": False, "false": False}


def _switch(text: str, what: str) -> bool:
    try:
        return _SWITCH_WORDS[text.strip().lower()]
    except KeyError:
        raise UsageError("invalid %s %r: must be one of yes, no, on, off, true, false, 1, 0"
                         % (what, text)) from None


_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _origins(text: str) -> tuple[str, ...]:
    out = []
    for item in _split_csv(text):
        if item != "*" and not _ORIGIN.fullmatch(item):
            raise UsageError("invalid origin %r in SLURMRESTD_CORS_ORIGINS: expected * or "
                             "scheme://host[:port] (http or https, no path)" % item)
        out.append(item.lower())
    return tuple(dict.fromkeys(out))


def _tokens(text: str, var: str, upper: bool = False) -> tuple[str, ...]:
    out = []
    for item in _split_csv(text):
        if not _TOKEN.fullmatch(item):
            raise UsageError("invalid name %r in %s" % (item, var))
        out.append(item.upper() if upper else item)
    return tuple(dict.fromkeys(out))


def _cors(environ: dict[str, str]) -> Cors:
    kw: dict = {}
    if environ.get("SLURMRESTD_CORS_ORIGINS"):
        kw["origins"] = _origins(environ["SLURMRESTD_CORS_ORIGINS"])
    if environ.get("SLURMRESTD_CORS_METHODS"):
        kw["methods"] = _tokens(environ["SLURMRESTD_CORS_METHODS"], "SLURMRESTD_CORS_METHODS", upper=True)
    if environ.get("SLURMRESTD_CORS_HEADERS"):
        kw["headers"] = _tokens(environ["SLURMRESTD_CORS_HEADERS"], "SLURMRESTD_CORS_HEADERS")
    if environ.get("SLURMRESTD_CORS_MAX_AGE"):
        kw["max_age_s"] = _count(environ["SLURMRESTD_CORS_MAX_AGE"], "SLURMRESTD_CORS_MAX_AGE")
    return Cors(**kw)


def parse(argv: list[str], environ: dict[str, str]) -> tuple[Settings, str | None]:
    """Return the settings and the base log level name (None: default)."""
    kw: dict = {}
    limits = Limits()
    debug_level: str | None = None

    # -- environment first ---------------------------------------------
    for var in ("SLURMRESTD_DEBUG", "SLURM_DEBUG"):
        if environ.get(var):
            try:
                debug_level = parse_level(environ[var])
            except ValueError:
                raise UsageError("Invalid env %s: %s" % (var, environ[var])) from None
            break
    if environ.get("SLURMRESTD_LISTEN"):
        kw["listen"] = tuple(_split_csv(environ["SLURMRESTD_LISTEN"]))
    if environ.get("SLURMRESTD_AUTH_TYPES"):
        kw["auth_plugins"] = _plugins(environ["SLURMRESTD_AUTH_TYPES"], AUTH_PLUGINS, "rest_auth/", "REST authentication")
    if environ.get("SLURMRESTD_MAX_CONNECTIONS"):
        kw["max_connections"] = _positive_int(environ["SLURMRESTD_MAX_CONNECTIONS"], "SLURMRESTD_MAX_CONNECTIONS")
    if environ.get("SLURMRESTD_OPENAPI_PLUGINS"):
        kw["openapi_plugins"] = _plugins(environ["SLURMRESTD_OPENAPI_PLUGINS"], OPENAPI_PLUGINS, "openapi/", "OpenAPI")
    if environ.get("SLURMRESTD_DATA_PARSER_PLUGINS"):
        kw["data_parsers"] = _data_parsers(environ["SLURMRESTD_DATA_PARSER_PLUGINS"])
    if environ.get("SLURMRESTD_SECURITY"):
        words = set()
        for w in _split_csv(environ["SLURMRESTD_SECURITY"]):
            if w.lower() not in SECURITY_WORDS:
                raise UsageError("Unexpected value in SLURMRESTD_SECURITY=%s" % w)
            words.add(w.lower())
        kw["security"] = frozenset(words)
    if environ.get("SLURM_CONF"):
        kw["slurm_conf"] = environ["SLURM_CONF"]
    for var, fld in (("SLURMRESTD_IDLE_TIMEOUT", "idle_timeout_s"),
                     ("SLURMRESTD_REQUEST_TIMEOUT", "request_timeout_s"),
                     ("SLURMRESTD_WRITE_TIMEOUT", "write_timeout_s"),
                     ("SLURMRESTD_SHUTDOWN_GRACE", "shutdown_grace_s")):
        if environ.get(var):
            limits = replace(limits, **{fld: _seconds(environ[var], var)})
    if environ.get("SLURMRESTD_HEADER_TIMEOUT"):
        limits = replace(limits, header_timeout_s=_seconds(environ["SLURMRESTD_HEADER_TIMEOUT"],
                                                           "SLURMRESTD_HEADER_TIMEOUT"))
    if environ.get("SLURMRESTD_LINGER_TIMEOUT"):
        limits = replace(limits, linger_timeout_s=_seconds(environ["SLURMRESTD_LINGER_TIMEOUT"],
                                                           "SLURMRESTD_LINGER_TIMEOUT", allow_zero=True))
    for var, fld in (("SLURMRESTD_MAX_WAITING_CONNECTIONS", "max_waiting_connections"),
                     ("SLURMRESTD_MAX_CLIENT_CONNECTIONS", "max_client_connections"),
                     ("SLURMRESTD_LINGER_BYTES", "linger_max_bytes")):
        if environ.get(var):
            limits = replace(limits, **{fld: _count(environ[var], var)})
    if environ.get("SLURMRESTD_TLS_HANDSHAKE_TIMEOUT"):
        limits = replace(limits, tls_handshake_timeout_s=_seconds(environ["SLURMRESTD_TLS_HANDSHAKE_TIMEOUT"],
                                                                  "SLURMRESTD_TLS_HANDSHAKE_TIMEOUT"))
    for var, key in (("SLURMRESTD_TLS_CERT", "tls_cert"), ("SLURMRESTD_TLS_KEY", "tls_key")):
        if environ.get(var):
            kw[key] = environ[var]
    if environ.get("SLURMRESTD_ALLOCATION_WAIT"):
        limits = replace(limits, allocation_wait_s=_seconds(environ["SLURMRESTD_ALLOCATION_WAIT"],
                                                            "SLURMRESTD_ALLOCATION_WAIT", allow_zero=True))
    if environ.get("SLURMRESTD_JOB_LIST_CACHE"):
        limits = replace(limits, job_list_cache_entries=_count(environ["SLURMRESTD_JOB_LIST_CACHE"],
                                                               "SLURMRESTD_JOB_LIST_CACHE"))
    if environ.get("SLURMRESTD_JOB_LIST_CACHE_JOBS"):
        limits = replace(limits, job_list_cache_jobs=_count(environ["SLURMRESTD_JOB_LIST_CACHE_JOBS"],
                                                            "SLURMRESTD_JOB_LIST_CACHE_JOBS"))
    if environ.get("SLURMRESTD_GC_THRESHOLD"):
        limits = replace(limits, gc_threshold=_count(environ["SLURMRESTD_GC_THRESHOLD"], "SLURMRESTD_GC_THRESHOLD"))
    if environ.get("SLURMRESTD_DBD_MAX_CONNECTIONS"):
        limits = replace(limits, dbd_max_connections=_positive_int(environ["SLURMRESTD_DBD_MAX_CONNECTIONS"],
                                                                   "SLURMRESTD_DBD_MAX_CONNECTIONS", 99))
    for var, fld in (("SLURMRESTD_DBD_IDLE_TIMEOUT", "dbd_idle_timeout_s"),
                     ("SLURMRESTD_DBD_CONNECTION_LIFETIME", "dbd_max_lifetime_s"),
                     ("SLURMRESTD_DBD_ACQUIRE_TIMEOUT", "dbd_acquire_timeout_s"),
                     ("SLURMRESTD_DBD_REQUEST_TIMEOUT", "dbd_request_timeout_s")):
        if environ.get(var):
            limits = replace(limits, **{fld: _seconds(environ[var], var)})
    if environ.get(warm_policy.ENV):
        try:
            kw["inet_warm_idle_s"] = warm_policy.parse_idle(environ[warm_policy.ENV])
        except warm_policy.PolicyError as e:
            raise UsageError(str(e)) from None
    if environ.get("SLURMRESTD_JWT_VERIFY"):
        word = environ["SLURMRESTD_JWT_VERIFY"].strip().lower()
        if word != "auto":
            word = "yes" if _switch(word, "SLURMRESTD_JWT_VERIFY (or auto)") else "no"
        kw["jwt_verify"] = word
    for var, fld in (("SLURMRESTD_JWT_KEY", "jwt_key"), ("SLURMRESTD_JWKS", "jwks"),
                     ("SLURMRESTD_PAM_SERVICE", "pam_service")):
        if environ.get(var):
            kw[fld] = environ[var].strip()
    if environ.get("SLURMRESTD_MINTED_TOKEN_LIFESPAN"):
        limits = replace(limits, minted_token_lifespan_s=_positive_int(
            environ["SLURMRESTD_MINTED_TOKEN_LIFESPAN"], "SLURMRESTD_MINTED_TOKEN_LIFESPAN", 86400))
        if limits.minted_token_lifespan_s < 10:
            raise UsageError("invalid SLURMRESTD_MINTED_TOKEN_LIFESPAN %r: must be between 10 and 86400"
                             % environ["SLURMRESTD_MINTED_TOKEN_LIFESPAN"])
    for var, fld in (("SLURMRESTD_PAM_TIMEOUT", "pam_timeout_s"),
                     ("SLURMRESTD_PAM_FAILURE_WINDOW", "pam_failure_window_s")):
        if environ.get(var):
            limits = replace(limits, **{fld: _seconds(environ[var], var)})
    if environ.get("SLURMRESTD_PAM_MAX_FAILURES"):
        limits = replace(limits, pam_max_failures=_count(environ["SLURMRESTD_PAM_MAX_FAILURES"],
                                                         "SLURMRESTD_PAM_MAX_FAILURES"))
    if environ.get("SLURMRESTD_DUMP_PROCESSES"):
        kw["dump_processes"] = _count(environ["SLURMRESTD_DUMP_PROCESSES"], "SLURMRESTD_DUMP_PROCESSES")
        if kw["dump_processes"] > 64:
            raise UsageError("invalid SLURMRESTD_DUMP_PROCESSES %r: must be between 0 and 64"
                             % environ["SLURMRESTD_DUMP_PROCESSES"])
    if environ.get("SLURMRESTD_MALLOC_MMAP_THRESHOLD"):
        limits = replace(limits, malloc_mmap_threshold=_count(environ["SLURMRESTD_MALLOC_MMAP_THRESHOLD"],
                                                              "SLURMRESTD_MALLOC_MMAP_THRESHOLD"))
    if environ.get("SLURMRESTD_DUMP_MIN_BYTES"):
        limits = replace(limits, dump_min_bytes=_count(environ["SLURMRESTD_DUMP_MIN_BYTES"],
                                                       "SLURMRESTD_DUMP_MIN_BYTES"))
    if environ.get("SLURMRESTD_COALESCE"):
        kw["coalesce"] = _switch(environ["SLURMRESTD_COALESCE"], "SLURMRESTD_COALESCE")
    if environ.get("SLURMRESTD_INLINE"):
        kw["inline"] = _switch(environ["SLURMRESTD_INLINE"], "SLURMRESTD_INLINE")
    if environ.get("SLURMRESTD_METRICS_LISTEN"):
        kw["metrics_listen"] = tuple(_split_csv(environ["SLURMRESTD_METRICS_LISTEN"]))
    if environ.get("SLURMRESTD_LOG_FORMAT"):
        fmt = environ["SLURMRESTD_LOG_FORMAT"].strip().lower()
        if fmt not in LOG_FORMATS:
            raise UsageError("invalid SLURMRESTD_LOG_FORMAT %r: must be one of %s"
                             % (environ["SLURMRESTD_LOG_FORMAT"], ", ".join(LOG_FORMATS)))
        kw["log_format"] = fmt
    kw["cors"] = _cors(environ)
    if environ.get("SLURMRESTD_READY_TIMEOUT"):
        limits = replace(limits, ready_probe_timeout_s=_seconds(environ["SLURMRESTD_READY_TIMEOUT"],
                                                                "SLURMRESTD_READY_TIMEOUT"))
    if environ.get("SLURMRESTD_READY_CACHE"):
        limits = replace(limits, ready_cache_s=_seconds(environ["SLURMRESTD_READY_CACHE"],
                                                        "SLURMRESTD_READY_CACHE", allow_zero=True))

    # -- then the command line ------------------------------------------
    try:
        opts, args = getopt.gnu_getopt(argv, options.SHORT, list(options.LONG))
    except getopt.GetoptError as e:
        raise UsageError(str(e)) from None
    verbosity = 0
    for opt, val in opts:
        if opt == "-a":
            kw["auth_plugins"] = _plugins(val, AUTH_PLUGINS, "rest_auth/", "REST authentication")
        elif opt == "-d":
            kw["data_parsers"] = _data_parsers(val)
        elif opt == "-f":
            kw["slurm_conf"] = val
        elif opt == "-g":
            kw["group"] = val
        elif opt in ("-h", "--help"):
            raise ListRequested("", ())
        elif opt == "-s":
            kw["openapi_plugins"] = _plugins(val, OPENAPI_PLUGINS, "openapi/", "OpenAPI")
        elif opt == "-t":
            kw["threads"] = _positive_int(val, "thread count", 1024)
        elif opt == "-u":
            kw["user"] = val
        elif opt == "-v":
            verbosity += 1
        elif opt == "-V":
            raise ListRequested("version", ())
        elif opt == "--max-connections":
            kw["max_connections"] = _positive_int(val, "max connections")
        elif opt == "--generate-openapi-spec":
            kw["generate_openapi_spec"] = True
        elif opt == "--autocomplete":
            raise ListRequested("autocomplete:" + val, ())
    if args:
        kw["listen"] = tuple(args)
    kw["verbosity"] = verbosity
    kw["limits"] = limits
    return Settings(**kw), debug_level


def _autocomplete(prefix: str) -> None:
    words = ["-a", "-d", "-f", "-g", "-h", "--help", "--max-connections", "-s", "-t", "-u", "-v", "-V",
             "--generate-openapi-spec"]
    print(" ".join(w for w in words if w.startswith(prefix)))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        settings, debug_level = parse(argv, dict(os.environ))
    except UsageError as e:
        sys.stderr.write("slurmrestd: %s\n%s" % (e, USAGE))
        return 1
    except ListRequested as req:
        if req.title == "":
            sys.stderr.write(USAGE)
        elif req.title == "version":
            print("slurmrestd-py %s (Slurm %s REST API)" % (__version__, SLURM_COMPAT_RELEASE))
        elif req.title.startswith("autocomplete:"):
            _autocomplete(req.title.split(":", 1)[1])
        else:
            sys.stderr.write(req.title + "\n")
            for n in req.names:
                sys.stderr.write("%s\n" % n)
        return 0
    from slurmrestd.daemon import run

    return run(settings, debug_level)


if __name__ == "__main__":
    sys.exit(main())
