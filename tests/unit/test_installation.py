"""``installation.readable_by_everyone``: whether a user switch must import every module ahead."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from slurmrestd import installation


@pytest.fixture
def tmp_path():
    """A directory every user can reach (pytest's own tmp_path sits below a 0700 directory)."""
    path = tempfile.mkdtemp(prefix="slurmrestd-installation-")
    os.chmod(path, 0o755)
    yield Path(path)
    shutil.rmtree(path)


def _tree(tmp_path):
    root = tmp_path / "inst"
    pkg = root / "pkg" / "sub"
    pkg.mkdir(parents=True)
    (pkg / "mod.py").write_text("x = 1\n")
    for p in (tmp_path, root, root / "pkg", pkg):
        os.chmod(p, 0o755)
    os.chmod(pkg / "mod.py", 0o644)
    return root, root / "pkg"


def test_world_readable_installation(tmp_path):
    root, pkg = _tree(tmp_path)
    assert installation.readable_by_everyone([str(root)], str(pkg))


def test_private_checkout_above_the_root(tmp_path):
    root, pkg = _tree(tmp_path)
    os.chmod(root, 0o700)  # the 0700 checkout: nothing below is reachable for others
    assert not installation.readable_by_everyone([str(pkg)], str(pkg))


def test_private_file_or_directory_in_the_package(tmp_path):
    root, pkg = _tree(tmp_path)
    os.chmod(pkg / "sub" / "mod.py", 0o600)
    assert not installation.readable_by_everyone([str(root)], str(pkg))
    os.chmod(pkg / "sub" / "mod.py", 0o644)
    os.chmod(pkg / "sub", 0o711)  # searchable, not listable: the import system lists it
    assert not installation.readable_by_everyone([str(root)], str(pkg))


def test_missing_root_is_not_readable(tmp_path):
    assert not installation.readable_by_everyone([str(tmp_path / "nowhere")], str(tmp_path))


def test_lazy_roots_name_this_package_and_the_standard_library():
    roots = installation.lazy_roots()
    assert installation.package_root() in roots
    assert os.path.dirname(os.path.abspath(os.__file__)) in roots
