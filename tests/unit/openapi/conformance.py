"""Structural comparison of our OpenAPI document with the reference one.

Ignored: ``description`` and ``summary`` texts (presence is reported separately),
info description/contact/terms, and the Slurm release strings.
"""
from __future__ import annotations

import json
import os

import re
from collections import Counter

from shared_dir import REFERENCE  # noqa: E402

REF_DIR = os.environ.get("SLURMRESTD_REFERENCE_OPENAPI",
                         os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..",
                                      "shared", "reference", "openapi"))
if not os.path.isdir(REF_DIR):
    REF_DIR = os.path.join(REFERENCE, "openapi")

TEXT_KEYS = {"description", "summary"}
VERSION_RX = re.compile(r"(v0\.0\.4\d)")


def load_reference(name: str) -> dict:
    with open(os.path.join(REF_DIR, name)) as fh:
        return json.load(fh)


def strip(obj, keep_order=True):
    """Drop description/summary texts, recursively."""
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in TEXT_KEYS}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def text_presence(obj, path=""):
    """Set of JSON paths that carry a description/summary."""
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in TEXT_KEYS and isinstance(v, str):
                out.add(f"{path}/{k}")
            else:
                out |= text_presence(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out |= text_presence(v, f"{path}[{i}]")
    return out


def ordered_equal(a, b) -> bool:
    """Equality that also compares dict key order."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(ordered_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(ordered_equal(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


def _leaf_props(schema, prefix=""):
    out = {}
    for k, v in (schema.get("properties") or {}).items():
        if isinstance(v, dict) and "properties" in v and "$ref" not in v and v.get("type") == "object" \
                and "required" not in v:
            out.update(_leaf_props(v, prefix + k + "/"))
        else:
            out[prefix + k] = v
    return out


def only_versions(doc: dict, versions) -> dict:
    """``doc`` with the paths and schemas of other data parser versions left out."""
    def keep(name):
        m = VERSION_RX.search(name)
        return m is None or m.group(1) in versions
    out = dict(doc)
    out["paths"] = {k: v for k, v in doc["paths"].items() if keep(k)}
    out["components"] = dict(doc["components"])
    out["components"]["schemas"] = {k: v for k, v in doc["components"]["schemas"].items() if keep(k)}
    return out


def compare(ours: dict, ref: dict, top_level: bool = True) -> dict:
    """Per-version coverage numbers and the list of differences.

    ``top_level=False``: only what belongs to the versions (paths, schemas and their
    order), not tags, info or security (24.11's differ from 26.05's, and we serve one
    document for all versions)."""
    res = {"versions": {}, "diffs": []}
    so, sr = ours.get("components", {}).get("schemas", {}), ref["components"]["schemas"]
    po, pr = ours.get("paths", {}), ref["paths"]

    def ver(name):
        m = VERSION_RX.search(name)
        return m.group(1) if m else "-"

    stats = {}

    def st(v):
        return stats.setdefault(v, Counter())

    for name, rs in sr.items():
        v = ver(name)
        st(v)["schemas"] += 1
        os_ = so.get(name)
        rprops = _leaf_props(rs)
        st(v)["properties"] += len(rprops)
        if os_ is None:
            res["diffs"].append(f"missing schema {name}")
            continue
        if strip(os_) == strip(rs):
            st(v)["schemas_ok"] += 1
            st(v)["properties_ok"] += len(rprops)
        else:
            oprops = _leaf_props(os_)
            ok = sum(1 for k, x in rprops.items() if k in oprops and strip(oprops[k]) == strip(x))
            st(v)["properties_ok"] += ok
            res["diffs"].append(f"schema differs {name}")
    for name in so:
        if name not in sr:
            res["diffs"].append(f"extra schema {name}")
    for path, rp in pr.items():
        v = ver(path)
        for method, rop in rp.items():
            st(v)["operations"] += 1
            oop = (po.get(path) or {}).get(method)
            if oop is None:
                res["diffs"].append(f"missing operation {method} {path}")
            elif strip(oop) == strip(rop):
                st(v)["operations_ok"] += 1
            else:
                res["diffs"].append(f"operation differs {method} {path}")
    for path, op in po.items():
        for method in op:
            if method not in (pr.get(path) or {}):
                res["diffs"].append(f"extra operation {method} {path}")
    if top_level:
        _compare_top_level(ours, ref, res)
    if list(po) != list(pr):
        res["diffs"].append("path order differs")
    if list(so) != list(sr):
        res["diffs"].append("component schema order differs")
    if not ordered_equal(strip(ours.get("paths")), strip(ref["paths"])):
        res["diffs"].append("key order inside paths differs")
    if not ordered_equal(strip(so), strip(sr)):
        res["diffs"].append("key order inside schemas differs")
    tp_o, tp_r = text_presence(ours), text_presence(ref)
    res["text_presence"] = (len(tp_o & tp_r), len(tp_r), len(tp_o - tp_r))
    res["versions"] = stats
    return res


def _compare_top_level(ours: dict, ref: dict, res: dict) -> None:
    # top level (text-free) parts
    for key in ("tags", "servers", "security", "openapi"):
        if strip(ours.get(key)) != strip(ref.get(key)):
            res["diffs"].append(f"top-level {key} differs")
    rc = strip(ref["components"]["securitySchemes"])
    if strip(ours.get("components", {}).get("securitySchemes")) != rc:
        res["diffs"].append("securitySchemes differ")
    ri, oi = ref["info"], ours.get("info", {})
    for k in ("title", "license"):
        if oi.get(k) != ri.get(k):
            res["diffs"].append(f"info.{k} differs")
    rx, ox = dict(ri["x-slurm"]), dict(oi.get("x-slurm", {}))
    for k in ("version", "release"):
        rx.pop(k, None), ox.pop(k, None)
    if rx != ox:
        res["diffs"].append("info.x-slurm differs")
    if list(ours.keys()) != list(ref.keys()):
        res["diffs"].append("top-level key order differs")


def report(res: dict, title: str) -> str:
    lines = [f"== {title}"]
    for v in sorted(res["versions"]):
        c = res["versions"][v]
        lines.append(f"  {v}: schemas {c['schemas_ok']}/{c['schemas']}, "
                     f"properties {c['properties_ok']}/{c['properties']}, "
                     f"operations {c['operations_ok']}/{c['operations']}")
    a, b, extra = res["text_presence"]
    lines.append(f"  description/summary present where the reference has one: {a}/{b} (extra {extra})")
    lines.append(f"  differences: {len(res['diffs'])}")
    for d in res["diffs"][:40]:
        lines.append("    " + d)
    return "\n".join(lines)
