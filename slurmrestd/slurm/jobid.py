"""The job id grammar of libslurm: ``unfmt_job_id_string`` and
``fmt_job_id_string`` (``src/common/slurm_protocol_defs.c``).

Texts: ``"123"``, ``"123_4"``, ``"123_[1-3,7]"``, ``"123+1"``, ``"123.0"``,
``"123.batch"``, ``"123.0+1"``, a SLUID ``"s965M80PNPG400"`` or ``"<sluid>.<step>"``.
A parsed id is a ``slurm_selected_step_t`` dict::

    {"step_id": {"sluid", "job_id", "step_id", "step_het_comp"},
     "array_task_id", "het_job_offset", "array_bitmap"}

``array_bitmap`` is None or the sorted task indexes of ``"_[...]"``.  Errors
raise :class:`JobIdError` carrying the libslurm errno.

Two choices differ from the C function on purpose:

* a text with no leading digits (``"abc"``) is ``ESLURM_INVALID_JOB_ID_NON_NUMERIC``
  (C checks for zero first, so ``strtol`` failing reads as ``..._ZERO``);
* ``max_array_size=None`` (the default) accepts ``"_[...]"`` without an upper
  bound on task ids; C refuses the bracket form when it is given ``NO_VAL``;
* inside ``"_[...]"`` every comma-separated item must start with a number:
  ``"_[]"``, ``"_[,]"`` and ``"_[1,,2]"`` are refused, where C reads an empty
  item as task 0 or skips it.
"""

from __future__ import annotations

import re
from typing import Iterable

from slurmrestd.errors import E
from slurmrestd.slurm.defs import (MAX_FED_JOB_ID, MAX_HET_JOB_COMPONENTS, SLURM_BATCH_SCRIPT,
                                   SLURM_EXTERN_CONT, SLURM_INTERACTIVE_STEP, SLURM_MAX_NORMAL_STEP_ID,
                                   SLURM_PENDING_STEP)
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.slurm.sluid import SLUID_STR_LEN, print_sluid, str2sluid

#: slurm_errno.h entries that slurm_errtab[] lacks (so ``E`` does not name them).
ESLURM_INVALID_HET_JOB_AND_ARRAY = 2145
ESLURM_INVALID_HET_JOB_COMP_NON_NUMERIC = 2149

#: ``step_names[]``: printed names of the special step ids, in the C table's order.
STEP_NAMES: tuple[tuple[str, int], ...] = (
    ("TBD", SLURM_PENDING_STEP),
    ("extern", SLURM_EXTERN_CONT),
    ("batch", SLURM_BATCH_SCRIPT),
    ("interactive", SLURM_INTERACTIVE_STEP),
)

_LONG_MAX = (1 << 63) - 1
_LONG_MIN = -(1 << 63)
_STRTOL = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+)")


class JobIdError(ValueError):
    """A job id text or selected step that libslurm refuses; ``errno`` says why."""

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = int(errno)


def step_id_init() -> dict:
    """``SLURM_STEP_ID_INITIALIZER``."""
    return {"sluid": 0, "job_id": NO_VAL, "step_id": NO_VAL, "step_het_comp": NO_VAL}


def selected_step_init() -> dict:
    """``slurm_selected_step_t`` as ``unfmt_job_id_string`` resets it."""
    return {"step_id": step_id_init(), "array_task_id": NO_VAL, "het_job_offset": NO_VAL,
            "array_bitmap": None}


def _strtol(s: str, pos: int) -> tuple[int, int]:
    """``strtol(s + pos, &end, 10)``: (value, end); (0, pos) when no digits."""
    m = _STRTOL.match(s, pos)
    if not m:
        return 0, pos
    return max(_LONG_MIN, min(_LONG_MAX, int(m.group(1)))), m.end()


def _array_tok(tok: str, out: set, limit: int | None) -> bool:
    """``slurm_parse_array_tok``: ``"[a"``, ``"a-b]"``, ``"a-b:s"`` (optionally ``%n``)."""
    start = 1 if tok.startswith("[") else 0
    step = 1
    first, pos = _strtol(tok, start)
    if pos == start:
        return False  # C reads a missing number as 0; we refuse it (see the module docstring)
    if tok.startswith("]", pos):
        pos += 1
    if first < 0:
        return False
    rest = tok[pos:pos + 1]
    if rest == "-":
        last, pos = _strtol(tok, pos + 1)
        if tok.startswith("]", pos):
            pos += 1
        if tok.startswith(":", pos):
            step, pos = _strtol(tok, pos + 1)
            if tok.startswith("]", pos):
                pos += 1
            if tok[pos:pos + 1] not in ("", "%"):
                return False
            if step <= 0 or (limit is not None and step >= limit):
                return False
        elif tok[pos:pos + 1] not in ("", "%"):
            return False
        if last < first:
            return False
    elif rest not in ("", "%"):
        return False
    else:
        last = first
    if limit is not None and last >= limit:
        return False
    out.update(range(first, last + 1, step))
    return True


