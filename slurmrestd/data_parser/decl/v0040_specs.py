"""Fixed schemas of data_parser v0.0.40 (Slurm 24.11).

In v0.0.40 a few types describe themselves instead of being derived from their
tables: the numbers that may be unset or infinite (an object with ``set``,
``infinite`` and ``number``), the statistics arrays of ``diag`` and the removed
placeholders.  Their shape (types, formats, defaults, even the odd default of
``infinite``) is what 24.11 serves; the descriptions are our own words.
"""
from __future__ import annotations


def _no_val(number: dict, infinite_default, what: str) -> dict:
    return {
        "type": "object",
        "description": what + " with set/infinite flags",
        "properties": {
            "set": {"type": "boolean", "description": "False when no value is set", "default": False},
            # 24.11 gives this boolean a numeric default; kept so generated clients match
            "infinite": {"type": "boolean", "description": "True for infinite (set and number are then ignored)",
                         "default": infinite_default},
            "number": dict(number, description="The value, when set is true"),
        },
    }


def _array_of_objects(what: str, item: str, props: dict) -> dict:
    return {"type": "array", "description": what,
            "items": {"type": "object", "description": item, "properties": props}}


def _int(fmt: str, desc: str) -> dict:
    return {"type": "integer", "format": fmt, "description": desc}


def _removed(otype: str) -> dict:
    body = {"properties": {}} if otype == "object" else {"items": {}}
    return {"type": otype, "description": "Placeholder of a removed field", **body, "deprecated": True}


_INTEGER = {"type": "integer", "format": "int64"}

SPECS: dict = {
    "UINT16_NO_VAL": _no_val(_INTEGER, 0, "Integer"),
    "UINT32_NO_VAL": _no_val(_INTEGER, 0, "Integer"),
    "UINT64_NO_VAL": _no_val(_INTEGER, 0, "Integer"),
    "INT64_NO_VAL": _no_val(_INTEGER, 0, "Integer"),
    "FLOAT64_NO_VAL": _no_val({"type": "number", "format": "double"}, 0.0, "Double precision number"),
    "ROLLUP_STATS": _array_of_objects("Rollup statistics", "One kind of rollup", {
        "type": {"type": "string", "description": "Kind of rollup", "enum": ["internal", "user", "unknown"]},
        "last run": _int("int32", "When it last ran (seconds since the epoch)"),
        "max_cycle": _int("int64", "Longest run (seconds)"),
        "total_time": _int("int64", "Time spent in all runs (seconds)"),
        "total_cycles": _int("int64", "Runs since the last one"),
        "mean_cycles": _int("int64", "Mean time of a run (seconds)"),
    }),
    "STATS_MSG_RPCS_BY_TYPE": _array_of_objects("RPCs per message type", "One message type", {
        "message_type": {"type": "string", "description": "Message type name"},
        "type_id": _int("int32", "Message type number"),
        "count": _int("int64", "RPCs received"),
        "average_time": _int("int64", "Mean processing time"),
        "total_time": _int("int64", "Total processing time"),
    }),
    "STATS_MSG_RPCS_BY_USER": _array_of_objects("RPCs per user", "One user", {
        "user": {"type": "string", "description": "User name"},
        "user_id": _int("int32", "User id"),
        "count": _int("int64", "RPCs received"),
        "average_time": _int("int64", "Mean processing time"),
        "total_time": _int("int64", "Total processing time"),
    }),
    "JOB_RES_NODES": {"type": "array", "description": "Resources per allocated node", "items": {}},
    "EXT_SENSORS_DATA": _removed("object"),
    "POWER_FLAGS": _removed("array"),
    "POWER_MGMT_DATA": _removed("object"),
}
