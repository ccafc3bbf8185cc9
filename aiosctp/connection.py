"""The client side: :func:`create_sctp_connection`, and the helpers the
server shares (argument checks, name resolution, socket setup)."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import weakref
import errno
from typing import (
    AbstractSet,
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _nosctp, _sctp, events, lowlevel, options
from .transport import DEFAULT_MAX_MESSAGE_SIZE, SCTPTransport, _connect_message_socket

__all__ = ["create_sctp_connection"]

Address = Tuple[Any, ...]
AddrSpec = Union[str, Tuple[Any, ...]]
ProtocolFactory = Callable[[], asyncio.BaseProtocol]
T = TypeVar("T")
_ev = events  # the module, under a name the ``events`` arguments do not hide


# ---- argument checks ---------------------------------------------------------------


def _check_int(value: object, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise OverflowError(f"{name}={value} is out of range {lo}..{hi}")
    return int(value)


def _check_port(port: object, *, allow_zero: bool) -> int:
    p = _check_int(port, "port", 0, 65535)
    if p == 0 and not allow_zero:
        raise ValueError("port 0 cannot be connected to")
    return p


def _check_host(host: object) -> Optional[str]:
    if host is None or isinstance(host, str):
        return host
    raise TypeError(f"host must be a str or None, not {type(host).__name__}")


def _check_family(family: object) -> int:
    if isinstance(family, bool) or not isinstance(family, int):
        raise TypeError(f"family must be a socket.AF_* int, not {type(family).__name__}")
    if family not in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
        raise ValueError(f"family must be AF_UNSPEC, AF_INET or AF_INET6, not {family!r}")
    return int(family)


def _check_streams(ostreams: object, instreams: object) -> Tuple[int, int]:
    return (
        _check_int(ostreams, "ostreams", 1, 65535),
        _check_int(instreams, "instreams", 1, 65535),
    )


def _check_max_message_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_message_size must be an int, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"max_message_size must be positive, not {value}")
    return int(value)


def _check_factory(factory: object) -> None:
    if not callable(factory):
        raise TypeError(f"protocol_factory must be callable, not {type(factory).__name__}")


def _addr_specs(addrs: object, port: Optional[int], name: str) -> List[Tuple[str, int]]:
    """``addrs``: a sequence of hosts (with ``port``) or (host, port) tuples."""
    if isinstance(addrs, (str, bytes)) or not isinstance(addrs, Iterable):
        raise TypeError(f"{name} must be a list of hosts or (host, port) tuples, not {addrs!r}")
    out: List[Tuple[str, int]] = []
    for a in addrs:
        if isinstance(a, str):
            if port is None:
                raise ValueError(f"{name}: {a!r} needs a port")
            out.append((a, port))
        elif isinstance(a, tuple) and len(a) >= 2:
            host = _check_host(a[0])
            if host is None:
                raise TypeError(f"{name}: host must be a str, not None")
            out.append((host, _check_port(a[1], allow_zero=True)))
        else:
            raise TypeError(f"{name} items must be hosts or (host, port) tuples, not {a!r}")
    if not out:
        raise ValueError(f"{name} is empty")
    return out


# ---- resolution -------------------------------------------------------------------


async def _resolve(
    loop: asyncio.AbstractEventLoop, host: str, port: int, family: int
) -> List[Tuple[int, Address]]:
    """(family, address) pairs for ``host``; numeric hosts without a thread."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        fam = socket.AF_INET if ip.version == 4 else socket.AF_INET6
        if family in (socket.AF_UNSPEC, fam):
            return [(fam, (host, port) if fam == socket.AF_INET else (host, port, 0, 0))]
    infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
    out: List[Tuple[int, Address]] = []
    for fam, _type, _proto, _name, addr in infos:
        if fam in (socket.AF_INET, socket.AF_INET6) and (fam, addr) not in out:
            out.append((fam, tuple(addr)))
    if not out:
        raise OSError(f"getaddrinfo({host!r}) returned no usable address")
    return out


def _pick_family(groups: Sequence[List[Tuple[int, Address]]], family: int) -> int:
    """The socket family for these resolved hosts: the asked one; else IPv6
    when some host has only IPv6 addresses (an IPv4 one is then used as
    v4-mapped), else the family of the first address."""
    if family != socket.AF_UNSPEC:
        return family
    for group in groups:
        if group and all(f == socket.AF_INET6 for f, _ in group):
            return socket.AF_INET6
    return groups[0][0][0]


