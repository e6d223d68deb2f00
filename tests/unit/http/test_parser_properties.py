"""Property tests: the parser never fails with anything but HttpError, and valid requests round-trip."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from http_split_helper import drive

from slurmrestd.settings import Limits

SMALL = Limits(max_request_line_bytes=256, max_header_bytes=1024, max_header_count=16, max_body_bytes=4096)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


PREFIXES = [
    b"",
    b"GET / HTTP/1.1\r\n",
    b"POST /x HTTP/1.1\r\nHost: h\r\n",
    b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n",
]


@SETTINGS
@given(prefix=st.sampled_from(PREFIXES), junk=st.binary(max_size=300), cuts=st.lists(st.integers(0, 400), max_size=6),
       eof=st.booleans())
def test_random_bytes_only_raise_http_error(prefix, junk, cuts, eof):
    data = prefix + junk
    if not data:
        return
    # drive() lets anything but HttpError propagate, so reaching the end is the property.
    whole = drive([data], SMALL, eof)
    split = drive(split_at(data, cuts), SMALL, eof)
    assert split.key() == whole.key()


@SETTINGS
@given(data=st.binary(min_size=1, max_size=200).map(lambda b: b.replace(b"\n", b"\r\n")))
def test_line_shaped_noise(data):
    drive([b"GET / HTTP/1.1\r\nHost: h\r\n" + data], SMALL, True)


_tchar = st.sampled_from("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_token = st.text(_tchar, min_size=1, max_size=12)
_pchar = st.sampled_from("abcXYZ019-._~!$&'()*+,;=:@%")
_segment = st.text(_pchar, max_size=8)
_path = st.lists(_segment, min_size=1, max_size=4).map(lambda segs: "/" + "/".join(segs))
_query = st.one_of(st.just(None), st.text(st.sampled_from("abc=&%20/?:@"), max_size=12))
_vchar = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_value = st.builds(
    lambda a, b: (a + " " + b).strip(" ") if b else a,
    st.text(_vchar, max_size=10), st.text(_vchar, max_size=10),
)
_RESERVED = {"host", "content-length", "transfer-encoding", "content-encoding", "upgrade", "expect", "connection"}
_fields = st.lists(st.tuples(_token, _value).filter(lambda f: f[0].lower() not in _RESERVED), max_size=6)


@st.composite
def requests(draw):
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]))
    path, query = draw(_path), draw(_query)
    target = path if query is None else path + "?" + query
    version = draw(st.sampled_from(["1.0", "1.1"]))
    fields = draw(_fields)
    if version == "1.1":
        fields.insert(draw(st.integers(0, len(fields))), ("Host", "h:6820"))
    body = draw(st.binary(max_size=200))
    framing = draw(st.sampled_from(["length", "chunked", "none"] if version == "1.1" else ["length", "none"]))
    if framing == "none":
        body = b""
    keep = draw(st.sampled_from([None, "close", "keep-alive"]))
    if keep:
        fields.append(("Connection", keep))
    head = ["%s %s HTTP/%s" % (method, target, version)] + ["%s: %s" % f for f in fields]
    eol = draw(st.sampled_from(["\r\n", "\n"]))
    payload = b""
    if framing == "length":
        head.append("Content-Length: %d" % len(body))
        payload = b""
    elif framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        sizes = draw(st.lists(st.integers(1, 64), max_size=8))
        payload, rest = b"", body
        for n in sizes:
            if not rest:
                break
            piece, rest = rest[:n], rest[n:]
            payload += b"%x\r\n" % len(piece) + piece + b"\r\n"
        if rest:
            payload += b"%X;ext=1\r\n" % len(rest) + rest + b"\r\n"
        payload += b"0\r\n\r\n"
    raw = (eol.join(head) + eol + eol).encode("latin-1") + (body if framing == "length" else payload)
    expected = dict(method=method, target=target, path=path, query=query or "", version=version, body=body,
                    keep_alive=(keep != "close") if version == "1.1" else keep == "keep-alive")
    headers = [(n.lower(), v) for n, v in fields]
    return raw, expected, headers


@SETTINGS
@given(case=requests(), cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_valid_requests_round_trip(case, cuts):
    raw, expected, headers = case
    out = drive(split_at(raw, cuts), SMALL)
    assert out.error is None, out.error
    (got,) = out.requests
    for field, value in expected.items():
        assert getattr(got, field) == value, field
    assert list(got.headers)[: len(headers)] == headers


@SETTINGS
@given(cases=st.lists(requests(), min_size=2, max_size=4), cuts=st.lists(st.integers(0, 4000), max_size=8))
def test_pipelined_round_trip(cases, cuts):
    raw = b"".join(c[0] for c in cases)
    out = drive(split_at(raw, cuts), SMALL)
    assert out.error is None, out.error
    # Requests after one that closes the connection are not parsed.
    n = next((i + 1 for i, c in enumerate(cases) if not c[1]["keep_alive"]), len(cases))
    assert [r.path for r in out.requests] == [c[1]["path"] for c in cases[:n]]
    assert [r.body for r in out.requests] == [c[1]["body"] for c in cases[:n]]


@SETTINGS
@given(case=requests(), pos=st.integers(0, 1000), byte=st.integers(0, 255), delete=st.booleans())
def test_mutated_requests_only_raise_http_error(case, pos, byte, delete):
    raw = case[0]
    pos %= len(raw)
    raw = raw[:pos] + raw[pos + 1 :] if delete else raw[:pos] + bytes([byte]) + raw[pos:]
    drive([raw], SMALL, True)
    drive([raw[i : i + 1] for i in range(len(raw))], SMALL, True)


_line_byte = st.sampled_from([b" ", b"#", b"?", b"/", b"*", b"\x7f", b"\x80", b"\t"] + [bytes([c]) for c in range(0x21, 0x7f)])
_methods = st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"CONNECT",
                            b"get", b"BREW", b"G@T"])
_versions = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.2", b"HTTP/2.0", b"HTTP/1", b"http/1.1", b"HTTP/1.1 "])


def _request_line_outcome(line: bytes, plain: bool, monkeypatch) -> tuple:
    """What the parser makes of ``line``: its fields, or the error it raises."""
    import re

    from slurmrestd.http import parser as parser_mod

    if not plain:  # the general checks only: a pattern that matches nothing
        monkeypatch.setattr(parser_mod, "_PLAIN_REQUEST_LINE", re.compile(rb"(?!)"))
    p = parser_mod.RequestParser(require_host=False)
    try:
        p._parse_request_line(line)
    except parser_mod.HttpError as err:
        return ("error", err.status, err.errno, err.message)
    finally:
        monkeypatch.undo()
    return (p._method, p._target, p._path, p._query, p._version, p._absolute)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=_methods, target=st.lists(_line_byte, max_size=20).map(b"".join), version=_versions,
       slash=st.booleans())
def test_the_plain_request_line_shortcut_agrees_with_the_general_checks(method, target, version, slash, monkeypatch):
    line = method + b" " + (b"/" if slash else b"") + target + b" " + version
    from slurmrestd.http.parser import _NOT_PRINTABLE

    assume(not _NOT_PRINTABLE.search(line))  # refused before it is parsed (_take_request_line)
    assert _request_line_outcome(line, True, monkeypatch) == _request_line_outcome(line, False, monkeypatch)
