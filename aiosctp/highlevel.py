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
import logging
import socket
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Deque,
    Generator,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Type,
    Union,
    overload,
)
from types import TracebackType

from . import events
from .connection import AddrSpec, Configure, _ev, create_sctp_connection
from .message import Message, MessageInfo
from .options import Status
from .protocol import SCTPProtocol
from .server import SCTPServer, create_sctp_server
from .transport import (
    _NOTHING,
    DEFAULT_MAX_MESSAGE_SIZE,
    Buffer,
    SCTPTransport,
    _check_data,
    _check_uint,
)

__all__ = ["Association", "AssociationClosed", "Notifications", "connect", "serve", "Connect"]

#: Messages an Association keeps unread before it stops reading the socket.
DEFAULT_MAX_QUEUE = 128
#: Notifications an Association keeps unread (see Association.notifications).
DEFAULT_MAX_NOTIFICATIONS = 100_000

logger = logging.getLogger("aiosctp")


class Notifications:
    """The notifications of an :class:`Association` not read yet, oldest
    first (``assoc.notifications``).

    Call it for an async iterator that takes them in order and waits for
    more until the association has ended::

        async for event in assoc.notifications():
            ...

    It is also a view of the unread backlog (``len()``, indexing,
    iteration: ``assoc.notifications[-1]`` is the newest; ``popleft()``,
    ``clear()``), as the deque this attribute was before. Nothing is dropped silently: past
    ``max_notifications`` unread ones (connect()/serve(), default 100,000)
    the oldest are dropped, counted in :attr:`dropped`, and a WARNING is
    logged on the ``aiosctp`` logger (at the first drop and at each power of
    two)."""

    __slots__ = ("_assoc", "_items", "_limit", "_waiters", "dropped")

    def __init__(self, assoc: "Association", limit: int) -> None:
        self._assoc = assoc
        self._items: Deque[events.Event] = collections.deque()
        self._limit = limit
        self._waiters: List["asyncio.Future[None]"] = []
        #: Notifications dropped unread because the backlog was full.
        self.dropped = 0

    def __call__(self) -> AsyncIterator[events.Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[events.Event]:
        while True:
            ev = await self.get()
            if ev is None:
                return
            yield ev

    async def get(self) -> Optional[events.Event]:
        """The next notification, waiting for it; None once the association
        has ended and every notification was taken."""
        while not self._items:
            if self._assoc._closed:
                return None
            await _wait_on(self._assoc._loop, self._waiters)
        ev = self._items.popleft()
        if self._items:
            self._wake()
        return ev

    def get_nowait(self) -> Optional[events.Event]:
        """The next notification, or None if none is waiting."""
        return self._items.popleft() if self._items else None

    def popleft(self) -> events.Event:
        """Take the oldest unread notification (IndexError if none), as with
        the deque this attribute was before."""
        return self._items.popleft()

    def clear(self) -> None:
        """Forget the unread notifications."""
        self._items.clear()

    def _put(self, event: events.Event) -> None:
        items = self._items
        if len(items) >= self._limit:
            items.popleft()
            self.dropped += 1
            n = self.dropped
            if n & (n - 1) == 0:  # 1, 2, 4, 8 ...: reported, never flooding
                logger.warning(
                    "%r: %d notification(s) dropped unread so far: more than "
                    "max_notifications=%d waiting (read assoc.notifications(), "
                    "subscribe to fewer with events=, or raise max_notifications)",
                    self._assoc, n, self._limit,
                )
        items.append(event)
        self._wake()

    def _wake(self) -> None:
        for w in self._waiters:
            if not w.done():
                w.set_result(None)
                return

    def _wake_all(self) -> None:
        for w in self._waiters:
            if not w.done():
                w.set_result(None)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[events.Event]:
        return iter(list(self._items))

    def __bool__(self) -> bool:
        return bool(self._items)

    @overload
    def __getitem__(self, index: int) -> events.Event: ...

    @overload
    def __getitem__(self, index: slice) -> List[events.Event]: ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return list(self._items)[index]
        return self._items[index]

    def __repr__(self) -> str:
        return f"<Notifications unread={len(self._items)} dropped={self.dropped}>"


class AssociationClosed(ConnectionError):
    """The association was closed in order (by either side); raised by
    :meth:`Association.recv` and :meth:`Association.send` after that."""


class _AssociationProtocol(SCTPProtocol):
    __slots__ = ("association", "_on_made")

    def __init__(
        self, max_queue: int,
        on_made: Optional[Callable[["Association"], None]] = None,
        max_notifications: int = DEFAULT_MAX_NOTIFICATIONS,
    ) -> None:
        self.association = Association(self, max_queue, max_notifications)
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
        "_recv_waiters", "_drain_waiters", "_paused", "_closed", "_close_exc",
        "_peer_shutdown", "_lost_waiters", "_notifications", "_max_notifications",
    )

    # The transport's loop, from _made on: nothing waits before it, and
    # connect() need not ask for the running loop (each ask is a getpid()).
    _loop: asyncio.AbstractEventLoop

    def __init__(
        self, protocol: _AssociationProtocol, max_queue: int,
        max_notifications: int = DEFAULT_MAX_NOTIFICATIONS,
    ) -> None:
        self._protocol = protocol
        self._transport: Optional[SCTPTransport] = None
        self._queue: Deque[Message] = _NOTHING  # a deque from the first message on
        self._max_queue = max_queue
        self._reading_paused = False
        # recv() callers waiting, oldest first (several tasks may wait)
        self._recv_waiters: List["asyncio.Future[None]"] = _NOTHING
        self._drain_waiters: List["asyncio.Future[None]"] = []
        self._paused = False
        self._closed = False
        self._close_exc: Optional[Exception] = None
        self._peer_shutdown = False
        # close()/wait_closed() callers, each with its own future (one turn
        # of the loop to wake, where asyncio.shield() of a shared one takes two)
        self._lost_waiters: List["asyncio.Future[None]"] = _NOTHING
        self._notifications: Optional[Notifications] = None
        self._max_notifications = max_notifications

    @property
    def notifications(self) -> Notifications:
        """The notifications received and not yet read, in order:
        ``async for event in assoc.notifications(): ...`` takes each of them
        (every one subscribed with ``events=``, none dropped unless more than
        ``max_notifications`` wait unread, which is counted and logged: see
        :class:`Notifications`); ``assoc.notifications[-1]``, ``len()`` look
        at the backlog without taking."""
        n = self._notifications
        if n is None:
            n = self._notifications = Notifications(self, self._max_notifications)
        return n

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Association assoc_id={self.assoc_id} {self.remote_address!r} {state}>"

    # protocol side

    def _made(self, transport: SCTPTransport) -> None:
        self._transport = transport
        self._loop = transport._loop

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
        self.notifications._put(event)

    def _shutdown(self) -> None:
        self._peer_shutdown = True

    def _lost(self, exc: Optional[Exception]) -> None:
        self._closed = True
        self._close_exc = exc
        waiters, self._lost_waiters = self._lost_waiters, _NOTHING
        for w in waiters:
            if not w.done():
                w.set_result(None)
        self._wake_recv(every=True)
        if self._notifications is not None:
            self._notifications._wake_all()
        self._resume_writing()

    def _resume_writing(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _wake_recv(self, every: bool = False) -> None:
        """Wake the oldest recv() caller not woken yet (each message goes
        to one of them), or all of them (``every``: the association ended)."""
        for w in self._recv_waiters:
            if not w.done():
                w.set_result(None)
                if not every:
                    return

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
        """The local address of the socket when the association came up."""
        return self._transport.get_extra_info("sockname") if self._transport else None

    @property
    def peer_addresses(self) -> List[Any]:
        """Every address of the peer (a multi-homed peer has several), asked
        of the kernel now; [] once the association has ended."""
        t = self._transport
        if t is None:
            return []
        return list(t.get_extra_info("peer_addresses") or [])

    @property
    def local_addresses(self) -> List[Any]:
        """Every local address of the association, asked of the kernel now;
        [] once the association has ended."""
        t = self._transport
        if t is None:
            return []
        return list(t.get_extra_info("local_addresses") or [])

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
        data: Buffer,
        *,
        stream: int = 0,
        ppid: int = 0,
        unordered: bool = False,
        context: int = 0,
        ttl: int = 0,
    ) -> None:
        """Send ``data`` as one message on ``stream`` with ``ppid``; returns
        once the transport has taken it, waiting first while its write
        buffer is above the high water mark. ``unordered``: delivered as it
        arrives; ``context`` comes back in a SendFailed notification;
        ``ttl`` (ms): SCTP may abandon the message if not sent in time
        (PR-SCTP). Raises TypeError/ValueError/OverflowError for bad
        arguments, the association's ending exception (or
        AssociationClosed) once it has ended."""
        self._check_send(data, stream, ppid, unordered, context, ttl)
        while self._paused and not self._closed:
            await _wait_on(self._loop, self._drain_waiters)
        self._hand_over(data, stream, ppid, unordered, context, ttl)

    def send_nowait(
        self,
        data: Buffer,
        *,
        stream: int = 0,
        ppid: int = 0,
        unordered: bool = False,
        context: int = 0,
        ttl: int = 0,
    ) -> None:
        """:meth:`send` without waiting, for plain callbacks (a reply from
        ``loop.call_soon``, a timer...): the message is handed to the
        transport at once, queued there when the socket is full, even above
        the high water mark. Same arguments, checks and errors as send()."""
        self._check_send(data, stream, ppid, unordered, context, ttl)
        self._hand_over(data, stream, ppid, unordered, context, ttl)

    def _hand_over(
        self, data: Buffer, stream: int, ppid: int, unordered: bool, context: int, ttl: int
    ) -> None:
        # The last step of send() and send_nowait(), the arguments checked.
        if self._closed:
            raise self._closed_error()
        self.transport.send(
            data, stream=stream, ppid=ppid, unordered=unordered, context=context, ttl=ttl
        )

    @staticmethod
    def _check_send(
        data: object, stream: int, ppid: int, unordered: bool, context: int, ttl: int
    ) -> None:
        _check_data(data)
        for value, name, bits in ((stream, "stream", 16), (ppid, "ppid", 32),
                                  (context, "context", 32), (ttl, "ttl", 32)):
            if isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not bool")
            _check_uint(value, name, bits)
        if not isinstance(unordered, bool):
            raise TypeError(f"unordered must be a bool, not {type(unordered).__name__}")

    async def recv(self) -> Message:
        """The next message, whole. Raises :class:`AssociationClosed` once the
        association was closed in order and every message was read, or the
        exception it ended with (ConnectionResetError for a peer ABORT ...).
        Several tasks may wait at once: each message goes to one of them,
        the longest waiting first."""
        while not self._queue:
            if self._closed:
                raise self._closed_error()
            w: "asyncio.Future[None]" = self._loop.create_future()
            if self._recv_waiters is _NOTHING:
                self._recv_waiters = []
            self._recv_waiters.append(w)
            try:
                await w
            except asyncio.CancelledError:
                if w.done() and not w.cancelled() and self._queue:
                    # woken for a message, then cancelled: the next waiter takes it
                    self._recv_waiters.remove(w)
                    self._wake_recv()
                raise
            finally:
                if w in self._recv_waiters:
                    self._recv_waiters.remove(w)
        msg = self._queue.popleft()
        if self._queue and self._recv_waiters:
            self._wake_recv()
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
        await self._wait_lost()

    async def _wait_lost(self) -> None:
        if self._closed:
            return
        if self._lost_waiters is _NOTHING:
            self._lost_waiters = []
        await _wait_on(self._loop, self._lost_waiters)

    async def wait_closed(self) -> None:
        """Wait until the association has ended, whoever ended it."""
        await self._wait_lost()

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


