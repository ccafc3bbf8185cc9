"""Typed SCTP socket options (RFC 6458 sections 7 and 8, and the Linux ones).

Every function takes an SCTP ``socket.socket`` first (one-to-one
``SOCK_STREAM`` or one-to-many ``SOCK_SEQPACKET``) and works on its file
descriptor at level ``SOL_SCTP``; a closed socket raises ``OSError(EBADF)``.
Getters are named ``get_<option>`` and setters ``set_<option>``; values are
plain ints and bools, or frozen dataclasses for structured options.

``assoc_id`` selects the association on a one-to-many socket; 0
(``SCTP_FUTURE_ASSOC``) means the endpoint: the defaults that associations
created from now on inherit. On a one-to-one socket the id is ignored: the
socket's own association is used when it has one, else the endpoint.

Addresses are tuples as in the :mod:`socket` module, ``(host, port)`` or
``(host, port, flowinfo, scope_id)``; a host name is resolved (with the
socket's family) before the call.  PPIDs and UDP ports are host-order ints;
they are converted to the network byte order the kernel wants.  Times are in
milliseconds unless said otherwise.

Errors: a wrong type raises :class:`TypeError`; a number outside the range
of its field :class:`OverflowError` (or :class:`ValueError` for an invalid
choice); a refusal by the kernel the :class:`OSError` subclass of its errno
(e.g. ``EINVAL`` for an association id that does not exist, ``ENOPROTOOPT``
for an option this kernel lacks).
"""

from __future__ import annotations

import enum
import errno
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Tuple, Union

from . import _sctp, _uapi
from .events import _NamedIntEnum

Address = Tuple[Any, ...]
Buffer = Union[bytes, bytearray, memoryview]


# ---- enums -------------------------------------------------------------------


