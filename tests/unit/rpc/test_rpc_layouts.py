"""rpc.layouts: one Layout decodes what it encodes, for every declared layout
and protocol version; field rules (when, count, dotted, _was_) both ways."""

import pytest

from slurmrestd.rpc.ctld import layouts as ctld_layouts
from slurmrestd.rpc.ctld.jobs import layouts as job_layouts
from slurmrestd.rpc.dbd import conds as dbd_conds, jobs as dbd_jobs
from slurmrestd.rpc.layouts import F, Layout, kind, nest
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, V24_11, V26_05

SAMPLES = {
    "u8": 7, "bool": True, "u16": 0x1234, "u32": 0x12345678, "u64": 1 << 40, "time": 1_700_000_000,
    "double": 1.5, "float": 2.5, "longdouble": 3.25,
    "str": "text", "str_array": ["a", "b"], "u16_array": [1, 2], "u32_array": [3, 4], "u64_array": [5, 6],
    "double_array": [0.5], "longdouble_array": [0.25], "bitstr": Bitstr(10, 0b101),
    "key_pairs": [{"name": "k", "value": "v"}],
    "plugin_params": [{"name": "p", "key_pairs": [{"name": "k", "value": None}]}],
    "job_defaults": [{"type": 1, "value": 2}],
    "u16_pair": [6817, 6818],
    "str_list": ["x", None],
    "step_id": {"sluid": 9, "job_id": 10, "step_id": 11, "step_het_comp": 12},
    "cron_entry": {"flags": 1, "minute": Bitstr(60, 1), "hour": Bitstr(24, 2), "day_of_month": None,
                   "month": Bitstr(12, 4), "day_of_week": None, "cronspec": "0 * * * *",
                   "line_start": 3, "line_end": 4},
}

LAYOUTS = [obj for mod in (ctld_layouts, job_layouts, dbd_conds, dbd_jobs) for obj in vars(mod).values()
           if isinstance(obj, Layout)]


def _sample(layout, version):
    d = {}
    for f in layout.fields:
        if not f.applies(version) or f.name.startswith("_was_"):
            continue
        parts = f.name.split(".")
        cur = d
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = SAMPLES[f.kind]
    return d


def test_every_kind_in_use_has_a_sample():
    assert {f.kind for lay in LAYOUTS for f in lay.fields} <= set(SAMPLES)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=hex)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.name)
def test_decode_reads_what_encode_writes(layout, version):
    want = _sample(layout, version)
    body = layout.encode(Packer(), want, version).getvalue()
    u = Unpacker(body)
    got = layout.decode(u, version)
    u.expect_end()
    for f in layout.fields:
        if f.count and f.applies(version):
            assert got.pop(f.count) == len(SAMPLES[f.kind])
    assert nest(got) == {k: v for k, v in want.items() if not k.startswith("_")}


SMALL = Layout("small_t", (
    F("id.job_id", "u32"),
    F("_was_old", "str", until=V24_11),
    F("present", "bool"),
    F("extra", "u16", when="present"),
    F("names", "str_array", count="name_cnt"),
))


def test_when_and_was_both_ways():
    body = SMALL.encode(Packer(), {"id": {"job_id": 5}, "present": False, "names": ["x"]}, V24_11).getvalue()
    # u32 5, NULL string for the dead field, bool 0, no u16, count 1 + "x"
    assert body == bytes.fromhex("00000005" "00000000" "00" "00000001" "00000002" "7800")
    got = SMALL.decode(Unpacker(body), V24_11)
    assert got == {"id.job_id": 5, "present": False, "extra": None, "names": ["x"], "name_cnt": 1}
    assert SMALL.names(V24_11) == ["id.job_id", "present", "extra", "names"]
    assert SMALL.names(V26_05) == ["id.job_id", "present", "extra", "names"]


def test_encode_names_the_missing_or_bad_member():
    with pytest.raises(ValueError, match=r"small_t\.id\.job_id: no value given"):
        SMALL.encode(Packer(), {"present": True, "extra": 1, "names": []}, V26_05)
    with pytest.raises(ValueError, match=r"small_t\.extra = 'x'"):
        SMALL.encode(Packer(), {"id": {"job_id": 1}, "present": True, "extra": "x", "names": []}, V26_05)


def test_unknown_kind_fails_at_declaration():
    with pytest.raises(ValueError, match="unknown field kind"):
        Layout("bad_t", (F("x", "u33"),))
    with pytest.raises(ValueError):
        kind("_need")  # Unpacker internals are not kinds


def test_zeros_are_the_unset_values():
    assert SMALL.zeros() == {"present": 0, "extra": 0, "names": None}
    z = job_layouts.JOB_DESC.zeros()
    assert z["name"] is None and z["crontab_entry"] is None and z["time_limit"] == 0
    assert "step_id.job_id" not in z
