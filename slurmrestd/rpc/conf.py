"""Read the parts of slurm.conf a controller client needs, the way libslurm does.

Location: explicit path (``-f``) → ``$SLURM_CONF`` → ``/etc/slurm/slurm.conf``.

Syntax handled as ``src/common/parse_config.c`` does:

* ``#`` starts a comment unless escaped (``\\#``); a trailing ``\\`` joins the
  next line; other ``\\x`` escapes become ``x``;
* keys are case-insensitive, several ``Key=Value`` pairs may share a line,
  values may be double-quoted; for a repeated key the last one wins;
* ``Include <file>``: relative names are taken from slurm.conf's directory,
  ``%c`` is replaced by the lower-cased ClusterName.  Slurm does *not* expand
  globs: a name containing ``*`` is skipped (Slurm logs an error), so do we;
* record lines (``NodeName=``, ``PartitionName=`` …) are skipped whole;
* ``SlurmctldHost=name(addr)`` may repeat: primary first, then backups.
"""

from __future__ import annotations

import logging
import os
import socket
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

log = logging.getLogger(__name__)

DEFAULT_SLURM_CONF = "/etc/slurm/slurm.conf"
DEFAULT_SLURMCTLD_PORT = 6817
DEFAULT_ACCOUNTING_STORAGE_PORT = 6819
DEFAULT_MESSAGE_TIMEOUT = 10
DEFAULT_TCP_TIMEOUT = 2
DEFAULT_SLURMCTLD_TIMEOUT = 120
_MAX_INCLUDE_DEPTH = 16

#: Keys whose line is a record (the rest of the line are its attributes).
_RECORD_KEYS = frozenset({"nodename", "partitionname", "nodeset", "downnodes", "frontendname",
                          "switchname", "blockname"})


