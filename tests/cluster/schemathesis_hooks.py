"""schemathesis hooks for tests/cluster/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The fuzzed daemon serves a shared test cluster, and the user it runs as (alice) is shared
with other tests.  Every request that could change a job is narrowed, just before it is
sent, to the fuzz run's own jobs:

- ``POST job/submit``: the job (each component of a heterogeneous job) is held and named
  ``SPEC_FUZZ_NAME``, so it never runs and the test can find and cancel it;
- ``POST``/``DELETE job/{job_id}`` and ``GET job/{job_id}/requeue``: the job id is the run's
  own held job (``SPEC_FUZZ_JOB``);
- ``DELETE jobs`` and ``POST jobs/requeue``: the list of jobs is that job, by id and name.

Everything else (all the other values schemathesis generates) is sent as generated.

``filter_failure`` drops three kinds of ``negative_data_rejection`` (ST201) findings, and
nothing else: each is Slurm's input contract, which both daemons keep for drop-in
compatibility (checked against the reference on the same cluster), not a bug of ours.  The
test prints how often each one was used (``SPEC_FUZZ_EXCUSED``); a full run of all six
versions on 2026-12-02 used them 40, 20 and 351 times:

- ``coerced``: a value of the wrong JSON type that the data parser converts or ignores,
  saying so in a warning naming the member (``"nodes": "n1,n2"`` for a list: "Expected
  OpenAPI type=array ... but got OpenAPI type=string"; ``"flags": {}``: "Ignoring unexpected
  field of type dictionary"); clients of the reference send CSV strings for lists;
- ``null``: ``null`` for a member, which Slurm's parser reads as "not given" (``POST
  util/hostlist {"hostnames": null}`` answers ``"hostlist": ""`` in both daemons);
- ``envelope``: anything inside ``meta``, ``errors`` or ``warnings`` of a request body: the
  request types share these response members, and both daemons ignore them on input.
"""

from __future__ import annotations

import json
import os
import re

import schemathesis

_VERSIONED = re.compile(r"^/(slurm|slurmdb|util)/v0\.0\.4\d")


def _template(case) -> str:
    return _VERSIONED.sub(r"/\1/{v}", case.operation.path)


def _own_job() -> str:
    return os.environ["SPEC_FUZZ_JOB"]


def _hold(job) -> None:
    if isinstance(job, dict):
        job["hold"] = True
        job["name"] = os.environ["SPEC_FUZZ_NAME"]


@schemathesis.hook
def before_call(context, case, kwargs):
    template, method = _template(case), case.method.upper()
    body = case.body
    if template == "/slurm/{v}/job/submit" and isinstance(body, dict):
        _hold(body.get("job"))
        for job in body.get("jobs") or () if isinstance(body.get("jobs"), list) else ():
            _hold(job)
        if "job" not in body and "jobs" not in body:
            body["job"] = {}
            _hold(body["job"])
    elif template in ("/slurm/{v}/job/{job_id}", "/slurm/{v}/job/{job_id}/requeue") and method != "GET" \
            or template == "/slurm/{v}/job/{job_id}/requeue":
        case.path_parameters = {**(case.path_parameters or {}), "job_id": _own_job()}
    elif template == "/slurm/{v}/jobs/" and method == "DELETE" and isinstance(body, dict):
        body["jobs"] = [_own_job()]
        body["job_name"] = os.environ["SPEC_FUZZ_NAME"]
    elif template == "/slurm/{v}/jobs/requeue" and isinstance(body, dict):
        body["jobs"] = [_own_job()]


_ENVELOPE = {"meta", "errors", "warnings"}
_AT = r"violates `\w+`(?:, `\w+`)* at (?:/\$ref/\w+)*/properties/(\w+)"
_FIRST = re.compile(r"Invalid component: in body - (?:%s|(\w+))" % _AT)
_LISTED = re.compile(r"^\s*- %s" % _AT, re.M)
#: the data parser's warnings (the reference's wording) for input it converted or ignored
_COERCED = ("Expected OpenAPI type=", "Ignoring unexpected field")


def _members(message: str) -> set:
    """The top-level body members a negative case mutated, as schemathesis names them."""
    if "Invalid component: in body" not in message:
        return set()
    found = {a or b for a, b in _FIRST.findall(message)}
    found |= set(_LISTED.findall(message))
    return found


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False drops the failure (see the module docstring)."""
    if getattr(failure, "code", None) != "ST201":
        return True
    members = _members(failure.message)
    if not members:
        return True
    try:
        warnings = json.loads(response.content).get("warnings") or []
    except (ValueError, AttributeError):
        warnings = []

    def excused(member: str):
        if member in _ENVELOPE:
            return "envelope"
        if isinstance(case.body, dict) and member in case.body and case.body[member] is None:
            return "null"
        for w in warnings:
            if w.get("source", "").startswith("#/%s" % member) and w.get("description", "").startswith(_COERCED):
                return "coerced: " + w["description"][:60]
        return None

    why = {m: excused(m) for m in members}
    if all(why.values()) and os.environ.get("SPEC_FUZZ_EXCUSED"):
        # the test prints how often each excuse was used: one that never is can go
        with open(os.environ["SPEC_FUZZ_EXCUSED"], "a") as fh:
            fh.write(json.dumps({"operation": case.operation.label, "why": why}) + "\n")
    return not all(why.values())
