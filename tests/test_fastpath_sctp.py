"""The transport's per-message path in C (ext/fastpath.c: Reader.deliver on
a one-to-one socket, Reader.deliver_many on a one-to-many one, try_send and
SendQueue) over kernel SCTP, both loops and both socket styles. The
receiving end is the server's transport: the C path of the style under test.

Each test mixes what the C path delivers itself (whole data messages) with
what it hands back to Python in the middle of a batch (parts of a larger
message, notifications, a paused or closing transport, a callback's
exception), and checks that nothing is lost or reordered."""

from __future__ import annotations

import asyncio
import errno
from typing import Any, Callable, List

import pytest

import aiosctp
from aiosctp import events
from aiosctp.transport import RECV_BUFSIZE
from test_asyncio_support import Recorder, ServerSide, server_and_client

STYLES = ["one-to-one", "one-to-many"]


async def _close(server: aiosctp.SCTPServer, *transports: Any) -> None:
    for t in transports:
        t.abort()
    server.close()
    await server.wait_closed()


def _msg(i: int, size: int = 20) -> bytes:
    head = b"%06d:" % i
    return head + b"." * max(0, size - len(head))


def _after_each_message(sp: Any, when: Callable[[bytes], bool], then: Callable[[Any], None]) -> Any:
    """Make the server side's protocol call ``then(its transport)`` right
    after it has recorded a message for which ``when(data)`` holds (inside
    the C path's batch); return that transport."""
    st = sp.transport
    orig = sp.message_received

    def on_message(data: bytes, info: Any) -> None:
        orig(data, info)
        if when(data):
            then(st)

    sp.message_received = on_message
    st.set_protocol(sp)  # rebinds message_received
    return st


