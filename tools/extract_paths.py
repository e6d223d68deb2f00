#!/usr/bin/env python3
"""Extract the openapi_path_binding_t tables of the slurmrestd openapi plugins.

Reads src/slurmrestd/plugins/openapi/{slurmctld,slurmdbd,util}/api.c from the
local SchedMD mirror and prints, per plugin, the paths with their methods:
method, tags, the data parser types of response/parameters/query/body, and
whether the C table carries a summary/description (our texts are written in
slurmrestd/openapi/paths.py).

Usage: extract_paths.py [--tag TAG] [--repo DIR] > out.json  (the repository as
for extract_parsers.py: --repo, else $SLURM_GIT_MIRROR, else ../slurm beside the checkout)
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

from extract_parsers import DEFAULT_TAG, MIRROR_ENV, mirror, tokenize

PLUGINS = ("slurmctld", "slurmdbd", "util")


def _parse_value(toks, i):
    # compound literal: ( type ) { ... }
    if toks[i] == ("op", "(") :
        depth = 0
        j = i
        while True:
            if toks[j] == ("op", "("):
                depth += 1
            elif toks[j] == ("op", ")"):
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if toks[j + 1] == ("op", "{"):
            return _parse_value(toks, j + 1)
    if toks[i] == ("op", "{"):
        i += 1
        d, lst = {}, []
        while toks[i] != ("op", "}"):
            if toks[i] == ("op", ","):
                i += 1
                continue
            if toks[i] == ("op", ".") and toks[i + 2] == ("op", "="):
                name = toks[i + 1][1]
                v, i = _parse_value(toks, i + 3)
                d[name] = v
            else:
                v, i = _parse_value(toks, i)
                lst.append(v)
        return (d if d else lst), i + 1
    # scalar: tokens until , or } at depth 0
    out = []
    depth = 0
    while True:
        t = toks[i]
        if depth == 0 and t[0] == "op" and t[1] in ",}":
            break
        if t[0] == "op" and t[1] in "([":
            depth += 1
        if t[0] == "op" and t[1] in ")]":
            depth -= 1
        out.append(t)
        i += 1
    if out and all(k == "str" for k, _ in out):
        return "".join(json.loads(v) for _, v in out), i
    return " ".join(v for _, v in out), i


def extract(plugin: str, tag: str = DEFAULT_TAG, repo: str | None = None):
    src = subprocess.run(["git", "-C", mirror(repo), "show",
                          f"{tag}:src/slurmrestd/plugins/openapi/{plugin}/api.c"],
                         check=True, capture_output=True, text=True).stdout
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    m = re.search(r"openapi_paths\[\]\s*=\s*", src)
    toks = tokenize(src[m.end():])
    val, _ = _parse_value(toks, 0)
    paths = []
    for p in val:
        if not isinstance(p, dict) or "path" not in p:
            continue
        methods = []
        for mm in p["methods"]:
            if not isinstance(mm, dict) or not mm:
                continue
            methods.append({
                "method": mm["method"].replace("HTTP_REQUEST_", "").lower(),
                "tags": mm.get("tags"),
                "summary": mm.get("summary"),
                "description": mm.get("description"),
                "response": (mm.get("response") or {}).get("type", "").replace("DATA_PARSER_", "") or None,
                "response_desc": (mm.get("response") or {}).get("description"),
                "parameters": (mm.get("parameters") or "").replace("DATA_PARSER_", "") or None,
                "query": (mm.get("query") or "").replace("DATA_PARSER_", "") or None,
                "body": (mm.get("body") or {}).get("type", "").replace("DATA_PARSER_", "") or None,
                "body_desc": (mm.get("body") or {}).get("description"),
            })
        paths.append({"path": p["path"], "callback": p.get("callback"),
                      "flags": p.get("flags"), "methods": methods})
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default=DEFAULT_TAG)
    ap.add_argument("--repo", default=None, help="slurm git repository (default: $%s)" % MIRROR_ENV)
    a = ap.parse_args()
    json.dump({p: extract(p, a.tag, a.repo) for p in PLUGINS}, sys.stdout, indent=1)
