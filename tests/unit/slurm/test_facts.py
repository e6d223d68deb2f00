"""slurmrestd.slurm: the hand-copied constants agree with the table generated
from the Slurm headers, and the package imports nothing above it."""

import ast
import pathlib

from slurmrestd.slurm import defs, sentinels
from slurmrestd.slurm.constants import VALUES

PACKAGE = pathlib.Path(defs.__file__).parent


def _public(mod):
    return {k: v for k, v in vars(mod).items() if k.isupper() and isinstance(v, int)}


def test_hand_copied_values_match_generated_table():
    checked = 0
    for mod in (defs, sentinels):
        for name, value in _public(mod).items():
            if name in VALUES:
                assert VALUES[name] == value, name
                checked += 1
    assert checked >= 12


def test_sentinels_defined_once():
    names = set(_public(sentinels))
    assert {"NO_VAL", "NO_VAL8", "NO_VAL16", "NO_VAL64", "INFINITE", "INFINITE64"} <= names
    for path in PACKAGE.parent.rglob("*.py"):
        if path.parent == PACKAGE or "decl" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        assert t.id not in names | {"SLURM_AUTH_NOBODY"}, f"{path}: {t.id} redefined"


def test_package_imports_only_errors_and_stdlib():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                if m.startswith("slurmrestd"):
                    # package_data: the stdlib-only reader of the shipped JSON tables
                    assert m in ("slurmrestd.errors", "slurmrestd.package_data") or m.startswith("slurmrestd.slurm"), \
                        f"{path.name}: {m}"
