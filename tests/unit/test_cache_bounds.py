"""Every daemon-wide table that input or time could grow stays within its bound under
adversarial input: 100,000 distinct users, tokens, addresses, paths or ids.

The bounds are the ``Limits`` fields listed in docs/layout.md ("Bounded state").
"""

from __future__ import annotations

import time

from slurmrestd.auth import Identity
from slurmrestd.auth.mint import TokenMinter
from slurmrestd.auth.ratelimit import MAX_KEY_CHARS, FailureLimiter
from slurmrestd.auth.verify import TokenVerifier
from slurmrestd.auth.keys import JwtKeys
from slurmrestd.cache import LruCache
from slurmrestd.conmgr.admission import Admission
from slurmrestd.data_parser.codecs.users import IdNames
from slurmrestd.http.events import Request
from slurmrestd.http.headers import Headers
from slurmrestd.metrics import Metrics
from slurmrestd.operations.app import RestApp
from slurmrestd.operations.coalesce import SingleFlight
from slurmrestd.operations.router import Binding, Router
from slurmrestd.settings import Limits, Settings
from slurmrestd.site import Site

N = 100_000
KEY = b"k" * 32


# -- the LRU map itself ---------------------------------------------------------------------

def test_lru_keeps_at_most_size_entries():
    c = LruCache(100)
    for i in range(N):
        c.put(("user%d" % i, i), i)
        c.get(("user%d" % (i // 2), i // 2))
    assert len(c) == 100 and c.evictions == N - 100


def test_lru_weight_budget_evicts_oldest_and_refuses_heavier_than_all():
    c = LruCache(1000, max_weight=50)
    for i in range(N):
        c.put(i, "x", weight=(i % 7) + 1)
        assert c.weight <= 50
    assert c.weight == sum(w for _, w in c._data.values())
    c.put("big", "y", weight=51)
    assert c.get("big") is None and c.weight <= 50
    c.put("again", "z", weight=10)
    c.put("again", "z", weight=3)  # replacing an entry replaces its weight
    assert c._data["again"][1] == 3 and c.weight == sum(w for _, w in c._data.values())


def test_lru_size_zero_keeps_nothing():
    c = LruCache(0, max_weight=10)
    c.put("a", 1)
    assert len(c) == 0 and c.get("a") is None


# -- site caches ---------------------------------------------------------------------------------

def test_job_list_cache_bounded_by_lists_and_jobs():
    lim = Limits(job_list_cache_entries=4, job_list_cache_jobs=1000)
    site = Site(Settings(limits=lim))
    cache = site.job_list_cache
    for i in range(2000):
        jobs = 1 + (i * 37) % 900
        cache.put(("jwt", "user%d" % i, "tok%d" % i, None, "v0.0.45", 3), (i, {}, []), 1 + jobs)
        assert len(cache) <= 4 and cache.weight <= 1000
    cache.put(("jwt", "huge", "t", None, "v0.0.45", 3), (1, {}, []), 5000)
    assert cache.get(("jwt", "huge", "t", None, "v0.0.45", 3)) is None


def _no_such_user(name):
    raise KeyError(name)


def test_client_group_cache_bounded_and_expires(monkeypatch):
    site = Site(Settings(limits=Limits(client_group_cache_entries=256, name_cache_ttl_s=60)))
    monkeypatch.setattr("slurmrestd.site.pwd.getpwnam", _no_such_user)
    for i in range(N):
        user, group = site.client_names(Identity("rest_auth/jwt", "nosuch-%d" % i, token="t", verified=True))
        assert (user, group) == ("nosuch-%d" % i, "")
    assert len(site.group_names) == 256
    # an answer older than the name TTL is looked up again
    user = "nosuch-%d" % (N - 1)
    real = time.monotonic()
    monkeypatch.setattr("slurmrestd.site.time.monotonic", lambda: real + 61)
    asked = []
    monkeypatch.setattr("slurmrestd.site.pwd.getpwnam", lambda name: asked.append(name) or (_ for _ in ()).throw(KeyError))
    site.client_names(Identity("rest_auth/jwt", user, token="t", verified=True))
    assert asked == [user]


def test_id_name_caches_bounded_under_100k_ids():
    names = IdNames(size=4096, ttl_s=60)
    names.user._lookup = lambda uid: "u%d" % uid
    names.group._lookup = lambda gid: "g%d" % gid
    for i in range(N):
        assert names.user(1000 + i) == "u%d" % (1000 + i)
        assert names.group(2000 + i) == "g%d" % (2000 + i)
    assert len(names.user) == 4096 and len(names.group) == 4096


# -- authentication tables ---------------------------------------------------------------------

def test_failure_limiter_bounded_by_keys_and_key_length():
    lim = FailureLimiter(5, 300, max_keys=4096)
    for i in range(N):
        lim.failed("addr:10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), "user:" + ("x%d" % i) * 40)
    assert len(lim) == 4096
    assert max(len(k) for k in lim._failures) <= MAX_KEY_CHARS
    # a hashed name still counts: the sixth failure of one long name is blocked
    long_name = "user:" + "y" * 65536
    for _ in range(5):
        lim.failed(long_name)
    assert lim.blocked_for(long_name) > 0 and lim.blocked_for("user:" + "y" * 65535) == 0


def _tokens(users):
    import jwt

    exp = int(time.time()) + 600
    return [jwt.encode({"exp": exp, "sun": u}, KEY, algorithm="HS256") for u in users]


def test_verified_token_cache_bounded_by_entries_and_bytes():
    v = TokenVerifier(JwtKeys(hs256=KEY), cache_entries=512, cache_bytes=1 << 30)
    for t in _tokens(["user%d" % i for i in range(5000)]):
        v.verify(t)
    assert len(v._checked) == 512
    assert all(isinstance(k, bytes) and len(k) == 32 for k in v._checked._data)  # digests, not tokens
    v = TokenVerifier(JwtKeys(hs256=KEY), cache_entries=1 << 20, cache_bytes=256 * 1024)
    for t in _tokens(["%d-%s" % (i, "n" * 4000) for i in range(500)]):
        assert v.verify(t).user_name.endswith("n")
    assert v._checked.weight <= 256 * 1024 and len(v._checked) < 70


def test_minted_token_cache_bounded_by_entries_and_bytes():
    m = TokenMinter(KEY, cache_entries=1024, cache_bytes=1 << 30)
    for i in range(5000):
        m.token_for("user%d" % i)
    assert len(m._cache) == 1024
    m = TokenMinter(KEY, cache_entries=1024, cache_bytes=512 * 1024)
    for i in range(500):
        m.token_for("%d-%s" % (i, "n" * 8000))
    assert m._cache.weight <= 512 * 1024


# -- per-request tables that must empty again ----------------------------------------------

class _Conn:
    handling_request = False

    def __init__(self, key):
        self.client_key = key


def test_admission_bounded_under_100k_addresses():
    adm = Admission(max_busy=4, max_waiting=1000, max_per_client=8)
    closed = 0
    for i in range(N):
        c = _Conn("10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i % 3))
        adm.add(c)
        for victim in adm.over_cap(c):
            adm.remove(victim)
            closed += 1
        assert len(adm.waiting) <= 1000
    assert len(adm.by_client) <= 1000 and sum(map(len, adm.by_client.values())) == len(adm.waiting)
    for c in list(adm.waiting):
        adm.remove(c)
    assert not adm.waiting and not adm.by_client and closed == N - 1000


def test_single_flight_forgets_every_key_when_done():
    sf = SingleFlight()
    for i in range(N // 10):
        assert sf.run(("GET", "/slurm/v0.0.45/nodes", "q=%d" % i), lambda: i) == i
    assert sf.in_flight() == 0


# -- metrics label sets -----------------------------------------------------------------------

class _Auth:
    def authenticate(self, headers, conn):
        return Identity("rest_auth/jwt", "alice", token="tok")


class _Site:
    def __init__(self):
        self.metrics = Metrics()

    def meta(self, binding, conn, identity):
        return {}


class _FakeConn:
    name = "test:1"


def test_metric_labels_are_templates_not_raw_paths():
    router = Router()
    router.add(Binding("/slurm/v0.0.45/job/{job_id}", "GET", lambda ctx: {}, "openapi/slurmctld", "v0.0.45"))
    site = _Site()
    app = RestApp(router, [_Auth()], site)
    for i in range(5000):
        path = "/slurm/v0.0.45/job/%d" % i if i % 2 else "/slurm/v0.0.45/%x/%d" % (i, i)
        method = "GET" if i % 3 else "BREW%d" % i
        app(Request(method, path + "?x%d=1" % i, path, "x%d=1" % i, "1.1", Headers([]), b"", True), _FakeConn())
    text = site.metrics.exposition().decode()
    series = [line for line in text.splitlines() if line.startswith("slurmrestd_http_requests_total{")]
    paths = {line.split('path="', 1)[1].split('"', 1)[0] for line in series}
    assert paths <= {"/slurm/v0.0.45/job/{job_id}", "unmatched"}
    assert len(series) <= 10, series
