"""slurmctld client: send one RPC, get one reply, typed operations on top.

Typed operations return plain dicts keyed by the C struct member names (the
contract with the data parser layer).  Nothing here is global: the daemon owns
one ``VersionCache`` and passes it to every ``SlurmctldClient`` it creates (one
per HTTP request, with that request's credential).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc import frames
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.rpc.ctld.layouts import ASSOC_SHARES_OBJECT, LICENSE_INFO, SLURM_CONF, STATS_INFO_RESPONSE
from slurmrestd.rpc.ctld.transport import Endpoint, Transport
from slurmrestd.rpc.observe import SLURMCTLD, RpcObserver, Timer
from slurmrestd.slurm.msg_types import MsgType, msg_type_name
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import (SUPPORTED_VERSIONS, V24_11, Credential, Message, decode_message,
                                     encode_request, reply_rc, version_release)
from slurmrestd.slurm.sentinels import INFINITE, NO_VAL

log = logging.getLogger(__name__)

STAT_COMMAND_RESET = 0
STAT_COMMAND_GET = 1

#: Errors after which a different protocol version may be the cause.
_VERSION_SUSPECT = frozenset({E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR, E.SLURM_PROTOCOL_INSANE_MSG_LENGTH,
                              E.SLURM_PROTOCOL_VERSION_ERROR, E.SLURM_COMMUNICATIONS_RECEIVE_ERROR})


def _peek_rc(msg: Message) -> int:
    """The return code of an RC reply without consuming its body (0 for other replies)."""
    if msg.msg_type not in (MsgType.RESPONSE_SLURM_RC, MsgType.RESPONSE_SLURM_RC_MSG):
        return 0
    try:
        return Unpacker(msg.body.view, msg.body.offset).i32()
    except UnpackError:
        return -1


class VersionCache:
    """Protocol version per controller address; thread safe, owned by the daemon."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._map: dict[tuple[str, int], int] = {}

    def get(self, host: str, port: int) -> int | None:
        with self._lock:
            return self._map.get((host, port))

    def set(self, host: str, port: int, version: int) -> None:
        with self._lock:
            self._map[(host, port)] = version

    def forget(self, host: str, port: int) -> None:
        with self._lock:
            self._map.pop((host, port), None)

    def items(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._map)


@dataclass
class Reply:
    """A controller's answer: its type, the protocol version, the body, and the
    return code when it was a RESPONSE_SLURM_RC[_MSG]."""

    msg_type: int
    version: int
    body: Unpacker
    endpoint: Endpoint | None = None
    rc: int | None = None
    rc_msg: str | None = None

    def __iter__(self):  # (reply_type, unpacker) unpacking
        yield self.msg_type
        yield self.body


def decode_body(body: Unpacker, version: int, msg_type: int, decode: Callable[[Unpacker, int], Any],
                source: str) -> Any:
    """``decode(body, version)`` of a data reply, which must use the whole body; a short,
    long or malformed body raises SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR.  ``call`` decodes
    this way, and so does a dump process (``operations/slurmctld/job_list``) given the bytes."""
    try:
        result = decode(body, version)
        if body.remaining:
            raise UnpackError("%d unexpected bytes at the end" % body.remaining)
    except UnpackError as exc:
        raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR, "malformed %s (protocol %s): %s" % (
            msg_type_name(msg_type), version_release(version), exc), source) from None
    return result


