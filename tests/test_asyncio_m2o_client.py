"""Issue 15: a one-to-many server starts associations from its own socket,
as gen_sctp and Java's SctpMultiChannel do: ``SCTPServer.connect()`` (an
Association) and ``SCTPServer.create_connection()`` (transport, protocol),
on asyncio and uvloop. The silent peer is the ``black_hole`` dummy interface
of test_asyncio_api (its TX counter counts the INITs)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Callable, List, Optional

import pytest

import aiosctp
from aiosctp import Association, events, lowlevel

from test_asyncio_api import black_hole, port_of, tx_packets  # noqa: F401 (fixture)


def tagged(tag: bytes) -> Callable[[Association], Any]:
    """A serve() handler that answers every message with ``tag + data``."""

    async def handler(assoc: Association) -> None:
        async for msg in assoc:
            await assoc.send(tag + msg.data, stream=msg.stream)

    return handler


async def never(assoc: Association) -> None:
    raise AssertionError("the handler of incoming associations served a client association")


def fast_init(sock: socket.socket) -> None:
    lowlevel.set_rtoinfo(sock, initial=100, min=100, max=200)


def test_connect_to_two_peers_at_once(run: Callable[..., Any]) -> None:
    """One one-to-many endpoint, two associations started at once to two
    peers: each sees only its own peer's messages; the endpoint's serve()
    handler never sees them, and still serves an incoming association."""

    async def main() -> None:
        p1 = await aiosctp.serve(tagged(b"one:"), "127.0.0.1", 0)
        p2 = await aiosctp.serve(tagged(b"two:"), "127.0.0.1", 0, style="one-to-many")
        incoming: List[bytes] = []

        async def endpoint_handler(assoc: Association) -> None:
            async for msg in assoc:
                incoming.append(msg.data)
                await assoc.send(b"ep:" + msg.data)

        ep = await aiosctp.serve(endpoint_handler, "127.0.0.1", 0, style="one-to-many")
        a1, a2 = await asyncio.gather(
            ep.connect("127.0.0.1", port_of(p1)), ep.connect("127.0.0.1", port_of(p2)))
        assert a1.assoc_id != a2.assoc_id
        assert a1.remote_address[1] == port_of(p1)
        assert a2.remote_address[1] == port_of(p2)
        for i in range(20):
            a1.send_nowait(b"a%d" % i)
            a2.send_nowait(b"b%d" % i)
        got1 = [(await a1.recv()).data for _ in range(20)]
        got2 = [(await a2.recv()).data for _ in range(20)]
        assert got1 == [b"one:a%d" % i for i in range(20)]
        assert got2 == [b"two:b%d" % i for i in range(20)]
        # an incoming association on the same socket goes to the handler
        async with aiosctp.connect("127.0.0.1", port_of(ep)) as c:
            await c.send(b"hello")
            assert (await c.recv()).data == b"ep:hello"
        assert incoming == [b"hello"]
        assert {a1.transport, a2.transport} <= set(ep.associations)
        await a1.close()
        await a2.close()
        for s in (ep, p1, p2):
            s.close()
            await s.wait_closed()

    run(main())


def test_create_connection_with_a_protocol(run: Callable[..., Any]) -> None:
    """create_connection(): the protocol given (not the server's factory)
    gets connection_made before the call returns, its messages, COMM_UP as a
    notification, and connection_lost(None) after close()."""

    class Client(aiosctp.SCTPProtocol):
        def __init__(self) -> None:
            self.made = False
            self.got: "asyncio.Queue[bytes]" = asyncio.Queue()
            self.notes: List[events.Event] = []
            self.lost: "asyncio.Future[Optional[Exception]]" = \
                asyncio.get_running_loop().create_future()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.made = True

        def message_received(self, data: bytes, info: aiosctp.MessageInfo) -> None:
            self.got.put_nowait(data)

        def notification_received(self, event: events.Event) -> None:
            self.notes.append(event)

        def connection_lost(self, exc: Optional[Exception]) -> None:
            self.lost.set_result(exc)

    def refuse() -> aiosctp.SCTPProtocol:
        raise AssertionError("the server's factory was called for a client association")

    async def main() -> None:
        peer = await aiosctp.serve(tagged(b"re:"), "127.0.0.1", 0)
        server = await aiosctp.create_sctp_server(refuse, "127.0.0.1", 0, style="one-to-many")
        transport, protocol = await server.create_connection(
            Client, "127.0.0.1", port_of(peer), ostreams=3, instreams=5)
        assert isinstance(protocol, Client) and protocol.made
        assert isinstance(transport, aiosctp.SCTPTransport)
        assert transport.get_extra_info("socket") is server.sockets[0]
        assert transport.get_extra_info("ostreams") == 3  # INIT's own counts
        assert transport.get_status().instreams <= 5
        ups = [e for e in protocol.notes if isinstance(e, events.AssocChange)]
        assert ups and ups[0].state == events.AssocChangeState.COMM_UP
        transport.send(b"x", stream=2)
        assert await protocol.got.get() == b"re:x"
        transport.close()
        assert await protocol.lost is None
        assert server.associations == []
        # the server's own INIT counts are back for the next one
        assert lowlevel.get_initmsg(server.sockets[0]).ostreams == 10
        server.close()
        await server.wait_closed()
        peer.close()
        await peer.wait_closed()

    run(main())


@pytest.mark.parametrize("api", ["serve", "create_sctp_server"])
def test_port_zero_client_only_endpoint(run: Callable[..., Any], api: str) -> None:
    """port=0, start_serving=False: an endpoint that only starts
    associations (it does not listen: an INIT to it is refused)."""

    async def main() -> None:
        peer = await aiosctp.serve(tagged(b"p:"), "127.0.0.1", 0)
        if api == "serve":
            ep = await aiosctp.serve(never, None, 0, style="one-to-many", start_serving=False)
        else:
            ep = await aiosctp.create_sctp_server(
                aiosctp.SCTPProtocol, port=0, style="one-to-many", start_serving=False)
        assert not ep.is_serving()
        assoc = await ep.connect("127.0.0.1", port_of(peer), timeout=10)
        await assoc.send(b"q")
        assert (await assoc.recv()).data == b"p:q"
        assert assoc.local_address[1] == port_of(ep) != 0
        with pytest.raises(ConnectionRefusedError):
            await aiosctp.connect("127.0.0.1", port_of(ep))
        await assoc.close()
        ep.close()
        await ep.wait_closed()
        peer.close()
        await peer.wait_closed()

    run(main())


def test_timeout_against_a_silent_peer(run: Callable[..., Any], black_hole: str) -> None:
    """A peer that never answers: TimeoutError once the timeout has passed,
    INITs meanwhile, none after (the attempt is aborted), no association
    left; the endpoint goes on serving (the loop fixture counts fds)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        peer = await aiosctp.serve(tagged(b"p:"), "127.0.0.1", 0)
        ep = await aiosctp.serve(never, None, 0, style="one-to-many", configure=fast_init)
        before = tx_packets(black_hole)
        t0 = loop.time()
        with pytest.raises(TimeoutError):
            await ep.connect("10.77.0.2", 3868, timeout=1.0)
        elapsed = loop.time() - t0
        sent = tx_packets(black_hole) - before
        assert 1.0 <= elapsed < 20.0, elapsed
        assert sent >= 3, sent
        await asyncio.sleep(1.0)  # five RTOs later: nothing more
        assert tx_packets(black_hole) - before == sent
        with open("/proc/net/sctp/assocs") as f:
            assert "10.77.0.2" not in f.read()
        assert ep.associations == []
        # the endpoint still works
        async with await ep.connect("127.0.0.1", port_of(peer), timeout=10) as assoc:
            await assoc.send(b"z")
            assert (await assoc.recv()).data == b"p:z"
        ep.close()
        await ep.wait_closed()
        peer.close()
        await peer.wait_closed()

    run(main())


def test_cancelled_and_closed_attempts_are_aborted(run: Callable[..., Any],
                                                   black_hole: str) -> None:
    """A connect() task cancelled, and one pending when the server is closed
    (ConnectionAbortedError): both attempts are aborted, no INIT after."""

    async def main() -> None:
        ep = await aiosctp.serve(never, None, 0, style="one-to-many", configure=fast_init)
        task = asyncio.ensure_future(ep.connect("10.77.0.2", 3868))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        pending = asyncio.ensure_future(ep.connect("10.77.0.2", 3869))
        await asyncio.sleep(0.3)
        ep.close()
        with pytest.raises(ConnectionAbortedError):
            await pending
        await ep.wait_closed()
        sent = tx_packets(black_hole)
        await asyncio.sleep(1.0)
        assert tx_packets(black_hole) == sent
        with open("/proc/net/sctp/assocs") as f:
            assert "10.77.0.2" not in f.read()

    run(main())


def test_refused(run: Callable[..., Any]) -> None:
    """No listener at the port: the peer's ABORT makes CANT_STR_ASSOC,
    ConnectionRefusedError; nothing is left."""

    async def main() -> None:
        ep = await aiosctp.serve(never, "127.0.0.1", 0, style="one-to-many")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP) as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]  # bound, not listening
            with pytest.raises(ConnectionRefusedError):
                await ep.connect("127.0.0.1", closed_port, timeout=10)
        assert ep.associations == []
        ep.close()
        await ep.wait_closed()

    run(main())


