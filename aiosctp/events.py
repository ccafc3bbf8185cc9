"""Typed SCTP notifications (RFC 6458 section 6).

Every notification the Linux kernel delivers becomes one frozen dataclass;
anything else, or a notification too short to hold its fixed part, becomes
:class:`Unknown` with the raw bytes. Each class carries ``event_type``, the
``SCTP_*`` number to subscribe to it: pass the classes themselves to
:func:`aiosctp.lowlevel.subscribe`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, FrozenSet, Iterable, Optional, Tuple, Type, Union

from . import _sctp, _uapi

__all__ = [
    "AssocChangeState",
    "PeerAddrState",
    "Feature",
    "Event",
    "SendInfo",
    "AssocChange",
    "PeerAddrChange",
    "SendFailed",
    "RemoteError",
    "Shutdown",
    "PartialDelivery",
    "AdaptationIndication",
    "AuthKey",
    "SenderDry",
    "StreamReset",
    "AssocReset",
    "StreamChange",
    "Unknown",
    "ALL_EVENTS",
    "ALL",
    "DEFAULT",
    "decode",
]

Address = Tuple[object, ...]


class _NamedIntEnum(enum.IntEnum):
    """An IntEnum that prints by name (``str()``, ``print()``, ``f"{x}"``);
    ``repr()`` and numeric formats (``f"{x:d}"``) still show the number."""

    def __str__(self) -> str:
        return self._name_

    def __format__(self, spec: str) -> str:
        if spec:
            return int.__format__(int(self), spec)
        return self._name_


class AssocChangeState(_NamedIntEnum):
    """``sac_state`` of an :class:`AssocChange`."""

    COMM_UP = _sctp.SCTP_COMM_UP
    COMM_LOST = _sctp.SCTP_COMM_LOST
    RESTART = _sctp.SCTP_RESTART
    SHUTDOWN_COMP = _sctp.SCTP_SHUTDOWN_COMP
    CANT_STR_ASSOC = _sctp.SCTP_CANT_STR_ASSOC


class PeerAddrState(_NamedIntEnum):
    """``spc_state`` of a :class:`PeerAddrChange`."""

    ADDR_AVAILABLE = _sctp.SCTP_ADDR_AVAILABLE
    ADDR_UNREACHABLE = _sctp.SCTP_ADDR_UNREACHABLE
    ADDR_REMOVED = _sctp.SCTP_ADDR_REMOVED
    ADDR_ADDED = _sctp.SCTP_ADDR_ADDED
    ADDR_MADE_PRIM = _sctp.SCTP_ADDR_MADE_PRIM
    ADDR_CONFIRMED = _sctp.SCTP_ADDR_CONFIRMED
    ADDR_POTENTIALLY_FAILED = _uapi.SCTP_ADDR_POTENTIALLY_FAILED


class Feature(_NamedIntEnum):
    """Features the peer supports, listed in COMM_UP/RESTART (RFC 6458 6.1.1)."""

    PR = 1
    AUTH = 2
    ASCONF = 3
    MULTIBUF = 4
    RE_CONFIG = 5
    INTLEAVE = 6


def _enum(cls: Callable[[int], Any], value: int) -> Any:
    # An unknown value (a newer kernel) stays a plain int rather than failing.
    try:
        return cls(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Event:
    """Base of every notification. ``event_type`` is the SCTP_* type."""

    event_type: ClassVar[int] = -1


@dataclass(frozen=True)
class SendInfo:
    """The send information of a message that could not be delivered."""

    stream: int
    flags: int
    ppid: int
    context: int
    assoc_id: int


@dataclass(frozen=True)
class AssocChange(Event):
    """An association came up, was lost, restarted, shut down or failed."""

    event_type: ClassVar[int] = _sctp.SCTP_ASSOC_CHANGE
    state: AssocChangeState
    error: int
    outbound_streams: int
    inbound_streams: int
    assoc_id: int
    #: For COMM_UP/RESTART, the features the association supports.
    supported_features: Tuple[int, ...] = ()
    #: For COMM_LOST/CANT_STR_ASSOC, the ABORT chunk if the kernel gave it.
    info: bytes = b""


@dataclass(frozen=True)
class PeerAddrChange(Event):
    """A destination address of the peer changed state."""

    event_type: ClassVar[int] = _sctp.SCTP_PEER_ADDR_CHANGE
    address: Address
    state: PeerAddrState
    error: int
    assoc_id: int


@dataclass(frozen=True)
class SendFailed(Event):
    """A message could not be delivered; ``data`` is its undelivered payload.

    ``sent`` is False when the data never left (SCTP_DATA_UNSENT) and True
    when it was sent but not acknowledged (SCTP_DATA_SENT)."""

    event_type: ClassVar[int] = _uapi.SCTP_SEND_FAILED_EVENT
    error: int
    sent: bool
    info: SendInfo
    assoc_id: int
    data: bytes


@dataclass(frozen=True)
class RemoteError(Event):
    """The peer sent an OPERATION ERROR; ``error`` is the cause code."""

    event_type: ClassVar[int] = _sctp.SCTP_REMOTE_ERROR
    error: int
    assoc_id: int
    data: bytes


@dataclass(frozen=True)
class Shutdown(Event):
    """The peer sent SHUTDOWN: no more data will arrive from it."""

    event_type: ClassVar[int] = _sctp.SCTP_SHUTDOWN_EVENT
    assoc_id: int


@dataclass(frozen=True)
class PartialDelivery(Event):
    """Partial delivery of a message was aborted."""

    event_type: ClassVar[int] = _sctp.SCTP_PARTIAL_DELIVERY_EVENT
    indication: int
    stream: int
    seq: int
    assoc_id: int


@dataclass(frozen=True)
class AdaptationIndication(Event):
    """The peer's adaptation layer indication (RFC 5061)."""

    event_type: ClassVar[int] = _sctp.SCTP_ADAPTATION_INDICATION
    adaptation_ind: int
    assoc_id: int


