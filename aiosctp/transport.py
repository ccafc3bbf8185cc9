"""The asyncio transport of one SCTP association: :class:`SCTPTransport`.

One transport per association. On a one-to-one socket (SOCK_STREAM) the
transport owns the socket and its reader; on a one-to-many socket
(SOCK_SEQPACKET) the socket is shared, read by the server's demultiplexer,
which hands each association's messages and notifications to its transport,
and written by every transport with its association id.

The design follows CPython's ``selector_events``: nonblocking system calls
from loop callbacks (only ``add_reader``/``add_writer``/``call_soon``, so it
runs on uvloop too), an explicit write buffer flushed when the socket is
writable, ``pause_writing``/``resume_writing`` at high/low water marks.
Reads are batched with ``recvmmsg``; messages larger than one read are
reassembled per stream and delivered whole.

States::

    OPEN --close()--> CLOSING --buffer sent--> SHUTDOWN --SHUTDOWN_COMP--> CLOSED
      |  \\--peer SHUTDOWN (shutdown_received)----------------------------/
      \\--abort(), COMM_LOST, peer ABORT, fatal error------------------> CLOSED
"""

from __future__ import annotations

import asyncio
import collections
import errno
import socket
from typing import (
    AbstractSet,
    Any,
    Callable,
    Deque,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

from . import _checks, _rxcore, _sctp, events, lowlevel
# The receive core's constants and functions, under the names the package
# has used.
from ._rxcore import RECV_BATCH_BYTES as RECV_BATCH_BYTES, RECV_BUFSIZE as RECV_BUFSIZE
from ._rxcore import MAX_ROUNDS as _MAX_ROUNDS, reassemble as _reassemble
from ._rxcore import join_notification as join_notification, next_batch as next_batch
from .log import logger
from .message import MessageInfo, make_info
from .options import Status

__all__ = ["SCTPTransport", "DEFAULT_MAX_MESSAGE_SIZE", "StreamHandler"]


#: Largest message reassembled before the association is aborted.
DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024

_WEAK = _rxcore.EndCause.WEAK
_STRONG = _rxcore.EndCause.STRONG
#: Messages per sendmmsg() when the write buffer is flushed.
_SEND_BATCH = 64
#: Messages send() may write at once between two turns of the loop. Past
#: it, send() queues and the loop turns first: the kernel queues
#: notifications (SENDER_DRY: up to one per message) in the socket's receive
#: buffer, and a sender that never lets the loop read them fills it until the
#: kernel drops the peer's SACKs, each drop a 1 s retransmission stall
#: (benchmarks/README.md, finding 3). The queue then leaves in sendmmsg()
#: batches, which is also what makes a loop of send() cheap.
SENDS_PER_TURN = 32

#: The first read of an accepted association: room for what an association
#: that has already ended has queued (COMM_UP, the authentication and
#: address events, SHUTDOWN_COMP, the end of file) in one call.
_FIRST_BATCH = 8

_MSG_NOTIFICATION = _sctp.MSG_NOTIFICATION
_MSG_EOR = _sctp.MSG_EOR
_MSG_TRUNC = socket.MSG_TRUNC
_UNORDERED = _sctp.SCTP_UNORDERED

_COMM_UP = events.AssocChangeState.COMM_UP
_COMM_LOST = events.AssocChangeState.COMM_LOST
_RESTART = events.AssocChangeState.RESTART
_SHUTDOWN_COMP = events.AssocChangeState.SHUTDOWN_COMP
_CANT_STR_ASSOC = events.AssocChangeState.CANT_STR_ASSOC

# Transport states.
_OPEN = 0
_CLOSING = 1  # close() called: flushing the write buffer
_SHUTDOWN = 2  # SHUTDOWN started: waiting for SHUTDOWN_COMP
_CLOSED = 3  # connection_lost() scheduled or called

Buffer = Union[bytes, bytearray, memoryview]
Received = Tuple[bytes, int, Optional[Tuple[Any, ...]], Optional[Tuple[int, ...]], Any]
# (data, stream, ppid, flags, context, ttl, assoc_id, to): _sctp.sendmsgs' items
Outgoing = Tuple[bytes, int, int, int, int, int, int, None]
StreamHandler = Callable[[bytes, MessageInfo], Any]
RxItem = Union[Received, events.Event]

_PIPE_ERRNOS = (errno.EPIPE, errno.ESHUTDOWN)
# Stands for an empty queue that was never needed (an idle association holds
# no deque: ~700 bytes each); replaced by a deque on first use.
_NOTHING: Any = ()


_check_uint = _checks.check_uint
_check_data = _checks.check_data  # (highlevel imports it from here)
_ADDR_TROUBLE = (
    events.PeerAddrState.ADDR_UNREACHABLE,
    events.PeerAddrState.ADDR_POTENTIALLY_FAILED,
    events.PeerAddrState.ADDR_REMOVED,
)
EventFilter = Optional[AbstractSet[Type[events.Event]]]


def _check_event_filter(value: object) -> Optional[frozenset]:  # type: ignore[type-arg]
    """``events=``: None (every notification) or a set of event classes."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (AbstractSet, list, tuple)):
        raise TypeError(f"events must be a set of event classes or None, not {value!r}")
    out = frozenset(value)
    for cls in out:
        if not (isinstance(cls, type) and issubclass(cls, events.Event)):
            raise TypeError(f"events must hold classes from aiosctp.events, not {cls!r}")
    return out


def unsent_events(items: Sequence[Outgoing], error: int) -> List[events.SendFailed]:
    """The SendFailed events reporting buffered messages that never reached
    the kernel, in order: ``sent`` False (the kernel's SCTP_DATA_UNSENT),
    ``info`` their stream, send flags, PPID and context, ``error`` the SCTP
    error cause the association ended with (0 if none was given)."""
    out = []
    for data, stream, ppid, flags, context, _ttl, assoc_id, _to in items:
        info = events.SendInfo(stream, flags, ppid, context, assoc_id)
        out.append(events.SendFailed(error, False, info, assoc_id, data))
    return out


class _SendCredit:
    """Immediate writes left on one socket before the loop must turn (shared
    by the transports of a one-to-many socket). Refilled when the socket is
    read (each batch) or the write buffer is flushed from the loop."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = SENDS_PER_TURN


class _Mux:
    """What a transport needs from the owner of a one-to-many socket (the
    demultiplexer, :mod:`aiosctp.demux`). Defined here to keep the import
    graph acyclic.

    The other half of the interface, what the owner calls on a transport:
    ``_start()``, ``_feed_data(item)`` and ``_feed_event(event)`` (what was
    read for it), ``_flush()`` / ``_wants_write()`` (its turn to write),
    ``_backlog_bytes()``, ``_is_ending()``, ``_is_closed()``, ``assoc_id``."""

    __slots__ = ()

    credit: _SendCredit
    #: "one-to-one" or "one-to-many"
    style = "one-to-many"
    #: messages carry SCTP's send information (a unix message socket: none)
    sndinfo = True
    #: True while the owner reads for the transport (its read loop runs):
    #: an association ending meanwhile is finished by the owner once the
    #: read is over, not from a later turn of the loop.
    reading_now = False

    def transport_started(self, transport: "SCTPTransport") -> None:
        """connection_made() was called: messages may flow."""

    def reading_changed(self, transport: "SCTPTransport", paused: bool) -> None:
        raise NotImplementedError

    def want_write(self, transport: "SCTPTransport") -> None:
        """The transport has buffered messages: call its _flush() when the
        socket is writable, until _wants_write() is False."""
        raise NotImplementedError

    def writing_done(self, transport: "SCTPTransport") -> None:
        """The transport's buffer is empty."""

    def detach(self, transport: "SCTPTransport") -> None:
        """The transport is closed: nothing more for it."""
        raise NotImplementedError

    def abort(self, transport: "SCTPTransport", gone: bool) -> None:
        """Send ABORT for the association (``gone``: it has already ended)."""
        raise NotImplementedError

    def shutdown(self, transport: "SCTPTransport") -> None:
        """Start SCTP's SHUTDOWN for the association (OSError if it cannot)."""
        raise NotImplementedError

    def release(self, transport: "SCTPTransport") -> None:
        """After connection_lost: the socket is no longer the transport's."""


class _OwnedSocket(_Mux):
    """The owner of a one-to-one socket: the transport's own, read and
    written only for it.

    Reading goes through the C core's Reader (ext/fastpath.c): one call
    reads a batch and hands its whole data messages straight to the stream
    handlers or message_received; what it does not handle (notifications,
    parts of larger messages, messages without receive information, end of
    file, a callback's exception) comes back and takes the Python path
    (_rxcore via transport._read_items), in order. While the transport has
    a backlog, a partial message, is paused or not open, batches take the
    Python path whole."""

    __slots__ = ("credit", "_loop", "_sock", "_fd", "_reading", "_writing", "_batch", "_read",
                 "_cut", "reading_now", "read_first")
    style = "one-to-one"
    #: every read is a whole message without SCTP information (unix socket)
    _whole = False

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        self.credit = _SendCredit()
        self._loop = loop
        self._sock = sock
        self._fd = sock.fileno()
        self._reading = False  # reader registered
        self._writing = False  # writer registered
        self._batch = 4
        # _read_ready's read step (its C Reader) and the transport's error and
        # urgency callbacks for the read loop, made on first use
        self._read: Optional[
            Tuple[Callable[[int], Tuple[int, int, bool]], Callable[[OSError], bool],
                  Callable[[], bool]]
        ] = None
        self._cut = False  # a message was cut (unix socket): the end follows
        self.reading_now = False
        #: read what is queued before registering the reader (an accepted
        #: association: see transport_started)
        self.read_first = False

    def transport_started(self, transport: "SCTPTransport") -> None:
        if self.read_first and not transport._reading_paused:
            # An accepted association always has something queued (COMM_UP
            # at least): read it now rather than register the reader and
            # read in the next turn. One that has already ended (a short
            # association, accepted late) is then served whole by this read
            # and never enters the selector (no epoll_ctl ADD and DEL).
            self._batch = _FIRST_BATCH
            self._read_ready(transport)
        self.reading_changed(transport, transport._reading_paused)

    def reading_changed(self, transport: "SCTPTransport", paused: bool) -> None:
        if paused:
            self._stop_reading()
        elif not self._reading and transport._started and not transport._is_closed():
            self._loop.add_reader(self._fd, self._read_ready, transport)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def _recv(self, batch: int) -> Sequence[Received]:
        """The Python path's read (one nonblocking recvmmsg)."""
        return self._fix(_sctp.recvmsgs(self._fd, RECV_BUFSIZE, batch))

    def _fix(self, items: Sequence[Received]) -> Sequence[Received]:
        """What the socket kind needs done to items read (nothing here)."""
        return items

    def _reader_for(self, transport: "SCTPTransport") -> Callable[[int], Tuple[int, int, bool]]:
        """The read step of _read_ready (made once: the owner reads for one
        transport): while the transport takes messages from the C path, one
        batch through the C Reader, all in C (_sctp.ReadStep); otherwise
        the Python path below, and what the C path hands back."""
        reader = _sctp.Reader(self._fd, RECV_BUFSIZE, MessageInfo, self._whole)

        def slow(batch: int) -> Tuple[int, int, bool]:
            # a backlog, a partial message, paused, not open, not started
            items = self._recv(batch)
            go_on = transport._read_items(items)
            nbytes = sum([len(item[0]) for item in items])
            return len(items), nbytes, go_on and self._reading and not self._cut

        def handback(
            n: int, nbytes: int, rest: Optional[Sequence[Received]], exc: Optional[BaseException]
        ) -> Tuple[int, int, bool]:
            if exc is not None:
                if isinstance(exc, Exception):
                    transport._fatal_error(exc, "a protocol callback failed")
                    return n, nbytes, False
                if rest:  # KeyboardInterrupt ...: keep the rest
                    transport._rx_queue().extend(self._fix(rest))
                raise exc
            go_on = transport._read_items(self._fix(rest or ()))
            return n, nbytes, go_on and self._reading and not self._cut

        return _sctp.ReadStep(reader, transport, self, slow, handback, SENDS_PER_TURN)

    def _read_ready(self, transport: "SCTPTransport") -> None:
        """Read batches until the queue is empty (a short batch), the
        transport pauses or ends (the one read loop of _rxcore.read_loop,
        with the C core delivering whole messages)."""
        self.reading_now = True
        loop_args = self._read
        if loop_args is None:
            loop_args = self._read = (
                self._reader_for(transport), transport._read_failed, transport._is_ending
            )
        read, on_error, urgent = loop_args
        try:
            self._batch = _rxcore.read_loop(read, self._batch, on_error, urgent)
        finally:
            self.reading_now = False
            if transport._cause is not None:
                # Ended by what was just read (SHUTDOWN_COMP, COMM_LOST, end
                # of file), and all that was queued is read: connection_lost
                # now, not two turns of the loop later.
                transport._finish()
        if self._cut:  # (a unix message socket: see _MessageSocket)
            self._cut = False
            transport._read_failed(OSError(
                errno.EMSGSIZE,
                f"a message larger than the read buffer ({RECV_BUFSIZE} bytes) "
                "arrived on a unix message socket and was cut",
            ))

    def want_write(self, transport: "SCTPTransport") -> None:
        if not self._writing:
            self._loop.add_writer(self._fd, transport._flush)
            self._writing = True

    def writing_done(self, transport: "SCTPTransport") -> None:
        if self._writing:
            self._writing = False
            self._loop.remove_writer(self._fd)

    def detach(self, transport: "SCTPTransport") -> None:
        self._stop_reading()
        self.writing_done(transport)
        self._read = None  # (it refers to the transport)

    def abort(self, transport: "SCTPTransport", gone: bool) -> None:
        self.detach(transport)
        if gone:
            self._sock.close()  # the association is already gone
        else:
            try:
                lowlevel.abort(self._sock)  # SO_LINGER 0 + close: ABORT now
            except OSError:
                self._sock.close()

    def shutdown(self, transport: "SCTPTransport") -> None:
        self._sock.shutdown(socket.SHUT_WR)

    def release(self, transport: "SCTPTransport") -> None:
        self._read = None
        self._sock.close()


class _MessageSocket(_OwnedSocket):
    """The owner of a unix message socket (AF_UNIX, SOCK_SEQPACKET): a
    socket kind whose every read is a whole message, with no SCTP receive
    information, no MSG_EOR and no notifications. The transport runs on it
    as on a one-to-one SCTP socket (benchmarks/native.py measures the
    library's own per-message cost this way, on the host kernel): messages
    arrive whole on stream 0 with zero receive information, the end is end
    of file. A message larger than a read is cut by the kernel (MSG_TRUNC):
    the association ends with OSError(EMSGSIZE), what came before it
    delivered."""

    __slots__ = ()
    style = "unix-message"
    sndinfo = False
    _whole = True

    def _fix(self, items: Sequence[Received]) -> Sequence[Received]:
        out = []
        for data, flags, addr, info, nxt in items:
            if flags & _MSG_TRUNC:
                self._cut = True
                break  # the messages before it are delivered
            # every read is a whole message: mark it so (empty: end of file)
            out.append((data, flags | _MSG_EOR if data else flags, addr, info, nxt))
        return out

    def shutdown(self, transport: "SCTPTransport") -> None:
        # No SHUTDOWN_COMP comes: the end is the peer's end of file.
        self._sock.shutdown(socket.SHUT_WR)


def _owner_for(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> _Mux:
    """The owner of a socket the transport has for itself: a unix message
    socket, else a one-to-one SCTP socket."""
    if sock.family == socket.AF_UNIX and sock.type == socket.SOCK_SEQPACKET:
        return _MessageSocket(loop, sock)
    return _OwnedSocket(loop, sock)


class _Owner:
    """What a transport tells the server that accepted it."""

    def _transport_lost(self, transport: "SCTPTransport") -> None:
        raise NotImplementedError


def _connection_error(event: events.AssocChange) -> OSError:
    """The exception a COMM_LOST/CANT_STR_ASSOC notification ends an
    association with."""
    if event.state == _CANT_STR_ASSOC:
        return ConnectionRefusedError(
            errno.ECONNREFUSED, "the association could not be set up (CANT_STR_ASSOC)"
        )
    if event.info:
        # Linux includes the error causes of the peer's ABORT chunk.
        return ConnectionResetError(
            errno.ECONNRESET, f"the peer aborted the association (cause {event.error})"
        )
    return ConnectionAbortedError(
        errno.ECONNABORTED, f"the association was lost (COMM_LOST, error {event.error})"
    )


def _log_path(assoc_id: int, event: events.PeerAddrChange) -> None:
    """Failover facts: a path in trouble is a warning, the rest news."""
    if event.state in _ADDR_TROUBLE:
        logger.warning("association %d: peer address %r %s (error %d)", assoc_id,
                       event.address, getattr(event.state, "name", event.state), event.error)
    else:
        logger.info("association %d: peer address %r %s", assoc_id, event.address,
                    getattr(event.state, "name", event.state))


class SCTPTransport(_sctp.TransportBase, asyncio.Transport):
    """The transport of one SCTP association (made by the library; see
    :func:`aiosctp.create_sctp_server` and
    :func:`aiosctp.create_sctp_connection`).

    ``send()`` sends one whole message (never split, never merged) on a
    stream with a PPID; what the socket cannot take at once is queued and
    sent in order when it can. Received messages reach the protocol's
    ``message_received(data, info)`` whole, or a stream's handler."""

    # Slots, and the queues made only when first needed: a one-to-many
    # server keeps one of these per association (benchmarks: 'many').
    __slots__ = (
        "_aborting",
        "_assoc_id",
        "_batch",
        "_buffer",
        "_credit",
        "_cause",
        "_event_filter",
        "_failed_count",
        "_fd",
        "_high_water",
        "_info",
        "_instreams",
        "_kernel_held",
        "_loop",
        "_lost_info",
        "_low_water",
        "_max_message_size",
        "_mux",
        "_notif_parts",
        "_on_message",
        "_on_notification",
        "_on_shutdown",
        "_ostreams",
        "_owner",
        "_partial",
        "_peer_shutdown",
        "_protocol",
        "_protocol_paused",
        "_reading_paused",
        "_rx",
        "_sndbuf",
        "_sndinfo",
        "_sock",
        "_started",
        "_state",
        "_stream_handlers",
        "_unsent",
        "_writing",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol: asyncio.BaseProtocol,
        *,
        assoc_id: int = 0,
        mux: Optional[_Mux] = None,
        owner: Optional[_Owner] = None,
        ostreams: int = 0,
        instreams: int = 0,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        extra: Optional[Dict[str, Any]] = None,
        events: EventFilter = None,
    ) -> None:
        """``events``: None delivers every notification to the protocol; a
        set of :mod:`aiosctp.events` classes delivers only the events of
        those types (the transport still acts on all of them itself)."""
        super().__init__()
        self._event_filter = _check_event_filter(events)
        self._failed_count = 0  # the kernel's SendFailed events seen
        self._lost_info = 0  # message parts without their receive info (MSG_CTRUNC)
        # abort() of a one-to-many association: waiting for the kernel's reports
        self._aborting = False
        # abort() of a one-to-one association: DATA chunks the kernel had sent
        # and not seen acknowledged (SCTP_STATUS), discarded with the socket
        self._kernel_held = 0
        self._unsent: Sequence[Outgoing] = ()
        self._info: Dict[str, Any] = dict(extra or {})
        self._loop = loop
        self._sock: Optional[socket.socket] = sock
        self._fd = sock.fileno()
        self._assoc_id = assoc_id
        self._mux: _Mux = mux if mux is not None else _owner_for(loop, sock)
        self._credit = self._mux.credit
        # send SCTP's control data (SNDINFO, PRINFO) with each message: not on
        # a unix message socket, where the kernel would skip it unread
        self._sndinfo = self._mux.sndinfo
        self._owner = owner
        self._ostreams = ostreams
        self._instreams = instreams
        self._state = _OPEN
        self._peer_shutdown = False
        # why the association ended, once it has (connection_lost is due)
        self._cause: Optional[_rxcore.EndCause] = None
        self._started = False
        self._writing = False  # writer registered (or waiting in the mux)
        self._reading_paused = False
        self._batch = 4
        # read, not yet handled: raw recvmsg tuples, or events decoded by the
        # demultiplexer of a one-to-many socket
        self._rx: Deque[RxItem] = _NOTHING
        self._notif_parts: List[bytes] = []
        # stream -> [first info, size, parts]
        self._partial: Dict[int, List[Any]] = {}
        self.max_message_size = max_message_size
        self._stream_handlers: Dict[int, StreamHandler] = {}
        # the write queue (ext/fastpath.c), made on first use
        # (its nbytes: the bytes buffered, get_write_buffer_size())
        self._buffer: _sctp.SendQueue = _NOTHING
        self._high_water = 64 * 1024
        self._low_water = 16 * 1024
        self._protocol_paused = False
        self._sndbuf = 0
        self._protocol: asyncio.BaseProtocol = protocol
        self._bind_protocol(protocol)
        self._info.setdefault("socket", sock)
        self._info.setdefault("assoc_id", assoc_id)
        try:
            self._info.setdefault("sockname", sock.getsockname())
        except OSError:
            self._info.setdefault("sockname", None)
        if "peername" not in self._info:
            peer: Any = None
            try:
                if mux is None:
                    peer = sock.getpeername()
                else:
                    addrs = lowlevel.getpaddrs(sock, assoc_id)
                    peer = addrs[0] if addrs else None
            except OSError:
                pass
            self._info["peername"] = peer

    # ---- protocol binding ---------------------------------------------------

    def _bind_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        on_message = getattr(protocol, "message_received", None)
        if on_message is None:
            data_received = getattr(protocol, "data_received", None)
            if data_received is None:
                raise TypeError(
                    f"{type(protocol).__name__} has neither message_received() "
                    "nor data_received()"
                )

            def on_message(data: bytes, info: MessageInfo) -> None:
                data_received(data)

        self._on_message: StreamHandler = on_message
        self._on_notification: Optional[Callable[[events.Event], Any]] = getattr(
            protocol, "notification_received", None
        )
        self._on_shutdown: Optional[Callable[[], Any]] = getattr(
            protocol, "shutdown_received", None
        )

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._bind_protocol(protocol)
        self._protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def __repr__(self) -> str:
        state = ("open", "closing", "shutdown", "closed")[self._state]
        style = self._mux.style
        return (
            f"<SCTPTransport assoc_id={self._assoc_id} {style} {state} "
            f"fd={self._fd} buffered={self.get_write_buffer_size()}>"
        )

    # ---- start ----------------------------------------------------------------

    def _start(self, waiter: Optional["asyncio.Future[None]"] = None) -> None:
        """Call connection_made() and start reading (called by the creator,
        from a loop callback)."""
        if self._state == _CLOSED:
            if waiter is not None and not waiter.done():
                waiter.set_exception(ConnectionError("the association ended before it started"))
            return
        try:
            self._protocol.connection_made(self)
        except Exception as exc:
            self._fatal_error(exc, "protocol.connection_made() failed")
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
            return
        self._started = True
        logger.debug("association %d up (%r)", self._assoc_id, self)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._rx:
            self._handle_backlog()
        if self._state != _CLOSED:
            self._mux.transport_started(self)

    # ---- asyncio.BaseTransport ---------------------------------------------------

    def is_closing(self) -> bool:
        return self._state != _OPEN or self._peer_shutdown

    def close(self) -> None:
        """Send what is buffered, then shut the association down (SHUTDOWN);
        ``connection_lost(None)`` follows when the peer has acknowledged it.
        Messages that arrive meanwhile are dropped."""
        if self._state != _OPEN:
            return
        self._state = _CLOSING
        self._rx_drop_data()
        if self._reading_paused:
            # Keep reading: SHUTDOWN_COMP arrives as a notification.
            self._reading_paused = False
            self._mux.reading_changed(self, False)
        if self._rx and self._started:
            self._loop.call_soon(self._handle_backlog)
        if not self._buffer:
            self._start_shutdown()

    def abort(self) -> None:
        """Abort the association at once (ABORT chunk); ``connection_lost``
        follows soon, without waiting for the peer; meanwhile nothing is
        delivered but the SendFailed reports below.

        What is still in the write buffer is not sent: each message is
        reported as a :class:`~aiosctp.events.SendFailed` (``sent`` False)
        to ``notification_received``. What the kernel had accepted and not
        delivered: on a one-to-many socket the kernel reports it, each
        message as a SendFailed with its bytes, delivered first; on a
        one-to-one socket, which only closing can abort (Linux refuses
        SCTP_ABORT there), the kernel discards it with the socket, and only
        a count is known: the DATA chunks sent and not yet acknowledged
        (SCTP_STATUS ``unackdata``; what waited behind them is not counted),
        said in connection_lost's exception and a log warning.

        ``connection_lost`` gets None when nothing was lost, else a
        ConnectionAbortedError saying what was reported and what was not."""
        if self._state == _CLOSED or self._aborting:
            return
        if self._sock is not None and not self._is_ending():
            if self._mux.style == "one-to-many":
                self._abort_keeping_reports()
                return
            try:
                status = lowlevel.get_status(self._sock, self._assoc_id)
            except OSError:
                pass
            else:
                self._kernel_held = status.unackdata
        self._send_abort()
        self._force_close(None, aborted=True)

    def _abort_keeping_reports(self) -> None:
        """abort() on a one-to-many socket: ABORT now (SCTP_ABORT), but stay
        attached until the socket has been read once more: the kernel
        queues its SendFailed for what it held, then COMM_LOST, on the
        socket during the ABORT itself, so they reach the protocol before
        connection_lost (two turns of the loop: a read comes between)."""
        self._aborting = True
        self._state = _SHUTDOWN  # nothing more sent or delivered
        self._remove_writer()
        if self._buffer:
            self._unsent = list(self._buffer)
            self._buffer.clear()
        self._rx_drop_data()
        if self._reading_paused:
            self._reading_paused = False
            self._mux.reading_changed(self, False)
        self._cause = _rxcore.EndCause()  # ending: the demux reads on
        self._cause.offer(None, _WEAK)
        self._mux.abort(self, False)
        if self._rx and self._started:
            self._loop.call_soon(self._handle_backlog)
        loop = self._loop
        loop.call_soon(loop.call_soon, self._finish)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """``peername``, ``sockname``, ``socket``, ``assoc_id`` (cached) and
        ``peer_addresses``, ``local_addresses``, ``ostreams``, ``instreams``,
        ``status`` (asked of the kernel now)."""
        if name == "ostreams":
            return self._ostreams
        if name == "instreams":
            return self._instreams
        if name in self._info:
            return self._info[name]
        sock = self._sock
        if sock is None or self._state == _CLOSED:
            return default
        try:
            if name == "peer_addresses":
                return lowlevel.getpaddrs(sock, self._assoc_id)
            if name == "local_addresses":
                return lowlevel.getladdrs(sock, self._assoc_id)
            if name == "status":
                return self.get_status()
        except OSError:
            return default
        return default

    # ---- reading ---------------------------------------------------------------------

    def is_reading(self) -> bool:
        return self._state != _CLOSED and not self._reading_paused

    def pause_reading(self) -> None:
        """Stop delivering messages. On a one-to-one socket the socket is no
        longer read, so the peer's sender is held back by SCTP's flow
        control. On a one-to-many socket this association's messages are
        kept by the transport (the shared socket stops being read when too
        much is kept)."""
        if self._state != _OPEN or self._reading_paused:
            return
        self._reading_paused = True
        self._mux.reading_changed(self, True)

    def resume_reading(self) -> None:
        if self._state == _CLOSED or not self._reading_paused:
            return
        self._reading_paused = False
        if self._rx:
            self._loop.call_soon(self._handle_backlog)
        self._mux.reading_changed(self, False)

    def _read_items(self, items: Sequence[Received]) -> bool:
        """Handle one batch read; False when reading must stop."""
        self._rx_queue().extend(items)
        # the socket was just read: what the protocol sends in reply to
        # this batch may go out at once (see SENDS_PER_TURN)
        self._credit.left = SENDS_PER_TURN
        self._handle_backlog()
        return self._state != _CLOSED and not self._reading_paused

    def _is_ending(self) -> bool:
        """The association ended: connection_lost is due (what is still
        queued, e.g. SendFailed notifications, is read first)."""
        return self._cause is not None

    def _read_failed(self, exc: OSError) -> bool:
        """recv() failed with the socket's error (ECONNRESET, ETIMEDOUT ...):
        the association is gone, and this says why more precisely than a
        COMM_LOST notification can. recvmmsg() reports the error before what
        is still queued (COMM_LOST, SendFailed with their bytes): True to
        read the rest (the error is cleared)."""
        if self._state == _CLOSED:
            return False
        if self._cause is None:
            self._end(exc, _STRONG)
        else:
            self._cause.offer_read_error(exc)
        return self._state != _CLOSED

    def _handle_backlog(self) -> None:
        rx = self._rx
        try:
            while rx and not self._reading_paused and self._state != _CLOSED:
                item = rx.popleft()
                if isinstance(item, events.Event):
                    self._handle_event(item)
                    continue
                data, flags, _addr, info, _nxt = item
                if flags & _MSG_NOTIFICATION:
                    whole = join_notification(self._notif_parts, data, flags)
                    if whole is not None:
                        self._handle_event(events.decode(whole))
                elif data or flags:
                    self._handle_data(data, flags, info)
                else:
                    self._eof_received()
        except Exception as exc:
            self._fatal_error(exc, "a protocol callback failed")

    def _rx_queue(self) -> Deque[Union[Received, events.Event]]:
        """The queue of what was read and not yet handled, made on first use."""
        rx = self._rx
        if rx is _NOTHING:
            rx = self._rx = collections.deque()
        return rx

    def _rx_drop_data(self) -> None:
        """After close(): keep only the notifications still to handle."""
        self._partial.clear()
        if self._rx:
            kept = [
                r
                for r in self._rx
                if isinstance(r, events.Event) or r[1] & _MSG_NOTIFICATION or not (r[0] or r[1])
            ]
            self._rx.clear()
            self._rx.extend(kept)

    # The socket owner's interface (one-to-many: the demultiplexer).

    def _feed_data(self, item: Received) -> None:
        """A data item read for this association."""
        if self._rx or self._reading_paused or not self._started:
            self._rx_queue().append(item)
            return
        try:
            self._handle_data(item[0], item[1], item[3])
        except Exception as exc:
            self._fatal_error(exc, "a protocol callback failed")

    def _feed_event(self, event: events.Event) -> None:
        """A notification of this association."""
        if self._rx or self._reading_paused or not self._started:
            self._rx_queue().append(event)
            return
        try:
            self._handle_event(event)
        except Exception as exc:
            self._fatal_error(exc, "a protocol callback failed")

    def _callback_failed(self, exc: Exception) -> None:
        """A callback of this transport's raised while the C core delivered
        a message (one-to-many: Reader.deliver_many)."""
        self._fatal_error(exc, "a protocol callback failed")

    def _backlog_bytes(self) -> int:
        """Message bytes read and held back (paused)."""
        rx = self._rx
        if not rx:
            return 0
        return sum([len(r[0]) for r in rx if not isinstance(r, events.Event)])

    def _is_closed(self) -> bool:
        # aborting (one-to-many): closed to all but the kernel's last reports
        return self._state == _CLOSED or self._aborting

    def _wants_write(self) -> bool:
        return self._writing and self._state != _CLOSED

    # Both styles.

    def _handle_data(self, data: bytes, flags: int, info: Optional[Tuple[int, ...]]) -> None:
        if self._state != _OPEN:
            return  # closing: asyncio delivers nothing after close()
        if info is None:
            info, lost = _rxcore.data_info(self._partial, flags, info)
            if lost:
                self._info_lost(len(data))
        if self._partial or not flags & _MSG_EOR:
            # a part of a larger message: the receive core joins them
            try:
                whole = _reassemble(self._partial, data, flags, info, self._max_message_size)
            except _rxcore.MessageTooLarge as exc:
                self._message_too_large(exc.size, exc.stream)
                return
            if whole is None:
                return
            data, info = whole
        elif len(data) > self._max_message_size:
            self._message_too_large(len(data), info[0])
            return
        stream = info[0]
        if stream < 0:  # the kernel cut the receive info (MSG_CTRUNC)
            minfo = MessageInfo(-1, -1, False, -1, -1, -1, -1, True)
        else:
            minfo = make_info(
                stream, info[3], bool(info[2] & _UNORDERED), info[6], info[4], info[1], info[7]
            )
        handlers = self._stream_handlers
        if handlers:
            handler = handlers.get(stream)
            if handler is not None:
                handler(data, minfo)
                return
        self._on_message(data, minfo)

    def _info_lost(self, size: int) -> None:
        """A message part came without its receive info, cut by the kernel
        with the control data (MSG_CTRUNC): delivered with
        ``info.info_lost`` True; said once per association in the log."""
        if not self._lost_info:
            logger.warning(
                "association %d: the kernel cut the receive information of a "
                "message of %d bytes (MSG_CTRUNC: more ancillary data than the "
                "receive buffer holds; a socket-level option such as "
                "SO_TIMESTAMPING?): delivered with info.info_lost True, stream "
                "and PPID unknown (-1); further ones are counted in "
                "transport.lost_info_count", self._assoc_id, size)
        self._lost_info += 1

    @property
    def lost_info_count(self) -> int:
        """Message parts received without their receive information, cut by
        the kernel (MSG_CTRUNC); each was delivered with ``info.info_lost``."""
        return self._lost_info

    def _message_too_large(self, size: int, stream: int) -> None:
        exc = OSError(
            errno.EMSGSIZE,
            f"a message of more than {self.max_message_size} bytes arrived on stream "
            f"{stream} (at least {size} bytes); the association was aborted "
            "(raise max_message_size to accept it)",
        )
        self._fatal_error(exc, None)

    def _notify(self, event: events.Event) -> None:
        on_notification = self._on_notification
        if self._aborting and type(event) is not events.SendFailed:
            return  # after abort(): only the reports of what was not delivered
        if on_notification is not None:
            wanted = self._event_filter
            if wanted is None or type(event) in wanted:
                on_notification(event)

    def _handle_event(self, event: events.Event) -> None:
        if self._state == _CLOSED:
            return
        self._notify(event)
        if isinstance(event, events.AssocChange):
            state = event.state
            if state == _COMM_UP or state == _RESTART:
                self._ostreams = event.outbound_streams
                self._instreams = event.inbound_streams
                if not self._assoc_id:  # accepted after the peer had ended it
                    self._assoc_id = self._info["assoc_id"] = event.assoc_id
            elif state == _COMM_LOST or state == _CANT_STR_ASSOC:
                self._end(_connection_error(event), _STRONG, event.error)
            elif state == _SHUTDOWN_COMP:
                self._end(None, _STRONG)
        elif isinstance(event, events.Shutdown):
            self._shutdown_received()
        elif isinstance(event, events.SendFailed):
            self._failed_count += 1
            if event.error:
                # The association is failing (a COMM_LOST follows and gives
                # the precise cause); error 0 is a PR-SCTP abandonment (ttl),
                # which the association survives.
                self._end(
                    ConnectionAbortedError(
                        errno.ECONNABORTED,
                        f"a message of {len(event.data)} bytes on stream "
                        f"{event.info.stream} could not be delivered (SendFailed, "
                        f"error {event.error})",
                    ),
                    _WEAK,
                )
        elif isinstance(event, events.PeerAddrChange):
            _log_path(self._assoc_id, event)
        elif isinstance(event, events.PartialDelivery):
            self._partial.pop(event.stream, None)
        elif isinstance(event, events.StreamChange):
            # Linux reports the number of streams added, not the new totals
            # RFC 6458 describes: ask the kernel.
            try:
                status = self.get_status()
            except OSError:
                pass
            else:
                self._ostreams = status.outstreams
                self._instreams = status.instreams

    def _shutdown_received(self) -> None:
        if self._peer_shutdown:
            return
        self._peer_shutdown = True
        self._partial.clear()
        if self._state == _OPEN and self._on_shutdown is not None:
            self._on_shutdown()

    def _eof_received(self) -> None:
        """End of file on a one-to-one socket: the association is gone."""
        self._mux.reading_changed(self, True)
        self._end(None, _WEAK)

    # ---- ending ---------------------------------------------------------------------

    def _end(self, exc: Optional[Exception], rank: int, code: int = 0) -> None:
        """The association ended (or is ending) with ``exc``; connection_lost
        follows once what is already queued (e.g. SendFailed notifications)
        has been handled. The causes are ranked (see _rxcore.EndCause);
        ``code`` is the SCTP error cause when one is known."""
        if self._state == _CLOSED:
            return
        cause = self._cause
        if cause is None:
            cause = self._cause = _rxcore.EndCause()
            if not self._mux.reading_now:  # else the owner finishes after the read
                self._loop.call_soon(self._finish)
        cause.offer(exc, rank, code)

    def _finish(self) -> None:
        """From a loop callback (never from a caller's method): the
        association has ended; connection_lost at once."""
        if self._state != _CLOSED:
            if self._aborting:  # the user's abort(): not the COMM_LOST it caused
                self._force_close(None, aborted=True, now=True)
            else:
                self._force_close(self._cause.exc if self._cause is not None else None,
                                  now=True)

    def _fatal_error(self, exc: Exception, message: Optional[str]) -> None:
        """Abort the association and report ``exc`` to connection_lost."""
        if self._state == _CLOSED:
            return
        if message is not None and not isinstance(exc, OSError):
            self._loop.call_exception_handler(
                {
                    "message": f"Fatal error on SCTP transport: {message}",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )
        self._send_abort()
        self._force_close(exc)

    def _send_abort(self) -> None:
        if self._sock is not None:
            self._remove_writer()
            self._mux.abort(self, self._is_ending())

    def _force_close(
        self, exc: Optional[Exception], *, aborted: bool = False, now: bool = False
    ) -> None:
        """The one way out: stop reading and writing, keep what was never
        sent for the report, and call connection_lost from the loop (``now``:
        at once, when this is already a loop callback)."""
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        self._mux.detach(self)
        self._writing = False
        if self._buffer:
            self._unsent = self._buffer.items()
            self._buffer.clear()
        self._partial.clear()
        if self._rx:
            self._rx.clear()
        self._notif_parts.clear()
        if now:
            self._call_connection_lost(exc, aborted)
        else:
            self._loop.call_soon(self._call_connection_lost, exc, aborted)

    def _lost_exception(
        self, exc: Optional[Exception], aborted: bool, nmsgs: int, nbytes: int
    ) -> Optional[Exception]:
        """The exception connection_lost gets: the cause, told how many
        messages were reported unsent when some were (and, after abort(),
        what the kernel reported or discarded)."""
        notes = []
        if nmsgs:
            notes.append(
                f"{nmsgs} messages ({nbytes} bytes) never sent were reported "
                "as SendFailed (sent=False)"
            )
        if aborted and self._failed_count:
            notes.append(
                f"the kernel reported {self._failed_count} messages as SendFailed"
            )
        if aborted and self._kernel_held:
            notes.append(
                f"the kernel had {self._kernel_held} DATA chunks sent and not acknowledged "
                "(SCTP_STATUS), and what it queued behind them: discarded with the socket, "
                "not reported (a one-to-one socket can only be aborted by closing it)"
            )
        if not notes:
            return exc
        note = "; ".join(notes)
        if exc is None:
            if aborted:
                return ConnectionAbortedError(errno.ECONNABORTED, f"abort(): {note}")
            return BrokenPipeError(errno.EPIPE, f"the association ended: {note}")
        if isinstance(exc, OSError) and exc.errno is not None:
            try:
                told = type(exc)(exc.errno, f"{exc.strerror or exc}; {note}")
            except Exception:
                return exc
            told.__cause__ = exc
            return told
        return exc

    def _call_connection_lost(self, exc: Optional[Exception], aborted: bool = False) -> None:
        unsent, self._unsent = self._unsent, ()
        nbytes = sum([len(item[0]) for item in unsent])
        exc = self._lost_exception(exc, aborted, len(unsent), nbytes)
        self._log_end(exc, len(unsent), nbytes)
        try:
            if self._started:
                code = self._cause.code if self._cause is not None else 0
                for event in unsent_events(unsent, code):
                    self._call_protocol("notification_received", self._notify, event)
                self._protocol.connection_lost(exc)
        finally:
            if self._sock is not None:
                self._sock = None
                self._mux.release(self)
            owner = self._owner
            self._owner = None
            if owner is not None:
                owner._transport_lost(self)

    def _log_end(self, exc: Optional[Exception], nmsgs: int, nbytes: int) -> None:
        assoc_id = self._assoc_id
        if exc is None:
            logger.debug("association %d closed", assoc_id)
        else:
            logger.info("association %d ended: %r", assoc_id, exc)
        if nmsgs or self._failed_count:
            logger.warning(
                "association %d ended with data not delivered: %d SendFailed from the "
                "kernel, %d messages (%d bytes) never sent reported as SendFailed",
                assoc_id, self._failed_count, nmsgs, nbytes,
            )
        if self._kernel_held:
            logger.warning(
                "association %d: abort() discarded what the kernel held without a report "
                "(%d DATA chunks sent and not acknowledged, and what it queued behind "
                "them; a one-to-one socket can only be aborted by closing it)",
                assoc_id, self._kernel_held,
            )

    # ---- writing -----------------------------------------------------------------------

    def _check_send(
        self, data: object, stream: int, ppid: int, unordered: bool, context: int, ttl: int
    ) -> Tuple[int, int, int, int, int, int]:
        """(length, stream, ppid, flags, context, ttl) of a valid send()."""
        n = _checks.check_data(data)
        stream = _check_uint(stream, "stream", 16)
        ppid = _check_uint(ppid, "ppid", 32)
        flags = _UNORDERED if _checks.check_bool(unordered, "unordered") else 0
        context = _check_uint(context, "context", 32)
        ttl = _check_uint(ttl, "ttl", 32)
        if self._ostreams and stream >= self._ostreams:
            raise ValueError(
                f"stream {stream} does not exist: the association has "
                f"{self._ostreams} outbound streams (0..{self._ostreams - 1})"
            )
        if self._state != _OPEN or self._peer_shutdown:
            raise self._closed_error()
        if n > self._sndbuf:
            self._grow_sndbuf(n)
        return n, stream, ppid, flags, context, ttl

    def _closed_error(self) -> ConnectionError:
        if self._peer_shutdown:
            return BrokenPipeError(errno.EPIPE, "the peer shut the association down")
        if self._state == _CLOSED:
            return ConnectionResetError(errno.ENOTCONN, "the association is closed")
        return BrokenPipeError(errno.ESHUTDOWN, "the association is closing")

    def _grow_sndbuf(self, n: int) -> None:
        """Make SO_SNDBUF hold a message of ``n`` bytes (Linux refuses a larger
        one whole, EMSGSIZE), as far as net.core.wmem_max allows."""
        sock = self._sock
        assert sock is not None
        cur = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        if n > cur:
            try:
                # Linux doubles the value asked, capped at 2 * wmem_max.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, n)
            except OSError:
                pass
            cur = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        self._sndbuf = cur
        if n > cur:
            raise OSError(
                errno.EMSGSIZE,
                f"message of {n} bytes is larger than the largest socket send buffer "
                f"this system allows (SO_SNDBUF={cur}, capped by net.core.wmem_max): "
                "Linux sends an SCTP message whole or not at all; send smaller "
                "messages or raise net.core.wmem_max",
            )

    # send(data, *, stream=0, ppid=0, unordered=False, context=0, ttl=0):
    # TransportBase.send (ext/fastpath.c) checks the common case and sends
    # it at once (while the loop's allowance lasts) or queues it behind
    # the queue, reading and writing this class's slots in C; everything
    # else (other argument types, errors, EAGAIN, a closing association)
    # comes to _send_slow with the same arguments. (Named here too, for the
    # documentation of this class.)
    send = _sctp.TransportBase.send

    def _send_slow(
        self,
        data: Buffer,
        *,
        stream: int = 0,
        ppid: int = 0,
        unordered: bool = False,
        context: int = 0,
        ttl: int = 0,
    ) -> None:
        """send() outside its common case: checks (raising what send()
        documents), sends or queues."""
        n, stream, ppid, flags, context, ttl = self._check_send(
            data, stream, ppid, unordered, context, ttl
        )
        if not self._buffer:
            credit = self._credit
            if credit.left:
                credit.left -= 1
                try:
                    _sctp.sendmsg(
                        self._fd, data, stream, ppid, flags, context, ttl, self._assoc_id, None, 0.0
                    )
                    return
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as exc:
                    if exc.errno in _PIPE_ERRNOS:
                        # The peer's SHUTDOWN is on its way to us: not accepted.
                        raise BrokenPipeError(
                            exc.errno, "the association is shutting down: message not sent"
                        ) from None
                    if exc.errno == errno.EMSGSIZE:
                        raise
                    self._fatal_error(exc, None)
                    return
            # socket full, or the loop must turn first (SENDS_PER_TURN)
            self._want_write()
        item = data if type(data) is bytes else bytes(data)
        buf = self._buffer
        if buf is _NOTHING:
            buf = self._buffer = _sctp.SendQueue(self._sndinfo)
        buf.append(item, stream, ppid, flags, context, ttl, self._assoc_id)
        self._maybe_pause_protocol()

    def write(self, data: Buffer) -> None:
        """asyncio compatibility: send ``data`` as one message on stream 0
        with PPID 0."""
        self.send(data)

    def writelines(self, list_of_data: Any) -> None:
        """Send each item as its own message (stream 0, PPID 0)."""
        for data in list_of_data:
            self.send(data)

    def write_eof(self) -> None:
        raise NotImplementedError("SCTP has no half-close: use close()")

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        """Bytes queued in this transport (not yet accepted by the kernel)."""
        buf = self._buffer
        return buf.nbytes if buf else 0

    def get_write_buffer_limits(self) -> Tuple[int, int]:
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(self, high: Optional[int] = None, low: Optional[int] = None) -> None:
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high_water = high
        self._low_water = low
        self._maybe_pause_protocol()

    def _maybe_pause_protocol(self) -> None:
        if self.get_write_buffer_size() <= self._high_water or self._protocol_paused:
            return
        self._protocol_paused = True
        self._call_protocol("pause_writing", self._protocol.pause_writing)

    def _maybe_resume_protocol(self) -> None:
        if self._protocol_paused and self.get_write_buffer_size() <= self._low_water:
            self._protocol_paused = False
            self._call_protocol("resume_writing", self._protocol.resume_writing)

    def _call_protocol(self, name: str, method: Callable[..., Any], *args: Any) -> None:
        """Call a protocol callback whose failure must not stop the
        transport: an exception goes to the loop's exception handler."""
        try:
            method(*args)
        except Exception as exc:
            self._loop.call_exception_handler(
                {
                    "message": f"protocol.{name}() failed",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )

    def _want_write(self) -> None:
        if self._writing:
            return
        self._writing = True
        self._mux.want_write(self)

    def _remove_writer(self) -> None:
        if self._writing:
            self._writing = False
            self._mux.writing_done(self)

    def _flush(self) -> bool:
        """Send one batch (up to _SEND_BATCH) of buffered messages, then give
        the loop back: between two batches the socket must be read (see
        SENDS_PER_TURN; a sendmmsg() of many small messages can draw a
        SENDER_DRY per message). Returns True when the socket is full; the
        writer stays registered while messages remain."""
        buf = self._buffer
        if buf:
            try:
                buf.flush(self._fd, _SEND_BATCH)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError as exc:
                if exc.errno in _PIPE_ERRNOS:
                    # The peer shut down: what is left cannot be sent. The
                    # notifications on their way end the association.
                    self._remove_writer()
                    return False
                self._fatal_error(exc, None)
                return False
            if buf:
                self._maybe_resume_protocol()
                return False
        self._remove_writer()
        self._credit.left = SENDS_PER_TURN  # the loop has turned
        self._maybe_resume_protocol()
        if self._state == _CLOSING:
            self._start_shutdown()
        return False

    def _start_shutdown(self) -> None:
        """The buffer is empty after close(): start SCTP's SHUTDOWN."""
        self._state = _SHUTDOWN
        if self._peer_shutdown or self._is_ending():
            return  # the association is already shutting down / gone
        try:
            self._mux.shutdown(self)
        except OSError as exc:
            if exc.errno in (errno.ENOTCONN, errno.EPIPE, errno.EINVAL):
                self._end(None, _WEAK)
            else:
                self._force_close(exc)

    # ---- per-stream handlers ---------------------------------------------------------

    def set_stream_handler(self, stream: int, handler: Optional[StreamHandler]) -> None:
        """Route the messages of ``stream`` to ``handler(data, info)`` instead
        of the protocol's ``message_received``; ``None`` removes it."""
        _check_uint(stream, "stream", 16)
        if handler is None:
            self._stream_handlers.pop(stream, None)
            return
        if not callable(handler):
            raise TypeError(f"handler must be callable or None, not {type(handler).__name__}")
        self._stream_handlers[stream] = handler

    def get_stream_handler(self, stream: int) -> Optional[StreamHandler]:
        """The handler set for ``stream`` by set_stream_handler(), or None."""
        return self._stream_handlers.get(stream)

    # ---- limits ----------------------------------------------------------------------

    @property
    def max_message_size(self) -> int:
        """Largest message reassembled; a larger one aborts the association
        (connection_lost gets OSError(EMSGSIZE))."""
        return self._max_message_size

    @max_message_size.setter
    def max_message_size(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"max_message_size must be an int, not {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"max_message_size must be positive, not {value}")
        self._max_message_size = value

    def set_max_message_size(self, value: int) -> None:
        """Set :attr:`max_message_size` (TypeError/ValueError as there)."""
        self.max_message_size = value

    # ---- association ------------------------------------------------------------------

    @property
    def assoc_id(self) -> int:
        """The kernel's id of this transport's association."""
        return self._assoc_id

    def _live_sock(self) -> socket.socket:
        if self._sock is None or self._state == _CLOSED:
            raise self._closed_error()
        return self._sock

    def get_status(self) -> Status:
        """SCTP_STATUS of the association (state, windows, streams, primary path)."""
        return lowlevel.get_status(self._live_sock(), self._assoc_id)

    def reset_streams(
        self, streams: Sequence[int] = (), *, incoming: bool = False, outgoing: bool = True
    ) -> None:
        """Reset the given streams' sequence numbers (RFC 6525; all if empty)."""
        lowlevel.reset_streams(
            self._live_sock(), streams, incoming=incoming, outgoing=outgoing,
            assoc_id=self._assoc_id,
        )

    def add_streams(self, *, outgoing: int = 0, incoming: int = 0) -> None:
        """Ask for more streams (RFC 6525); a StreamChange notification tells
        the outcome."""
        lowlevel.add_streams(
            self._live_sock(), outgoing=outgoing, incoming=incoming, assoc_id=self._assoc_id
        )

    def set_primary(self, addr: Tuple[Any, ...]) -> None:
        """Send to this peer address by default (multi-homing)."""
        lowlevel.set_primary_addr(self._live_sock(), addr, assoc_id=self._assoc_id)


# send() and the Reader read and write the transport's slots in C.
_sctp.bind_transport(SCTPTransport, _SendCredit)


async def _connect_message_socket(
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    sock: socket.socket,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Tuple["SCTPTransport", asyncio.BaseProtocol]:
    """create_sctp_connection(protocol_factory, sock=...) for a connected
    unix message socket (AF_UNIX, SOCK_SEQPACKET): no association to set up,
    the transport starts on it at once."""
    if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_SEQPACKET:
        raise ValueError("a unix socket must be SOCK_SEQPACKET (every read a whole message)")
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    protocol = protocol_factory()
    transport = SCTPTransport(loop, sock, protocol, max_message_size=max_message_size)
    waiter: "asyncio.Future[None]" = loop.create_future()
    loop.call_soon(transport._start, waiter)
    try:
        await waiter
    except BaseException:
        transport.abort()
        raise
    return transport, protocol

