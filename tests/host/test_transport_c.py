"""The transport's C parts on the host kernel (unix message sockets, both
loops): TransportBase.send (the common case in C, the rest in Python's
_send_slow with the same arguments and the same errors), bind_transport,
ReadStep (the one-to-one read step) and the receive information an ignoring
callback leaves for the next message.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
import tracemalloc
from typing import Any, List, Tuple

import pytest

import aiosctp
from aiosctp import _sctp
from aiosctp import transport as T
from aiosctp.message import MessageInfo

from test_unix_transport import _pair, _run


async def _end(ta: Any, pa: Any, pb: Any) -> None:
    """Close from ta's side; both ends see connection_lost."""
    ta.close()
    await pa.lost
    await pb.lost


class Index:
    """An integer that is not an int (numpy's are like this)."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __index__(self) -> int:
        return self.v


def test_send_errors_are_the_python_ones(loop: asyncio.AbstractEventLoop) -> None:
    """Every bad call raises what the checked Python path raises, and sends
    nothing: the C method hands whatever is not its common case over."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        bad: List[Tuple[Tuple[Any, ...], Any, Any]] = [
            (("text",), {}, TypeError),
            ((b"",), {}, ValueError),
            ((b"x",), {"stream": -1}, OverflowError),
            ((b"x",), {"stream": 1 << 16}, OverflowError),
            ((b"x",), {"stream": True}, TypeError),
            ((b"x",), {"ppid": 1 << 32}, OverflowError),
            ((b"x",), {"ppid": 1.0}, TypeError),
            ((b"x",), {"unordered": 1}, TypeError),
            ((b"x",), {"context": -1}, OverflowError),
            ((b"x",), {"ttl": 1 << 32}, OverflowError),
            ((b"x",), {"bogus": 1}, TypeError),
            ((b"x", 1), {}, TypeError),
            ((), {}, TypeError),
        ]
        for args, kwargs, exc in bad:
            with pytest.raises(exc):
                ta.send(*args, **kwargs)
            with pytest.raises(exc):
                ta._send_slow(*args, **kwargs)
        ta.send(b"last")
        await pb.until(1)
        assert [d for d, _ in pb.messages] == [b"last"]
        await _end(ta, pa, pb)

    _run(loop, main())


def test_send_unusual_arguments_and_the_queue(loop: asyncio.AbstractEventLoop) -> None:
    """bytearray/memoryview data, __index__ integers and keywords that are
    not interned strings all work (through the Python path or the C one);
    behind a queue the C path queues in order with its send information."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        tb.pause_reading()
        name = "".join(["str", "eam"])  # not the interned "stream"
        sent = []
        for i in range(T.SENDS_PER_TURN + 20):
            data = b"%04d" % i
            if i % 3 == 0:
                ta.send(bytearray(data), stream=Index(3), ppid=7)
            elif i % 3 == 1:
                ta.send(memoryview(data), **{name: 3, "ppid": 7})
            else:
                ta.send(data, **{name: 3, "ppid": 7, "unordered": False, "context": 5})
            sent.append(data)
        queued = ta._buffer.items()
        assert len(queued) == 20
        assert [(s, p) for _, s, p, *_ in queued] == [(3, 7)] * 20
        assert ta.get_write_buffer_size() == 20 * 4
        tb.resume_reading()
        await pb.until(len(sent))
        assert [d for d, _ in pb.messages] == sent
        await _end(ta, pa, pb)

    _run(loop, main())


def test_send_when_closing_or_closed(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        ta.close()
        with pytest.raises(BrokenPipeError):
            ta.send(b"x")
        await pa.lost
        with pytest.raises(ConnectionResetError):
            ta.send(b"x", stream=1)
        await pb.lost

    _run(loop, main())


def test_unix_socket_sends_no_sctp_control_data(loop: asyncio.AbstractEventLoop) -> None:
    """The transport on a unix message socket attaches no SNDINFO (the
    kernel would skip it unread); its queue is made to match."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        assert ta._sndinfo is False
        tb.pause_reading()
        for i in range(T.SENDS_PER_TURN + 1):
            ta.send(b"x")
        q = ta._buffer
        assert len(q) == 1
        # the same queue type with SCTP's control data is the default
        assert _sctp.SendQueue().items() == []
        with pytest.raises(TypeError):
            _sctp.SendQueue(sndinfo=True, other=1)
        tb.resume_reading()
        await pb.until(T.SENDS_PER_TURN + 1)
        await _end(ta, pa, pb)

    _run(loop, main())


def test_bind_transport_refuses_what_it_cannot_read() -> None:
    with pytest.raises(TypeError):
        _sctp.bind_transport(object, object)
    with pytest.raises(TypeError):
        _sctp.bind_transport(T.SCTPTransport)  # type: ignore[call-arg]

    class NoSlots(_sctp.TransportBase):
        pass

    with pytest.raises((TypeError, AttributeError)):
        _sctp.bind_transport(NoSlots, T._SendCredit)
    with pytest.raises((TypeError, AttributeError)):
        _sctp.bind_transport(T.SCTPTransport, object)
    # the binding in force is unchanged: a send on an unbound class goes to
    # its Python _send_slow (here: missing)
    with pytest.raises(AttributeError):
        NoSlots().send(b"x")


