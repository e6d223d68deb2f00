"""JSON/YAML/url-encoded serializers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slurmrestd.errors import E, SlurmError
from slurmrestd.serializers import (
    SERIALIZERS,
    dump_json,
    dump_yaml,
    load_json,
    load_yaml,
    parse_form,
    parse_query,
)


# ---------------------------------------------------------------- JSON


def test_dump_json_format():
    out = dump_json({"a": [], "b": {}, "c": "é/x", "d": [1, 2.5, None, True]})
    assert out == (
        b'{\n  "a": [],\n  "b": {},\n  "c": "\xc3\xa9/x",\n  "d": [\n    1,\n    2.5,\n    null,\n    true\n  ]\n}'
    )
    assert not out.endswith(b"\n")


def test_dump_json_keeps_key_order_and_big_ints():
    assert dump_json({"z": 1, "a": 2}).index(b'"z"') < dump_json({"z": 1, "a": 2}).index(b'"a"')
    assert b"1180591620717411303424" in dump_json({"big": 2**70})


def test_load_json_ok():
    assert load_json(b'{"hostlist": "n[1-2]"}') == {"hostlist": "n[1-2]"}
    assert load_json(b'{"a": 1, "a": 2}') == {"a": 2}  # last wins, like the reference
    assert load_json('{"x": [1, 2.5, null]}') == {"x": [1, 2.5, None]}


@pytest.mark.parametrize(
    "body",
    [
        b'{"hostlist": "n[1-2]",}',  # 160 trailing comma
        b"{'hostlist': 'n[1-2]'}",  # 161 single quotes
        b'/* c */ {"hostlist": "n[1-2]"}',  # 162 comment
        b'{"hostlist": "n[1-2]"} xyz',  # 163 trailing garbage
        b'{"hostlist": NaN}',  # 165
        b'{"a": Infinity}',
        b"   ",  # 169
        b"",
        b'{hostlist: "n[1-2]"}',  # 170
        b"\xff",
        b'{"x": "\xc3"}',
    ],
)
def test_load_json_rejects(body):
    with pytest.raises(SlurmError) as info:
        load_json(body)
    err = info.value
    assert err.errno == E.ESLURM_REST_FAIL_PARSING
    assert err.http_status == 400
    assert err.source == "body"
    assert err.description.startswith("Unable to parse JSON: ")
    assert "line" in err.description and "column" in err.description


def test_load_json_error_position():
    with pytest.raises(SlurmError) as info:
        load_json(b'{\n  "a": 1,\n  "b": x\n}')
    assert "line 3 column 8" in info.value.description
    with pytest.raises(SlurmError) as info:
        load_json(b'{"x":\n "\xc3"}')
    assert "invalid UTF-8" in info.value.description and "line 2 column 3" in info.value.description


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_roundtrip(value):
    assert load_json(dump_json(value)) == value


# ---------------------------------------------------------------- YAML


def test_load_yaml_core_schema():
    doc = b"""a: yes
b: 0777
c: 1:30
d: 2024-01-01
e: "5"
f: !!int "7"
g: ~
h:
i: [1, 2.5, .inf, true, False, 0x1F, 0o17, -3, 1e3]
1: x
j: !!str 5
k: !!float 2
nested:
  - k: v
    l: [a, {m: n}]
