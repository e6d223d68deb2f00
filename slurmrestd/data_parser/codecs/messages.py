"""slurmctld messages as lists of their records, licenses, and the few node fields that
have a codec (the rest of nodes and partitions: :mod:`.nodes`, :mod:`.partitions`)."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet, sub
from slurmrestd.data_parser.members import member

CODECS = CodecSet()


@CODECS.dumper("LICENSES")
def _dump_licenses(d, t, value):
    """license_info_msg_t: ``{"lic_array": [...], "num_lic": n}`` or directly a list.

    No license at all: ``[]`` and the warning "Zero licenses to dump" (every version)."""
    if isinstance(value, dict):
        items = value.get("lic_array") or []
        count = value.get("num_lic", len(items))
        items = items[:count] if count is not None else items
    else:
        items = list(value or ())
    if not items:
        d.ctx.warn("", "Zero licenses to dump")
        return []
    lic = d.reg["LICENSE"]
    return [d.dump(lic, x, None) for x in items]


#: messages whose empty (or missing) list comes with a warning, in every version
_ZERO_WARNINGS = {"JOB_INFO_MSG": "Zero jobs to dump", "STEP_INFO_MSG": "Zero steps to dump"}


def _array_dumper(array_member, item_type):
    def fn(d, t, msg):
        items = msg if isinstance(msg, list) else member(msg, array_member)
        if not items and t.name in _ZERO_WARNINGS:
            d.ctx.warn("", _ZERO_WARNINGS[t.name])
        item = d.reg[item_type]
        return [d.dump(item, x, None) for x in (items or ())]
    return fn


#: messages dumped as the list of their records: type -> (array member, record type)
_ARRAYS = {
    "JOB_INFO_MSG": ("job_array", "JOB_INFO"),
    "PARTITION_INFO_MSG": ("partition_array", "PARTITION_INFO"),
    "RESERVATION_INFO_MSG": ("reservation_array", "RESERVATION_INFO"),
    "STEP_INFO_MSG": ("job_steps", "STEP_INFO"),
    "JOB_STATE_RESP_MSG": ("jobs", "JOB_STATE_RESP_JOB"),
    "KILL_JOBS_RESP_MSG": ("job_responses", "KILL_JOBS_RESP_JOB"),
    # per node allocation: precomputed JOB_RES_NODE dicts (core bitmaps are not decoded here)
    "JOB_RES_NODES": ("allocation", "JOB_RES_NODE"),
}
CODECS.add_dumps(_array_dumper, _ARRAYS)


@CODECS.dumper("NODE_SELECT_ALLOC_IDLE_CPUS")
def _dump_idle_cpus(d, t, node):
    return int(member(node, "cpus", 0)) - int(member(node, "alloc_cpus", 0))


@CODECS.dumper("NODE_SELECT_TRES_WEIGHTED")
def _dump_tres_weighted(d, t, node):
    return float(member(node, "alloc_tres_weighted", 0.0))


@CODECS.dumper("H_RESOURCES_AS_LICENSE_LIST")
def _dump_hres(d, t, value):
    return sub(d, "H_RESOURCE_LIST", value or [])
