"""Failed-login accounting: at most N failures per key in a sliding window.

Keys are strings such as ``addr:192.0.2.7`` and ``user:alice``.  The table is
bounded (least recently touched keys are forgotten first), so a flood of
distinct names cannot grow memory; forgetting a key only ever lets a client
try again sooner.  A key longer than ``MAX_KEY_CHARS`` is kept as its SHA-256, so
that a user name of 64 kB costs no more than a short one.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
from typing import Callable


#: Keys longer than this are remembered by their SHA-256 (hex) instead.
MAX_KEY_CHARS = 96


def _short(key: str) -> str:
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class FailureLimiter:
    def __init__(self, max_failures: int, window_s: float, max_keys: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max(1, max_keys)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()

    def _recent(self, key: str, now: float) -> collections.deque | None:
        q = self._failures.get(key)
        if q is None:
            return None
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if not q:
            del self._failures[key]
            return None
        return q

    def blocked_for(self, *keys: str) -> float:
        """Seconds until every key may try again (0: none is blocked)."""
        if self.max_failures <= 0:
            return 0.0
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                q = self._recent(_short(key), now)
                if q is not None and len(q) >= self.max_failures:
                    wait = max(wait, q[-self.max_failures] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in map(_short, keys):
                q = self._recent(key, now)
                if q is None:
                    q = self._failures[key] = collections.deque(maxlen=max(1, self.max_failures))
                q.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def __len__(self) -> int:
        return len(self._failures)
