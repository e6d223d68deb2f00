"""Request identities: the auth section of an outgoing RPC.

A credential object is made per HTTP request and handed to the client; there
is no process-wide "current user".  Each one knows how to append
``u32 plugin_id`` + its credential for a given message (``auth_g_pack``).

* ``JwtCredential``: auth/jwt (102) = ``packstr(token)`` + ``packstr(user_name)``,
  exactly what the C slurmrestd sends when it passes a caller's
  ``X-SLURM-USER-TOKEN`` / ``X-SLURM-USER-NAME`` through.  No body hash.
* ``MungeCredential``: auth/munge (101) = ``packstr("MUNGE:...:")`` where the
  munge payload binds the body: ``0x02 ‖ KangarooTwelve(body, custom=u16 BE
  msg_type, 32 bytes)``.  A fresh munge credential is minted for every message
  through libmunge (ctypes).
"""

from __future__ import annotations

import ctypes
import struct
import sys
import threading

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.pack import Packer
from slurmrestd.rpc.protocol import AUTH_PLUGIN_JWT, AUTH_PLUGIN_MUNGE

# hash plugin ids (slurm.h HASH_PLUGIN_*)
HASH_PLUGIN_NONE = 1
HASH_PLUGIN_K12 = 2

_MSG_TYPE = struct.Struct(">H")

DEFAULT_MUNGE_SOCKET = "/var/run/munge/munge.socket.2"


def _kangaroo_twelve():
    """pycryptodome's KangarooTwelve, loaded through its ctypes back end.

    pycryptodome binds its C code with cffi when cffi can be imported, else with ctypes;
    the cffi route parses C declarations with pycparser (about 55 ms more CPU per process,
    paid again by every inet-mode process that speaks munge).  Hiding cffi while
    pycryptodome's loader is first imported selects ctypes; cffi is importable again
    right after.  When the loader was already imported, its choice stands."""
    if "Crypto.Util._raw_api" in sys.modules or "cffi" in sys.modules:
        from Crypto.Hash import KangarooTwelve
        return KangarooTwelve
    sys.modules["cffi"] = None  # type: ignore[assignment]  # "import cffi" raises ImportError
    try:
        from Crypto.Hash import KangarooTwelve
    finally:
        if sys.modules.get("cffi", 0) is None:
            del sys.modules["cffi"]
    return KangarooTwelve


def k12_body_hash(body: bytes, msg_type: int) -> bytes:
    """``_compute_hash`` with hash/k12: 32 bytes of KangarooTwelve over the body,
    customization string = the message type as u16 big-endian."""
    try:
        k12 = _kangaroo_twelve()
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN,
                         "auth/munge needs pycryptodome for the KangarooTwelve body hash") from exc
    return k12.new(data=bytes(body), custom=_MSG_TYPE.pack(msg_type)).read(32)


def munge_payload(body: bytes, msg_type: int, hash_type: int = HASH_PLUGIN_K12) -> bytes:
    """The bytes munge should carry for this message (a ``slurm_hash_t`` prefix).

    ``HASH_PLUGIN_K12`` → 33 bytes; ``HASH_PLUGIN_NONE`` → ``01 ‖ u16 msg_type``
    (refused by controllers with ``block_zero_hash``); ``0`` → empty (refused with
    ``block_null_hash``)."""
    if hash_type == HASH_PLUGIN_K12:
        return bytes([HASH_PLUGIN_K12]) + k12_body_hash(body, msg_type)
    if hash_type == HASH_PLUGIN_NONE:
        return bytes([HASH_PLUGIN_NONE]) + _MSG_TYPE.pack(msg_type)
    if hash_type == 0:
        return b""
    raise ValueError("unsupported hash type %d" % hash_type)


