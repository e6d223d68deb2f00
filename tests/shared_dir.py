"""Where the read-only reference material (``shared/``) is: beside the project checkout."""

import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = [
    os.environ.get("SLURMRESTD_SHARED", ""),
    os.path.join(_HERE, "..", "..", "shared"),
    "/work/shared",
]
SHARED = next((os.path.normpath(p) for p in _CANDIDATES if p and os.path.isdir(p)), _CANDIDATES[1])
REFERENCE = os.path.join(SHARED, "reference")
