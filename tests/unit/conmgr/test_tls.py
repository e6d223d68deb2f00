"""Where the https:// certificate comes from, and the listen-address forms."""

import pytest

from slurmrestd.conmgr.listen import ListenError, is_tls_spec, parse_spec
from slurmrestd.conmgr.tls import TlsError, cert_files, looks_like_tls, parse_tls_parameters


def test_env_pair_first():
    f = cert_files("/e/c.pem", "/e/k.pem", "restd_cert_file=/x", "/etc/slurm/slurm.conf")
    assert (f.cert, f.key) == ("/e/c.pem", "/e/k.pem")
    with pytest.raises(TlsError, match="set together"):
        cert_files("/e/c.pem", None, None, "/etc/slurm/slurm.conf")


def test_tls_parameters_then_beside_slurm_conf():
    f = cert_files(None, None, "ca_cert_file=/a, restd_cert_file=/p/c.pem,restd_cert_key_file=/p/k.pem",
                   "/etc/slurm/slurm.conf")
    assert (f.cert, f.key) == ("/p/c.pem", "/p/k.pem")
    f = cert_files(None, None, None, "/srv/conf/slurm.conf")
    assert (f.cert, f.key) == ("/srv/conf/restd_cert.pem", "/srv/conf/restd_cert_key.pem")
    assert parse_tls_parameters("A=1,,b= 2 ,junk") == {"a": "1", "b": "2"}


def test_https_listen_forms():
    assert parse_spec("https://127.0.0.1:8443") == ("inet", "127.0.0.1", 8443)
    assert parse_spec("https://[::1]:8443/") == ("inet", "::1", 8443)
    assert is_tls_spec("https://:8443") and not is_tls_spec("http://:8443") and not is_tls_spec("8443")
    with pytest.raises(ListenError, match="unix"):
        parse_spec("https://unix:/run/x.sock")


def test_clienthello_sniffing():
    assert looks_like_tls(b"\x16\x03\x01\x02\x00\x01")
    assert not looks_like_tls(b"GET / HTTP/1.1\r\n") and not looks_like_tls(b"\x16")
