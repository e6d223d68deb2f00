"""Header/framing and credentials: exact bytes from the captures in the notes."""

import struct

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc import cred as credmod
from slurmrestd.rpc.cred import (HASH_PLUGIN_NONE, JwtCredential, MungeCredential, k12_body_hash,
                                 munge_from_authinfo, munge_payload, parse_auth_info)
from slurmrestd.slurm.msg_types import MsgType, msg_type_name
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import (AUTH_PLUGIN_JWT, SLURM_NO_AUTH_CRED, SLURMDBD_CONNECTION, V24_11,
                                     V26_05, decode_message, encode_request, frame_length, pack_addr,
                                     pack_header, reply_rc, unpack_addr, unpack_header, version_release)

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJyb290In0.sig"


def test_versions():
    assert V26_05 == 0x2D00 and V24_11 == 0x2A00
    assert version_release(0x2C00) == "25.11"


def test_msg_types():
    assert MsgType.REQUEST_PING == 1008
    assert MsgType.RESPONSE_SLURM_RC == 8001
    assert MsgType.REQUEST_KILL_JOBS == 5041
    assert msg_type_name(2035) == "REQUEST_STATS_INFO"
    assert msg_type_name(65000) == "65000"


def test_client_header_is_16_bytes():
    p = Packer()
    pack_header(p, V26_05, 0, 1008, 0)
    assert p.getvalue() == bytes.fromhex("2d00 0000 03f0 00000000 0000 0000 0000")


def test_dbd_header_has_msg_type_prefix():
    p = Packer()
    pack_header(p, V26_05, 0x0003, 6500, 15)
    assert p.getvalue()[:8] == bytes.fromhex("1964 2d00 0003 1964")
    h = unpack_header(Unpacker(p.getvalue()), dbd=True)
    assert (h.dbd_msg_type, h.msg_type, h.flags & SLURMDBD_CONNECTION, h.body_length) == (6500, 6500, 2, 15)


def test_ping_with_jwt_exact_bytes():
    # the C slurmrestd's REQUEST_PING with JWT pass-through (notes §1.8)
    data = encode_request(MsgType.REQUEST_PING, b"", JwtCredential(TOKEN, "root"), V26_05)
    tok = TOKEN.encode() + b"\x00"
    auth = struct.pack(">I", 102) + struct.pack(">I", len(tok)) + tok + b"\x00\x00\x00\x05root\x00"
    hdr = bytes.fromhex("2d00 0000 03f0 00000000 0000 0000 0000")
    assert data == struct.pack(">I", len(hdr) + len(auth)) + hdr + auth


def test_jwt_without_user_name_packs_null():
    p = Packer()
    JwtCredential(TOKEN).pack(p, 1008, b"")
    assert p.getvalue().endswith(b"\x00\x00\x00\x00")
    assert "eyJ" not in repr(JwtCredential(TOKEN, "bob"))


def test_jwt_empty_token_refused():
    with pytest.raises(SlurmError):
        JwtCredential("")


def test_request_round_trip_with_body():
    body = Packer().u16(1).getvalue()
    data = encode_request(MsgType.REQUEST_STATS_INFO, body, JwtCredential(TOKEN, "alice"), 0x2B00)
    assert frame_length(data[:4]) == len(data) - 4
    msg = decode_message(data[4:])
    assert msg.version == 0x2B00 and msg.msg_type == 2035 and msg.header.body_length == 2
    assert msg.auth_plugin_id == AUTH_PLUGIN_JWT and msg.auth == (TOKEN, "alice")
    assert msg.body.u16() == 1


def test_no_cred_sets_flag():
    data = encode_request(MsgType.REQUEST_PING, b"", None)
    msg = decode_message(data[4:])
    assert msg.header.flags & SLURM_NO_AUTH_CRED and msg.auth_plugin_id is None


def test_reply_rc_from_capture():
    # RESPONSE_SLURM_RC rc=0, flags 0x44 (notes §1.8)
    frame = bytes.fromhex("00000014 2d00 0044 1f41 00000004 0000 0000 0000 00000000")
    n = frame_length(frame[:4])
    msg = decode_message(frame[4:4 + n])
    assert msg.msg_type == MsgType.RESPONSE_SLURM_RC and msg.header.flags == 0x44
    assert reply_rc(msg) == (0, None)


def test_reply_rc_msg():
    body = Packer().u32(2002).str("denied").getvalue()
    p = Packer()
    pack_header(p, V26_05, SLURM_NO_AUTH_CRED, MsgType.RESPONSE_SLURM_RC_MSG, len(body))
    assert reply_rc(decode_message(p.getvalue() + body)) == (2002, "denied")


def test_body_length_mismatch():
    p = Packer()
    pack_header(p, V26_05, SLURM_NO_AUTH_CRED, 8001, 8)
    with pytest.raises(UnpackError):
        decode_message(p.getvalue() + b"\x00\x00\x00\x00")


def test_unsupported_version():
    p = Packer()
    pack_header(p, 0x2900, SLURM_NO_AUTH_CRED, 8001, 0)
    with pytest.raises(SlurmError) as ei:
        decode_message(p.getvalue())
    assert ei.value.errno == E.SLURM_PROTOCOL_VERSION_ERROR


def test_insane_length():
    with pytest.raises(SlurmError) as ei:
        frame_length(b"HTTP")  # the HTTP 405 answer of a 26.05 listener
    assert ei.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH


