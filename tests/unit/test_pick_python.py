"""``scripts/pick_python.sh``: the interpreter ``make venv`` builds on."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "pick_python.sh")


def _pick(env=None) -> str:
    out = subprocess.run(["bash", SCRIPT], capture_output=True, text=True, check=True, env=env)
    assert out.stderr == ""
    return out.stdout.strip()


def test_the_pick_is_a_python_that_can_make_the_venv():
    py = _pick()
    out = subprocess.run([py, "-c", "import sys, venv, ensurepip; print(sys.version_info[:2] >= (3, 11))"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_distributions_interpreter_comes_first_when_it_can():
    system = "/usr/bin/python3"
    usable = os.access(system, os.X_OK) and subprocess.run(
        [system, "-c", "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"],
        capture_output=True).returncode == 0
    expected = system if usable else "python3"
    # whatever PATH says: a python3 earlier on it (a pyenv shim, say) does not win over it
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    assert _pick(env) == expected
