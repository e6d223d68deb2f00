"""The JSON tables shipped in ``slurmrestd/resources/`` (error table, message types, constants).

Read straight from the installed files next to this module: ``importlib.resources`` costs
more to import (about 12 ms: pathlib, zip support) than the tables take to read, and every
process reads them at start-up.
"""

from __future__ import annotations

import json
import os

RESOURCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources")


def load_json(name: str):
    """The parsed contents of ``slurmrestd/resources/NAME``."""
    with open(os.path.join(RESOURCE_DIR, name), "rb") as fh:
        return json.load(fh)
