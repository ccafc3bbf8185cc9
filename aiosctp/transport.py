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
import itertools
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

from . import _sctp, events, lowlevel
from .message import NO_INFO, MessageInfo, make_info
from .options import Status

__all__ = ["SCTPTransport", "DEFAULT_MAX_MESSAGE_SIZE", "StreamHandler"]


#: Largest message reassembled before the association is aborted.
DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024

#: Bytes asked of each read; larger messages arrive in several reads.
RECV_BUFSIZE = 65536
_MIN_BATCH = 2
_MAX_BATCH = 32
#: Message bytes one read should bring at most: a full batch of larger
#: messages shrinks the batch rather than doubling it.  Every read hands
#: its messages out as new bytes objects; 32 x 64 KiB (2 MiB) a read made
#: the C library grow its heap and give it back each time, and every fresh
#: page is a fault (16 per 64 KiB message; ~50-100 us each in the UML
#: guest): 64 KiB messages streamed at 0.16x the blocking C loop.
RECV_BATCH_BYTES = 256 * 1024
#: Reads per readiness callback before giving the loop back (fairness).
_MAX_ROUNDS = 16
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

_MSG_NOTIFICATION = _sctp.MSG_NOTIFICATION
_MSG_EOR = _sctp.MSG_EOR
_UNORDERED = _sctp.SCTP_UNORDERED
_SCTP_EOF = _sctp.SCTP_EOF
_SCTP_ABORT = _sctp.SCTP_ABORT

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

_PIPE_ERRNOS = (errno.EPIPE, errno.ESHUTDOWN)
_Event = events.Event  # (__init__'s ``events`` argument hides the module)
# Stands for an empty queue that was never needed (an idle association holds
# no deque: ~700 bytes each); replaced by a deque on first use.
_NOTHING: Any = ()


def _check_uint(value: object, name: str, bits: int) -> int:
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise OverflowError(f"{name}={value} is out of range 0..{(1 << bits) - 1}")
    return int(value)


def _check_data(data: object) -> int:
    """Return the length of a bytes-like ``data``, or raise TypeError/ValueError."""
    if isinstance(data, (bytes, bytearray)):
        n = len(data)
    elif isinstance(data, memoryview):
        n = data.nbytes
    else:
        raise TypeError(f"data must be a bytes-like object, not {type(data).__name__}")
    if n == 0:
        raise ValueError("cannot send an empty message: SCTP has no empty user messages")
    return n


def join_notification(parts: List[bytes], data: bytes, flags: int) -> Optional[bytes]:
    """A notification larger than the read buffer comes in several reads:
    keep the parts in ``parts`` and return the whole notification with its
    last part (MSG_EOR), None before."""
    if not flags & _MSG_EOR:
        parts.append(data)
        return None
    if parts:
        parts.append(data)
        data = b"".join(parts)
        parts.clear()
    return data


