"""Protocols and helpers shared by the asyncio tests (test_asyncio_*.py).

A module, not conftest.py: other folders have their own conftest, so
``from conftest import ...`` would be ambiguous. It holds no tests.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import aiosctp
from aiosctp import events

class Recorder(aiosctp.SCTPProtocol):
    """Records every callback, in order, in ``log``; futures for the
    milestones; ``wait_messages(n)`` waits for n messages."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.log: List[Any] = []
        self.messages: List[Any] = []  # (data, info)
        self.events: List[events.Event] = []
        self.transport: Any = None
        self.made: "asyncio.Future[None]" = loop.create_future()
        self.lost: "asyncio.Future[Any]" = loop.create_future()
        self.paused = False
        self.pauses = 0
        self.resumes = 0
        self._resumed: "asyncio.Future[None] | None" = None
        self._waiters: List[Any] = []  # (count, future)

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.log.append("made")
        self.made.set_result(None)

    def message_received(self, data: bytes, info: aiosctp.MessageInfo) -> None:
        self.log.append("message")
        self.messages.append((data, info))
        self._wake()

    def notification_received(self, event: events.Event) -> None:
        self.events.append(event)
        self.log.append(("event", type(event).__name__))

    def shutdown_received(self) -> None:
        self.log.append("shutdown")

    def connection_lost(self, exc: Any) -> None:
        self.log.append("lost")
        self.lost.set_result(exc)
        self._wake()

    def pause_writing(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_writing(self) -> None:
        self.paused = False
        self.resumes += 1
        if self._resumed is not None and not self._resumed.done():
            self._resumed.set_result(None)

    async def wait_resumed(self) -> None:
        while self.paused:
            self._resumed = asyncio.get_running_loop().create_future()
            await self._resumed

    def _wake(self) -> None:
        for item in list(self._waiters):
            n, fut = item
            if (len(self.messages) >= n or self.lost.done()) and not fut.done():
                fut.set_result(None)
                self._waiters.remove(item)

    async def wait_messages(self, n: int) -> List[Any]:
        if len(self.messages) < n and not self.lost.done():
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append((n, fut))
            await fut
        assert len(self.messages) >= n, (len(self.messages), n, self.log[-3:], self.lost)
        return self.messages

    def callbacks(self) -> List[str]:
        """The log without the notifications."""
        return [x for x in self.log if isinstance(x, str)]

    def of_kind(self, cls: type) -> List[Any]:
        return [e for e in self.events if isinstance(e, cls)]


class Echo(Recorder):
    """Echoes each message on its stream with its PPID (and unordered flag)."""

    def message_received(self, data: bytes, info: aiosctp.MessageInfo) -> None:
        super().message_received(data, info)
        if not self.transport.is_closing():
            self.transport.send(data, stream=info.stream, ppid=info.ppid,
                                unordered=info.unordered)


class ServerSide:
    """A protocol factory that keeps every protocol it made."""

    def __init__(self, cls: type = Recorder) -> None:
        self.cls = cls
        self.protocols: List[Any] = []
        self._waiters: List[Any] = []

    def __call__(self) -> Any:
        p = self.cls()
        self.protocols.append(p)
        for item in list(self._waiters):
            n, fut = item
            if len(self.protocols) >= n and not fut.done():
                fut.set_result(None)
                self._waiters.remove(item)
        return p

    async def wait(self, n: int = 1) -> List[Any]:
        if len(self.protocols) < n:
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append((n, fut))
            await fut
        for p in self.protocols[:n]:
            if hasattr(p, "made"):
                await p.made
        return self.protocols


async def server_and_client(style: str, server_cls: type = Recorder,
                            client_cls: type = Recorder, **server_kw: Any) -> Any:
    """(server, ServerSide, client transport, client protocol, server protocol)."""
    side = ServerSide(server_cls)
    server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style, **server_kw)
    port = server.sockets[0].getsockname()[1]
    transport, client = await aiosctp.create_sctp_connection(client_cls, "127.0.0.1", port)
    (sp,) = await side.wait(1)
    return server, side, transport, client, sp
