"""GET slurmdb wckeys?id=: an id that is not a number is refused with a 422 naming it, before
slurmdbd sees it (slurmdbd fails such a query with "Unspecified error", a 500 in the reference)."""

from __future__ import annotations

import pytest

from clusters import our_daemon, read_env, token
from http_client import call

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def ours():
    with our_daemon(read_env("forky")["SLURM_CONF"]) as d:
        yield "http://%s:%d" % d.inet


@pytest.mark.parametrize("ids", ["%C2%96", "1,x", "-1", "1.5"])
def test_non_numeric_wckey_id_is_a_422(ours, ids):
    for user in ("root", "alice"):
        st, doc = call(ours, "GET", "/slurmdb/v0.0.45/wckeys/?id=" + ids, token("forky", user), None)
        assert st == 422, (user, doc)
        assert doc["errors"][0]["error_number"] == 9000 and "parameter id" in doc["errors"][0]["description"]
        assert doc["wckeys"] == []


def test_numeric_wckey_id_is_sent(ours):
    st, doc = call(ours, "GET", "/slurmdb/v0.0.45/wckeys/?id=1,2", token("forky", "root"), None)
    assert st == 200 and doc["errors"] == [], doc
