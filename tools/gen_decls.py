#!/usr/bin/env python3
"""Bootstrap the data_parser declaration modules from the C plugin tables.

One-off generator: runs extract_parsers.py on v0.0.42..v0.0.45, converts the
tables to the declaration model of ``slurmrestd.data_parser.model`` and writes
(``--src TREE`` reads an unpacked source tree instead of the git mirror)

  slurmrestd/data_parser/decl/v0045.py   full declarations (base)
  slurmrestd/data_parser/decl/v0044.py   delta against v0.0.45
  slurmrestd/data_parser/decl/v0043.py   delta against v0.0.44
  slurmrestd/data_parser/decl/v0042.py   delta against v0.0.43

With ``--old-src TREE`` (an unpacked Slurm 24.11 tree; ``--src`` the 26.05 one) it
writes only the versions 26.05 no longer has:

  slurmrestd/data_parser/decl/v0041.py   delta against v0.0.42 (24.11's v0.0.41)
  slurmrestd/data_parser/decl/v0040.py   delta against v0.0.41 (24.11's v0.0.40)

v0.0.40's fixed schemas (``spec`` types) live in the hand-written
``decl/v0040_specs.py``.

Facts (names, types, members, key paths, flags) come from parsers.c.  Texts are
our own: every description is a short phrase derived from the key or the name
(C description texts are only used to know *whether* one exists).  After the
bootstrap the modules are ordinary reviewed source; re-running overwrites them.
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import extract_parsers  # noqa: E402
from slurmrestd.data_parser import model as M  # noqa: E402

VERSIONS = ["v0.0.45", "v0.0.44", "v0.0.43", "v0.0.42"]
OUT = os.path.join(ROOT, "slurmrestd", "data_parser", "decl")

DEPREC = {
    "0": None, "": None,
    "SLURM_MIN_PROTOCOL_VERSION": "min",
    "SLURM_23_11_PROTOCOL_VERSION": "23.11",
    "SLURM_24_05_PROTOCOL_VERSION": "24.05",
    "SLURM_24_11_PROTOCOL_VERSION": "24.11",
    "SLURM_25_05_PROTOCOL_VERSION": "25.05",
    "SLURM_25_11_PROTOCOL_VERSION": "25.11",
    "SLURM_26_05_PROTOCOL_VERSION": "26.05",
}

NEEDS = {None: None, "NEED_NONE": None, "NEED_TRES": "TRES", "NEED_QOS": "QOS", "NEED_ASSOC": "ASSOC"}

# Our own short wording for leaf types that carry a description.
LEAF_TEXT = {
    "UINT16_NO_VAL": "16-bit unsigned integer, may be unset or infinite",
    "UINT32_NO_VAL": "32-bit unsigned integer, may be unset or infinite",
    "UINT64_NO_VAL": "64-bit unsigned integer, may be unset or infinite",
    "INT64_NO_VAL": "64-bit signed integer, may be unset or infinite",
    "FLOAT64_NO_VAL": "Double precision number, may be unset or infinite",
    "FLOAT32": "Single precision number",
    "TIMESTAMP": "Seconds since the epoch, or a Slurm time string",
    "TIMESTAMP_NO_VAL": "Seconds since the epoch or a Slurm time string, may be unset or infinite",
    "WCKEY_TAG": "Workload characterization key with tag flags",
    "HOSTLIST_STRING_TO_STRING": "Compressed host range expression",
    "HOLD": "Whether the job is held",
    "QOS_STRING_ID_LIST": "QOS names",
    "JOB_ARRAY_RESPONSE_MSG": "Per job update results",
    "PROCESS_EXIT_CODE": "Process exit status",
    "SLURM_STEP_ID_STRING": "Job step identifier",
    "RPC_ID": "RPC message type",
    "JOB_STATE_RESP_MSG": "Jobs",
    "KILL_JOBS_RESP_MSG": "Per job signal results",
    "CONTROLLER_PING_PRIMARY": "Whether the answering controller is the primary",
    "H_RESOURCES_AS_LICENSE_LIST": "Hierarchical resources",
    "SLUID": "Sortable unique identifier",
    "TIME_SECONDS": "Duration as [D-]HH:MM:SS",
    "PORT_RANGE_ARRAY": "Range of ports",
    "PARTITION_OVERSUBSCRIBE": "Oversubscription setting of the partition",
    "ASSOC_ID": "Association identifier",
}


def humanize(text: str) -> str:
    words = [w for w in re.split(r"[/_\s]+", text) if w]
    if not words:
        return text
    out = " ".join(words)
    return out[0].upper() + out[1:]


def own_desc(c_desc, fallback: str):
    """Our text where C has one (None stays None, "" stays "")."""
    if c_desc is None:
        return None
    if c_desc == "":
        return ""
    return fallback


def norm_ctype(s: str) -> str:
    return re.sub(r"\s*\*\s*", " *", s).replace("* *", "**").strip()


def convert(data: dict) -> list:
    tables = data["tables"]
    flags = data["flags"]
    pdis = set(data["parse_disabled"])
    out = []
    seen = set()
    for r in data["registry"]:
        name, mdl = r["name"], r["model"]
        if name in seen:  # C lookup returns the first registration
            continue
        seen.add(name)
        if mdl == "ARRAY":
            rows = tuple(conv_row(x) for x in tables[name])
            out.append(M.Struct(name=name, ctype=norm_ctype(r["ctype"]), fields=rows))
        elif mdl in ("FLAGS", "FLAG_SINGLE"):
            bits = tuple(conv_bit(b) for b in flags[name])
            out.append(M.Flags(name=name, ctype=norm_ctype(r["ctype"]), flags=bits,
                               single=(mdl == "FLAG_SINGLE")))
        elif mdl == "PTR":
            out.append(M.Ptr(name=name, pointer_to=r["pointer_type"],
                             allow_null=bool(r["allow_null"])))
        elif mdl == "LIST":
            out.append(M.ListOf(name=name, list_of=r["list_type"], needs=NEEDS[r["needs"]]))
        elif mdl in ("NT_ARRAY", "NT_PTR_ARRAY"):
            out.append(M.NtArray(name=name, array_of=r["array_type"],
                                 pointers=(mdl == "NT_PTR_ARRAY")))
        elif mdl == "ALIAS":
            out.append(M.Alias(name=name, alias_of=r["alias_type"]))
        elif mdl == "REMOVED":
            out.append(M.Removed(name=name, openapi=r["openapi"],
                                 deprecated=DEPREC[r["deprecated"]],
                                 spec=name if r.get("spec") else None))
        else:
            cplx = mdl.startswith("COMPLEX")
            kw = dict(name=name, ctype=norm_ctype(r["ctype"]), needs=NEEDS[r["needs"]],
                      complex=cplx, parse_disabled=name in pdis,
                      spec=name if r.get("spec") else None,
                      desc=own_desc(r.get("desc"), LEAF_TEXT.get(name) or humanize(name.lower())))
            if mdl.endswith("_ARRAY"):
                kw["array_of"] = r["array_type"]
                kw["openapi"] = "ARRAY"
            elif mdl.endswith("_PTR"):
                kw["pointer_to"] = r["pointer_type"]
            else:
                kw["openapi"] = r["openapi"]
            out.append(M.Leaf(**kw))
    return out


def conv_row(x: dict) -> M.Field:
    kind = {"LINKED": "field", "LINKED_SINGLE_FLAG": "field", "COMPLEX": "complex",
            "REMOVED": "removed", "SKIP": "skip", "EFLAG": "eflags"}[x["kind"]]
    key = x["key"]
    if kind == "skip":
        return M.S(x["field"])
    if kind == "eflags":
        return M.E(x["type"], x["field"], desc=own_desc(x["desc"], humanize(x["field"])))
    desc = own_desc(x["desc"], humanize(key) if key else None)
    return M.Field(kind=kind, key=key, type=x["type"],
                   member=x["field"] if kind == "field" else None,
                   required=bool(x["required"]), overloads=x["overloads"],
                   deprecated=DEPREC[x["deprecated"]],
                   single_flag=(x["kind"] == "LINKED_SINGLE_FLAG"), desc=desc)


def conv_bit(b: dict) -> M.Bit:
    kind = {"BIT": "bit", "EQUAL": "equal", "REMOVED": "removed"}[b["kind"]]
    if kind == "removed":
        return M.X(b["name"], deprecated=DEPREC[b["deprecated"]])
    return M.Bit(name=b["name"], kind=kind, value=b["value"], mask=b["mask"],
                 hidden=bool(b["hidden"]), deprecated=DEPREC[b["deprecated"]],
                 desc=own_desc(b["desc"], "Flag " + b["name"]))


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

def q(s) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def r_row(f: M.Field) -> str:
    if f.kind == "skip":
        return f"S({q(f.member)})"
    if f.kind == "eflags":
        d = f", desc={q(f.desc)}" if f.desc is not None else ""
        return f"E({q(f.type)}, {q(f.member)}{d})"
    if f.kind == "field":
        s = f"F({q(f.key)}, {q(f.type)}, {q(f.member)}"
    elif f.kind == "complex":
        s = f"C({q(f.key)}, {q(f.type)}"
    else:
        s = f"R({q(f.key)}, {q(f.type)}"
    if f.required:
        s += ", required=True"
    if f.overloads:
        s += f", overloads={f.overloads}"
    if f.deprecated:
        s += f", deprecated={q(f.deprecated)}"
    if f.single_flag:
        s += ", single_flag=True"
    if f.desc is not None:
        s += f", desc={q(f.desc)}"
    return s + ")"


def r_bit(b: M.Bit) -> str:
    if b.kind == "removed":
        d = f", deprecated={q(b.deprecated)}" if b.deprecated else ""
        return f"X({q(b.name)}{d})"
    if b.kind == "bit":
        s = f"B({q(b.name)}, {q(b.value)}"
        if b.mask != "INFINITE64":
            s += f", {q(b.mask)}"
    else:
        s = f"Q({q(b.name)}, {q(b.value)}, {q(b.mask)}"
    if b.hidden:
        s += ", hidden=True"
    if b.desc is not None:
        s += f", desc={q(b.desc)}"
    return s + ")"


def r_type(t, ind="    ") -> str:
    def kw(**k):
        parts = []
        for a, v in k.items():
            if v is None or v is False or v == ():
                continue
            val = q(v) if isinstance(v, str) else repr(v)
            parts.append(f"{a}={val}")
        return ", ".join(parts)

    if isinstance(t, M.Struct):
        head = f"{ind}Struct(name={q(t.name)}, ctype={q(t.ctype)}, fields=(\n"
        body = "".join(f"{ind}    {r_row(f)},\n" for f in t.fields)
        return head + body + f"{ind})),\n"
    if isinstance(t, M.Flags):
        s = ", single=True" if t.single else ""
        head = f"{ind}Flags(name={q(t.name)}, ctype={q(t.ctype)}{s}, flags=(\n"
        body = "".join(f"{ind}    {r_bit(b)},\n" for b in t.flags)
        return head + body + f"{ind})),\n"
    if isinstance(t, M.Ptr):
        return f"{ind}Ptr({kw(name=t.name, pointer_to=t.pointer_to, allow_null=t.allow_null)}),\n"
    if isinstance(t, M.ListOf):
        return f"{ind}ListOf({kw(name=t.name, list_of=t.list_of, needs=t.needs)}),\n"
    if isinstance(t, M.NtArray):
        return f"{ind}NtArray({kw(name=t.name, array_of=t.array_of, pointers=t.pointers)}),\n"
    if isinstance(t, M.Alias):
        return f"{ind}Alias({kw(name=t.name, alias_of=t.alias_of)}),\n"
    if isinstance(t, M.Removed):
        return f"{ind}Removed({kw(name=t.name, openapi=t.openapi, deprecated=t.deprecated, spec=t.spec)}),\n"
    if isinstance(t, M.Leaf):
        a = kw(name=t.name, ctype=t.ctype, openapi=t.openapi, array_of=t.array_of,
               pointer_to=t.pointer_to, needs=t.needs, complex=t.complex,
               parse_disabled=t.parse_disabled, spec=t.spec)
        if t.desc is not None:
            a += f", desc={q(t.desc)}"
        return f"{ind}Leaf({a}),\n"
    raise TypeError(t)


HEADER = '''"""{title}

