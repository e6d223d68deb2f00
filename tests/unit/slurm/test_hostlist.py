"""Hostlist expand/compress against Slurm's hostlist.c behaviour and the reference captures."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_dir import REFERENCE

from slurmrestd.slurm.hostlist import (
    MAX_PREFIX_CNT,
    MAX_RANGE,
    Hostlist,
    HostlistError,
    compress,
    expand,
    normalize,
)

CAPTURES = pathlib.Path(REFERENCE) / "http-examples"


@pytest.mark.parametrize(
    "expr, hosts",
    [
        ("node[1-3,10]", ["node1", "node2", "node3", "node10"]),
        ("n[01-03]", ["n01", "n02", "n03"]),
        ("n[08-11]", ["n08", "n09", "n10", "n11"]),
        ("n[8-11]", ["n8", "n9", "n10", "n11"]),
        ("n[1-3,5]", ["n1", "n2", "n3", "n5"]),
        ("n1,n2 n3\tn4\nn5", ["n1", "n2", "n3", "n4", "n5"]),
        (",,n1,,", ["n1"]),
        ("n[1, 3]", ["n1", "n03"]),  # the space counts in the width, like strtoul
        ("n[ 1-2]", ["n01", "n02"]),
        ("n[+1-2]", ["n01", "n02"]),
        ("rack[1-2]-n[1-3]", ["rack1-n1", "rack1-n2", "rack1-n3", "rack2-n1", "rack2-n2", "rack2-n3"]),
        (
            "a[1-2]b[1-2]c[1-2]",
            ["a1b1c1", "a1b1c2", "a2b1c1", "a2b1c2", "a1b2c1", "a1b2c2", "a2b2c1", "a2b2c2"],
        ),
        ("n[1-2]-ib", ["n1-ib", "n2-ib"]),
        ("n[1-2]-ib[3]", ["n1-ib3", "n2-ib3"]),
        ("login", ["login"]),
        ("a,b,a", ["a", "b", "a"]),
        ("n1,n1,n1", ["n1", "n1", "n1"]),
        ("n3,n1,n2", ["n3", "n1", "n2"]),
        ("n[3,1,2]", ["n3", "n1", "n2"]),
        ("n[1-]", ["n1"]),
        ("n[[1]]", ["n[1]"]),
        ("n1-3]", ["n1-3]"]),
        ("n[1abc-3]", ["n0001", "n0002", "n0003"]),
        ("a[x]b[1-2]c[1]", []),  # Slurm drops errors of nested prefix groups
        ("123", ["123"]),
        ("007", ["007"]),
        ("", []),
        ("   ", []),
        ("n[0-65535]"[:0] + "n[5-5]", ["n5"]),
    ],
)
def test_expand(expr, hosts):
    assert expand(expr) == hosts


@pytest.mark.parametrize(
    "expr",
    [
        "n[1-", "n[1-2", "n[3-1]", "n[a-b]", "n[]", "n[1,]", "n[,1]", "n[1--2]", "n[-1]",
        "n[1x-3]", "n[0x1]", "n[1-2]x[", "n[1-2a]", "node[1-", "[", "a[1-2],b[",
        "n[0-%d]" % MAX_RANGE,
    ],
)
def test_expand_errors(expr):
    with pytest.raises(HostlistError) as info:
        expand(expr)
    assert str(info.value) == "Invalid hostlist string: %s" % expr
    assert isinstance(info.value, ValueError)


def test_max_range_boundary():
    assert len(expand("n[0-%d]" % (MAX_RANGE - 1))) == MAX_RANGE
    assert len(expand("n[1-%d]" % MAX_RANGE)) == MAX_RANGE


def test_max_prefix_count():
    ok = "a[1-%d]b[1]" % MAX_PREFIX_CNT
    assert len(Hostlist(ok)) == MAX_PREFIX_CNT
    with pytest.raises(HostlistError):
        Hostlist("a[1-%d]b[1]" % (MAX_PREFIX_CNT + 1))


def test_max_hosts_guard():
    with pytest.raises(HostlistError):
        expand("n[1-100]", max_hosts=99)
    assert len(expand("n[1-100]", max_hosts=100)) == 100


def test_non_string():
    with pytest.raises(TypeError):
        expand(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compress("n1,n2")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compress([1])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "names, ranged",
    [
        (["node1", "node2", "node3", "node10"], "node[1-3,10]"),
        (["node1,node2,node5"], "node[1-2,5]"),
        ([], ""),
        (["n3", "n1", "n2"], "n[3,1-2]"),
        (["n1", "n1"], "n[1,1]"),
        (["n1", "n2", "n2", "n3"], "n[1-2,2-3]"),
        (["n9", "n10"], "n[9-10]"),
        (["n09", "n10"], "n[09-10]"),
        (["n1", "n01"], "n[1,01]"),
        (["n99", "n0100"], "n[99,0100]"),
        (["a", "b", "a1"], "a,b,a1"),
        (["n1", "x", "n2"], "n1,x,n2"),
        (["n[1-3]", "n4"], "n[1-4]"),
        (["rack1-n1", "rack1-n2", "rack2-n1"], "rack1-n[1-2],rack2-n1"),
        (["n1-ib", "n2-ib"], "n1-ib,n2-ib"),
        (["a1b", "a2b"], "a1b,a2b"),
        (["10", "11", "x"], "[10-11],x"),
    ],
)
def test_compress(names, ranged):
    assert compress(names) == ranged


@pytest.mark.parametrize("bad", ["", "  ", ",", "n[1-", "n[3-1]"])
def test_compress_errors(bad):
    with pytest.raises(HostlistError) as info:
        compress(["n1", bad])
    assert str(info.value) == "Invalid host string: %s" % bad


def test_normalize_and_hostlist_object():
    assert normalize("n3,n1,n2,n4") == "n[3,1-2,4]"
    assert normalize("") == ""
    hl = Hostlist("n[1-2]")
    assert hl.push("n3,x") == 2
    hl.push_host("n[9]")
    assert len(hl) == hl.count == 5
    assert list(hl) == ["n1", "n2", "n3", "x", "n[9]"]
    assert str(hl) == "n[1-3],x,n[9]"


def test_unsigned_wrap_like_c():
    # Slurm keeps numbers in unsigned long; a too-large suffix saturates ...
    assert expand("n99999999999999999999999") == ["n00018446744073709551615"]
    # ... and a range continuing past ULONG_MAX wraps around to 0.
    assert compress(["18446744073709551615", "00"]) == "[18446744073709551615]"
    assert expand("18446744073709551615,00") == ["18446744073709551615", "00"]


def test_name_buffer_limit():
    long_prefix = "p" * 78
    assert expand(long_prefix + "1") == [long_prefix + "1"]  # 79 bytes fit
    # a numbered name longer than 79 bytes is cut, as hostlist_next() does
    assert expand(long_prefix + "[10-11]") == [long_prefix + "1", long_prefix + "1"]
    assert expand(long_prefix + "[10-11]", slurm_name_limit=False) == [long_prefix + "10", long_prefix + "11"]
    # a prefix that does not fit stops the listing
    assert expand("a,%s,b" % ("q" * 79)) == ["a"]


def test_strnatcmp_whitespace_prefixes_share_brackets():
    # Slurm compares prefixes with strnatcmp(), which skips white space
    assert compress(["\v1", "2"]) == "\v[1-2]"


# --------------------------------------------------------------------------
# reference captures


def _capture(name: str) -> tuple[dict, dict]:
    text = (CAPTURES / name).read_text()
    req = text.split("### REQUEST\n", 1)[1].split("### RESPONSE", 1)[0]
    req_body = req.split("\n\n", 1)[1].strip()
    resp = text.split("### RESPONSE", 1)[1].split("### TRAILING", 1)[0]
    resp_body = resp.split("\n\n", 1)[1].strip()
    return json.loads(req_body), json.loads(resp_body)


needs_captures = pytest.mark.skipif(not CAPTURES.is_dir(), reason="reference captures not available")


@needs_captures
@pytest.mark.parametrize("name", ["100_hostlist_post_ok.txt", "101_hostlist_post_csv_string.txt", "106_hostnames_empty_list.txt"])
def test_capture_hostlist_endpoint(name):
    req, resp = _capture(name)
    hostnames = req["hostnames"]
    got = compress(hostnames) if isinstance(hostnames, list) else normalize(hostnames)
    assert got == resp["hostlist"]


@needs_captures
def test_capture_hostnames_endpoint():
    req, resp = _capture("94_hostnames_post.txt")
    assert expand(normalize(req["hostlist"])) == resp["hostnames"]


@needs_captures
def test_capture_hostnames_yaml_and_urlencoded():
    text = (CAPTURES / "102_hostnames_post_yaml_out.txt").read_text()
    hosts = re.findall(r"^- !!str (\S+)$", text, re.M)
    assert expand("n[01-03]") == hosts
    text = (CAPTURES / "104_hostnames_urlencoded_body.txt").read_text()
    assert '"n1",\n    "n2"' in text and expand("n[1-2]") == ["n1", "n2"]


@needs_captures
def test_capture_invalid_hostlist_message():
    text = (CAPTURES / "96_hostnames_post_bad.txt").read_text()
    with pytest.raises(HostlistError) as info:
        expand("node[1-")
    assert '"description": "%s"' % info.value in text


# --------------------------------------------------------------------------
# properties

_prefix = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_.", min_size=0, max_size=6).filter(
    lambda p: not p or not p[-1].isdigit()
)


@st.composite
def _numbered_name(draw):
    prefix = draw(st.sampled_from(["n", "node", "rack1-n", "gpu-", ""]) | _prefix)
    num = draw(st.integers(min_value=0, max_value=1200))
    width = draw(st.integers(min_value=0, max_value=5))
    return prefix + str(num).rjust(width, "0")


@settings(max_examples=400, deadline=None)
@given(st.lists(_numbered_name(), max_size=40))
def test_roundtrip_numbered_names(names):
    ranged = compress(names)
    assert expand(ranged) == names
    assert compress(expand(ranged)) == ranged


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["n", "node", "x-"]), min_size=1, max_size=3), st.data())
def test_roundtrip_expressions(prefixes, data):
    parts = []
    for p in prefixes:
        lo = data.draw(st.integers(0, 300))
        hi = data.draw(st.integers(lo, lo + 30))
        w = data.draw(st.integers(0, 4))
        parts.append("%s[%s-%s]" % (p, str(lo).rjust(w, "0"), str(hi).rjust(w, "0")))
    expr = ",".join(parts)
    hosts = expand(expr)
    assert expand(normalize(expr)) == hosts
    assert expand(compress(hosts)) == hosts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="n0123456789[]-, x+", max_size=16))
def test_never_crashes(expr):
    try:
        hosts = expand(expr)
    except HostlistError:
        return
    assert all(isinstance(h, str) and h for h in hosts)
