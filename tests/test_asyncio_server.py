"""SCTPServer: one-to-one and one-to-many, many concurrent associations,
per-association isolation, closing with live associations."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, List

import pytest

import aiosctp
from aiosctp import events
from test_asyncio_support import Echo, Recorder, ServerSide

STYLES = ["one-to-one", "one-to-many"]


async def connect_clients(port: int, n: int) -> List[Any]:
    pairs = await asyncio.gather(
        *(aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port) for _ in range(n))
    )
    return list(pairs)


@pytest.mark.parametrize("style", STYLES)
class TestServer:
    def test_100_concurrent_associations(self, run: Callable[..., Any], style: str) -> None:
        """100 clients at once; each sees only its own replies; on the server
        every association has its own protocol and transport."""
        n, per_client = 100, 5

        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
            assert server.is_serving() and server.style == style
            port = server.sockets[0].getsockname()[1]
            pairs = await connect_clients(port, n)
            await side.wait(n)

            async def talk(i: int, t: aiosctp.SCTPTransport, proto: Recorder) -> None:
                for j in range(per_client):
                    t.send(b"client %d message %d" % (i, j), stream=j % 10, ppid=i)
                msgs = await proto.wait_messages(per_client)
                assert sorted(d for d, _ in msgs) == sorted(
                    b"client %d message %d" % (i, j) for j in range(per_client)
                )
                assert all(info.ppid == i for _, info in msgs)

            await asyncio.gather(*(talk(i, t, p) for i, (t, p) in enumerate(pairs)))
            protos = side.protocols
            assert len(protos) == n
            assert len({p.transport for p in protos}) == n
            assert len({p.transport.assoc_id for p in protos}) == n
            assert len(server.associations) == n
            for p in protos:
                senders = {info.ppid for _, info in p.messages}
                assert len(senders) == 1 and len(p.messages) == per_client
                assert all(info.assoc_id == p.transport.assoc_id for _, info in p.messages)
            for t, _ in pairs:
                t.close()
            for t, p in pairs:
                assert await p.lost is None
            for p in protos:
                assert await p.lost is None
                assert p.callbacks() == ["made"] + ["message"] * per_client + ["shutdown", "lost"]
            assert server.associations == []
            server.close()
            await server.wait_closed()

        run(main())

    def test_close_or_abort_one_touches_no_other(self, run: Callable[..., Any], style: str) -> None:
        """Closing one association and aborting another leaves the third
        working."""

        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
            port = server.sockets[0].getsockname()[1]
            pairs = []
            for _ in range(3):  # one at a time: side.protocols[i] is pairs[i]'s
                pairs.append(await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port))
                await side.wait(len(pairs))
            (ta, ca), (tb, cb), (tc, cc) = pairs
            sa, sb, sc = side.protocols
            for t, _ in pairs:
                t.send(b"hello")
            for _, c in pairs:
                await c.wait_messages(1)
            sa.transport.close()
            sb.transport.abort()
            assert await ca.lost is None
            assert ca.callbacks()[-2:] == ["shutdown", "lost"]
            assert isinstance(await cb.lost, ConnectionResetError)
            assert await sa.lost is None and await sb.lost is None
            for i in range(10):
                tc.send(b"still here %d" % i, stream=i % 3)
            msgs = await cc.wait_messages(11)
            assert len(msgs) == 11 and not cc.lost.done()
            assert server.associations == [sc.transport]
            tc.close()
            assert await cc.lost is None
            server.close()
            await server.wait_closed()

        run(main())

    def test_server_close_with_live_associations(self, run: Callable[..., Any], style: str) -> None:
        """server.close() stops accepting and closes the live associations in
        order: their peers see shutdown_received then connection_lost(None);
        wait_closed() returns when they are gone."""

        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
            port = server.sockets[0].getsockname()[1]
            pairs = await connect_clients(port, 5)
            await side.wait(5)
            for t, c in pairs:
                t.send(b"ping")
                await c.wait_messages(1)
            server.close()
            assert not server.is_serving()
            assert server.sockets == ()
            await server.wait_closed()
            for t, c in pairs:
                assert await c.lost is None
                assert c.callbacks() == ["made", "message", "shutdown", "lost"]
            for p in side.protocols:
                assert await p.lost is None
            with pytest.raises(ConnectionRefusedError):
                await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            server.close()  # idempotent
            await server.wait_closed()

        run(main())

    def test_abort_clients_and_async_with(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            side = ServerSide(Echo)
            async with await aiosctp.create_sctp_server(
                side, "127.0.0.1", 0, style=style
            ) as server:
                port = server.sockets[0].getsockname()[1]
                pairs = await connect_clients(port, 3)
                await side.wait(3)
                server.abort_clients()
                for _, c in pairs:
                    assert isinstance(await c.lost, ConnectionResetError)
                assert server.is_serving()
            assert server.sockets == ()

        run(main())

    def test_serve_forever_cancelled(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            side = ServerSide(Echo)
            server = await aiosctp.create_sctp_server(
                side, "127.0.0.1", 0, style=style, start_serving=False
            )
            assert not server.is_serving()
            port = server.sockets[0].getsockname()[1]
            task = asyncio.get_running_loop().create_task(server.serve_forever())
            await asyncio.sleep(0)
            assert server.is_serving()
            with pytest.raises(RuntimeError):
                await server.serve_forever()
            t, c = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            t.send(b"x")
            await c.wait_messages(1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await c.lost is None
            await server.wait_closed()

        run(main())

    def test_protocol_factory_failure(
        self, run: Callable[..., Any], style: str, loop_errors: List[Any]
    ) -> None:
        """A factory that raises: the association is aborted, the error goes
        to the loop's exception handler, the server goes on."""
        calls = []

        def factory() -> Recorder:
            calls.append(1)
            if len(calls) == 1:
                raise ZeroDivisionError("factory")
            return Echo()

        async def main() -> None:
            server = await aiosctp.create_sctp_server(factory, "127.0.0.1", 0, style=style)
            port = server.sockets[0].getsockname()[1]
            try:
                t, c = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            except ConnectionResetError:
                pass  # the ABORT came before the handshake was seen to finish
            else:
                assert isinstance(await c.lost, ConnectionResetError)
            t2, c2 = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            t2.send(b"x")
            await c2.wait_messages(1)
            assert len(loop_errors) == 1
            assert isinstance(loop_errors[0]["exception"], ZeroDivisionError)
            loop_errors[0]["expected"] = True
            server.close()
            await server.wait_closed()
            assert await c2.lost is None

        run(main())


class TestOneToMany:
    def test_paused_association_holds_back_only_itself(self, run: Callable[..., Any]) -> None:
        """On a one-to-many socket, pause_reading() of one association keeps
        its messages aside; the others are still delivered; resume delivers
        the kept ones in order."""

        async def main() -> None:
            side = ServerSide(Recorder)
            server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style="one-to-many")
            port = server.sockets[0].getsockname()[1]
            (ta, ca) = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            await side.wait(1)
            (tb, cb) = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
            sa, sb = await side.wait(2)
            sa.transport.pause_reading()
            for i in range(20):
                ta.send(b"a%d" % i, ppid=i)
                tb.send(b"b%d" % i, ppid=i)
            await sb.wait_messages(20)
            assert sa.messages == []
            sa.transport.resume_reading()
            msgs = await sa.wait_messages(20)
            assert [d for d, _ in msgs] == [b"a%d" % i for i in range(20)]
            kinds = {type(e) for e in sa.events}
            assert events.AssocChange in kinds
            ta.close()
            tb.close()
            server.close()
            await server.wait_closed()

        run(main())
