"""The typed low-level SCTP API over ordinary ``socket.socket`` objects.

Every function takes a socket made by :func:`sctp_socket` (or any socket
with ``IPPROTO_SCTP``) and honours its mode as the socket module does: a
blocking socket waits, a nonblocking one raises :class:`BlockingIOError`,
one with ``settimeout(t)`` waits up to ``t`` seconds, then raises
:class:`TimeoutError`. The GIL is released during every system call.

PPIDs, streams, contexts and TTLs are host-order integers; on the wire a
PPID is the big-endian value of the integer given here.

Socket options are typed getters and setters named after the option
(``set_nodelay``, ``set_initmsg``, ``get_status`` ...); they are defined in
:mod:`aiosctp.options` and re-exported here.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Type, Union

from . import _checks, _nosctp, _sctp, _uapi, events
from .events import Event
from .message import Message, MessageInfo
from .options import *  # noqa: F401,F403  (the typed socket options)
from .options import Address, Buffer, _resolve, set_event

__all__ = [
    "IPPROTO_SCTP",
    "SOL_SCTP",
    "Address",
    "Buffer",
    "Message",
    "MessageInfo",
    "sctp_socket",
    "sendmsg",
    "recvmsg",
    "sendmsgs",
    "recvmsgs",
    "bindx",
    "connectx",
    "peeloff",
    "getpaddrs",
    "getladdrs",
    "get_assoc_ids",
    "subscribe",
    "unsubscribe",
    "abort",
    "resolve",
    # re-exported from aiosctp.options, listed here (not computed) so that
    # type checkers see them; tests/host/test_api_docs.py checks that the
    # list covers options.__all__
    "AssocState",
    "AddrState",
    "SppFlags",
    "PrPolicy",
    "StreamResetFlags",
    "StreamScheduler",
    "HmacId",
    "PfExpose",
    "InitMsg",
    "PeerAddrInfo",
    "Status",
    "RtoInfo",
    "AssocInfo",
    "PeerAddrParams",
    "SndInfo",
    "PrInfo",
    "SackInfo",
    "PrStatus",
    "PeerAddrThlds",
    "AssocStats",
    "set_nodelay",
    "get_nodelay",
    "set_autoclose",
    "get_autoclose",
    "set_disable_fragments",
    "get_disable_fragments",
    "set_mapped_v4",
    "get_mapped_v4",
    "set_fragment_interleave",
    "get_fragment_interleave",
    "set_partial_delivery_point",
    "get_partial_delivery_point",
    "set_recvrcvinfo",
    "get_recvrcvinfo",
    "set_recvnxtinfo",
    "get_recvnxtinfo",
    "set_auto_asconf",
    "get_auto_asconf",
    "set_reuse_port",
    "get_reuse_port",
    "get_assoc_number",
    "set_maxseg",
    "get_maxseg",
    "set_max_burst",
    "get_max_burst",
    "set_context",
    "get_context",
    "set_pr_supported",
    "get_pr_supported",
    "set_reconfig_supported",
    "get_reconfig_supported",
    "set_enable_stream_reset",
    "get_enable_stream_reset",
    "set_stream_scheduler",
    "get_stream_scheduler",
    "set_interleaving_supported",
    "get_interleaving_supported",
    "set_asconf_supported",
    "get_asconf_supported",
    "set_auth_supported",
    "get_auth_supported",
    "set_ecn_supported",
    "get_ecn_supported",
    "set_expose_pf_state",
    "get_expose_pf_state",
    "set_initmsg",
    "get_initmsg",
    "get_status",
    "get_peer_addr_info",
    "set_event",
    "set_events",
    "get_event",
    "set_rtoinfo",
    "get_rtoinfo",
    "set_associnfo",
    "get_associnfo",
    "set_peer_addr_params",
    "get_peer_addr_params",
    "set_default_sndinfo",
    "get_default_sndinfo",
    "set_default_prinfo",
    "get_default_prinfo",
    "set_adaptation_layer",
    "get_adaptation_layer",
    "set_primary_addr",
    "get_primary_addr",
    "set_peer_primary_addr",
    "set_delayed_sack",
    "get_delayed_sack",
    "reset_streams",
    "add_streams",
    "reset_assoc",
    "set_stream_scheduler_value",
    "get_stream_scheduler_value",
    "set_auth_chunk",
    "set_auth_key",
    "set_auth_active_key",
    "get_auth_active_key",
    "delete_auth_key",
    "deactivate_auth_key",
    "get_peer_auth_chunks",
    "get_local_auth_chunks",
    "set_hmac_ident",
    "get_hmac_ident",
    "get_pr_assoc_status",
    "get_pr_stream_status",
    "set_remote_udp_encaps_port",
    "get_remote_udp_encaps_port",
    "set_peer_addr_thlds",
    "get_peer_addr_thlds",
    "set_probe_interval",
    "get_probe_interval",
    "get_assoc_stats",
]

IPPROTO_SCTP: int = _sctp.IPPROTO_SCTP
SOL_SCTP: int = _sctp.SOL_SCTP

_STYLES = {"one-to-one": socket.SOCK_STREAM, "one-to-many": socket.SOCK_SEQPACKET}
_MSG_NOTIFICATION = _sctp.MSG_NOTIFICATION
_MSG_EOR = _sctp.MSG_EOR
_SCTP_RECVRCVINFO = 32  # linux/sctp.h; set before the options module is needed


def _timeout(sock: socket.socket) -> float:
    t = sock.gettimeout()
    return -1.0 if t is None else t


def resolve(family: int, addr: Address) -> Address:
    """Return ``addr`` with a numeric host, resolving a name if needed.

    ``""`` stays as is (the wildcard address of the socket's family)."""
    return _resolve(family, addr, wildcard=True)


def _resolve_all(family: int, addrs: Iterable[Address]) -> List[Address]:
    return [resolve(family, a) for a in _checks.check_addr_list(addrs)]


def sctp_socket(family: int = socket.AF_INET, style: str = "one-to-one") -> socket.socket:
    """Create an SCTP socket: ``style`` "one-to-one" (SOCK_STREAM) or
    "one-to-many" (SOCK_SEQPACKET).

    SCTP_RECVRCVINFO is switched on, so :func:`recvmsg` reports each
    message's stream, PPID, TSN and association.

    Where the kernel has no SCTP this raises :class:`OSError` with errno
    EPROTONOSUPPORT (or ESOCKTNOSUPPORT), its message saying to load the
    ``sctp`` kernel module or to run under the project's sandbox runner."""
    try:
        kind = _STYLES[style]
    except (KeyError, TypeError):
        raise ValueError(f"style must be 'one-to-one' or 'one-to-many', not {style!r}") from None
    sock = _nosctp.sctp_socket(family, kind)
    try:
        sock.setsockopt(SOL_SCTP, _SCTP_RECVRCVINFO, 1)
    except BaseException:
        sock.close()
        raise
    return sock


def _send_ints(stream: object, ppid: object, context: object, ttl: object,
               assoc_id: object) -> Tuple[int, int, int, int, int]:
    # The type rule (no bool; __index__ accepted, made an int for the C
    # core, which checks the ranges).
    idx = _checks.check_index
    return (idx(stream, "stream"), idx(ppid, "ppid"), idx(context, "context"),
            idx(ttl, "ttl"), idx(assoc_id, "assoc_id"))


def sendmsg(
    sock: socket.socket,
    data: Buffer,
    *,
    stream: int = 0,
    ppid: int = 0,
    unordered: bool = False,
    context: int = 0,
    ttl: int = 0,
    assoc_id: int = 0,
    to: Optional[Address] = None,
    eof: bool = False,
    abort: bool = False,
) -> int:
    """Send ``data`` as one SCTP message; return the number of bytes sent.

    ``data`` is any bytes-like object (not copied). ``ttl`` (ms, > 0) makes
    the message abandonable under PR-SCTP's TTL policy. ``to`` addresses a
    peer on a one-to-many socket (setting up an association if needed);
    ``assoc_id`` picks an association there. ``eof``/``abort`` (one-to-many
    only) shut down / abort the association; with ``abort``, ``data`` is
    the reason sent to the peer. A message is sent whole or not at all; a
    full nonblocking socket raises BlockingIOError, and a message larger
    than SO_SNDBUF raises OSError(EMSGSIZE) saying so."""
    stream, ppid, context, ttl, assoc_id = _send_ints(stream, ppid, context, ttl, assoc_id)
    flags = 0
    if _checks.check_bool(unordered, "unordered"):
        flags |= _sctp.SCTP_UNORDERED
    if _checks.check_bool(eof, "eof"):
        flags |= _sctp.SCTP_EOF
    if _checks.check_bool(abort, "abort"):
        flags |= _sctp.SCTP_ABORT
    if to is not None:
        to = resolve(sock.family, to)
    return _sctp.sendmsg(
        sock.fileno(), data, stream, ppid, flags, context, ttl, assoc_id, to, _timeout(sock)
    )


def read_notification_rest(
    fd: int, data: bytes, flags: int, bufsize: int, timeout: float
) -> Tuple[bytes, int]:
    """A notification larger than the buffer continues in the next reads (it
    is already queued whole): read it to its end (MSG_EOR). Returns the whole
    notification and the last read's flags."""
    parts = [data]
    while not flags & _MSG_EOR:
        more, flags, _, _, _ = _sctp.recvmsg(fd, bufsize, timeout)
        if not more:
            break
        parts.append(more)
    return b"".join(parts), flags


def _finish_notification(sock: socket.socket, data: bytes, flags: int, bufsize: int) -> Event:
    whole, _ = read_notification_rest(sock.fileno(), data, flags, bufsize, _timeout(sock))
    return events.decode(whole)


def recvmsg(sock: socket.socket, bufsize: int = 65536) -> Union[Message, Event, None]:
    """Receive one message (or the part of it that fits ``bufsize``) or one
    notification, as a :class:`Message` or an :mod:`aiosctp.events` event.

    Returns None at end of file on a one-to-one socket. A notification is
    always returned whole, whatever ``bufsize``."""
    bufsize, _ = _checks.check_recv_sizes(bufsize, 1)
    data, flags, addr, info, _ = _sctp.recvmsg(sock.fileno(), bufsize, _timeout(sock))
    if flags & _MSG_NOTIFICATION:
        return _finish_notification(sock, data, flags, bufsize)
    if not data and not flags:
        return None
    return Message.from_recv(data, flags, addr, info)


def recvmsgs(
    sock: socket.socket, bufsize: int = 65536, max_messages: int = 64, *, wait: bool = False
) -> List[Union[Message, Event]]:
    """Receive up to ``max_messages`` queued messages and notifications with
    one ``recvmmsg`` call. Each keeps its boundaries and its own receive
    information. End of file gives an empty list.

    Without ``wait`` it does not wait: an empty queue raises BlockingIOError
    whatever the socket's mode. With ``wait=True`` the socket's mode decides
    for the first message, as for :func:`recvmsg` (a blocking socket waits
    for one, then takes what else is queued: MSG_WAITFORONE, no poll()
    needed).

    Keep ``bufsize * max_messages`` near a few hundred KiB for large
    messages: every message comes out as a new bytes object, and megabytes
    of them per call make the C library grow and trim its heap each time,
    one page fault per fresh page (costly under user-mode Linux). The
    asyncio transport caps a read at ``RECV_BATCH_BYTES`` (256 KiB)."""
    bufsize, max_messages = _checks.check_recv_sizes(bufsize, max_messages)
    out: List[Union[Message, Event]] = []
    fd = sock.fileno()
    items = (
        _sctp.recvmsgs(fd, bufsize, max_messages, _timeout(sock))
        if wait
        else _sctp.recvmsgs(fd, bufsize, max_messages)
    )
    for data, flags, addr, info, _ in items:
        if flags & _MSG_NOTIFICATION:
            out.append(_finish_notification(sock, data, flags, bufsize))
        elif data or flags:
            out.append(Message.from_recv(data, flags, addr, info))
    return out


def sendmsgs(
    sock: socket.socket,
    messages: Sequence[Tuple[Buffer, int, int]],
    *,
    unordered: bool = False,
    assoc_id: int = 0,
    to: Optional[Address] = None,
) -> int:
    """Send several messages, each ``(data, stream, ppid)``, with one
    ``sendmmsg`` call. Returns how many were sent, a prefix of the list
    (fewer when the socket filled up); raises only if none could be sent."""
    flags = _sctp.SCTP_UNORDERED if _checks.check_bool(unordered, "unordered") else 0
    if to is not None:
        to = resolve(sock.family, to)
    batch = []
    for data, stream, ppid in messages:
        s, p, _, _, a = _send_ints(stream, ppid, 0, 0, assoc_id)
        batch.append((data, s, p, flags, 0, 0, a, to))
    return _sctp.sendmsgs(sock.fileno(), batch, _timeout(sock))


def bindx(sock: socket.socket, addrs: Sequence[Address], add: bool = True) -> None:
    """Add (``add=True``) or remove local addresses: sctp_bindx().

    IPv4 and IPv6 addresses may be mixed on an AF_INET6 socket; all must
    have the same port. The first call on an unbound socket binds it."""
    flags = _sctp.SCTP_BINDX_ADD_ADDR if add else _sctp.SCTP_BINDX_REM_ADDR
    _sctp.bindx(sock.fileno(), sock.family, _resolve_all(sock.family, addrs), flags)


def connectx(sock: socket.socket, addrs: Sequence[Address]) -> int:
    """Associate with a peer known by several addresses: sctp_connectx().

    Returns the association id; on a nonblocking socket it is returned
    while the handshake is still in progress (the socket becomes writable
    when it completes)."""
    return _sctp.connectx(
        sock.fileno(), sock.family, _resolve_all(sock.family, addrs), _timeout(sock)
    )


def peeloff(sock: socket.socket, assoc_id: int) -> socket.socket:
    """Branch association ``assoc_id`` off a one-to-many socket into a new
    one-to-one socket, which gets the same timeout mode as ``sock``."""
    fd = _sctp.peeloff(sock.fileno(), assoc_id)
    try:
        new = socket.socket(sock.family, socket.SOCK_STREAM, IPPROTO_SCTP, fileno=fd)
    except BaseException:
        os.close(fd)
        raise
    new.settimeout(sock.gettimeout())
    return new


def getpaddrs(sock: socket.socket, assoc_id: int = 0) -> List[Address]:
    """The peer's addresses of an association (``assoc_id`` 0: the one
    association of a one-to-one socket)."""
    return _sctp.getpaddrs(sock.fileno(), assoc_id)


def getladdrs(sock: socket.socket, assoc_id: int = 0) -> List[Address]:
    """The local addresses of an association, or of the socket (0)."""
    return _sctp.getladdrs(sock.fileno(), assoc_id)


def get_assoc_ids(sock: socket.socket) -> List[int]:
    """The ids of the associations of a one-to-many socket."""
    return _sctp.get_assoc_ids(sock.fileno())


def _event_types(event_classes: Sequence[Type[Event]]) -> List[int]:
    types = []
    for cls in event_classes:
        if not (isinstance(cls, type) and issubclass(cls, Event)) or cls.event_type < 0:
            raise TypeError(f"expected an event class from aiosctp.events, not {cls!r}")
        types.append(cls.event_type)
    return types


#: Whether this build has SCTP_EVENT (headers newer than Linux 4.18's);
#: without it subscriptions go through the classic SCTP_EVENTS.
_HAVE_SCTP_EVENT = hasattr(_sctp, "SCTP_EVENT")
#: struct sctp_event_subscribe as Linux 4.18 has it: one byte per
#: notification type from SCTP_DATA_IO_EVENT to SCTP_STREAM_CHANGE_EVENT.
_EVENTS_LEN_418 = 13


def _set_events_classic(sock: socket.socket, types: Sequence[int], on: bool,
                        assoc_id: int) -> None:
    """Subscribe through SCTP_EVENTS (endpoint-wide), for a build whose
    headers lack SCTP_EVENT. SendFailed then comes as the older
    SCTP_SEND_FAILED notification, which decodes to the same class."""
    if assoc_id:
        raise _uapi.not_built("SCTP_EVENT (a subscription per association)")
    raw = bytearray(
        sock.getsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, _EVENTS_LEN_418).ljust(
            _EVENTS_LEN_418, b"\0"))
    for t in types:
        if t == _uapi.SCTP_SEND_FAILED_EVENT:
            t = _sctp.SCTP_SEND_FAILED
        i = t - _uapi.SCTP_DATA_IO_EVENT
        if not 0 <= i < _EVENTS_LEN_418:
            raise _uapi.not_built(f"SCTP_EVENT (notification type {t:#x})")
        raw[i] = 1 if on else 0
    sock.setsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, bytes(raw))


