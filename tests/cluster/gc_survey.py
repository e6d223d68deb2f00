"""Run the daemon as ``python -m slurmrestd`` does, and survey the cyclic garbage it makes.

    GC_SURVEY_OUT=OUT.json GC_SURVEY_WARMUP=S python tests/cluster/gc_survey.py [daemon arguments...]

(bench/soak.py ``--daemon-script`` runs it so.)  A test-only wrapper: no code in the daemon.
After ``GC_SURVEY_WARMUP`` seconds (default 15) (start-up, first
requests filling caches) a thread turns on ``gc.DEBUG_SAVEALL`` and, every second, collects
and counts what only the cyclic collector could free: by type, and for functions and frames
by their code's qualified name and file, so that a cycle can be traced to the code that
made it.  At exit the counts go to ``GC_SURVEY_OUT``.
"""

from __future__ import annotations

import atexit
import collections
import gc
import json
import os
import sys
import threading
import time
import types

out = os.environ.pop("GC_SURVEY_OUT")
warmup = float(os.environ.pop("GC_SURVEY_WARMUP", "15"))
counts: collections.Counter = collections.Counter()
where: collections.Counter = collections.Counter()
lock = threading.Lock()
state = {"surveying": False, "collections": 0}


def _name(obj) -> str | None:
    code = None
    if isinstance(obj, types.FunctionType):
        code = obj.__code__
    elif isinstance(obj, types.FrameType):
        code = obj.f_code
    if code is None:
        return None
    return "%s (%s)" % (getattr(code, "co_qualname", code.co_name), os.path.relpath(code.co_filename))


def _sweep() -> None:
    gc.collect()
    with lock:
        state["collections"] += 1
        for obj in gc.garbage:
            counts[type(obj).__qualname__] += 1
            name = _name(obj)
            if name:
                where[name] += 1
        del gc.garbage[:]


def _survey() -> None:
    time.sleep(warmup)
    gc.collect()
    del gc.garbage[:]
    gc.set_debug(gc.DEBUG_SAVEALL)
    state["surveying"] = True
    while True:
        time.sleep(1.0)
        _sweep()


def _write() -> None:
    if state["surveying"]:
        _sweep()
    with open(out, "w") as fh:
        json.dump({"surveying": state["surveying"], "collections": state["collections"],
                   "types": dict(counts), "code": dict(where)}, fh, indent=1, sort_keys=True)


atexit.register(_write)
threading.Thread(target=_survey, daemon=True, name="gc-survey").start()

from slurmrestd.entry import main  # noqa: E402

sys.exit(main())
