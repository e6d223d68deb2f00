"""Our OpenAPI document vs. the reference documents: slurmrestd 26.05 (v0.0.42-v0.0.45)
and slurmrestd 24.11 (v0.0.40, v0.0.41)."""
from __future__ import annotations

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import conformance as C  # noqa: E402

from slurmrestd.data_parser.registry import VERSIONS  # noqa: E402
from slurmrestd.data_parser.versions import VERSIONS_24_11_ONLY, VERSIONS_26_05  # noqa: E402
from slurmrestd.openapi.document import build_document, iter_operations  # noqa: E402

pytestmark = pytest.mark.skipif(not os.path.isdir(C.REF_DIR), reason="reference documents not available")


def _check(ours, ref, title, top_level=True):
    """Every schema, property and operation of the reference, with no difference (hard assert)."""
    res = C.compare(ours, ref, top_level)
    text = C.report(res, title)
    print("\n" + text)
    complete = not res["diffs"] and all(
        c["schemas_ok"] == c["schemas"] and c["properties_ok"] == c["properties"]
        and c["operations_ok"] == c["operations"] for c in res["versions"].values())
    assert complete, text


def test_all_versions_document():
    ref = C.load_reference("openapi-v3-all-versions.json")
    t = time.perf_counter()
    ours = build_document(VERSIONS_26_05, ("slurmctld", "slurmdbd", "util"), None, "26.05.5", corrected=False)
    elapsed = time.perf_counter() - t
    # printed, not asserted: speed targets live in bench/, not in timed unit tests
    print(f"\nbuild_document(26.05 versions) took {elapsed * 1000:.0f} ms")
    _check(ours, ref, "openapi/v3 with v0.0.42-v0.0.45")


def _version_totals(res, versions):
    return {v: (c["schemas_ok"], c["schemas"], c["properties_ok"], c["properties"],
                c["operations_ok"], c["operations"]) for v, c in res["versions"].items() if v in versions}


def test_24_11_versions_against_the_24_11_document():
    """v0.0.40 and v0.0.41 as Slurm 24.11's daemon serves them at /openapi/v3: every
    schema, property and operation, in the same order (24.11's tags and info differ
    from 26.05's and are not compared: we serve one document)."""
    ref = C.only_versions(C.load_reference("slurm-24.11/openapi-v3-all-versions.json"), VERSIONS_24_11_ONLY)
    ours = build_document(VERSIONS_24_11_ONLY, corrected=False)
    res = C.compare(ours, ref, top_level=False)
    print("\n" + C.report(res, "openapi/v3 v0.0.40 and v0.0.41 vs Slurm 24.11"))
    assert res["diffs"] == []
    for v, (so, s, po, p, oo, o) in _version_totals(res, VERSIONS_24_11_ONLY).items():
        assert (so, po, oo) == (s, p, o) and s and p and o, v


def test_all_six_versions_document():
    """The document we serve: all six versions, each version's part equal to its reference."""
    t = time.perf_counter()
    ours = build_document(VERSIONS, corrected=False)
    elapsed = time.perf_counter() - t
    print(f"\nbuild_document(six versions) took {elapsed * 1000:.0f} ms")
    assert [p["plugin"] for p in ours["info"]["x-slurm"]["data_parsers"]] == list(VERSIONS)
    new = C.compare(C.only_versions(ours, VERSIONS_26_05),
                    C.only_versions(C.load_reference("openapi-v3-all-versions.json"), VERSIONS_26_05), False)
    old = C.compare(C.only_versions(ours, VERSIONS_24_11_ONLY),
                    C.only_versions(C.load_reference("slurm-24.11/openapi-v3-all-versions.json"),
                                    VERSIONS_24_11_ONLY), False)
    assert new["diffs"] == [] and old["diffs"] == []


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_single_version_document(version):
    ref = C.load_reference(f"openapi-{version}.json")
    ours = build_document((version,), mime_types=("application/json",), corrected=False)
    _check(ours, ref, f"--generate-openapi-spec -d {version}")


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.45"])
def test_corrections_are_the_only_differences(version):
    """What the listed corrections change: the jobs/state answer's type, nullable job_resources,
    required members named by a path moved into the object they name."""
    ref = C.load_reference(f"openapi-{version}.json")
    ours = build_document((version,), mime_types=("application/json",))
    plain = build_document((version,), mime_types=("application/json",), corrected=False)
    assert C.compare(plain, ref)["diffs"] == []
    diffs = C.compare(ours, ref)["diffs"]
    changed = {d.split()[-1] for d in diffs if d.startswith(("schema differs", "extra schema"))}
    names = {t.lower() for t in ("JOB_RES", "JOB_RES_NODE", "KILL_JOBS_RESP_JOB", "ROLLUP_STATS",
                                 "JOB_ARRAY_RESPONSE_ARRAY", "OPENAPI_JOB_STATE_RESP", "JOB_STATE_RESP_MSG",
                                 "JOB_STATE_RESP_JOB")}
    assert changed and changed <= {f"{version}_{n}" for n in names}, diffs
    schemas = ours["components"]["schemas"]
    assert all("/" not in k for s in schemas.values() for k in s.get("required", []))
    assert "count" in schemas[f"{version}_job_res"]["properties"]["nodes"]["required"]
    assert schemas[f"{version}_job_res"]["nullable"] is True
    get = ours["paths"][f"/slurm/{version}/jobs/state/"]["get"]
    ref_200 = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref_200 == {"$ref": f"#/components/schemas/{version}_openapi_job_state_resp"}
    job = schemas[f"{version}_job_state_resp_job"]
    assert job["properties"]["job_id"]["type"] == "string"


