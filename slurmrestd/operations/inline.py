"""Which requests run on the connection manager's loop thread instead of a worker.

An inline request (``conmgr.fibers``) saves the two thread hand-offs of a worker
and the GIL traffic of its blocking socket calls, but while it computes the loop
serves nobody else.  So only operations whose whole work is one small RPC to
slurmctld and a small answer run inline, and only for callers whose
authentication costs no blocking call: a token in ``X-SLURM-USER-TOKEN`` over TCP
(rest_auth/local mints munge credentials, HTTP Basic logs in through PAM; both
block, so they stay on the workers).  Requests that end before any handler runs
(an unknown path, a method the path does not serve) are cheap too.
"""

from __future__ import annotations

#: Operations (templates as ``openapi/paths`` declares them, GET) that run inline, each
#: with why it is cheap.
INLINE = {
    "/slurm/{data_parser}/ping/": "one REQUEST_PING per controller, a few dozen bytes each",
    "/slurm/{data_parser}/licenses/": "one REQUEST_LICENSE_INFO, one record per license",
    "/slurm/{data_parser}/diag/": "one REQUEST_STATS_INFO; about 0.26 ms of CPU per request in the daemon "
                                  "(0.39 on the workers), and slurmctld keeps at most a few hundred records "
                                  "(RPC types, users, pending RPCs), about 3 us each "
                                  "(bench/profiles/perfloop.md, 2026-12-04)",
    "/slurm/{data_parser}/nodes/": "REQUEST_NODE_INFO and REQUEST_PARTITION_INFO in flight together, "
                                   "one wait for both; about 0.4 ms of CPU on a small cluster and some "
                                   "60 us more per node, which holds the loop that long (on clusters of "
                                   "thousands of nodes SLURMRESTD_INLINE=no keeps it on the workers)",
}

#: Looked at and left on the workers, each with why (diag was here until its dump got its
#: compiled plans: see bench/profiles/perfloop.md).
NOT_INLINE: dict[str, str] = {}

TOKEN_HEADER = "x-slurm-user-token"


def inline_operation(plugin: str, method: str, template: str) -> bool:
    """Whether requests bound to this operation may run on the loop thread."""
    return plugin == "openapi/slurmctld" and method.upper() == "GET" and template in INLINE


def inline_caller(headers, conn) -> bool:
    """Whether authenticating this request is known not to block: a token over TCP,
    without an Authorization header (which may be an HTTP Basic login)."""
    return (getattr(conn, "sock", None) is not None and not getattr(conn, "is_unix", True)
            and TOKEN_HEADER in headers and "authorization" not in headers)
