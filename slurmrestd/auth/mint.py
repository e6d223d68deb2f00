"""Short-lived tokens the daemon signs itself, for callers it has proven some other way.

Used after a PAM login (HTTP Basic) and for a root peer of ``rest_auth/local``
that names another user.  The token is what ``scontrol token`` makes (HS256,
``iat``, ``exp``, ``sun``), signed with the site's ``jwt_key``, so slurmctld and
slurmdbd accept it like any other.  This is the trust it costs: a daemon that
can mint can act as any user, root and SlurmUser included.

A token is reused for the same user while more than half of its life is left,
so that a user's requests share their slurmdbd connections and cached job
lists instead of opening new ones for every request.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from slurmrestd.cache import LruCache


class TokenMinter:
    def __init__(self, key: bytes, lifespan_s: int = 300, cache_entries: int = 1024,
                 cache_bytes: int = 4 * 1024 * 1024, clock: Callable[[], float] = time.time) -> None:
        if not key:
            raise ValueError("minting tokens needs the HS256 jwt_key")
        if lifespan_s < 2:
            raise ValueError("token lifespan must be at least 2 seconds")
        self._key = key
        self.lifespan_s = int(lifespan_s)
        self._clock = clock
        self._cache = LruCache(cache_entries, cache_bytes)
        self._lock = threading.Lock()

    def token_for(self, user: str) -> str:
        """A valid token whose ``sun`` is ``user``, with at least half its lifespan left."""
        now = self._clock()
        hit = self._cache.get(user)
        if hit is not None and hit[1] - now > self.lifespan_s / 2:
            return hit[0]
        with self._lock:
            hit = self._cache.get(user)
            if hit is not None and hit[1] - now > self.lifespan_s / 2:
                return hit[0]
            token, exp = self.mint(user, now)
            self._cache.put(user, (token, exp), 200 + len(user) + len(token))
            return token

    def mint(self, user: str, now: float | None = None) -> tuple[str, int]:
        iat = int(self._clock() if now is None else now)
        exp = iat + self.lifespan_s
        import jwt  # imported on first use (see auth/verify.py)

        token = jwt.encode({"iat": iat, "exp": exp, "sun": user}, self._key, algorithm="HS256")
        return token, exp
