"""SCTPTransport / SCTPProtocol over real kernel SCTP, on asyncio and uvloop,
with one-to-one and one-to-many servers."""

from __future__ import annotations

import asyncio
import errno
import math
import random
import socket
import struct
from typing import Any, Callable, List, Tuple

import pytest

import aiosctp
from aiosctp import events
from test_asyncio_support import Echo, Recorder, ServerSide, server_and_client

STYLES = ["one-to-one", "one-to-many"]
HEADER = struct.Struct("!IHB")  # seq, stream, unordered


def payload(seq: int, stream: int, unordered: bool, size: int) -> bytes:
    head = HEADER.pack(seq, stream, unordered)
    if size <= len(head):
        return head[:size] if size < len(head) else head
    return head + bytes([seq % 251]) * (size - len(head))


async def close_all(server: aiosctp.SCTPServer, *transports: Any) -> None:
    for t in transports:
        t.close()
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize("style", STYLES)
class TestTransport:
    def test_lifecycle_order(self, run: Callable[..., Any], style: str) -> None:
        """made -> messages -> shutdown_received -> connection_lost(None), on
        both sides of an orderly close."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            assert isinstance(t, aiosctp.SCTPTransport)
            assert isinstance(sp.transport, aiosctp.SCTPTransport)
            for i in range(20):
                t.send(b"m%d" % i, stream=i % 5, ppid=i)
            t.close()
            assert t.is_closing()
            assert await sp.lost is None
            assert await client.lost is None
            assert sp.callbacks() == ["made"] + ["message"] * 20 + ["shutdown", "lost"]
            assert client.callbacks() == ["made", "lost"]
            by_stream: dict = {}
            for data, info in sp.messages:
                by_stream.setdefault(info.stream, []).append(data)
                assert data == b"m%d" % info.ppid
            for s, datas in by_stream.items():
                assert datas == [b"m%d" % i for i in range(20) if i % 5 == s]
            # The notifications came with the callbacks, in order.
            assert ("event", "Shutdown") in sp.log
            assert sp.log.index(("event", "Shutdown")) < sp.log.index("shutdown")
            states = [e.state for e in client.of_kind(events.AssocChange)]
            assert states[-1] == events.AssocChangeState.SHUTDOWN_COMP
            await close_all(server)

        run(main())

    def test_many_random_messages(self, run: Callable[..., Any], style: str) -> None:
        """10,000 messages of random sizes (1 B to 64 KiB, log-uniform) on
        random streams arrive whole, each stream in order; unordered ones are
        flagged as such."""
        rnd = random.Random(4)
        count = 10_000
        plan: List[Tuple[int, int, bool]] = []
        for i in range(count):
            size = int(math.exp(rnd.uniform(0, math.log(65536))))
            plan.append((max(1, min(size, 65536)), rnd.randrange(10), rnd.random() < 0.1))
        plan[0] = (1, 0, False)
        plan[1] = (65536, 1, False)
        plan[2] = (65536, 2, True)

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            for seq, (size, stream, unordered) in enumerate(plan):
                if client.paused:
                    await client.wait_resumed()
                t.send(payload(seq, stream, unordered, size), stream=stream, ppid=seq,
                       unordered=unordered)
            msgs = await sp.wait_messages(count)
            assert len(msgs) == count
            last = {s: -1 for s in range(10)}
            seen = set()
            for data, info in msgs:
                seq = info.ppid
                size, stream, unordered = plan[seq]
                assert data == payload(seq, stream, unordered, size), seq
                assert info.stream == stream
                assert info.unordered == unordered
                assert info.assoc_id == sp.transport.get_extra_info("assoc_id")
                seen.add(seq)
                if not unordered:
                    assert seq > last[stream], (stream, seq, last[stream])
                    last[stream] = seq
            assert seen == set(range(count))
            assert t.get_write_buffer_size() == 0
            await close_all(server, t)
            assert await client.lost is None

        run(main())

    def test_slow_reader_pauses_writer(self, run: Callable[..., Any], style: str) -> None:
        """A reader that stops reading makes the writer's buffer cross the
        high water mark: pause_writing, the buffer stays bounded; when the
        reader resumes, resume_writing and everything arrives in order."""
        chunk = 8192
        high, low = 64 * 1024, 16 * 1024

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            sp.transport.pause_reading()
            assert not sp.transport.is_reading()
            t.set_write_buffer_limits(high=high, low=low)
            assert t.get_write_buffer_limits() == (low, high)
            sent = 0
            while not client.paused:
                t.send(payload(sent, 0, False, chunk), ppid=sent)
                sent += 1
                assert t.get_write_buffer_size() <= high + chunk
                if sent % 8 == 0:
                    await asyncio.sleep(0)  # let the loop flush what it can
                assert sent < 100_000, "the writer never paused"
            assert client.pauses == 1
            assert high < t.get_write_buffer_size() <= high + chunk
            assert sp.messages == []  # nothing delivered while paused
            sp.transport.resume_reading()
            await client.wait_resumed()
            assert client.resumes == 1
            assert t.get_write_buffer_size() <= low
            t.send(b"last", ppid=sent)
            msgs = await sp.wait_messages(sent + 1)
            assert [info.ppid for _, info in msgs] == list(range(sent + 1))
            assert all(d == payload(i, 0, False, chunk) for i, (d, _) in enumerate(msgs[:-1]))
            await close_all(server, t)

        run(main())

    @pytest.mark.parametrize("who", ["client", "server"])
    def test_close_vs_abort(self, run: Callable[..., Any], style: str, who: str) -> None:
        """close(): the peer gets every message, shutdown_received, then
        connection_lost(None). abort(): the peer gets connection_lost with
        ConnectionResetError and no shutdown_received."""

        async def main() -> None:
            # close
            server, side, t, client, sp = await server_and_client(style)
            me, peer = (t, sp) if who == "client" else (sp.transport, client)
            mine = client if who == "client" else sp
            for i in range(5):
                me.send(b"x" * 1000, ppid=i)
            me.close()
            me.close()  # idempotent
            assert await peer.lost is None
            assert [i.ppid for _, i in peer.messages] == list(range(5))
            assert peer.callbacks()[-2:] == ["shutdown", "lost"]
            assert await mine.lost is None
            with pytest.raises(ConnectionError):
                me.send(b"late")

            # abort
            t2, client2 = await aiosctp.create_sctp_connection(
                Recorder, "127.0.0.1", server.sockets[0].getsockname()[1]
            )
            (sp2,) = (await side.wait(2))[1:]
            me, peer = (t2, sp2) if who == "client" else (sp2.transport, client2)
            mine = client2 if who == "client" else sp2
            for i in range(5):
                me.send(b"y" * 1000, ppid=i)
            await peer.wait_messages(5)
            me.abort()
            assert me.is_closing()
            assert await mine.lost is None
            exc = await peer.lost
            assert isinstance(exc, ConnectionResetError), exc
            assert "shutdown" not in peer.callbacks()
            lost = [e for e in peer.of_kind(events.AssocChange)
                    if e.state == events.AssocChangeState.COMM_LOST]
            assert len(lost) == 1
            with pytest.raises(ConnectionError):
                me.send(b"late")
            me.abort()  # idempotent
            await close_all(server)

        run(main())

    def test_stream_handlers(self, run: Callable[..., Any], style: str) -> None:
        """set_stream_handler(stream, h) routes that stream to h(data, info);
        None gives it back to message_received."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            got: List[Tuple[bytes, Any]] = []
            done = asyncio.get_running_loop().create_future()

            def handler(data: bytes, info: aiosctp.MessageInfo) -> None:
                got.append((data, info))
                if len(got) == 2:
                    done.set_result(None)

            sp.transport.set_stream_handler(3, handler)
            assert sp.transport.get_stream_handler(3) is handler
            for stream in range(6):
                for k in range(2):
                    t.send(b"s%d-%d" % (stream, k), stream=stream, ppid=stream)
            await done
            await sp.wait_messages(10)
            assert [d for d, _ in got] == [b"s3-0", b"s3-1"]
            assert all(i.stream == 3 and i.ppid == 3 for _, i in got)
            assert sorted(d for d, _ in sp.messages) == sorted(
                b"s%d-%d" % (s, k) for s in (0, 1, 2, 4, 5) for k in range(2)
            )
            sp.transport.set_stream_handler(3, None)
            t.send(b"again", stream=3)
            msgs = await sp.wait_messages(11)
            assert msgs[-1][0] == b"again" and len(got) == 2
            with pytest.raises(TypeError):
                sp.transport.set_stream_handler(1, "not callable")  # type: ignore[arg-type]
            with pytest.raises(OverflowError):
                sp.transport.set_stream_handler(70000, handler)
            await close_all(server, t)

        run(main())

    def test_peer_abort_reports_send_failed(self, run: Callable[..., Any], style: str) -> None:
        """The peer aborts while our messages wait in the kernel: the
        SendFailed notifications (with the undelivered bytes) reach
        notification_received, then connection_lost(ConnectionResetError)."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            sp.transport.pause_reading()
            sent = set()
            i = 0
            while not client.paused:
                data = payload(i, 0, False, 4000)
                t.send(data, ppid=i)
                sent.add(data)
                i += 1
                if i % 8 == 0:
                    await asyncio.sleep(0)
            sp.transport.abort()
            exc = await client.lost
            assert isinstance(exc, ConnectionResetError), exc
            failed = client.of_kind(events.SendFailed)
            assert failed, "no SendFailed notification"
            for ev in failed:
                assert ev.data in sent
                assert ev.info.stream == 0
            first_failed = client.log.index(("event", "SendFailed"))
            assert first_failed < client.log.index("lost")
            assert client.callbacks() == ["made", "lost"]
            assert t.get_write_buffer_size() == 0
            await close_all(server)

        run(main())

    def test_large_message_whole(self, run: Callable[..., Any], style: str) -> None:
        """A 400 KiB message (larger than the default socket buffers and than
        one read) is delivered once, whole, between its neighbours."""
        big = bytes(random.Random(1).getrandbits(8) for _ in range(1024)) * 400

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            t.send(b"before", stream=2)
            t.send(big, stream=2, ppid=7)
            t.send(b"after", stream=2)
            msgs = await sp.wait_messages(3)
            assert [len(d) for d, _ in msgs] == [6, len(big), 5]
            assert msgs[1][0] == big
            assert msgs[1][1].ppid == 7 and msgs[1][1].stream == 2
            # and back the other way
            sp.transport.send(big, stream=1)
            (data, info), = await client.wait_messages(1)
            assert data == big and info.stream == 1
            await close_all(server, t)

        run(main())

    def test_max_message_size_exceeded(self, run: Callable[..., Any], style: str) -> None:
        """Past max_message_size the receiver aborts the association and
        reports OSError(EMSGSIZE) to connection_lost."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(
                style, max_message_size=100_000
            )
            assert sp.transport.max_message_size == 100_000
            t.send(b"small")
            t.send(b"z" * 200_000)
            exc = await sp.lost
            assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE, exc
            assert "max_message_size" in str(exc)
            assert [d for d, _ in sp.messages] == [b"small"]
            assert isinstance(await client.lost, ConnectionResetError)
            with pytest.raises(ValueError):
                t.max_message_size = 0
            with pytest.raises(TypeError):
                t.max_message_size = "big"  # type: ignore[assignment]
            await close_all(server)

        run(main())

    def test_oversized_send_fails_clearly(self, run: Callable[..., Any], style: str) -> None:
        """A message larger than the largest send buffer the system allows
        raises OSError(EMSGSIZE) from send() at once; nothing is queued and
        the association goes on."""
        with open("/proc/sys/net/core/wmem_max") as f:
            wmem_max = int(f.read())

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            with pytest.raises(OSError) as info:
                t.send(b"x" * (2 * wmem_max + 1))
            assert info.value.errno == errno.EMSGSIZE
            assert "SO_SNDBUF" in str(info.value)
            assert t.get_write_buffer_size() == 0
            assert not t.is_closing()
            t.send(b"ok")
            (data, _), = await sp.wait_messages(1)
            assert data == b"ok"
            await close_all(server, t)
            assert await sp.lost is None

        run(main())

    def test_bad_arguments(self, run: Callable[..., Any], style: str) -> None:
        """Wrong types, out-of-range numbers and impossible values raise
        TypeError, OverflowError and ValueError, and send nothing."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            port = server.sockets[0].getsockname()[1]
            bad_sends = [
                (TypeError, ("text",), {}),
                (TypeError, (None,), {}),
                (TypeError, (12,), {}),
                (ValueError, (b"",), {}),
                (TypeError, (b"x",), {"stream": "1"}),
                (TypeError, (b"x",), {"stream": 1.0}),
                (OverflowError, (b"x",), {"stream": -1}),
                (OverflowError, (b"x",), {"stream": 65536}),
                (ValueError, (b"x",), {"stream": 10}),  # 10 outbound streams: 0..9
                (OverflowError, (b"x",), {"ppid": 2**32}),
                (OverflowError, (b"x",), {"ppid": -1}),
                (TypeError, (b"x",), {"ppid": "18"}),
                (OverflowError, (b"x",), {"ttl": -5}),
                (OverflowError, (b"x",), {"context": 2**32}),
            ]
            for exc, args, kw in bad_sends:
                with pytest.raises(exc):
                    t.send(*args, **kw)
            with pytest.raises(TypeError):
                t.send(b"x", 1)  # type: ignore[misc]  # keywords only
            with pytest.raises(ValueError):
                t.set_write_buffer_limits(high=10, low=20)
            with pytest.raises(NotImplementedError):
                t.write_eof()
            assert not t.can_write_eof()
            factory = Recorder
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", 0, style="many")
            with pytest.raises(OverflowError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", 70000)
            with pytest.raises(TypeError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", "80")  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await aiosctp.create_sctp_server(factory, 127)  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await aiosctp.create_sctp_server("not callable", "127.0.0.1")  # type: ignore[arg-type]
            with pytest.raises(OverflowError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", ostreams=0)
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", max_message_size=0)
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_server(factory, "127.0.0.1", family=socket.AF_UNIX)
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_connection(factory)
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_connection(factory, "127.0.0.1")
            with pytest.raises(ValueError):
                await aiosctp.create_sctp_connection(factory, "127.0.0.1", 0)
            with pytest.raises(OverflowError):
                await aiosctp.create_sctp_connection(factory, "127.0.0.1", 65536)
            with pytest.raises(OverflowError):
                await aiosctp.create_sctp_connection(factory, "127.0.0.1", port, instreams=70000)
            with pytest.raises(TypeError):
                await aiosctp.create_sctp_connection(factory, "127.0.0.1", port,
                                                     remote_addrs="127.0.0.1")
            with pytest.raises(TypeError):
                await aiosctp.create_sctp_connection(factory, b"127.0.0.1", port)  # type: ignore[arg-type]
            # the association is unharmed
            t.send(b"fine", stream=9, ppid=2**32 - 1)
            (data, info), = await sp.wait_messages(1)
            assert (data, info.stream, info.ppid) == (b"fine", 9, 2**32 - 1)
            await close_all(server, t)

        run(main())

    def test_extra_info_and_status(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server, side, t, client, sp = await server_and_client(style)
            port = server.sockets[0].getsockname()[1]
            st = sp.transport
            assert t.get_extra_info("peername")[:2] == ("127.0.0.1", port)
            assert t.get_extra_info("sockname")[1] == st.get_extra_info("peername")[1]
            assert isinstance(t.get_extra_info("socket"), socket.socket)
            assert t.get_extra_info("assoc_id") == t.assoc_id != 0
            assert st.get_extra_info("assoc_id") == st.assoc_id != 0
            assert t.get_extra_info("ostreams") == t.get_extra_info("instreams") == 10
            assert ("127.0.0.1", port) in [a[:2] for a in t.get_extra_info("peer_addresses")]
            assert t.get_extra_info("local_addresses")
            assert st.get_extra_info("peer_addresses")
            assert t.get_extra_info("no such thing", 42) == 42
            status = t.get_status()
            assert status.state == aiosctp.lowlevel.AssocState.ESTABLISHED
            assert status.outstreams == 10
            assert st.get_status().assoc_id == st.assoc_id
            assert "SCTPTransport" in repr(t)
            await close_all(server, t)
            with pytest.raises(ConnectionError):
                t.get_status()

        run(main())

    def test_asyncio_protocol_compatibility(self, run: Callable[..., Any], style: str) -> None:
        """A plain asyncio.Protocol works: write() sends a message on stream
        0, data_received() gets each message."""

        class Plain(asyncio.Protocol):
            def __init__(self) -> None:
                self.data: List[bytes] = []
                self.got = asyncio.get_running_loop().create_future()

            def data_received(self, data: bytes) -> None:
                self.data.append(data)
                if len(self.data) == 3:
                    self.got.set_result(None)

        async def main() -> None:
            side = ServerSide(Plain)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
            port = server.sockets[0].getsockname()[1]
            t, _ = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            t.write(b"one")
            t.writelines([b"two", bytearray(b"three")])
            await side.wait(1)
            await side.protocols[0].got
            assert side.protocols[0].data == [b"one", b"two", b"three"]
            await close_all(server, t)

        run(main())


class TestConnect:
    def test_connection_refused(self, run: Callable[..., Any]) -> None:
        async def main() -> None:
            server = await aiosctp.create_sctp_server(Recorder, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            server.close()
            await server.wait_closed()
            with pytest.raises(ConnectionRefusedError):
                await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            with pytest.raises(ConnectionRefusedError):
                await aiosctp.connect("127.0.0.1", port)

        run(main())

    def test_multihoming(self, run: Callable[..., Any]) -> None:
        """local_addrs on both ends: each sees the other's two addresses;
        set_primary picks one."""

        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(
                side, local_addrs=["127.0.0.1", "127.0.0.2"], port=0
            )
            port = server.sockets[0].getsockname()[1]
            t, client = await aiosctp.create_sctp_connection(
                Recorder, "127.0.0.1", port, local_addrs=["127.0.0.3", "127.0.0.4"]
            )
            (sp,) = await side.wait(1)
            peers = sorted(a[:2] for a in t.get_extra_info("peer_addresses"))
            assert peers == [("127.0.0.1", port), ("127.0.0.2", port)]
            mine = sorted(a[0] for a in sp.transport.get_extra_info("peer_addresses"))
            assert mine == ["127.0.0.3", "127.0.0.4"]
            t.set_primary(("127.0.0.2", port))
            assert aiosctp.lowlevel.get_primary_addr(t.get_extra_info("socket"))[:2] == (
                "127.0.0.2", port)
            t.send(b"via .2", stream=1, ppid=5)
            (data, info), = await client.wait_messages(1)
            assert (data, info.stream, info.ppid) == (b"via .2", 1, 5)
            await close_all(server, t)

        run(main())


class TestStreams:
    def test_add_and_reset_streams(self, run: Callable[..., Any]) -> None:
        """add_streams() grows the outbound streams (StreamChange); sending on
        a new stream works; reset_streams() is answered by StreamReset."""

        async def main() -> None:
            server, side, t, client, sp = await server_and_client("one-to-one")
            with pytest.raises(ValueError):
                t.send(b"x", stream=11)
            t.add_streams(outgoing=2)
            while not client.of_kind(events.StreamChange):
                await asyncio.sleep(0.01)
            # (Linux reports the number of streams added in the event)
            assert t.get_extra_info("ostreams") == 12
            assert t.get_status().outstreams == 12
            t.send(b"on a new stream", stream=11)
            (data, info), = await sp.wait_messages(1)
            assert (data, info.stream) == (b"on a new stream", 11)
            t.reset_streams([11])
            while not client.of_kind(events.StreamReset):
                await asyncio.sleep(0.01)
            assert 11 in client.of_kind(events.StreamReset)[0].streams
            await close_all(server, t)

        run(main())


class TestAddresses:
    def test_wildcard_server_and_names(self, run: Callable[..., Any]) -> None:
        """host=None listens on every address, IPv4 and IPv6; clients reach
        it by IPv4, IPv6 and by name."""

        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(side, None, 0)
            port = server.sockets[0].getsockname()[1]
            for n, host in enumerate(["127.0.0.1", "::1", "localhost"], 1):
                t, c = await aiosctp.create_sctp_connection(Recorder, host, port)
                t.send(b"via " + host.encode(), stream=1)
                (data, info), = await c.wait_messages(1)
                assert data == b"via " + host.encode() and info.stream == 1
                t.close()
                assert await c.lost is None
            t, c = await aiosctp.create_sctp_connection(
                Recorder, remote_addrs=[("127.0.0.1", port), ("127.0.0.2", port)])
            assert len(t.get_extra_info("peer_addresses")) >= 1
            t.close()
            assert await c.lost is None
            server.close()
            await server.wait_closed()

        run(main())