async def _wait_on(loop: asyncio.AbstractEventLoop, waiters: List["asyncio.Future[None]"]) -> None:
    """Wait until the future this appends to ``waiters`` is woken (or the
    wait is cancelled); it leaves the list either way."""
    w: "asyncio.Future[None]" = loop.create_future()
    waiters.append(w)
    try:
        await w
    finally:
        if w in waiters:
            waiters.remove(w)


def _check_limit(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    _check_uint(value, name, 31)
    assert isinstance(value, int)
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


class Connect:
    """What :func:`connect` returns: await it for an :class:`Association`,
    or use it as ``async with`` (the association is closed on exit)."""

    def __init__(
        self,
        host: Optional[str],
        port: Optional[int],
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_notifications: int = DEFAULT_MAX_NOTIFICATIONS,
        **options: Any,
    ) -> None:
        self._host = host
        self._port = port
        self._max_queue = _check_limit(max_queue, "max_queue")
        self._max_notifications = _check_limit(max_notifications, "max_notifications")
        self._options = options
        self._association: Optional[Association] = None

    async def _connect(self) -> Association:
        max_queue, max_notifications = self._max_queue, self._max_notifications
        _, protocol = await create_sctp_connection(
            lambda: _AssociationProtocol(max_queue, None, max_notifications),
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


def connect(
    host: Optional[str] = None,
    port: Optional[int] = None,
    *,
    remote_addrs: Optional[Sequence[AddrSpec]] = None,
    local_addrs: Optional[Sequence[AddrSpec]] = None,
    family: int = socket.AF_UNSPEC,
    ostreams: Optional[int] = None,
    instreams: Optional[int] = None,
    nodelay: bool = True,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    sock: Optional[socket.socket] = None,
    configure: Optional[Configure] = None,
    timeout: Optional[float] = None,
    events: Optional[Iterable[Type[_ev.Event]]] = None,
    max_queue: int = DEFAULT_MAX_QUEUE,
    max_notifications: int = DEFAULT_MAX_NOTIFICATIONS,
) -> Connect:
    """Set up an association: ``assoc = await connect(host, port)`` or
    ``async with connect(host, port) as assoc``.

    The options are those of :func:`aiosctp.create_sctp_connection`
    (remote_addrs, local_addrs, family, ostreams, instreams, nodelay,
    max_message_size, ``sock``, ``configure`` -- called with the socket
    before INIT --, ``timeout`` -- bounding the whole set-up, TimeoutError
    --, ``events`` -- the notifications that reach
    :attr:`Association.notifications`, default
    :data:`aiosctp.events.DEFAULT`), and ``max_queue`` (received messages
    kept unread before the socket is no longer read, default 128),
    ``max_notifications`` (notifications kept unread, default 100,000;
    past it the oldest are dropped, counted and logged)."""
    return Connect(
        host, port, max_queue=max_queue, max_notifications=max_notifications,
        remote_addrs=remote_addrs, local_addrs=local_addrs, family=family,
        ostreams=ostreams, instreams=instreams, nodelay=nodelay,
        max_message_size=max_message_size, sock=sock, configure=configure,
        timeout=timeout, events=events,
    )


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
    handler: Handler,
    host: Union[None, str, Sequence[str]] = None,
    port: int = 0,
    *,
    family: int = socket.AF_UNSPEC,
    style: str = "one-to-one",
    local_addrs: Optional[Sequence[AddrSpec]] = None,
    ostreams: Optional[int] = None,
    instreams: Optional[int] = None,
    nodelay: bool = True,
    reuse_address: bool = True,
    backlog: int = 100,
    start_serving: bool = True,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    sock: Optional[socket.socket] = None,
    configure: Optional[Configure] = None,
    events: Optional[Iterable[Type[_ev.Event]]] = None,
    max_queue: int = DEFAULT_MAX_QUEUE,
    max_notifications: int = DEFAULT_MAX_NOTIFICATIONS,
) -> SCTPServer:
    """Serve SCTP associations: ``await handler(association)`` runs for each
    (on one-to-one and one-to-many sockets alike); the association is
    closed when the handler returns, aborted if it raises. The options are
    those of :func:`aiosctp.create_sctp_server` (style, local_addrs,
    ostreams, ``sock``, ``configure`` -- called with the listening socket
    before listen --, ``events`` ...) and ``max_queue``,
    ``max_notifications`` (as for :func:`connect`). Returns the
    :class:`SCTPServer`."""
    if not callable(handler):
        raise TypeError(f"handler must be an async function, not {type(handler).__name__}")
    loop = asyncio.get_running_loop()
    max_queue = _check_limit(max_queue, "max_queue")
    max_notifications = _check_limit(max_notifications, "max_notifications")
    holder: List[SCTPServer] = []

    def start(assoc: Association) -> None:
        task = loop.create_task(_run_handler(handler, assoc))
        server = holder[0]
        server._handler_tasks.add(task)
        task.add_done_callback(server._handler_tasks.discard)

    def factory() -> _AssociationProtocol:
        return _AssociationProtocol(max_queue, start, max_notifications)

    server = await create_sctp_server(
        factory, host, port, family=family, style=style, local_addrs=local_addrs,
        ostreams=ostreams, instreams=instreams, nodelay=nodelay,
        reuse_address=reuse_address, backlog=backlog, start_serving=False,
        max_message_size=max_message_size, sock=sock, configure=configure, events=events,
    )
    holder.append(server)
    if start_serving:
        await server.start_serving()
    return server
