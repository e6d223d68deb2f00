"""Where our OpenAPI document deliberately differs from the reference's.

The reference document is generated from the same declarations as its answers,
but in a few places it describes something other than what the daemon sends.
Every answer we send validates against our own ``/openapi/v3`` (a schemathesis
run in ``make test`` checks it), so there we describe what is really sent, in
the smallest compatible way.  Each correction is listed here and in
``docs/compatibility.md``; ``build_document(corrected=False)`` leaves them out, and
``tests/unit/openapi/test_conformance.py`` proves that document equals the
reference's, structure for structure.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence


#: (path template, method) -> (type the reference documents, type the handler answers with).
#: ``GET jobs/state`` answers ``OPENAPI_JOB_STATE_RESP`` (``jobs[].job_id`` is a string such as
#: ``"12_[1-3]"``, no ``last_backfill``/``last_update``) in both daemons; the reference documents
#: it as the job list's ``OPENAPI_JOB_INFO_RESP``.
RESPONSE_TYPES = {
    ("/slurm/{data_parser}/jobs/state/", "get"): ("OPENAPI_JOB_INFO_RESP", "OPENAPI_JOB_STATE_RESP"),
}

#: Required members named by a path (``nodes/count`` in ``JOB_RES``, ``cpus/count`` in
#: ``JOB_RES_NODE``, ``error/code`` in ``KILL_JOBS_RESP_JOB``, ``hourly/count`` in
#: ``ROLLUP_STATS``) are required inside the nested object they name (``_nest_required``).

#: Types whose schema is ``nullable`` in our document: both daemons dump ``null`` there.
#: ``JOB_RES``: ``job_resources`` of a job that has no resources yet (pending, held);
#: ``JOB_ARRAY_RESPONSE_ARRAY``: ``results`` of a job update that was not for an array.
#: The schema writer marks them where it writes them: a component from v0.0.42, and inline
#: too in 24.11's v0.0.40/41, which make components only of types named more than once.
NULLABLE = ("JOB_RES", "JOB_ARRAY_RESPONSE_ARRAY")


def corrected(template: str, method):
    """The operation declaration ``method`` of ``template`` with its response type corrected."""
    fix = RESPONSE_TYPES.get((template, method.method))
    if fix is None or method.response != fix[0]:
        return method
    return dataclasses.replace(method, response=fix[1])


def apply(doc: dict, versions: Sequence[str]) -> None:
    """Correct the schemas of ``versions`` in a finished document."""
    from slurmrestd.data_parser.schema import schema_name  # the document's own import: not for routing

    schemas = doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.split("_", 1)[0] in versions:
            _nest_required(schema)


def _nest_required(schema: dict) -> None:
    """``required: ["nodes/count"]`` names no member (no key has a ``/``), so no answer could
    validate: require ``count`` inside the inline ``nodes`` object instead (the reference lists
    members of flattened nested structs by their path)."""
    required = schema.get("required")
    if isinstance(required, list) and any("/" in k for k in required):
        keep = []
        for key in required:
            if "/" not in key:
                keep.append(key)
                continue
            head, rest = key.split("/", 1)
            inner = schema.get("properties", {}).get(head)
            if isinstance(inner, dict) and "properties" in inner:
                inner.setdefault("required", [])
                if rest not in inner["required"]:
                    inner["required"].append(rest)
        schema["required"] = keep
    for inner in _children(schema):
        _nest_required(inner)


def _children(schema: dict):
    """The inline object schemas directly inside ``schema``: its members and the items of
    its arrays, at any depth of arrays (24.11's v0.0.40/41 inline what is named once)."""
    for inner in list(schema.get("properties", {}).values()) + [schema.get("items")]:
        while isinstance(inner, dict) and "items" in inner and "properties" not in inner:
            inner = inner["items"]
        if isinstance(inner, dict) and "properties" in inner:
            yield inner