def _array_indexes(expr: str, limit: int | None) -> list[int] | None:
    """``slurm_array_str2bitmap`` over ``"[1-3,7]"``: sorted indexes, or None if invalid/empty."""
    out: set = set()
    for tok in expr.split(","):
        if not _array_tok(tok, out, limit):
            return None
    return sorted(out) or None


def _unfmt_step(s: str, pos: int) -> tuple[int, int]:
    """``_unfmt_step_id_str``: a step number or name at ``pos`` → (step id, end)."""
    if pos >= len(s):
        raise JobIdError(E.ESLURM_EMPTY_STEP_ID)
    step, end = _strtol(s, pos)
    if end == pos:
        for name, num in STEP_NAMES:
            if s[pos:pos + len(name)].lower() == name.lower():
                return num, pos + len(name)
        raise JobIdError(E.ESLURM_INVALID_STEP_ID_NON_NUMERIC)
    if step < 0:
        raise JobIdError(E.ESLURM_INVALID_STEP_ID_NEGATIVE)
    if step >= SLURM_MAX_NORMAL_STEP_ID:
        raise JobIdError(E.ESLURM_INVALID_STEP_ID_TOO_LARGE)
    return step, end


def unfmt_job_id_string(src: str, max_array_size: int | None = None) -> dict:
    """``unfmt_job_id_string``: text → selected step dict (see the module docstring)."""
    sel = selected_step_init()
    sid = sel["step_id"]
    if not src:
        raise JobIdError(E.ESLURM_EMPTY_JOB_ID)
    n = len(src)
    if src[0] == "s":
        if n > SLUID_STR_LEN and src[SLUID_STR_LEN] != ".":
            raise JobIdError(E.ESLURM_INVALID_SLUID)
        sluid = str2sluid(src[:SLUID_STR_LEN])
        if not sluid:
            raise JobIdError(E.ESLURM_INVALID_SLUID)
        if n > SLUID_STR_LEN:
            sid["step_id"], end = _unfmt_step(src, SLUID_STR_LEN + 1)
            if end != n:
                raise JobIdError(E.ESLURM_INVALID_STEP_ID_NON_NUMERIC)
        sid["sluid"] = sluid
        return sel

    job, end = _strtol(src, 0)
    if end == 0:
        raise JobIdError(E.ESLURM_INVALID_JOB_ID_NON_NUMERIC)
    if job == 0:
        raise JobIdError(E.ESLURM_INVALID_JOB_ID_ZERO)
    if job < 0:
        raise JobIdError(E.ESLURM_INVALID_JOB_ID_NEGATIVE)
    if job >= MAX_FED_JOB_ID:
        raise JobIdError(E.ESLURM_INVALID_JOB_ID_TOO_LARGE)
    sid["job_id"] = job

    if src.startswith("_[", end):
        if max_array_size is not None and max_array_size in (0, NO_VAL):
            raise JobIdError(E.ESLURM_INVALID_JOB_ID_NON_NUMERIC)
        close = src.find("]", end + 2)
        if close != n - 1:
            raise JobIdError(E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC)
        indexes = _array_indexes(src[end + 1:], max_array_size)
        if indexes is None:
            raise JobIdError(E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC)
        sel["array_bitmap"] = indexes
        return sel
    if src.startswith("_", end):
        if end + 1 == n:
            raise JobIdError(E.ESLURM_EMPTY_JOB_ARRAY_ID)
        task, tend = _strtol(src, end + 1)
        if task < 0:
            raise JobIdError(E.ESLURM_INVALID_JOB_ARRAY_ID_NEGATIVE)
        if task == _LONG_MAX:
            raise JobIdError(E.ESLURM_INVALID_JOB_ARRAY_ID_TOO_LARGE)
        if tend == end + 1:
            raise JobIdError(E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC)
        sel["array_task_id"] = task & 0xFFFFFFFF  # stored in a uint32_t
        end = tend

    if src.startswith("+", end):
        if sel["array_task_id"] != NO_VAL:
            raise JobIdError(ESLURM_INVALID_HET_JOB_AND_ARRAY)
        if end + 1 == n:
            raise JobIdError(E.ESLURM_EMPTY_HET_JOB_COMP)
        het, hend = _strtol(src, end + 1)
        if het < 0:
            raise JobIdError(E.ESLURM_INVALID_HET_JOB_COMP_NEGATIVE)
        if het > MAX_HET_JOB_COMPONENTS:
            raise JobIdError(E.ESLURM_INVALID_HET_JOB_COMP_TOO_LARGE)
        if hend == end + 1:
            raise JobIdError(ESLURM_INVALID_HET_JOB_COMP_NON_NUMERIC)
        sel["het_job_offset"] = het
        end = hend
        if src.startswith("_", end):
            raise JobIdError(ESLURM_INVALID_HET_JOB_AND_ARRAY)

    if end == n:
        return sel
    if src[end] != ".":
        raise JobIdError(E.ESLURM_INVALID_JOB_ID_NON_NUMERIC)
    sid["step_id"], end = _unfmt_step(src, end + 1)
    if end == n:
        return sel
    if src[end] != "+":
        raise JobIdError(E.ESLURM_INVALID_STEP_ID_NON_NUMERIC)
    if sel["het_job_offset"] != NO_VAL:
        raise JobIdError(E.ESLURM_INVALID_HET_STEP_JOB)
    end += 1
    if end == n:
        return sel
    comp, cend = _strtol(src, end)
    if cend == end:
        raise JobIdError(E.ESLURM_EMPTY_HET_STEP)
    if comp == 0:
        raise JobIdError(E.ESLURM_INVALID_HET_STEP_ZERO)
    if comp < 0:
        raise JobIdError(E.ESLURM_INVALID_HET_STEP_NEGATIVE)
    if comp >= MAX_HET_JOB_COMPONENTS:
        raise JobIdError(E.ESLURM_INVALID_HET_STEP_TOO_LARGE)
    if cend != n:
        raise JobIdError(E.ESLURM_INVALID_HET_STEP_NON_NUMERIC)
    sid["step_het_comp"] = comp
    return sel