def next_batch(batch: int, items: Sequence[Received]) -> int:
    """The size of the next recvmmsg() batch after one of ``batch`` that
    returned ``items``: halved after a read less than half full, doubled
    after a full one (up to _MAX_BATCH), and shrunk so that a read brings at
    most RECV_BATCH_BYTES of messages (see there)."""
    n = len(items)
    if n < batch:
        return batch // 2 if batch > _MIN_BATCH and n < batch // 2 else batch
    nbytes = sum([len(item[0]) for item in items])
    if nbytes > RECV_BATCH_BYTES:
        return max(1, batch * RECV_BATCH_BYTES // nbytes)
    if batch < _MAX_BATCH and nbytes * 2 <= RECV_BATCH_BYTES:
        return batch * 2
    return batch


class _SendCredit:
    """Immediate writes left on one socket before the loop must turn (shared
    by the transports of a one-to-many socket). Refilled when the socket is
    read (each batch) or the write buffer is flushed from the loop."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = SENDS_PER_TURN


class _Mux:
    """What a transport needs from the owner of a one-to-many socket (the
    server's demultiplexer). Defined here to keep the import graph acyclic."""

    credit: _SendCredit

    def want_write(self, transport: "SCTPTransport") -> None:
        raise NotImplementedError

    def detach(self, transport: "SCTPTransport") -> None:
        raise NotImplementedError

    def reading_changed(self, transport: "SCTPTransport") -> None:
        raise NotImplementedError


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


class SCTPTransport(asyncio.Transport):
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
        "_assoc_id",
        "_batch",
        "_buffer",
        "_buffer_size",
        "_credit",
        "_end_exc",
        "_end_exc_strong",
        "_ending",
        "_events",
        "_fd",
        "_high_water",
        "_info",
        "_instreams",
        "_loop",
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
        "_reading",
        "_reading_paused",
        "_rx",
        "_sndbuf",
        "_sock",
        "_started",
        "_state",
        "_stream_handlers",
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
        events: Optional[AbstractSet[Type[events.Event]]] = None,
    ) -> None:
        super().__init__()
        # the notifications passed on to the protocol (None: every one); the
        # transport itself acts on all it gets
        self._events = events
        self._info: Dict[str, Any] = dict(extra or {})
        self._loop = loop
        self._sock: Optional[socket.socket] = sock
        self._fd = sock.fileno()
        self._assoc_id = assoc_id
        self._mux = mux
        self._credit = mux.credit if mux is not None else _SendCredit()
        self._owner = owner
        self._ostreams = ostreams
        self._instreams = instreams
        self._state = _OPEN
        self._peer_shutdown = False
        self._ending = False  # the association ended; connection_lost is due
        self._end_exc: Optional[Exception] = None
        self._end_exc_strong = False
        self._started = False
        self._reading = False  # reader registered (one-to-one)
        self._writing = False  # writer registered (or waiting in the mux)
        self._reading_paused = False
        self._batch = 4
        # read, not yet handled: raw recvmsg tuples, or events decoded by the
        # demultiplexer of a one-to-many socket
        self._rx: Deque[Union[Received, _Event]] = _NOTHING
        self._notif_parts: List[bytes] = []
        # stream -> [first info, size, parts]
        self._partial: Dict[int, List[Any]] = {}
        self.max_message_size = max_message_size
        self._stream_handlers: Dict[int, StreamHandler] = {}
        self._buffer: Deque[Outgoing] = _NOTHING
        self._buffer_size = 0
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
        style = "one-to-many" if self._mux is not None else "one-to-one"
        return (
            f"<SCTPTransport assoc_id={self._assoc_id} {style} {state} "
            f"fd={self._fd} buffered={self._buffer_size}>"
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
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._rx:
            self._handle_backlog()
        if self._mux is None and self._state != _CLOSED and not self._reading_paused:
            self._add_reader()

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
        if self._mux is None and self._reading_paused:
            # Keep reading: SHUTDOWN_COMP arrives as a notification.
            self._reading_paused = False
            if self._started:
                self._add_reader()
        elif self._mux is not None and self._reading_paused:
            self._reading_paused = False
            self._mux.reading_changed(self)
        if self._rx and self._started:
            self._loop.call_soon(self._handle_backlog)
        if not self._buffer:
            self._start_shutdown()

    def abort(self) -> None:
        """Abort the association at once (ABORT chunk): what is buffered is
        dropped; ``connection_lost(None)`` follows."""
        if self._state == _CLOSED:
            return
        self._send_abort()
        self._force_close(None)

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
        if self._mux is None:
            self._remove_reader()
        else:
            self._mux.reading_changed(self)

    def resume_reading(self) -> None:
        if self._state == _CLOSED or not self._reading_paused:
            return
        self._reading_paused = False
        if self._rx:
            self._loop.call_soon(self._handle_backlog)
        if self._mux is None:
            if self._started:
                self._add_reader()
        else:
            self._mux.reading_changed(self)

    def _add_reader(self) -> None:
        if not self._reading and self._state != _CLOSED:
            self._loop.add_reader(self._fd, self._read_ready)
            self._reading = True

    def _remove_reader(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def _read_ready(self) -> None:
        """Reader callback of a one-to-one socket: read batches until the
        queue is empty (a short batch), the transport pauses or ends."""
        fd = self._fd
        batch = self._batch
        rounds = 0
        failed = False
        while True:
            try:
                items = _sctp.recvmsgs(fd, RECV_BUFSIZE, batch)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                if failed:
                    break
                # recvmmsg() reports the socket error (ECONNRESET ...) before
                # what is still queued (COMM_LOST, SendFailed with their
                # bytes): note it, then read the rest (the error is cleared).
                failed = True
                self._read_failed(exc)
                if self._state == _CLOSED:
                    break
                continue
            self._rx_queue().extend(items)
            # the socket was just read: what the protocol sends in reply to
            # this batch may go out at once (see SENDS_PER_TURN)
            self._credit.left = SENDS_PER_TURN
            self._handle_backlog()
            if self._state == _CLOSED or self._reading_paused or not self._reading:
                break
            short = len(items) < batch
            batch = next_batch(batch, items)
            if short:
                break
            rounds += 1
            if rounds >= _MAX_ROUNDS and not self._ending:
                break
        self._batch = batch

    def _read_failed(self, exc: OSError) -> None:
        """recv() failed with the socket's error (ECONNRESET, ETIMEDOUT ...):
        the association is gone, and this says why more precisely than a
        COMM_LOST notification can."""
        if self._state == _CLOSED:
            return
        if self._ending and self._end_exc_strong:
            if isinstance(self._end_exc, ConnectionAbortedError):
                self._end_exc = exc
            return
        self._end(exc, strong=True)

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

    # Both styles: the demultiplexer of a one-to-many socket calls these too.

    def _handle_data(self, data: bytes, flags: int, info: Optional[Tuple[int, ...]]) -> None:
        if self._state != _OPEN:
            return  # closing: asyncio delivers nothing after close()
        if info is None:
            info = NO_INFO
        stream = info[0]
        partial = self._partial
        if not flags & _MSG_EOR:
            part = partial.get(stream)
            if part is None:
                part = partial[stream] = [info, 0, []]
            part[1] += len(data)
            part[2].append(data)
            if part[1] > self.max_message_size:
                self._message_too_large(part[1], stream)
            return
        if partial:
            part = partial.pop(stream, None)
            if part is not None:
                info = part[0]
                part[2].append(data)
                data = b"".join(part[2])
        if len(data) > self.max_message_size:
            self._message_too_large(len(data), stream)
            return
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

    def _message_too_large(self, size: int, stream: int) -> None:
        exc = OSError(
            errno.EMSGSIZE,
            f"a message of more than {self.max_message_size} bytes arrived on stream "
            f"{stream} (at least {size} bytes); the association was aborted "
            "(raise max_message_size to accept it)",
        )
        self._fatal_error(exc, None)

    def _handle_event(self, event: events.Event) -> None:
        if self._state == _CLOSED:
            return
        if self._on_notification is not None and (
            self._events is None or type(event) in self._events
        ):
            self._on_notification(event)
        if isinstance(event, events.AssocChange):
            state = event.state
            if state == _COMM_UP or state == _RESTART:
                self._ostreams = event.outbound_streams
                self._instreams = event.inbound_streams
                if not self._assoc_id:  # accepted after the peer had ended it
                    self._assoc_id = self._info["assoc_id"] = event.assoc_id
            elif state == _COMM_LOST or state == _CANT_STR_ASSOC:
                self._end(_connection_error(event), strong=True)
            elif state == _SHUTDOWN_COMP:
                self._end(None, strong=True)
        elif isinstance(event, events.Shutdown):
            self._shutdown_received()
        elif isinstance(event, events.SendFailed):
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
                    strong=False,
                )
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
        self._remove_reader()
        self._end(None, strong=False)

    # ---- ending ---------------------------------------------------------------------

    def _end(self, exc: Optional[Exception], *, strong: bool) -> None:
        """The association ended (or is ending) with ``exc``; connection_lost
        follows once what is already queued (e.g. SendFailed notifications)
        has been handled. A strong cause (COMM_LOST, SHUTDOWN_COMP) replaces
        a weak one (a send failure, end of file)."""
        if self._state == _CLOSED:
            return
        if not self._ending:
            self._ending = True
            self._end_exc = exc
            self._end_exc_strong = strong
            self._loop.call_soon(self._finish)
        elif strong and not self._end_exc_strong:
            self._end_exc = exc
            self._end_exc_strong = True

    def _finish(self) -> None:
        if self._state == _CLOSED:
            return
        exc = self._end_exc
        if exc is None and self._buffer:
            exc = BrokenPipeError(
                errno.EPIPE,
                f"the association ended with {len(self._buffer)} messages "
                f"({self._buffer_size} bytes) not sent",
            )
        self._force_close(exc)

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
        sock = self._sock
        if sock is None:
            return
        if self._mux is None:
            self._remove_reader()
            self._remove_writer()
            if self._ending:
                sock.close()  # the association is already gone
            else:
                try:
                    lowlevel.abort(sock)  # SO_LINGER 0 + close: ABORT now
                except OSError:
                    sock.close()
        elif not self._ending:
            try:
                _sctp.sendmsg(self._fd, b"", 0, 0, _SCTP_ABORT, 0, 0, self._assoc_id, None, 0.0)
            except OSError:
                pass

    def _force_close(self, exc: Optional[Exception]) -> None:
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        if self._mux is None:
            self._remove_reader()
            self._remove_writer()
        else:
            self._mux.detach(self)
        self._writing = False
        if self._buffer:
            self._buffer.clear()
        self._buffer_size = 0
        self._partial.clear()
        if self._rx:
            self._rx.clear()
        self._notif_parts.clear()
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc: Optional[Exception]) -> None:
        try:
            if self._started:
                self._protocol.connection_lost(exc)
        finally:
            sock = self._sock
            self._sock = None
            if sock is not None and self._mux is None:
                sock.close()
            owner = self._owner
            self._owner = None
            if owner is not None:
                owner._transport_lost(self)

    # ---- writing -----------------------------------------------------------------------

    def _check_send(
        self, data: object, stream: int, ppid: int, context: int, ttl: int
    ) -> int:
        n = _check_data(data)
        _check_uint(stream, "stream", 16)
        _check_uint(ppid, "ppid", 32)
        _check_uint(context, "context", 32)
        _check_uint(ttl, "ttl", 32)
        if self._ostreams and stream >= self._ostreams:
            raise ValueError(
                f"stream {stream} does not exist: the association has "
                f"{self._ostreams} outbound streams (0..{self._ostreams - 1})"
            )
        if self._state != _OPEN or self._peer_shutdown:
            raise self._closed_error()
        if n > self._sndbuf:
            self._grow_sndbuf(n)
        return n

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

    def send(
        self,
        data: Buffer,
        *,
        stream: int = 0,
        ppid: int = 0,
        unordered: bool = False,
        context: int = 0,
        ttl: int = 0,
    ) -> None:
        """Send ``data`` as one SCTP message on ``stream`` with ``ppid``
        (host order). ``unordered`` delivers it as soon as it arrives;
        ``ttl`` (ms) lets SCTP abandon it if not sent in time (PR-SCTP);
        ``context`` comes back in a SendFailed notification. Queued when the
        socket is full. Raises TypeError/ValueError/OverflowError for bad
        arguments, OSError(EMSGSIZE) for a message larger than the system's
        largest send buffer, a ConnectionError when the association is
        closing or closed."""
        n = self._check_send(data, stream, ppid, context, ttl)
        flags = _UNORDERED if unordered else 0
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
            buf = self._buffer = collections.deque()
        buf.append((item, stream, ppid, flags, context, ttl, self._assoc_id, None))
        self._buffer_size += n
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
        return self._buffer_size

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
        if self._buffer_size <= self._high_water or self._protocol_paused:
            return
        self._protocol_paused = True
        try:
            self._protocol.pause_writing()
        except Exception as exc:
            self._loop.call_exception_handler(
                {
                    "message": "protocol.pause_writing() failed",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )

    def _maybe_resume_protocol(self) -> None:
        if self._protocol_paused and self._buffer_size <= self._low_water:
            self._protocol_paused = False
            try:
                self._protocol.resume_writing()
            except Exception as exc:
                self._loop.call_exception_handler(
                    {
                        "message": "protocol.resume_writing() failed",
                        "exception": exc,
                        "transport": self,
                        "protocol": self._protocol,
                    }
                )

    def _want_write(self) -> None:
        if self._writing:
            return
        self._writing = True
        if self._mux is None:
            self._loop.add_writer(self._fd, self._write_ready)
        else:
            self._mux.want_write(self)

    def _remove_writer(self) -> None:
        if self._writing:
            self._writing = False
            if self._mux is None:
                self._loop.remove_writer(self._fd)

    def _write_ready(self) -> None:
        self._flush()

    def _flush(self) -> bool:
        """Send one batch (up to _SEND_BATCH) of buffered messages, then give
        the loop back: between two batches the socket must be read (see
        SENDS_PER_TURN; a sendmmsg() of many small messages can draw a
        SENDER_DRY per message). Returns True when the socket is full; the
        writer stays registered while messages remain."""
        buf = self._buffer
        if buf:
            try:
                if len(buf) == 1:
                    _sctp.sendmsg(self._fd, *buf[0], 0.0)
                    sent = 1
                else:
                    sent = _sctp.sendmsgs(self._fd, list(itertools.islice(buf, _SEND_BATCH)), 0.0)
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
            size = self._buffer_size
            for _ in range(sent):
                size -= len(buf.popleft()[0])
            self._buffer_size = size
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
        if self._peer_shutdown or self._ending:
            return  # the association is already shutting down / gone
        try:
            if self._mux is None:
                assert self._sock is not None
                self._sock.shutdown(socket.SHUT_WR)
            else:
                _sctp.sendmsg(self._fd, b"", 0, 0, _SCTP_EOF, 0, 0, self._assoc_id, None, 0.0)
        except OSError as exc:
            if exc.errno in (errno.ENOTCONN, errno.EPIPE, errno.EINVAL):
                self._end(None, strong=False)
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
        self.max_message_size = value

    # ---- association ------------------------------------------------------------------

    @property
    def assoc_id(self) -> int:
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