def subscribe(sock: socket.socket, *event_classes: Type[Event], assoc_id: int = 0) -> None:
    """Switch on the notifications of the given :mod:`aiosctp.events`
    classes (SCTP_EVENT), e.g. ``subscribe(sock, events.AssocChange)``.
    With no class, subscribes to all of them. (A build against kernel
    headers older than SCTP_EVENT uses SCTP_EVENTS: the endpoint only,
    ``assoc_id`` other than 0 raises OSError(ENOPROTOOPT).)"""
    _switch_events(sock, event_classes, True, assoc_id)


def unsubscribe(sock: socket.socket, *event_classes: Type[Event], assoc_id: int = 0) -> None:
    """Switch off the notifications of the given classes (all if none)."""
    _switch_events(sock, event_classes, False, assoc_id)


def _switch_events(sock: socket.socket, event_classes: Sequence[Type[Event]], on: bool,
                   assoc_id: int) -> None:
    types = _event_types(event_classes or events.ALL_EVENTS)
    if not _HAVE_SCTP_EVENT:
        _set_events_classic(sock, types, on, assoc_id)
        return
    for t in types:
        set_event(sock, t, on, assoc_id)


def abort(sock: socket.socket) -> None:
    """Abort the association of a one-to-one socket and close the socket:
    SO_LINGER with a zero timeout makes close() send ABORT at once."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
