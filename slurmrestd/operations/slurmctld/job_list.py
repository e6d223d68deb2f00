"""GET jobs' list, from the packed RESPONSE_JOB_INFO body to the dumped answer.

The same steps run in the request's own thread (``dump``) or in a dump process
(``dump_serialized``, through ``slurmrestd.offload``), so both give the same answer.
A dump process hands back the ``jobs`` member already serialized as JSON, indented as
it sits in the answer, with the rest of the document, the diagnostics and the user
names it learned; the daemon wraps the bytes in a ``serializers.JsonText``, which
orjson copies into the envelope as they are.  ``prepare`` builds what a dump process needs first
(its plans and decoders), so that its first real list is not slower than the others.
"""

from __future__ import annotations

from pickle import PickleBuffer

from slurmrestd.data_parser import dump_planned
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.rpc.ctld.jobs import decode_job_info

#: The answer's type.
RESP_TYPE = "OPENAPI_JOB_INFO_RESP"
#: What 2-space-indented JSON puts around the value of an object's only member ``jobs``.
_JOBS_HEAD, _JOBS_TAIL = b'{\n  "jobs": ', b"\n}"

#: ``JOB_RES_CORE_*`` status values (slurm/slurm.h)
_CORE_ALLOC, _CORE_IN_USE, _CORE_UNALLOC = 0x2, 0x4, 0xFFFFFFFFFFFFFFFE
def job_res_nodes(jr: dict) -> list:
    """Per node allocation of a ``job_resources_t`` as the reference's
    ``JOB_RES_NODES`` dumper lays it out: cpus, memory, and per socket/core
    the allocation status taken from ``core_bitmap``/``core_bitmap_used``."""
    cps, spn, reps = jr.get("cores_per_socket"), jr.get("sockets_per_node"), jr.get("sock_core_rep_count")
    nhosts = jr.get("nhosts") or 0
    if not cps or not nhosts or not spn or not reps:
        return []
    from slurmrestd.data_parser.codecs import hostlist_expand
    try:
        names = hostlist_expand(jr.get("nodes") or "")
    except Exception:  # noqa: BLE001 - a bad list leaves names empty, as hostlist_nth gives NULL
        names = []
    core = jr.get("core_bitmap")
    used = jr.get("core_bitmap_used")
    core_bits, size = (core.bits, core.size) if core is not None else (0, 0)
    used_bits = used.bits if used is not None else 0
    out = []
    bit = 0
    sock_inx = sock_reps = 0
    for n in range(nhosts):
        if sock_reps >= reps[sock_inx]:
            sock_inx += 1
            sock_reps = 0
        sock_reps += 1
        nsock, ncore = spn[sock_inx], cps[sock_inx]
        sockets = [{"index": 0, "cores": [{"index": 0, "status": 0} for _ in range(ncore)]}
                   for _ in range(nsock)]
        for i in range(nsock * ncore):
            if bit >= size:
                break
            s, c = divmod(i, ncore)
            sockets[s]["index"] = s
            entry = sockets[s]["cores"][c]
            entry["index"] = c
            if core_bits >> bit & 1:
                entry["status"] = _CORE_ALLOC | (_CORE_IN_USE if used_bits >> bit & 1 else 0)
            else:
                entry["status"] = _CORE_UNALLOC
            bit += 1

        def at(key, default=0):
            arr = jr.get(key) or ()
            return arr[n] if n < len(arr) else default
        out.append({"index": n, "name": names[n] if n < len(names) else None,
                    "cpus": {"count": at("cpus"), "used": at("cpus_used")},
                    "memory": {"used": at("memory_used"), "allocated": at("memory_allocated")},
                    "sockets": sockets})
    return out


def job_info_resp(msg: dict | None) -> dict:
    if msg:
        for j in msg["job_array"]:
            jr = j.get("job_resrcs")
            if jr is not None and "allocation" not in jr:
                jr["allocation"] = job_res_nodes(jr)
    if not msg:
        return {"jobs": None, "last_backfill": 0, "last_update": 0}
    return {"jobs": msg, "last_backfill": msg["last_backfill"], "last_update": msg["last_update"]}


def _consumed(records: list):
    """The records of a non-empty list, each let go of once the dumper has taken it: a
    decoded job is freed as soon as its dumped form exists, so that a 1,000-job answer
    never holds both whole lists (the list is empty afterwards)."""
    records.reverse()
    while records:
        yield records.pop()


def dump(body, proto_version: int, diag: ParserContext, version: str) -> tuple[dict, dict]:
    """(the dumped answer, the decoded message without its records) of a RESPONSE_JOB_INFO
    body (an ``Unpacker`` or bytes).  A malformed body raises the ``SlurmError`` that
    ``load_jobs`` raises; the records are let go of as they are dumped."""
    msg = decode_job_info(body, proto_version)
    # the owners' names as the controller sent them win over this host's passwd
    diag.learn_user_names(msg["job_array"])
    resp = job_info_resp(msg)
    if msg["job_array"]:
        msg["job_array"] = _consumed(msg["job_array"])
    return dump_planned(RESP_TYPE, resp, diag, version), msg


def dump_serialized(body: bytes, proto_version: int, version: str, select_type_param: str,
                    name_cache: tuple[int, float]) -> tuple:
    """``dump`` in a dump process: (document with ``jobs`` None, ``jobs`` as JSON bytes,
    errors, warnings, record count, last_update).  Nothing of the daemon's is at hand,
    so the id → name lookups of this host get a resolver of their own (``name_cache``:
    entries and TTL of ``Limits.name_cache_*``)."""
    from slurmrestd.data_parser.codecs.users import IdNames
    from slurmrestd.serializers import dump_json

    diag = ParserContext(version=version, select_type_param=select_type_param, names=IdNames(*name_cache))
    doc, msg = dump(body, proto_version, diag, version)
    jobs, doc["jobs"] = doc.get("jobs"), None  # the member keeps its place for the daemon's bytes
    # serialized as the value of a top-level member, so that orjson indents it as it sits
    # in the answer; the view leaves out the object around it (nothing is copied)
    data = dump_json({"jobs": jobs})
    del jobs
    if not (data.startswith(_JOBS_HEAD) and data.endswith(_JOBS_TAIL)):  # pragma: no cover
        raise ValueError("unexpected JSON around the job list")
    view = memoryview(data)[len(_JOBS_HEAD):len(data) - len(_JOBS_TAIL)]
    return doc, PickleBuffer(view), diag.errors, diag.warnings, msg["record_count"], msg["last_update"]


def prepare(version: str) -> None:
    """Compile the job list's dump plan of ``version`` in this process, ahead of its use."""
    dump_planned(RESP_TYPE, job_info_resp(None), ParserContext(version=version), version)
