"""conmgr.outbuf: the queue of bytes a connection still has to send."""

from slurmrestd.conmgr.outbuf import BY_REFERENCE, OutputBuffer


def test_small_writes_are_gathered_into_one_chunk():
    out = OutputBuffer()
    assert not out and len(out) == 0
    out.append(b"HTTP/1.1 200 OK\r\n")
    out.append(b"\r\n")
    out.append(b"")
    assert len(out) == 19 and bytes(out) == b"HTTP/1.1 200 OK\r\n\r\n"
    assert bytes(out.first()) == bytes(out)  # one send takes both


def test_a_big_body_is_queued_by_reference_not_copied():
    body = b"x" * BY_REFERENCE
    out = OutputBuffer()
    out.append(b"head")
    out.append(body)
    assert len(out) == 4 + len(body)
    assert bytes(out.first()) == b"head"
    out.consume(4)
    view = out.first()
    assert isinstance(view, memoryview) and view.obj is body


def test_partial_sends_keep_the_order_of_everything_queued():
    body = bytes(range(256)) * (BY_REFERENCE // 256 + 3)
    out = OutputBuffer()
    for piece in (b"a" * 10, body, b"tail-1", b"tail-2", memoryview(body)):
        out.append(piece)
    expected = b"a" * 10 + body + b"tail-1tail-2" + body
    sent = bytearray()
    step = 0
    while out:
        step = step % 7 + 1
        chunk = out.first()
        n = min(len(chunk), step * 1000)
        sent += chunk[:n]
        out.consume(n)
        assert len(out) == len(expected) - len(sent)
    assert bytes(sent) == expected


def test_a_mutable_big_buffer_is_copied():
    data = bytearray(b"y" * BY_REFERENCE)
    out = OutputBuffer()
    out.append(data)
    data[0:1] = b"z"  # the caller changes its buffer after writing it
    assert bytes(out) == b"y" * BY_REFERENCE


def test_clear_drops_everything():
    out = OutputBuffer()
    out.append(b"x" * (2 * BY_REFERENCE))
    out.append(b"y")
    out.clear()
    assert not out and bytes(out) == b""
