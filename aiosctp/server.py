"""The server side: :func:`create_sctp_server` and :class:`SCTPServer`.

A one-to-one server (SOCK_STREAM) accepts each association as its own
socket. A one-to-many server (SOCK_SEQPACKET) serves every association from
one socket, read and demultiplexed by :class:`aiosctp.demux.Demux`.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    Union,
)

from . import _sctp, lowlevel
from .connection import (
    AddrSpec,
    Configure,
    _check_configure,
    _check_sock,
    _deliver_set,
    _new_socket,
    _configure,
    ProtocolFactory,
    _addr_specs,
    _remote_specs,
    _check_factory,
    _check_family,
    _check_host,
    _check_int,
    _check_max_message_size,
    _check_port,
    _check_timeout,
    _numeric,
    _prepare,
    _resolve_groups,
    _serving_port,
    _subscribe,
    _usable,
    _within,
    _resolve_all,
    _widen_buffer,
    _ev,
)
from .demux import Demux, Dropped
from .transport import DEFAULT_MAX_MESSAGE_SIZE, SCTPTransport, _Owner, _OwnedSocket

if TYPE_CHECKING:
    from .highlevel import Association

__all__ = ["SCTPServer", "create_sctp_server"]


_STYLES = ("one-to-one", "one-to-many")
_ACCEPT_RETRY_DELAY = 1.0


def _accept(sock: socket.socket, ask_first: bool = False) -> Tuple[socket.socket, Any]:
    """accept() with the new socket nonblocking from accept4() itself (the
    stdlib's accept() gives a blocking one: one ioctl more per association).
    ``ask_first``: poll() first, BlockingIOError if nothing is queued
    (Linux's SCTP accept() on an empty queue sleeps until the next timer
    tick, nonblocking or not)."""
    fd, addr = _sctp.accept(sock.fileno(), ask_first)
    try:
        conn = socket.socket(sock.family, sock.type | socket.SOCK_NONBLOCK, sock.proto, fileno=fd)
    except BaseException:
        os.close(fd)
        raise
    return conn, addr


class SCTPServer(asyncio.AbstractServer, _Owner):
    """An SCTP server, shaped like :class:`asyncio.Server`.

    ``close()`` stops accepting associations and closes the live ones in
    order (each flushes its buffer, then SHUTDOWN); ``await wait_closed()``
    returns when they are all gone and the socket is closed.
    ``abort_clients()`` aborts the live associations instead."""

    #: The notifications passed to each association's protocol (None: all);
    #: set by create_sctp_server().
    _events: Optional[AbstractSet[Type[_ev.Event]]] = None
    #: The notifications the socket is subscribed to (set by
    #: create_sctp_server(); connect() may add to them).
    _subscribed: AbstractSet[Type[_ev.Event]] = _ev.DEFAULT

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: ProtocolFactory,
        *,
        style: str,
        backlog: int,
        max_message_size: int,
        nodelay: bool = True,
    ) -> None:
        self._loop = loop
        self._nodelay = nodelay
        self._sock: Optional[socket.socket] = sock
        self._sockets: Tuple[socket.socket, ...] = (sock,)
        self._protocol_factory = protocol_factory
        self._style = style
        self._backlog = backlog
        self._max_message_size = max_message_size
        self._serving = False
        self._listening = False
        # the port listened on, registered for create_sctp_connection
        # (connection._serving_port) while listening
        self._port = 0
        self._closed = False
        self._accepting = False
        self._transports: Set[SCTPTransport] = set()
        self._demux: Optional[Demux] = (
            Demux(loop, sock, self._new_association, self) if style == "one-to-many" else None
        )
        self._waiters: List["asyncio.Future[None]"] = []
        self._serving_forever_fut: Optional["asyncio.Future[None]"] = None
        self._accept_retry: Optional[asyncio.TimerHandle] = None
        #: Tasks the high-level serve() runs, one per association.
        self._handler_tasks: Set["asyncio.Task[Any]"] = set()

    def __repr__(self) -> str:
        return f"<SCTPServer {self._style} sockets={self.sockets!r}>"

    # asyncio.AbstractServer

    @property
    def sockets(self) -> Tuple[socket.socket, ...]:
        """The listening socket(s); empty once closed."""
        return () if self._closed else self._sockets

    @property
    def style(self) -> str:
        """The socket style: "one-to-one" or "one-to-many", as given to create_sctp_server()."""
        return self._style

    @property
    def associations(self) -> List[SCTPTransport]:
        """The transports of the live associations."""
        return [t for t in self._transports if not t._is_closed()]

    @property
    def dropped(self) -> Dropped:
        """What the one-to-many socket read and could give to no association
        (data and notifications of an association already closed here, and
        the like: see :class:`aiosctp.demux.Dropped`); each kind is logged
        once per association. Always zero for a one-to-one server (each
        socket there belongs to its association)."""
        return self._demux.dropped if self._demux is not None else Dropped()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    async def start_serving(self) -> None:
        self._start_serving()
        # Let the listening socket settle, as asyncio.Server does.
        await asyncio.sleep(0)

    def _start_serving(self) -> None:
        if self._serving or self._closed:
            return
        sock = self._sock
        assert sock is not None
        self._serving = True
        if not self._listening:
            sock.listen(self._backlog)
            self._listening = True
            try:
                self._port = sock.getsockname()[1]
            except OSError:
                pass
            else:
                _serving_port(self._loop, self._port, True)
        if self._demux is not None:
            self._demux.start()
        else:
            self._add_acceptor()

    def _add_acceptor(self) -> None:
        if not self._accepting and self._sock is not None:
            self._loop.add_reader(self._sock.fileno(), self._accept_ready)
            self._accepting = True

    def _remove_acceptor(self) -> None:
        if self._accepting and self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
        self._accepting = False

    def _accept_ready(self) -> None:
        sock = self._sock
        assert sock is not None
        for n in range(self._backlog):
            # Linux's SCTP accept() on an empty queue sleeps until the next
            # timer tick even when nonblocking (sctp_wait_for_accept calls
            # schedule_timeout(0) in TASK_INTERRUPTIBLE): 4-10 ms per
            # wake-up, where TCP returns EAGAIN at once. So past the first
            # accept (the loop just saw the socket readable), poll() first
            # (no sleep) whether another association is queued.
            try:
                conn, addr = _accept(sock, n > 0)
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._loop.call_exception_handler(
                        {"message": "SCTP server: accept() failed, retrying later", "exception": exc}
                    )
                    self._remove_acceptor()
                    self._accept_retry = self._loop.call_later(
                        _ACCEPT_RETRY_DELAY, self._retry_accept
                    )
                return
            self._accepted(conn, addr)

    def _retry_accept(self) -> None:
        self._accept_retry = None
        if self._serving:
            self._add_acceptor()

    def _accepted(self, conn: socket.socket, addr: Any) -> None:
        """``addr``: the peer's address as accept() gave it, which is what
        getpeername() says (the kernel answers both from the association's
        primary path), and still known when the association has already
        ended (getpeername() then fails with ENOTCONN): the transport's
        ``peername`` without a further call."""
        try:
            # Nonblocking from accept4(); NODELAY, the notifications and the
            # rest are inherited from the listening socket: nothing to set.
            assoc_id = ostreams = instreams = 0
            extra = {"peername": addr}
            try:
                status = lowlevel.get_status(conn)
                assoc_id, ostreams, instreams = (
                    status.assoc_id, status.outstreams, status.instreams)
            except OSError:
                # Already ended by the peer (what it sent, and the
                # notifications saying so, are queued: serve them; no
                # buffer to widen).
                pass
            else:
                _widen_buffer(conn)
            protocol = self._protocol_factory()
            t = SCTPTransport(
                self._loop,
                conn,
                protocol,
                assoc_id=assoc_id,
                owner=self,
                ostreams=ostreams,
                instreams=instreams,
                max_message_size=self._max_message_size,
                extra=extra,
                events=self._events,
            )
        except Exception as exc:
            self._loop.call_exception_handler(
                {"message": "SCTP server: setting up an accepted association failed",
                 "exception": exc}
            )
            try:
                lowlevel.abort(conn)
            except OSError:
                conn.close()
            return
        if isinstance(t._mux, _OwnedSocket):
            t._mux.read_first = True
        self._transports.add(t)
        self._loop.call_soon(t._start)

    def _new_association(self, assoc_id: int, ostreams: int, instreams: int,
                         demux: Demux) -> Optional[SCTPTransport]:
        """COMM_UP on the one-to-many socket: a transport for the new
        association (None: refused, it is aborted)."""
        if not self._serving:
            return None
        protocol = self._protocol_factory()
        t = SCTPTransport(
            self._loop,
            demux.sock,
            protocol,
            assoc_id=assoc_id,
            mux=demux,
            owner=self,
            ostreams=ostreams,
            instreams=instreams,
            max_message_size=self._max_message_size,
            events=self._events,
        )
        self._transports.add(t)
        return t

    # associations started from a one-to-many socket

    async def create_connection(
        self,
        protocol_factory: ProtocolFactory,
        host: Optional[str] = None,
        port: Optional[int] = None,
        *,
        remote_addrs: Optional[Sequence[AddrSpec]] = None,
        ostreams: Optional[int] = None,
        instreams: Optional[int] = None,
        max_message_size: Optional[int] = None,
        configure: None = None,
        timeout: Optional[float] = None,
        events: Optional[Iterable[Type[_ev.Event]]] = None,
    ) -> Tuple[SCTPTransport, asyncio.BaseProtocol]:
        """Start an association from this one-to-many server's own socket
        (as gen_sctp's ``connect`` on a listening socket, or Java's
        ``SctpMultiChannel``) and return ``(transport, protocol)`` once it
        is up (COMM_UP). The association is served by ``protocol_factory()``
        (not by the server's own factory), shares the socket with the
        others, and is closed with the server (``close()``).

        The options are those of :func:`aiosctp.create_sctp_connection`
        that can differ per association: the peer (``host``/``port``,
        ``remote_addrs``), ``ostreams``/``instreams`` (INIT's stream counts,
        the server's own by default), ``max_message_size`` (the server's by
        default), ``timeout`` (bounds the set-up: on expiry the attempt is
        aborted, no further INIT, TimeoutError) and ``events`` (the
        notifications passed to the protocol; what the socket is not yet
        subscribed to is added to its subscription). The local addresses,
        family and socket options are the server's: ``configure`` is not
        applicable to one association of a shared socket (ValueError; pass
        ``configure`` to :func:`create_sctp_server`).

        Refused (CANT_STR_ASSOC): ConnectionRefusedError. A server that is
        not one-to-many: ValueError; closed: ConnectionError."""
        loop = self._loop
        _check_factory(protocol_factory)
        demux = self._demux
        if demux is None:
            raise ValueError(
                "create_connection() needs a one-to-many server (style='one-to-many'); "
                "a one-to-one socket cannot start associations"
            )
        if configure is not None:
            raise ValueError(
                "configure does not apply to one association of a shared one-to-many "
                "socket: pass it to create_sctp_server()/serve() (it then applies to "
                "every association), or use ostreams/instreams"
            )
        host = _check_host(host)
        if ostreams is not None:
            ostreams = _check_int(ostreams, "ostreams", 1, 65535)
        if instreams is not None:
            instreams = _check_int(instreams, "instreams", 1, 65535)
        size = (self._max_message_size if max_message_size is None
                else _check_max_message_size(max_message_size))
        timeout = _check_timeout(timeout)
        wanted = _ev.event_set(events)
        if port is not None:
            port = _check_port(port, allow_zero=False)
        specs = _remote_specs(host, port, remote_addrs)
        if not specs:
            raise ValueError("host and port (or remote_addrs) are required")
        for _, p in specs:
            if p == 0:
                raise ValueError("port 0 cannot be connected to")
        if self._closed or self._sock is None:
            raise ConnectionError(f"{self!r} is closed")
        deadline = None if timeout is None else loop.time() + timeout
        fam = self._sock.family
        bound = None if all(_numeric(h) for h, _ in specs) else deadline
        groups = await _within(
            loop, _resolve_groups(loop, specs, socket.AF_UNSPEC), bound, f"resolving {specs!r}")
        addrs = _usable(groups, fam)
        if self._closed or self._sock is None:
            raise ConnectionError(f"{self!r} is closed")
        sock = self._sock
        if not wanted <= self._subscribed:
            # The subscription is the socket's: add what this one asks for
            # (the other associations' filters keep it from them).
            self._subscribed = frozenset(self._subscribed | wanted)
            _subscribe(sock, self._subscribed)
        deliver = _deliver_set(wanted)

        def factory(assoc_id: int, ostreams_up: int, instreams_up: int,
                    mux: Demux) -> Optional[SCTPTransport]:
            t = SCTPTransport(
                loop, mux.sock, protocol_factory(), assoc_id=assoc_id, mux=mux, owner=self,
                ostreams=ostreams_up, instreams=instreams_up, max_message_size=size,
                events=deliver,
            )
            self._transports.add(t)
            return t

        waiter: "asyncio.Future[SCTPTransport]" = loop.create_future()
        target = addrs[0] if len(addrs) == 1 else addrs
        saved = None
        if ostreams is not None or instreams is not None:
            # SCTP_INITMSG is read when an association is made: set it for
            # this one only (nothing else runs before it is put back).
            saved = lowlevel.get_initmsg(sock)
            lowlevel.set_initmsg(sock, ostreams=ostreams or saved.ostreams,
                                 instreams=instreams or saved.instreams)
        try:
            assoc_id = demux.connect(fam, addrs, factory, waiter)
        finally:
            if saved is not None:
                lowlevel.set_initmsg(sock, ostreams=saved.ostreams, instreams=saved.instreams)

        def expire() -> None:
            if not waiter.done():
                waiter.set_exception(TimeoutError(
                    errno.ETIMEDOUT, f"SCTP association to {target!r} not up within the timeout"))

        timer = None if deadline is None else loop.call_at(deadline, expire)
        try:
            transport = await waiter
        except BaseException:
            demux.cancel(assoc_id)  # not up: ABORT, no further INIT
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                waiter.result().abort()  # up just as we gave up
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return transport, transport.get_protocol()

    async def connect(
        self,
        host: Optional[str] = None,
        port: Optional[int] = None,
        *,
        remote_addrs: Optional[Sequence[AddrSpec]] = None,
        ostreams: Optional[int] = None,
        instreams: Optional[int] = None,
        max_message_size: Optional[int] = None,
        configure: None = None,
        timeout: Optional[float] = None,
        events: Optional[Iterable[Type[_ev.Event]]] = None,
        max_queue: int = 128,
        max_notifications: int = 100_000,
    ) -> "Association":
        """:meth:`create_connection` for the high-level API: an
        :class:`aiosctp.Association` started from this one-to-many
        server's socket (a server made by :func:`aiosctp.serve` or
        :func:`create_sctp_server`; its handler or factory does not serve
        it). ``max_queue`` and ``max_notifications`` as for
        :func:`aiosctp.connect`."""
        from .highlevel import _AssociationProtocol, _check_limit

        max_queue = _check_limit(max_queue, "max_queue")
        max_notifications = _check_limit(max_notifications, "max_notifications")
        _, protocol = await self.create_connection(
            lambda: _AssociationProtocol(max_queue, None, max_notifications),
            host, port, remote_addrs=remote_addrs, ostreams=ostreams, instreams=instreams,
            max_message_size=max_message_size, configure=configure, timeout=timeout,
            events=events,
        )
        assert isinstance(protocol, _AssociationProtocol)
        return protocol.association

    def _transport_lost(self, transport: SCTPTransport) -> None:
        self._transports.discard(transport)
        self._check_closed()

    def close(self) -> None:
        """Stop accepting new associations and close the live ones (each
        sends what it has buffered, then SHUTDOWN)."""
        if self._closed:
            return
        self._closed = True
        self._serving = False
        if self._port:
            _serving_port(self._loop, self._port, False)
            self._port = 0
        if self._accept_retry is not None:
            self._accept_retry.cancel()
            self._accept_retry = None
        if self._demux is not None:
            self._demux.stop_listening()
            self._demux.cancel_all(ConnectionAbortedError(
                errno.ECONNABORTED, "the server was closed before the association was up"))
        else:
            self._remove_acceptor()
            if self._sock is not None:
                self._sock.close()
                self._sock = None
        for t in list(self._transports):
            t.close()
        if self._serving_forever_fut is not None and not self._serving_forever_fut.done():
            self._serving_forever_fut.cancel()
            self._serving_forever_fut = None
        self._check_closed()

    def close_clients(self) -> None:
        """Close every live association in order (SHUTDOWN)."""
        for t in list(self._transports):
            t.close()

    def abort_clients(self) -> None:
        """Abort every live association (ABORT)."""
        for t in list(self._transports):
            t.abort()

    def _check_closed(self) -> None:
        if not self._closed or self._transports:
            return
        if self._demux is not None:
            self._demux.close()
            self._sock = None
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def wait_closed(self) -> None:
        """Wait until close() has finished: every association gone, the
        socket closed, the serve() handlers returned."""
        if not (self._closed and not self._transports and self._sock is None):
            # As asyncio.Server (3.12+): wait for close() and for the
            # associations to end.
            waiter: "asyncio.Future[None]" = self._loop.create_future()
            self._waiters.append(waiter)
            await waiter
        while self._handler_tasks:
            await asyncio.wait(set(self._handler_tasks))

    async def serve_forever(self) -> None:
        if self._serving_forever_fut is not None:
            raise RuntimeError(f"server {self!r} is already being awaited on serve_forever()")
        if self._closed:
            raise RuntimeError(f"server {self!r} is closed")
        self._start_serving()
        self._serving_forever_fut = self._loop.create_future()
        try:
            await self._serving_forever_fut
        except asyncio.CancelledError:
            try:
                self.close()
                await self.wait_closed()
            finally:
                raise
        finally:
            self._serving_forever_fut = None

    async def __aenter__(self) -> "SCTPServer":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
        await self.wait_closed()


def _bind_specs(
    host: Union[None, str, Sequence[str]],
    port: int,
    local_addrs: Optional[Sequence[AddrSpec]],
) -> List[Tuple[str, int]]:
    specs: List[Tuple[str, int]] = []
    if host is not None:
        if isinstance(host, str):
            specs.append((host, port))
        else:
            specs.extend(_addr_specs(host, port, "host"))
    if local_addrs is not None:
        specs.extend(_addr_specs(local_addrs, port, "local_addrs"))
    # All addresses of an endpoint share one port: a tuple's port 0 means
    # the server's port.
    return [(h, p or port) for h, p in specs]


async def create_sctp_server(
    protocol_factory: ProtocolFactory,
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
) -> SCTPServer:
    """Listen for SCTP associations and serve each with its own
    ``protocol_factory()`` protocol and :class:`SCTPTransport`.

    ``host`` None listens on every address (IPv6 and IPv4 when the system
    has IPv6); ``local_addrs`` (hosts, or (host, port) tuples) binds
    several addresses (multi-homing), with ``host`` if given. ``style``
    "one-to-one" accepts a socket per association; "one-to-many" serves all
    of them from one socket, demultiplexed by association id.
    ``ostreams``/``instreams``: the stream counts of INIT/INIT-ACK (10 each
    on a socket made here).

    ``configure(sock)`` is called with the listening socket once the
    options above are set, after bind and before listen (accepted
    associations inherit what it sets: ``set_rtoinfo``, AUTH keys...).

    ``sock``: an SCTP socket the caller made (its style, SOCK_STREAM or
    SOCK_SEQPACKET, decides; ``style`` is then ignored). It is bound to
    host/port/local_addrs when any is given, else used as it is (bound or
    not). It belongs to the server from then on.

    ``events``: the notification classes passed to each protocol's
    ``notification_received`` (default :data:`aiosctp.events.DEFAULT`,
    every one but SenderDry; :data:`aiosctp.events.ALL` for all)."""
    loop = asyncio.get_running_loop()
    _check_factory(protocol_factory)
    if sock is not None:
        _check_sock(sock)
        style = "one-to-many" if sock.type == socket.SOCK_SEQPACKET else "one-to-one"
    if not isinstance(style, str) or style not in _STYLES:
        raise ValueError(f"style must be 'one-to-one' or 'one-to-many', not {style!r}")
    if host is not None and not isinstance(host, (list, tuple)):
        _check_host(host)
    port = _check_port(port, allow_zero=True)
    family = _check_family(family)
    if ostreams is not None:
        ostreams = _check_int(ostreams, "ostreams", 1, 65535)
    if instreams is not None:
        instreams = _check_int(instreams, "instreams", 1, 65535)
    backlog = _check_int(backlog, "backlog", 0, 65535)
    max_message_size = _check_max_message_size(max_message_size)
    configure = _check_configure(configure)
    wanted = _ev.event_set(events)

    specs = _bind_specs(host, port, local_addrs)
    if sock is not None:
        if family != socket.AF_UNSPEC and family != sock.family:
            raise ValueError(f"family {family!r} is not that of sock ({sock.family!r})")
        family = sock.family
    addrs: List[Tuple[Any, ...]] = []
    if specs:
        family, addrs = await _resolve_all(loop, specs, family)
    elif family == socket.AF_UNSPEC:
        family = socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET

    ours = sock is None
    if sock is None:
        sock = _listening_socket(family, style, addrs, port)
    try:
        if reuse_address and ours:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _prepare(sock, ostreams, instreams, nodelay, wanted, ours=ours)
        if addrs:
            lowlevel.bindx(sock, addrs)
        elif ours:
            sock.bind(("::", port, 0, 0) if sock.family == socket.AF_INET6 else ("0.0.0.0", port))
        _configure(sock, configure)
        server = SCTPServer(
            loop,
            sock,
            protocol_factory,
            style=style,
            backlog=backlog,
            max_message_size=max_message_size,
            nodelay=nodelay,
        )
        server._events = _deliver_set(wanted)
        server._subscribed = wanted
    except BaseException:
        sock.close()
        raise
    if start_serving:
        server._start_serving()
        await asyncio.sleep(0)
    return server


def _listening_socket(
    family: int, style: str, addrs: List[Tuple[Any, ...]], port: int
) -> socket.socket:
    kind = socket.SOCK_SEQPACKET if style == "one-to-many" else socket.SOCK_STREAM
    try:
        return _new_socket(family, kind)
    except OSError:
        if addrs or family != socket.AF_INET6:
            raise
        # No IPv6 here: listen on every IPv4 address.
        return _new_socket(socket.AF_INET, kind)