class JwtCredential:
    """auth/jwt pass-through: the caller's token and (optional) user name."""

    plugin_id = AUTH_PLUGIN_JWT
    __slots__ = ("token", "user_name", "accepted")

    def __init__(self, token: str, user_name: str | None = None) -> None:
        if not token:
            raise SlurmError(E.ESLURM_AUTH_CRED_INVALID, "auth/jwt: empty token")
        self.token = token
        self.user_name = user_name
        #: Set once slurmctld or slurmdbd answered a message carrying it with success or
        #: data: they verified the token (and the user name) then.
        self.accepted = False

    def pack(self, packer: Packer, msg_type: int, body: bytes) -> None:
        packer.u32(AUTH_PLUGIN_JWT)
        packer.str(self.token)
        packer.str(self.user_name)

    def __repr__(self) -> str:  # never print the token
        return "JwtCredential(user_name=%r)" % (self.user_name,)


class RefusedCredential:
    """A token the daemon refused itself (local verification): it never leaves the process.

    The slurmctld client answers every RPC made with it as slurmctld answers a bad
    credential (RESPONSE_SLURM_RC with SLURM_PROTOCOL_AUTHENTICATION_ERROR) without
    connecting, and a slurmdbd session refuses to open, as slurmdbd refuses the
    connection; so each handler answers exactly as it does after a real refusal, and
    no RPC is made.  ``pack`` refusing too is the safety net."""

    plugin_id = AUTH_PLUGIN_JWT
    __slots__ = ("refused",)

    def __init__(self, reason: str) -> None:
        self.refused = reason

    def pack(self, packer: Packer, msg_type: int, body: bytes) -> None:
        raise SlurmError(E.SLURM_PROTOCOL_AUTHENTICATION_ERROR, "credential refused locally: %s" % self.refused)

    def __repr__(self) -> str:
        return "RefusedCredential(%r)" % (self.refused,)


# -- libmunge through ctypes -------------------------------------------------------------

# munge.h: munge_opt_t
MUNGE_OPT_TTL = 4
MUNGE_OPT_SOCKET = 8
MUNGE_OPT_UID_RESTRICTION = 9
EMUNGE_SOCKET = 6


#: The library's soname: dlopen finds it on the standard paths without ``ldconfig -p``.
LIBMUNGE_SONAME = "libmunge.so.2"


def _find_libmunge() -> str | None:
    """The soname when the dynamic loader finds it, else what ``ctypes.util`` finds (it runs
    ``ldconfig -p`` in a child process: only when the soname is not on the loader's paths)."""
    try:
        ctypes.CDLL(LIBMUNGE_SONAME)
        return LIBMUNGE_SONAME
    except OSError:
        from ctypes import util as ctypes_util

        return ctypes_util.find_library("munge")


class _LibMunge:
    """The few libmunge entry points we use, loaded once on first use."""

    _lock = threading.Lock()
    _inst: "_LibMunge | None" = None

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        self.ctx_create = lib.munge_ctx_create
        self.ctx_create.restype = ctypes.c_void_p
        self.ctx_create.argtypes = []
        self.ctx_destroy = lib.munge_ctx_destroy
        self.ctx_destroy.restype = None
        self.ctx_destroy.argtypes = [ctypes.c_void_p]
        self.ctx_set = lib.munge_ctx_set  # variadic: argtypes per call
        self.ctx_set.restype = ctypes.c_int
        self.encode = lib.munge_encode
        self.encode.restype = ctypes.c_int
        self.encode.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self.strerror = lib.munge_strerror
        self.strerror.restype = ctypes.c_char_p
        self.strerror.argtypes = [ctypes.c_int]
        self.ctx_strerror = lib.munge_ctx_strerror
        self.ctx_strerror.restype = ctypes.c_char_p
        self.ctx_strerror.argtypes = [ctypes.c_void_p]
        self.free = ctypes.CDLL(None).free  # the C library this process already uses
        self.free.argtypes = [ctypes.c_void_p]
        self.free.restype = None

    @classmethod
    def get(cls) -> "_LibMunge":
        with cls._lock:
            if cls._inst is None:
                path = _find_libmunge()
                if not path:
                    raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN,
                                     "auth/munge: libmunge (libmunge.so.2) is not installed; "
                                     "install the munge library or use auth/jwt")
                try:
                    cls._inst = cls(path)
                except (OSError, AttributeError) as exc:
                    raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN,
                                     "auth/munge: cannot load %s: %s" % (path, exc)) from exc
            return cls._inst


