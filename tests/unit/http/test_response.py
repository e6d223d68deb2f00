"""Response writer: byte-exact output in the reference daemon's format."""

from __future__ import annotations

import pytest

from slurmrestd.errors import E
from slurmrestd.http.parser import HttpError
from slurmrestd.http.response import build_continue, build_response, error_response


def test_ok_json():
    assert build_response(200, b'{"a":1}', "application/json") == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Type: application/json\r\n\r\n{\"a\":1}")


def test_http10_version():
    assert build_response(200, b"x", "text/plain", version="1.0").startswith(b"HTTP/1.0 200 OK\r\n")


def test_close_comes_first():
    assert build_response(404, b"nope", "text/plain", close=True) == (
        b"HTTP/1.1 404 NOT FOUND\r\nConnection: Close\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nnope")


def test_no_content_type():
    assert build_response(200) == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def test_204_has_no_headers():
    assert build_response(204, b"ignored", "application/json") == b"HTTP/1.1 204 NO CONTENT\r\n\r\n"
    assert build_response(204, close=True) == b"HTTP/1.1 204 NO CONTENT\r\nConnection: Close\r\n\r\n"


def test_304_and_1xx_no_length_no_body():
    assert build_response(304, b"x", "application/json") == (
        b"HTTP/1.1 304 NOT MODIFIED\r\nContent-Type: application/json\r\n\r\n")
    assert build_response(101) == b"HTTP/1.1 101 SWITCH PROTOCOLS\r\n\r\n"


def test_head_keeps_length_drops_body():
    assert build_response(200, b"12345", "application/json", head=True) == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\n")


def test_extra_headers_after_entity_headers():
    out = build_response(200, b"", extra_headers=[("X-A", "1"), ("X-B", "two words")])
    assert out == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 1\r\nX-B: two words\r\n\r\n"


@pytest.mark.parametrize("bad", [("X", "a\r\nInjected: 1"), ("X\n", "a"), ("X", "a\x00")])
def test_header_injection_refused(bad):
    with pytest.raises(ValueError):
        build_response(200, extra_headers=[bad])
    with pytest.raises(ValueError):
        build_response(200, content_type="text/plain\r\nX: y")


def test_unknown_status_reason():
    assert build_response(299).startswith(b"HTTP/1.1 299 UNKNOWN\r\n")


def test_reference_reasons():
    for status, line in [(405, b"405 NOT ALLOWED"), (413, b"413 ENTITY TOO LARGE"), (414, b"414 URI TOO LONG"),
                         (417, b"417 EXPECTATION FAILED"), (431, b"431 REQUEST HEADER FIELDS TOO LARGE"),
                         (505, b"505 HTTP VERSION NOT SUPPORTED"), (406, b"406 NOT ACCEPTABLE")]:
        assert build_response(status).startswith(b"HTTP/1.1 " + line + b"\r\n")


def test_continue():
    assert build_continue() == b"HTTP/1.1 100 CONTINUE\r\n\r\n"
    assert build_continue("1.1") == b"HTTP/1.1 100 CONTINUE\r\n\r\n"


def test_error_response_matches_reference_capture_14():
    # http-examples/14_bogus_method.txt
    e = HttpError(405, E.ESLURM_HTTP_INVALID_METHOD)
    assert error_response(e, "1.1") == (
        b"HTTP/1.1 405 NOT ALLOWED\r\nConnection: Close\r\nContent-Length: 19\r\nContent-Type: text/plain\r\n\r\n"
        b"Invalid HTTP method")


def test_error_response_matches_reference_capture_117_text():
    # http-examples/117_chunked.txt (the reference refuses every Transfer-Encoding)
    e = HttpError(406, E.ESLURM_HTTP_INVALID_TRANSFER_ENCODING)
    assert error_response(e) == (
        b"HTTP/1.1 406 NOT ACCEPTABLE\r\nConnection: Close\r\nContent-Length: 37\r\nContent-Type: text/plain\r\n\r\n"
        b"Invalid HTTP Tranfser-Encoding header")


def test_error_response_specific_message_http10():
    e = HttpError(400, E.ESLURM_HTTP_INVALID_CONTENT_LENGTH, "Content-Length holds a list of values")
    out = error_response(e, "1.0")
    assert out.startswith(b"HTTP/1.0 400 BAD REQUEST\r\nConnection: Close\r\nContent-Length: 37\r\n")
    assert out.endswith(b"\r\n\r\nContent-Length holds a list of values")
