"""Property tests on real requests (issue 14): the requests captured from clients of the
reference daemon, mutated by hypothesis, give the HTTP parser only requests or HttpError, and
the input decoders (query string, JSON, YAML, form bodies) only a value or SlurmError."""

from __future__ import annotations

import glob
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from http_split_helper import drive
from shared_dir import REFERENCE

from slurmrestd import serializers
from slurmrestd.errors import SlurmError
from slurmrestd.http import mime
from slurmrestd.settings import Limits

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = Limits(max_request_line_bytes=512, max_header_bytes=2048, max_header_count=32, max_body_bytes=8192)


def _requests() -> list[bytes]:
    out = []
    for path in sorted(glob.glob(os.path.join(REFERENCE, "http-examples", "*.txt"))):
        with open(path, "rb") as fh:
            text = fh.read().replace(b"\r\n", b"\n")
        if not text.startswith(b"### REQUEST"):
            continue
        raw = text.split(b"\n", 1)[1].split(b"\n### RESPONSE", 1)[0]
        head, sep, body = raw.partition(b"\n\n")
        out.append(head.replace(b"\n", b"\r\n") + (b"\r\n\r\n" + body if sep else b"\r\n\r\n"))
    return out


REQUESTS = _requests()

_mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 20), st.just(b"")),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20),
              st.sampled_from([b"\r\n", b"\n", b"\r", b" ", b":", b"\x00", b"%", b"%00", b"?", b"#", b"chunked",
                               b"Content-Length: 5\r\n", b"Transfer-Encoding: chunked\r\n", b"\xff\xfe", b"0\r\n\r\n"])),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=6)),
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, at, arg in ops:
        at = at % (len(buf) + 1)
        if kind == "flip" and at < len(buf):
            buf[at] ^= arg
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = arg
    return bytes(buf)


def test_seeds_parse():
    assert len(REQUESTS) >= 50
    ok = sum(1 for r in REQUESTS if drive([r], Limits(), True).requests)
    assert ok >= len(REQUESTS) // 2


@SETTINGS
@given(seed=st.sampled_from(range(len(REQUESTS))) if REQUESTS else st.nothing(),
       ops=st.lists(_mutation, min_size=1, max_size=4), cuts=st.lists(st.integers(0, 4000), max_size=4),
       eof=st.booleans())
def test_mutated_requests_only_raise_http_error(seed, ops, cuts, eof):
    data = mutate(REQUESTS[seed], ops)
    if not data:
        return
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    # drive() lets anything but HttpError propagate
    whole = drive([data], SMALL, eof)
    assert drive(chunks, SMALL, eof).key() == whole.key()
    for req in whole.requests:
        decode_input(req.headers.get("content-type"), req.body, req.query)


def decode_input(content_type, body: bytes, query: str) -> None:
    """What the pipeline does with a request's input: only a value or SlurmError may come out."""
    try:
        read_type = mime.resolve_read_type(content_type, body)
        if body:
            serializers.load(read_type, body)
        if query:
            serializers.parse_query(query)
    except SlurmError:
        pass


@SETTINGS
@given(ctype=st.sampled_from([None, "application/json", "application/yaml", "text/yaml",
                              "application/x-www-form-urlencoded", "application/jsonrequest", "text/plain"]),
       body=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)),
       query=st.text(max_size=120))
def test_input_decoders_only_raise_slurm_error(ctype, body, query):
    decode_input(ctype, body, query)


@pytest.mark.parametrize("body", [b"[" * 5000, b"{\"a\":" * 5000, b"- " * 5000, b"&a: [*a]\n" * 50,
                                  b"a: &x [*x]", b"\xef\xbb\xbf{}", b"1e999999", b"--- !!python/object:os.system"])
def test_hostile_bodies(body):
    for ctype in ("application/json", "application/yaml"):
        decode_input(ctype, body, "")
