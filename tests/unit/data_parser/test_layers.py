"""The data_parser package's own layering: no import cycle among its modules (imports
inside functions included), the engine imports no codec, every codec area is
registered, and every codec names a declared type."""

from __future__ import annotations

import ast
import os
import pkgutil

from slurmrestd import data_parser
from slurmrestd.data_parser import codecs
from slurmrestd.data_parser.registry import VERSIONS, get_registry

PACKAGE = "slurmrestd.data_parser"
ROOT = os.path.dirname(data_parser.__file__)


def _modules() -> dict[str, str]:
    """Module name -> file of every module of the package."""
    out = {PACKAGE: os.path.join(ROOT, "__init__.py")}
    for info in pkgutil.walk_packages([ROOT], PACKAGE + "."):
        spec = info.module_finder.find_spec(info.name.rsplit(".", 1)[-1])
        out[info.name] = spec.origin
    return out


def _imports(name: str, path: str, known: set) -> set:
    """The package's modules that ``name`` imports, anywhere in its file."""
    with open(path) as fh:
        tree = ast.parse(fh.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from pkg import mod" imports the module mod; "from mod import name" the module mod
            subs = ["%s.%s" % (node.module, a.name) for a in node.names]
            targets = [t for t in subs if t in known] or [node.module]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _graph() -> dict[str, set]:
    mods = _modules()
    return {name: _imports(name, path, set(mods)) for name, path in mods.items()}


def _cycle(graph: dict[str, set]):
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_no_import_cycle_inside_data_parser():
    graph = _graph()
    # the package __init__ is the public face: it may import anything below it, nothing imports it
    for name, deps in graph.items():
        assert PACKAGE not in deps, f"{name} imports the package __init__"
    graph.pop(PACKAGE)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_engine_and_plan_import_no_codec():
    graph = _graph()
    for name in (PACKAGE + ".engine", PACKAGE + ".plan", PACKAGE + ".flags", PACKAGE + ".plain"):
        assert not {d for d in graph[name] if d.startswith(PACKAGE + ".codecs")}, name


def test_every_codec_area_is_registered():
    areas = {m.__name__ for m in codecs.AREAS}
    modules = {PACKAGE + ".codecs." + info.name for info in pkgutil.iter_modules(codecs.__path__)}
    assert areas == modules - {PACKAGE + ".codecs.base"}
    for area in codecs.AREAS:
        assert area.CODECS.dump or area.CODECS.parse, area.__name__


def test_every_codec_names_a_declared_type():
    declared = set()
    for v in VERSIONS:
        declared.update(get_registry(v).types)
    assert not set(codecs.CODECS.dump) - declared
    assert not set(codecs.CODECS.parse) - declared


def test_codec_tables_are_read_only():
    reg = get_registry("v0.0.45")
    assert reg.codecs is codecs.CODECS
    try:
        codecs.CODECS.dump["STRING"] = None  # type: ignore[index]
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("codec table is writable")
