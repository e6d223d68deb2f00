"""Content-Type / Accept negotiation."""

from __future__ import annotations

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.http.mime import resolve_read_type, resolve_write_type

URLENC = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "content_type, body, expected",
    [
        (None, b"a=b", URLENC),
        ("", b"a=b", URLENC),
        ("application/json", b"", URLENC),  # empty body -> url-encoded (199)
        ("text/plain", b"", URLENC),
        ("application/json", None, URLENC),
        ("application/json", b"{}", "application/json"),
        ("APPLICATION/JSON", b"{}", "application/json"),
        ("application/json; charset=utf-8", b"{}", "application/json"),  # 50: the reference says 415
        ("application/json;charset=\"UTF-8\"", b"{}", "application/json"),
        ("application/json; charset=us-ascii", b"{}", "application/json"),
        ("application/jsonrequest", b"{}", "application/jsonrequest"),
        ("application/yaml", b"a: 1", "application/yaml"),
        ("text/yaml", b"a: 1", "text/yaml"),
        ("application/x-yaml ; foo=bar", b"a: 1", "application/x-yaml"),
        (URLENC, b"hostlist=n", URLENC),
    ],
)
def test_read_type(content_type, body, expected):
    assert resolve_read_type(content_type, body) == expected


@pytest.mark.parametrize(
    "content_type, words",
    [
        ("text/plain", "text/plain"),  # 49
        ("application/xml", "application/xml"),
        ("application/json; charset=iso-8859-1", "iso-8859-1"),
        ("application/*", "application/*"),
    ],
)
def test_read_type_rejects(content_type, words):
    with pytest.raises(SlurmError) as info:
        resolve_read_type(content_type, b"x")
    err = info.value
    assert err.errno == E.ESLURM_DATA_UNKNOWN_MIME_TYPE
    assert err.http_status == 415
    assert words in err.description


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/json"),
        ("", "application/json"),
        ("application/json", "application/json"),
        ("application/yaml", "application/yaml"),  # 62
        ("application/x-yaml", "application/x-yaml"),  # 60
        ("text/yaml", "text/yaml"),  # 61: the alias is echoed
        ("application/jsonrequest", "application/jsonrequest"),  # 69
        ("application/json; charset=utf-8", "application/json"),  # 70
        ("*/*", "application/json"),  # 64
        ("*", "application/json"),
        ("application/*", "application/json"),  # 65: the reference says 415
        ("text/*", "text/yaml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),  # 67
        ("application/json;q=0.9, application/x-yaml;q=1.0", "application/x-yaml"),  # 66: highest q wins
        ("application/x-yaml;q=0.5, application/json;q=0.5", "application/x-yaml"),  # tie: first wins
        ("application/json, application/yaml", "application/json"),
        ("application/yaml, application/json", "application/yaml"),
        ("*/*;q=0.1, text/yaml", "text/yaml"),
        ("application/json;q=0, */*", "application/yaml"),
        ("APPLICATION/YAML", "application/yaml"),
        (URLENC + ", application/yaml;q=0.1", "application/yaml"),
        ("application/json;q=abc, text/yaml;q=0.2", "text/yaml"),
        ("application/json; charset=latin1, application/yaml;q=0.3", "application/yaml"),
        ("application/json;q=0.5;level=1, application/yaml;q=0.4", "application/json"),
        ('application/json;foo="a,b";q=0.9, text/yaml;q=0.8', "application/json"),
    ],
)
def test_write_type(accept, expected):
    assert resolve_write_type(accept) == expected


@pytest.mark.parametrize(
    "accept",
    [
        "application/xml",  # 63
        URLENC,  # 68: the reference answers 422 after choosing it
        "text/html",
        "*/*;q=0",
        "application/json;q=0",
        "application/json;q=0, application/yaml;q=0, */*",
        "application/json;q=2",
        "image/*",
    ],
)
def test_write_type_rejects(accept):
    with pytest.raises(SlurmError) as info:
        resolve_write_type(accept)
    err = info.value
    assert err.errno == E.ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE
    assert err.http_status == 415
    assert accept in err.description
