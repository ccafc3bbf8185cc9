"""The transport on a unix message socket (AF_UNIX, SOCK_SEQPACKET) on the
host kernel: the socket kind benchmarks/native.py runs the transport on
(every read a whole message, no SCTP information, end of file as the end).

Both loops (the ``loop`` fixture of tests/conftest.py, with its leak
checks), made by create_sctp_connection(protocol_factory, sock=...).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any, Callable, List, Optional, Tuple

import pytest

import aiosctp
from aiosctp import events
from aiosctp import transport as T
from aiosctp.message import MessageInfo

WATCHDOG = 120.0  # a hang guard, not a timing check


class Recorder(asyncio.Protocol):
    """Keeps what it is told; ``on_message`` may act on each message."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.transport: Any = None
        self.messages: List[Tuple[bytes, MessageInfo]] = []
        self.notes: List[events.Event] = []
        self.lost: "asyncio.Future[Optional[BaseException]]" = loop.create_future()
        self.on_message: Optional[Callable[[bytes], None]] = None
        self.wakeup: Optional["asyncio.Future[None]"] = None
        self.want = 0
        self.pauses = 0
        self.resumes = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def message_received(self, data: bytes, info: MessageInfo) -> None:
        self.messages.append((data, info))
        if self.on_message is not None:
            self.on_message(data)
        if self.wakeup is not None and len(self.messages) >= self.want and not self.wakeup.done():
            self.wakeup.set_result(None)

    def notification_received(self, event: events.Event) -> None:
        self.notes.append(event)

    def pause_writing(self) -> None:
        self.pauses += 1

    def resume_writing(self) -> None:
        self.resumes += 1

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.lost.set_result(exc)

    async def until(self, n: int) -> None:
        while len(self.messages) < n:
            self.want = n
            self.wakeup = asyncio.get_running_loop().create_future()
            await self.wakeup


def _run(loop: asyncio.AbstractEventLoop, coro: Any) -> Any:
    return loop.run_until_complete(asyncio.wait_for(coro, WATCHDOG))


async def _pair(loop: asyncio.AbstractEventLoop) -> Tuple[Any, Recorder, Any, Recorder]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pa, pb = Recorder(loop), Recorder(loop)
    ta, _ = await aiosctp.create_sctp_connection(lambda: pa, sock=a)
    tb, _ = await aiosctp.create_sctp_connection(lambda: pb, sock=b)
    return ta, pa, tb, pb