class _OpenIntEnum(_NamedIntEnum):
    """An IntEnum that keeps values it does not know (from a newer kernel)
    as pseudo-members named ``UNKNOWN_<value>`` instead of failing, and
    prints by name as the notification enums do (``str()``, ``print()``,
    ``f"{x}"``: ``ESTABLISHED``); ``repr()`` and numeric formats
    (``f"{x:d}"``) still give the number."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class AssocState(_OpenIntEnum):
    """State of an association (``sstat_state`` of SCTP_STATUS)."""

    EMPTY = _sctp.SCTP_EMPTY
    CLOSED = _sctp.SCTP_CLOSED
    COOKIE_WAIT = _sctp.SCTP_COOKIE_WAIT
    COOKIE_ECHOED = _sctp.SCTP_COOKIE_ECHOED
    ESTABLISHED = _sctp.SCTP_ESTABLISHED
    SHUTDOWN_PENDING = _sctp.SCTP_SHUTDOWN_PENDING
    SHUTDOWN_SENT = _sctp.SCTP_SHUTDOWN_SENT
    SHUTDOWN_RECEIVED = _sctp.SCTP_SHUTDOWN_RECEIVED
    SHUTDOWN_ACK_SENT = _sctp.SCTP_SHUTDOWN_ACK_SENT


class AddrState(_OpenIntEnum):
    """Reachability of one peer address (``spinfo_state``)."""

    INACTIVE = _sctp.SCTP_INACTIVE
    #: potentially failed (RFC 7829); reported as such only when the socket
    #: exposes it (:func:`set_expose_pf_state`), else as ACTIVE
    PF = _sctp.SCTP_PF
    ACTIVE = _sctp.SCTP_ACTIVE
    #: learnt from the peer's INIT/INIT-ACK, not yet confirmed by a heartbeat
    UNCONFIRMED = _sctp.SCTP_UNCONFIRMED
    UNKNOWN = _sctp.SCTP_UNKNOWN


class SppFlags(enum.IntFlag):
    """``flags`` of :class:`PeerAddrParams` (SPP_*)."""

    NONE = 0
    HB_ENABLE = _sctp.SPP_HB_ENABLE
    HB_DISABLE = _sctp.SPP_HB_DISABLE
    HB_DEMAND = _sctp.SPP_HB_DEMAND
    PMTUD_ENABLE = _sctp.SPP_PMTUD_ENABLE
    PMTUD_DISABLE = _sctp.SPP_PMTUD_DISABLE
    SACKDELAY_ENABLE = _sctp.SPP_SACKDELAY_ENABLE
    SACKDELAY_DISABLE = _sctp.SPP_SACKDELAY_DISABLE
    HB_TIME_IS_ZERO = _sctp.SPP_HB_TIME_IS_ZERO
    IPV6_FLOWLABEL = _uapi.SPP_IPV6_FLOWLABEL
    DSCP = _uapi.SPP_DSCP


class PrPolicy(_OpenIntEnum):
    """PR-SCTP policies (RFC 7496). ``ALL`` is only for the status queries
    (:func:`get_pr_assoc_status`, :func:`get_pr_stream_status`)."""

    NONE = _sctp.SCTP_PR_SCTP_NONE
    #: abandon after ``value`` milliseconds
    TTL = _sctp.SCTP_PR_SCTP_TTL
    #: abandon after ``value`` retransmissions
    RTX = _sctp.SCTP_PR_SCTP_RTX
    #: drop lower-priority (higher ``value``) messages when the send buffer is full
    PRIO = _sctp.SCTP_PR_SCTP_PRIO
    ALL = _uapi.SCTP_PR_SCTP_ALL


class StreamResetFlags(enum.IntFlag):
    """Which stream reconfiguration requests are allowed
    (:func:`set_enable_stream_reset`, SCTP_ENABLE_*_REQ)."""

    NONE = 0
    RESET_STREAM_REQ = _sctp.SCTP_ENABLE_RESET_STREAM_REQ
    RESET_ASSOC_REQ = _sctp.SCTP_ENABLE_RESET_ASSOC_REQ
    CHANGE_ASSOC_REQ = _sctp.SCTP_ENABLE_CHANGE_ASSOC_REQ
    ALL = _sctp.SCTP_ENABLE_STRRESET_MASK


class StreamScheduler(_OpenIntEnum):
    """Outgoing stream schedulers (RFC 8260) known to the build headers."""

    FCFS = _sctp.SCTP_SS_FCFS
    PRIO = _sctp.SCTP_SS_PRIO
    RR = _sctp.SCTP_SS_RR


class HmacId(_OpenIntEnum):
    """HMAC algorithms of SCTP AUTH (RFC 4895)."""

    SHA1 = _sctp.SCTP_AUTH_HMAC_ID_SHA1
    SHA256 = _sctp.SCTP_AUTH_HMAC_ID_SHA256


class PfExpose(_OpenIntEnum):
    """SCTP_EXPOSE_POTENTIALLY_FAILED_STATE values (Linux)."""

    #: follow the net.sctp.pf_expose sysctl
    UNSET = 0
    DISABLE = 1
    ENABLE = 2


# ---- dataclasses ---------------------------------------------------------------


@dataclass(frozen=True)
class InitMsg:
    """SCTP_INITMSG: what INIT announces for new associations."""

    ostreams: int
    instreams: int
    max_attempts: int
    max_init_timeo: int


@dataclass(frozen=True)
class PeerAddrInfo:
    """One peer address of an association (SCTP_GET_PEER_ADDR_INFO).

    ``cwnd`` and ``mtu`` in bytes, ``rto`` in ms. ``srtt`` is what Linux
    reports: kernel ticks (jiffies, 1/HZ s), not the milliseconds of
    RFC 6458, and 0 for RTTs below a tick."""

    assoc_id: int
    address: Optional[Address]
    state: AddrState
    cwnd: int
    srtt: int
    rto: int
    mtu: int


@dataclass(frozen=True)
class Status:
    """SCTP_STATUS of an association."""

    assoc_id: int
    state: AssocState
    rwnd: int
    unackdata: int
    penddata: int
    instreams: int
    outstreams: int
    fragmentation_point: int
    primary: PeerAddrInfo


@dataclass(frozen=True)
class RtoInfo:
    """SCTP_RTOINFO (milliseconds)."""

    initial: int
    max: int
    min: int


@dataclass(frozen=True)
class AssocInfo:
    """SCTP_ASSOCINFO."""

    asocmaxrxt: int
    number_peer_destinations: int
    peer_rwnd: int
    local_rwnd: int
    cookie_life: int


@dataclass(frozen=True)
class PeerAddrParams:
    """SCTP_PEER_ADDR_PARAMS of a peer address, association or endpoint.

    ``hbinterval``, ``sackdelay`` in ms; ``pathmtu`` in bytes; ``dscp`` is the
    DS field byte as the kernel keeps it (the DSCP shifted left by 2)."""

    address: Optional[Address]
    hbinterval: int
    pathmaxrxt: int
    pathmtu: int
    sackdelay: int
    flags: SppFlags
    ipv6_flowlabel: int
    dscp: int


@dataclass(frozen=True)
class SndInfo:
    """SCTP_DEFAULT_SNDINFO: what send() without ancillary data uses.
    ``ppid`` is host order."""

    stream: int
    flags: int
    ppid: int
    context: int
    assoc_id: int


@dataclass(frozen=True)
class PrInfo:
    """SCTP_DEFAULT_PRINFO: default PR-SCTP policy and its value."""

    policy: PrPolicy
    value: int


@dataclass(frozen=True)
class SackInfo:
    """SCTP_DELAYED_SACK: delay (ms) and frequency (packets) of SACKs."""

    delay: int
    freq: int


@dataclass(frozen=True)
class PrStatus:
    """Counts of abandoned messages (SCTP_PR_ASSOC/STREAM_STATUS)."""

    abandoned_unsent: int
    abandoned_sent: int


@dataclass(frozen=True)
class PeerAddrThlds:
    """SCTP_PEER_ADDR_THLDS(_V2): retransmission thresholds of a path.

    ``pathcpthld`` (the "primary path switchover" threshold, 65535: off) is
    None on kernels with only the first version of the option."""

    pathmaxrxt: int
    pathpfthld: int
    pathcpthld: Optional[int]


@dataclass(frozen=True)
class AssocStats:
    """SCTP_GET_ASSOC_STATS counters of an association.

    ``maxrto`` and ``obs_rto_address`` are the largest RTO observed since
    the previous call and the path it was seen on; each call resets them.
    Linux reports ``maxrto`` in kernel ticks (jiffies), not milliseconds."""

    obs_rto_address: Optional[Address]
    maxrto: int
    isacks: int
    osacks: int
    opackets: int
    ipackets: int
    rtxchunks: int
    outofseqtsns: int
    idupchunks: int
    gapcnt: int
    ouodchunks: int
    iuodchunks: int
    oodchunks: int
    iodchunks: int
    octrlchunks: int
    ictrlchunks: int


# ---- helpers -------------------------------------------------------------------


def _fd(sock: socket.socket) -> int:
    try:
        fileno = sock.fileno
    except AttributeError:
        raise TypeError(f"expected a socket, not {type(sock).__name__}") from None
    fd: int = fileno()
    return fd


def _bool(value: object, name: str = "on") -> int:
    if not isinstance(value, int):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return 1 if value else 0


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return int(value)


def _resolve(family: int, address: Address, wildcard: bool) -> Address:
    """Validate an address tuple; resolve a host name with ``family``. The
    wildcard host ``""`` is kept when ``wildcard``, else refused."""
    if not isinstance(address, tuple) or len(address) < 2:
        raise TypeError(f"address must be a tuple (host, port), not {address!r}")
    host = address[0]
    if not isinstance(host, str):
        raise TypeError(f"host must be a str, not {type(host).__name__}")
    if host == "":
        if wildcard:
            return address
        raise ValueError("the wildcard address '' is not a peer or local address")
    try:
        return _sctp.check_sockaddr(address, family)
    except ValueError:
        pass
    fam = family if family in (socket.AF_INET, socket.AF_INET6) else 0
    infos = socket.getaddrinfo(host, address[1], fam, socket.SOCK_STREAM)
    return tuple(infos[0][4])


def _addr(sock: socket.socket, address: Optional[Address]) -> Optional[Address]:
    """Validate an address tuple; resolve a host name with the socket's family."""
    if address is None:
        return None
    return _resolve(sock.family, address, wildcard=False)


def _need_addr(sock: socket.socket, address: Address) -> Address:
    if address is None:
        raise TypeError("an address tuple is required")
    resolved = _addr(sock, address)
    assert resolved is not None
    return resolved


def _paddrinfo(t: Tuple[Any, ...]) -> PeerAddrInfo:
    assoc_id, address, state, cwnd, srtt, rto, mtu = t
    return PeerAddrInfo(assoc_id, address, AddrState(state), cwnd, srtt, rto, mtu)


def _get_int(sock: socket.socket, opt: int) -> int:
    value: int = _sctp.getsockopt_int(_fd(sock), opt)
    return value


def _set_int(sock: socket.socket, opt: int, value: int) -> None:
    _sctp.setsockopt_int(_fd(sock), opt, value)