"""
    assert load_yaml(doc) == {
        "a": "yes",
        "b": 777,
        "c": "1:30",
        "d": "2024-01-01",
        "e": "5",
        "f": 7,
        "g": None,
        "h": None,
        "i": [1, 2.5, math.inf, True, False, 31, 15, -3, 1000.0],
        "1": "x",
        "j": "5",
        "k": 2.0,
        "nested": [{"k": "v", "l": ["a", {"m": "n"}]}],
    }


def test_load_yaml_keys_are_text_and_order_kept():
    out = load_yaml(b"z: 1\ntrue: 2\n0x10: 3\nnull: 4\n")
    assert list(out) == ["z", "true", "0x10", "null"]


def test_load_yaml_empty_and_scalar_documents():
    assert load_yaml(b"") is None
    assert load_yaml(b"---\n...\n") is None
    assert load_yaml(b"[1, 2]") == [1, 2]
    assert load_yaml(b"hello") == "hello"


@pytest.mark.parametrize(
    "body, words",
    [
        (b"a: &x 1\nb: *x", "aliases are not supported"),
        (b"a: [", "line 2 column 1"),
        (b"---\na: 1\n---\nb: 2", "only one document"),
        (b"? [a]\n: 1", "mapping keys must be scalars"),
        (b"!!int abc", "cannot convert"),
        (b"a: \xff", "Unable to parse YAML"),
        (b"a: b: c", "line 1"),
    ],
)
def test_load_yaml_rejects(body, words):
    with pytest.raises(SlurmError) as info:
        load_yaml(body)
    assert info.value.errno == E.ESLURM_REST_FAIL_PARSING
    assert info.value.source == "body"
    assert info.value.description.startswith("Unable to parse YAML: ")
    assert words in info.value.description


def test_dump_yaml_block_style():
    out = dump_yaml({"hostnames": ["n01", "n02"], "z": {"é": None, "s": "5", "y": "yes"}, "e": []})
    assert out == "hostnames:\n- n01\n- n02\nz:\n  é: null\n  s: '5'\n  y: 'yes'\ne: []\n".encode()


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_yaml_roundtrip(value):
    assert load_yaml(dump_yaml(value)) == value


# ---------------------------------------------------------------- url-encoded


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {}),
        ("&&;", {}),
        ("a=1&b&c=&d=x&d=y;d=z", {"a": "1", "b": True, "c": None, "d": ["x", "y", "z"]}),
        ("with_assocs&with_coords", {"with_assocs": True, "with_coords": True}),
        ("users=root%2Cnobody", {"users": "root,nobody"}),  # 181: never split
        ("users=ro+ot", {"users": "ro ot"}),  # 182
        ("users=", {"users": None}),  # 184
        ("users=root&users=nobody", {"users": ["root", "nobody"]}),  # 185
        ("flags=MIXED&flags=FUTURE", {"flags": ["MIXED", "FUTURE"]}),
        ("k&k=v&k=", {"k": [True, "v", None]}),
        ("k==v", {"k": "v"}),
        ("hostlist=n%5B1-2%5D", {"hostlist": "n[1-2]"}),
        ("x=%c3%a9", {"x": "é"}),
        ("%41%42=1", {"AB": "1"}),
        # accepted although the reference answers 500
        ("users=root,nobody", {"users": "root,nobody"}),  # 145
        ("users=a:b", {"users": "a:b"}),  # 183
        ("hostlist=n[1-2]", {"hostlist": "n[1-2]"}),
        ("p=/a/b?c@d!$'()*", {"p": "/a/b?c@d!$'()*"}),
        ("k=a=b", {"k": "a=b"}),
        ("=v", {"": "v"}),
    ],
)
def test_parse_query(query, expected):
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    "query, words",
    [
        ("flags=%ZZ", "bad percent-escape '%ZZ'"),  # 88
        ("x=%4", "bad percent-escape"),
        ("x=%", "bad percent-escape"),
        ("x=%00", "%00"),
        ("x=%FF", "UTF-8"),
        ("x=%C3", "UTF-8"),
        ("x= y", "0x20"),
        ("x=\ty", "0x09"),
        ("x=\x7f", "0x7F"),
        ("x=é", "non-ASCII"),
    ],
)
def test_parse_query_rejects(query, words):
    with pytest.raises(SlurmError) as info:
        parse_query(query)
    assert info.value.errno == E.ESLURM_REST_FAIL_PARSING
    assert info.value.http_status == 400
    assert info.value.source == "query"
    assert words in info.value.description


def test_parse_form():
    assert parse_form(b"hostlist=n%5B1-2%5D") == {"hostlist": "n[1-2]"}  # 104
    assert parse_form(b"") == {}
    with pytest.raises(SlurmError) as info:
        parse_form(b'{"hostlist": "x"}')  # a JSON body sent as url-encoded (48)
    assert info.value.source == "body" and info.value.http_status == 400
    with pytest.raises(SlurmError):
        parse_form(b"a=\xc3\xa9")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=8),
        st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=8),
        max_size=5,
    )
)
def test_query_roundtrip(values):  # %00 is refused on purpose
    from urllib.parse import quote_plus

    query = "&".join("%s=%s" % (quote_plus(k), quote_plus(v)) for k, v in values.items())
    assert parse_query(query) == values


# ---------------------------------------------------------------- registry


def test_registry():
    assert set(SERIALIZERS) == {
        "application/json",
        "application/jsonrequest",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "application/x-www-form-urlencoded",
    }
    assert SERIALIZERS["application/json"] == (load_json, dump_json)
    assert SERIALIZERS["application/jsonrequest"] == (load_json, dump_json)
    for t in ("application/yaml", "application/x-yaml", "text/yaml"):
        assert SERIALIZERS[t] == (load_yaml, dump_yaml)
    assert SERIALIZERS["application/x-www-form-urlencoded"] == (parse_form, None)


def test_registry_matches_mime_negotiation():
    """http.mime decides what may be read and written; every such type has a codec here."""
    from slurmrestd.http.mime import READ_TYPES, WRITE_TYPES

    assert {t for t, (load, _dump) in SERIALIZERS.items() if load is not None} == READ_TYPES
    assert {t for t, (_load, dump) in SERIALIZERS.items() if dump is not None} == set(WRITE_TYPES)


def test_json_text_is_written_as_is_and_parsed_back_for_the_other_writers():
    from slurmrestd import serializers as s

    doc = {"jobs": s.JsonText(b'[\n    {\n      "a": "x\\ny"\n    }\n  ]'), "last": {"n": 1}, "meta": None}
    plain = {"jobs": [{"a": "x\ny"}], "last": {"n": 1}, "meta": None}
    assert s.dump_json(doc) == s.dump_json(plain)
    assert s.dump_yaml(doc) == s.dump_yaml(plain)
    parts = s.dump_parts("application/json", doc)
    assert len(parts) == 3 and parts[1] is doc["jobs"].data  # the big text is not copied
    assert b"".join(parts) == s.dump_json(plain)
    assert s.dump_parts("application/yaml", doc) == (s.dump_yaml(plain),)
    assert s.dump_parts("application/json", plain) == (s.dump_json(plain),)
    # the stdlib writer (integers beyond 64 bits) parses the text back too
    big = {"jobs": s.JsonText(b"[1]"), "n": 2 ** 70}
    assert s.load_json(s.dump_json(big)) == {"jobs": [1], "n": 2 ** 70}
    with pytest.raises(TypeError):
        s.dump_json({"x": object()})
