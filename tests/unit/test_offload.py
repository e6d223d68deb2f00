"""Dump processes (``slurmrestd.offload``) with real child interpreters: a job list dumped in
one gives the bytes the daemon's own interpreter gives; a malformed reply fails the same way;
slots bound the work; a process that dies, hangs or cannot start never loses a request."""

import glob
import os
import threading
import time

import pytest

from slurmrestd import serializers
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.errors import E, SlurmError
from slurmrestd.offload import Offload, tune_malloc
from slurmrestd.operations.slurmctld import job_list
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "rpc", "golden", "jobs")
CAPTURES = sorted(glob.glob(os.path.join(GOLDEN, "*-jobs-0.resp.bin")))
VERSIONS = ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]
#: the standard library's functions the tests send (the daemon only sends its own)
TEST_ALLOWED = ("slurmrestd.", "time", "posix", "builtins")


def _body(path):
    with open(path, "rb") as fh:
        msg = decode_message(fh.read()[4:])
    return bytes(msg.body.view[msg.body.offset:msg.body.end]), msg.header.version


def _ready(off: Offload, n: int = 1, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(off._idle) < n:
        assert time.monotonic() < deadline, "dump processes did not start"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def offload():
    off = Offload(1, min_bytes=1, timeout_s=30, allowed=TEST_ALLOWED,
                  warm=[(job_list.prepare, (v,)) for v in VERSIONS])
    off.start()
    _ready(off)
    yield off
    off.close()


def _answer(doc: dict) -> bytes:
    """The bytes of an answer as the envelope writes them (pieces joined)."""
    return b"".join(serializers.dump_parts("application/json", {**doc, "meta": {}, "errors": [], "warnings": []}))


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_list_dumped_in_a_process_is_the_same_answer(offload, path, version):
    body, proto = _body(path)
    here, _ = job_list.dump(body, proto, ParserContext(version=version), version)
    remote, out = offload.run(job_list.dump_serialized, (body, proto, version, "", (16, 60.0)),
                              lambda: pytest.fail("done here"))
    assert remote
    doc, jobs, errors, warnings, count, last_update = out
    assert isinstance(jobs, bytes) and list(doc) == list(here)  # the members keep their order
    doc["jobs"] = serializers.JsonText(jobs)
    assert _answer(doc) == _answer(here)
    assert count == len(here["jobs"]) and last_update
    # and the other writers see the same document
    assert serializers.dump_yaml(doc) == serializers.dump_yaml(here)


def test_a_malformed_reply_fails_the_same_way_in_a_process(offload):
    body, proto = _body(CAPTURES[0])
    cut = body[:len(body) // 2]
    with pytest.raises(SlurmError) as here:
        job_list.dump(cut, proto, ParserContext(), "v0.0.45")
    with pytest.raises(SlurmError) as there:
        offload.run(job_list.dump_serialized, (cut, proto, "v0.0.45", "", (16, 60.0)), lambda: None)
    assert here.value.errno == there.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR
    assert (here.value.description, here.value.source) == (there.value.description, there.value.source)
    assert offload.run(time.time, (), lambda: None)[0]  # the process is still there


def test_only_functions_of_the_allowed_modules_run(offload):
    off = Offload(1, min_bytes=1, timeout_s=30)  # the daemon's: this package only
    off.start()
    try:
        _ready(off)
        assert off.run(time.time, (), lambda: "here") == (False, "here")
        assert off.run(job_list.prepare, ("v0.0.45",), lambda: "here") == (True, None)
    finally:
        off.close()


def test_when_every_slot_is_busy_requests_wait_and_only_here_slots_work_here():
    off = Offload(1, min_bytes=1, timeout_s=30, allowed=TEST_ALLOWED, here_slots=1)
    off.start()
    try:
        _ready(off)
        lock, here_now, seen = threading.Lock(), [0], []

        def here():
            with lock:
                here_now[0] += 1
                seen.append(here_now[0])
            time.sleep(0.2)
            with lock:
                here_now[0] -= 1
            return "here"

        results = []
        threads = [threading.Thread(target=lambda: results.append(off.run(time.sleep, (0.2,), here)))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 6
        assert max(seen) == 1  # never two lists at once in the daemon's interpreter
        assert {r for r, _ in results} == {True, False}  # both the process and the daemon worked
    finally:
        off.close()


def test_a_process_that_dies_is_replaced_and_the_request_done_here():
    off = Offload(1, min_bytes=1, timeout_s=30, allowed=TEST_ALLOWED)
    off.start()
    try:
        _ready(off)
        first = next(iter(off._idle)).proc.pid
        assert off.run(os._exit, (3,), lambda: "here") == (False, "here")
        _ready(off)
        assert next(iter(off._idle)).proc.pid != first
        assert off.run(time.time, (), lambda: "here")[0]
    finally:
        off.close()


def test_a_process_that_hangs_is_killed_after_the_timeout():
    off = Offload(1, min_bytes=1, timeout_s=0.5, allowed=TEST_ALLOWED)
    off.start()
    try:
        _ready(off)
        t0 = time.monotonic()
        assert off.run(time.sleep, (30,), lambda: "here") == (False, "here")
        assert time.monotonic() - t0 < 10
        _ready(off)  # a fresh one
    finally:
        off.close()


def test_processes_that_cannot_start_turn_off_and_nothing_waits(tmp_path):
    off = Offload(1, min_bytes=1, timeout_s=5, executable=str(tmp_path / "no-such-python"), max_failures=2)
    off.start()
    deadline = time.monotonic() + 30
    while off.enabled_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not off.enabled_processes()
    t0 = time.monotonic()
    assert off.run(time.time, (), lambda: "here") == (False, "here")
    assert time.monotonic() - t0 < 1


def test_after_close_the_caller_does_the_work():
    off = Offload(1, min_bytes=1, timeout_s=30, allowed=TEST_ALLOWED)
    off.start()
    _ready(off)
    child = next(iter(off._idle))
    off.close()
    assert child.proc.wait(10) is not None  # the process ended
    assert off.run(time.time, (), lambda: "here") == (False, "here")


def test_tune_malloc():
    assert tune_malloc(256 * 1024) in (True, False)  # True with glibc
    assert tune_malloc(0) is False


def test_a_request_does_not_wait_for_a_process_still_starting():
    off = Offload(1, min_bytes=1, timeout_s=30, allowed=TEST_ALLOWED, warm=[(time.sleep, (3,))])
    off.start()
    try:
        t0 = time.monotonic()
        assert off.run(time.time, (), lambda: "here") == (False, "here")
        assert time.monotonic() - t0 < 1
        assert off.stats()["starting"] == 1
        _ready(off)
        assert off.run(time.time, (), lambda: "here")[0]
        assert off.stats()["done_process"] == 1 and off.stats()["done_daemon"] == 1
    finally:
        off.close()