class SlurmConfigError(Exception):
    """slurm.conf is missing, unreadable or has a value we cannot use."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__("%s: %s" % (path, reason))


@dataclass(frozen=True)
class ControllerHost:
    """One ``SlurmctldHost``: the name and the address to connect to."""

    name: str
    addr: str


@dataclass(frozen=True)
class SlurmConfig:
    path: str
    cluster_name: str | None = None
    #: primary first, then backups
    controllers: tuple[ControllerHost, ...] = ()
    slurmctld_port: int = DEFAULT_SLURMCTLD_PORT
    #: ``SlurmctldPort=N-M`` → M-N+1
    slurmctld_port_count: int = 1
    #: a virtual address for all controllers (``SlurmctldAddr``)
    slurmctld_addr: str | None = None
    slurmctld_timeout: int = DEFAULT_SLURMCTLD_TIMEOUT
    accounting_storage_host: str | None = None
    accounting_storage_backup_host: str | None = None
    accounting_storage_port: int = DEFAULT_ACCOUNTING_STORAGE_PORT
    accounting_storage_type: str | None = None
    auth_type: str = "auth/munge"
    auth_alt_types: tuple[str, ...] = ()
    auth_alt_parameters: str | None = None
    auth_info: str | None = None
    message_timeout: int = DEFAULT_MESSAGE_TIMEOUT
    tcp_timeout: int = DEFAULT_TCP_TIMEOUT
    slurm_user: str = "root"
    #: every simple ``Key=Value`` seen, lower-cased key → raw value
    raw: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def auth_info_options(self) -> dict[str, str]:
        """``AuthInfo`` split into options (``socket``, ``ttl`` …)."""
        from slurmrestd.rpc.cred import parse_auth_info

        return parse_auth_info(self.auth_info)

    @property
    def munge_socket(self) -> str | None:
        return self.auth_info_options.get("socket") or None

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.raw.get(key.lower(), default)


def find_slurm_conf(path: str | None = None) -> str:
    """Which file libslurm would read."""
    if path:
        return path
    env = os.environ.get("SLURM_CONF")
    if env:
        return env
    return DEFAULT_SLURM_CONF


# -- lexical layer ---------------------------------------------------------------------


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line
    bs = 0
    for i, ch in enumerate(line):
        if ch == "#" and bs % 2 == 0:
            return line[:i]
        bs = bs + 1 if ch == "\\" else 0
    return line


def _strip_escapes(line: str) -> str:
    if "\\" not in line:
        return line
    out = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 1
            if i < len(line):
                out.append(line[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def logical_lines(text: str) -> list[str]:
    """Comment-stripped lines with ``\\`` continuations joined and escapes removed."""
    out = []
    cur = ""
    for raw in text.splitlines():
        piece = _strip_comment(raw).rstrip("\r\n")
        stripped = piece.rstrip()
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            cur += stripped[:-1]
            continue
        cur += piece
        out.append(_strip_escapes(cur))
        cur = ""
    if cur:
        out.append(_strip_escapes(cur))
    return out


_PAIR = re.compile(r'\s*([A-Za-z0-9_\-.]+)\s*(?:=\s*("([^"]*)"|[^\s]*))?')


def split_pairs(line: str) -> list[tuple[str, str]]:
    """``"A=1 B=\\"x y\\" C"`` → ``[("A","1"), ("B","x y"), ("C","")]``."""
    pairs = []
    pos = 0
    line = line.strip()
    while pos < len(line):
        m = _PAIR.match(line, pos)
        if not m or m.end() == pos:
            # not key=value: skip one token
            nxt = line.find(" ", pos)
            if nxt < 0:
                break
            pos = nxt + 1
            continue
        key = m.group(1)
        val = m.group(3) if m.group(3) is not None else (m.group(2) or "")
        pairs.append((key, val))
        pos = m.end()
    return pairs


# -- reading --------------------------------------------------------------------------


def _read_file(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        raise SlurmConfigError(path, "file not found") from None
    except IsADirectoryError:
        raise SlurmConfigError(path, "is a directory") from None
    except PermissionError:
        raise SlurmConfigError(path, "permission denied") from None
    except OSError as exc:
        raise SlurmConfigError(path, exc.strerror or str(exc)) from None


def _collect(path: str, conf_dir: str, values: dict[str, str], hosts: list[str], depth: int) -> None:
    if depth > _MAX_INCLUDE_DEPTH:
        raise SlurmConfigError(path, "Include nested too deeply")
    for line in logical_lines(_read_file(path)):
        s = line.strip()
        if not s:
            continue
        if s[:7].lower() == "include" and len(s) > 7 and s[7].isspace():
            name = s[7:].strip().split()[0]
            if "%c" in name:
                cluster = values.get("clustername")
                if not cluster:
                    raise SlurmConfigError(path, "Include %s uses %%c but ClusterName is not set yet" % name)
                name = name.replace("%c", cluster.lower())
            inc = name if os.path.isabs(name) else os.path.join(conf_dir, name)
            if "*" in name:
                log.error("Slurm does not support glob parsing. %s from %s will be skipped over.", inc, path)
                continue
            _collect(inc, conf_dir, values, hosts, depth + 1)
            continue
        pairs = split_pairs(s)
        if not pairs:
            continue
        if pairs[0][0].lower() in _RECORD_KEYS:
            continue
        for k, v in pairs:
            lk = k.lower()
            if lk == "slurmctldhost":
                hosts.append(v)
            else:
                values[lk] = v


_HOST = re.compile(r"^\s*([^()\s]+)\s*(?:\(\s*([^()\s]+)\s*\))?\s*$")


def _parse_int(path: str, key: str, text: str | None, default: int) -> int:
    if text is None or text == "":
        return default
    try:
        return int(text, 10)
    except ValueError:
        raise SlurmConfigError(path, "invalid %s value %r" % (key, text)) from None


def parse_port_range(path: str, text: str | None) -> tuple[int, int]:
    """``"6817"`` → (6817, 1); ``"6817-6820"`` → (6817, 4)."""
    if not text:
        return DEFAULT_SLURMCTLD_PORT, 1
    lo, sep, hi = text.partition("-")
    a = _parse_int(path, "SlurmctldPort", lo.strip(), DEFAULT_SLURMCTLD_PORT)
    b = _parse_int(path, "SlurmctldPort", hi.strip(), a) if sep else a
    if not (0 < a <= 65535 and 0 < b <= 65535) or b < a:
        raise SlurmConfigError(path, "invalid SlurmctldPort %r" % text)
    return a, b - a + 1


def _short_hostname() -> str:
    return socket.gethostname().split(".", 1)[0]


def load_slurm_conf(path: str | None = None) -> SlurmConfig:
    """Read slurm.conf (``path`` → ``$SLURM_CONF`` → ``/etc/slurm/slurm.conf``)."""
    path = find_slurm_conf(path)
    values: dict[str, str] = {}
    host_specs: list[str] = []
    _collect(path, os.path.dirname(os.path.abspath(path)), values, host_specs, 0)

    controllers = []
    for spec in host_specs:
        m = _HOST.match(spec)
        if not m:
            raise SlurmConfigError(path, "invalid SlurmctldHost %r" % spec)
        name, addr = m.group(1), m.group(2) or m.group(1)
        if any(c.name == name for c in controllers):
            raise SlurmConfigError(path, "duplicate SlurmctldHost %r" % name)
        controllers.append(ControllerHost(name, addr))
    if not controllers and values.get("controlmachine"):
        # pre-18.08 spelling, still understood by some tools
        names = values["controlmachine"].split(",")
        addrs = (values.get("controladdr") or values["controlmachine"]).split(",")
        controllers = [ControllerHost(n, a) for n, a in zip(names, addrs + names[len(addrs):])]
    # As Slurm does: the name "localhost" stands for this machine's short host name
    # (the address stays whatever was given, or "localhost").
    controllers = [ControllerHost(_short_hostname(), c.addr) if c.name.lower() == "localhost" else c
                   for c in controllers]
    port, port_count = parse_port_range(path, values.get("slurmctldport"))
    alt = tuple(t.strip() for t in (values.get("authalttypes") or "").split(",") if t.strip())
    return SlurmConfig(
        path=path,
        cluster_name=values.get("clustername"),
        controllers=tuple(controllers),
        slurmctld_port=port,
        slurmctld_port_count=port_count,
        slurmctld_addr=values.get("slurmctldaddr") or None,
        slurmctld_timeout=_parse_int(path, "SlurmctldTimeout", values.get("slurmctldtimeout"),
                                     DEFAULT_SLURMCTLD_TIMEOUT),
        accounting_storage_host=values.get("accountingstoragehost") or None,
        accounting_storage_backup_host=values.get("accountingstoragebackuphost") or None,
        accounting_storage_port=_parse_int(path, "AccountingStoragePort", values.get("accountingstorageport"),
                                           DEFAULT_ACCOUNTING_STORAGE_PORT),
        accounting_storage_type=values.get("accountingstoragetype") or None,
        auth_type=values.get("authtype") or "auth/munge",
        auth_alt_types=alt,
        auth_alt_parameters=values.get("authaltparameters") or None,
        auth_info=values.get("authinfo") or None,
        message_timeout=_parse_int(path, "MessageTimeout", values.get("messagetimeout"), DEFAULT_MESSAGE_TIMEOUT),
        tcp_timeout=_parse_int(path, "TCPTimeout", values.get("tcptimeout"), DEFAULT_TCP_TIMEOUT),
        slurm_user=values.get("slurmuser") or "root",
        raw=MappingProxyType(dict(values)),
    )


__all__ = ["SlurmConfig", "ControllerHost", "SlurmConfigError", "load_slurm_conf", "find_slurm_conf",
           "logical_lines", "split_pairs", "parse_port_range", "DEFAULT_SLURM_CONF"]
