#!/usr/bin/env python3
"""Bootstrap slurmrestd/openapi/paths.py from the C openapi plugin tables.

Facts (paths, methods, tags, data parser types) come from the C tables; the
summaries/descriptions are our own short phrases (written here, then edited
in paths.py as normal source).
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import extract_paths  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "slurmrestd", "openapi", "paths.py")
TAGS = {"slurmctld": "slurm", "slurmdbd": "slurmdb", "util": "util"}
VERB = {"get": "Get", "post": "Update", "delete": "Delete"}


def resource(path: str) -> str:
    parts = [p for p in path.split("/") if p][2:]
    return " ".join(parts)


def q(s):
    return "None" if s is None else '"' + s.replace('"', '\\"') + '"'


def main():
    out = ['''"""Every operation the slurmctld, slurmdbd and util plugins offer.

Declared once with the ``{data_parser}`` placeholder; ``document.py`` binds
each path to every loaded data parser version for which all of the
operation's types exist (that is how older versions expose fewer
operations).  Types are data parser type names.  Paths, methods, tags and types
follow the C plugin tables (src/slurmrestd/plugins/openapi/*/api.c); the texts
are ours.
"""
# flake8: noqa: E501
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Method:
    method: str
    summary: str
    response: str
    response_desc: Optional[str] = None
    parameters: Optional[str] = None   # ARRAY type describing path parameters
    query: Optional[str] = None        # ARRAY type describing query parameters
    body: Optional[str] = None
    body_desc: Optional[str] = None
    description: Optional[str] = None


@dataclass(frozen=True)
class Path:
    template: str
    handler: str
    methods: tuple


@dataclass(frozen=True)
class Plugin:
    name: str          # short name: slurmctld, slurmdbd, util
    type: str          # plugin type string: openapi/slurmctld
    title: str         # plugin name shown in meta
    tag: str
    paths: tuple

''']
    data = {p: extract_paths.extract(p) for p in extract_paths.PLUGINS}
    titles = {"slurmctld": "Slurm OpenAPI slurmctld", "slurmdbd": "Slurm OpenAPI slurmdbd",
              "util": "Slurm OpenAPI util"}
    for plugin, paths in data.items():
        out.append(f"{plugin.upper()} = Plugin(\n    name={q(plugin)},\n    type={q('openapi/' + plugin)},\n"
                   f"    title={q(titles[plugin])},\n    tag={q(TAGS[plugin])},\n    paths=(\n")
        for p in paths:
            out.append(f"        Path({q(p['path'])}, {q(p['callback'])}, (\n")
            for m in p["methods"]:
                summ = f"{VERB[m['method']]} {resource(p['path'])}"
                args = [q(m["method"]), q(summ), q(m["response"])]
                kw = []
                if m["response_desc"] is not None:
                    kw.append(f"response_desc={q('Result of: ' + summ.lower())}")
                for k in ("parameters", "query", "body"):
                    if m[k]:
                        kw.append(f"{k}={q(m[k])}")
                if m["body_desc"] is not None:
                    kw.append(f"body_desc={q('Request: ' + summ.lower())}")
                if m["description"] is not None:
                    kw.append(f"description={q('Operation on ' + resource(p['path']) + '; see the schemas for details.')}")
                out.append("            Method(" + ", ".join(args + kw) + "),\n")
            out.append("        )),\n")
        out.append("    ),\n)\n\n")
    out.append("PLUGINS = {p.name: p for p in (SLURMCTLD, SLURMDBD, UTIL)}\n")
    with open(OUT, "w") as fh:
        fh.write("".join(out))


if __name__ == "__main__":
    main()
