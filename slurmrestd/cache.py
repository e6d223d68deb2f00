"""A small thread-safe LRU map for daemon-wide caches (bounded: memory stays flat).

Every cache of the daemon that can grow with its input is one of these or keeps its own
explicit bound; docs/layout.md lists them all with the ``Limits`` fields that bound them.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Hashable


class LruCache:
    """Keeps the ``size`` most recently used entries; ``size`` 0 keeps nothing.

    ``max_weight`` (0: none) also bounds the sum of the weights given to ``put`` (bytes, jobs
    …): the least recently used entries go until the rest fit, and an entry heavier than the
    whole budget is not kept at all."""

    def __init__(self, size: int, max_weight: int = 0) -> None:
        self.size = max(0, size)
        self.max_weight = max(0, max_weight)
        self._lock = threading.Lock()
        self._data: collections.OrderedDict[Hashable, tuple[Any, int]] = collections.OrderedDict()
        #: Sum of the weights of the entries kept.
        self.weight = 0
        #: Lookups that found an entry / found none, since start (the metrics read them).
        self.hits = 0
        self.misses = 0
        #: Entries dropped to stay within the bounds, since start.
        self.evictions = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                self.hits += 1
                return hit[0]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: Any, weight: int = 1) -> None:
        if not self.size:
            return
        weight = max(0, int(weight))
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            if self.max_weight and weight > self.max_weight:
                self.evictions += 1
                return
            self._data[key] = (value, weight)
            self.weight += weight
            while len(self._data) > self.size or (self.max_weight and self.weight > self.max_weight):
                _, (_, w) = self._data.popitem(last=False)
                self.weight -= w
                self.evictions += 1

    def __len__(self) -> int:
        return len(self._data)