def _get_av(sock: socket.socket, opt: int, assoc_id: int) -> int:
    value: int = _sctp.get_assoc_value(_fd(sock), opt, assoc_id)
    return value


def _set_av(sock: socket.socket, opt: int, assoc_id: int, value: int) -> None:
    _sctp.set_assoc_value(_fd(sock), opt, assoc_id, value)


# ---- plain int / bool options -----------------------------------------------------


def set_nodelay(sock: socket.socket, on: bool = True) -> None:
    """SCTP_NODELAY: send each message at once instead of bundling small
    ones (Nagle). Needed for request/response traffic, which otherwise waits
    for the peer's delayed SACK (200 ms)."""
    _set_int(sock, _sctp.SCTP_NODELAY, _bool(on))


def get_nodelay(sock: socket.socket) -> bool:
    """Whether SCTP_NODELAY is on."""
    return bool(_get_int(sock, _sctp.SCTP_NODELAY))


def set_autoclose(sock: socket.socket, seconds: int) -> None:
    """SCTP_AUTOCLOSE: on a one-to-many socket, shut down associations idle
    for ``seconds`` (0: never). The kernel caps it at the
    net.sctp.max_autoclose sysctl. One-to-one sockets refuse it
    (``EOPNOTSUPP``)."""
    _set_int(sock, _sctp.SCTP_AUTOCLOSE, _int(seconds, "seconds"))


def get_autoclose(sock: socket.socket) -> int:
    """SCTP_AUTOCLOSE in seconds (0: off)."""
    return _get_int(sock, _sctp.SCTP_AUTOCLOSE)


def set_disable_fragments(sock: socket.socket, on: bool = True) -> None:
    """SCTP_DISABLE_FRAGMENTS: refuse (``EMSGSIZE``) to send a message larger
    than the fragmentation point instead of fragmenting it."""
    _set_int(sock, _sctp.SCTP_DISABLE_FRAGMENTS, _bool(on))


def get_disable_fragments(sock: socket.socket) -> bool:
    """Whether SCTP_DISABLE_FRAGMENTS is on."""
    return bool(_get_int(sock, _sctp.SCTP_DISABLE_FRAGMENTS))


def set_mapped_v4(sock: socket.socket, on: bool = True) -> None:
    """SCTP_I_WANT_MAPPED_V4_ADDR: on an AF_INET6 socket, report IPv4 peers
    as IPv4-mapped IPv6 addresses (``::ffff:a.b.c.d``)."""
    _set_int(sock, _sctp.SCTP_I_WANT_MAPPED_V4_ADDR, _bool(on))


def get_mapped_v4(sock: socket.socket) -> bool:
    """Whether SCTP_I_WANT_MAPPED_V4_ADDR is on."""
    return bool(_get_int(sock, _sctp.SCTP_I_WANT_MAPPED_V4_ADDR))


def set_fragment_interleave(sock: socket.socket, level: int) -> None:
    """SCTP_FRAGMENT_INTERLEAVE: 0 no interleaving of partial deliveries,
    1 interleave across associations, 2 also across streams (RFC 6458 8.1.20).
    Linux keeps only on/off: reading back a 2 gives 1."""
    _set_int(sock, _sctp.SCTP_FRAGMENT_INTERLEAVE, _int(level, "level"))


def get_fragment_interleave(sock: socket.socket) -> int:
    """The SCTP_FRAGMENT_INTERLEAVE level."""
    return _get_int(sock, _sctp.SCTP_FRAGMENT_INTERLEAVE)


def set_partial_delivery_point(sock: socket.socket, nbytes: int) -> None:
    """SCTP_PARTIAL_DELIVERY_POINT: start delivering a large message in parts
    once this many bytes of it are queued (0: the receive buffer decides).
    Linux refuses (``EINVAL``) more than half the socket's receive buffer."""
    _set_int(sock, _sctp.SCTP_PARTIAL_DELIVERY_POINT, _int(nbytes, "nbytes"))


def get_partial_delivery_point(sock: socket.socket) -> int:
    """SCTP_PARTIAL_DELIVERY_POINT in bytes."""
    return _get_int(sock, _sctp.SCTP_PARTIAL_DELIVERY_POINT)


def set_recvrcvinfo(sock: socket.socket, on: bool = True) -> None:
    """SCTP_RECVRCVINFO: attach SCTP_RCVINFO (stream, PPID, TSN, context,
    association) to each received message."""
    _set_int(sock, _sctp.SCTP_RECVRCVINFO, _bool(on))


def get_recvrcvinfo(sock: socket.socket) -> bool:
    """Whether SCTP_RECVRCVINFO is on."""
    return bool(_get_int(sock, _sctp.SCTP_RECVRCVINFO))


def set_recvnxtinfo(sock: socket.socket, on: bool = True) -> None:
    """SCTP_RECVNXTINFO: attach SCTP_NXTINFO (about the next queued message)
    to a received message when another one is already waiting."""
    _set_int(sock, _sctp.SCTP_RECVNXTINFO, _bool(on))


def get_recvnxtinfo(sock: socket.socket) -> bool:
    """Whether SCTP_RECVNXTINFO is on."""
    return bool(_get_int(sock, _sctp.SCTP_RECVNXTINFO))


def set_auto_asconf(sock: socket.socket, on: bool = True) -> None:
    """SCTP_AUTO_ASCONF: announce (ASCONF) local addresses added to or removed
    from the host. Only for sockets bound to the wildcard address
    (``EINVAL`` otherwise); needs ASCONF (:func:`set_asconf_supported`) to
    have an effect."""
    _set_int(sock, _sctp.SCTP_AUTO_ASCONF, _bool(on))


def get_auto_asconf(sock: socket.socket) -> bool:
    """Whether SCTP_AUTO_ASCONF is on."""
    return bool(_get_int(sock, _sctp.SCTP_AUTO_ASCONF))


def set_reuse_port(sock: socket.socket, on: bool = True) -> None:
    """SCTP_REUSE_PORT: let several one-to-one sockets bind the same port
    (set before bind; one-to-many sockets refuse it with ``EOPNOTSUPP``)."""
    _set_int(sock, _uapi.option("SCTP_REUSE_PORT"), _bool(on))


def get_reuse_port(sock: socket.socket) -> bool:
    """Whether SCTP_REUSE_PORT is on."""
    return bool(_get_int(sock, _uapi.option("SCTP_REUSE_PORT")))