@pytest.mark.parametrize("style", STYLES)
class TestFastPathSCTP:
    def test_whole_and_partial_in_order(self, run: Callable[..., Any], style: str) -> None:
        """Small messages around ones larger than a read (partial
        deliveries, reassembled by the Python path) arrive whole, in order,
        with their stream and PPID."""
        sizes = [20] * 40 + [3 * RECV_BUFSIZE + 7] + [20] * 40 + [RECV_BUFSIZE + 1] + [30] * 40

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            for i, size in enumerate(sizes):
                t.send(_msg(i, size), stream=i % 3, ppid=1000 + i)
            got = await sp.wait_messages(len(sizes))
            assert [len(d) for d, _ in got] == sizes
            assert [d[:7] for d, _ in got] == [_msg(i)[:7] for i in range(len(sizes))]
            assert [(info.stream, info.ppid) for _, info in got] == [
                (i % 3, 1000 + i) for i in range(len(sizes))]
            assert all(type(info) is aiosctp.MessageInfo for _, info in got)
            await _close(server, t)

        run(main())

    def test_stream_handler(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            on2: List[bytes] = []
            sp.transport.set_stream_handler(2, lambda data, info: on2.append(data))
            for i in range(200):
                t.send(_msg(i), stream=i % 4)
            await sp.wait_messages(150)
            while len(on2) < 50:
                await asyncio.sleep(0.01)
            assert on2 == [_msg(i) for i in range(2, 200, 4)]
            assert [d for d, _ in sp.messages] == [_msg(i) for i in range(200) if i % 4 != 2]
            await _close(server, t)

        run(main())

    def test_pause_resume_mid_batch(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            st = _after_each_message(sp, lambda data: len(sp.messages) % 7 == 2,
                                     lambda st: st.pause_reading())
            for i in range(300):
                t.send(_msg(i))
            seen = 0
            while len(sp.messages) < 300:
                await asyncio.sleep(0.005)
                if not st.is_reading():
                    assert len(sp.messages) % 7 == 2 and len(sp.messages) >= seen
                    seen = len(sp.messages)
                    st.resume_reading()
            assert [d for d, _ in sp.messages] == [_msg(i) for i in range(300)]
            await _close(server, t)

        run(main())

    def test_callback_raising_mid_batch(
        self, run: Callable[..., Any], style: str, loop_errors: List[Any]
    ) -> None:
        """message_received raising aborts its association with a word
        (exception handler, connection_lost(exc)); on a one-to-many server
        the other association's messages of the same reads all arrive."""

        class Fragile(Recorder):
            def message_received(self, data: bytes, info: Any) -> None:
                if data == _msg(5):
                    raise KeyError("bug")
                super().message_received(data, info)

        async def main() -> None:
            side = ServerSide(Fragile)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
            port = server.sockets[0].getsockname()[1]
            t1, c1 = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            t2, c2 = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            p1, p2 = await side.wait(2)
            for i in range(100):
                t1.send(_msg(i))
                t2.send(_msg(1000 + i))
            # which protocol belongs to which client is the server's order
            bad, good = (p1, p2) if p1.transport.get_extra_info("peername") == \
                t1.get_extra_info("sockname") else (p2, p1)
            exc = await bad.lost
            assert isinstance(exc, KeyError)
            assert [d for d, _ in bad.messages] == [_msg(i) for i in range(5)]
            await good.wait_messages(100)
            assert [d for d, _ in good.messages] == [_msg(1000 + i) for i in range(100)]
            assert [type(e.get("exception")) for e in loop_errors] == [KeyError]
            loop_errors[0]["expected"] = True
            await _close(server, t1, t2)

        run(main())

    def test_close_mid_batch(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            _after_each_message(sp, lambda data: data == _msg(9), lambda st: st.close())
            for i in range(100):
                t.send(_msg(i))
            assert await sp.lost is None
            assert [d for d, _ in sp.messages] == [_msg(i) for i in range(10)]
            await _close(server, t)

        run(main())

    def test_abort_mid_batch_reports_unsent(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)

            def reply_then_abort(st: Any) -> None:
                for i in range(40):  # past SENDS_PER_TURN: some queued
                    st.send(b"r%d" % i, ppid=77)
                st.abort()

            _after_each_message(sp, lambda data: data == _msg(3), reply_then_abort)
            for i in range(50):
                t.send(_msg(i))
            exc = await sp.lost
            assert [d for d, _ in sp.messages] == [_msg(i) for i in range(4)]
            # What the kernel still held comes back first (sent or not: on a
            # one-to-many socket abort() waits for the kernel's reports),
            # then what the transport itself still held (sent=False): the
            # last of the 40 replies, each once, in order.
            reports = sp.of_kind(events.SendFailed)
            assert reports and all(e.info.ppid == 77 for e in reports)
            assert [e.data for e in reports] == [b"r%d" % i for i in range(40 - len(reports), 40)]
            assert not reports[-1].sent  # past SENDS_PER_TURN: some never left the transport
            assert isinstance(exc, ConnectionAbortedError)
            await client.lost
            await _close(server, t)

        run(main())

    def test_max_message_size(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            sp.transport.max_message_size = 100
            for i in range(10):
                t.send(_msg(i, 100))
            t.send(b"x" * 101)
            exc = await sp.lost
            assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
            assert [d for d, _ in sp.messages] == [_msg(i, 100) for i in range(10)]
            await client.lost
            await _close(server, t)

        run(main())

    def test_flow_control(self, run: Callable[..., Any], style: str) -> None:
        """The client's queue (the C write queue) passes the high-water
        mark while the server does not read, drains when it reads again;
        every message arrives once, in order."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            sp.transport.pause_reading()
            t.set_write_buffer_limits(high=32 * 1024)
            n = 0
            while not client.paused:
                t.send(_msg(n, 1000), stream=n % 2)
                n += 1
                if n % 32 == 0:
                    await asyncio.sleep(0)
            assert t.get_write_buffer_size() > 32 * 1024
            sp.transport.resume_reading()
            await client.wait_resumed()
            await sp.wait_messages(n)
            assert [d for d, _ in sp.messages] == [_msg(i, 1000) for i in range(n)]
            await _close(server, t)

        run(main())
