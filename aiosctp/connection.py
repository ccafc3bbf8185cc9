"""The client side: :func:`create_sctp_connection`, and the helpers the
server shares (argument checks, name resolution, socket setup)."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from . import _sctp, lowlevel
from .transport import DEFAULT_MAX_MESSAGE_SIZE, SCTPTransport

__all__ = ["create_sctp_connection"]

Address = Tuple[Any, ...]
AddrSpec = Union[str, Tuple[Any, ...]]
ProtocolFactory = Callable[[], asyncio.BaseProtocol]


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


def _widen_buffer(sock: socket.socket) -> None:
    """After the association is up: room beyond the window."""
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < 2 * _RCVBUF:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
    except OSError:
        pass  # the association is already gone: nothing to widen


def _prepare(sock: socket.socket, ostreams: int, instreams: int, nodelay: bool) -> None:
    """Nonblocking, every notification subscribed, INIT stream counts, NODELAY
    (without it a request/response exchange waits for delayed SACKs)."""
    sock.setblocking(False)
    lowlevel.subscribe(sock)
    lowlevel.set_initmsg(sock, ostreams=ostreams, instreams=instreams)
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


def _wait_writable(
    loop: asyncio.AbstractEventLoop, fd: int
) -> "asyncio.Future[None]":
    fut: "asyncio.Future[None]" = loop.create_future()

    def ready() -> None:
        if not fut.done():
            fut.set_result(None)

    loop.add_writer(fd, ready)
    return fut


async def create_sctp_connection(
    protocol_factory: ProtocolFactory,
    host: Optional[str] = None,
    port: Optional[int] = None,
    *,
    remote_addrs: Optional[Sequence[AddrSpec]] = None,
    local_addrs: Optional[Sequence[AddrSpec]] = None,
    family: int = socket.AF_UNSPEC,
    ostreams: int = 10,
    instreams: int = 10,
    nodelay: bool = True,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Tuple[SCTPTransport, asyncio.BaseProtocol]:
    """Set up an SCTP association (one-to-one socket) and return
    ``(transport, protocol)`` once it is up (COMM_UP).

    The peer is ``host``/``port``, and/or ``remote_addrs`` (hosts, which get
    ``port``, or (host, port) tuples): several addresses of a multi-homed
    peer, tried by sctp_connectx(). ``local_addrs`` binds the local end to
    several addresses (multi-homing). ``ostreams``/``instreams`` are the
    stream counts asked for in INIT. A refused or failed association raises
    the matching OSError (ConnectionRefusedError, TimeoutError ...)."""
    loop = asyncio.get_running_loop()
    _check_factory(protocol_factory)
    host = _check_host(host)
    family = _check_family(family)
    ostreams, instreams = _check_streams(ostreams, instreams)
    max_message_size = _check_max_message_size(max_message_size)
    if port is not None:
        port = _check_port(port, allow_zero=False)
    specs: List[Tuple[str, int]] = []
    if host is not None:
        if port is None:
            raise ValueError("port is required with host")
        specs.append((host, port))
    if remote_addrs is not None:
        specs.extend(_addr_specs(remote_addrs, port, "remote_addrs"))
    if not specs:
        raise ValueError("host and port (or remote_addrs) are required")
    for _, p in specs:
        if p == 0:
            raise ValueError("port 0 cannot be connected to")
    local_specs = _addr_specs(local_addrs, 0, "local_addrs") if local_addrs is not None else []

    # One family for both ends: an IPv6 address in either list makes the
    # socket IPv6 (see _pick_family).
    remote_groups = await _resolve_groups(loop, specs, family)
    local_groups = await _resolve_groups(loop, local_specs, family)
    fam = _pick_family(remote_groups + local_groups, family)
    addrs = _usable(remote_groups, fam)
    local: List[Address] = _usable(local_groups, fam) if local_groups else []

    sock = lowlevel.sctp_socket(fam, "one-to-one")
    transport: Optional[SCTPTransport] = None
    try:
        _prepare(sock, ostreams, instreams, nodelay)
        if local:
            lowlevel.bindx(sock, local)
        fd = sock.fileno()
        assoc_id = _sctp.connectx(fd, fam, addrs, 0.0)
        fut = _wait_writable(loop, fd)
        try:
            await fut
        finally:
            loop.remove_writer(fd)
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            target = addrs[0] if len(addrs) == 1 else addrs
            raise OSError(err, f"SCTP association to {target!r} failed: {os.strerror(err)}")
        _widen_buffer(sock)
        ostreams = instreams = 0
        try:
            status = lowlevel.get_status(sock)
            assoc_id, ostreams, instreams = status.assoc_id, status.outstreams, status.instreams
        except OSError:
            # The peer already ended the association (its messages and the
            # notifications saying so are queued; COMM_UP gives the streams).
            pass
        protocol = protocol_factory()
        transport = SCTPTransport(
            loop,
            sock,
            protocol,
            assoc_id=assoc_id,
            ostreams=ostreams,
            instreams=instreams,
            max_message_size=max_message_size,
        )
        waiter: "asyncio.Future[None]" = loop.create_future()
        loop.call_soon(transport._start, waiter)
        await waiter
    except BaseException:
        if transport is not None:
            transport.abort()
        else:
            sock.close()
        raise
    return transport, protocol