def _usable(groups: Sequence[List[Tuple[int, Address]]], fam: int) -> List[Address]:
    """The addresses of every host usable on a ``fam`` socket (IPv4 ones
    mapped into IPv6 on an AF_INET6 socket); a host with none is an error,
    never silently left out."""
    addrs: List[Address] = []
    for group in groups:
        mine = [a for f, a in group if f == fam]
        if not mine and fam == socket.AF_INET6:
            mine = [("::ffff:" + a[0], a[1], 0, 0) for f, a in group if f == socket.AF_INET]
        if not mine:
            raise OSError(f"no address of family {fam!r} among {group!r}")
        addrs.extend(a for a in mine if a not in addrs)
    return addrs


async def _resolve_groups(
    loop: asyncio.AbstractEventLoop, specs: Sequence[Tuple[str, int]], family: int
) -> List[List[Tuple[int, Address]]]:
    return [await _resolve(loop, host, port, family) for host, port in specs]


async def _resolve_all(
    loop: asyncio.AbstractEventLoop, specs: Sequence[Tuple[str, int]], family: int
) -> Tuple[int, List[Address]]:
    """Resolve every (host, port); pick the socket family (see
    _pick_family) and return the addresses usable with it."""
    groups = await _resolve_groups(loop, specs, family)
    fam = _pick_family(groups, family)
    return fam, _usable(groups, fam)


# ---- socket setup -----------------------------------------------------------------


# The receive buffer of a one-to-one socket, widened once the association is
# up (benchmarks/README.md, finding 2). Linux SCTP sets the window it
# advertises when the association is made, to SO_RCVBUF in payload bytes
# (106,496 by default), but charges every queued message its size plus ~232
# bytes against a buffer of twice that: messages under ~232 bytes fill the
# buffer before the window closes, and what arrives past it is dropped, each
# drop a 1 s retransmission stall. Widening the buffer afterwards leaves the
# window as it is and makes room for a full window of messages of ~100 bytes
# or more. (A smaller window would cover smaller messages too, but it holds
# large messages back: 64 KiB messages then wait for delayed SACKs.)
_RCVBUF = 212_992  # the kernel doubles it, capped by net.core.rmem_max


# The ports SCTPServers of this process listen on, per event loop:
# {loop: {port: servers}}. A set-up to one of them does not return before a
# turn in which that server can accept (see create_sctp_connection). Weak:
# a loop dropped with a server still counted leaves nothing to a later loop.
_serving_ports: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[int, int]]" = \
    weakref.WeakKeyDictionary()


def _serving_port(loop: asyncio.AbstractEventLoop, port: int, add: bool) -> None:
    """An SCTPServer on ``loop`` starts (``add``) or stops listening on
    ``port``."""
    ports = _serving_ports.setdefault(loop, {})
    n = ports.get(port, 0) + (1 if add else -1)
    if n > 0:
        ports[port] = n
    else:
        ports.pop(port, None)
        if not ports:
            _serving_ports.pop(loop, None)


def _served_here(loop: asyncio.AbstractEventLoop, addrs: Sequence[Address]) -> bool:
    """Whether an SCTPServer on this same loop may be the peer (it listens
    on the port of one of ``addrs``)."""
    ports = _serving_ports.get(loop)
    if not ports:
        return False
    return any(a[1] in ports for a in addrs)


# SO_RCVBUF of a new SCTP socket as this process first saw it (the kernel's
# default, net.core.rmem_default): a socket made here with nothing set by
# the caller has it, so it is asked of the kernel once, not per association.
_default_rcvbuf: Optional[int] = None


def _widen_buffer(sock: socket.socket, default: bool = False) -> None:
    """After the association is up: room beyond the window. ``default``:
    the socket was made here and the caller set nothing on it (no
    ``configure``), so its buffer is the kernel's default, read once per
    process; else it is read (a larger buffer is never shrunk)."""
    global _default_rcvbuf
    try:
        if default and _default_rcvbuf is not None:
            size = _default_rcvbuf
        else:
            size = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            if default:
                _default_rcvbuf = size
        if size < 2 * _RCVBUF:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
    except OSError:
        pass  # the association is already gone: nothing to widen


