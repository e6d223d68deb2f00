"""Slurm error numbers, their messages, and the HTTP status each one maps to.

The table of names, numbers and messages is Slurm's own (an interface fact: clients
see ``error_number`` and ``error`` in every response), shipped as package data.
Numbers below 1000 that are not in the table are C ``errno`` values and take the
C library's message, as ``slurm_strerror()`` does.
"""

from __future__ import annotations

import os
from enum import IntEnum

from slurmrestd.package_data import load_json


def _load_table() -> list[dict]:
    return load_json("slurm_errtab.json")


_TABLE = _load_table()

#: Every Slurm error name → number (``Errno.ESLURM_INVALID_JOB_ID == 2017``).
Errno = IntEnum("Errno", {e["name"]: e["number"] for e in _TABLE} | {"EPERM": 1, "ENOENT": 2, "EINVAL": 22})

_MESSAGES: dict[int, str] = {e["number"]: e["message"] for e in _TABLE}
_NAMES: dict[int, str] = {e["number"]: e["name"] for e in _TABLE}


def strerror(errno: int) -> str:
    """Slurm's message for ``errno`` (``slurm_strerror``)."""
    msg = _MESSAGES.get(errno)
    if msg is not None:
        return msg
    if 0 < errno < 1000:
        return os.strerror(errno)
    return "Unknown error %d" % errno if errno else "No error"


def errname(errno: int) -> str:
    """Slurm's symbolic name for ``errno``, or the number as text."""
    return _NAMES.get(errno, str(errno))


E = Errno  # short alias used throughout the code base

#: A MySQL error number slurmdbd passes through as its rc (no Slurm error has this number).
MYSQL_ER_INVALID_CHARACTER_STRING = 1300

# Errors with a fixed HTTP status; everything else follows the range rule in
# http_status_for().  The mapping is the reference daemon's (an interface fact).
_STATUS_BY_ERRNO: dict[int, int] = {
    E.SLURM_SUCCESS: 200,
    E.SLURM_NO_CHANGE_IN_DATA: 304,
    E.ESLURM_REST_EMPTY_RESULT: 204,
    E.ESLURM_REST_INVALID_QUERY: 422,
    E.ESLURM_REST_FAIL_PARSING: 400,
    E.ESLURM_REST_INVALID_JOBS_DESC: 400,
    E.ESLURM_DATA_UNKNOWN_MIME_TYPE: 415,
    E.ESLURM_INVALID_JOB_ID: 404,
    E.ESLURM_REST_UNKNOWN_URL: 404,
    E.ESLURM_URL_INVALID_PATH: 404,
    E.SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT: 502,
    E.SLURM_COMMUNICATIONS_CONNECTION_ERROR: 502,
    E.SLURM_COMMUNICATIONS_SEND_ERROR: 502,
    E.SLURM_COMMUNICATIONS_RECEIVE_ERROR: 502,
    E.SLURM_COMMUNICATIONS_SHUTDOWN_ERROR: 502,
    E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR: 502,
    E.SLURMCTLD_COMMUNICATIONS_SEND_ERROR: 502,
    E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR: 502,
    E.SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR: 502,
    E.SLURMCTLD_COMMUNICATIONS_BACKOFF: 502,
    E.ESLURM_DB_CONNECTION: 502,
    E.ESLURM_PROTOCOL_INCOMPLETE_PACKET: 502,
    E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT: 504,
    E.SLURM_PROTOCOL_AUTHENTICATION_ERROR: 511,
    E.ESLURM_HTTP_INVALID_CONTENT_LENGTH: 400,
    E.ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE: 413,
    E.ESLURM_HTTP_POST_MISSING_CONTENT_LENGTH: 411,
    E.ESLURM_HTTP_INVALID_CONTENT_ENCODING: 406,
    E.ESLURM_HTTP_UNSUPPORTED_EXPECT: 417,
    E.ESLURM_HTTP_UNSUPPORTED_KEEP_ALIVE: 406,
    E.ESLURM_HTTP_INVALID_METHOD: 405,
    E.ESLURM_HTTP_UNSUPPORTED_UPGRADE: 406,
    E.ESLURM_HTTP_INVALID_TRANSFER_ENCODING: 406,
    E.ESLURM_AUTH_CRED_INVALID: 401,
    E.ESLURM_AUTH_EXPIRED: 401,
    E.ESLURM_AUTH_SKIP: 401,
    E.ESLURM_REST_AUTH_FAIL: 401,
    E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN: 401,
    E.ESLURM_HTTP_UNEXPECTED_BODY: 400,
    E.ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE: 415,
    E.ESLURM_REST_UNKNOWN_URL_METHOD: 405,
    E.ESLURM_DATA_PATH_NOT_FOUND: 422,
    E.ESLURM_DATA_PARSE_BAD_INPUT: 422,
    E.EPERM: 403,
    E.ESLURM_REST_BAD_REQUEST: 400,
    # Ours, not the reference's (which answers 500): a singular query that matched several
    # records is the client's to narrow down (docs/compatibility.md).
    E.ESLURM_DATA_AMBIGUOUS_QUERY: 422,
    # slurmdbd passes MySQL's ER_INVALID_CHARACTER_STRING through when a string of the query
    # cannot be stored in its tables (a character outside the database's character set, such
    # as an emoji in a utf8mb3 database): the request's fault (the reference answers 500).
    MYSQL_ER_INVALID_CHARACTER_STRING: 422,
}


def http_status_for(errno: int) -> int:
    """The HTTP status the reference daemon answers for a Slurm error number.

    Controller and database refusals (2000–2185, 7000–7013) mean the request was
    well formed but cannot be applied: 422.  Anything unknown is a server error.
    """
    status = _STATUS_BY_ERRNO.get(errno)
    if status is not None:
        return status
    if E.ESLURM_INVALID_PARTITION_NAME <= errno <= E.ESLURM_INVALID_SLUID:
        return 422
    if E.ESLURM_DB_CONNECTION <= errno <= E.ESLURM_NO_RPC_STATS:
        return 422
    return 500


class SlurmError(Exception):
    """A failure that carries a Slurm error number.

    ``description`` is the human text for ``errors[].description``; ``source``
    names where it happened (a function name or a ``#/json/path``).
    """

    def __init__(self, errno: int, description: str | None = None, source: str = "") -> None:
        self.errno = int(errno)
        self.description = description if description is not None else strerror(self.errno)
        self.source = source
        super().__init__(self.description)

    @property
    def error(self) -> str:
        return strerror(self.errno)

    @property
    def http_status(self) -> int:
        return http_status_for(self.errno)

    def __repr__(self) -> str:
        return "SlurmError(%s, %r, %r)" % (errname(self.errno), self.description, self.source)


__all__ = ["Errno", "E", "SlurmError", "strerror", "errname", "http_status_for"]
