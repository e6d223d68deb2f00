import pytest
from cycles import cyclic_garbage

from slurmrestd.operations.router import Binding, Router


def h(ctx):
    return None


def make():
    r = Router()
    r.add(Binding("/slurm/v0.0.45/job/{job_id}", "GET", h))
    r.add(Binding("/slurm/v0.0.45/job/{job_id}", "DELETE", h))
    r.add(Binding("/slurm/v0.0.45/job/submit", "POST", h))
    r.add(Binding("/slurm/v0.0.45/jobs/state", "GET", h))
    r.add(Binding("/slurm/v0.0.45/node/{node_name}", "GET", h))
    r.add(Binding("/openapi/v3", "GET", h))
    return r


def test_params_and_methods():
    methods, params = make().match("/slurm/v0.0.45/job/42")
    assert set(methods) == {"GET", "DELETE"}
    assert params == {"job_id": "42"}


def test_literal_beats_param():
    methods, params = make().match("/slurm/v0.0.45/job/submit")
    assert set(methods) == {"POST"} and params == {}


def test_literal_falls_back_to_param_when_deeper_fails():
    r = make()
    r.add(Binding("/a/{x}/b", "GET", h))
    r.add(Binding("/a/lit/c", "GET", h))
    methods, params = r.match("/a/lit/b")
    assert params == {"x": "lit"}


def test_empty_segments_and_percent_decoding():
    r = make()
    assert r.match("//slurm//v0.0.45//jobs/state/") is not None
    methods, params = r.match("/slurm/v0.0.45/node/n%5B1%5D")
    assert params == {"node_name": "n[1]"}


@pytest.mark.parametrize("path", ["/", "/slurm", "/slurm/v0.0.45/job", "/slurm/v0.0.45/job/1/extra", "/nope"])
def test_no_match(path):
    assert make().match(path) is None


def test_duplicate_binding_rejected():
    r = make()
    with pytest.raises(ValueError):
        r.add(Binding("/openapi/v3", "GET", h))


def test_a_deferred_segment_is_bound_before_it_leaves_the_pending_list():
    r = Router()
    seen = []

    def bind():
        seen.append("v9" in r._deferred)  # still pending while its bindings go in
        r.add(Binding("/slurm/v9/ping", "GET", h))

    r.defer("v9", bind)
    r.defer("v8", lambda: r.add(Binding("/slurm/v8/ping", "GET", h)))
    assert r.match("/slurm/v9/ping") is not None
    assert seen == [True] and "v9" not in r._deferred and "v8" in r._deferred
    assert r.match("/slurm/v9/ping") is not None  # nothing left to bind for v9: no lock taken


def test_segments_without_percent_are_taken_as_they_are():
    from slurmrestd.operations.router import split_path
    assert split_path("//slurm/v0.0.45//node/n%5B1%5D/") == ["slurm", "v0.0.45", "node", "n[1]"]
    assert split_path("/a/%2F/b%") == ["a", "/", "b%"]


def test_the_last_match_is_remembered_until_a_binding_is_added():
    r = make()
    first = r.match("/slurm/v0.0.45/job/submit")
    first[1]["mutated"] = "by a caller"
    again = r.match("/slurm/v0.0.45/job/submit")
    assert set(again[0]) == {"POST"} and again[1] == {}  # a caller's change to its params stays its own
    methods, params = r.match("/slurm/v0.0.45/job/7")
    assert params == {"job_id": "7"} and r.match("/slurm/v0.0.45/job/7")[1] == {"job_id": "7"}
    assert r.match("/nope") is None and r.match("/nope") is None
    r.add(Binding("/nope", "GET", h))
    assert r.match("/nope") is not None  # the remembered miss went with the new binding


def test_a_match_computed_while_a_binding_is_added_is_not_kept():
    r = make()
    real = r._match

    def racing(path):
        found = real(path)
        r.add(Binding("/slurm/v0.0.45/job/{job_id}", "POST", h))  # another thread binds meanwhile
        return found

    r._match = racing
    r.match("/slurm/v0.0.45/job/9")
    assert r._last is None


def test_matching_leaves_no_reference_cycle():
    r = make()
    paths = iter(["/slurm/v0.0.45/job/%d" % n for n in range(10)] + ["/a/b", "/slurm/v0.0.45/job/submit"] * 5)

    def match_a_new_path():  # a new path each time: the remembered last match never answers
        r.match(next(paths))
        r.match(next(paths))

    assert cyclic_garbage(match_a_new_path) == {}
