"""SLUIDs: Slurm's 64-bit unique job ids (25.11+) and their printed form.

The printed form is ``s`` followed by 13 Crockford base-32 digits (5 bits each,
most significant first); reading accepts lower case and the usual look-alikes
(``O`` for 0, ``I``/``L`` for 1).  0 means "no SLUID".
"""

from __future__ import annotations

CB32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Length of the printed form ("s" + 13 digits).
SLUID_STR_LEN = 14
_LOOKALIKES = {"O": 0, "I": 1, "L": 1}


#: Every pair of digits (10 bits), so that printing takes 7 lookups instead of 13.
_PAIRS = tuple(a + b for a in CB32 for b in CB32)


def print_sluid(v: int) -> str:
    p = _PAIRS
    return "s" + CB32[(v >> 60) & 0x1F] + p[(v >> 50) & 0x3FF] + p[(v >> 40) & 0x3FF] + p[(v >> 30) & 0x3FF] \
        + p[(v >> 20) & 0x3FF] + p[(v >> 10) & 0x3FF] + p[v & 0x3FF]


def str2sluid(s: str) -> int:
    """The SLUID a printed form stands for, or 0 when it is not one."""
    if not s or len(s) != SLUID_STR_LEN or s[0] not in "sS":
        return 0
    out = 0
    for i, c in enumerate(s[1:].upper()):
        idx = CB32.find(c)
        if idx < 0:
            idx = _LOOKALIKES.get(c, -1)
            if idx < 0:
                return 0
        out |= idx << (5 * (12 - i))
    return out & 0xFFFFFFFFFFFFFFFF
