#!/usr/bin/env python3
"""Generate slurmrestd/resources/slurm_constants.json, which slurmrestd/slurm/constants.py
reads: numeric values of the C symbols that the flag tables of the declarations name.

The flag declarations (``Bit.value`` / ``Bit.mask``) keep the C expressions
(``JOB_STATE_BASE``, ``(SELECT_CPU | SELECT_MEMORY)``).  This tool reads the
Slurm headers of one release from the bare mirror, collects ``#define``s and
``enum`` members, evaluates every expression the declarations use and writes
a plain table ``{expression: int}`` so the RPC layer can hand over raw flag
integers.

Usage: tools/gen_constants.py [--repo DIR] [--tag TAG | --src TREE] [--old-src TREE] [--out FILE]

``--src`` reads an unpacked source tree (of the tag the table names) instead of the git
mirror; ``--old-src`` an unpacked Slurm 24.11 tree for the symbols that only the v0.0.40
and v0.0.41 flag tables name (26.05 no longer defines them; 26.05's values win everywhere
else).

The SchedMD slurm git repository (bare or checked out) is ``--repo DIR``, else
``$SLURM_GIT_MIRROR``, else ``../slurm`` beside the project checkout.  The
hand-copied constants of ``slurmrestd/slurm/defs.py`` are checked against this
table by the unit tests wherever both name the same symbol.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

#: Environment variable naming the SchedMD slurm git repository.
MIRROR_ENV = "SLURM_GIT_MIRROR"
#: Without --repo or $SLURM_GIT_MIRROR: ``../slurm`` beside the project checkout.
DEFAULT_REPO = os.path.join(ROOT, "..", "slurm")
TAG = "slurm-26-05-3-1"
OUT = os.path.join(ROOT, "slurmrestd", "resources", "slurm_constants.json")
MASK64 = (1 << 64) - 1

#: headers read first win over later ones when a name is defined twice
PREFERRED = ("slurm/slurm.h", "slurm/slurmdb.h", "slurm/slurm_errno.h")


def git(repo, *args) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def source_files(repo, tag):
    names = git(repo, "ls-tree", "-r", "--name-only", tag).split("\n")
    hdrs = [n for n in names if n.endswith(".h") and not n.startswith(("testsuite/", "contribs/"))]
    hdrs.sort(key=lambda n: (n not in PREFERRED, PREFERRED.index(n) if n in PREFERRED else 0, n))
    # data_parser plugin sources define a few local helpers too
    extra = [n for n in names if re.match(r"src/plugins/data_parser/v0\.0\.4\d/[^/]+\.c$", n)]
    return hdrs + extra


def tree_files(tree):
    """The same selection as source_files(), from an unpacked source tree."""
    names = []
    for d, _dirs, files in os.walk(tree):
        for f in files:
            names.append(os.path.relpath(os.path.join(d, f), tree))
    hdrs = [n for n in names if n.endswith(".h") and not n.startswith(("testsuite/", "contribs/"))]
    hdrs.sort(key=lambda n: (n not in PREFERRED, PREFERRED.index(n) if n in PREFERRED else 0, n))
    extra = sorted(n for n in names if re.match(r"src/plugins/data_parser/v0\.0\.4\d/[^/]+\.c$", n))
    return hdrs + extra


def read_tree(tree, name) -> str:
    with open(os.path.join(tree, name), errors="replace") as fh:
        return fh.read()


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def collect(text: str, defs: dict) -> None:
    text = _COMMENT.sub(" ", text).replace("\\\n", " ")
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![\w(])[ \t]*([^\n]*)$", text, re.M):
        name, expr = m.group(1), m.group(2).strip()
        if expr and name not in defs:
            defs[name] = expr
    for m in re.finditer(r"\benum\b[^{;()]*\{([^{}]*)\}", text):
        prev = None
        for item in m.group(1).split(","):
            item = item.strip()
            if not item or item.startswith("#"):
                continue
            mm = re.match(r"^([A-Za-z_]\w*)\s*(?:=\s*(.+))?$", item, re.S)
            if not mm:
                continue
            name, expr = mm.group(1), mm.group(2)
            if expr is None:
                expr = "0" if prev is None else f"({prev}) + 1"
            expr = " ".join(expr.split())
            if name not in defs:
                defs[name] = expr
            prev = name


_CAST = re.compile(r"\(\s*(?:const\s+)?(?:u?int(?:8|16|32|64)_t|unsigned(?:\s+(?:long|int|short|char))*|"
                   r"long(?:\s+long)?|int|uint|size_t|uid_t|gid_t|time_t|bitoff_t|double)\s*\)")
_NUM = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b")


class Evaluator:
    def __init__(self, defs: dict):
        self.defs = defs
        self.cache: dict = {}

    def value(self, expr: str, depth: int = 0) -> int:
        if depth > 40:
            raise ValueError(f"too deep: {expr}")
        e = _CAST.sub(" ", expr)
        e = re.sub(r"\bSLURM_BIT\s*\(", "_bit(", e)
        e = _NUM.sub(lambda m: str(int(m.group(1), 0)), e)
        e = e.replace("||", " or ").replace("&&", " and ").replace("!", " not ")
        e = e.replace(" not =", "!=")

        def sym(m):
            n = m.group(0)
            if n in ("_bit", "or", "and", "not"):
                return n
            return str(self.symbol(n, depth + 1))
        e = re.sub(r"[A-Za-z_]\w*", sym, e)
        v = eval(e, {"__builtins__": {}}, {"_bit": lambda n: 1 << n})  # noqa: S307 - tool input
        return int(v) & MASK64 if v < 0 else int(v)

    def symbol(self, name: str, depth: int = 0) -> int:
        if name in self.cache:
            return self.cache[name]
        if name not in self.defs:
            raise KeyError(name)
        v = self.value(self.defs[name], depth)
        self.cache[name] = v
        return v


def needed_expressions() -> list:
    from slurmrestd.data_parser.registry import VERSIONS, get_registry
    exprs = set()
    for v in VERSIONS:
        for t in get_registry(v).types.values():
            if t.model == "flags":
                for b in t.flags:
                    for e in (b.value, b.mask):
                        if e:
                            exprs.add(e)
    return sorted(exprs)


#: a few more symbols the leaf codecs use
EXTRA = ["JOB_STATE_BASE", "JOB_STATE_FLAGS", "MEM_PER_CPU", "CORE_SPEC_THREAD", "NICE_OFFSET",
         "SLURM_BATCH_SCRIPT", "SLURM_EXTERN_CONT", "SLURM_INTERACTIVE_STEP", "SLURM_PENDING_STEP",
         "NODE_STATE_BASE", "NODE_STATE_FLAGS", "CPU_BIND_T_TO_MASK", "CPU_BIND_T_AUTO_TO_MASK",
         "CPU_BIND_T_MASK", "CPU_BIND_T_TASK_PARAMS_MASK", "MEM_BIND_TYPE_MASK", "MEM_BIND_TYPE_FLAGS_MASK",
         "SHARED_FORCE", "JOB_SHARED_NONE", "JOB_SHARED_OK", "JOB_SHARED_USER", "JOB_SHARED_MCS",
         "JOB_SHARED_TOPO", "SLURM_DIST_STATE_BASE", "SLURM_DIST_STATE_FLAGS",
         "SLURM_DIST_PLANE", "SLURM_DIST_ARBITRARY", "SLURM_DIST_UNKNOWN",
         "SLURM_DIST_NODEMASK", "SLURM_DIST_SOCKMASK", "SLURM_DIST_COREMASK",
         "SLURM_DIST_NODESOCKMASK", "SLURM_DIST_PACK_NODES", "SLURM_DIST_NO_PACK_NODES",
         "CPU_FREQ_RANGE_FLAG", "CPU_FREQ_LOW", "CPU_FREQ_MEDIUM", "CPU_FREQ_HIGH", "CPU_FREQ_HIGHM1",
         "CPU_FREQ_CONSERVATIVE", "CPU_FREQ_ONDEMAND", "CPU_FREQ_PERFORMANCE", "CPU_FREQ_POWERSAVE",
         "CPU_FREQ_USERSPACE", "CPU_FREQ_SCHEDUTIL",
         "PREEMPT_MODE_OFF", "PREEMPT_MODE_SUSPEND", "PREEMPT_MODE_REQUEUE", "PREEMPT_MODE_CANCEL",
         "PREEMPT_MODE_GANG", "PREEMPT_MODE_WITHIN", "PREEMPT_MODE_PRIORITY",
         "WAIT_NO_REASON", "NO_VAL", "INFINITE", "NO_VAL16", "INFINITE16", "NO_VAL64", "INFINITE64",
         "NO_VAL8", "INFINITE8"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.environ.get(MIRROR_ENV) or DEFAULT_REPO,
                    help="slurm git repository (default: $%s or %s)" % (MIRROR_ENV, DEFAULT_REPO))
    ap.add_argument("--tag", default=TAG)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--src", help="unpacked Slurm source tree instead of the git mirror")
    ap.add_argument("--old-src", help="unpacked older Slurm tree (24.11): symbols that only it defines "
                    "(named by the v0.0.40/v0.0.41 flag tables) come from there")
    a = ap.parse_args()
    if a.src:
        def show(name):
            return read_tree(a.src, name)
        files = tree_files(a.src)
        tag = os.path.basename(os.path.normpath(a.src))
    else:
        def show(name):
            return git(a.repo, "show", f"{a.tag}:{name}")
        files = source_files(a.repo, a.tag)
        tag = a.tag
    defs: dict = {}
    for f in files:
        collect(show(f), defs)
    if a.old_src:
        old: dict = {}
        for f in tree_files(a.old_src):
            collect(read_tree(a.old_src, f), old)
        for k, v in old.items():
            defs.setdefault(k, v)
    ev = Evaluator(defs)
    reasons = {}
    jsr = _COMMENT.sub(" ", show("src/common/job_state_reason.c"))
    for m in re.finditer(r"\[(\w+)\]\s*=\s*\{[^{}]*?\.str\s*=\s*\"([^\"]*)\"", jsr):
        reasons[ev.symbol(m.group(1))] = m.group(2)
    layouts = []
    ssl = _COMMENT.sub(" ", show("src/common/slurm_step_layout.c"))
    block = ssl[ssl.index("layout_type_names[] ="):]
    block = block[:block.index("};")]
    for m in re.finditer(r"\{\s*(SLURM_DIST_\w+)\s*,\s*\"([^\"]*)\"\s*\}", block):
        layouts.append((ev.symbol(m.group(1)), m.group(2)))
    table, failed = {}, []
    for e in needed_expressions() + [x for x in EXTRA]:
        try:
            table[e] = ev.value(e)
        except Exception as exc:  # noqa: BLE001 - reported
            failed.append((e, repr(exc)))
    doc = {"tag": TAG if a.src else tag,
           "values": {k: table[k] for k in sorted(table)},
           "job_reasons": {str(k): reasons[k] for k in sorted(reasons)},
           "layout_names": [[k, n] for k, n in layouts]}
    with open(a.out, "w") as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")
    for e, why in failed:
        print(f"unresolved: {e}: {why}", file=sys.stderr)
    print(f"{len(reasons)} job reasons; {len(table)} expressions written to {a.out}, {len(failed)} unresolved")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