@dataclass(frozen=True)
class AuthKey(Event):
    """AUTH key events: a new active key, a key freed, or no AUTH."""

    event_type: ClassVar[int] = _sctp.SCTP_AUTHENTICATION_EVENT
    keynumber: int
    altkeynumber: int
    indication: int
    assoc_id: int


@dataclass(frozen=True)
class SenderDry(Event):
    """Everything sent has been acknowledged; nothing is queued."""

    event_type: ClassVar[int] = _sctp.SCTP_SENDER_DRY_EVENT
    assoc_id: int


@dataclass(frozen=True)
class StreamReset(Event):
    """Streams were reset (RFC 6525); ``flags`` say which way and if it failed."""

    event_type: ClassVar[int] = _sctp.SCTP_STREAM_RESET_EVENT
    flags: int
    streams: Tuple[int, ...]
    assoc_id: int


@dataclass(frozen=True)
class AssocReset(Event):
    """The association's TSNs were reset (RFC 6525)."""

    event_type: ClassVar[int] = _sctp.SCTP_ASSOC_RESET_EVENT
    flags: int
    local_tsn: int
    remote_tsn: int
    assoc_id: int


@dataclass(frozen=True)
class StreamChange(Event):
    """Streams were added (RFC 6525); the new stream counts."""

    event_type: ClassVar[int] = _sctp.SCTP_STREAM_CHANGE_EVENT
    flags: int
    instreams: int
    outstreams: int
    assoc_id: int


@dataclass(frozen=True)
class Unknown(Event):
    """A notification this version does not know, or one cut short."""

    type: int
    raw: bytes


#: Every notification class, for ``subscribe(sock, *ALL_EVENTS)``.
ALL_EVENTS: Tuple[Type[Event], ...] = (
    AssocChange,
    PeerAddrChange,
    SendFailed,
    RemoteError,
    Shutdown,
    PartialDelivery,
    AdaptationIndication,
    AuthKey,
    SenderDry,
    StreamReset,
    AssocReset,
    StreamChange,
)

#: Subscribe to every notification: ``connect(..., events=aiosctp.events.ALL)``.
ALL: FrozenSet[Type[Event]] = frozenset(ALL_EVENTS)

#: What :func:`aiosctp.connect`, :func:`aiosctp.serve`,
#: :func:`aiosctp.create_sctp_connection` and :func:`aiosctp.create_sctp_server`
#: subscribe to when ``events`` is not given: what a signalling application
#: acts on -- association changes, peer address changes, send failures (with
#: their data), the peer's SHUTDOWN, remote (OPERATION ERROR) errors, partial
#: delivery aborts, adaptation indications, authentication key events, and
#: stream/association resets and stream changes (RFC 6525). Everything but
#: :class:`SenderDry`, which comes about once per message sent.
DEFAULT: FrozenSet[Type[Event]] = frozenset(e for e in ALL_EVENTS if e is not SenderDry)

