#!/usr/bin/env python3
"""Extract the declarative tables of a Slurm data_parser plugin's parsers.c.

Reads ``src/plugins/data_parser/<version>/parsers.c`` from the local SchedMD
mirror, replaces the row/registry macros with marker macros, runs the C
preprocessor over the table section, and turns the result into plain Python
data (struct tables, flag tables and the type registry).  Only facts are kept:
type names, C members, key paths, flags; C description texts are reduced to a
"has description" marker (our own wording is produced by gen_decls.py).

Usage: extract_parsers.py VERSION [--tag TAG] [--repo DIR | --src TREE] > out.json

The SchedMD slurm git repository (bare or checked out) is ``--repo DIR``, else
``$SLURM_GIT_MIRROR``, else ``../slurm`` beside the project checkout.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

#: Environment variable naming the SchedMD slurm git repository.
MIRROR_ENV = "SLURM_GIT_MIRROR"
#: Without --repo or $SLURM_GIT_MIRROR: ``../slurm`` beside the project checkout.
DEFAULT_MIRROR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "slurm")
DEFAULT_TAG = "slurm-26-05-3-1"


def mirror(repo: str | None = None) -> str:
    """The slurm git repository to read: ``repo``, else $SLURM_GIT_MIRROR, else the default."""
    return repo or os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR

OVERRIDES = {
    "add_parser": "(stype, mtype, req, field, overload, path, desc) "
                  "ROW(LINKED, stype, mtype, req, field, overload, path, desc, 0)",
    "add_parser_deprec": "(stype, mtype, req, field, overload, path, desc, deprec) "
                         "ROW(LINKED, stype, mtype, req, field, overload, path, desc, deprec)",
    "add_parser_removed": "(stype, mtype, req, path, desc, deprec) "
                          "ROW(REMOVED, stype, mtype, req, NOFIELD, 0, path, desc, deprec)",
    "add_parser_skip": "(stype, field) "
                       "ROW(SKIP, stype, TYPE_INVALID, false, field, 0, NULL, NULL, 0)",
    "add_complex_parser": "(stype, mtype, req, path, desc) "
                          "ROW(COMPLEX, stype, mtype, req, NOFIELD, 0, path, desc, 0)",
    "add_parse_bit_eflag_array": "(stype, mtype, field, desc) "
                                 "ROW(EFLAG, stype, mtype, false, field, 0, NULL, desc, 0)",
    "add_parse_bit_flag_array": "(stype, mtype, req, field, path, desc) "
                                "ROW(LINKED, stype, mtype, req, field, 0, path, desc, 0)",
    "add_parse_bit_flag_string": "(stype, mtype, req, field, path, desc) "
                                 "ROW(LINKED_SINGLE_FLAG, stype, mtype, req, field, 0, path, desc, 0)",
    "add_flag_bit_entry": "(flag_type, flag_value_string, flag_value, flag_mask, "
                          "flag_mask_string, flag_string, hidden_flag, desc_str) "
                          "FLAG(flag_type, (flag_value), (flag_mask), flag_string, hidden_flag, desc_str, 0)",
    "add_flag_removed": "(flag_string, deprec) "
                        "FLAG(FLAG_BIT_TYPE_REMOVED, (0), (0), flag_string, false, NULL, deprec)",
    "addpp": "(typev, typet, typep, allow_null, newf, freef) REG(PTR, typev, typep, allow_null)",
    "addpa": "(typev, typet) REG(ARRAY, typev, (typet))",
    "addalias": "(typev, typea) REG(ALIAS, typev, typea)",
    "addnt": "(typev, typea) REG(NT_ARRAY, typev, typea)",
    "addntp": "(typev, typea) REG(NT_PTR_ARRAY, typev, typea)",
    "addpl": "(typev, typel, need) REG(LIST, typev, typel, need)",
    "addps": "(typev, stype, need, typeo, newf, freef, desc) REG(SIMPLE, typev, (stype), need, typeo, desc)",
    "addpss": "(typev, stype, need, typeo, desc, newf, freef) REG(SIMPLE, typev, (stype), need, typeo, desc)",
    "addpsa": "(typev, typea, stype, need, desc) REG(SIMPLE_ARRAY, typev, typea, (stype), need, desc)",
    "addpsp": "(typev, typea, stype, need, desc) REG(SIMPLE_PTR, typev, typea, (stype), need, desc)",
    "addpc": "(typev, typet, need, typeo, desc) REG(COMPLEX, typev, (typet), need, typeo, desc)",
    "addpcs": "(typev, typet, need, typeo, desc) REG(COMPLEX, typev, (typet), need, typeo, desc)",
    "addpca": "(typev, typea, typet, need, desc) REG(COMPLEX_ARRAY, typev, typea, (typet), need, desc)",
    "addpcp": "(typev, typea, typet, need, desc) REG(COMPLEX_PTR, typev, typea, (typet), need, desc)",
    "addfa": "(typev, typet) REG(FLAGS, typev, (typet))",
    "addfas": "(typev, typet) REG(FLAG_SINGLE, typev, (typet))",
    "addr": "(typev, typeo, deprec) REG(REMOVED, typev, typeo, deprec)",
}

PRELUDE = """
#define STRINGIFY(x) #x
#define XSTRINGIFY(x) STRINGIFY(x)
#define PARSER_ARRAY(t) TABLE__##t
#define PARSER_FLAG_ARRAY(t) FLAGS__##t
#define OPENAPI_RESP_STRUCT_META_FIELD_NAME meta
#define OPENAPI_RESP_STRUCT_ERRORS_FIELD_NAME errors
#define OPENAPI_RESP_STRUCT_WARNINGS_FIELD_NAME warnings
"""


def load_source(version: str, tag: str = DEFAULT_TAG, repo: str | None = None,
                src: str | None = None) -> str:
    """parsers.c of ``version``: from the unpacked source tree ``src`` when given,
    else from ``tag`` of the git repository."""
    if src:
        with open(os.path.join(src, "src", "plugins", "data_parser", version, "parsers.c")) as fh:
            return fh.read()
    return subprocess.run(
        ["git", "-C", mirror(repo), "show",
         f"{tag}:src/plugins/data_parser/{version}/parsers.c"],
        check=True, capture_output=True, text=True).stdout


def _strip_defines(text: str) -> str:
    out = []
    lines = text.split("\n")
    i = 0
    names = "|".join(map(re.escape, OVERRIDES))
    rx_def = re.compile(r"^\s*#\s*define\s+(%s)\(" % names)
    rx_undef = re.compile(r"^\s*#\s*undef\s+(%s)\s*$" % names)
    while i < len(lines):
        ln = lines[i]
        if rx_def.match(ln):
            while lines[i].rstrip().endswith("\\"):
                i += 1
            i += 1
            continue
        if rx_undef.match(ln):
            i += 1
            continue
        out.append(ln)
        i += 1
    return "\n".join(out)


#: v0.0.40 and older: ``addr`` names the C type of the removed member too, and
#: ``addpss``/``addpcs``/``addr`` types have their own schema function (``spec``).
OLD_OVERRIDES = {
    "addr": "(typev, stype, typeo, deprec) REG(REMOVED, typev, typeo, deprec, SPEC)",
    "addpss": "(typev, stype, need, typeo, desc, newf, freef) REG(SIMPLE, typev, (stype), need, typeo, desc, SPEC)",
    "addpcs": "(typev, typet, need, typeo, desc) REG(COMPLEX, typev, (typet), need, typeo, desc, SPEC)",
}


def _overrides(src: str) -> dict:
    """The marker macros for this parsers.c (v0.0.40 has other arities)."""
    m = re.search(r"^#define addr\(([^)]*)\)", src, re.M)
    if m and len(m.group(1).split(",")) == 4:
        return {**OVERRIDES, **OLD_OVERRIDES}
    return OVERRIDES


def preprocess(src: str) -> str:
    start = re.search(r"^#define add_parser\(", src, re.M).start()
    section = _strip_defines(src[start:])
    defs = "".join(f"#define {k}{v}\n" for k, v in _overrides(src).items())
    text = PRELUDE + defs + section
    return subprocess.run(["cpp", "-P", "-undef", "-nostdinc", "-w"],
                          input=text, check=True, capture_output=True,
                          text=True).stdout


TOKEN = re.compile(r'''\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)|(\S))''', re.S)


def tokenize(text: str):
    pos = 0
    toks = []
    n = len(text)
    while pos < n:
        m = TOKEN.match(text, pos)
        if not m:
            break
        pos = m.end()
        if m.group(1) is not None:
            toks.append(("str", m.group(1)))
        elif m.group(2) is not None:
            toks.append(("id", m.group(2)))
        elif m.group(3) is not None:
            toks.append(("num", m.group(3)))
        elif m.group(4) is not None:
            toks.append(("op", m.group(4)))
    return toks


def _unquote(s: str) -> str:
    return json.loads(s) if "\\" not in s or True else s


def _split_args(toks, i):
    """toks[i] is '('; return (args as token lists, index after ')')."""
    assert toks[i] == ("op", "(")
    depth = 0
    args, cur = [], []
    i += 1
    while True:
        t = toks[i]
        if t[0] == "op" and t[1] in "([{":
            depth += 1
        elif t[0] == "op" and t[1] in ")]}":
            if depth == 0:
                args.append(cur)
                return args, i + 1
            depth -= 1
        if t[0] == "op" and t[1] == "," and depth == 0:
            args.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1


def _text(toks) -> str:
    out = []
    for k, v in toks:
        out.append(v)
    s = " ".join(out)
    s = re.sub(r"\s*([\[\]\.\(\)])\s*", r"\1", s)
    s = s.replace("->", "->")
    return s.strip()


def _strval(toks):
    """Concatenate C string literal tokens; NULL -> None."""
    if not toks or toks == [("id", "NULL")]:
        return None
    parts = []
    for k, v in toks:
        if k == "str":
            parts.append(json.loads(v.replace("\\'", "'")))
        elif k == "op" and v in "()":
            continue
        else:
            return _text(toks)
    return "".join(parts)


def _boolval(toks):
    t = _text(toks)
    if t in ("true", "1"):
        return True
    if t in ("false", "0", ""):
        return False
    return t


def _unparen(toks):
    if toks and toks[0] == ("op", "(") and toks[-1] == ("op", ")"):
        return toks[1:-1]
    return toks


def parse(cpp_out: str):
    toks = tokenize(cpp_out)
    tables, flags, registry = {}, {}, []
    i = 0
    n = len(toks)
    while i < n:
        k, v = toks[i]
        if k == "id" and (v.startswith("TABLE__") or v.startswith("FLAGS__")
                          or v == "parsers") and i + 3 < n and toks[i + 1] == ("op", "[") \
                and toks[i + 2] == ("op", "]") and toks[i + 3] == ("op", "="):
            name = v
            j = i + 5  # after '{'
            assert toks[i + 4] == ("op", "{"), (name, toks[i + 4])
            items = []
            while toks[j] != ("op", "}"):
                if toks[j] == ("op", ","):
                    j += 1
                    continue
                kind = toks[j][1]
                args, j = _split_args(toks, j + 1)
                items.append((kind, args))
            i = j + 1
            if name.startswith("TABLE__"):
                tables[name[7:]] = [_row(a) for kd, a in items]
            elif name.startswith("FLAGS__"):
                flags[name[7:]] = [_flag(a) for kd, a in items]
            else:
                registry = [_reg(a) for kd, a in items]
            continue
        i += 1
    return {"tables": tables, "flags": flags, "registry": registry}


def _row(a):
    kind = _text(a[0])
    row = {
        "kind": kind,
        "stype": _text(a[1]),
        "type": _text(a[2]),
        "required": _boolval(a[3]),
        "field": None if _text(a[4]) == "NOFIELD" else _text(a[4]),
        "overloads": int(_text(a[5]) or 0),
        "key": _strval(a[6]),
        "desc": _strval(a[7]),
        "deprecated": _text(a[8]),
    }
    return row


def _flag(a):
    return {
        "kind": _text(a[0]).replace("FLAG_BIT_TYPE_", ""),
        "value": _text(_unparen(a[1])),
        "mask": _text(_unparen(a[2])),
        "name": _strval(a[3]),
        "hidden": _boolval(a[4]),
        "desc": _strval(a[5]),
        "deprecated": _text(a[6]),
    }


def _reg(a):
    model = _text(a[0])
    r = {"model": model, "name": _text(a[1])}
    rest = a[2:]
    if model == "PTR":
        r["pointer_type"] = _text(rest[0])
        r["allow_null"] = _boolval(rest[1])
    elif model in ("ARRAY", "FLAGS", "FLAG_SINGLE"):
        r["ctype"] = _text(_unparen(rest[0]))
    elif model == "ALIAS":
        r["alias_type"] = _text(rest[0])
    elif model in ("NT_ARRAY", "NT_PTR_ARRAY"):
        r["array_type"] = _text(rest[0])
    elif model == "LIST":
        r["list_type"] = _text(rest[0])
        r["needs"] = _text(rest[1])
    elif model in ("SIMPLE", "COMPLEX"):
        r["ctype"] = _text(_unparen(rest[0]))
        r["needs"] = _text(rest[1])
        r["openapi"] = _text(rest[2])
        r["desc"] = _strval(rest[3])
        if len(rest) > 4:
            r["spec"] = True
    elif model in ("SIMPLE_ARRAY", "COMPLEX_ARRAY"):
        r["array_type"] = _text(rest[0])
        r["ctype"] = _text(_unparen(rest[1]))
        r["needs"] = _text(rest[2])
        r["desc"] = _strval(rest[3])
    elif model in ("SIMPLE_PTR", "COMPLEX_PTR"):
        r["pointer_type"] = _text(rest[0])
        r["ctype"] = _text(_unparen(rest[1]))
        r["needs"] = _text(rest[2])
        r["desc"] = _strval(rest[3])
    elif model == "REMOVED":
        r["openapi"] = _text(rest[0])
        r["deprecated"] = _text(rest[1])
        if len(rest) > 2:
            r["spec"] = True
    else:
        raise ValueError(model)
    return r


def parse_disabled(src: str):
    return sorted(set(re.findall(r"^PARSE_DISABLED\((\w+)\)", src, re.M)))


def extract(version: str, tag: str = DEFAULT_TAG, repo: str | None = None,
            tree: str | None = None):
    src = load_source(version, tag, repo, tree)
    data = parse(preprocess(src))
    data["parse_disabled"] = parse_disabled(src)
    data["version"] = version
    return data


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("version")
    ap.add_argument("--tag", default=DEFAULT_TAG)
    ap.add_argument("--repo", default=None, help="slurm git repository (default: $%s or %s)"
                    % (MIRROR_ENV, DEFAULT_MIRROR))
    ap.add_argument("--src", default=None, help="an unpacked Slurm source tree (instead of a git tag)")
    a = ap.parse_args()
    json.dump(extract(a.version, a.tag, a.repo, a.src), sys.stdout, indent=1)