class SlurmctldClient:
    """One identity talking to the controllers of one cluster.

    ``version``: speak exactly this protocol version; None = probe (REQUEST_PING
    from 26.05 down to 24.11) and remember the answer in ``version_cache``.
    """

    def __init__(self, config: SlurmConfig, credential: Credential, version: int | None = None, *,
                 version_cache: VersionCache | None = None, transport: Transport | None = None,
                 sleep: Callable[[float], None] = frames.sleep, max_backoff_retries: int = 10,
                 observer: RpcObserver | None = None) -> None:
        if version is not None and version not in SUPPORTED_VERSIONS:
            raise ValueError("unsupported protocol version %#x" % version)
        self.config = config
        self.credential = credential
        self.version = version
        self.version_cache = version_cache if version_cache is not None else VersionCache()
        self.transport = transport or Transport(config)
        self.sleep = sleep
        self.max_backoff_retries = max_backoff_retries
        #: Told about every exchange on the wire (``rpc.observe``); None tells nobody.
        self.observer = observer

    # -- version --------------------------------------------------------------------------

    def _cache_port(self) -> int:
        # the first port of a SlurmctldPort range: the chosen port varies with time
        return self.config.slurmctld_port

    def _cached_version(self, only: int | None = None) -> int | None:
        for ep in self.transport.endpoints():
            if only is not None and ep.index != only:
                continue
            v = self.version_cache.get(ep.host, self._cache_port())
            if v is not None:
                return v
        return None

    def probe_version(self, only: int | None = None) -> int:
        """Find the newest protocol version the controller accepts (REQUEST_PING).

        A controller answers an unsupported version by closing (or, 25.11+, with
        an HTTP 405 text); any decodable reply, even an auth error, proves the
        version.  Connection failures are raised, not probed further."""
        last: SlurmError | None = None
        for v in SUPPORTED_VERSIONS:
            data = encode_request(MsgType.REQUEST_PING, b"", self.credential, v)
            try:
                with Timer(self.observer, SLURMCTLD, "REQUEST_PING") as t:
                    payload, ep = self.transport.send_recv(data, only)
                    msg = decode_message(payload)
                    t.rc = _peek_rc(msg)
            except SlurmError as exc:
                if exc.errno in _VERSION_SUSPECT:
                    last = exc
                    continue
                raise
            except UnpackError as exc:
                last = SlurmError(E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR, "bad reply to ping: %s" % exc)
                continue
            self.version_cache.set(ep.host, self._cache_port(), msg.version)
            log.debug("controller %s speaks protocol %#x", ep, msg.version)
            return msg.version
        raise SlurmError(E.SLURM_PROTOCOL_VERSION_ERROR,
                         "no supported protocol version accepted by slurmctld (%s)" % (last.description if last else "?"))

    def protocol_version(self, only: int | None = None) -> int:
        if self.version is not None:
            return self.version
        return self._cached_version(only) or self.probe_version(only)

    # -- raw RPC ----------------------------------------------------------------------------

    def _send_once(self, msg_type: int, body: bytes, version: int, only: int | None) -> tuple[Message, Endpoint]:
        data = encode_request(msg_type, body, self.credential, version)
        with Timer(self.observer, SLURMCTLD, msg_type_name(msg_type)) as t:
            payload, ep = self.transport.send_recv(data, only)
            return _decoded(payload, ep, t), ep

    def begin(self, msg_type: int, body: bytes = b"") -> "Pending":
        """Send a request now and read its reply later: ``call(..., pending=)`` with the same
        type and body.  Requests begun one after another are in flight together (slurmctld
        serves them at the same time), so their replies cost one wait instead of one each.

        Only the first attempt is sent early, and only at a protocol version already
        known; everything else (no version yet, a credential refused locally) is left to
        ``call``, which also judges the reply and retries exactly as without ``begin``.
        A failure to connect or send is raised by ``call``."""
        version = self.version or self._cached_version()
        if version is None or getattr(self.credential, "refused", None) is not None:
            return Pending(msg_type, body, None, None, None, None)
        try:
            data = encode_request(msg_type, body, self.credential, version)
        except SlurmError:
            return Pending(msg_type, body, None, None, None, None)  # ``call`` raises it
        timer = Timer(self.observer, SLURMCTLD, msg_type_name(msg_type)).__enter__()
        try:
            started = self.transport.start(data)
        except SlurmError as exc:
            return Pending(msg_type, body, version, None, timer, exc)
        return Pending(msg_type, body, version, started, timer, None)

    def _finish_once(self, p: "Pending") -> tuple[Message, Endpoint]:
        """The first attempt of a ``begin``: the reply read as ``_send_once`` reads it."""
        t = p.timer
        try:
            if p.error is not None:
                raise p.error
            payload, ep = self.transport.finish(p.started)
            msg = _decoded(payload, ep, t)
        except BaseException as exc:
            t.__exit__(type(exc), exc, exc.__traceback__)
            raise
        t.__exit__(None, None, None)
        return msg, ep

    def drop(self, p: "Pending | None") -> None:
        """Close a begun request whose reply will not be read (its ``call`` is not made,
        or the request is sent again at another version); nothing if it was read."""
        if p is not None and p.started is not None and not p.used:
            p.used = True
            self.transport.abandon(p.started)
            p.timer.__exit__(None, None, None)

    def send(self, msg_type: int, body: bytes = b"", *, only: int | None = None,
             pending: "Pending | None" = None) -> Reply:
        """Send one request and return the reply without judging its rc.

        Retries like ``slurm_send_recv_controller_msg``: standby controllers
        (ESLURM_IN_STANDBY_MODE / _USE_BACKUP) → the next one; rate limiting
        (SLURMCTLD_COMMUNICATIONS_BACKOFF) → sleep 1 s, 2 s … and resend.

        ``pending`` (from ``begin``): the first attempt, already sent."""
        try:
            if pending is not None and (pending.msg_type != msg_type or pending.body != body or only is not None):
                raise ValueError("pending request of another type, body or controller")
            return self._send(msg_type, body, only, pending if pending is not None and pending.version else None)
        finally:
            self.drop(pending)  # not read: sent again at another version, or refused above

    def _send(self, msg_type: int, body: bytes, only: int | None, pending: "Pending | None") -> Reply:
        if getattr(self.credential, "refused", None) is not None:
            # Refused before sending (RefusedCredential): the controller's own answer to a bad
            # credential, without asking it.
            log.debug("%s not sent: credential refused locally", msg_type_name(msg_type))
            version = self.version or self._cached_version(only) or SUPPORTED_VERSIONS[0]
            return Reply(MsgType.RESPONSE_SLURM_RC, version, Unpacker(b""), None,
                         E.SLURM_PROTOCOL_AUTHENTICATION_ERROR, None)
        explicit = self.version is not None
        # Without a remembered version the request itself goes at the newest one: a
        # controller of an older release refuses it unread (nothing is executed) and the
        # probe below finds its version; a current controller costs no probe RPC (one
        # process per request in inet mode: every request would pay it).
        version = self.version or self._cached_version(only)
        optimistic = version is None
        if optimistic:
            version = SUPPORTED_VERSIONS[0]
        ratelimited = 0
        eps = self.transport.endpoints()
        standby_tries = 0
        target = only
        while True:
            try:
                if pending is not None and not pending.used and pending.version == version and target is None:
                    pending.used = True
                    msg, ep = self._finish_once(pending)
                else:
                    msg, ep = self._send_once(msg_type, body, version, target)
            except SlurmError as exc:
                if explicit or exc.errno not in _VERSION_SUSPECT:
                    raise
                # the controller may have been replaced by another release
                for e in eps:
                    self.version_cache.forget(e.host, self._cache_port())
                # (the probe starts at the newest version again: a receive error at the right
                # version is a failure of the request, raised, never resent at another one)
                optimistic = False
                newv = self.probe_version(only)
                if newv == version:
                    raise
                version = newv
                continue
            if optimistic:
                optimistic = False
                self.version_cache.set(ep.host, self._cache_port(), msg.version)
                log.debug("controller %s speaks protocol %#x", ep, msg.version)
                if msg.version != version and msg.version in SUPPORTED_VERSIONS:
                    # An older controller answers a newer request in its own version with
                    # an error and without reading it (24.11: an authentication error):
                    # the request is sent again in the controller's version.
                    version = msg.version
                    continue
            rc = reply_rc(msg)
            if not rc or rc[0] in (0, E.SLURM_NO_CHANGE_IN_DATA):
                # slurmctld answers nothing but an RC to a message whose credential it refused
                if getattr(self.credential, "accepted", None) is False:
                    self.credential.accepted = True
            reply = Reply(msg.msg_type, msg.version, msg.body, ep,
                          rc[0] if rc else None, rc[1] if rc else None)
            if rc and rc[0] in (E.ESLURM_IN_STANDBY_MODE, E.ESLURM_IN_STANDBY_USE_BACKUP) \
                    and only is None and len(eps) > 1 and standby_tries < len(eps) - 1:
                standby_tries += 1
                target = eps[(ep.index + 1) % len(eps)].index
                log.debug("controller %s is in standby, trying %s", ep, eps[target])
                continue
            if rc and rc[0] == E.SLURMCTLD_COMMUNICATIONS_BACKOFF and ratelimited < self.max_backoff_retries:
                ratelimited += 1
                log.info("RPC rate limited %d time(s). Sleeping then trying again.", ratelimited)
                self.sleep(ratelimited)
                continue
            if msg.msg_type == MsgType.RESPONSE_SLURM_REROUTE_MSG:
                raise SlurmError(E.ESLURM_NOT_SUPPORTED,
                                 "slurmctld rerouted %s to another cluster (federation is not supported)"
                                 % msg_type_name(msg_type))
            return reply

    def call(self, msg_type: int, body: bytes = b"", *, expect: int | tuple[int, ...] | None = None,
             decode: Callable[[Unpacker, int], Any] | None = None, source: str | None = None,
             only: int | None = None, pending: "Pending | None" = None) -> Any:
        """Send one request and judge its reply: the one way an RPC is made.

        * A transport failure raises as ``send`` does (with ``source`` when it has none).
        * A nonzero RESPONSE_SLURM_RC[_MSG] raises ``SlurmError(rc, its text, source)``.
        * ``expect``: the reply type wanted, or a tuple of them; with
          RESPONSE_SLURM_RC among them an RC 0 is an answer too.  Any other reply
          (an RC 0 included) raises SLURM_UNEXPECTED_MSG_ERROR.  None: any reply.
        * ``decode(body, version)`` turns a data reply into the result and must
          use the whole body; else, or on ``UnpackError``,
          SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR.  An accepted RC 0 gives None.
          Without ``decode`` the ``Reply`` is returned (``reply_type, unpacker =
          client.call(...)`` also works).

        ``source`` is what ``errors[].source`` shows (the libslurm function);
        by default the request's name.  ``pending``: the request as ``begin`` sent it."""
        src = source or msg_type_name(msg_type)
        try:
            reply = self.send(msg_type, body, only=only, pending=pending)
        except SlurmError as exc:
            if source and not exc.source:
                exc.source = source
            raise
        if reply.rc:
            raise SlurmError(reply.rc, reply.rc_msg or strerror(reply.rc), src)
        wanted = (expect,) if isinstance(expect, int) else expect
        if wanted is not None:
            got = MsgType.RESPONSE_SLURM_RC if reply.rc is not None else reply.msg_type
            if got not in wanted:
                raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "%s answered with %s, expected %s" % (
                    msg_type_name(msg_type), msg_type_name(reply.msg_type),
                    " or ".join(msg_type_name(t) for t in wanted)), src)
        if decode is None:
            return reply
        if reply.rc is not None:
            return None
        return decode_body(reply.body, reply.version, reply.msg_type, decode, src)

    # -- typed operations ----------------------------------------------------------------------

    def ping(self) -> list[dict]:
        """``ping_all_controllers()``: REQUEST_PING to every SlurmctldHost in order.

        Keys: ``hostname``, ``pinged`` (bool), ``latency`` (µs), ``offset``
        (index: 0 primary), ``mode`` ('primary'/'backup'), ``rc`` (0 or errno)."""
        out = []
        for i, c in enumerate(self.config.controllers):
            t0 = time.monotonic()
            try:
                reply = self.send(MsgType.REQUEST_PING, b"", only=i)
                if reply.rc is None:
                    rc = E.SLURM_UNEXPECTED_MSG_ERROR
                else:
                    rc = reply.rc
            except SlurmError as exc:
                rc = exc.errno
            latency = int((time.monotonic() - t0) * 1e6)
            out.append({"hostname": c.name, "pinged": rc == 0, "latency": latency, "offset": i,
                        "mode": "primary" if i == 0 else "backup", "rc": int(rc)})
        return out

    def get_statistics(self) -> dict:
        """REQUEST_STATS_INFO (GET) → ``stats_info_response_msg_t``."""
        body = Packer().u16(STAT_COMMAND_GET).getvalue()
        return self.call(MsgType.REQUEST_STATS_INFO, body, expect=MsgType.RESPONSE_STATS_INFO,
                         decode=_unpack_stats)

    def reset_statistics(self) -> None:
        """REQUEST_STATS_INFO (RESET): clears the controller's counters (needs an operator)."""
        body = Packer().u16(STAT_COMMAND_RESET).getvalue()
        self.call(MsgType.REQUEST_STATS_INFO, body, expect=MsgType.RESPONSE_SLURM_RC)

    def load_licenses(self, last_update: int = 0, show_flags: int = 0) -> dict:
        """REQUEST_LICENSE_INFO → ``license_info_msg_t`` {last_update, num_lic, lic_array}.

        ``available`` is computed as libslurm does (INFINITE passes through from 25.05)."""
        body = Packer().time(last_update).u16(show_flags).getvalue()
        return self.call(MsgType.REQUEST_LICENSE_INFO, body, expect=MsgType.RESPONSE_LICENSE_INFO,
                         decode=_unpack_licenses)

    def reconfigure(self) -> None:
        """REQUEST_RECONFIGURE (SlurmUser/root only)."""
        self.call(MsgType.REQUEST_RECONFIGURE, b"", expect=MsgType.RESPONSE_SLURM_RC)

    def load_shares(self, accounts: Sequence[str] | None = None, users: Sequence[str] | None = None) -> dict:
        """REQUEST_SHARE_INFO → ``shares_response_msg_t``
        {assoc_shares_list, tres_cnt, tres_names, tot_shares}.

        ``None`` filters are sent as empty lists, as the C slurmrestd does."""
        body = Packer().str_list(list(accounts or ())).str_list(list(users or ())).getvalue()
        return self.call(MsgType.REQUEST_SHARE_INFO, body, expect=MsgType.RESPONSE_SHARE_INFO,
                         decode=_unpack_shares)

    def load_conf(self, last_update: int = 0) -> dict:
        """REQUEST_BUILD_INFO → ``slurm_conf_t`` (about 220 members).

        Raises ``SlurmError(SLURM_NO_CHANGE_IN_DATA)`` if nothing changed since
        ``last_update``."""
        body = Packer().time(last_update).getvalue()
        return self.call(MsgType.REQUEST_BUILD_INFO, body, expect=MsgType.RESPONSE_BUILD_INFO,
                         decode=_unpack_conf)


