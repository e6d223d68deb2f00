"""Leaf codecs: how single Slurm values become JSON data and back.

One module per area; each declares its functions in a ``CODECS`` set (see
:mod:`.base`).  ``AREAS`` below is the one place that registers them: the
registries hand the merged tables to the engine, which never imports an area.
A leaf type without a codec falls back to the type its schema points at
(``pointer_to``), its element type (``array_of``) or a plain conversion by
OpenAPI format (:mod:`slurmrestd.data_parser.plain`).

Adding an area: write ``codecs/NAME.py`` with ``CODECS = CodecSet()`` and list it
in ``AREAS``.  A codec of a later area replaces one of the same name from an
earlier area.
"""

from __future__ import annotations

from slurmrestd.data_parser.codecs import (
    accounting, controller, dbd, dbd_jobs, hostlists, job_desc, jobids, jobs, legacy, messages, nodes, numbers,
    partitions, qos, resources, stdio, strings, timestamps, tres, users,
)
from slurmrestd.data_parser.codecs.base import Codecs, merge
from slurmrestd.data_parser.codecs.hostlists import hostlist_expand

#: The codec areas, in registration order.
AREAS = (
    numbers,
    strings,
    timestamps,
    hostlists,
    users,
    jobids,
    resources,
    jobs,
    job_desc,
    stdio,
    tres,
    qos,
    accounting,
    messages,
    controller,
    nodes,
    partitions,
    dbd,
    dbd_jobs,
    legacy,  # v0.0.40/v0.0.41: last, it dispatches to the newer codecs of the same names
)

#: Every codec: ``CODECS.dump[type_name](dumper, decl, value)``,
#: ``CODECS.parse[type_name](parser, decl, data, path)``.
CODECS: Codecs = merge(AREAS)

__all__ = ["AREAS", "CODECS", "hostlist_expand"]