class MungeCredential:
    """auth/munge: a fresh munge credential per message, bound to the body hash.

    ``uid``: restrict decoding to this uid (None = anyone, as
    ``slurm_send_recv_controller_msg`` does).  ``ttl``: credential lifetime in
    seconds (None = munged's default).  ``hash_type``: see ``munge_payload``.
    """

    plugin_id = AUTH_PLUGIN_MUNGE
    __slots__ = ("socket_path", "uid", "ttl", "hash_type", "retries")

    def __init__(self, socket_path: str | None = None, uid: int | None = None,
                 ttl: int | None = None, hash_type: int = HASH_PLUGIN_K12, retries: int = 20) -> None:
        self.socket_path = socket_path or DEFAULT_MUNGE_SOCKET
        self.uid = uid
        self.ttl = ttl
        self.hash_type = hash_type
        self.retries = retries

    def encode(self, payload: bytes) -> str:
        """``munge_encode`` the payload; return the ``MUNGE:...:`` text."""
        lib = _LibMunge.get()
        ctx = lib.ctx_create()
        if not ctx:
            raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN, "auth/munge: munge_ctx_create failed")
        try:
            err = lib.ctx_set(ctypes.c_void_p(ctx), ctypes.c_int(MUNGE_OPT_SOCKET),
                              ctypes.c_char_p(self.socket_path.encode()))
            if err:
                raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN,
                                 "auth/munge: cannot set socket %s: %s"
                                 % (self.socket_path, lib.strerror(err).decode(errors="replace")))
            if self.uid is not None:
                lib.ctx_set(ctypes.c_void_p(ctx), ctypes.c_int(MUNGE_OPT_UID_RESTRICTION),
                            ctypes.c_uint(self.uid))
            if self.ttl is not None:
                lib.ctx_set(ctypes.c_void_p(ctx), ctypes.c_int(MUNGE_OPT_TTL), ctypes.c_int(self.ttl))
            out = ctypes.c_void_p()
            for attempt in range(self.retries + 1):
                err = lib.encode(ctypes.byref(out), ctypes.c_void_p(ctx), payload or None, len(payload))
                if err != EMUNGE_SOCKET or attempt == self.retries:
                    break
                import time
                time.sleep(0.1)  # auth_munge retries 20 × 100 ms on EMUNGE_SOCKET
            if err:
                detail = lib.ctx_strerror(ctypes.c_void_p(ctx)) or lib.strerror(err)
                raise SlurmError(E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN,
                                 "auth/munge: munge_encode failed (socket %s): %s"
                                 % (self.socket_path, detail.decode(errors="replace")))
            try:
                return ctypes.string_at(out.value).decode("ascii")
            finally:
                lib.free(out)
        finally:
            lib.ctx_destroy(ctypes.c_void_p(ctx))

    def pack(self, packer: Packer, msg_type: int, body: bytes) -> None:
        cred = self.encode(munge_payload(body, msg_type, self.hash_type))
        packer.u32(AUTH_PLUGIN_MUNGE)
        packer.str(cred)

    def __repr__(self) -> str:
        return "MungeCredential(socket_path=%r, uid=%r)" % (self.socket_path, self.uid)


def parse_auth_info(authinfo: str | None) -> dict[str, str]:
    """``AuthInfo=socket=/x,ttl=60`` → ``{"socket": "/x", "ttl": "60"}``."""
    out: dict[str, str] = {}
    for part in (authinfo or "").split(","):
        part = part.strip()
        if not part:
            continue
        k, sep, v = part.partition("=")
        out[k.strip().lower()] = v.strip() if sep else ""
    return out


def munge_from_authinfo(authinfo: str | None, uid: int | None = None) -> MungeCredential:
    """A ``MungeCredential`` configured the way auth/munge reads ``AuthInfo``."""
    opts = parse_auth_info(authinfo)
    ttl = opts.get("ttl")
    return MungeCredential(opts.get("socket") or None, uid=uid, ttl=int(ttl) if ttl else None)


__all__ = [
    "JwtCredential", "MungeCredential", "munge_payload", "k12_body_hash", "parse_auth_info",
    "munge_from_authinfo", "HASH_PLUGIN_K12", "HASH_PLUGIN_NONE", "DEFAULT_MUNGE_SOCKET",
]