def get_assoc_number(sock: socket.socket) -> int:
    """SCTP_GET_ASSOC_NUMBER: how many associations a one-to-many socket has."""
    return _get_int(sock, _sctp.SCTP_GET_ASSOC_NUMBER)


# ---- struct sctp_assoc_value options ------------------------------------------------


def set_maxseg(sock: socket.socket, maxseg: int, assoc_id: int = 0) -> None:
    """SCTP_MAXSEG: the largest DATA chunk payload, in bytes (0: from the
    path MTU). Larger messages are fragmented."""
    _set_av(sock, _sctp.SCTP_MAXSEG, assoc_id, _int(maxseg, "maxseg"))


def get_maxseg(sock: socket.socket, assoc_id: int = 0) -> int:
    """SCTP_MAXSEG in bytes (an association reports its actual value)."""
    return _get_av(sock, _sctp.SCTP_MAXSEG, assoc_id)


def set_max_burst(sock: socket.socket, burst: int, assoc_id: int = 0) -> None:
    """SCTP_MAX_BURST: how many packets may be sent in one burst (0: no limit)."""
    _set_av(sock, _sctp.SCTP_MAX_BURST, assoc_id, _int(burst, "burst"))


def get_max_burst(sock: socket.socket, assoc_id: int = 0) -> int:
    """SCTP_MAX_BURST."""
    return _get_av(sock, _sctp.SCTP_MAX_BURST, assoc_id)


def set_context(sock: socket.socket, context: int, assoc_id: int = 0) -> None:
    """SCTP_CONTEXT: an opaque uint32 reported as ``context`` in the receive
    information of messages received on the association."""
    _set_av(sock, _sctp.SCTP_CONTEXT, assoc_id, _int(context, "context"))


def get_context(sock: socket.socket, assoc_id: int = 0) -> int:
    """SCTP_CONTEXT."""
    return _get_av(sock, _sctp.SCTP_CONTEXT, assoc_id)


def set_pr_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_PR_SUPPORTED: offer partial reliability (RFC 3758) in new
    associations (endpoint only: set before connecting)."""
    _set_av(sock, _sctp.SCTP_PR_SUPPORTED, assoc_id, _bool(on))


def get_pr_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_PR_SUPPORTED; on an association: whether both ends support it."""
    return bool(_get_av(sock, _sctp.SCTP_PR_SUPPORTED, assoc_id))


def set_reconfig_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_RECONFIG_SUPPORTED: offer stream reconfiguration (RFC 6525) in new
    associations. Off by default on Linux (net.sctp.reconf_enable)."""
    _set_av(sock, _sctp.SCTP_RECONFIG_SUPPORTED, assoc_id, _bool(on))


def get_reconfig_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_RECONFIG_SUPPORTED; on an association: whether the peer supports it."""
    return bool(_get_av(sock, _sctp.SCTP_RECONFIG_SUPPORTED, assoc_id))


def set_enable_stream_reset(sock: socket.socket, flags: int, assoc_id: int = 0) -> None:
    """SCTP_ENABLE_STREAM_RESET: which reconfiguration requests this end
    may send (:class:`StreamResetFlags`). Reconfiguration must also be
    supported by both ends (:func:`set_reconfig_supported`)."""
    _set_av(sock, _sctp.SCTP_ENABLE_STREAM_RESET, assoc_id, _int(flags, "flags"))


def get_enable_stream_reset(sock: socket.socket, assoc_id: int = 0) -> StreamResetFlags:
    """SCTP_ENABLE_STREAM_RESET."""
    return StreamResetFlags(_get_av(sock, _sctp.SCTP_ENABLE_STREAM_RESET, assoc_id))


def set_stream_scheduler(sock: socket.socket, scheduler: int, assoc_id: int = 0) -> None:
    """SCTP_STREAM_SCHEDULER: how outgoing streams share the association
    (:class:`StreamScheduler`); an unknown scheduler raises ``EINVAL``."""
    _set_av(sock, _sctp.SCTP_STREAM_SCHEDULER, assoc_id, _int(scheduler, "scheduler"))


def get_stream_scheduler(sock: socket.socket, assoc_id: int = 0) -> StreamScheduler:
    """SCTP_STREAM_SCHEDULER."""
    return StreamScheduler(_get_av(sock, _sctp.SCTP_STREAM_SCHEDULER, assoc_id))


def set_interleaving_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_INTERLEAVING_SUPPORTED: offer user message interleaving (I-DATA,
    RFC 8260) in new associations. The kernel requires fragment interleave
    (:func:`set_fragment_interleave`) on first."""
    _set_av(sock, _sctp.SCTP_INTERLEAVING_SUPPORTED, assoc_id, _bool(on))


def get_interleaving_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_INTERLEAVING_SUPPORTED."""
    return bool(_get_av(sock, _sctp.SCTP_INTERLEAVING_SUPPORTED, assoc_id))


def set_asconf_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_ASCONF_SUPPORTED: offer dynamic address reconfiguration
    (RFC 5061) in new associations. ASCONF also needs AUTH
    (:func:`set_auth_supported`) on both ends unless the
    net.sctp.addip_noauth_enable sysctl is set."""
    _set_av(sock, _uapi.option("SCTP_ASCONF_SUPPORTED"), assoc_id, _bool(on))


def get_asconf_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_ASCONF_SUPPORTED."""
    return bool(_get_av(sock, _uapi.option("SCTP_ASCONF_SUPPORTED"), assoc_id))


def set_auth_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_AUTH_SUPPORTED: offer chunk authentication (RFC 4895) in new
    associations. Off by default on Linux (net.sctp.auth_enable); the AUTH
    key and chunk options answer ``EACCES`` while it is off."""
    _set_av(sock, _uapi.option("SCTP_AUTH_SUPPORTED"), assoc_id, _bool(on))


def get_auth_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_AUTH_SUPPORTED."""
    return bool(_get_av(sock, _uapi.option("SCTP_AUTH_SUPPORTED"), assoc_id))


def set_ecn_supported(sock: socket.socket, on: bool = True, assoc_id: int = 0) -> None:
    """SCTP_ECN_SUPPORTED: offer explicit congestion notification in new
    associations."""
    _set_av(sock, _uapi.option("SCTP_ECN_SUPPORTED"), assoc_id, _bool(on))


def get_ecn_supported(sock: socket.socket, assoc_id: int = 0) -> bool:
    """SCTP_ECN_SUPPORTED."""
    return bool(_get_av(sock, _uapi.option("SCTP_ECN_SUPPORTED"), assoc_id))


