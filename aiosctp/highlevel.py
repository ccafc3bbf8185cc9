"""The high-level API: ``await aiosctp.connect()``, ``aiosctp.serve()`` and
:class:`Association`, in the style of the websockets library.

::

    async with aiosctp.connect("127.0.0.1", 36412) as assoc:
        await assoc.send(b"hello", stream=1, ppid=18)
        msg = await assoc.recv()

    async def handler(assoc):
        async for msg in assoc:
            await assoc.send(msg.data, stream=msg.stream, ppid=msg.ppid)

    server = await aiosctp.serve(handler, "127.0.0.1", 36412)
"""

from __future__ import annotations

import asyncio
import collections
import errno
from typing import (
    Any,
    Awaitable,
    Callable,
    Deque,
    Generator,
    List,
    Optional,
    Type,
)
from types import TracebackType

from . import events
from .connection import create_sctp_connection
from .message import Message, MessageInfo
from .options import Status
from .protocol import SCTPProtocol
from .server import SCTPServer, create_sctp_server
from .transport import _NOTHING, SCTPTransport, _check_data, _check_uint

__all__ = ["Association", "AssociationClosed", "connect", "serve", "Connect"]

#: Messages an Association keeps unread before it stops reading the socket.
DEFAULT_MAX_QUEUE = 128


class AssociationClosed(ConnectionError):
    """The association was closed in order (by either side); raised by
    :meth:`Association.recv` and :meth:`Association.send` after that."""


class _AssociationProtocol(SCTPProtocol):
    __slots__ = ("association", "_on_made")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, max_queue: int,
        on_made: Optional[Callable[["Association"], None]] = None,
    ) -> None:
        self.association = Association(loop, self, max_queue)
        self._on_made = on_made

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, SCTPTransport)
        self.association._made(transport)
        if self._on_made is not None:
            self._on_made(self.association)

    def message_received(self, data: bytes, info: MessageInfo) -> None:
        self.association._message(data, info)

    def notification_received(self, event: events.Event) -> None:
        self.association._notification(event)

    def shutdown_received(self) -> None:
        self.association._shutdown()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.association._lost(exc)

    def pause_writing(self) -> None:
        self.association._paused = True

    def resume_writing(self) -> None:
        self.association._resume_writing()