def test_header_with_forward_ret_list_and_addr():
    p = Packer().u16(V26_05).u16(0).u16(8001).u32(4)
    p.u16(2).str("n[1-2]").u32(1000).u16(50).u16(1)  # forward
    p.u16(1).u32(0).u16(8001).str("n1").u32(7)  # ret list: one RC body
    pack_addr(p, ("10.1.2.3", 6818))
    h = unpack_header(Unpacker(p.getvalue()))
    assert h.forward.cnt == 2 and h.forward.nodelist == "n[1-2]" and h.forward.tree_depth == 1
    assert h.ret_list[0].node_name == "n1" and h.ret_list[0].data == 7
    assert h.orig_addr == ("10.1.2.3", 6818)


def test_addr_byte_order_matches_slurm_on_little_endian():
    # pack32(sin_addr.s_addr) of 127.0.0.1 on x86 puts 01 00 00 7f on the wire
    p = Packer()
    pack_addr(p, ("127.0.0.1", 6817))
    assert p.getvalue() == bytes.fromhex("0002 0100007f a11a")
    assert unpack_addr(Unpacker(p.getvalue())) == ("127.0.0.1", 6817)
    p = Packer()
    pack_addr(p, ("::1", 1))
    assert unpack_addr(Unpacker(p.getvalue())) == ("::1", 1)


def test_k12_vector():
    # payload for an empty REQUEST_PING body, as squeue/scontrol compute it (notes §1.8)
    assert munge_payload(b"", 1008).hex() == "025d5247bbb9ae435b2674a601f4a615de08d36c074c352457612d21db790784f9"
    assert len(k12_body_hash(b"abc", 2035)) == 32
    assert k12_body_hash(b"abc", 2035) != k12_body_hash(b"abc", 2036)


def test_munge_payload_variants():
    assert munge_payload(b"x", 1008, HASH_PLUGIN_NONE) == b"\x01\x03\xf0"
    assert munge_payload(b"x", 1008, 0) == b""
    with pytest.raises(ValueError):
        munge_payload(b"", 1008, 9)


def test_munge_cred_packs_plugin_and_string(monkeypatch):
    seen = {}

    def fake_encode(self, payload):
        seen["payload"] = payload
        return "MUNGE:abc:"

    monkeypatch.setattr(MungeCredential, "encode", fake_encode)
    p = Packer()
    MungeCredential("/x").pack(p, 1008, b"")
    assert p.getvalue() == b"\x00\x00\x00\x65" + b"\x00\x00\x00\x0bMUNGE:abc:\x00"
    assert seen["payload"] == munge_payload(b"", 1008)


def test_missing_libmunge(monkeypatch):
    monkeypatch.setattr(credmod._LibMunge, "_inst", None)
    import ctypes.util

    monkeypatch.setattr(credmod, "LIBMUNGE_SONAME", "libmunge-not-installed.so.0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(SlurmError) as ei:
        MungeCredential("/nonexistent").encode(b"")
    assert ei.value.errno == E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN
    assert "libmunge" in ei.value.description


def test_munge_bad_socket():
    if not credmod._find_libmunge():
        pytest.skip("no libmunge")
    with pytest.raises(SlurmError) as ei:
        MungeCredential("/nonexistent/munge.socket", retries=0).encode(b"")
    assert ei.value.errno == E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN
    assert "/nonexistent/munge.socket" in ei.value.description


def test_auth_info():
    assert parse_auth_info("socket=/run/m.sock,ttl=60") == {"socket": "/run/m.sock", "ttl": "60"}
    c = munge_from_authinfo("socket=/run/m.sock, ttl=60")
    assert (c.socket_path, c.ttl, c.uid) == ("/run/m.sock", 60, None)
    assert munge_from_authinfo(None).socket_path == credmod.DEFAULT_MUNGE_SOCKET


def _slow_header(data: bytes, dbd: bool = False, check_version: bool = True):
    """unpack_header field by field, as it reads anything but a plain header."""
    u = Unpacker(data)
    dbd_type = u.u16() if dbd else None
    version = u.u16()
    if check_version and version not in (V26_05, 0x2C00, 0x2B00, V24_11):
        raise SlurmError(E.SLURM_PROTOCOL_VERSION_ERROR, "bad version")
    flags, msg_type, body_length = u.u16(), u.u16(), u.u32()
    assert u.u16() == 0 and u.u16() == 0 and u.u16() == 0
    return (version, flags, msg_type, body_length, None, (), None, dbd_type), u.offset


@pytest.mark.parametrize("dbd", [False, True])
@pytest.mark.parametrize("version", [V26_05, V24_11, 0x2C00, 0x2900, 0x1234])
@pytest.mark.parametrize("check_version", [True, False])
@pytest.mark.parametrize("extra", [b"", b"\x01\x02\x03"])
def test_a_plain_header_reads_as_field_by_field(dbd, version, check_version, extra):
    """The one-read path of a plain reply header (no forward, ret list or address) gives what
    reading each field gives, the offset and a refused version included."""
    p = Packer()
    if dbd:
        p.u16(1407)
    p.u16(version).u16(0x0004).u16(8001).u32(len(extra)).u16(0).u16(0).u16(0)
    data = p.getvalue() + extra
    try:
        want = _slow_header(data, dbd, check_version)
    except SlurmError as exc:
        with pytest.raises(SlurmError) as got:
            unpack_header(Unpacker(data), dbd=dbd, check_version=check_version)
        assert got.value.errno == exc.errno == E.SLURM_PROTOCOL_VERSION_ERROR
        return
    u = Unpacker(data)
    h = unpack_header(u, dbd=dbd, check_version=check_version)
    assert tuple(h) == want[0] and u.offset == want[1]


@pytest.mark.parametrize("cut", range(1, 14))
def test_a_short_plain_header_is_an_unpack_error(cut):
    p = Packer().u16(V26_05).u16(0).u16(8001).u32(0).u16(0).u16(0).u16(0)
    with pytest.raises(UnpackError):
        unpack_header(Unpacker(p.getvalue()[:cut]))