def set_expose_pf_state(sock: socket.socket, value: int, assoc_id: int = 0) -> None:
    """SCTP_EXPOSE_POTENTIALLY_FAILED_STATE (:class:`PfExpose`): whether the
    potentially-failed path state is reported (in :class:`PeerAddrInfo` and
    notifications)."""
    opt = _uapi.option("SCTP_EXPOSE_POTENTIALLY_FAILED_STATE")
    _set_av(sock, opt, assoc_id, _int(value, "value"))


def get_expose_pf_state(sock: socket.socket, assoc_id: int = 0) -> PfExpose:
    """SCTP_EXPOSE_POTENTIALLY_FAILED_STATE."""
    return PfExpose(_get_av(sock, _uapi.option("SCTP_EXPOSE_POTENTIALLY_FAILED_STATE"), assoc_id))


# ---- structured options -----------------------------------------------------------------


def set_initmsg(
    sock: socket.socket,
    *,
    ostreams: int = 0,
    instreams: int = 0,
    max_attempts: int = 0,
    max_init_timeo: int = 0,
) -> None:
    """SCTP_INITMSG: streams and INIT retransmission for associations started
    from now on. ``ostreams``: outgoing streams requested; ``instreams``:
    the most incoming streams accepted; ``max_attempts``: INIT
    retransmissions; ``max_init_timeo``: their largest timeout (ms).
    0 keeps the kernel's current value. Each is a uint16."""
    _sctp.set_initmsg(_fd(sock), ostreams, instreams, max_attempts, max_init_timeo)


def get_initmsg(sock: socket.socket) -> InitMsg:
    """SCTP_INITMSG."""
    return InitMsg(*_sctp.get_initmsg(_fd(sock)))


def get_status(sock: socket.socket, assoc_id: int = 0) -> Status:
    """SCTP_STATUS: state, windows, queued chunks, stream counts and primary
    path of an association. ``EINVAL`` when there is no such association
    (a one-to-one socket that is not connected, or assoc_id 0 on a
    one-to-many socket)."""
    t = _sctp.get_status(_fd(sock), assoc_id)
    return Status(
        t[0], AssocState(t[1]), t[2], t[3], t[4], t[5], t[6], t[7], _paddrinfo(t[8])
    )


def get_peer_addr_info(sock: socket.socket, address: Address, assoc_id: int = 0) -> PeerAddrInfo:
    """SCTP_GET_PEER_ADDR_INFO: state, congestion window, RTT, RTO and MTU of
    one of the peer's addresses (``EINVAL`` if it is not one)."""
    return _paddrinfo(
        _sctp.get_peer_addr_info(_fd(sock), assoc_id, _need_addr(sock, address))
    )


def set_event(sock: socket.socket, event_type: int, on: bool, assoc_id: int = 0) -> None:
    """SCTP_EVENT: subscribe to (``on``) or unsubscribe from one kind of
    notification (``SCTP_ASSOC_CHANGE`` ..., see :mod:`aiosctp.events`).
    An unknown type raises ``EINVAL``."""
    _sctp.set_event(_fd(sock), assoc_id, _int(event_type, "event_type"), _bool(on))


#: struct sctp_event_subscribe: one byte per notification type, in the order
#: of the types (byte i is type SCTP_SN_TYPE_BASE + i, byte 0 data_io).
_SN_TYPE_BASE = _uapi.SCTP_DATA_IO_EVENT
_EVENTS_STRUCT_LEN = _uapi.SCTP_SEND_FAILED_EVENT - _SN_TYPE_BASE + 1
#: Whether this kernel took the whole struct (None: not tried yet).
_events_struct_ok: Optional[bool] = None


def _events_struct(event_types: Iterable[int], data_io: bool = False) -> bytes:
    """struct sctp_event_subscribe with these (checked) types on. SCTP_SEND_FAILED
    (the deprecated form of SCTP_SEND_FAILED_EVENT) stays off unless given:
    both decode to events.SendFailed. ``data_io``: the first byte, each
    message's SCTP_SNDRCV receive information."""
    sub = bytearray(_EVENTS_STRUCT_LEN)
    for t in event_types:
        sub[t - _SN_TYPE_BASE] = 1
    sub[0] = data_io
    return bytes(sub)


def _set_events_struct(sock: socket.socket, sub: bytes) -> bool:
    """SCTP_EVENTS with the whole struct; False when this kernel refuses a
    struct of that length (EINVAL the first time: it then takes one
    SCTP_EVENT call per type, and is not asked again)."""
    global _events_struct_ok
    if _events_struct_ok is False:
        return False
    try:
        sock.setsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, sub)
    except OSError as exc:
        if exc.errno != errno.EINVAL or _events_struct_ok:
            raise
        _events_struct_ok = False
        return False
    _events_struct_ok = True
    return True


def _data_io(sock: socket.socket) -> bool:
    """Whether SCTP_SNDRCV receive information is on (the first byte of
    the socket's struct sctp_event_subscribe)."""
    try:
        return sock.getsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, 1) != b"\0"
    except OSError:
        return False


def set_events(sock: socket.socket, event_types: Iterable[int]) -> None:
    """Subscribe the endpoint (and its existing associations) to exactly
    these notification types (``SCTP_ASSOC_CHANGE`` ...), every other one
    off, in one system call where the kernel allows: SCTP_EVENTS with the
    whole ``struct sctp_event_subscribe`` (Linux 5.x and later take all 14
    bytes). A kernel with a shorter struct refuses it (``EINVAL``): then one
    SCTP_EVENT call per type, on and off. ``SCTP_DATA_IO_EVENT`` (the old
    SCTP_SNDRCV ancillary data) is not a notification and is refused; it is
    left as it was (the aiosctp transports take each message's receive
    information from it)."""
    wanted = set()
    for t in event_types:
        t = _int(t, "event_type")
        if not _SN_TYPE_BASE < t < _SN_TYPE_BASE + _EVENTS_STRUCT_LEN:
            raise ValueError(f"not a notification type: {t}")
        wanted.add(t)
    if _events_struct_ok is not False and _set_events_struct(
        sock, _events_struct(wanted, _data_io(sock))
    ):
        return
    for t in range(_SN_TYPE_BASE + 1, _SN_TYPE_BASE + _EVENTS_STRUCT_LEN):
        if t == _sctp.SCTP_SEND_FAILED:
            continue
        try:
            set_event(sock, t, t in wanted)
        except OSError as exc:
            # a type this kernel does not know: fine unless it was asked for
            if exc.errno != errno.EINVAL or t in wanted:
                raise