class Association:
    """One SCTP association: ``send()``, ``recv()``, ``async for``,
    ``close()``, ``abort()``, ``status()``.

    Received messages wait in a queue of at most ``max_queue`` messages;
    past it the association stops reading, so SCTP's flow control holds
    the peer back."""

    # A server keeps one per association: slots, and no deque until needed.
    __slots__ = (
        "_loop", "_protocol", "_transport", "_queue", "_max_queue", "_reading_paused",
        "_recv_waiter", "_drain_waiters", "_paused", "_closed", "_close_exc",
        "_peer_shutdown", "_lost_fut", "_notifications",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: _AssociationProtocol, max_queue: int
    ) -> None:
        self._loop = loop
        self._protocol = protocol
        self._transport: Optional[SCTPTransport] = None
        self._queue: Deque[Message] = _NOTHING  # a deque from the first message on
        self._max_queue = max_queue
        self._reading_paused = False
        self._recv_waiter: Optional["asyncio.Future[None]"] = None
        self._drain_waiters: List["asyncio.Future[None]"] = []
        self._paused = False
        self._closed = False
        self._close_exc: Optional[Exception] = None
        self._peer_shutdown = False
        self._lost_fut: "asyncio.Future[None]" = loop.create_future()
        self._notifications: Optional[Deque[events.Event]] = None

    @property
    def notifications(self) -> Deque[events.Event]:
        """Notifications received, newest last (at most 100 are kept)."""
        if self._notifications is None:
            self._notifications = collections.deque(maxlen=100)
        return self._notifications

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Association assoc_id={self.assoc_id} {self.remote_address!r} {state}>"

    # protocol side

    def _made(self, transport: SCTPTransport) -> None:
        self._transport = transport

    def _message(self, data: bytes, info: MessageInfo) -> None:
        t = self._transport
        peer = t.get_extra_info("peername") if t is not None else None
        if self._queue is _NOTHING:
            self._queue = collections.deque()
        self._queue.append(Message.from_info(data, info, peer))
        if len(self._queue) >= self._max_queue and not self._reading_paused and t is not None:
            self._reading_paused = True
            t.pause_reading()
        self._wake_recv()

    def _notification(self, event: events.Event) -> None:
        self.notifications.append(event)

    def _shutdown(self) -> None:
        self._peer_shutdown = True

    def _lost(self, exc: Optional[Exception]) -> None:
        self._closed = True
        self._close_exc = exc
        if not self._lost_fut.done():
            self._lost_fut.set_result(None)
        self._wake_recv()
        self._resume_writing()

    def _resume_writing(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _wake_recv(self) -> None:
        w = self._recv_waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _closed_error(self) -> Exception:
        if self._close_exc is not None:
            return self._close_exc
        return AssociationClosed(errno.ENOTCONN, "the association is closed")

    # public API

    @property
    def transport(self) -> SCTPTransport:
        """The association's :class:`~aiosctp.SCTPTransport` (for what this
        class does not wrap: socket options, stream handlers, limits)."""
        assert self._transport is not None
        return self._transport

    @property
    def assoc_id(self) -> int:
        """The kernel's association id (0 before the association is up)."""
        return self._transport.assoc_id if self._transport is not None else 0

    @property
    def remote_address(self) -> Any:
        """The peer's primary address when the association came up."""
        return self._transport.get_extra_info("peername") if self._transport else None

    @property
    def local_address(self) -> Any:
        """The local address of the socket (``getsockname()``), None before
        the association is up."""
        return self._transport.get_extra_info("sockname") if self._transport else None

    @property
    def ostreams(self) -> int:
        """Outbound streams agreed with the peer (valid stream numbers for
        sending are 0 to ostreams - 1)."""
        return int(self._transport.get_extra_info("ostreams")) if self._transport else 0

    @property
    def instreams(self) -> int:
        """Inbound streams agreed with the peer."""
        return int(self._transport.get_extra_info("instreams")) if self._transport else 0

    @property
    def closed(self) -> bool:
        """True once the association has ended (connection_lost)."""
        return self._closed

    @property
    def close_exception(self) -> Optional[Exception]:
        """Why the association ended: None for an orderly close."""
        return self._close_exc

    async def send(
        self,
        data: bytes,
        *,
        stream: int = 0,
        ppid: int = 0,
        unordered: bool = False,
        context: int = 0,
        ttl: int = 0,
    ) -> None:
        """Send ``data`` as one message; returns once the transport has taken
        it, waiting first while its write buffer is above the high water mark."""
        _check_data(data)
        _check_uint(stream, "stream", 16)
        _check_uint(ppid, "ppid", 32)
        while self._paused and not self._closed:
            w: "asyncio.Future[None]" = self._loop.create_future()
            self._drain_waiters.append(w)
            try:
                await w
            finally:
                if w in self._drain_waiters:
                    self._drain_waiters.remove(w)
        if self._closed:
            raise self._closed_error()
        self.transport.send(
            data, stream=stream, ppid=ppid, unordered=unordered, context=context, ttl=ttl
        )

    async def recv(self) -> Message:
        """The next message, whole. Raises :class:`AssociationClosed` once the
        association was closed in order and every message was read, or the
        exception it ended with (ConnectionResetError for a peer ABORT ...)."""
        while not self._queue:
            if self._closed:
                raise self._closed_error()
            if self._recv_waiter is not None:
                raise RuntimeError("another coroutine is already waiting in recv()")
            w: "asyncio.Future[None]" = self._loop.create_future()
            self._recv_waiter = w
            try:
                await w
            finally:
                self._recv_waiter = None
        msg = self._queue.popleft()
        if self._reading_paused and len(self._queue) <= self._max_queue // 4:
            self._reading_paused = False
            if self._transport is not None:
                self._transport.resume_reading()
        return msg

    def __aiter__(self) -> "Association":
        return self

    async def __anext__(self) -> Message:
        try:
            return await self.recv()
        except AssociationClosed:
            raise StopAsyncIteration from None

    async def close(self) -> None:
        """Send what is buffered, shut the association down (SHUTDOWN) and
        wait until it has ended."""
        if self._transport is not None and not self._closed:
            self._transport.close()
        await asyncio.shield(self._lost_fut)

    async def wait_closed(self) -> None:
        """Wait until the association has ended, whoever ended it."""
        await asyncio.shield(self._lost_fut)

    def abort(self) -> None:
        """Abort the association at once (ABORT chunk)."""
        if self._transport is not None and not self._closed:
            self._transport.abort()

    def status(self) -> Status:
        """SCTP_STATUS of the association."""
        return self.transport.get_status()

    async def __aenter__(self) -> "Association":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
            self.abort()
            return
        await self.close()


class Connect:
    """What :func:`connect` returns: await it for an :class:`Association`,
    or use it as ``async with`` (the association is closed on exit)."""

    def __init__(self, host: Optional[str], port: Optional[int], **options: Any) -> None:
        self._host = host
        self._port = port
        self._max_queue = options.pop("max_queue", DEFAULT_MAX_QUEUE)
        _check_uint(self._max_queue, "max_queue", 31)
        if self._max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self._options = options
        self._association: Optional[Association] = None

    async def _connect(self) -> Association:
        loop = asyncio.get_running_loop()
        _, protocol = await create_sctp_connection(
            lambda: _AssociationProtocol(loop, self._max_queue),
            self._host,
            self._port,
            **self._options,
        )
        assert isinstance(protocol, _AssociationProtocol)
        return protocol.association

    def __await__(self) -> Generator[Any, None, Association]:
        return self._connect().__await__()

    async def __aenter__(self) -> Association:
        self._association = await self._connect()
        return self._association

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        assoc, self._association = self._association, None
        if assoc is not None:
            await assoc.__aexit__(exc_type, exc, tb)


def connect(host: Optional[str] = None, port: Optional[int] = None, **options: Any) -> Connect:
    """Set up an association: ``assoc = await connect(host, port)`` or
    ``async with connect(host, port) as assoc``. ``options`` are those of
    :func:`aiosctp.create_sctp_connection` (remote_addrs, local_addrs,
    family, ostreams, instreams, nodelay, max_message_size) and
    ``max_queue`` (received messages kept unread, default 128)."""
    return Connect(host, port, **options)


Handler = Callable[[Association], Awaitable[Any]]


async def _run_handler(handler: Handler, assoc: Association) -> None:
    try:
        await handler(assoc)
    except asyncio.CancelledError:
        assoc.abort()
        raise
    except Exception as exc:
        if not assoc.closed:
            assoc._loop.call_exception_handler(
                {
                    "message": "aiosctp.serve(): the association handler failed",
                    "exception": exc,
                    "transport": assoc._transport,
                }
            )
        assoc.abort()
        return
    await assoc.close()


async def serve(
    handler: Handler, host: Optional[str] = None, port: int = 0, **options: Any
) -> SCTPServer:
    """Serve SCTP associations: ``await handler(association)`` runs for each
    (on one-to-one and one-to-many sockets alike); the association is
    closed when the handler returns, aborted if it raises. ``options`` are
    those of :func:`aiosctp.create_sctp_server` (style, local_addrs,
    ostreams, ...) and ``max_queue``. Returns the :class:`SCTPServer`."""
    if not callable(handler):
        raise TypeError(f"handler must be an async function, not {type(handler).__name__}")
    loop = asyncio.get_running_loop()
    max_queue = options.pop("max_queue", DEFAULT_MAX_QUEUE)
    _check_uint(max_queue, "max_queue", 31)
    if max_queue < 1:
        raise ValueError("max_queue must be at least 1")
    holder: List[SCTPServer] = []

    def start(assoc: Association) -> None:
        task = loop.create_task(_run_handler(handler, assoc))
        server = holder[0]
        server._handler_tasks.add(task)
        task.add_done_callback(server._handler_tasks.discard)

    def factory() -> _AssociationProtocol:
        return _AssociationProtocol(loop, max_queue, start)

    start_serving = options.pop("start_serving", True)
    server = await create_sctp_server(factory, host, port, start_serving=False, **options)
    holder.append(server)
    if start_serving:
        await server.start_serving()
    return server

