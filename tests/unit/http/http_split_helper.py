"""Drive a RequestParser over input split in many ways and check the outcome never changes."""

from __future__ import annotations

import random
from dataclasses import dataclass

from slurmrestd.http.events import CONNECTION_CLOSED, NEED_DATA, PAUSED, ContinueExpected, Request
from slurmrestd.http.parser import HttpError, RequestParser
from slurmrestd.settings import Limits


@dataclass
class Outcome:
    events: list  # Request objects, "CONTINUE" and "CLOSED" markers, in order
    error: HttpError | None

    @property
    def requests(self) -> list[Request]:
        return [e for e in self.events if isinstance(e, Request)]

    def key(self):
        err = None if self.error is None else (self.error.status, self.error.errno, self.error.message)
        return (self.events, err)


def drive(chunks, limits: Limits | None = None, eof: bool = False) -> Outcome:
    """Feed ``chunks`` one by one, draining events after each; start the next request after each one."""
    parser = RequestParser(limits or Limits())
    events: list = []

    def drain() -> bool:
        while True:
            ev = parser.next_event()
            if ev is NEED_DATA:
                return True
            if ev is PAUSED:
                last = events[-1]
                if not last.keep_alive:
                    return False
                parser.start_next_request()
                continue
            if ev is CONNECTION_CLOSED:
                events.append("CLOSED")
                return False
            if isinstance(ev, ContinueExpected):
                events.append("CONTINUE")
                continue
            assert isinstance(ev, Request), ev
            events.append(ev)

    try:
        for chunk in chunks:
            parser.receive_data(chunk)
            if not drain():
                return Outcome(events, None)
        if eof:
            parser.receive_data(b"")
            drain()
    except HttpError as err:
        # A dead parser keeps raising the same error (a fresh copy each time).
        try:
            parser.next_event()
        except HttpError as again:
            assert (again.status, again.errno, again.message) == (err.status, err.errno, err.message)
        else:  # pragma: no cover
            raise AssertionError("parser did not stay dead")
        return Outcome(events, err)
    return Outcome(events, None)


def splittings(data: bytes, seed: int = 0, random_rounds: int = 12, all_pairs_max: int = 2000):
    """Whole, byte by byte, every 2-way split (for short inputs), and seeded random splits."""
    yield "whole", [data]
    yield "bytes", [data[i : i + 1] for i in range(len(data))]
    if len(data) <= all_pairs_max:
        for i in range(1, len(data)):
            yield "split@%d" % i, [data[:i], data[i:]]
    rng = random.Random(seed ^ len(data))
    for r in range(random_rounds):
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 8)))) if len(data) > 1 else []
        bounds = [0, *cuts, len(data)]
        yield "random%d" % r, [data[a:b] for a, b in zip(bounds, bounds[1:])]


def outcome(data: bytes, limits: Limits | None = None, eof: bool = False) -> Outcome:
    """The outcome of parsing ``data``, asserted identical for every way of splitting it."""
    reference = drive([data], limits, eof)
    for name, chunks in splittings(data):
        got = drive(chunks, limits, eof)
        assert got.key() == reference.key(), "split %s changed the outcome: %r vs %r" % (name, got, reference)
    return reference
