"""A small thread-safe LRU map for daemon-wide caches (bounded: memory stays flat)."""

from __future__ import annotations

import collections
import threading
from typing import Any, Hashable


class LruCache:
    """Keeps the ``size`` most recently used entries; ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._lock = threading.Lock()
        self._data: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
        #: Lookups that found an entry / found none, since start (the metrics read them).
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return hit

    def put(self, key: Hashable, value: Any) -> None:
        if not self.size:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
