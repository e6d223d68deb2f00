"""``Headers``: the first field of a name answers ``get``; every field stays, in order."""

from slurmrestd.http.headers import Headers


def test_the_first_field_of_a_name_wins_and_every_field_stays():
    h = Headers([("Accept", "a"), ("X-Slurm-User-Name", "alice"), ("accept", "b"), ("ACCEPT", "c")])
    assert h.get("accept") == "a" and h.get("ACCEPT") == "a" and h.get("x-slurm-user-name") == "alice"
    assert h.get_all("Accept") == ["a", "b", "c"]
    assert sorted(h.names) == ["accept", "x-slurm-user-name"] and "accept" in h.names
    assert "Accept" in h and "nothing" not in h and h.get("nothing", "d") == "d"
    assert list(h) == [("accept", "a"), ("x-slurm-user-name", "alice"), ("accept", "b"), ("accept", "c")]


def test_of_lowered_keeps_the_names_as_given():
    h = Headers.of_lowered([("host", "x"), ("host", "y")])
    assert h.get("host") == "x" and h.get_all("host") == ["x", "y"] and len(h) == 2
    assert h == Headers([("Host", "x"), ("HOST", "y")])