def test_server_close_ends_client_associations(run: Callable[..., Any]) -> None:
    """close() closes the client associations in order, as the incoming
    ones; wait_closed() returns when they are gone."""

    async def main() -> None:
        ended = asyncio.get_running_loop().create_future()

        async def peer_handler(assoc: Association) -> None:
            async for _ in assoc:
                pass
            ended.set_result(assoc.close_exception)

        peer = await aiosctp.serve(peer_handler, "127.0.0.1", 0)
        ep = await aiosctp.serve(never, "127.0.0.1", 0, style="one-to-many")
        assoc = await ep.connect("127.0.0.1", port_of(peer))
        await assoc.send(b"last")
        ep.close()
        await ep.wait_closed()
        assert assoc.closed
        assert await ended is None  # an orderly SHUTDOWN
        assert ep.sockets == ()
        with pytest.raises(ConnectionError):
            await ep.connect("127.0.0.1", port_of(peer))
        peer.close()
        await peer.wait_closed()

    run(main())


def test_bad_arguments(run: Callable[..., Any]) -> None:
    async def main() -> None:
        one = await aiosctp.serve(never, "127.0.0.1", 0)
        with pytest.raises(ValueError, match="one-to-many"):
            await one.connect("127.0.0.1", 9)
        many = await aiosctp.serve(never, "127.0.0.1", 0, style="one-to-many")
        with pytest.raises(ValueError, match="configure"):
            await many.connect("127.0.0.1", 9, configure=fast_init)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await many.connect("127.0.0.1", 9, timout=1)  # type: ignore[call-arg]
        with pytest.raises(ValueError):
            await many.connect("127.0.0.1", 0)
        with pytest.raises(ValueError):
            await many.connect("127.0.0.1", 9, timeout=0)
        with pytest.raises(OverflowError):
            await many.connect("127.0.0.1", 9, ostreams=70000)
        with pytest.raises(TypeError):
            await many.create_connection(None, "127.0.0.1", 9)  # type: ignore[arg-type]
        assert many.associations == []
        for s in (one, many):
            s.close()
            await s.wait_closed()

    run(main())
