"""Request parser: every rule, fed whole, byte by byte, at every split point and in random pieces."""

from __future__ import annotations

import time

import pytest
from cycles import cyclic_garbage
from http_split_helper import drive, outcome

from slurmrestd.errors import E
from slurmrestd.http.events import CONNECTION_CLOSED, CONTINUE_EXPECTED, NEED_DATA, PAUSED, Request
from slurmrestd.http.headers import Headers
from slurmrestd.http.parser import HttpError, RequestParser
from slurmrestd.settings import Limits

SMALL = Limits(max_request_line_bytes=64, max_header_bytes=200, max_header_count=5, max_body_bytes=100)
H = b"Host: h\r\n"


def req(raw: bytes, limits: Limits | None = None, eof: bool = False) -> Request:
    out = outcome(raw, limits, eof)
    assert out.error is None, out.error
    assert len(out.requests) == 1, out.events
    return out.requests[0]


def err(raw: bytes, limits: Limits | None = None, eof: bool = False) -> HttpError:
    out = outcome(raw, limits, eof)
    assert out.error is not None, out.events
    return out.error


# --------------------------------------------------------------------------- valid requests

VALID = [
    # (id, raw, expected fields)
    ("origin", b"GET /slurm/v0.0.45/ping?a=1&b=%20 HTTP/1.1\r\nHost: h\r\n\r\n",
     dict(method="GET", target="/slurm/v0.0.45/ping?a=1&b=%20", path="/slurm/v0.0.45/ping", query="a=1&b=%20",
          version="1.1", body=b"", keep_alive=True)),
    ("no-query", b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/a", query="")),
    ("empty-query", b"GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/a", query="")),
    ("two-question-marks", b"GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/a", query="b?c")),
    ("percent-raw", b"GET /a%2Fb/%7e HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/a%2Fb/%7e")),
    ("absolute-http", b"GET http://host:6820/p/q?x=y HTTP/1.1\r\nHost: host:6820\r\n\r\n",
     dict(target="http://host:6820/p/q?x=y", path="/p/q", query="x=y")),
    ("absolute-https-upper", b"GET HTTPS://h/p HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/p", query="")),
    ("absolute-no-path", b"GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/", query="")),
    ("absolute-query-only", b"GET http://h?z HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/", query="z")),
    ("options-star", b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="OPTIONS", target="*", path="*")),
    ("http10-no-host", b"GET / HTTP/1.0\r\n\r\n", dict(version="1.0", keep_alive=False)),
    ("http10-keep-alive", b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", dict(version="1.0", keep_alive=True)),
    ("http10-keep-alive-list", b"GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", dict(keep_alive=True)),
    ("http10-close-wins", b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", dict(keep_alive=False)),
    ("http11-close", b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", dict(keep_alive=False)),
    ("http11-close-upper", b"GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, CLOSE\r\n\r\n", dict(keep_alive=False)),
    ("http11-keep-alive-param-ignored", b"GET / HTTP/1.1\r\nHost: h\r\nKeep-Alive: timeout=5\r\n\r\n",
     dict(keep_alive=True)),
    ("post-cl", b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
     dict(method="POST", body=b"hello")),
    ("post-cl-zero", b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", dict(body=b"")),
    ("post-no-length", b"POST /p HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="POST", body=b"")),
    ("post-http10-no-length", b"POST /p HTTP/1.0\r\nHost: h\r\n\r\n", dict(body=b"", keep_alive=False)),
    ("cl-leading-zeros", b"PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc", dict(body=b"abc")),
    ("cl-duplicate-same", b"PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
     dict(body=b"abc")),
    ("cl-body-binary", b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n\x00\r\n\xff", dict(body=b"\x00\r\n\xff")),
    ("leading-empty-lines", b"\r\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", dict(path="/")),
    ("bare-lf", b"GET /x HTTP/1.1\nHost: h\nA: b\n\n", dict(path="/x")),
    ("mixed-line-ends", b"GET /x HTTP/1.1\r\nHost: h\nA: b\r\n\n", dict(path="/x")),
    ("methods-delete", b"DELETE /j/1 HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="DELETE")),
    ("methods-head", b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="HEAD")),
    ("methods-patch", b"PATCH / HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="PATCH")),
    ("methods-trace", b"TRACE / HTTP/1.1\r\nHost: h\r\n\r\n", dict(method="TRACE")),
    ("content-encoding-identity", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: identity\r\n\r\n", dict()),
    ("chunked", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n1;ext\r\n \r\nA;a=b;c=\"q;\\\"x\"\r\n0123456789\r\n0\r\n\r\n",
     dict(body=b"hello 0123456789")),
    ("chunked-case-and-lf", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: cHuNkEd\r\n\r\n"
                            b"00a\nabcdefghij\r\n0\n\n", dict(body=b"abcdefghij")),
    ("chunked-ext-bws", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"3 ; a = \"b\"\r\nabc\r\n0\r\n\r\n", dict(body=b"abc")),
    ("chunked-trailers-dropped", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"2\r\nab\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
     dict(body=b"ab", headers=Headers([("host", "h"), ("transfer-encoding", "chunked")]))),
    ("chunked-empty", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", dict(body=b"")),
    ("chunked-binary-data", b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"4\r\n\r\n\r\n\r\n0\r\n\r\n", dict(body=b"\r\n\r\n")),
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_valid(raw, expected):
    got = req(raw)
    for field, value in expected.items():
        assert getattr(got, field) == value, field


def test_header_values_trimmed_and_decoded():
    got = req(b"GET / HTTP/1.1\r\nHost:   h \t\r\nX-Empty:\r\nX-Sp: a  b\r\nX-Obs: caf\xe9\r\nx-dup: 1\r\nX-DUP: 2\r\n\r\n")
    hs = got.headers
    assert hs.get("host") == "h"
    assert hs.get("X-Empty") == ""
    assert hs.get("x-sp") == "a  b"
    assert hs.get("x-obs") == "café"
    assert hs.get_all("X-Dup") == ["1", "2"]
    assert hs.get("missing") is None and hs.get("missing", "d") == "d"
    assert "HOST" in hs and "nope" not in hs and 3 not in hs
    assert [n for n, _ in hs] == ["host", "x-empty", "x-sp", "x-obs", "x-dup", "x-dup"]
    assert hs.items()[0] == ("host", "h")
    assert len(hs) == 6


# --------------------------------------------------------------------------- invalid requests

PF = E.ESLURM_HTTP_PARSING_FAILURE
IC = E.ESLURM_HTTP_INVALID_CHARACTER
CL = E.ESLURM_HTTP_INVALID_CONTENT_LENGTH
TE = E.ESLURM_HTTP_INVALID_TRANSFER_ENCODING
V = E.ESLURM_HTTP_UNSUPPORTED_VERSION
LF = E.ESLURM_HTTP_MISSING_LF
CHUNKED = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

INVALID = [
    # request line
    ("http09", b"GET /\r\n\r\n", 400, PF),
    ("double-space", b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("trailing-space", b"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, PF),
    ("leading-space", b" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("four-parts", b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("only-method", b"GET\r\n\r\n", 400, PF),
    ("tab-separator", b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, IC),
    ("nul-in-target", b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n", 400, IC),
    ("utf8-in-target", b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400, IC),
    ("del-in-target", b"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400, IC),
    ("bare-cr-request-line", b"GET / HTTP/1.1\rHost: h\r\n\r\n", 400, LF),
    ("bare-cr-mid-line", b"GET /\rx HTTP/1.1\r\nHost: h\r\n\r\n", 400, LF),
    ("tls-handshake", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, IC),
    ("fragment", b"GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("star-not-options", b"GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("relative-target", b"GET foo HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("ftp-scheme", b"GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("empty-authority", b"GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    ("connect-authority-form", b"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 405, E.ESLURM_HTTP_INVALID_METHOD),
    ("method-not-token", b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, E.ESLURM_HTTP_INVALID_METHOD),
    ("http2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, V),
    ("http12", b"GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505, V),
    ("http3", b"GET / HTTP/3\r\nHost: h\r\n\r\n", 505, V),
    ("http2", b"GET / HTTP/2\r\nHost: h\r\n\r\n", 505, V),
    ("http09-explicit", b"GET / HTTP/0.9\r\n\r\n", 505, V),
    ("http99", b"GET / HTTP/9.9\r\nHost: h\r\n\r\n", 505, V),
    ("https-version", b"GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400, V),
    ("http1", b"GET / HTTP/1\r\nHost: h\r\n\r\n", 400, V),
    ("http-abc", b"GET / HTTP/abc\r\nHost: h\r\n\r\n", 400, V),
    ("http-lower", b"GET / http/1.1\r\nHost: h\r\n\r\n", 400, V),
    ("http-11-1", b"GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400, V),
    ("http-trailing", b"GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400, V),
    ("too-many-empty-lines", b"\r\n" * 9 + b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, PF),
    # header fields
    ("missing-host", b"GET / HTTP/1.1\r\n\r\n", 400, PF),
    ("two-hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, PF),
    ("two-hosts-http10", b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, PF),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400, PF),
    ("obs-fold-tab", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400, PF),
    ("space-before-first-header", b"GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, PF),
    ("space-before-colon", b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, IC),
    ("tab-before-colon", b"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400, IC),
    ("nul-in-name", b"GET / HTTP/1.1\r\nHo\x00st: h\r\n\r\n", 400, IC),
    ("nbsp-in-name", b"GET / HTTP/1.1\r\nHost: h\r\nX\xa0Y: 1\r\n\r\n", 400, IC),
    ("nul-in-value", b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n", 400, IC),
    ("bare-cr-in-value", b"GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n", 400, LF),
    ("cr-only-line-ends", b"GET / HTTP/1.1\r\nHost: h\rX: y\r\r\n", 400, LF),
    ("vt-in-value", b"GET / HTTP/1.1\r\nHost: h\x0b\r\n\r\n", 400, IC),
    ("del-in-value", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n\r\n", 400, IC),
    ("esc-in-value", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x1bb\r\n\r\n", 400, IC),
    ("no-colon", b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400, PF),
    ("empty-name", b"GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400, E.ESLURM_HTTP_EMPTY_HEADER),
    ("bad-char-in-name", b"GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n", 400, IC),
    # Content-Length
    ("cl-plus", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", 400, CL),
    ("cl-minus", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\nhello", 400, CL),
    ("cl-hex", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello", 400, CL),
    ("cl-underscore", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5_0\r\n\r\nhello", 400, CL),
    ("cl-exponent", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\nhello", 400, CL),
    ("cl-empty", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\nhello", 400, CL),
    ("cl-inner-space", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\nhello", 400, CL),
    ("cl-dot", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5.0\r\n\r\nhello", 400, CL),
    ("cl-abc", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\nhello", 400, CL),
    ("cl-list-same", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", 400, CL),
    ("cl-list-nospace", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,6\r\n\r\nhello", 400, CL),
    ("cl-twice-different", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, CL),
    ("cl-fullwidth-digit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ５\r\n\r\nhello".encode(), 400, CL),
    ("cl-huge", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + b"9" * 30 + b"\r\n\r\n", 413,
     E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE),
    ("cl-2-64", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551617\r\n\r\n", 413,
     E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE),
    ("cl-over-50mb", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 52428801\r\n\r\n", 413,
     E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE),
    # Transfer-Encoding and smuggling vectors
    ("cl-and-te", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, TE),
    ("te-and-cl", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400, TE),
    ("te-obs-fold", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400, PF),
    ("te-space-before-colon", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, IC),
    ("te-leading-space", b"POST / HTTP/1.1\r\nHost: h\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, PF),
    ("te-xchunked", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 406, TE),
    ("te-chunked-ctl", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\x11\r\n\r\n0\r\n\r\n", 400, IC),
    ("te-gzip-chunked", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 406, TE),
    ("te-chunked-gzip", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 406, TE),
    ("te-chunked-twice", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 406, TE),
    ("te-two-headers", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 406, TE),
    ("te-empty-element", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 406, TE),
    ("te-identity", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 406, TE),
    ("te-empty", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", 406, TE),
    ("te-http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, TE),
    # other refused headers
    ("content-encoding", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx", 406,
     E.ESLURM_HTTP_INVALID_CONTENT_ENCODING),
    ("content-encoding-empty", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding:\r\n\r\n", 406,
     E.ESLURM_HTTP_INVALID_CONTENT_ENCODING),
    ("upgrade", b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 406,
     E.ESLURM_HTTP_UNSUPPORTED_UPGRADE),
    ("expect-other", b"GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", 417, E.ESLURM_HTTP_UNSUPPORTED_EXPECT),
    ("expect-mixed", b"GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n", 417,
     E.ESLURM_HTTP_UNSUPPORTED_EXPECT),
    # chunked body syntax
    ("chunk-0x", CHUNKED + b"0x5\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-leading-space", CHUNKED + b" 5\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-trailing-space", CHUNKED + b"5 \r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-minus", CHUNKED + b"-5\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-plus", CHUNKED + b"+5\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-underscore", CHUNKED + b"5_0\r\n", 400, PF),
    ("chunk-empty-size", CHUNKED + b"\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-ext-no-name", CHUNKED + b"5;\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-ext-bare-cr", CHUNKED + b"5;a=b\rX\r\nhello\r\n0\r\n\r\n", 400, LF),
    ("chunk-ext-bad-quote", CHUNKED + b"5;a=\"b\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-nul", CHUNKED + b"5\x00\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-17-digits", CHUNKED + b"00000000000000005\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-100-digits", CHUNKED + b"1" * 100 + b"\r\n", 400, PF),
    ("chunk-line-too-long", CHUNKED + b"5;a=" + b"b" * 5000 + b"\r\n", 400, PF),
    ("chunk-missing-crlf", CHUNKED + b"5\r\nhello0\r\n\r\n", 400, PF),
    ("chunk-lf-only-after-data", CHUNKED + b"5\r\nhello\n0\r\n\r\n", 400, PF),
    ("chunk-cr-only-after-data", CHUNKED + b"5\r\nhello\r0\r\n\r\n", 400, PF),
    ("chunk-runaway", CHUNKED + b"2\r\nhello\r\n0\r\n\r\n", 400, PF),
    ("chunk-bad-trailer", CHUNKED + b"0\r\nBad Trailer: x\r\n\r\n", 400, IC),
    ("chunk-trailer-obs-fold", CHUNKED + b"0\r\nT: x\r\n y\r\n\r\n", 400, PF),
    ("chunk-too-large", CHUNKED + b"3200001\r\n", 413, E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE),
]


@pytest.mark.parametrize("raw,status,errno", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid(raw, status, errno):
    e = err(raw)
    assert (e.status, e.errno) == (status, errno), e.message
    assert e.message and not e.message.endswith("\n")


@pytest.mark.parametrize("method", ["FOO", "get", "QUERY"])
def test_unknown_method_is_parsed_for_the_application(method):
    """Any token is a request method; the application answers 405 with the path's Allow."""
    r = req(method.encode() + b" /x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}")
    assert (r.method, r.path, r.body) == (method, "/x", b"{}")


def test_reference_messages():
    """Where the reference daemon's text names the fault, we answer with the same text."""
    assert err(b"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n").message == "Invalid HTTP method"
    assert err(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n").message == (
        "Unexpected character or unparsable number in HTTP Content-Length header")
    assert err(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n").message == (
        "Invalid HTTP Tranfser-Encoding header")
    assert err(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\n\r\n").message == (
        "Invalid or unsupported HTTP Content-Encoding header")
    assert err(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").message == (
        "Content-Length header appears twice with different values")


def _one(raw: bytes, **kw) -> Request:
    p = RequestParser(**kw)
    p.receive_data(raw)
    ev = p.next_event()
    assert isinstance(ev, Request), ev
    return ev


def test_missing_host_accepted_for_an_absolute_form_target():
    """The target names its authority; the reference never checks Host at all."""
    r = _one(b"GET http://localhost/slurm/v0.0.45/diag HTTP/1.1\r\nAccept: */*\r\n\n")
    assert r.path == "/slurm/v0.0.45/diag" and "host" not in r.headers


def test_missing_host_accepted_when_not_required():
    """Inet mode: the seeds' own example sends no Host."""
    r = _one(b"GET /slurm/v0.0.45/diag HTTP/1.1\r\nAccept: */*\r\n\n", require_host=False)
    assert r.path == "/slurm/v0.0.45/diag"
    with pytest.raises(HttpError) as e:
        _one(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", require_host=False)
    assert e.value.status == 400  # two Host fields stay an error


def test_head_complete_before_the_body():
    p = RequestParser()
    p.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n")
    assert p.next_event() is NEED_DATA and not p.head_complete
    p.receive_data(b"\r\nab")
    assert p.next_event() is NEED_DATA and p.head_complete


def test_error_is_sticky_and_data_after_error_ignored():
    p = RequestParser()
    p.receive_data(b"G(T / HTTP/1.1\r\n")
    with pytest.raises(HttpError) as first:
        p.next_event()
    p.receive_data(b"more")
    with pytest.raises(HttpError) as second:
        p.next_event()
    a, b = first.value, second.value
    assert (a.status, a.errno, a.message) == (b.status, b.errno, b.message)


def test_a_failed_parser_holds_no_reference_cycle():
    # The error it keeps must not carry the traceback (and with it the frames of
    # whoever called next_event): that would tie the connection into a cycle.
    def fail_once():
        p = RequestParser()
        p.receive_data(b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n")
        for _ in range(2):
            try:
                p.next_event()
            except HttpError:
                pass

    assert cyclic_garbage(fail_once) == {}


# --------------------------------------------------------------------------- limits

def test_request_line_limit_exact_fits():
    line = b"GET /" + b"a" * (64 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    assert len(line) == 64
    assert req(line + b"\r\nHost: h\r\n\r\n", SMALL).method == "GET"


def test_414_whole_and_split():
    line = b"GET /" + b"a" * (65 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    e = err(line + b"\r\nHost: h\r\n\r\n", SMALL)
    assert e.status == 414


def test_414_raised_before_line_end():
    p = RequestParser(SMALL)
    p.receive_data(b"GET /" + b"a" * 60)
    with pytest.raises(HttpError) as e:
        p.next_event()
    assert e.value.status == 414


def test_request_line_limit_with_pending_cr():
    # 64 bytes then CR: still allowed to become a line of exactly 64 bytes.
    p = RequestParser(SMALL)
    line = b"GET /" + b"a" * (64 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    p.receive_data(line + b"\r")
    assert p.next_event() is NEED_DATA
    p.receive_data(b"\nHost: h\r\n\r\n")
    assert isinstance(p.next_event(), Request)


def test_431_total_bytes():
    headers = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 40) for i in range(4))  # 4 x 45 = 180 + host
    e = err(b"GET / HTTP/1.1\r\nHost: h\r\n" + headers + b"X-big: " + b"v" * 20 + b"\r\n\r\n", SMALL)
    assert e.status == 431


def test_431_raised_before_line_end():
    p = RequestParser(SMALL)
    p.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"v" * 300)
    with pytest.raises(HttpError) as e:
        p.next_event()
    assert e.value.status == 431


def test_431_count():
    ok = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"A: 1\r\n" * 4 + b"\r\n"
    assert len(req(ok, SMALL).headers) == 5
    e = err(b"GET / HTTP/1.1\r\nHost: h\r\n" + b"A: 1\r\n" * 5 + b"\r\n", SMALL)
    assert e.status == 431


def test_trailers_count_against_header_limits():
    raw = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + b"T: 1\r\n" * 4 + b"\r\n"
    assert err(raw, SMALL).status == 431


def test_413_from_header_before_body():
    p = RequestParser(SMALL)
    p.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n")
    with pytest.raises(HttpError) as e:
        p.next_event()
    assert (e.value.status, e.value.errno) == (413, E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE)


def test_body_at_limit_ok():
    body = b"x" * 100
    assert req(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + body, SMALL).body == body


def test_413_chunked_total():
    raw = CHUNKED + b"32\r\n" + b"a" * 50 + b"\r\n32\r\n" + b"b" * 50 + b"\r\n1\r\n"
    assert err(raw, SMALL).status == 413
    ok = CHUNKED + b"32\r\n" + b"a" * 50 + b"\r\n32\r\n" + b"b" * 50 + b"\r\n0\r\n\r\n"
    assert len(req(ok, SMALL).body) == 100


# --------------------------------------------------------------------------- Expect

def test_expect_continue_with_body():
    out = outcome(b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nhi")
    assert out.events[0] == "CONTINUE" and out.requests[0].body == b"hi" and len(out.events) == 2


def test_expect_continue_chunked():
    out = outcome(CHUNKED.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n") + b"1\r\nx\r\n0\r\n\r\n")
    assert out.events[0] == "CONTINUE" and out.requests[0].body == b"x"


def test_expect_continue_without_body_is_not_announced():
    out = outcome(b"GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n")
    assert len(out.events) == 1 and isinstance(out.events[0], Request)
    out = outcome(b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
    assert len(out.events) == 1


def test_expect_continue_http10_ignored():
    out = outcome(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
    assert len(out.events) == 1 and out.requests[0].body == b"hi"


def test_expect_flow_step_by_step():
    p = RequestParser()
    p.receive_data(b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert p.next_event() is CONTINUE_EXPECTED
    assert p.next_event() is NEED_DATA  # announced once only
    p.receive_data(b"abc")
    assert p.next_event().body == b"abc"


def test_expect_413_beats_continue():
    p = RequestParser(SMALL)
    p.receive_data(b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
    with pytest.raises(HttpError) as e:
        p.next_event()
    assert e.value.status == 413


# --------------------------------------------------------------------------- pipelining

PIPE = (
    b"GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
    b"POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nGET /x HTTP"
    b"GET /three?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
)


def test_pipelined_three():
    out = outcome(PIPE)
    assert [r.path for r in out.requests] == ["/one", "/two", "/three"]
    assert out.requests[1].body == b"GET /x HTTP"
    assert [r.keep_alive for r in out.requests] == [True, True, False]


def test_pipelined_paused_until_start_next_request():
    p = RequestParser()
    p.receive_data(PIPE)
    first = p.next_event()
    assert first.path == "/one"
    assert p.next_event() is PAUSED and p.next_event() is PAUSED
    assert p.buffered_bytes == len(PIPE) - len(b"GET /one HTTP/1.1\r\nHost: h\r\n\r\n")
    assert not p.at_request_boundary
    p.start_next_request()
    assert p.next_event().body == b"GET /x HTTP"
    assert p.next_event() is PAUSED
    p.start_next_request()
    third = p.next_event()
    assert third.query == "q" and not third.keep_alive
    assert p.buffered_bytes == 0
    with pytest.raises(RuntimeError):
        p.start_next_request()  # the third request closes the connection


def test_start_next_request_out_of_turn():
    p = RequestParser()
    with pytest.raises(RuntimeError):
        p.start_next_request()


def test_pipelined_chunked_then_get():
    raw = CHUNKED + b"3\r\nabc\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n"
    out = outcome(raw)
    assert [r.body for r in out.requests] == [b"abc", b""]
    assert out.requests[1].path == "/after"


def test_pipelined_valid_then_invalid():
    out = outcome(b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx")
    assert [r.path for r in out.requests] == ["/ok"]
    assert out.error.status == 400


def test_pipelined_cl_zero_does_not_swallow_next():
    out = outcome(b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
    assert [r.path for r in out.requests] == ["/a", "/b"]


def test_http10_without_keep_alive_stops_after_one():
    out = outcome(b"GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n")
    assert [r.path for r in out.requests] == ["/a"]


def test_http10_keep_alive_pipelined():
    out = outcome(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n")
    assert [(r.path, r.keep_alive) for r in out.requests] == [("/a", True), ("/b", False)]


def test_at_request_boundary_and_version():
    p = RequestParser()
    assert p.at_request_boundary and p.version == "1.1"
    p.receive_data(b"\r\n")
    assert p.next_event() is NEED_DATA and p.at_request_boundary
    p.receive_data(b"GET / HTTP/1.0\r\n")
    assert p.next_event() is NEED_DATA
    assert not p.at_request_boundary and p.version == "1.0"
    p.receive_data(b"Connection: keep-alive\r\n\r\n")
    assert p.next_event().version == "1.0"
    p.start_next_request()
    assert p.at_request_boundary and p.version == "1.1"


def test_version_known_for_error_response():
    p = RequestParser()
    p.receive_data(b"GET / HTTP/1.0\r\nX: \x00\r\n\r\n")
    with pytest.raises(HttpError):
        p.next_event()
    assert p.version == "1.0"


# --------------------------------------------------------------------------- EOF

@pytest.mark.parametrize("raw", [
    b"GE",
    b"GET / HTTP/1.1\r",
    b"GET / HTTP/1.1\r\nHost: h\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel",
    CHUNKED + b"5\r\nhel",
    CHUNKED + b"5\r\nhello\r\n",
    CHUNKED + b"0\r\n",
], ids=["method", "request-line", "headers", "cl-body", "chunk-data", "chunk-size", "trailers"])
def test_eof_mid_request(raw):
    e = err(raw, eof=True)
    assert e.status == 400 and e.message == "Connection closed before the request was complete"


def test_eof_at_boundary():
    assert drive([b""]).events == ["CLOSED"]
    out = outcome(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n", eof=True)
    assert out.error is None and out.events[-1] == "CLOSED" and len(out.requests) == 1


def test_eof_while_paused():
    p = RequestParser()
    p.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    p.receive_data(b"")
    assert isinstance(p.next_event(), Request)
    assert p.next_event() is PAUSED and p.peer_closed
    p.start_next_request()
    assert p.next_event() is CONNECTION_CLOSED
    assert p.next_event() is CONNECTION_CLOSED
    with pytest.raises(RuntimeError):
        p.receive_data(b"late")


# --------------------------------------------------------------------------- linear time

def _feed_bytewise(raw: bytes, limits: Limits) -> float:
    p = RequestParser(limits)
    start = time.perf_counter()
    for i in range(len(raw)):
        p.receive_data(raw[i : i + 1])
        ev = p.next_event()
    assert isinstance(ev, Request)
    return time.perf_counter() - start


def test_linear_time_however_split():
    big = Limits(max_request_line_bytes=1 << 20, max_header_bytes=1 << 20, max_body_bytes=1 << 20)

    def make(n: int) -> bytes:
        return (b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: h\r\nX: " + b"b" * n + b"\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % n + b"c" * n + b"\r\n0\r\n\r\n")

    small, large = _feed_bytewise(make(20_000), big), _feed_bytewise(make(80_000), big)
    # Linear: about 4x.  Quadratic would be about 16x.
    assert large < 10 * small + 0.05


# --------------------------------------------------------------------------- the whole-block shortcut

BLOCKS = [
    # header blocks at the edges of the one-pass shortcut (RequestParser._take_plain_block):
    # each is parsed whole (shortcut) and in every split (line by line), with one outcome
    ("plain", b"Host: h\r\nA: 1\r\nB:\t two \t\r\n"),
    ("obs-text and empty value", b"Host: h\r\nA: caf\xe9\r\nB:\r\n"),
    ("bare LF somewhere", b"Host: h\r\nA: 1\nB: 2\r\n"),
    ("bare LF at the end", b"Host: h\r\nA: 1\n"),
    ("obs-fold", b"Host: h\r\nA: 1\r\n  more\r\n"),
    ("space before colon", b"Host: h\r\nA : 1\r\n"),
    ("control byte", b"Host: h\r\nA: 1\x01\r\n"),
    ("bare CR", b"Host: h\r\nA: 1\rB: 2\r\n"),
    ("count at the limit", b"Host: h\r\n" + b"A: 1\r\n" * 4),
    ("count over the limit", b"Host: h\r\n" + b"A: 1\r\n" * 5),
    ("bytes at the limit", b"Host: h\r\nA: " + b"v" * (200 - 7 - 3) + b"\r\n"),
    ("bytes over the limit", b"Host: h\r\nA: " + b"v" * (200 - 7 - 2) + b"\r\n"),
    ("two Hosts", b"Host: h\r\nHost: i\r\n"),
]


@pytest.mark.parametrize("block", [b for _, b in BLOCKS], ids=[n for n, _ in BLOCKS])
def test_a_header_block_gives_one_outcome_whole_or_line_by_line(block):
    raw = b"GET / HTTP/1.1\r\n" + block + b"\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"
    out = outcome(raw, SMALL)  # asserts the same outcome for every split
    line_by_line = drive([raw[i:i + 1] for i in range(len(raw))], SMALL)
    assert out.key() == line_by_line.key()
    if out.error is None:
        assert [r.path for r in out.requests] == ["/", "/next"]


def test_the_shortcut_does_not_reach_past_an_empty_header_block():
    raw = b"GET / HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"
    p = RequestParser(SMALL, require_host=False)
    p.receive_data(raw)
    first = p.next_event()
    assert isinstance(first, Request) and first.path == "/" and len(first.headers) == 0
    p.next_event()
    p.start_next_request()
    second = p.next_event()
    assert second.path == "/next" and second.headers.get("host") == "h"
