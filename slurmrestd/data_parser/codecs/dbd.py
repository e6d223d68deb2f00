"""slurmdb leaf codecs: RPC names, association ids and QOS filters as slurmdbd reads them.

* ``SLURMDB_RPC_ID``: a slurmdbd message type by the name slurmdbd itself
  gives it (``slurmdbd_msg_type_2_str(type, 1)``: ``DBD_GET_QOS``,
  ``SLURM_PERSIST_INIT``, ``MsgType=1433``).
* ``ASSOC_ID`` in v0.0.42: that data parser only dumps an association's id
  when it found the association in a loaded association list, which none of
  the slurmdb dumps load; so every id is dumped as 0 (null in complex mode).
  v0.0.43 and later dump the id itself.
* ``QOS_ID_STRING_CSV_LIST`` (the ``id`` filter of QOS, the QOS filters of
  associations): names and ids resolved with the QOS table; a value that is
  neither a known QOS nor a number is an error naming it, instead of reaching
  slurmdbd (which fails the whole query with an SQL error, a 500).
"""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.context import data_type_name, with_index
from slurmrestd.data_parser.members import get_member
from slurmrestd.data_parser.plain import to_int
from slurmrestd.data_parser.versions import not_newer_than
from slurmrestd.errors import E
from slurmrestd.slurm.dbd_msg_types import dbd_msg_type_name
from slurmrestd.slurm.sentinels import INFINITE, NO_VAL

CODECS = CodecSet()
dumper, parser = CODECS.dumper, CODECS.parser


@dumper("SLURMDB_RPC_ID")
def _dump_slurmdb_rpc_id(d, t, value):
    if isinstance(value, str):
        return value
    return dbd_msg_type_name(int(value or 0))


def _assoc_matches(a: dict, b: dict) -> bool:
    return all((a.get(k) or "") == (b.get(k) or "") for k in ("acct", "cluster", "partition", "user"))


@dumper("ASSOC_ID")
def _dump_assoc_id(d, t, assoc):
    ident = get_member(assoc, "id") or 0
    if not not_newer_than(d.ctx.version, "v0.0.42"):
        return int(ident)
    found = 0
    table = getattr(d.ctx, "assoc", None)  # only set when a caller loaded the associations
    if ident and ident < NO_VAL and table:
        match = next((r for r in table if _assoc_matches(r, assoc)), None)
        found = int(match.get("id") or 0) if match else 0
    if not found and d.ctx.complex_mode:
        return None
    return found


@parser("QOS_ID_STRING_CSV_LIST")
def _parse_qos_id_string_csv(p, t, data, path):
    """CSV (or list) of QOS names or ids → ids as strings (``QOS_ID_STRING``):
    a known QOS by name or id gives its id; an unknown number is passed on as
    is (it may name a QOS created in the same request); anything else is an error."""
    if data is None:
        return []
    if isinstance(data, list):
        seq = data
    elif isinstance(data, (str, int)) and not isinstance(data, bool):
        seq = [x for x in str(data).split(",") if x]
    else:
        p.error(E.ESLURM_DATA_EXPECTED_LIST, path,
                "Expected a list or a comma separated string of QOS but got %s" % data_type_name(data))
    table = p.ctx.need("QOS") or []
    out = []
    for i, item in enumerate(seq):
        key = item.get("id", item.get("name")) if isinstance(item, dict) else item
        n = to_int(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else None
        q = next((q for q in table if (n is not None and q.get("id") == n)
                  or (isinstance(key, str) and q.get("name") == key)), None)
        if q is not None:
            out.append(str(q["id"]))
        elif n is not None and 0 <= n <= INFINITE:
            out.append(str(n))
        else:
            p.error(E.ESLURM_DATA_CONV_FAILED, with_index(path, i) if isinstance(data, list) else path,
                    "Unable to resolve QOS: %s" % (key if isinstance(key, (str, int)) else data_type_name(key)))
    return out
