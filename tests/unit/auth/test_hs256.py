"""The HS256 fast path accepts only what PyJWT accepts, with the same claims, and leaves
everything else (None) to PyJWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from slurmrestd.auth.hs256 import plain_secret, verified_claims

KEY = bytes(range(1, 65))


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _raw(header, payload, key: bytes = KEY, sig: bytes | None = None) -> str:
    h = _b64(header if isinstance(header, bytes) else json.dumps(header).encode())
    p = _b64(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    s = _b64(hmac.new(key, h + b"." + p, hashlib.sha256).digest()) if sig is None else sig
    return (h + b"." + p + b"." + s).decode()


def _pyjwt(token: str, key: bytes = KEY):
    try:
        return jwt.decode(token, key, algorithms=["HS256"],
                          options={"verify_signature": True, "verify_exp": False, "verify_iat": False,
                                   "verify_nbf": False, "verify_aud": False, "verify_iss": False})
    except jwt.PyJWTError:
        return None


GOOD = {"exp": 2000000000, "iat": 1700000000, "sun": "alice"}

TOKENS = {
    "pyjwt-made": jwt.encode(GOOD, KEY, algorithm="HS256"),
    "with-kid": jwt.encode(GOOD, KEY, algorithm="HS256", headers={"kid": "k1"}),
    "no-typ": _raw({"alg": "HS256"}, GOOD),
    "bad-signature": _raw({"alg": "HS256", "typ": "JWT"}, GOOD, key=b"other key"),
    "alg-none": _raw({"alg": "none"}, GOOD, sig=b""),
    "alg-hs512": _raw({"alg": "HS512"}, GOOD),
    "kid-not-string": _raw({"alg": "HS256", "kid": 7}, GOOD),
    "b64-false": _raw({"alg": "HS256", "b64": False, "crit": ["b64"]}, GOOD),
    "extra-header": _raw({"alg": "HS256", "x5u": "http://x"}, GOOD),
    "header-list": _raw([1, 2], GOOD),
    "payload-list": _raw({"alg": "HS256"}, [1, 2]),
    "payload-not-json": _raw({"alg": "HS256"}, b"{nope"),
    "sub-number": _raw({"alg": "HS256"}, dict(GOOD, sub=5)),
    "jti-number": _raw({"alg": "HS256"}, dict(GOOD, jti=5)),
    "sub-string": _raw({"alg": "HS256"}, dict(GOOD, sub="alice", jti="j")),
    "padded": _raw({"alg": "HS256"}, GOOD).replace(".", "=.", 1),
    "junk-chars": _raw({"alg": "HS256"}, GOOD) + "!",
    "two-segments": "abc.def",
    "four-segments": _raw({"alg": "HS256"}, GOOD) + ".x",
    "non-ascii": _raw({"alg": "HS256"}, GOOD) + "é",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_fast_path_never_accepts_what_pyjwt_refuses(name):
    token = TOKENS[name]
    fast = verified_claims(token, KEY)
    if fast is not None:
        assert fast == _pyjwt(token)


def test_fast_path_takes_the_plain_tokens():
    for name in ("pyjwt-made", "with-kid", "no-typ", "sub-string"):
        assert verified_claims(TOKENS[name], KEY) == _pyjwt(TOKENS[name]) is not None, name
    for name in ("bad-signature", "alg-none", "b64-false", "extra-header", "sub-number", "padded"):
        assert verified_claims(TOKENS[name], KEY) is None, name


@pytest.mark.parametrize("key", [b"", b"0\x82\x01\x22rest", b"-----BEGIN PUBLIC KEY-----\nabc",
                                 b"ssh-rsa AAAA", b'{"kty": "oct", "k": "abc"}', b"123"])
def test_keys_pyjwt_might_refuse_are_left_to_it(key):
    assert not plain_secret(key)
    assert verified_claims(_raw({"alg": "HS256"}, GOOD, key=key or b"x"), key) is None


def test_a_random_secret_is_plain():
    assert plain_secret(KEY)


def test_jwks_keys_load_pyjwt_on_first_use_only(tmp_path):
    import subprocess
    import sys

    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    pub = json.loads(RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()))
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [dict(pub, kid="k1")]}))
    code = (
        "import sys\n"
        "from slurmrestd.auth.keys import parse_jwks\n"
        "keys = parse_jwks(open(%r, 'rb').read())\n"
        "assert list(keys) == ['k1'] and 'jwt' not in sys.modules and 'cryptography' not in sys.modules\n"
        "assert keys['k1'] is keys['k1'] and 'cryptography' in sys.modules\n" % str(path)
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_jwks_key_with_a_bad_modulus_is_refused_when_read():
    from slurmrestd.auth.keys import KeyFileError, parse_jwks

    with pytest.raises(KeyFileError, match="'n' is missing or not base64url"):
        parse_jwks(json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "n": "not base64!", "e": "AQAB"}]}).encode())