#: What the asyncio transport acts on itself (the association's end, the
#: peer's SHUTDOWN, send failures, aborted partial deliveries, new stream
#: counts): subscribed whatever ``events`` says, and passed on to the
#: protocol only when asked for.
TRANSPORT_NEEDS: FrozenSet[Type[Event]] = frozenset(
    (AssocChange, Shutdown, SendFailed, PartialDelivery, StreamChange)
)


def event_set(
    value: "Optional[Iterable[Type[Event]]]", name: str = "events"
) -> FrozenSet[Type[Event]]:
    """Check an ``events=`` argument: None gives :data:`DEFAULT`; else an
    iterable of the notification classes of this module (TypeError
    otherwise: a string, an instance, :class:`Unknown` ...)."""
    if value is None:
        return DEFAULT
    if isinstance(value, (str, bytes, type)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be an iterable of aiosctp.events classes "
            f"(e.g. aiosctp.events.ALL), not {value!r}"
        )
    out = []
    for cls in value:
        if not (isinstance(cls, type) and issubclass(cls, Event)) or cls.event_type < 0:
            raise TypeError(f"{name}: expected a notification class of aiosctp.events, not {cls!r}")
        out.append(cls)
    return frozenset(out)


# The C decoder returns (type, flags, ...) tuples documented in _sctp.pyi.
_Fields = Tuple[Any, ...]


def _assoc_change(f: _Fields) -> Event:
    _, _, state, error, outs, ins, assoc_id, info = f
    features: Tuple[int, ...] = ()
    if state in (_sctp.SCTP_COMM_UP, _sctp.SCTP_RESTART):
        features = tuple(_enum(Feature, b) for b in info)
        info = b""
    return AssocChange(_enum(AssocChangeState, state), error, outs, ins, assoc_id, features, info)


def _paddr_change(f: _Fields) -> Event:
    _, _, addr, state, error, assoc_id = f
    return PeerAddrChange(addr, _enum(PeerAddrState, state), error, assoc_id)


def _send_failed(f: _Fields) -> Event:
    _, flags, error, info, assoc_id, data = f
    return SendFailed(error, flags == _sctp.SCTP_DATA_SENT, SendInfo(*info), assoc_id, data)


def _in_order(cls: Type[Event]) -> Callable[[_Fields], Event]:
    # For the notifications whose fields after (type, flags) are the class's, in order.
    return lambda f: cls(*f[2:])


def _stream_reset(f: _Fields) -> Event:
    _, flags, assoc_id, streams = f
    return StreamReset(flags, tuple(streams), assoc_id)


def _assoc_reset(f: _Fields) -> Event:
    _, flags, assoc_id, ltsn, rtsn = f
    return AssocReset(flags, ltsn, rtsn, assoc_id)


def _stream_change(f: _Fields) -> Event:
    _, flags, assoc_id, ins, outs = f
    return StreamChange(flags, ins, outs, assoc_id)


_DECODERS: Dict[int, Callable[[_Fields], Event]] = {
    _sctp.SCTP_ASSOC_CHANGE: _assoc_change,
    _sctp.SCTP_PEER_ADDR_CHANGE: _paddr_change,
    _sctp.SCTP_SEND_FAILED: _send_failed,
    _uapi.SCTP_SEND_FAILED_EVENT: _send_failed,
    _sctp.SCTP_REMOTE_ERROR: _in_order(RemoteError),
    _sctp.SCTP_SHUTDOWN_EVENT: _in_order(Shutdown),
    _sctp.SCTP_PARTIAL_DELIVERY_EVENT: _in_order(PartialDelivery),
    _sctp.SCTP_ADAPTATION_INDICATION: _in_order(AdaptationIndication),
    _sctp.SCTP_AUTHENTICATION_EVENT: _in_order(AuthKey),
    _sctp.SCTP_SENDER_DRY_EVENT: _in_order(SenderDry),
    _sctp.SCTP_STREAM_RESET_EVENT: _stream_reset,
    _sctp.SCTP_ASSOC_RESET_EVENT: _assoc_reset,
    _sctp.SCTP_STREAM_CHANGE_EVENT: _stream_change,
}


def decode(raw: Union[bytes, bytearray, memoryview]) -> Event:
    """Decode one whole notification as read with MSG_NOTIFICATION set.

    Never raises on bad input: what cannot be decoded is :class:`Unknown`."""
    fields = _sctp.decode_notification(raw)
    ntype = fields[0]
    decoder: Optional[Callable[[_Fields], Event]] = None
    if fields[1] is not None:
        decoder = _DECODERS.get(ntype)
    if decoder is None:
        return Unknown(ntype, bytes(raw))
    return decoder(fields)
