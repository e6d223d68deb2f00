"""Find reference cycles a piece of code leaves behind.

The daemon raises the collector's thresholds (``Settings.gc_threshold``) and freezes
its start-up objects, so garbage that only the cyclic collector can free lives for
tens of seconds and shows up as RSS growth under load.  Request paths must free
everything by reference counting alone; ``cyclic_garbage`` checks one.
"""

from __future__ import annotations

import gc
from collections import Counter
from typing import Callable


def cyclic_garbage(fn: Callable[[], object], rounds: int = 3) -> dict[str, int]:
    """Run ``fn`` ``rounds`` times with the collector off; count, by type, what only it could free.

    An empty dict means ``fn`` left no cycle behind.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    old_flags = gc.get_debug()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        del gc.garbage[:]
        for _ in range(rounds):
            fn()
        gc.collect()
        found = Counter(type(o).__qualname__ for o in gc.garbage)
        del gc.garbage[:]
        return dict(found)
    finally:
        gc.set_debug(old_flags)
        if was_enabled:
            gc.enable()