#: The options a caller may hand :func:`create_sctp_connection`,
#: :func:`aiosctp.create_sctp_server` and the high-level functions: the
#: hook that sets anything else on the new socket.
Configure = Callable[[socket.socket], None]


def _check_configure(configure: object) -> Optional[Configure]:
    if configure is not None and not callable(configure):
        raise TypeError(f"configure must be callable or None, not {type(configure).__name__}")
    return configure


def _check_sock(sock: object, style: Optional[str] = None) -> socket.socket:
    if not isinstance(sock, socket.socket):
        raise TypeError(f"sock must be a socket.socket, not {type(sock).__name__}")
    if sock.fileno() < 0:
        raise ValueError("sock is closed")
    if sock.proto != _sctp.IPPROTO_SCTP:
        raise ValueError(f"sock must be an SCTP socket (IPPROTO_SCTP), not protocol {sock.proto}")
    if style == "one-to-one" and sock.type != socket.SOCK_STREAM:
        raise ValueError("sock must be a one-to-one (SOCK_STREAM) SCTP socket")
    return sock


def _check_timeout(timeout: object) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
    if not timeout > 0:  # also NaN
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    return float(timeout)


def _new_socket(family: int, kind: int) -> socket.socket:
    """An SCTP socket made nonblocking by socket() itself (no extra call).
    Each message's receive information is switched on with the
    subscription (_subscribe)."""
    return _nosctp.sctp_socket(family, kind | socket.SOCK_NONBLOCK)


def _peername(status: lowlevel.Status) -> Optional[Dict[str, Any]]:
    """The transport's ``peername`` from SCTP_STATUS's primary path: what
    getpeername() gives, without the call (None: ask getpeername). The
    kernel's getpeername() reports an IPv6 scope only for link-local
    addresses (those are left to it) and no flow label."""
    addr = status.primary.address
    if addr is None:
        return None
    if len(addr) == 4:
        try:
            if ipaddress.ip_address(addr[0]).is_link_local:
                return None
        except ValueError:
            return None
        addr = (addr[0], addr[1], 0, 0)
    return {"peername": addr}


_ASSOC_CHANGE = _sctp.SCTP_ASSOC_CHANGE
_CONNECTING = (lowlevel.AssocState.COOKIE_WAIT, lowlevel.AssocState.COOKIE_ECHOED)


# struct sctp_event_subscribe per set of event classes, built once
_SUBSCRIPTIONS: Dict[AbstractSet[Type[events.Event]], bytes] = {}


def _subscribe(sock: socket.socket, wanted: AbstractSet[Type[events.Event]]) -> None:
    """Subscribe to what the caller asked for and what the transport needs,
    and switch on each message's receive information (stream, PPID,
    association), all in one system call where the kernel allows: the
    whole struct sctp_event_subscribe, built once per set, whose first
    byte (data_io) asks for SCTP_SNDRCV with each message; no separate
    SCTP_RECVRCVINFO. Else one SCTP_EVENT call per type, and
    SCTP_RECVRCVINFO."""
    sub = _SUBSCRIPTIONS.get(wanted)
    if sub is None:
        sub = options._events_struct(_event_types(wanted), data_io=True)
        if len(_SUBSCRIPTIONS) < 64:
            _SUBSCRIPTIONS[frozenset(wanted)] = sub
    if not options._set_events_struct(sock, sub):
        lowlevel.set_events(sock, _event_types(wanted))
        _receive_info(sock)


def _event_types(wanted: AbstractSet[Type[events.Event]]) -> List[int]:
    """The notification types of the subscription: what the caller asked
    for and what the transport needs."""
    return [cls.event_type for cls in (wanted | events.TRANSPORT_NEEDS)]


def _receive_info(sock: socket.socket) -> None:
    """SCTP_RECVRCVINFO on: each message's receive information whatever
    became of the subscription's data_io byte."""
    _sctp.setsockopt_int(sock.fileno(), _sctp.SCTP_RECVRCVINFO, 1)