def fmt_ranges(indexes: Iterable[int]) -> str:
    """``bit_fmt_full``: sorted indexes → ``"1-3,7"``."""
    parts: list[list[int]] = []
    for i in sorted(indexes):
        if parts and parts[-1][1] == i - 1:
            parts[-1][1] = i
        else:
            parts.append([i, i])
    return ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in parts)


def _bitmap_indexes(bitmap) -> list[int]:
    if bitmap is None:
        return []
    if hasattr(bitmap, "indexes"):  # a bitstr_t object (rpc.pack.Bitstr)
        return bitmap.indexes()
    return sorted(bitmap)


def fmt_job_id_string(sel: dict) -> str:
    """``fmt_job_id_string``: selected step dict → text; missing members count as unset.

    ``array_bitmap`` may be None, an iterable of task indexes or an object with
    ``indexes()``."""
    sid = sel.get("step_id") or {}
    job = sid.get("job_id", NO_VAL)
    sluid = sid.get("sluid", 0)
    if sluid and (job == NO_VAL or not job):
        return print_sluid(sluid)
    if job == NO_VAL:
        raise JobIdError(E.ESLURM_EMPTY_JOB_ID)
    out = "%u" % job
    task = sel.get("array_task_id", NO_VAL)
    het = sel.get("het_job_offset", NO_VAL)
    if task != NO_VAL and het != NO_VAL:
        raise JobIdError(ESLURM_INVALID_HET_JOB_AND_ARRAY)
    indexes = _bitmap_indexes(sel.get("array_bitmap"))
    if indexes:
        return out + "_[%s]" % fmt_ranges(indexes)
    if task != NO_VAL:
        out += "_%u" % task
    if het != NO_VAL:
        out += "+%u" % het
    step = sid.get("step_id", NO_VAL)
    comp = sid.get("step_het_comp", NO_VAL)
    if step == NO_VAL and comp != NO_VAL:
        raise JobIdError(E.ESLURM_EMPTY_STEP_ID)
    if step != NO_VAL:
        name = next((n for n, v in STEP_NAMES if v == step), None)
        out += ".%s" % name if name else ".%u" % step
        if comp != NO_VAL:
            out += "+%u" % comp
    return out
