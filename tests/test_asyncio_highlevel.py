"""aiosctp.connect / aiosctp.serve / Association, on asyncio and uvloop."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, List

import pytest

import aiosctp
from aiosctp import Association, AssociationClosed

STYLES = ["one-to-one", "one-to-many"]


async def echo(assoc: Association) -> None:
    async for msg in assoc:
        await assoc.send(msg.data, stream=msg.stream, ppid=msg.ppid, unordered=msg.unordered)


def port_of(server: aiosctp.SCTPServer) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


async def with_echo_association(style: str, body: Callable[[Association], Awaitable[None]]) -> None:
    """``body(assoc)`` on an association (``async with connect()``) with an
    echo server of ``style``; then the association closes, then the server."""
    server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
    async with aiosctp.connect("127.0.0.1", port_of(server)) as assoc:
        await body(assoc)
    server.close()
    await server.wait_closed()


async def cancel_waiting(task: "asyncio.Task[Any]") -> None:
    """Let ``task`` start waiting, cancel it, and see it end cancelled."""
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("style", STYLES)
class TestHighLevel:
    def test_echo_both_forms(self, run: Callable[..., Any], style: str) -> None:
        """``await connect()`` and ``async with connect()``; streams, PPIDs and
        the unordered flag come back; status() works."""

        async def main() -> None:
            server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
            port = port_of(server)
            async with aiosctp.connect("127.0.0.1", port) as assoc:
                assert isinstance(assoc, Association)
                for i in range(10):
                    await assoc.send(b"msg %d" % i, stream=i % 10, ppid=18 + i,
                                     unordered=i == 3)
                got = []
                for i in range(10):
                    msg = await assoc.recv()
                    assert isinstance(msg, aiosctp.Message)
                    got.append((msg.ppid - 18, msg.data, msg.stream, msg.unordered))
                assert sorted(got) == [(i, b"msg %d" % i, i % 10, i == 3) for i in range(10)]
                assert assoc.status().state == aiosctp.lowlevel.AssocState.ESTABLISHED
                assert assoc.ostreams == assoc.instreams == 10
                assert assoc.remote_address[1] == port
            assert assoc.closed and assoc.close_exception is None

            assoc = await aiosctp.connect("127.0.0.1", port, ostreams=4, instreams=4)
            assert assoc.ostreams == 4
            await assoc.send(b"x" * 5000, stream=3, ppid=46)
            msg = await assoc.recv()
            assert (msg.data, msg.stream, msg.ppid, msg.complete) == (b"x" * 5000, 3, 46, True)
            assert msg.assoc_id == assoc.assoc_id
            await assoc.close()
            await assoc.close()  # idempotent
            with pytest.raises(AssociationClosed):
                await assoc.send(b"late")
            server.close()
            await server.wait_closed()

        run(main())

    def test_messages_keep_order_per_stream(self, run: Callable[..., Any], style: str) -> None:
        async def body(assoc: Association) -> None:
            n = 300
            for i in range(n):
                await assoc.send(b"%d" % i, stream=i % 7, ppid=i)
            got: dict = {}
            for _ in range(n):
                msg = await assoc.recv()
                got.setdefault(msg.stream, []).append(int(msg.data))
                assert int(msg.data) == msg.ppid
            for s, seqs in got.items():
                assert seqs == [i for i in range(n) if i % 7 == s]

        run(with_echo_association(style, body))

    def test_peer_close_ends_iteration(self, run: Callable[..., Any], style: str) -> None:
        """The handler sends three messages and returns (closing the
        association): the client's ``async for`` gets them, then ends; recv()
        raises AssociationClosed."""

        async def three(assoc: Association) -> None:
            for i in range(3):
                await assoc.send(b"n%d" % i, stream=1)

        async def main() -> None:
            server = await aiosctp.serve(three, "127.0.0.1", 0, style=style)
            assoc = await aiosctp.connect("127.0.0.1", port_of(server))
            got = [m.data async for m in assoc]
            assert got == [b"n0", b"n1", b"n2"]
            with pytest.raises(AssociationClosed):
                await assoc.recv()
            assert assoc.closed and assoc.close_exception is None
            server.close()
            await server.wait_closed()

        run(main())

    def test_send_waits_while_paused(self, run: Callable[..., Any], style: str) -> None:
        """send() waits while the transport is paused (the peer does not
        read); memory stays bounded; it goes on when the peer reads."""
        chunk = 8192
        total = 200
        release = asyncio.Event()
        received: List[bytes] = []

        async def slow(assoc: Association) -> None:
            await release.wait()
            async for msg in assoc:
                received.append(msg.data)
                if len(received) == total:
                    return

        async def main() -> None:
            server = await aiosctp.serve(slow, "127.0.0.1", 0, style=style, max_queue=16)
            assoc = await aiosctp.connect("127.0.0.1", port_of(server))
            t = assoc.transport
            low, high = t.get_write_buffer_limits()

            async def sender() -> None:
                for i in range(total):
                    await assoc.send(i.to_bytes(4, "big") * (chunk // 4), ppid=i)

            task = asyncio.get_running_loop().create_task(sender())
            while t.get_write_buffer_size() <= high:
                assert not task.done(), "the sender was never held back"
                await asyncio.sleep(0.01)
            biggest = t.get_write_buffer_size()
            for _ in range(20):  # it stays held back and bounded
                await asyncio.sleep(0)
                biggest = max(biggest, t.get_write_buffer_size())
            assert not task.done()
            assert biggest <= high + chunk
            release.set()
            await task
            await assoc.wait_closed()  # the handler returns after `total`
            assert [int.from_bytes(d[:4], "big") for d in received] == list(range(total))
            server.close()
            await server.wait_closed()

        run(main())

    def test_cancel_recv_loses_nothing(self, run: Callable[..., Any], style: str) -> None:
        async def body(assoc: Association) -> None:
            await cancel_waiting(asyncio.get_running_loop().create_task(assoc.recv()))
            await assoc.send(b"after cancel")
            assert (await assoc.recv()).data == b"after cancel"
            # two readers at once (allowed since issue 15): the one
            # cancelled loses nothing to the other
            t1 = asyncio.get_running_loop().create_task(assoc.recv())
            t2 = asyncio.get_running_loop().create_task(assoc.recv())
            await cancel_waiting(t1)
            await assoc.send(b"to the other")
            assert (await t2).data == b"to the other"

        run(with_echo_association(style, body))

    def test_cancel_connect_leaks_nothing(self, run: Callable[..., Any], style: str) -> None:
        """connect() cancelled at every step it can be: no socket, no task,
        no ResourceWarning is left (the loop fixture checks)."""

        async def main() -> None:
            server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
            port = port_of(server)
            completed = 0
            for steps in range(12):
                task = asyncio.get_running_loop().create_task(
                    aiosctp.connect("127.0.0.1", port)._connect()
                )
                for _ in range(steps):
                    await asyncio.sleep(0)
                task.cancel()
                try:
                    assoc = await task
                except asyncio.CancelledError:
                    continue
                completed += 1
                await assoc.close()
            assert completed < 12  # some cancellations hit the handshake
            # ``async with`` left by a cancellation aborts the association
            entered = asyncio.Event()

            async def user() -> None:
                async with aiosctp.connect("127.0.0.1", port) as assoc:
                    entered.set()
                    await assoc.recv()

            task = asyncio.get_running_loop().create_task(user())
            await entered.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            server.close()
            await server.wait_closed()

        run(main())

    def test_handler_error_aborts(
        self, run: Callable[..., Any], style: str, loop_errors: List[Any]
    ) -> None:
        async def failing(assoc: Association) -> None:
            await assoc.recv()
            raise KeyError("handler bug")

        async def main() -> None:
            server = await aiosctp.serve(failing, "127.0.0.1", 0, style=style)
            assoc = await aiosctp.connect("127.0.0.1", port_of(server))
            await assoc.send(b"boom")
            with pytest.raises(ConnectionResetError):
                await assoc.recv()
            assert isinstance(assoc.close_exception, ConnectionResetError)
            server.close()
            await server.wait_closed()
            assert [type(e.get("exception")) for e in loop_errors] == [KeyError]
            loop_errors[0]["expected"] = True

        run(main())

    def test_server_close_ends_handlers(self, run: Callable[..., Any], style: str) -> None:
        """Closing the server closes its associations; the handlers' loops
        end and wait_closed() waits for them."""
        ended: List[int] = []

        async def handler(assoc: Association) -> None:
            async for msg in assoc:
                await assoc.send(msg.data)
            ended.append(assoc.assoc_id)

        async def main() -> None:
            server = await aiosctp.serve(handler, "127.0.0.1", 0, style=style)
            clients = [await aiosctp.connect("127.0.0.1", port_of(server)) for _ in range(3)]
            for c in clients:
                await c.send(b"hi")
                assert (await c.recv()).data == b"hi"
            server.close()
            await server.wait_closed()
            assert len(ended) == 3
            for c in clients:
                with pytest.raises(AssociationClosed):
                    await c.recv()

        run(main())

    def test_bad_arguments(self, run: Callable[..., Any], style: str) -> None:
        async def main() -> None:
            server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
            with pytest.raises(TypeError):
                await aiosctp.serve("not callable")  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                await aiosctp.serve(echo, "127.0.0.1", 0, max_queue=0)
            with pytest.raises(ValueError):
                aiosctp.connect("127.0.0.1", port_of(server), max_queue=0)
            with pytest.raises(ValueError):
                await aiosctp.serve(echo, "127.0.0.1", 0, style="two-to-two")
            async with aiosctp.connect("127.0.0.1", port_of(server)) as assoc:
                with pytest.raises(TypeError):
                    await assoc.send("str")  # type: ignore[arg-type]
                with pytest.raises(OverflowError):
                    await assoc.send(b"x", stream=-1)
                with pytest.raises(ValueError):
                    await assoc.send(b"x", stream=10)
                with pytest.raises(OverflowError):
                    await assoc.send(b"x", ppid=1 << 32)
                with pytest.raises(ValueError):
                    await assoc.send(b"")
                await assoc.send(b"fine")
                assert (await assoc.recv()).data == b"fine"
            server.close()
            await server.wait_closed()

        run(main())
