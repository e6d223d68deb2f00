"""The package layering: the data parser and the RPC code do not import each other,
and neither imports the operations above them (imports inside functions included)."""

import ast
import pathlib

import pytest

import slurmrestd

ROOT = pathlib.Path(slurmrestd.__file__).parent

#: package -> the packages it must not import
FORBIDDEN = {
    "data_parser": ("slurmrestd.rpc", "slurmrestd.operations"),
    "rpc": ("slurmrestd.data_parser", "slurmrestd.operations"),
}


def _imports(path: pathlib.Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_layers(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, mod in _imports(path):
            if any(mod == f or mod.startswith(f + ".") for f in FORBIDDEN[package]):
                bad.append("%s:%d imports %s" % (path.relative_to(ROOT), line, mod))
    assert bad == []