def test_read_step_arguments() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        reader = _sctp.Reader(b.fileno(), 65536, MessageInfo, True)
        with pytest.raises(TypeError):
            _sctp.ReadStep(object(), None, None, print, print, 32)
        with pytest.raises(TypeError):
            _sctp.ReadStep(reader, None, None, None, print, 32)
        with pytest.raises(TypeError):
            _sctp.ReadStep(reader, None, None, print, print, "32")
        calls: List[int] = []

        class Owner:
            _reading = True
            _cut = False

        def slow(batch: int) -> Tuple[int, int, bool]:
            calls.append(batch)
            return 0, 0, False

        # an object that is not a transport: its getattrs fail, cleanly
        step = _sctp.ReadStep(reader, object(), Owner(), slow, print, 32)
        with pytest.raises(ValueError):
            step(0)
        with pytest.raises(TypeError):
            step(4, 5)
        with pytest.raises(AttributeError):
            step(4)
    finally:
        a.close()
        b.close()


def test_kept_infos_are_not_reused(loop: asyncio.AbstractEventLoop) -> None:
    """An info the callback keeps stays as it was; one it drops may carry
    the next message's information (one object per batch, not per
    message)."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        seen: List[int] = []
        orig = pb.message_received

        def dropping(data: bytes, info: MessageInfo) -> None:
            seen.append(id(info))
            if data.startswith(b"k"):
                orig(data, info)

        pb.message_received = dropping  # type: ignore[method-assign]
        tb.set_protocol(pb)
        tb.pause_reading()
        for i in range(40):
            ta.send(b"%s%d" % (b"k" if i % 4 == 0 else b"d", i))
        await asyncio.sleep(0)
        tb.resume_reading()
        await pb.until(10)
        kept = [info for _, info in pb.messages]
        assert len({id(i) for i in kept}) == 10
        assert all(i == MessageInfo(0, 0, False, 0, 0, 0, 0) for i in kept)
        assert len(set(seen)) < 40
        await _end(ta, pa, pb)

    _run(loop, main())


def test_no_leak_through_send_and_read_step(loop: asyncio.AbstractEventLoop) -> None:
    """2 x 10^5 messages through TransportBase.send (at once and queued) and
    ReadStep: the reference counts of what every call reuses do not move and
    traced Python memory does not grow with the count."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        count = [0]
        pb.message_received = lambda data, info: count.__setitem__(0, count[0] + 1)  # type: ignore[method-assign]
        tb.set_protocol(pb)
        payload = b"p" * 64
        ta.set_write_buffer_limits(high=1 << 30)

        async def run(n: int) -> None:
            target = count[0] + n
            for i in range(n):
                ta.send(payload, stream=1, ppid=2)
                if i % 256 == 255:
                    await asyncio.sleep(0)
            while count[0] < target:
                await asyncio.sleep(0)

        await run(200_000)  # warm up: caches, the queue's array at its size
        gc.collect()
        watched = [payload, ta, tb, pb, MessageInfo, ta._credit]
        refs = [sys.getrefcount(o) for o in watched]
        tracemalloc.start()
        snap0 = tracemalloc.take_snapshot()
        await run(200_000)
        gc.collect()
        snap1 = tracemalloc.take_snapshot()
        tracemalloc.stop()
        assert [sys.getrefcount(o) for o in watched] == refs
        grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
        assert grown < 256 * 1024, grown  # one object per message: > 10 MB
        await _end(ta, pa, pb)

    _run(loop, main())


def test_transport_is_still_an_asyncio_transport() -> None:
    assert issubclass(T.SCTPTransport, asyncio.Transport)
    assert T.SCTPTransport.send is _sctp.TransportBase.send
    assert "ConnectionError" in (T.SCTPTransport.send.__doc__ or "")
    assert T._CLOSED == 3  # ReadStep's go_on reads this state number
    assert aiosctp.SCTPTransport is T.SCTPTransport


def test_send_queue_counts_its_bytes() -> None:
    """SendQueue.nbytes: what get_write_buffer_size() reports, kept by the
    queue itself (push, append, what flush sent, clear)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        q = _sctp.SendQueue()
        assert q.nbytes == 0
        assert q.push(b"abc", 1, 2, False, 0, 0, 0, 0, 1 << 16) == 3
        q.append(b"defgh", 1, 2, 0, 0, 0, 0)
        assert q.push(b"", 1, 2, False, 0, 0, 0, 0, 1 << 16) == 0  # refused: not counted
        assert q.nbytes == 8
        assert q.flush(a.fileno(), 1) == (1, 3)
        assert q.nbytes == 5
        q.clear()
        assert q.nbytes == 0 and len(q) == 0
        with pytest.raises(AttributeError):
            q.nbytes = 1  # type: ignore[misc]
    finally:
        a.close()
        b.close()
