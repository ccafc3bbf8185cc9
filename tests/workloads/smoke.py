"""Smoke test of an installed aiosctp, run by `make test` with every Python
that pyproject.toml claims (each in its own venv holding the sdist built by
that Python), against kernel SCTP (in the sandbox where the host lacks it).

One association over the asyncio API, a message each way with its stream
and PPID, the client's graceful shutdown, and the notifications the server
got (at least an AssocChange or Shutdown); also the classic ``sctp`` module.
Runs as ``python -I tests/workloads/smoke.py --installed`` from outside the source tree,
so only the installed package can be imported; prints one line per step and
exits 0 on success.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any, List, Optional, Tuple

import aiosctp
import sctp
from aiosctp import events


class Recorder(aiosctp.SCTPProtocol):
    def __init__(self, echo: bool) -> None:
        self.echo = echo
        self.transport: Optional[aiosctp.SCTPTransport] = None
        self.messages: "asyncio.Queue[Tuple[bytes, int, int]]" = asyncio.Queue()
        self.notes: "asyncio.Queue[events.Event]" = asyncio.Queue()
        self.lost: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def message_received(self, data: bytes, info: aiosctp.MessageInfo) -> None:
        self.messages.put_nowait((data, info.stream, info.ppid))
        if self.echo and self.transport is not None:
            self.transport.send(data.upper(), stream=info.stream, ppid=info.ppid + 1)

    def notification_received(self, event: events.Event) -> None:
        self.notes.put_nowait(event)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.lost.done():
            self.lost.set_result(None)


async def main() -> None:
    servers: List[Recorder] = []

    def factory() -> Recorder:
        servers.append(Recorder(echo=True))
        return servers[-1]

    server = await aiosctp.create_sctp_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, client = await aiosctp.create_sctp_connection(
        lambda: Recorder(echo=False), "127.0.0.1", port)
    assert isinstance(client, Recorder)
    print(f"association up: 127.0.0.1:{port}")

    transport.send(b"ping", stream=1, ppid=18)
    got = await asyncio.wait_for(servers[0].messages.get(), 30)
    assert got == (b"ping", 1, 18), got
    reply = await asyncio.wait_for(client.messages.get(), 30)
    assert reply == (b"PING", 1, 19), reply
    print("message each way: client -> server -> client")

    transport.close()  # graceful SHUTDOWN: the server is told
    await asyncio.wait_for(servers[0].lost, 30)
    seen = []
    while not servers[0].notes.empty():
        note = servers[0].notes.get_nowait()
        seen.append(f"{type(note).__name__}({getattr(getattr(note, 'state', None), 'name', '')})")
    assert any(isinstance(n, str) and n.startswith(("AssocChange", "Shutdown")) for n in seen), seen
    print(f"notifications on the server: {', '.join(seen)}")
    await asyncio.wait_for(client.lost, 30)
    server.close()
    await server.wait_closed()


def classic() -> None:
    srv = sctp.sctpsocket_tcp(socket.AF_INET)
    cli = sctp.sctpsocket_tcp(socket.AF_INET)
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        cli.connect(srv.getsockname())
        conn, _ = srv.accept()
        cli.sctp_send(b"hello", ppid=46, stream=0)
        _, _, data, _ = conn.sctp_recv(100)
        assert data == b"hello", data
        conn.close()
        print("sctp module: a message")
    finally:
        cli.close()
        srv.close()


if __name__ == "__main__":
    if "--installed" in sys.argv[1:]:  # as `make test` runs it: not a source tree
        assert "site-packages" in aiosctp.__file__, aiosctp.__file__
    print(f"Python {sys.version.split()[0]}, aiosctp {aiosctp.__version__} from {aiosctp.__file__}")
    asyncio.run(main())
    classic()
    print("smoke: ok")