def _configure(sock: socket.socket, configure: Optional[Configure]) -> None:
    """The caller's hook, then the receive information on again, whatever
    the hook subscribed (the transport cannot do without it)."""
    if configure is not None:
        configure(sock)
        _receive_info(sock)


def _prepare(
    sock: socket.socket,
    ostreams: Optional[int],
    instreams: Optional[int],
    nodelay: bool,
    wanted: AbstractSet[Type[events.Event]] = events.ALL,
    *,
    ours: bool = True,
) -> None:
    """Before bind/INIT (or listen): nonblocking, the notifications, INIT
    stream counts, NODELAY (without it a request/response exchange waits
    for delayed SACKs), stream reconfiguration on offer. Each option set
    once. On a caller's socket (``ours`` False) stream counts left None
    keep what the caller set."""
    if not ours:
        sock.setblocking(False)
    _subscribe(sock, wanted)
    if ours or ostreams is not None or instreams is not None:
        lowlevel.set_initmsg(
            sock,
            ostreams=10 if ostreams is None else ostreams,
            instreams=10 if instreams is None else instreams,
        )
    if nodelay:
        lowlevel.set_nodelay(sock, True)
    try:
        # Stream reconfiguration (RFC 6525) on offer, so that
        # SCTPTransport.reset_streams()/add_streams() work when the peer
        # supports it too.
        lowlevel.set_reconfig_supported(sock, True)
        lowlevel.set_enable_stream_reset(sock, lowlevel.StreamResetFlags.ALL)
    except OSError:
        pass  # a kernel without it


def _deliver_set(wanted: AbstractSet[Type[events.Event]]) -> Optional[AbstractSet[Type[events.Event]]]:
    """The transport's ``events=``: None (every notification, Unknown ones
    too) for events.ALL, else the set asked for."""
    return None if wanted >= events.ALL else wanted


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _within(
    loop: asyncio.AbstractEventLoop, aw: Awaitable[T], deadline: Optional[float], what: str
) -> T:
    """``await aw``, bounded by ``deadline`` (loop time) if there is one."""
    if deadline is None:
        return await aw
    try:
        return await asyncio.wait_for(aw, max(0.0, deadline - loop.time()))
    except asyncio.TimeoutError:
        raise TimeoutError(errno.ETIMEDOUT, f"timed out {what}") from None


async def _wait_up(
    loop: asyncio.AbstractEventLoop,
    fd: int,
    deadline: Optional[float],
    target: object,
    readable: bool,
) -> None:
    """Wait until the nonblocking connectx() on ``fd`` has finished, at most
    until ``deadline``.

    With ``readable`` (COMM_UP/CANT_STR_ASSOC subscribed) it waits for the
    notification that says so, and leaves the reader registered: the
    transport's own reader replaces the callback without a system call
    (asyncio's selector and uvloop keep the registration), where waiting for
    writability costs registering and dropping the writer. Errors (an ABORT,
    INIT given up) make the socket readable too (EPOLLERR)."""
    fut: "asyncio.Future[None]" = loop.create_future()

    def ready() -> None:
        if not fut.done():
            fut.set_result(None)

    def expire() -> None:
        if not fut.done():
            fut.set_exception(
                TimeoutError(
                    errno.ETIMEDOUT,
                    f"SCTP association to {target!r} not up within the timeout",
                )
            )

    timer = None
    if deadline is not None:
        timer = loop.call_at(deadline, expire)
    if readable:
        loop.add_reader(fd, ready)
    else:
        loop.add_writer(fd, ready)
    try:
        await fut
    except BaseException:
        if readable:
            loop.remove_reader(fd)
        raise
    finally:
        if not readable:
            loop.remove_writer(fd)
        if timer is not None:
            timer.cancel()


def _connected_status(sock: socket.socket) -> Optional[lowlevel.Status]:
    """SCTP_STATUS of a caller's socket if it has an association."""
    try:
        status = lowlevel.get_status(sock)
    except OSError:
        return None
    if status.state in (lowlevel.AssocState.EMPTY, lowlevel.AssocState.CLOSED):
        return None
    return status