Generated once by tools/gen_decls.py from the C tables of
src/plugins/data_parser/{version}/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Edit, Q, R, Removed, RowPatch, S, Struct, X,
)

'''


def render_base(version: str, types: list) -> str:
    s = HEADER.format(title=f"Declarations of every data_parser {version} type (the base version).",
                      version=version)
    s += f'VERSION = "{version}"\n\nOPTIONS = GenOptions()\n\nTYPES = (\n'
    for t in types:
        s += r_type(t)
    s += ")\n"
    return s


# --------------------------------------------------------------------------
# deltas
# --------------------------------------------------------------------------

def row_patch(name: str, old: tuple, new: tuple, ident):
    """RowPatch turning ``old`` (newer version) into ``new``; None if equal."""
    if old == new:
        return None
    oid = [ident(x) for x in old]
    nid = [ident(x) for x in new]
    oldm = {ident(x): x for x in old}
    keep = set()
    sm = difflib.SequenceMatcher(a=oid, b=nid, autojunk=False)
    for a, b, size in sm.get_matching_blocks():
        for k in range(size):
            keep.add(nid[b + k])
    drop = tuple(i for i in oid if i not in keep)
    changed = [x for x in new if ident(x) in keep and oldm[ident(x)] != x]
    # a row that keeps its kind is written as the attributes that change (Edit), else anew
    replace = tuple(x for x in changed if oldm[ident(x)].kind != x.kind)
    change = tuple(M.Edit(ident(x), **row_delta(oldm[ident(x)], x)) for x in changed
                   if oldm[ident(x)].kind == x.kind)
    insert = []
    for idx, x in enumerate(new):
        if ident(x) not in keep:
            insert.append((nid[idx - 1] if idx else None, x))
    return M.RowPatch(name, drop, replace, tuple(insert), change)


def row_delta(old, new) -> dict:
    """The attributes of row ``new`` that differ from row ``old`` (same dataclass)."""
    return {f.name: getattr(new, f.name) for f in dataclasses.fields(new)
            if getattr(old, f.name) != getattr(new, f.name)}


def patch_size(p: M.RowPatch) -> int:
    return len(p.drop) + len(p.replace) + len(p.insert) + len(p.change)


def apply_rows(rows: tuple, p: M.RowPatch, ident) -> tuple:
    rep = {ident(x): x for x in p.replace}
    out = [rep.get(ident(x), x) for x in rows if ident(x) not in set(p.drop)]
    for key, attrs in p.change:
        pos = [ident(y) for y in out].index(key)
        out[pos] = dataclasses.replace(out[pos], **dict(attrs))
    for after, x in p.insert:
        if after is None:
            out.insert(0, x)
        else:
            pos = [ident(y) for y in out].index(after)
            out.insert(pos + 1, x)
    return tuple(out)


def compute_delta(newer: list, older: list, base: str) -> M.Delta:
    nm = {t.name: t for t in newer}
    om = {t.name: t for t in older}
    drop = tuple(n for n in nm if n not in om)
    put, patch = [], []
    for t in older:
        n = nm.get(t.name)
        if n is None:
            put.append(t)
            continue
        if n == t:
            continue
        if type(n) is type(t) and isinstance(t, M.Struct) and n.ctype == t.ctype:
            p = row_patch(t.name, n.fields, t.fields, lambda f: f.ident)
            size = patch_size(p)
            if size * 2 < max(len(t.fields), 1):
                patch.append(p)
                continue
        if type(n) is type(t) and isinstance(t, M.Flags) and n.ctype == t.ctype \
                and n.single == t.single:
            p = row_patch(t.name, n.flags, t.flags, lambda b: b.name)
            size = patch_size(p)
            if size * 2 < max(len(t.flags), 1):
                patch.append(p)
                continue
        put.append(t)
    return M.Delta(base, drop, tuple(put), tuple(patch), OPTIONS.get(older_version, M.GenOptions()))


older_version = None

#: Generator switches per version (see GenOptions): v0.0.42 as 26.05 serves it; v0.0.41 and
#: v0.0.40 as Slurm 24.11 served them.
OPTIONS = {
    "v0.0.42": M.GenOptions(flag_enums_as_refs=True, desc_first_wins=True, deprecated=True),
    "v0.0.41": M.GenOptions(flag_enums_as_refs=True, desc_first_wins=True, refs="counted"),
    "v0.0.40": M.GenOptions(flag_enums_as_refs=True, desc_first_wins=True, legacy=True),
}
#: Versions read from the older source tree (--old-src), each a delta of the one before it.
OLD_VERSIONS = ["v0.0.42", "v0.0.41", "v0.0.40"]


def render_delta(version: str, d: M.Delta) -> str:
    s = HEADER.format(title=f"data_parser {version}, expressed as changes to {d.base}.",
                      version=version)
    s += f'VERSION = "{version}"\n\n'
    o = d.options
    args = ", ".join(f"{f.name}={getattr(o, f.name)!r}" for f in dataclasses.fields(o)
                     if getattr(o, f.name) != f.default)
    s += f"OPTIONS = GenOptions({args})\n\n"
    if any(t.spec for t in d.put):
        s += f"from slurmrestd.data_parser.decl.v00{version[-2:]}_specs import SPECS  # noqa: E402\n\n"
    s += f'DELTA = Delta(\n    base="{d.base}",\n    options=OPTIONS,\n'
    if any(t.spec for t in d.put):
        s += "    specs=SPECS,\n"
    s += "    # types that do not exist in this version\n    drop=(\n"
    for n in d.drop:
        s += f"        {q(n)},\n"
    s += "    ),\n    # types new in this version or declared differently\n    put=(\n"
    for t in d.put:
        s += r_type(t, "        ")
    s += "    ),\n    # row level changes of struct and flag tables\n    patch=(\n"
    s += render_patches(d.patch)
    s += "    ),\n)\n"
    return s


def r_edit(key: str, attrs: tuple) -> str:
    args = "".join(f", {a}={q(v) if isinstance(v, str) else repr(v)}" for a, v in attrs)
    return f"Edit({q(key)}{args})"


def render_patches(patches, ind: str = "        ") -> str:
    """The ``RowPatch`` entries, each with only its non-empty parts."""
    s = ""
    for p in patches:
        is_flags = any(isinstance(x, M.Bit) for x in p.replace + tuple(i[1] for i in p.insert))
        rr = r_bit if is_flags else r_row
        s += f"{ind}RowPatch({q(p.name)},\n"
        if p.drop:
            s += f"{ind}    drop=(" + "".join(f"{q(i)}, " for i in p.drop) + "),\n"
        if p.change:
            s += f"{ind}    change=(\n" + "".join(f"{ind}        {r_edit(k, a)},\n" for k, a in p.change) \
                + f"{ind}    ),\n"
        if p.replace:
            s += f"{ind}    replace=(\n" + "".join(f"{ind}        {rr(x)},\n" for x in p.replace) + f"{ind}    ),\n"
        if p.insert:
            s += f"{ind}    insert=(\n" + "".join(
                f"{ind}        ({q(a) if a is not None else 'None'}, {rr(x)}),\n" for a, x in p.insert) \
                + f"{ind}    ),\n"
        s += f"{ind}),\n"
    return s


def apply_delta(newer: list, d: M.Delta) -> list:
    """Reference implementation used to verify the generated deltas."""
    put = {t.name: t for t in d.put}
    patches = {p.name: p for p in d.patch}
    out = []
    for t in newer:
        if t.name in d.drop:
            continue
        if t.name in put:
            out.append(put.pop(t.name))
        elif t.name in patches:
            p = patches[t.name]
            if isinstance(t, M.Struct):
                t = M.Struct(name=t.name, ctype=t.ctype, desc=t.desc,
                             fields=apply_rows(t.fields, p, lambda f: f.ident))
            else:
                t = M.Flags(name=t.name, ctype=t.ctype, desc=t.desc, single=t.single,
                            flags=apply_rows(t.flags, p, lambda b: b.name))
            out.append(t)
        else:
            out.append(t)
    out.extend(put.values())
    return out


def main_old(new_src: str, old_src: str):
    """v0.0.41 as a delta of v0.0.42 (26.05's tables), v0.0.40 as a delta of v0.0.41,
    both from an older Slurm source tree (24.11)."""
    global older_version
    conv = {"v0.0.42": convert(extract_parsers.extract("v0.0.42", tree=new_src))}
    for v in OLD_VERSIONS[1:]:
        conv[v] = convert(extract_parsers.extract(v, tree=old_src))
    for newer, older in zip(OLD_VERSIONS, OLD_VERSIONS[1:]):
        older_version = older
        d = compute_delta(conv[newer], conv[older], newer)
        got = {t.name: t for t in apply_delta(conv[newer], d)}
        want = {t.name: t for t in conv[older]}
        assert got == want, f"delta {older} does not reproduce the tables"
        with open(os.path.join(OUT, "v00" + older[-2:] + ".py"), "w") as fh:
            fh.write(render_delta(older, d).replace(
                "src/plugins/data_parser/", "the older tree's src/plugins/data_parser/"))
        print(older, "drop", len(d.drop), "put", len(d.put), "patch", len(d.patch),
              "rows", sum(patch_size(p) for p in d.patch))


def main():
    global older_version
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--src", help="unpacked Slurm source tree instead of the git mirror")
    ap.add_argument("--old-src", help="unpacked older Slurm tree (24.11): write v0.0.41 and v0.0.40 only")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if a.old_src:
        return main_old(a.src, a.old_src)
    conv = {v: convert(extract_parsers.extract(v, tree=a.src)) for v in VERSIONS}
    with open(os.path.join(OUT, "v0045.py"), "w") as fh:
        fh.write(render_base("v0.0.45", conv["v0.0.45"]))
    for newer, older in zip(VERSIONS, VERSIONS[1:]):
        older_version = older
        d = compute_delta(conv[newer], conv[older], newer)
        got = {t.name: t for t in apply_delta(conv[newer], d)}
        want = {t.name: t for t in conv[older]}
        assert got == want, f"delta {older} does not reproduce the tables"
        with open(os.path.join(OUT, "v00" + older[-2:] + ".py"), "w") as fh:
            fh.write(render_delta(older, d))
        print(older, "drop", len(d.drop), "put", len(d.put), "patch", len(d.patch),
              "rows", sum(patch_size(p) for p in d.patch))


if __name__ == "__main__":
    main()