def test_whole_messages_and_close(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        assert "unix-message" in repr(ta)
        sent = [bytes([i % 256]) * (1 + i * 37 % 3000) for i in range(500)]
        for data in sent:
            ta.send(data, stream=2, ppid=9)
        await pb.until(len(sent))
        assert [d for d, _ in pb.messages] == sent
        # no SCTP information on this socket kind: all zero
        assert pb.messages[0][1] == MessageInfo(0, 0, False, 0, 0, 0, 0)
        ta.close()
        assert await pa.lost is None
        assert await pb.lost is None

    _run(loop, main())


def test_stream_handler(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        got: List[bytes] = []
        tb.set_stream_handler(0, lambda data, info: got.append(data))
        for i in range(100):
            ta.send(b"%d" % i)
        ta.send(b"last")
        while len(got) < 101:
            await asyncio.sleep(0)
        assert got == [b"%d" % i for i in range(100)] + [b"last"]
        assert pb.messages == []
        tb.abort()
        await pb.lost
        await pa.lost

    _run(loop, main())


def test_pause_resume_mid_batch(loop: asyncio.AbstractEventLoop) -> None:
    """pause_reading() from message_received stops delivery at once, in the
    middle of what one read brought; resume_reading() delivers the rest in
    order, nothing lost."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)

        def on_message(data: bytes) -> None:
            if len(pb.messages) % 10 == 3:
                tb.pause_reading()

        pb.on_message = on_message
        for i in range(200):
            ta.send(b"%d" % i)
        total = 0
        while total < 200:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            n = len(pb.messages)
            if not tb.is_reading():
                assert n % 10 == 3  # nothing delivered while paused
                tb.resume_reading()
            total = n
        assert [d for d, _ in pb.messages] == [b"%d" % i for i in range(200)]
        ta.close()
        await pa.lost
        await pb.lost

    _run(loop, main())


def test_callback_raising_mid_batch(loop: asyncio.AbstractEventLoop, loop_errors: List[Any]) -> None:
    """message_received raising aborts the association with a word: the
    loop's exception handler gets the exception, connection_lost gets it;
    the messages before it were delivered, none after it."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)

        def on_message(data: bytes) -> None:
            if data == b"5":
                raise KeyError("bug")

        pb.on_message = on_message
        for i in range(50):
            ta.send(b"%d" % i)
        exc = await pb.lost
        assert isinstance(exc, KeyError)
        assert [d for d, _ in pb.messages] == [b"%d" % i for i in range(6)]
        assert [type(e.get("exception")) for e in loop_errors] == [KeyError]
        loop_errors[0]["expected"] = True
        await pa.lost

    _run(loop, main())


def test_close_mid_batch(loop: asyncio.AbstractEventLoop) -> None:
    """close() from message_received: nothing more is delivered, both ends
    see a clean end."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)

        def on_message(data: bytes) -> None:
            if data == b"7":
                tb.close()

        pb.on_message = on_message
        for i in range(100):
            ta.send(b"%d" % i)
        assert await pb.lost is None
        assert [d for d, _ in pb.messages] == [b"%d" % i for i in range(8)]
        await pa.lost

    _run(loop, main())


def test_abort_mid_batch_reports_unsent(loop: asyncio.AbstractEventLoop) -> None:
    """abort() from message_received with messages queued: each is reported
    as SendFailed (sent False) before connection_lost."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)

        def on_message(data: bytes) -> None:
            if data == b"3":
                for i in range(40):  # more than SENDS_PER_TURN: some queued
                    tb.send(b"r%d" % i, stream=0, ppid=5)
                tb.abort()

        pb.on_message = on_message
        for i in range(20):
            ta.send(b"%d" % i)
        exc = await pb.lost
        assert [d for d, _ in pb.messages] == [b"%d" % i for i in range(4)]
        unsent = [e for e in pb.notes if isinstance(e, events.SendFailed)]
        assert unsent and all(not e.sent and e.info.ppid == 5 for e in unsent)
        assert [e.data for e in unsent] == [b"r%d" % i for i in range(40 - len(unsent), 40)]
        assert isinstance(exc, ConnectionAbortedError)
        await pa.lost

    _run(loop, main())


def test_max_message_size(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        tb.max_message_size = 100
        ta.send(b"a" * 100)
        ta.send(b"b" * 101)
        ta.send(b"c")
        exc = await pb.lost
        assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
        assert [d for d, _ in pb.messages] == [b"a" * 100]
        await pa.lost

    _run(loop, main())


def test_truncated_message_ends_with_emsgsize(loop: asyncio.AbstractEventLoop) -> None:
    """A message larger than a read is cut by the kernel: not delivered cut,
    the association ends with EMSGSIZE after the messages before it."""

    async def main() -> None:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        b.send(b"first")
        b.send(b"x" * (T.RECV_BUFSIZE + 1))
        pa = Recorder(loop)
        await aiosctp.create_sctp_connection(lambda: pa, sock=a)
        exc = await pa.lost
        assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
        assert [d for d, _ in pa.messages] == [b"first"]
        b.close()

    _run(loop, main())


def test_flow_control(loop: asyncio.AbstractEventLoop) -> None:
    """A reader that pauses: the writer's buffer grows past the high-water
    mark (pause_writing), drains when reading resumes (resume_writing),
    every message arrives in order."""

    async def main() -> None:
        ta, pa, tb, pb = await _pair(loop)
        tb.pause_reading()
        ta.set_write_buffer_limits(high=8192)
        n = 0
        while not pa.pauses:
            ta.send(b"%06d" % n + b"x" * 994)
            n += 1
            if n % 32 == 0:
                await asyncio.sleep(0)
        assert ta.get_write_buffer_size() > 8192
        tb.resume_reading()
        await pb.until(n)
        while not pa.resumes:
            await asyncio.sleep(0)
        assert [d[:6] for d, _ in pb.messages] == [b"%06d" % i for i in range(n)]
        ta.close()
        await pa.lost
        await pb.lost

    _run(loop, main())


async def _refused(kind: int, match: str, *where: Any) -> socket.socket:
    """create_sctp_connection(*where, sock=) on one end of a Unix socketpair
    of ``kind`` raises ValueError matching ``match``; both ends are closed
    after it; returns that (closed) end."""
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    try:
        with pytest.raises(ValueError, match=match):
            await aiosctp.create_sctp_connection(asyncio.Protocol, *where, sock=a)
    finally:
        a.close()
        b.close()
    return a


def test_stream_socket_refused(loop: asyncio.AbstractEventLoop) -> None:
    _run(loop, _refused(socket.SOCK_STREAM, "SOCK_SEQPACKET"))


def test_unix_socket_takes_no_address(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> None:
        a = await _refused(socket.SOCK_SEQPACKET, "no host", "127.0.0.1", 9)
        with pytest.raises(ValueError, match="closed"):
            await aiosctp.create_sctp_connection(asyncio.Protocol, sock=a)

    _run(loop, main())