def _remote_specs(
    host: Optional[str], port: Optional[int], remote_addrs: Optional[Sequence[AddrSpec]]
) -> List[Tuple[str, int]]:
    """The peer's (host, port) pairs: ``host`` first, then ``remote_addrs``
    (whose port 0 or missing means ``port``)."""
    specs: List[Tuple[str, int]] = []
    if host is not None:
        if port is None:
            raise ValueError("port is required with host")
        specs.append((host, port))
    if remote_addrs is not None:
        specs.extend(_addr_specs(remote_addrs, port, "remote_addrs"))
    return specs


async def create_sctp_connection(
    protocol_factory: ProtocolFactory,
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
) -> Tuple[SCTPTransport, asyncio.BaseProtocol]:
    """Set up an SCTP association (one-to-one socket) and return
    ``(transport, protocol)`` once it is up (COMM_UP).

    The peer is ``host``/``port``, and/or ``remote_addrs`` (hosts, which get
    ``port``, or (host, port) tuples): several addresses of a multi-homed
    peer, tried by sctp_connectx(). ``local_addrs`` binds the local end to
    several addresses (multi-homing). ``ostreams``/``instreams`` are the
    stream counts asked for in INIT (10 each on a socket made here).

    ``configure(sock)`` is called with the new socket after the options
    above are set and before bind and INIT: the place for
    ``lowlevel.set_initmsg(max_attempts=...)``, ``set_rtoinfo``,
    ``set_peer_addr_params``, AUTH keys, ``SO_RCVBUF``...

    ``sock`` is an SCTP one-to-one socket the caller made: unconnected (it
    is then connected to host/port, and ostreams/instreams are set only if
    given), or already connected (then no host, port or addresses). It
    belongs to the transport from then on, and is closed if the set-up fails.
    ``sock`` may also be a connected unix message socket (``AF_UNIX``,
    ``SOCK_SEQPACKET``, e.g. from ``socket.socketpair``): every read is a
    whole message, with no SCTP information (``MessageInfo`` all zero) and
    no notifications, the end is end of file; ``benchmarks/native.py``
    measures the transport this way on a kernel without SCTP.

    ``timeout`` (seconds) bounds the whole set-up (name resolution
    included): when it expires the attempt is aborted (no further INIT),
    the socket closed and :class:`TimeoutError` raised.

    ``events`` are the notification classes passed to the protocol's
    ``notification_received`` (default :data:`aiosctp.events.DEFAULT`:
    all but SenderDry; :data:`aiosctp.events.ALL`: every one). What the
    transport itself needs is subscribed anyway and not passed on unless
    asked for.

    A refused or failed association raises the matching OSError
    (ConnectionRefusedError, TimeoutError ...); bad arguments raise
    TypeError/ValueError/OverflowError before anything is done."""
    loop = asyncio.get_running_loop()
    _check_factory(protocol_factory)
    host = _check_host(host)
    family = _check_family(family)
    if ostreams is not None:
        ostreams = _check_int(ostreams, "ostreams", 1, 65535)
    if instreams is not None:
        instreams = _check_int(instreams, "instreams", 1, 65535)
    max_message_size = _check_max_message_size(max_message_size)
    configure = _check_configure(configure)
    timeout = _check_timeout(timeout)
    wanted = _ev.event_set(events)
    if port is not None:
        port = _check_port(port, allow_zero=False)
    deadline = None if timeout is None else loop.time() + timeout
    status: Optional[lowlevel.Status] = None
    if isinstance(sock, socket.socket) and sock.family == socket.AF_UNIX:
        # a unix message socket: no association to set up (see the docstring)
        if sock.fileno() < 0:
            raise ValueError("sock is closed")
        if host is not None or port is not None or remote_addrs or local_addrs:
            raise ValueError("a unix socket is already connected: no host, port or addresses")
        return await _connect_message_socket(protocol_factory, sock, max_message_size)
    if sock is not None:
        _check_sock(sock, "one-to-one")
        status = _connected_status(sock)
        if family != socket.AF_UNSPEC and family != sock.family:
            raise ValueError(f"family {family!r} is not that of sock ({sock.family!r})")
        family = sock.family
    specs = _remote_specs(host, port, remote_addrs)
    local_specs = _addr_specs(local_addrs, 0, "local_addrs") if local_addrs is not None else []
    if status is not None:
        if specs or local_specs:
            raise ValueError("sock is already connected: no host, port or addresses to give")
    elif not specs:
        raise ValueError("host and port (or remote_addrs) are required")
    for _, p in specs:
        if p == 0:
            raise ValueError("port 0 cannot be connected to")

    addrs: List[Address] = []
    local: List[Address] = []
    fam = family
    if specs:
        # One family for both ends: an IPv6 address in either list makes the
        # socket IPv6 (see _pick_family). Numeric addresses resolve without
        # awaiting anything, so only names are bounded by the deadline.
        every = specs + local_specs
        bound = None if all(_numeric(h) for h, _ in every) else deadline
        groups = await _within(
            loop, _resolve_groups(loop, every, family), bound, f"resolving {every!r}"
        )
        fam = _pick_family(groups, family)
        addrs = _usable(groups[: len(specs)], fam)
        local = _usable(groups[len(specs):], fam) if local_specs else []

    ours = sock is None
    if sock is None:
        sock = _new_socket(fam, socket.SOCK_STREAM)
    transport: Optional[SCTPTransport] = None
    started = False
    reader = False  # our waiting reader is still registered
    fd = sock.fileno()
    try:
        _prepare(sock, ostreams, instreams, nodelay, wanted, ours=ours)
        _configure(sock, configure)
        assoc_id = ostreams_up = instreams_up = 0
        if status is None:
            if local:
                lowlevel.bindx(sock, local)
            # COMM_UP comes as a notification unless configure switched
            # AssocChange off (asked only then): wait for it, else writability.
            readable = configure is None or lowlevel.get_event(sock, _ASSOC_CHANGE)
            started = True
            assoc_id = _sctp.connectx(fd, fam, addrs, 0.0)
            target = addrs[0] if len(addrs) == 1 else addrs
            # A near peer (loopback, the same host) answers INIT and
            # COOKIE-ECHO within connectx() itself: the association is then
            # up already, and waiting for COMM_UP would cost two turns of
            # the loop (the wait, the task's wake-up) for nothing. Its
            # COMM_UP stays queued for the transport to read. Unless the
            # peer may be an SCTPServer on this same loop: then the turns
            # let it accept first, so that it has the association when
            # this returns, as code on one loop expects (asyncio's TCP
            # connections give that order too).
            status = None if _served_here(loop, addrs) else _connected_status(sock)
            if status is None or status.state in _CONNECTING:
                reader = readable
                await _wait_up(loop, fd, deadline, target, readable)
                # Up (the usual case: one call) or failed (then SO_ERROR
                # says why).
                status = _connected_status(sock)
            if status is not None and status.state in _CONNECTING:
                # readable before COMM_UP (something else was queued on a
                # caller's socket): wait for the end of the handshake instead
                loop.remove_reader(fd)
                reader = False
                await _wait_up(loop, fd, deadline, target, False)
                status = _connected_status(sock)
            if status is None:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(
                        err, f"SCTP association to {target!r} failed: {os.strerror(err)}"
                    )
                # Else the peer already ended the association (its messages
                # and the notifications saying so are queued; COMM_UP gives
                # the streams).
        _widen_buffer(sock, default=ours and configure is None)
        extra = None
        if status is not None:
            assoc_id, ostreams_up, instreams_up = (
                status.assoc_id, status.outstreams, status.instreams)
            extra = _peername(status)
        protocol = protocol_factory()
        transport = SCTPTransport(
            loop,
            sock,
            protocol,
            assoc_id=assoc_id,
            ostreams=ostreams_up,
            instreams=instreams_up,
            max_message_size=max_message_size,
            extra=extra,
            events=_deliver_set(wanted),
        )
        # connection_made now, from this task: no loop turn for it. The
        # transport's reader replaces ours (no system call) unless it does
        # not read (paused, or connection_made failed).
        waiter: "asyncio.Future[None]" = loop.create_future()
        transport._start(waiter)
        if reader and not transport.is_reading():
            loop.remove_reader(fd)
        reader = False
        exc = waiter.exception() if waiter.done() else None
        if exc is not None:
            raise exc
    except BaseException:
        if reader:
            loop.remove_reader(fd)
        if transport is not None:
            transport.abort()
        elif started:
            try:
                lowlevel.abort(sock)  # ABORT now: no further INIT
            except OSError:
                sock.close()
        else:
            sock.close()
        raise
    return transport, protocol