def _decoded(payload: bytes, ep: Endpoint | None, t: Timer) -> Message:
    """One reply frame as a message; its rc goes to the timer."""
    try:
        msg = decode_message(payload)
    except UnpackError as exc:
        raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR,
                         "malformed reply from %s: %s" % (ep, exc)) from None
    t.rc = _peek_rc(msg)
    return msg


@dataclass(eq=False, slots=True)
class Pending:
    """A request ``begin`` sent (``started``, or the ``error`` sending it), or nothing sent
    (``version`` None); ``used`` once ``call`` has read it."""

    msg_type: int
    body: bytes
    version: int | None
    started: Any
    timer: Timer | None
    error: SlurmError | None
    used: bool = False

    @property
    def sent(self) -> bool:
        """Whether the request went out (connected and written)."""
        return self.started is not None


# -- reply bodies of the typed operations -------------------------------------------------------

def _unpack_stats(u: Unpacker, version: int) -> dict:
    d = STATS_INFO_RESPONSE.decode(u, version)
    for arr in ("rpc_type_cnt", "rpc_type_time"):
        if len(d[arr]) != len(d["rpc_type_id"]):
            raise UnpackError("stats: %s length mismatch" % arr)
    return d


def _unpack_licenses(u: Unpacker, version: int) -> dict:
    n = u.u32()
    last = u.time()
    lics = []
    for _ in range(n):
        lic = LICENSE_INFO.decode(u, version)
        total, used, deficit = lic["total"], lic["in_use"], lic["last_deficit"]
        if total == INFINITE and version > V24_11:
            avail = INFINITE
        elif total < used + deficit:
            avail = 0
        else:
            avail = total - used - deficit
        lic["available"] = avail
        lic.setdefault("mode", 0)
        lic.setdefault("nodes", None)
        lics.append(lic)
    return {"last_update": last, "num_lic": n, "lic_array": lics}


