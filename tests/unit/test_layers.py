"""The package's import graph: no cycles, and no import that runs back up the layers.

The layers are the README's layout table, top (may import everything below it) to
bottom (imports only the standard library).  A module belongs to the first layer
whose prefix names it.  Imports are read from the source (function-level imports
included, ``if TYPE_CHECKING:`` blocks excluded), so a lazy import that hides a
cycle is still a cycle.
"""

from __future__ import annotations

import ast
import pathlib

import slurmrestd

PKG = pathlib.Path(slurmrestd.__file__).parent

#: Top to bottom.  Each row: (layer name, module prefixes).  A module may import
#: modules of its own layer or of any layer below it, never above.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entry", ("slurmrestd.__main__", "slurmrestd.entry", "slurmrestd.cli", "slurmrestd.warmstart")),
    ("composition", ("slurmrestd.daemon",)),
    ("operations", ("slurmrestd.operations", "slurmrestd.site", "slurmrestd.metrics", "slurmrestd.readiness",
                    "slurmrestd.offload")),
    ("edge", ("slurmrestd.auth", "slurmrestd.openapi", "slurmrestd.serializers", "slurmrestd.security")),
    ("http", ("slurmrestd.http",)),
    ("conmgr", ("slurmrestd.conmgr",)),
    ("settings", ("slurmrestd.settings", "slurmrestd.cache", "slurmrestd.log")),
    ("data_parser", ("slurmrestd.data_parser",)),
    ("rpc", ("slurmrestd.rpc",)),
    ("facts", ("slurmrestd.slurm",)),
    ("base", ("slurmrestd.errors", "slurmrestd.options", "slurmrestd")),
)

#: Sibling layers that must not know each other although neither is above the other.
INDEPENDENT = (("data_parser", "rpc"),)


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or \
        (isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(name: str, path: pathlib.Path, known: dict) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for c in child.orelse:
                    visit(c)
                continue
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("slurmrestd"):
                        found.add(a.name)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                if not mod.startswith("slurmrestd"):
                    continue
                subs = [mod + "." + a.name for a in child.names if mod + "." + a.name in known]
                if subs:
                    found.update(subs)
                if len(subs) < len(child.names):
                    found.add(mod)
            visit(child)

    visit(tree)
    found.discard(name)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def layer_of(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (rank, len(p))
    assert best is not None, module
    return best[0]


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strong(v)
    return out


def _is_package_init_edge(a: str, b: str) -> bool:
    """A package's __init__ importing its own submodules (and them importing the
    package for its public names) is how a package exposes its API, not a cycle."""
    return b.startswith(a + ".")


def test_no_import_cycles():
    g = graph()
    pruned = {a: {b for b in bs if not _is_package_init_edge(a, b)} for a, bs in g.items()}
    assert _cycles(pruned) == []


def test_no_import_runs_up_the_layers():
    bad = []
    for a, bs in graph().items():
        for b in bs:
            if layer_of(b) < layer_of(a):
                bad.append("%s (%s) imports %s (%s)" % (a, LAYERS[layer_of(a)][0], b, LAYERS[layer_of(b)][0]))
    assert bad == []


def test_independent_layers_do_not_import_each_other():
    names = [n for n, _ in LAYERS]
    bad = []
    for a, bs in graph().items():
        for b in bs:
            pair = (names[layer_of(a)], names[layer_of(b)])
            if pair in INDEPENDENT or pair[::-1] in INDEPENDENT:
                bad.append("%s imports %s" % (a, b))
    assert bad == []


#: docs/layout.md: modules stay under about this many lines, declarations (data) aside.
MAX_MODULE_LINES = 800


def test_modules_stay_small():
    big = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[:2] == ("data_parser", "decl"):
            continue
        n = len(path.read_text().splitlines())
        if n > MAX_MODULE_LINES:
            big[str(rel)] = n
    assert not big, "split these (docs/layout.md): %s" % big
