"""Every knob of the daemon in one place.

``Settings`` is built once by the command line parser (``cli.py``) from the
environment and argv, validated, and then handed down read-only.  Limits that
protect the daemon (sizes, deadlines) live in ``Limits`` so that the HTTP parser
and the connection manager read the same numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from slurmrestd.data_parser.versions import DEFAULT_VERSION, VERSIONS_NEWEST_FIRST

#: Data parser plugins we can load, newest last.
DATA_PARSERS = tuple(reversed(VERSIONS_NEWEST_FIRST))
#: The default data parser, bound to the unversioned paths (/openapi*, /healthz …).
DEFAULT_DATA_PARSER = DEFAULT_VERSION
#: OpenAPI plugins we can load, in the order their paths are registered.
OPENAPI_PLUGINS = ("openapi/slurmctld", "openapi/slurmdbd", "openapi/util")
#: REST authentication plugins, tried in this order unless -a says otherwise.
AUTH_PLUGINS = ("rest_auth/local", "rest_auth/jwt")
#: SLURMRESTD_SECURITY words.
SECURITY_WORDS = ("become_user", "disable_unshare_files", "disable_unshare_sysv", "disable_user_check")

DEFAULT_MAX_CONNECTIONS = 124

# One bound lives below this layer (settings may import data_parser, not the reverse):
# ``data_parser.plan.Planner.FLAG_NAMES_MAX`` (4096), the flag values whose dumped name
# lists the planned dumper remembers per data parser version.
#: Events a deferred metrics registry (inet mode) keeps before it builds the real one.
METRICS_DEFERRED_EVENTS_MAX = 1000


#: Most dump processes the default gives, however many CPUs (each holds a few hundred MB
#: while it dumps a long list).
DUMP_PROCESSES_DEFAULT_MAX = 4


def default_dump_processes() -> int:
    """Dump processes when SLURMRESTD_DUMP_PROCESSES is not set: one CPU left to the daemon's
    own interpreter, the others (up to ``DUMP_PROCESSES_DEFAULT_MAX``) for big lists."""
    return max(0, min(DUMP_PROCESSES_DEFAULT_MAX, (os.cpu_count() or 1) - 1))


def default_thread_count() -> int:
    """Worker threads when -t is not given: 2 × CPUs, clamped to [2, 32]."""
    return max(2, min(32, 2 * (os.cpu_count() or 1)))


@dataclass(frozen=True)
class Limits:
    """Sizes and deadlines that bound what one client can make the daemon do."""

    #: Largest request line (method, target, version) before 414.
    max_request_line_bytes: int = 16 * 1024
    #: Largest header block (all field lines together) before 431.
    max_header_bytes: int = 64 * 1024
    #: Most header fields in one request before 431.
    max_header_count: int = 128
    #: Largest request body before 413 (the reference daemon's MAX_BODY_BYTES).
    max_body_bytes: int = 50 * 1024 * 1024
    #: Pipelined requests read ahead of the one being served; more bytes wait in the kernel.
    max_pipelined_bytes: int = 1024 * 1024
    #: Response bytes queued for a client before we stop reading its next request.
    max_outbuf_bytes: int = 8 * 1024 * 1024
    #: An idle keep-alive connection (no partial request) is closed after this.
    idle_timeout_s: float = 60.0
    #: A request must arrive whole (headers and body) within this after its first byte.
    request_timeout_s: float = 60.0
    #: The request line and header block must arrive within this after the first byte
    #: (SLURMRESTD_HEADER_TIMEOUT); then 408 and close.
    header_timeout_s: float = 30.0
    #: Connections that are not busy (just opened, idle, sending a request, queued or
    #: lingering) open at most; at the cap the one waiting longest is closed.  0: derived
    #: from RLIMIT_NOFILE, whose soft limit is raised to the hard limit at start-up
    #: (SLURMRESTD_MAX_WAITING_CONNECTIONS).
    max_waiting_connections: int = 0
    #: Of those, at most this many per client address (per uid on a unix socket); a
    #: client over it loses its longest-waiting one.  0: no cap per client
    #: (SLURMRESTD_MAX_CLIENT_CONNECTIONS).
    max_client_connections: int = 1024
    #: After an error response, our side is shut down and the peer's input read and
    #: discarded for at most this long before closing, so the peer reads the response
    #: instead of a reset (SLURMRESTD_LINGER_TIMEOUT; 0 closes at once).
    linger_timeout_s: float = 5.0
    #: ... and for at most this many bytes (SLURMRESTD_LINGER_BYTES).
    linger_max_bytes: int = 4 * 1024 * 1024
    #: A TLS handshake on an https:// listener must be done within this after the
    #: connection is accepted, or the connection is closed (SLURMRESTD_TLS_HANDSHAKE_TIMEOUT).
    tls_handshake_timeout_s: float = 10.0
    #: A client that does not read our response for this long is dropped.
    write_timeout_s: float = 60.0
    #: On SIGINT/SIGTERM, in-flight requests get this long to finish.
    shutdown_grace_s: float = 10.0
    #: Longest a request waits for a queued allocation (POST job/allocate); the reference
    #: waits forever.  0 answers at once with the queued job.
    allocation_wait_s: float = 300.0
    #: Dumped job lists kept (per caller, token, version and flags) and reused while the
    #: controller, asked with that caller's credential, reports no change.  0 disables it.
    job_list_cache_entries: int = 4
    #: ... holding at most this many jobs together (a dumped job is about 16 kB of Python
    #: objects, so about 160 MB); a list longer than that is not kept; 0: bounded by the
    #: number of lists only (SLURMRESTD_JOB_LIST_CACHE_JOBS).
    job_list_cache_jobs: int = 10000
    #: Net allocations between two young-generation collections of Python's cyclic garbage
    #: collector (``gc.set_threshold``; Python's own is 700), set once the daemon is built,
    #: when what start-up made is also moved out of the collector's sight (``gc.freeze``).
    #: A 1,000-job answer makes some 200,000 short-lived objects that reference counting
    #: frees, and each collection also walks what is still alive (SLURMRESTD_GC_THRESHOLD;
    #: 0 leaves Python's settings alone).  Collections are then tens of seconds apart, so a
    #: request path must leave no reference cycle behind (tests/cycles.py checks them): its
    #: garbage would wait that long and show as RSS growth.
    gc_threshold: int = 20000
    #: A packed job list (RESPONSE_JOB_INFO body) at least this long goes to an idle dump
    #: process (``slurmrestd.offload``); shorter ones cost less than the hand-over saves
    #: (SLURMRESTD_DUMP_MIN_BYTES; about 700 bytes per job).
    dump_min_bytes: int = 128 * 1024
    #: A dump process that has not answered after this long is killed and replaced, and
    #: the request dumps its list itself.
    dump_timeout_s: float = 120.0
    #: Memory blocks at least this big (the bytes of a long answer) get pages of their own
    #: from the kernel and give them back when freed (glibc ``M_MMAP_THRESHOLD``, set once at
    #: start-up in the daemon and its dump processes; 0 leaves glibc's own, which rises after
    #: the first big block is freed, so later 8 MB answers stay in the heap and keep the peak
    #: RSS up) (SLURMRESTD_MALLOC_MMAP_THRESHOLD).
    malloc_mmap_threshold: int = 256 * 1024
    #: User and group names looked up on this host (where the controller sent none) are
    #: remembered this many at most, each kind, the oldest forgotten first; 0 asks every time.
    name_cache_entries: int = 4096
    #: … and for this long, so renamed or new accounts show up soon.
    name_cache_ttl_s: float = 60.0
    #: Primary group names of callers (``meta.client.group``) remembered at most, the least
    #: recently used forgotten first, each for ``name_cache_ttl_s``.
    client_group_cache_entries: int = 1024
    #: Tokens whose signature and claims passed local verification, remembered (by their
    #: SHA-256, with user and expiry) so a reused token skips the signature check; the least
    #: recently used forgotten first.
    verified_token_cache_entries: int = 1024
    #: ... and at most this many bytes of them (user names counted; a token is 32 bytes).
    verified_token_cache_bytes: int = 1024 * 1024
    #: Tokens the daemon signed (PAM logins, rest_auth/local on behalf of a user) kept for
    #: reuse, one per user, the least recently used forgotten first.
    minted_token_cache_entries: int = 1024
    #: ... and at most this many bytes of them (user name and token counted).
    minted_token_cache_bytes: int = 4 * 1024 * 1024
    #: Persistent slurmdbd connections open at most (idle and in use, all callers together).
    #: slurmdbd serves at most 100 for the whole site (slurmctld, sacct, sacctmgr …), so this
    #: stays well below (SLURMRESTD_DBD_MAX_CONNECTIONS).
    dbd_max_connections: int = 16
    #: An unused slurmdbd connection is closed after this (SLURMRESTD_DBD_IDLE_TIMEOUT).
    dbd_idle_timeout_s: float = 60.0
    #: Any slurmdbd connection is closed after this, so that a restarted or failed-over
    #: slurmdbd is picked up (SLURMRESTD_DBD_CONNECTION_LIFETIME).
    dbd_max_lifetime_s: float = 600.0
    #: A request waits this long for a free slurmdbd connection, then fails with 502
    #: (SLURMRESTD_DBD_ACQUIRE_TIMEOUT).
    dbd_acquire_timeout_s: float = 30.0
    #: Longest wait for one slurmdbd reply; the C client's SLURMDBD_TIMEOUT
    #: (SLURMRESTD_DBD_REQUEST_TIMEOUT).
    dbd_request_timeout_s: float = 900.0
    #: Longest a request waits, in total, for an identical execution to share (coalescing):
    #: the one running when it arrived, then the one it joins.  It then answers 504.
    coalesce_wait_s: float = 60.0
    #: Longest one readiness probe (``/readyz``) waits for slurmctld or slurmdbd to answer
    #: before calling it unreachable (SLURMRESTD_READY_TIMEOUT).
    ready_probe_timeout_s: float = 2.0
    #: A readiness probe's verdict is reused this long, so that frequent probes do not load
    #: slurmctld and slurmdbd (SLURMRESTD_READY_CACHE; 0 probes every time).
    ready_cache_s: float = 2.0
    #: A token's ``iat`` may lie this far in the future (clock skew between the issuer and
    #: us) before local verification refuses it.  ``exp`` gets no grace, as in slurmctld.
    jwt_iat_leeway_s: float = 60.0
    #: Lifetime of the tokens the daemon signs after a PAM login or for a root peer of
    #: rest_auth/local (SLURMRESTD_MINTED_TOKEN_LIFESPAN); one is reused per user while
    #: more than half of it is left.
    minted_token_lifespan_s: int = 300
    #: Longest wait for one PAM conversation (SLURMRESTD_PAM_TIMEOUT); then 401.
    pam_timeout_s: float = 10.0
    #: Failed PAM logins allowed per client address and per user name within
    #: ``pam_failure_window_s`` (SLURMRESTD_PAM_MAX_FAILURES); further tries get 429
    #: without asking PAM.  0 disables the limit.
    pam_max_failures: int = 5
    #: The window of ``pam_max_failures`` (SLURMRESTD_PAM_FAILURE_WINDOW).
    pam_failure_window_s: float = 300.0
    #: Client addresses and user names whose failed PAM logins are counted, at most; the
    #: least recently failed forgotten first (that only lets them try sooner).  A key
    #: longer than 96 bytes is kept as its SHA-256, so each costs under 1 kB.
    pam_failure_keys: int = 4096
    #: PAM conversations running at once; a login beyond that is refused at once (401).
    pam_max_concurrent: int = 4


#: Request headers a browser may always send cross-origin: the authentication headers.
CORS_AUTH_HEADERS = ("X-SLURM-USER-NAME", "X-SLURM-USER-TOKEN", "Authorization")
#: Response headers a cross-origin script may read besides the CORS-safelisted ones.
CORS_EXPOSED_HEADERS = ("X-Request-ID",)


@dataclass(frozen=True)
class Cors:
    """Cross-origin resource sharing for browser clients; off unless origins are given."""

    #: Origins allowed, exactly as browsers send them (``https://portal.example:8443``),
    #: or ``*`` for any (SLURMRESTD_CORS_ORIGINS, comma-separated).  Empty: CORS is off and
    #: no CORS header is ever sent.
    origins: tuple[str, ...] = ()
    #: Methods a cross-origin request may use (SLURMRESTD_CORS_METHODS).
    methods: tuple[str, ...] = ("GET", "POST", "DELETE")
    #: Request headers allowed besides the authentication headers (``CORS_AUTH_HEADERS``,
    #: always allowed) (SLURMRESTD_CORS_HEADERS).
    headers: tuple[str, ...] = ("Content-Type", "Accept", "X-Request-ID")
    #: How long a browser may cache a preflight answer (SLURMRESTD_CORS_MAX_AGE).
    max_age_s: int = 600

    @property
    def enabled(self) -> bool:
        return bool(self.origins)


#: Log formats (SLURMRESTD_LOG_FORMAT); ``log.FORMATS`` holds the same names.
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Settings:
    """The daemon's configuration after argv and environment are merged."""

    #: Listen specs as given (``host:port``, ``[v6]:port``, ``unix:/path``); empty means inet mode.
    listen: tuple[str, ...] = ()
    auth_plugins: tuple[str, ...] = AUTH_PLUGINS
    data_parsers: tuple[str, ...] = DATA_PARSERS
    #: None: slurmctld and util, plus slurmdbd when accounting goes through slurmdbd (as the reference).
    openapi_plugins: tuple[str, ...] | None = None
    slurm_conf: str | None = None
    #: -u / -g: switch to this user / group after the sockets are open.
    user: str | None = None
    group: str | None = None
    threads: int = field(default_factory=default_thread_count)
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    #: 0 = info; each -v adds one (verbose, debug, debug2 …).
    verbosity: int = 0
    security: frozenset[str] = frozenset()
    generate_openapi_spec: bool = False
    #: Request coalescing (SLURMRESTD_COALESCE): identical concurrent read-only GETs of
    #: openapi/slurmctld and openapi/slurmdbd (same credential, method, path, query, body,
    #: version and media types) share one execution that started after each of them
    #: arrived (``operations/coalesce``).  False runs every request on its own.
    coalesce: bool = True
    #: Inline requests (SLURMRESTD_INLINE): the cheap GETs of ``operations/inline`` (ping,
    #: licenses and nodes; token callers over TCP) run on the loop thread, which serves the other
    #: connections while they wait for slurmctld (``conmgr/fibers``).  False sends every
    #: request to a worker thread.
    inline: bool = True
    #: Dump processes (SLURMRESTD_DUMP_PROCESSES, ``slurmrestd.offload``): interpreters beside
    #: the daemon that decode, dump and serialize long job lists on other cores, when idle
    #: (a request finding them all busy does its own).  Listening mode only; 0 turns them off.
    dump_processes: int = field(default_factory=default_dump_processes)
    #: Warm start of inet mode (SLURMRESTD_INET_WARM, ``slurmrestd/warmstart``): an inet-mode
    #: process hands its client to a warm server of the same user and command line, which
    #: forks a pre-imported child; the server exits after this many idle seconds.  0 (``no``)
    #: serves every client cold.  Off under systemd.  Read again, with the same rules
    #: (``warmstart.policy.parse_idle``), by the start-up step that runs before this module loads.
    inet_warm_idle_s: int = 300
    #: Local JWT verification (SLURMRESTD_JWT_VERIFY): "auto" verifies whenever the key
    #: is readable and passes tokens through otherwise; "yes" refuses to start without a
    #: readable key; "no" always passes tokens through to slurmctld and slurmdbd.
    jwt_verify: str = "auto"
    #: Key files instead of slurm.conf's AuthAltParameters (SLURMRESTD_JWT_KEY: the HS256
    #: secret, SLURMRESTD_JWKS: a JSON Web Key Set of RS256 public keys).
    jwt_key: str | None = None
    jwks: str | None = None
    #: PAM service for HTTP Basic logins (SLURMRESTD_PAM_SERVICE); None: Basic is refused.
    #: Needs the HS256 jwt_key, to sign the logged-in user's token.
    pam_service: str | None = None
    #: SLURMRESTD_METRICS_LISTEN: further listen addresses (``host:port``, ``unix:/path``) that
    #: serve only ``/metrics`` and the health probes, without authentication, for Prometheus
    #: and Kubernetes.  The main listeners serve ``/metrics`` too, after authentication.
    metrics_listen: tuple[str, ...] = ()
    #: SLURMRESTD_LOG_FORMAT: ``text`` (Slurm's line) or ``json`` (one object per line, with
    #: the request fields).  Under systemd's journal either drops its own timestamps.
    log_format: str = "text"
    cors: Cors = field(default_factory=Cors)
    #: PEM certificate chain and private key of https:// listeners (SLURMRESTD_TLS_CERT,
    #: SLURMRESTD_TLS_KEY); None: TLSParameters=restd_cert_file=/restd_cert_key_file= of
    #: slurm.conf, else restd_cert.pem and restd_cert_key.pem beside slurm.conf, as the
    #: reference reads them.
    tls_cert: str | None = None
    tls_key: str | None = None
    limits: Limits = field(default_factory=Limits)

    @property
    def inet_mode(self) -> bool:
        return not self.listen

    @property
    def become_user(self) -> bool:
        return "become_user" in self.security
