"""Path templates → handlers.

Templates look like ``/slurm/v0.0.45/job/{job_id}``.  Paths are split on ``/``
with empty segments dropped (so ``//slurm//v0.0.45/ping/`` matches
``/slurm/v0.0.45/ping``, as the reference allows), then each segment is
percent-decoded.  A literal segment beats a parameter at the same place.

Bindings may be deferred by a path segment (``defer``): the daemon defers each data parser
version's operations under its version name, so that a process serving one request binds
(and builds the data parser registry of) only the version that request names.  Listing
``bindings`` binds everything deferred.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote


@dataclass(frozen=True)
class Binding:
    """One operation: a concrete path template and method bound to a handler."""

    template: str
    method: str
    handler: Callable[..., Any]
    #: "openapi/slurmctld", "openapi/slurmdbd", "openapi/util" or "" for the core paths.
    plugin: str = ""
    #: Data parser version serving this path ("v0.0.45"), or None.
    version: str | None = None
    #: Wrap the handler's result in the meta/errors/warnings envelope.
    envelope: bool = True
    #: The operation's OpenAPI declaration, when it has one.
    operation: Any = None
    #: Identical concurrent requests may share one execution (``operations/coalesce``).
    coalesce: bool = False
    #: Cheap enough to run on the loop thread (``operations/inline``).
    inline: bool = False


@dataclass
class _Node:
    literal: dict[str, "_Node"] = field(default_factory=dict)
    param: tuple[str, "_Node"] | None = None
    methods: dict[str, Binding] = field(default_factory=dict)


def split_path(path: str) -> list[str]:
    """The path's non-empty segments, each percent-decoded (a segment without ``%`` is its
    own decoding: ``unquote`` is not called for it)."""
    return [unquote(p) if "%" in p else p for p in path.split("/") if p]


class Router:
    def __init__(self) -> None:
        self._root = _Node()
        self._bindings: list[Binding] = []
        #: path segment → what binds the operations under it, not run yet
        self._deferred: dict[str, Callable[[], Any]] = {}
        self._lock = threading.Lock()
        #: The last path matched and its answer: a request matches its path twice (where to
        #: run it, then to serve it).  One entry; ``add`` drops it and counts a generation,
        #: so an answer computed before a binding was added is never kept.
        self._last: tuple[str, Any] | None = None
        self._generation = 0

    @property
    def bindings(self) -> list[Binding]:
        """Every binding, the deferred ones bound first."""
        self._bind_deferred(list(self._deferred))
        return self._bindings

    def defer(self, segment: str, bind: Callable[[], Any]) -> None:
        """Run ``bind`` (which calls ``add``) when a matched path has ``segment`` among its
        segments, or when ``bindings`` is read; before that its paths are unknown here."""
        with self._lock:
            if segment in self._deferred:
                raise ValueError("segment %r deferred twice" % segment)
            self._deferred[segment] = bind

    def _bind_deferred(self, segments) -> None:
        """Bind what ``segments`` name and is still deferred.  A segment leaves ``_deferred``
        only once its bindings are in, so a request that finds it gone (without the lock:
        most requests name no deferred segment) can match at once."""
        deferred = self._deferred
        if not any(seg in deferred for seg in segments):
            return
        with self._lock:
            for seg in segments:
                bind = deferred.get(seg)
                if bind is not None:
                    try:
                        bind()
                    finally:
                        del deferred[seg]

    def add(self, binding: Binding) -> None:
        node = self._root
        for seg in [p for p in binding.template.split("/") if p]:
            if seg.startswith("{") and seg.endswith("}"):
                name = seg[1:-1]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:
                    raise ValueError("conflicting parameter names at %s" % binding.template)
                node = node.param[1]
            else:
                node = node.literal.setdefault(seg, _Node())
        if binding.method in node.methods:
            raise ValueError("%s %s bound twice" % (binding.method, binding.template))
        node.methods[binding.method] = binding
        self._bindings.append(binding)
        self._generation += 1
        self._last = None

    def match(self, path: str) -> tuple[dict[str, Binding], dict[str, str]] | None:
        """Return (bindings by method, path parameters) or None when no path matches."""
        last = self._last
        if last is not None and last[0] == path:
            found = last[1]
            return None if found is None else (found[0], dict(found[1]))
        generation = self._generation
        found = self._match(path)
        if self._generation == generation:
            self._last = (path, found)
        return None if found is None else (found[0], dict(found[1]))

    def _match(self, path: str) -> tuple[dict[str, Binding], dict[str, str]] | None:
        segs = split_path(path)
        self._bind_deferred(segs)
        params: dict[str, str] = {}
        node = _walk(self._root, segs, 0, params)
        if node is None:
            return None
        return node.methods, params


def _walk(node: _Node, segs: list[str], i: int, params: dict[str, str]) -> _Node | None:
    """The node serving ``segs[i:]`` below ``node``, literals before parameters; fills ``params``.

    A plain function, not a closure over ``_match``'s locals: a closure that calls
    itself refers to itself through its own cell, a cycle for every match.
    """
    if i == len(segs):
        return node if node.methods else None
    child = node.literal.get(segs[i])
    if child is not None:
        found = _walk(child, segs, i + 1, params)
        if found is not None:
            return found
    if node.param is not None:
        name, child = node.param
        found = _walk(child, segs, i + 1, params)
        if found is not None:
            params[name] = segs[i]
            return found
    return None