def test_corrections_reach_inline_schemas_of_v0041():
    """24.11's v0.0.41 inlines the types its operations name once: the corrections apply
    there too (found by the schemathesis run of v0.0.41): nullable ``job_resources`` and
    ``results``, and required members named by a path inside array items."""
    schemas = build_document(("v0.0.40", "v0.0.41"))["components"]["schemas"]
    job = schemas["v0.0.41_openapi_job_info_resp"]["properties"]["jobs"]["items"]
    res = job["properties"]["job_resources"]
    assert res["nullable"] is True and "count" in res["properties"]["nodes"]["required"]
    assert schemas["v0.0.41_openapi_job_post_response"]["properties"]["results"]["nullable"] is True
    status = schemas["v0.0.41_openapi_kill_jobs_resp"]["properties"]["status"]["items"]
    assert status["required"] == ["step_id", "job_id"]
    assert status["properties"]["error"]["required"] == ["string", "code", "message"]

    def paths(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "required":
                    yield from (r for r in v if "/" in r)
                else:
                    yield from paths(v)
        elif isinstance(x, list):
            for v in x:
                yield from paths(v)
    assert list(paths(schemas)) == []


PLUGINS = ("slurmctld", "slurmdbd", "util")


def test_served_document_has_every_operation():
    """What the daemon serves at /openapi/v3 lists only operations with a bound handler:
    with every handler written, that is every operation of the reference, at every version."""
    from slurmrestd.operations.plugins import handlers_for

    handlers = handlers_for("openapi/" + p for p in PLUGINS)
    ops = list(iter_operations(tuple(VERSIONS), PLUGINS))
    missing = sorted({(o.template, o.method) for o in ops if (o.template, o.method) not in handlers})
    if missing:
        pytest.xfail("operations without a handler: %s" % missing)
    bound = {(o.path, o.method) for o in ops if (o.template, o.method) in handlers}
    ours = build_document(VERSIONS_26_05, PLUGINS, lambda path, method: (path, method) in bound, "26.05.5",
                          corrected=False)
    _check(ours, C.load_reference("openapi-v3-all-versions.json"), "served /openapi/v3, v0.0.42-v0.0.45")
    ours = build_document(VERSIONS_24_11_ONLY, PLUGINS, lambda path, method: (path, method) in bound,
                          corrected=False)
    ref = C.only_versions(C.load_reference("slurm-24.11/openapi-v3-all-versions.json"), VERSIONS_24_11_ONLY)
    _check(ours, ref, "served /openapi/v3, v0.0.40 and v0.0.41", top_level=False)


def test_registered_filter_and_operations():
    ops = list(iter_operations())
    # 26.05's 264 for v0.0.42-v0.0.45, 24.11's 57 for v0.0.40 and 58 for v0.0.41
    assert len(ops) == 264 + 57 + 58
    assert len({o.operation_id for o in ops}) == len(ops)
    keep = {("/util/v0.0.45/hostnames", "post"), ("/util/v0.0.44/hostnames", "post")}
    doc = build_document(registered=lambda t, m: (t, m) in keep)
    assert list(doc["paths"]) == ["/util/v0.0.45/hostnames", "/util/v0.0.44/hostnames"]
    op = next(o for o in ops if o.operation_id == "slurm_v0045_get_job")
    assert op.path == "/slurm/v0.0.45/job/{job_id}"
    assert op.template == "/slurm/{data_parser}/job/{job_id}"
    assert op.path_params == {"job_id": {"type": "string"}}
    assert op.response_type == "OPENAPI_JOB_INFO_RESP"
    assert op.query_type == "OPENAPI_JOB_INFO_QUERY"
    q = next(o for o in ops if o.operation_id == "slurmdb_v0045_get_single_qos")
    assert q.plugin == "slurmdbd" and q.version == "v0.0.45"
