"""Hand-off and reports: round trips in every split, and every malformed shape refused."""

from __future__ import annotations

import pytest

from slurmrestd.warmstart import wire


def _splits(data: bytes):
    yield [data]
    yield [data[i:i + 1] for i in range(len(data))]
    for cut in range(0, len(data) + 1, max(1, len(data) // 7)):
        yield [data[:cut], data[cut:]]


def test_handoff_round_trip_in_every_split():
    msg = wire.encode_handoff(b"fp\x00\xff", b"slurmrestd", b"/tmp/x", [b"A=1", b"B=", b"C=x=y"])
    for parts in _splits(msg):
        r = wire.HandoffReader()
        got = [r.feed(p) for p in parts]
        done = [g for g in got if g is not None]
        assert len(done) == 1 and got[-1] is done[0]
        h = done[0]
        assert (h.fingerprint, h.argv0, h.cwd, h.env) == (b"fp\x00\xff", b"slurmrestd", b"/tmp/x", [b"A=1", b"B=", b"C=x=y"])


def _body(items):
    return b"".join(len(i).to_bytes(4, "big") + i for i in items)


@pytest.mark.parametrize("data,why", [
    (b"GET / HTTP/1.1\r\n", "not a warm-start"),
    (b"SRW2\0\0\0\0", "not a warm-start"),
    (b"SRW1" + (wire.MAX_HANDOFF + 1).to_bytes(4, "big"), "over"),
    (b"SRW1\0\0\0\x05" + b"\0\0\0\x09a", "overruns"),
    (b"SRW1\0\0\0\x02\0\0", "truncated"),
    (b"SRW1" + len(_body([b"f", b"a"])).to_bytes(4, "big") + _body([b"f", b"a"]), "fields"),
    (b"SRW1" + len(_body([b"f", b"a", b"/", b"NOEQUALS"])).to_bytes(4, "big") + _body([b"f", b"a", b"/", b"NOEQUALS"]), "environment"),
    (b"SRW1" + len(_body([b"f", b"a", b"/", b"=x"])).to_bytes(4, "big") + _body([b"f", b"a", b"/", b"=x"]), "environment"),
    (b"SRW1" + len(_body([b"f", b"a", b"rel"])).to_bytes(4, "big") + _body([b"f", b"a", b"rel"]), "absolute"),
    (wire.encode_handoff(b"f", b"a", b"/", []) + b"x", "after"),
])
def test_malformed_handoff(data, why):
    with pytest.raises(wire.WireError, match=why):
        wire.HandoffReader().feed(data)


def test_encode_refuses_an_oversized_handoff():
    with pytest.raises(wire.WireError):
        wire.encode_handoff(b"f", b"a", b"/", [b"X=" + b"y" * wire.MAX_HANDOFF])


def test_reports_in_every_split():
    data = wire.encode_started(4242) + wire.encode_refused("no such directory") + wire.encode_exited(-3)
    for parts in _splits(data):
        r = wire.ReportReader()
        got = [x for p in parts for x in r.feed(p)]
        assert got == [("S", 4242), ("R", "no such directory"), ("X", -3)]


def test_unknown_report():
    with pytest.raises(wire.WireError):
        wire.ReportReader().feed(b"Z")
    with pytest.raises(wire.WireError):
        wire.ReportReader().feed(b"R" + (wire.MAX_REASON + 1).to_bytes(4, "big"))
