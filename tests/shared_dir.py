"""Where the read-only reference material (``shared/``) is.

``$SLURMRESTD_SHARED`` when set; otherwise the project's convention, ``shared``
beside the checkout (``../shared`` from the repository root).  A git worktree
kept deeper (``<dir>/wt/<name>``) finds the same directory by trying the
parents of the checkout in turn, nearest first; there is no fixed location.
"""

import os

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _find() -> str:
    env = os.environ.get("SLURMRESTD_SHARED", "")
    if env:
        return os.path.normpath(env)
    here = _ROOT
    while os.path.dirname(here) != here:
        here = os.path.dirname(here)
        if os.path.isdir(os.path.join(here, "shared", "reference")):
            return os.path.join(here, "shared")
    return os.path.normpath(os.path.join(_ROOT, "..", "shared"))


SHARED = _find()
REFERENCE = os.path.join(SHARED, "reference")
