"""The owner of a one-to-many socket: :class:`Demux`.

One socket serves every association of a one-to-many server. The
demultiplexer reads it (the one read loop of :mod:`aiosctp._rxcore`), routes
each message (by the association id of its SCTP_RCVINFO) and each
notification (by its ``assoc_id``) to that association's transport, made on
COMM_UP, and lets the transports take turns writing. The C core's Reader
delivers the whole data messages of associations that take them at once
(``Reader.deliver_many``); the rest takes the Python path below, in order. It talks to a transport
only through the socket-owner interface (:class:`aiosctp.transport._Mux`,
which the owned socket of a one-to-one transport implements too, on one
side; ``_start``, ``_feed_data``, ``_feed_event``, ``_flush``,
``_wants_write``, ``_backlog_bytes``, ``_is_ending``, ``_is_closed`` on the
other): it never touches a transport's state.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from . import _rxcore, _sctp, events
from .log import logger
from .message import MessageInfo
from .transport import (
    RECV_BUFSIZE,
    SENDS_PER_TURN,
    SCTPTransport,
    _Mux,
    _SendCredit,
    _connection_error,
)

__all__ = ["Demux", "Dropped"]

_MSG_NOTIFICATION = _sctp.MSG_NOTIFICATION
_MSG_CTRUNC = _sctp.MSG_CTRUNC
_SCTP_ABORT = _sctp.SCTP_ABORT
_SCTP_EOF = _sctp.SCTP_EOF
_COMM_UP = events.AssocChangeState.COMM_UP
#: Bytes a paused association of a one-to-many socket may hold back before
#: the shared socket stops being read.
PAUSED_BACKLOG_LIMIT = 1024 * 1024

#: Associations remembered as already warned about (a bound: past it the
#: memory starts afresh, and an association may be warned about again).
WARNED_LIMIT = 4096


@dataclass(frozen=True)
class Dropped:
    """What a one-to-many socket read and could give to no association
    (:attr:`aiosctp.SCTPServer.dropped`): data and notifications of an
    association that no transport serves any more (it was closed, aborted
    or refused here; the kernel still had something queued for it), data
    whose receive information the kernel cut (MSG_CTRUNC) and whose peer
    address matches no association, and notifications that name no
    association. Each kind is also logged once per association (WARNING)."""

    #: data messages (or parts of one) dropped
    messages: int = 0
    #: their bytes
    message_bytes: int = 0
    #: notifications dropped
    notifications: int = 0


#: ``factory(assoc_id, ostreams, instreams, demux)``: the transport of a new
#: association, not yet started (None: refused).
TransportFactory = Callable[[int, int, int, "Demux"], Optional[SCTPTransport]]


class Demux(_Mux):
    """Reads a one-to-many socket and demultiplexes it by association id."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        factory: TransportFactory,
        server: Any = None,
    ) -> None:
        self._loop = loop
        self.sock = sock
        self._fd = sock.fileno()
        self._factory = factory
        self._server = server
        self.transports: Dict[int, SCTPTransport] = {}
        self.credit = _SendCredit()
        self._writers: Dict[SCTPTransport, None] = {}
        self._writer_added = False
        self._reader_added = False
        self._closed = False
        self._batch = 4
        self._notif_parts: List[bytes] = []
        self._paused: Set[SCTPTransport] = set()
        #: associations started here (connect()) and not yet up: their
        #: transport factory and the future their transport goes to
        self._pending: Dict[int, Tuple[TransportFactory, "asyncio.Future[SCTPTransport]"]] = {}
        # what could be given to no association (see Dropped)
        self._dropped_messages = 0
        self._dropped_bytes = 0
        self._dropped_notifications = 0
        self._warned: Set[Any] = set()  # association ids / event types logged
        self._reader: Optional[_sctp.Reader] = None

    @property
    def dropped(self) -> Dropped:
        """The counts of what was read and given to no association."""
        return Dropped(self._dropped_messages, self._dropped_bytes, self._dropped_notifications)

    # reading

    def start(self) -> None:
        self._update_reader()

    def _reading_blocked(self) -> bool:
        return any(t._backlog_bytes() > PAUSED_BACKLOG_LIMIT for t in self._paused)

    def _update_reader(self) -> None:
        want = not self._closed and not self._reading_blocked()
        if want and not self._reader_added:
            self._loop.add_reader(self._fd, self._read_ready)
            self._reader_added = True
        elif not want and self._reader_added:
            self._loop.remove_reader(self._fd)
            self._reader_added = False

    def reading_changed(self, transport: SCTPTransport, paused: bool) -> None:
        if paused:
            self._paused.add(transport)
        else:
            self._paused.discard(transport)
        self._update_reader()

    def _read_ready(self) -> None:
        """Read batches (the loop of _rxcore.read_loop) until the queue is
        empty, reading stops, or MAX_ROUNDS batches were read."""
        reader = self._reader
        if reader is None:
            reader = self._reader = _sctp.Reader(self._fd, RECV_BUFSIZE, MessageInfo)

        def read(batch: int) -> Tuple[int, int, bool]:
            # read just now: replies may go out at once (SENDS_PER_TURN)
            self.credit.left = SENDS_PER_TURN
            n, nbytes, rest, exc, exc_t = reader.deliver_many(batch, self.transports)
            if exc is not None:
                if not isinstance(exc, Exception):
                    raise exc
                exc_t._callback_failed(exc)
            if rest and not self._read_items(rest):
                return n, nbytes, False
            return n, nbytes, self._reader_added

        self._batch = _rxcore.read_loop(read, self._batch, self._read_failed, self._any_ending)
        if self._reader_added and self._paused and self._reading_blocked():
            self._update_reader()

    def _read_items(self, items: Any) -> bool:
        self.credit.left = SENDS_PER_TURN  # read just now (see SENDS_PER_TURN)
        for item in items:
            self._route(item)
        return self._reader_added

    def _read_failed(self, exc: OSError) -> bool:
        # A one-to-many socket has no connection to lose: only the
        # association the error is about would be, and it is not known
        # here; report and go on.
        self._loop.call_exception_handler(
            {"message": "recvmmsg() failed on a one-to-many SCTP socket", "exception": exc}
        )
        return False

    def _any_ending(self) -> bool:
        return any(t._is_ending() for t in self.transports.values())

    def _route(self, item: Any) -> None:
        data, flags, _addr, info, _nxt = item
        if flags & _MSG_NOTIFICATION:
            whole = _rxcore.join_notification(self._notif_parts, data, flags)
            if whole is None:
                return
            event = events.decode(whole)
            assoc_id = getattr(event, "assoc_id", None)
            if assoc_id is None:
                self._drop_event(event, None)
                return
            t = self.transports.get(assoc_id)
            if t is None:
                if assoc_id in self._pending and isinstance(event, events.AssocChange):
                    t = self._connected(event)
                    if t is None:
                        return  # the attempt failed or was given up (said so)
                elif isinstance(event, events.AssocChange) and event.state == _COMM_UP:
                    t = self._new_association(event)
                    if t is None:
                        return  # refused (said so) or ended at once
                else:
                    self._drop_event(event, assoc_id)
                    return
            t._feed_event(event)
            return
        if info is None:
            t = self._by_address(item) if flags & _MSG_CTRUNC else None
        else:
            t = self.transports.get(info[7])
        if t is None:
            self._drop_data(item)
            return
        t._feed_data(item)

    def _by_address(self, item: Any) -> Optional[SCTPTransport]:
        """The transport of a message whose receive info (and association
        id) the kernel cut (MSG_CTRUNC), found by the peer address it came
        from; None when no association has it. Rare: asks the kernel."""
        addr = item[2]
        if addr is None:
            return None
        for t in self.transports.values():
            try:
                paddrs = _sctp.getpaddrs(self._fd, t.assoc_id)
            except OSError:
                continue
            if any(p[:2] == addr[:2] for p in paddrs):
                return t
        return None

    def _warn_once(self, key: Any) -> bool:
        if key in self._warned:
            return False
        if len(self._warned) >= WARNED_LIMIT:
            self._warned.clear()
        self._warned.add(key)
        return True

    def _drop_data(self, item: Any) -> None:
        data, flags, _addr, info, _nxt = item
        self._dropped_messages += 1
        self._dropped_bytes += len(data)
        assoc_id = info[7] if info is not None else None
        if self._warn_once(("data", assoc_id)):
            if info is None:
                why = ("its receive information was cut by the kernel (MSG_CTRUNC) and its "
                       "peer address matches no association" if flags & _MSG_CTRUNC
                       else "it came without receive information")
                logger.warning("one-to-many socket: a message of %d bytes from %r dropped: %s "
                               "(counted in SCTPServer.dropped)", len(data), item[2], why)
            else:
                logger.warning(
                    "association %d: data arrived after its transport was closed and was "
                    "dropped (%d bytes on stream %d; further drops counted in "
                    "SCTPServer.dropped, not logged)", assoc_id, len(data), info[0])

    def _drop_event(self, event: events.Event, assoc_id: Optional[int]) -> None:
        self._dropped_notifications += 1
        key = ("event", assoc_id if assoc_id is not None else type(event).__name__)
        if self._warn_once(key):
            if assoc_id is None:
                logger.warning("one-to-many socket: a notification that names no association "
                               "dropped: %r (further ones counted in SCTPServer.dropped)", event)
            else:
                logger.warning(
                    "association %d: a notification arrived after its transport was closed "
                    "and was dropped: %r (further drops counted in SCTPServer.dropped, not "
                    "logged)", assoc_id, event)

    def _new_association(self, event: events.AssocChange) -> Optional[SCTPTransport]:
        assoc_id = event.assoc_id
        try:
            t = self._factory(assoc_id, event.outbound_streams, event.inbound_streams, self)
        except Exception as exc:
            self._loop.call_exception_handler(
                {"message": "SCTP server: protocol_factory() failed", "exception": exc}
            )
            t = None
        if t is None:
            logger.info("association %d refused (aborted)", assoc_id)
            # what the kernel still queues for it is counted, not warned about
            self._warned.update([("data", assoc_id), ("event", assoc_id)])
            self._abort(assoc_id)
            return None
        self.transports[assoc_id] = t
        t._start()
        return None if t._is_closed() else t

    # associations started from this socket

    def connect(
        self,
        family: int,
        addrs: Sequence[Tuple[Any, ...]],
        factory: TransportFactory,
        waiter: "asyncio.Future[SCTPTransport]",
    ) -> int:
        """Start an association from this socket (connectx) and return its
        id. Its COMM_UP goes to ``factory`` (not to the factory of incoming
        associations); the transport made, started, is ``waiter``'s result;
        CANT_STR_ASSOC/COMM_LOST before it is up, its exception."""
        assoc_id: int = _sctp.connectx(self._fd, family, list(addrs), 0.0)
        self._pending[assoc_id] = (factory, waiter)
        self._update_reader()  # a socket that does not listen is read too
        return assoc_id

    def cancel(self, assoc_id: int) -> None:
        """Give up an association connect() started and that is not up yet:
        ABORT it (no further INIT). Its entry stays until its AssocChange
        comes (CANT_STR_ASSOC, or a COMM_UP read after the ABORT): that one
        is not taken for a new incoming association."""
        if assoc_id in self._pending:
            self._abort(assoc_id)

    def cancel_all(self, exc: BaseException) -> None:
        """Give up every association connect() started and not yet up."""
        pending, self._pending = self._pending, {}
        for assoc_id, (_factory, waiter) in pending.items():
            self._abort(assoc_id)
            if not waiter.done():
                waiter.set_exception(exc)

    def _connected(self, event: events.AssocChange) -> Optional[SCTPTransport]:
        """The first AssocChange of an association connect() started."""
        assoc_id = event.assoc_id
        factory, waiter = self._pending.pop(assoc_id)
        if event.state != _COMM_UP:
            if not waiter.done():
                waiter.set_exception(_connection_error(event))
            return None
        t = None
        if not waiter.done():  # else given up meanwhile (and aborted)
            try:
                t = factory(assoc_id, event.outbound_streams, event.inbound_streams, self)
            except Exception as exc:
                waiter.set_exception(exc)
        if t is None:
            self._abort(assoc_id)
            return None
        self.transports[assoc_id] = t
        started: "asyncio.Future[None]" = self._loop.create_future()
        t._start(started)
        failed = started.exception()
        if failed is not None:
            waiter.set_exception(failed)
            return None
        waiter.set_result(t)
        return None if t._is_closed() else t

    def _abort(self, assoc_id: int) -> None:
        try:
            _sctp.sendmsg(self._fd, b"", 0, 0, _SCTP_ABORT, 0, 0, assoc_id, None, 0.0)
        except OSError:
            pass

    # writing

    def want_write(self, transport: SCTPTransport) -> None:
        self._writers[transport] = None
        if not self._writer_added and not self._closed:
            self._loop.add_writer(self._fd, self._write_ready)
            self._writer_added = True

    def _write_ready(self) -> None:
        for t in list(self._writers):
            blocked = t._flush()
            if not t._wants_write():
                self._writers.pop(t, None)
            elif blocked:
                # The socket is full (its send buffer is shared): the others
                # wait; this one goes last next time.
                self._writers.pop(t, None)
                self._writers[t] = None
                break
        if not self._writers and self._writer_added:
            self._loop.remove_writer(self._fd)
            self._writer_added = False

    def detach(self, transport: SCTPTransport) -> None:
        assoc_id = transport.assoc_id
        if self.transports.get(assoc_id) is transport:
            del self.transports[assoc_id]
        self._writers.pop(transport, None)
        self._paused.discard(transport)
        if not self._writers and self._writer_added:
            self._loop.remove_writer(self._fd)
            self._writer_added = False
        self._update_reader()

    def abort(self, transport: SCTPTransport, gone: bool) -> None:
        if not gone:
            self._abort(transport.assoc_id)

    def shutdown(self, transport: SCTPTransport) -> None:
        _sctp.sendmsg(self._fd, b"", 0, 0, _SCTP_EOF, 0, 0, transport.assoc_id, None, 0.0)

    # closing

    def stop_listening(self) -> None:
        """Refuse new associations (listen(0) disables listening on a
        one-to-many socket); the live ones go on."""
        try:
            self.sock.listen(0)
        except OSError:
            pass

    def close(self) -> None:
        """Stop reading and close the socket (its associations are gone)."""
        if self._closed:
            return
        self._closed = True
        if self._reader_added:
            self._loop.remove_reader(self._fd)
            self._reader_added = False
        if self._writer_added:
            self._loop.remove_writer(self._fd)
            self._writer_added = False
        self.sock.close()