def _unpack_shares(u: Unpacker, version: int) -> dict:
    tres_names = u.str_array()
    tres_cnt = len(tres_names)
    count = u.u32()
    shares = None
    if count != NO_VAL:
        shares = []
        for _ in range(count):
            obj = ASSOC_SHARES_OBJECT.decode(u, version)
            for arr in ("tres_run_secs", "tres_grp_mins"):
                if len(obj[arr]) != tres_cnt:
                    raise UnpackError("shares: %s has %d entries for %d TRES" % (arr, len(obj[arr]), tres_cnt))
            shares.append(obj)
    tot = u.u64()
    return {"assoc_shares_list": shares, "tres_cnt": tres_cnt, "tres_names": tres_names, "tot_shares": tot}


#: ``slurm_conf_t`` members that older protocols do not send.
_CONF_NEWER = ("certmgr_params", "certmgr_type", "cli_filter_params", "health_check_timeout",
               "http_parser_type", "license_params", "metrics_auth_users", "metrics_params",
               "metrics_type", "slurmctld_http_auth_params", "slurmd_http_auth_params",
               "tls_params", "url_parser_type")


def _unpack_conf(u: Unpacker, version: int) -> dict:
    d = SLURM_CONF.decode(u, version)
    if version <= V24_11:
        d["epilog_timeout"] = d["prolog_timeout"]
    for name in _CONF_NEWER:
        d.setdefault(name, None)
    if len(d["control_machine"]) != d["control_cnt"]:
        raise UnpackError("conf: control_machine/control_addr mismatch")
    return d


__all__ = ["SlurmctldClient", "VersionCache", "Reply", "Pending", "STAT_COMMAND_GET", "STAT_COMMAND_RESET"]