def get_event(sock: socket.socket, event_type: int, assoc_id: int = 0) -> bool:
    """SCTP_EVENT: whether notifications of this type are delivered."""
    return bool(_sctp.get_event(_fd(sock), assoc_id, _int(event_type, "event_type")))


def set_rtoinfo(
    sock: socket.socket, *, initial: int = 0, max: int = 0, min: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_RTOINFO: initial, maximum and minimum retransmission timeout (ms);
    0 keeps a value. The kernel refuses (``EINVAL``) min > max and values
    outside its hard limits."""
    _sctp.set_rtoinfo(_fd(sock), assoc_id, initial, max, min)


def get_rtoinfo(sock: socket.socket, assoc_id: int = 0) -> RtoInfo:
    """SCTP_RTOINFO (ms)."""
    return RtoInfo(*_sctp.get_rtoinfo(_fd(sock), assoc_id))


def set_associnfo(
    sock: socket.socket, *, asocmaxrxt: int = 0, cookie_life: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_ASSOCINFO: retransmissions before the association is declared
    dead (``asocmaxrxt``, uint16) and the lifetime of the state cookie
    (``cookie_life``, ms); 0 keeps a value."""
    _sctp.set_associnfo(_fd(sock), assoc_id, asocmaxrxt, cookie_life)


def get_associnfo(sock: socket.socket, assoc_id: int = 0) -> AssocInfo:
    """SCTP_ASSOCINFO."""
    return AssocInfo(*_sctp.get_associnfo(_fd(sock), assoc_id))


def set_peer_addr_params(
    sock: socket.socket,
    *,
    address: Optional[Address] = None,
    assoc_id: int = 0,
    hbinterval: int = 0,
    pathmaxrxt: int = 0,
    pathmtu: int = 0,
    sackdelay: int = 0,
    flags: int = 0,
    ipv6_flowlabel: Optional[int] = None,
    dscp: Optional[int] = None,
) -> None:
    """SCTP_PEER_ADDR_PARAMS for one peer ``address``, or (None) for the
    association or endpoint.

    ``hbinterval`` (ms), ``pathmaxrxt``, ``pathmtu`` (bytes) and
    ``sackdelay`` (ms, at most 500) change only when non-zero. ``flags`` are
    :class:`SppFlags`: HB_ENABLE/HB_DISABLE, HB_DEMAND (send a heartbeat
    now), PMTUD_ENABLE/PMTUD_DISABLE, SACKDELAY_ENABLE/SACKDELAY_DISABLE,
    HB_TIME_IS_ZERO. The kernel ignores a value without its flag, so the
    flag is added here: a ``hbinterval`` turns heartbeats on (HB_ENABLE)
    unless HB_DISABLE is given, a ``pathmtu`` turns path MTU discovery off
    (PMTUD_DISABLE), a ``sackdelay`` turns delayed SACK on
    (SACKDELAY_ENABLE) unless SACKDELAY_DISABLE is given. Likewise
    ``ipv6_flowlabel`` (20 bits, IPv6 sockets only) and ``dscp`` (the DS
    byte, low 2 bits ignored) are set when given. Contradictory flags
    (ENABLE with DISABLE) raise ``EINVAL``."""
    flags = _int(flags, "flags")
    if _int(hbinterval, "hbinterval") and not flags & SppFlags.HB_DISABLE:
        flags |= SppFlags.HB_ENABLE
    if _int(pathmtu, "pathmtu") and not flags & SppFlags.PMTUD_ENABLE:
        flags |= SppFlags.PMTUD_DISABLE
    if _int(sackdelay, "sackdelay") and not flags & SppFlags.SACKDELAY_DISABLE:
        flags |= SppFlags.SACKDELAY_ENABLE
    label = 0
    ds = 0
    if ipv6_flowlabel is not None:
        label = _int(ipv6_flowlabel, "ipv6_flowlabel")
        flags |= SppFlags.IPV6_FLOWLABEL
    if dscp is not None:
        ds = _int(dscp, "dscp")
        flags |= SppFlags.DSCP
    _sctp.set_peer_addr_params(
        _fd(sock),
        assoc_id,
        _addr(sock, address),
        hbinterval,
        pathmaxrxt,
        pathmtu,
        sackdelay,
        int(flags),
        label,
        ds,
    )


def get_peer_addr_params(
    sock: socket.socket, address: Optional[Address] = None, assoc_id: int = 0
) -> PeerAddrParams:
    """SCTP_PEER_ADDR_PARAMS of one peer address, or (None) of the
    association or endpoint."""
    t = _sctp.get_peer_addr_params(_fd(sock), assoc_id, _addr(sock, address))
    return PeerAddrParams(t[0], t[1], t[2], t[3], t[4], SppFlags(t[5]), t[6], t[7])


def set_default_sndinfo(
    sock: socket.socket,
    *,
    stream: int = 0,
    flags: int = 0,
    ppid: int = 0,
    context: int = 0,
    assoc_id: int = 0,
) -> None:
    """SCTP_DEFAULT_SNDINFO: stream, flags (SCTP_UNORDERED ...), PPID (host
    order, 0..2**32-1) and context used by send()/sendmsg() without send
    information."""
    _sctp.set_default_sndinfo(_fd(sock), assoc_id, stream, flags, ppid, context)


def get_default_sndinfo(sock: socket.socket, assoc_id: int = 0) -> SndInfo:
    """SCTP_DEFAULT_SNDINFO (PPID in host order)."""
    return SndInfo(*_sctp.get_default_sndinfo(_fd(sock), assoc_id))


def set_default_prinfo(
    sock: socket.socket, policy: int, value: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_DEFAULT_PRINFO: the PR-SCTP policy (:class:`PrPolicy` NONE, TTL,
    RTX or PRIO) and value of messages sent without their own."""
    _sctp.set_default_prinfo(_fd(sock), assoc_id, _int(policy, "policy"), value)


def get_default_prinfo(sock: socket.socket, assoc_id: int = 0) -> PrInfo:
    """SCTP_DEFAULT_PRINFO."""
    policy, value = _sctp.get_default_prinfo(_fd(sock), assoc_id)
    return PrInfo(PrPolicy(policy), value)


def set_adaptation_layer(sock: socket.socket, indication: int) -> None:
    """SCTP_ADAPTATION_LAYER: the adaptation layer indication (uint32) sent in
    INIT/INIT-ACK; the peer sees it as an ``AdaptationIndication``
    notification."""
    _sctp.set_adaptation_layer(_fd(sock), indication)


def get_adaptation_layer(sock: socket.socket) -> int:
    """SCTP_ADAPTATION_LAYER."""
    value: int = _sctp.get_adaptation_layer(_fd(sock))
    return value


def set_primary_addr(sock: socket.socket, address: Address, assoc_id: int = 0) -> None:
    """SCTP_PRIMARY_ADDR: send to this peer address by default (it must be
    one of the association's peer addresses, else ``EINVAL``)."""
    _sctp.set_primary_addr(_fd(sock), assoc_id, _need_addr(sock, address))


def get_primary_addr(sock: socket.socket, assoc_id: int = 0) -> Address:
    """SCTP_PRIMARY_ADDR: the peer address used by default."""
    value: Address = _sctp.get_primary_addr(_fd(sock), assoc_id)
    return value


def set_peer_primary_addr(sock: socket.socket, address: Address, assoc_id: int = 0) -> None:
    """SCTP_SET_PEER_PRIMARY_ADDR: ask the peer (with an ASCONF chunk) to send
    to this local address of ours by default. Needs ASCONF support on both
    ends (``EPERM`` otherwise) and an established association."""
    _sctp.set_peer_primary_addr(_fd(sock), assoc_id, _need_addr(sock, address))


def set_delayed_sack(
    sock: socket.socket, *, delay: int = 0, freq: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_DELAYED_SACK: delay SACKs up to ``delay`` ms (at most 500) or
    until ``freq`` packets arrived; 0 keeps a value, freq 1 turns delayed
    SACK off."""
    _sctp.set_delayed_sack(_fd(sock), assoc_id, delay, freq)


def get_delayed_sack(sock: socket.socket, assoc_id: int = 0) -> SackInfo:
    """SCTP_DELAYED_SACK."""
    return SackInfo(*_sctp.get_delayed_sack(_fd(sock), assoc_id))


def reset_streams(
    sock: socket.socket,
    streams: Sequence[int],
    *,
    incoming: bool = False,
    outgoing: bool = True,
    assoc_id: int = 0,
) -> None:
    """SCTP_RESET_STREAMS (RFC 6525): reset the sequence numbers of the given
    streams (empty: all), outgoing and/or incoming. Needs reconfiguration
    support on both ends and ``StreamResetFlags.RESET_STREAM_REQ`` enabled
    here (``ENOPROTOOPT`` otherwise); ``EAGAIN`` while data is queued on
    the streams or another request is outstanding. The outcome arrives as a
    ``StreamReset`` notification."""
    flags = 0
    if _bool(incoming, "incoming"):
        flags |= _sctp.SCTP_STREAM_RESET_INCOMING
    if _bool(outgoing, "outgoing"):
        flags |= _sctp.SCTP_STREAM_RESET_OUTGOING
    if not flags:
        raise ValueError("reset_streams needs incoming or outgoing")
    if isinstance(streams, (str, bytes)):
        raise TypeError("streams must be a sequence of ints")
    _sctp.reset_streams(_fd(sock), assoc_id, flags, list(streams))


def add_streams(
    sock: socket.socket, *, outgoing: int = 0, incoming: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_ADD_STREAMS (RFC 6525): ask for more outgoing and/or incoming
    streams. Needs ``StreamResetFlags.CHANGE_ASSOC_REQ`` enabled; the outcome
    arrives as a ``StreamChange`` notification."""
    _sctp.add_streams(_fd(sock), assoc_id, incoming, outgoing)


def reset_assoc(sock: socket.socket, assoc_id: int = 0) -> None:
    """SCTP_RESET_ASSOC (RFC 6525): reset the TSNs and all stream sequence
    numbers. Needs ``StreamResetFlags.RESET_ASSOC_REQ`` enabled; the outcome
    arrives as an ``AssocReset`` notification."""
    _sctp.reset_assoc(_fd(sock), assoc_id)


def set_stream_scheduler_value(
    sock: socket.socket, stream: int, value: int, assoc_id: int = 0
) -> None:
    """SCTP_STREAM_SCHEDULER_VALUE: the scheduler parameter (uint16) of one
    outgoing stream of an association, e.g. its priority with
    ``StreamScheduler.PRIO`` (lower is served first). Needs an association
    (``EINVAL``; Linux silently ignores the call on an unconnected
    one-to-one socket)."""
    _sctp.set_stream_scheduler_value(_fd(sock), assoc_id, stream, value)


def get_stream_scheduler_value(sock: socket.socket, stream: int, assoc_id: int = 0) -> int:
    """SCTP_STREAM_SCHEDULER_VALUE of one outgoing stream."""
    value: int = _sctp.get_stream_scheduler_value(_fd(sock), assoc_id, stream)
    return value


def set_auth_chunk(sock: socket.socket, chunk_type: int) -> None:
    """SCTP_AUTH_CHUNK: require the peer to authenticate chunks of this type
    (0..255, e.g. 0 for DATA) in future associations. Needs AUTH
    (:func:`set_auth_supported`)."""
    _sctp.set_auth_chunk(_fd(sock), chunk_type)


def set_auth_key(
    sock: socket.socket, key: Buffer, keynumber: int = 0, assoc_id: int = 0
) -> None:
    """SCTP_AUTH_KEY: install (or replace) shared secret ``keynumber``. Both
    ends need the same key under the same number. ``key`` is bytes-like,
    at most 65535 bytes."""
    _sctp.set_auth_key(_fd(sock), assoc_id, keynumber, key)


def set_auth_active_key(sock: socket.socket, keynumber: int, assoc_id: int = 0) -> None:
    """SCTP_AUTH_ACTIVE_KEY: authenticate what we send with this key (it must
    be installed, else ``EINVAL``)."""
    _sctp.set_auth_active_key(_fd(sock), assoc_id, keynumber)


def get_auth_active_key(sock: socket.socket, assoc_id: int = 0) -> int:
    """SCTP_AUTH_ACTIVE_KEY: the number of the key we send with."""
    value: int = _sctp.get_auth_active_key(_fd(sock), assoc_id)
    return value


def delete_auth_key(sock: socket.socket, keynumber: int, assoc_id: int = 0) -> None:
    """SCTP_AUTH_DELETE_KEY: remove a key. The active key cannot be deleted
    (``EINVAL``); on an association the key must be deactivated first."""
    _sctp.delete_auth_key(_fd(sock), assoc_id, keynumber)


def deactivate_auth_key(sock: socket.socket, keynumber: int, assoc_id: int = 0) -> None:
    """SCTP_AUTH_DEACTIVATE_KEY: stop using a key for sending and receiving;
    an ``AuthKey`` notification (FREE_KEY) tells when it may be deleted.
    The active key cannot be deactivated (``EINVAL``)."""
    _sctp.deactivate_auth_key(_fd(sock), assoc_id, keynumber)


def get_peer_auth_chunks(sock: socket.socket, assoc_id: int = 0) -> List[int]:
    """SCTP_PEER_AUTH_CHUNKS: the chunk types the peer requires us to
    authenticate (``EACCES`` when the association does not use AUTH)."""
    value: List[int] = _sctp.get_peer_auth_chunks(_fd(sock), assoc_id)
    return value


def get_local_auth_chunks(sock: socket.socket, assoc_id: int = 0) -> List[int]:
    """SCTP_LOCAL_AUTH_CHUNKS: the chunk types we require the peer to
    authenticate (``EACCES`` when AUTH is off)."""
    value: List[int] = _sctp.get_local_auth_chunks(_fd(sock), assoc_id)
    return value


def set_hmac_ident(sock: socket.socket, idents: Sequence[int]) -> None:
    """SCTP_HMAC_IDENT: the HMAC algorithms (:class:`HmacId`) we accept, most
    preferred first. SHA-1 must be among them (``EINVAL`` otherwise)."""
    if isinstance(idents, (str, bytes)):
        raise TypeError("idents must be a sequence of ints")
    _sctp.set_hmac_ident(_fd(sock), list(idents))


def get_hmac_ident(sock: socket.socket) -> List[HmacId]:
    """SCTP_HMAC_IDENT: the HMAC algorithms we accept, in order."""
    return [HmacId(i) for i in _sctp.get_hmac_ident(_fd(sock))]


def get_pr_assoc_status(
    sock: socket.socket, policy: int = PrPolicy.ALL, assoc_id: int = 0
) -> PrStatus:
    """SCTP_PR_ASSOC_STATUS: how many messages of an association were
    abandoned under ``policy`` (TTL, RTX, PRIO, or ALL), never sent and
    after being sent. ``EINVAL`` without an association."""
    return PrStatus(*_sctp.get_pr_assoc_status(_fd(sock), assoc_id, _int(policy, "policy")))


def get_pr_stream_status(
    sock: socket.socket, stream: int, policy: int = PrPolicy.ALL, assoc_id: int = 0
) -> PrStatus:
    """SCTP_PR_STREAM_STATUS: as :func:`get_pr_assoc_status` for one outgoing
    stream (``EINVAL`` for a stream the association does not have)."""
    return PrStatus(
        *_sctp.get_pr_stream_status(_fd(sock), assoc_id, stream, _int(policy, "policy"))
    )


def set_remote_udp_encaps_port(
    sock: socket.socket, port: int, address: Optional[Address] = None, assoc_id: int = 0
) -> None:
    """SCTP_REMOTE_UDP_ENCAPS_PORT (RFC 6951): send to the peer inside UDP to
    this port (host order; 0: plain SCTP), for one peer ``address`` or (None)
    the association or endpoint. Packets are actually encapsulated only when
    the net.sctp.udp_port sysctl gives the local UDP port."""
    _sctp.set_remote_udp_encaps_port(_fd(sock), assoc_id, _addr(sock, address), port)


def get_remote_udp_encaps_port(
    sock: socket.socket, address: Optional[Address] = None, assoc_id: int = 0
) -> int:
    """SCTP_REMOTE_UDP_ENCAPS_PORT (host order; 0: none)."""
    value: int = _sctp.get_remote_udp_encaps_port(_fd(sock), assoc_id, _addr(sock, address))
    return value


def set_peer_addr_thlds(
    sock: socket.socket,
    *,
    pathmaxrxt: int = 0,
    pathpfthld: int = 0,
    pathcpthld: Optional[int] = None,
    address: Optional[Address] = None,
    assoc_id: int = 0,
) -> None:
    """SCTP_PEER_ADDR_THLDS(_V2): retransmissions before a path is failed
    (``pathmaxrxt``, 0 keeps it), before it is potentially failed
    (``pathpfthld``), and before the primary path is switched over
    (``pathcpthld``, 65535: never; None: leave it, using the first version
    of the option). ``EINVAL`` when pathpfthld > pathcpthld."""
    _sctp.set_peer_addr_thlds(
        _fd(sock), assoc_id, _addr(sock, address), pathmaxrxt, pathpfthld, pathcpthld
    )


def get_peer_addr_thlds(
    sock: socket.socket, address: Optional[Address] = None, assoc_id: int = 0
) -> PeerAddrThlds:
    """SCTP_PEER_ADDR_THLDS(_V2) of a peer address, association or endpoint."""
    return PeerAddrThlds(*_sctp.get_peer_addr_thlds(_fd(sock), assoc_id, _addr(sock, address)))


def set_probe_interval(
    sock: socket.socket, interval: int, address: Optional[Address] = None, assoc_id: int = 0
) -> None:
    """SCTP_PLPMTUD_PROBE_INTERVAL: packetization-layer path MTU discovery
    (RFC 8899) probe interval in ms (0: PLPMTUD off; otherwise at least
    5000, else ``EINVAL``)."""
    _sctp.set_probe_interval(_fd(sock), assoc_id, _addr(sock, address), interval)


def get_probe_interval(
    sock: socket.socket, address: Optional[Address] = None, assoc_id: int = 0
) -> int:
    """SCTP_PLPMTUD_PROBE_INTERVAL in ms (0: off)."""
    value: int = _sctp.get_probe_interval(_fd(sock), assoc_id, _addr(sock, address))
    return value


def get_assoc_stats(sock: socket.socket, assoc_id: int = 0) -> AssocStats:
    """SCTP_GET_ASSOC_STATS: packet and chunk counters of an association
    (reading resets ``maxrto``). ``EINVAL`` without an association."""
    return AssocStats(*_sctp.get_assoc_stats(_fd(sock), assoc_id))


# Every public class and function defined above, in the order of the source:
# the names are written once, where they are defined. aiosctp.lowlevel
# re-exports them and lists them in its static __all__ for type checkers
# (tests/host/test_api_docs.py checks that it covers this one). Type checkers
# do not read a computed __all__ (mypy takes it as empty): without it they see
# every public name defined here, which is the same list.
if not TYPE_CHECKING:
    __all__ = [
        name
        for name, value in list(globals().items())
        if not name.startswith("_") and getattr(value, "__module__", None) == __name__
    ]
