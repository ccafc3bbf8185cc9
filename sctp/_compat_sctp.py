"""PySCTP 0.7.3's low-level module ``_sctp``, rebuilt on aiosctp's C core.

PySCTP ships two top-level modules: ``sctp`` (the Python API) and ``_sctp``
(its C half, which ``sctp`` calls and which programs and PySCTP's own tests
import directly, e.g. ``_sctp.getconstant("IPPROTO_SCTP")``). This module is
the ``_sctp`` of this project: the top-level ``_sctp.py`` shipped next to the
``sctp`` package makes ``import _sctp`` return this very module (see
docs/sctp-compat.md).

Every function of 0.7.3's ``_sctp`` is here, with its name, argument order
and result shape: ``getconstant``, the ``have_sctp_*`` probes, ``bindx``,
``connectx``, ``getpaddrs``/``getladdrs``, ``peeloff``, ``sctp_send_msg``,
``sctp_recv_msg``, the option getters and setters that read and fill dicts,
``_sockaddr_test`` and ``error_out``. None of PySCTP's C code is used: each
function is a few lines over :mod:`aiosctp._sctp` and :mod:`aiosctp.options`.

``fd`` is what 0.7.3 takes, a file descriptor (int), or, an addition, any
socket object (``socket.socket``, ``sctp.sctpsocket``): then the socket's
timeout mode is honoured (blocking, nonblocking, or ``settimeout(t)``
raising :class:`TimeoutError`). With a bare descriptor the mode is read from
its ``O_NONBLOCK`` flag: blocking, or nonblocking (:class:`BlockingIOError`).

Values are as 0.7.3 gives them at this level, with its bugs removed:

* ``ppid`` here is the raw 32-bit field as the kernel stores it, i.e. in
  network byte order (0.7.3's ``sctp.py`` applies ``ntohl`` before calling
  ``sctp_send_msg``, and returns what ``sctp_recv_msg`` gives unchanged).
  The ``sctp`` package converts it to and from the host-order integer.
* ``ppid``, ``context`` and ``ttl`` take the whole uint32 range, ``stream``
  and ``flags`` the uint16 range; anything else raises ``OverflowError``
  instead of being truncated or refused below 2**31.
* Payloads of ``send_failed`` and ``remote_error`` are ``bytes``;
  ``remote_error``'s ``error`` is the cause code in host order.
* IPv6 addresses are packed whole (no fixed 16-byte buffer), zeroed, and
  may carry flowinfo/scope_id as 4-tuples; host names are resolved.
* Every failure raises an exception; nothing returns ``None`` or NULL
  (``SystemError``) in place of an error. ``connectx`` returns the new
  association id.
* ``max_init_timeo`` of ``get_initparams`` is ``sinit_max_init_timeo`` (0.7.3
  returned ``sinit_max_attempts`` there), and ``get/set_paddrparams`` read
  and write ``pathmtu``, ``sackdelay`` and ``flags`` too.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import struct
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from aiosctp import _sctp as _core
from aiosctp import _uapi
from aiosctp import options as _opt
from aiosctp.lowlevel import read_notification_rest
from aiosctp.lowlevel import resolve as _resolve

__all__ = [
    "COMPAT_ENV",
    "COMPAT_LINUX",
    "COMPAT_MODES",
    "COMPAT_PYSCTP_073",
    "compat_mode",
    "Error",
    "error_out",
    "getconstant",
    "have_sctp_multibuf",
    "have_sctp_noconnect",
    "have_sctp_sat_network",
    "have_sctp_setprimary",
    "have_sctp_prsctp",
    "have_sctp_addip",
    "bindx",
    "connectx",
    "getpaddrs",
    "getladdrs",
    "peeloff",
    "sctp_send_msg",
    "sctp_recv_msg",
    "set_peer_primary",
    "set_primary",
    "get_autoclose",
    "set_autoclose",
    "get_initparams",
    "set_initparams",
    "get_nodelay",
    "set_nodelay",
    "get_adaptation",
    "set_adaptation",
    "get_sndbuf",
    "set_sndbuf",
    "get_rcvbuf",
    "set_rcvbuf",
    "get_disable_fragments",
    "set_disable_fragments",
    "get_events",
    "set_events",
    "get_mappedv4",
    "set_mappedv4",
    "get_maxseg",
    "set_maxseg",
    "get_status",
    "get_rtoinfo",
    "get_paddrinfo",
    "get_assocparams",
    "get_paddrparams",
    "set_rtoinfo",
    "set_assocparams",
    "set_paddrparams",
]

Address = Tuple[Any, ...]
Fd = Any  # an int file descriptor or a socket object

_MSG_NOTIFICATION = _core.MSG_NOTIFICATION
_SCTP_EVENTS = _core.SCTP_EVENTS
_SOL_SCTP = _core.SOL_SCTP

# ---- compatibility mode ---------------------------------------------------------------------
#: Exactly what PySCTP 0.7.3 did wherever a working program could notice
#: (the default): the ``SCTP_*`` error codes of :func:`getconstant` carry
#: 0.7.3's values, :func:`set_paddrparams` applies only ``pathmaxrxt``, a
#: remote_error's cause is the big-endian field unconverted, the payload
#: of send_failed/remote_error is text (``bytes`` only where 0.7.3 crashed:
#: not UTF-8), connectx() on a nonblocking socket raises EINPROGRESS, and
#: a socket with a timeout (``settimeout(t)``, t > 0) is nonblocking for the
#: calls of this module, as it was for 0.7.3's (BlockingIOError at once).
COMPAT_PYSCTP_073 = "pysctp-0.7.3"
#: Linux's semantics where 0.7.3 differed (for new code): the error codes are
#: the kernel's (``enum sctp_sn_error``), :func:`set_paddrparams` applies
#: ``hbinterval``, ``pathmtu``, ``sackdelay`` and ``flags``, the remote
#: error cause is in host order, payloads are ``bytes``, a nonblocking
#: connectx() returns the new association's id, and ``settimeout(t)`` bounds
#: the waits of sctp_recv/sctp_send/connectx (``TimeoutError``).
COMPAT_LINUX = "linux"
COMPAT_MODES = (COMPAT_PYSCTP_073, COMPAT_LINUX)
#: Environment variable read at import to set :data:`compat_mode`.
COMPAT_ENV = "AIOSCTP_SCTP_COMPAT"


def _check_compat(value: object) -> str:
    if value not in COMPAT_MODES:
        raise ValueError("compat_mode must be one of %s, not %r" % (", ".join(COMPAT_MODES), value))
    return str(value)


#: The mode, from $AIOSCTP_SCTP_COMPAT (default ``"pysctp-0.7.3"``). The
#: ``sctp`` package reads the error codes once, at import (class constants);
#: :func:`getconstant` and :func:`set_paddrparams` read it at each call.
compat_mode = _check_compat(os.environ.get(COMPAT_ENV) or COMPAT_PYSCTP_073)

# The error codes of 0.7.3 (its _sctp.h, from an old draft): a program that
# maps ``notif.error`` back to a name with them finds none for the 0 of a
# normal COMM_UP, where the kernel's values would call it FAILED_THRESHOLD.
_PYSCTP_SN_ERRORS = {
    "SCTP_FAILED_THRESHOLD": 0x0004,
    "SCTP_RECEIVED_SACK": 0x0040,
    "SCTP_HEARTBEAT_SUCCESS": 0x0008,
    "SCTP_RESPONSE_TO_USER_REQ": 0x000F,
    "SCTP_INTERNAL_ERROR": 0x0010,
    "SCTP_SHUTDOWN_GUARD_EXPIRES": 0x0020,
    "SCTP_PEER_FAULTY": 0x0080,
}

# enum sctp_sn_error of <linux/sctp.h>: the ``error`` of a paddr_change as
# the kernel reports it (COMPAT_LINUX).
_SN_ERRORS = {
    "SCTP_FAILED_THRESHOLD": 0,
    "SCTP_RECEIVED_SACK": 1,
    "SCTP_HEARTBEAT_SUCCESS": 2,
    "SCTP_RESPONSE_TO_USER_REQ": 3,
    "SCTP_INTERNAL_ERROR": 4,
    "SCTP_SHUTDOWN_GUARD_EXPIRES": 5,
    "SCTP_PEER_FAULTY": 6,
}

#: Linux has no SCTP_BOUND/SCTP_LISTEN association state; -1 (what 0.7.3
#: gives on Linux too) never equals a state the kernel reports.
NO_SUCH_STATE = -1

# Every key 0.7.3's getconstant() knows, with the value the Linux kernel uses
# (from aiosctp's C core, i.e. the build's kernel headers).
_CONSTANTS: Dict[str, int] = {
    "BINDX_ADD": _core.SCTP_BINDX_ADD_ADDR,
    "BINDX_REMOVE": _core.SCTP_BINDX_REM_ADDR,
    "SOL_SCTP": _core.SOL_SCTP,
    "IPPROTO_SCTP": _core.IPPROTO_SCTP,
    "SOCK_SEQPACKET": int(socket.SOCK_SEQPACKET),
    "SOCK_STREAM": int(socket.SOCK_STREAM),
    "MSG_UNORDERED": _core.SCTP_UNORDERED,
    "MSG_ADDR_OVER": _core.SCTP_ADDR_OVER,
    "MSG_SENDALL": _core.SCTP_SENDALL,
    "MSG_ABORT": _core.SCTP_ABORT,
    "MSG_EOF": _core.SCTP_EOF,
    "MSG_EOR": _core.MSG_EOR,
    "MSG_FIN": _core.SCTP_EOF,  # Linux: SCTP_EOF is MSG_FIN (0x200)
    "MSG_DONTROUTE": int(socket.MSG_DONTROUTE),
    "MSG_NOTIFICATION": _core.MSG_NOTIFICATION,
    "SCTP_COMM_UP": _core.SCTP_COMM_UP,
    "SCTP_COMM_LOST": _core.SCTP_COMM_LOST,
    "SCTP_RESTART": _core.SCTP_RESTART,
    "SCTP_SHUTDOWN_COMP": _core.SCTP_SHUTDOWN_COMP,
    "SCTP_CANT_STR_ASSOC": _core.SCTP_CANT_STR_ASSOC,
    "SCTP_DATA_UNSENT": _core.SCTP_DATA_UNSENT,
    "SCTP_DATA_SENT": _core.SCTP_DATA_SENT,
    "SCTP_PARTIAL_DELIVERY_ABORTED": _core.SCTP_PARTIAL_DELIVERY_ABORTED,
    "SPP_HB_DISABLED": _core.SPP_HB_DISABLE,
    "SPP_HB_ENABLED": _core.SPP_HB_ENABLE,
    "SPP_PMTUD_DISABLED": _core.SPP_PMTUD_DISABLE,
    "SPP_PMTUD_ENABLED": _core.SPP_PMTUD_ENABLE,
    "SPP_SACKDELAY_DISABLED": _core.SPP_SACKDELAY_DISABLE,
    "SPP_SACKDELAY_ENABLED": _core.SPP_SACKDELAY_ENABLE,
    "SCTP_BOUND": NO_SUCH_STATE,
    "SCTP_LISTEN": NO_SUCH_STATE,
    **_SN_ERRORS,
    "SCTP_ADDR_AVAILABLE": _core.SCTP_ADDR_AVAILABLE,
    "SCTP_ADDR_UNREACHABLE": _core.SCTP_ADDR_UNREACHABLE,
    "SCTP_ADDR_REMOVED": _core.SCTP_ADDR_REMOVED,
    "SCTP_ADDR_ADDED": _core.SCTP_ADDR_ADDED,
    "SCTP_ADDR_MADE_PRIM": _core.SCTP_ADDR_MADE_PRIM,
    "SCTP_INACTIVE": _core.SCTP_INACTIVE,
    "SCTP_ACTIVE": _core.SCTP_ACTIVE,
    "SCTP_EMPTY": _core.SCTP_EMPTY,
    "SCTP_CLOSED": _core.SCTP_CLOSED,
    "SCTP_COOKIE_WAIT": _core.SCTP_COOKIE_WAIT,
    "SCTP_COOKIE_ECHOED": _core.SCTP_COOKIE_ECHOED,
    "SCTP_ESTABLISHED": _core.SCTP_ESTABLISHED,
    "SCTP_SHUTDOWN_PENDING": _core.SCTP_SHUTDOWN_PENDING,
    "SCTP_SHUTDOWN_SENT": _core.SCTP_SHUTDOWN_SENT,
    "SCTP_SHUTDOWN_RECEIVED": _core.SCTP_SHUTDOWN_RECEIVED,
    "SCTP_SHUTDOWN_ACK_SENT": _core.SCTP_SHUTDOWN_ACK_SENT,
    "SCTP_SN_TYPE_BASE": _uapi.SCTP_DATA_IO_EVENT,
    "SCTP_ASSOC_CHANGE": _core.SCTP_ASSOC_CHANGE,
    "SCTP_PEER_ADDR_CHANGE": _core.SCTP_PEER_ADDR_CHANGE,
    "SCTP_SEND_FAILED": _core.SCTP_SEND_FAILED,
    "SCTP_REMOTE_ERROR": _core.SCTP_REMOTE_ERROR,
    "SCTP_SHUTDOWN_EVENT": _core.SCTP_SHUTDOWN_EVENT,
    "SCTP_PARTIAL_DELIVERY_EVENT": _core.SCTP_PARTIAL_DELIVERY_EVENT,
    "SCTP_ADAPTATION_INDICATION": _core.SCTP_ADAPTATION_INDICATION,
}

# The eight classic fields of struct sctp_event_subscribe (SCTP_EVENTS), in
# order, with the dict keys 0.7.3's get_events/set_events use.
_EVENT_KEYS = (
    "_data_io",
    "_association",
    "_address",
    "_send_failure",
    "_peer_error",
    "_shutdown",
    "_partial_delivery",
    "_adaptation_layer",
)

_INITMSG_KEYS = ("_num_ostreams", "_max_instreams", "_max_attempts", "_max_init_timeo")

# Flags of struct sctp_paddrparams a paddrparams() object can carry: those
# with a value of their own (flow label, DSCP) are not part of 0.7.3's API.
_SPP_EXTRA = _uapi.SPP_IPV6_FLOWLABEL | _uapi.SPP_DSCP


class Error(Exception):
    """The exception of :func:`error_out` (0.7.3 created it but did not
    export it)."""


# ---- helpers -------------------------------------------------------------


class _Target:
    """The socket behind an ``fd`` argument and its timeout mode in the C
    core's convention (-1.0 blocking, 0.0 nonblocking, > 0 seconds).

    For a bare descriptor a socket object is built around it for the call
    and detached afterwards (the descriptor's O_NONBLOCK flag is restored:
    the socket constructor may change it under ``setdefaulttimeout``)."""

    __slots__ = ("sock", "timeout", "_flags")

    def __init__(self, fd: Fd) -> None:
        self._flags: Optional[int] = None
        if isinstance(fd, int) and not isinstance(fd, bool):
            if fd < 0:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            self.sock: Any = socket.socket(fileno=fd)
            self._flags = flags
            self.timeout = 0.0 if flags & os.O_NONBLOCK else -1.0
            return
        if not hasattr(fd, "fileno") or not hasattr(fd, "gettimeout"):
            raise TypeError(f"expected a socket or a file descriptor, not {type(fd).__name__}")
        self.sock = fd
        t = fd.gettimeout()
        self.timeout = -1.0 if t is None else float(t)
        if self.timeout > 0 and compat_mode != COMPAT_LINUX:
            # 0.7.3: a timeout makes the descriptor nonblocking and nothing
            # waited, so programs catch BlockingIOError (D7)
            self.timeout = 0.0

    def __enter__(self) -> "_Target":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._flags is not None:
            fd = self.sock.detach()
            try:
                if fcntl.fcntl(fd, fcntl.F_GETFL) != self._flags:
                    fcntl.fcntl(fd, fcntl.F_SETFL, self._flags)
            except OSError:
                pass

    def fileno(self) -> int:
        fd: int = self.sock.fileno()
        return fd


def _swap32(value: Any) -> int:
    """Convert a uint32 between host and network byte order (htonl/ntohl),
    refusing what is not a uint32 instead of truncating it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an integer is required, not {type(value).__name__}")
    if not 0 <= value <= 0xFFFFFFFF:
        raise OverflowError(f"{value} is out of range 0..4294967295")
    if sys.byteorder == "big":
        return value
    return int.from_bytes(value.to_bytes(4, "little"), "big")


def _ifname(index: int) -> str:
    try:
        return socket.if_indextoname(index)
    except OSError:
        return str(index)


def _addr_out(addr: Optional[Address]) -> Optional[Address]:
    """An address as 0.7.3 gives it: ``(host, port)``, IPv6 included (a
    link-local scope becomes ``host%ifname`` as in the socket module)."""
    if addr is None:
        return None
    if len(addr) == 4 and isinstance(addr[0], str):
        host, port, _flowinfo, scope_id = addr
        if scope_id:
            host = f"{host}%{_ifname(scope_id)}"
        return (host, port)
    if len(addr) == 2 and isinstance(addr[0], str):
        return (addr[0], addr[1])
    return tuple(addr)  # (family, raw bytes) of a family the core cannot show


def _addr_in(family: int, addr: Any) -> Address:
    """A caller's address (a 2- or 4-item sequence) resolved to numeric."""
    if isinstance(addr, (str, bytes)) or not isinstance(addr, (tuple, list)):
        raise TypeError(f"an address is a tuple (host, port), not {type(addr).__name__}")
    return _resolve(family, tuple(addr))


def _addr_list(family: int, sockaddrs: Any) -> List[Address]:
    if isinstance(sockaddrs, (str, bytes)) or not isinstance(sockaddrs, Sequence):
        raise ValueError("Second parameter must be a sequence of address/port tuples")
    if len(sockaddrs) == 0:
        raise ValueError("Second parameter must be a non-empty sequence")
    return [_addr_in(family, a) for a in sockaddrs]


def _peer_addr(family: int, sockaddr: Any) -> Optional[Address]:
    """For the peer address options: ``("", port)`` means no particular
    address (the association or endpoint), as in 0.7.3."""
    if isinstance(sockaddr, (tuple, list)) and len(sockaddr) >= 2 and sockaddr[0] == "":
        return None
    return _addr_in(family, sockaddr)


def _sndrcv_dict(info: Optional[Tuple[int, ...]], raw_ppid: bool = True) -> Dict[str, int]:
    """0.7.3's sndrcvinfo dict from the core's receive info; ``ppid`` raw
    (network order), or as the core gives it (host order) without
    ``raw_ppid``."""
    if info is None:
        stream = ssn = flags = ppid = tsn = cumtsn = context = assoc_id = 0
    else:
        stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id = info
    return {
        "stream": stream,
        "ssn": ssn,
        "flags": flags,
        "ppid": _swap32(ppid) if raw_ppid else ppid,
        "context": context,
        "timetolive": 0,  # never set on receive (the peer does not send it)
        "tsn": tsn,
        "cumtsn": cumtsn,
        "assoc_id": assoc_id,
    }


# struct sctp_send_failed: the sndrcvinfo fields the core's decoder omits
_SSF_SSN = struct.Struct("=H")  # at offset 14
_SSF_TAIL = struct.Struct("=III")  # timetolive, tsn, cumtsn at offset 28


def _payload(data: bytes) -> Union[str, bytes]:
    """The ``data`` of send_failed and remote_error: ``bytes`` with
    ``compat_mode == "linux"``; otherwise, as 0.7.3, the text when it is
    UTF-8, and ``bytes`` where 0.7.3 crashed (SIGSEGV) on a payload that is
    not UTF-8."""
    if compat_mode == COMPAT_LINUX:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _notification_dict(raw: bytes) -> Dict[str, Any]:
    """0.7.3's notification dict (``type``, ``flags``, ``length`` and the
    fields of the known types) from a whole raw notification."""
    ntype, nflags, length = struct.unpack("=HHI", raw[:8].ljust(8, b"\0"))
    d: Dict[str, Any] = {"type": ntype, "flags": nflags, "length": length}
    f = _core.decode_notification(raw)
    if f[1] is None:  # a type 0.7.3 does not know, or cut short
        return d
    if ntype == _core.SCTP_ASSOC_CHANGE:
        _, _, state, error, outs, ins, assoc_id, _info = f
        d.update(state=state, error=error, outbound_streams=outs, inbound_streams=ins,
                 assoc_id=assoc_id)
    elif ntype == _core.SCTP_PEER_ADDR_CHANGE:
        _, _, addr, state, error, assoc_id = f
        d.update(addr=_addr_out(addr), state=state, error=error, assoc_id=assoc_id)
    elif ntype == _core.SCTP_SEND_FAILED:
        _, _, error, (stream, sflags, ppid, context, sassoc), assoc_id, data = f
        (ssn,) = _SSF_SSN.unpack_from(raw, 14)
        ttl, tsn, cumtsn = _SSF_TAIL.unpack_from(raw, 28)
        d["_info"] = {
            "stream": stream,
            "ssn": ssn,
            "flags": sflags,
            "ppid": _swap32(ppid),
            "context": context,
            "timetolive": ttl,
            "tsn": tsn,
            "cumtsn": cumtsn,
            "assoc_id": sassoc,
        }
        d.update(error=error, assoc_id=assoc_id, data=_payload(bytes(data)))
    elif ntype == _core.SCTP_REMOTE_ERROR:
        _, _, cause, assoc_id, data = f
        if compat_mode != COMPAT_LINUX:
            cause = socket.htons(cause)  # 0.7.3 read the big-endian field as is
        d.update(error=cause, assoc_id=assoc_id, data=_payload(bytes(data)))
    elif ntype == _core.SCTP_SHUTDOWN_EVENT:
        d.update(assoc_id=f[2])
    elif ntype == _core.SCTP_PARTIAL_DELIVERY_EVENT:
        _, _, indication, _stream, _seq, assoc_id = f
        d.update(indication=indication, assoc_id=assoc_id)
    elif ntype == _core.SCTP_ADAPTATION_INDICATION:
        _, _, adaptation_ind, assoc_id = f
        d.update(adaptation_ind=adaptation_ind, assoc_id=assoc_id)
    return d


def _key(d: Any, key: Any) -> Any:
    try:
        return d[key]
    except KeyError:
        raise KeyError(f"the dict has no {key!r} item") from None
    except TypeError:
        raise TypeError(f"expected a dict, not {type(d).__name__}") from None


# ---- module functions ----------------------------------------------------------


def error_out() -> None:
    """Raise :class:`Error` (a test hook of 0.7.3)."""
    raise Error("something bad happened")


def getconstant(name: str) -> int:
    """The value of one of 0.7.3's 62 constant names (``"IPPROTO_SCTP"``,
    ``"MSG_EOF"``, ``"SCTP_COMM_UP"`` ...), as the Linux kernel uses it;
    the seven error codes (``"SCTP_FAILED_THRESHOLD"`` ...) have 0.7.3's
    values unless :data:`compat_mode` is ``"linux"``. An unknown name raises
    ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"the constant name must be a str, not {type(name).__name__}")
    if name in _PYSCTP_SN_ERRORS and compat_mode != COMPAT_LINUX:
        return _PYSCTP_SN_ERRORS[name]
    try:
        return _CONSTANTS[name]
    except KeyError:
        raise ValueError(f"unknown SCTP constant {name!r}") from None


def have_sctp_multibuf(*_args: object) -> bool:
    """Whether the API supports one-to-many sockets (always, on Linux)."""
    return True


def have_sctp_noconnect(*_args: object) -> bool:
    """Whether an association can be set up by sending (always, on Linux)."""
    return True


def have_sctp_sat_network(*_args: object) -> bool:
    """Satellite network extensions: never on Linux."""
    return False


def have_sctp_setprimary(*_args: object) -> bool:
    """Whether SCTP_PRIMARY_ADDR can be set (always, on Linux)."""
    return True


def have_sctp_prsctp(*_args: object) -> bool:
    """Whether PR-SCTP is in the API (always, on Linux)."""
    return True


def have_sctp_addip(*_args: object) -> bool:
    """Whether bindx() may change addresses of a live association (ASCONF,
    always in the Linux API)."""
    return True


def bindx(fd: Fd, sockaddrs: Sequence[Address], action: int) -> None:
    """sctp_bindx(): add (``BINDX_ADD``) or remove (``BINDX_REMOVE``) the
    local addresses ``sockaddrs``, a list of ``(host, port)`` tuples."""
    with _Target(fd) as t:
        family = t.sock.family
        _core.bindx(t.fileno(), family, _addr_list(family, sockaddrs), action)


def connectx(fd: Fd, sockaddrs: Sequence[Address], assoc_id: Any = None) -> int:
    """sctp_connectx(): set up an association with a peer known by the
    addresses ``sockaddrs``; returns its id (also stored as
    ``assoc_id["assoc_id"]`` when ``assoc_id`` is a dict, as 0.7.3 did).
    The GIL is released while it waits.

    On a nonblocking socket the handshake is started and, as with 0.7.3 (the
    default :data:`compat_mode`), ``BlockingIOError`` (EINPROGRESS) is
    raised: programs wait for the socket to become writable before they
    use it. With ``compat_mode == "linux"`` the id is returned at once,
    the handshake still in progress."""
    with _Target(fd) as t:
        family = t.sock.family
        new_id: int = _core.connectx(t.fileno(), family, _addr_list(family, sockaddrs), t.timeout)
        if t.timeout == 0.0 and compat_mode != COMPAT_LINUX:
            raise BlockingIOError(errno.EINPROGRESS, os.strerror(errno.EINPROGRESS))
    if isinstance(assoc_id, dict):
        assoc_id["assoc_id"] = new_id
    return new_id


def getpaddrs(fd: Fd, assoc_id: int) -> Tuple[Address, ...]:
    """The peer addresses of an association, a tuple of ``(host, port)``."""
    with _Target(fd) as t:
        addrs = _core.getpaddrs(t.fileno(), assoc_id)
    return tuple(_addr_out(a) for a in addrs)  # type: ignore[misc]


def getladdrs(fd: Fd, assoc_id: int) -> Tuple[Address, ...]:
    """The local addresses of an association (0: of the socket)."""
    with _Target(fd) as t:
        addrs = _core.getladdrs(t.fileno(), assoc_id)
    return tuple(_addr_out(a) for a in addrs)  # type: ignore[misc]


def peeloff(fd: Fd, assoc_id: int) -> int:
    """sctp_peeloff(): the descriptor of a new one-to-one socket holding
    association ``assoc_id`` of a one-to-many socket. The caller owns it
    (it is close-on-exec)."""
    with _Target(fd) as t:
        new_fd: int = _core.peeloff(t.fileno(), assoc_id)
    return new_fd


def sctp_send_msg(
    fd: Fd,
    msg: Union[str, bytes, bytearray, memoryview],
    to: Any,
    ppid: int,
    flags: int,
    stream: int,
    ttl: int,
    context: int,
) -> int:
    """Send one message; returns the number of bytes sent.

    ``msg`` is bytes-like (a str is sent UTF-8 encoded); ``to`` a
    ``(host, port)`` tuple (``("", port)``: none, the association of a
    one-to-one socket), or an association id (int); ``ppid`` the raw field
    in network byte order; ``flags`` SCTP sinfo flags (``MSG_UNORDERED``,
    ``MSG_ADDR_OVER``, ``MSG_ABORT``, ``MSG_EOF``, ``MSG_SENDALL``);
    ``ttl`` in ms (0: no limit); ``context`` a uint32 returned in
    ``send_failed`` notifications."""
    data = msg.encode("utf-8") if isinstance(msg, str) else msg
    dest: Optional[Address] = None
    assoc_id = 0
    with _Target(fd) as t:
        if isinstance(to, int) and not isinstance(to, bool):
            assoc_id = to
        elif to is not None:
            if isinstance(to, (tuple, list)) and len(to) >= 2 and to[0] == "":
                dest = None
            else:
                dest = _addr_in(t.sock.family, to)
        sent: int = _core.sendmsg(
            t.fileno(), data, stream, _swap32(ppid), flags, context, ttl, assoc_id, dest,
            t.timeout,
        )
    return sent


def sctp_recv_msg(fd: Fd, maxlen: int) -> Tuple[Optional[Address], int, Optional[bytes], Dict[str, Any]]:
    """Receive one message or notification: ``(fromaddr, flags, msg,
    info)``.

    For data ``msg`` is the bytes read (at most ``maxlen``; without
    ``MSG_EOR`` in ``flags`` the message continues) and ``info`` the
    sndrcvinfo dict (zero unless the data_io event is on). For a
    notification (``MSG_NOTIFICATION`` in ``flags``) ``msg`` is None and
    ``info`` the notification dict; a notification is always read whole,
    whatever ``maxlen``. End of file on a one-to-one socket gives
    ``(None, 0, b"", zeroed info)``."""
    with _Target(fd) as t:
        fileno = t.fileno()
        data, flags, addr, info, _nxt = _core.recvmsg(fileno, maxlen, t.timeout)
        if flags & _MSG_NOTIFICATION:
            flags, notif = _notification_rest(fileno, maxlen, t.timeout, data, flags)
            return (_addr_out(addr), flags, None, notif)
    return (_addr_out(addr), flags, data, _sndrcv_dict(info))


def _notification_rest(
    fileno: int, maxlen: int, timeout: float, data: bytes, flags: int
) -> Tuple[int, Dict[str, Any]]:
    """A notification whose first part is ``data``: read the rest (a
    notification is always read whole) and decode it into 0.7.3's dict;
    returns the last part's flags and the dict."""
    whole, flags = read_notification_rest(fileno, data, flags, max(maxlen, 1024), timeout)
    return flags, _notification_dict(whole)


def set_peer_primary(fd: Fd, assoc_id: int, addr: Address) -> None:
    """SCTP_SET_PEER_PRIMARY_ADDR: ask the peer to send to our ``addr``."""
    with _Target(fd) as t:
        _opt.set_peer_primary_addr(t.sock, _addr_in(t.sock.family, addr), assoc_id)


def set_primary(fd: Fd, assoc_id: int, addr: Address) -> None:
    """SCTP_PRIMARY_ADDR: send to the peer's ``addr`` by default."""
    with _Target(fd) as t:
        _opt.set_primary_addr(t.sock, _addr_in(t.sock.family, addr), assoc_id)


def get_autoclose(fd: Fd) -> int:
    """SCTP_AUTOCLOSE in seconds."""
    with _Target(fd) as t:
        return _opt.get_autoclose(t.sock)


def set_autoclose(fd: Fd, value: int) -> None:
    """SCTP_AUTOCLOSE in seconds (0: never)."""
    with _Target(fd) as t:
        _opt.set_autoclose(t.sock, value)


def get_initparams(fd: Fd) -> Dict[str, int]:
    """SCTP_INITMSG as ``{"_num_ostreams", "_max_instreams",
    "_max_attempts", "_max_init_timeo"}``."""
    with _Target(fd) as t:
        m = _opt.get_initmsg(t.sock)
    return dict(zip(_INITMSG_KEYS, (m.ostreams, m.instreams, m.max_attempts, m.max_init_timeo)))


def set_initparams(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_INITMSG from the four keys of :func:`get_initparams` (0 keeps a
    value); other keys are ignored."""
    ostreams, instreams, attempts, timeo = (_key(d, k) for k in _INITMSG_KEYS)
    with _Target(fd) as t:
        _opt.set_initmsg(t.sock, ostreams=ostreams, instreams=instreams,
                         max_attempts=attempts, max_init_timeo=timeo)


def get_nodelay(fd: Fd) -> bool:
    """SCTP_NODELAY."""
    with _Target(fd) as t:
        return _opt.get_nodelay(t.sock)


def set_nodelay(fd: Fd, value: int) -> None:
    """SCTP_NODELAY."""
    with _Target(fd) as t:
        _opt.set_nodelay(t.sock, value)  # type: ignore[arg-type]


def get_adaptation(fd: Fd) -> int:
    """SCTP_ADAPTATION_LAYER (a uint32)."""
    with _Target(fd) as t:
        return _opt.get_adaptation_layer(t.sock)


def set_adaptation(fd: Fd, value: int) -> None:
    """SCTP_ADAPTATION_LAYER (a uint32)."""
    with _Target(fd) as t:
        _opt.set_adaptation_layer(t.sock, value)


def get_sndbuf(fd: Fd) -> int:
    """SO_SNDBUF as the kernel reports it."""
    with _Target(fd) as t:
        value: int = t.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    return value


def set_sndbuf(fd: Fd, value: int) -> None:
    """SO_SNDBUF (Linux doubles what is set)."""
    with _Target(fd) as t:
        t.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, value)


def get_rcvbuf(fd: Fd) -> int:
    """SO_RCVBUF as the kernel reports it."""
    with _Target(fd) as t:
        value: int = t.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    return value


def set_rcvbuf(fd: Fd, value: int) -> None:
    """SO_RCVBUF (Linux doubles what is set)."""
    with _Target(fd) as t:
        t.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, value)


def get_disable_fragments(fd: Fd) -> bool:
    """SCTP_DISABLE_FRAGMENTS."""
    with _Target(fd) as t:
        return _opt.get_disable_fragments(t.sock)


def set_disable_fragments(fd: Fd, value: int) -> None:
    """SCTP_DISABLE_FRAGMENTS."""
    with _Target(fd) as t:
        _opt.set_disable_fragments(t.sock, value)  # type: ignore[arg-type]


def get_events(fd: Fd) -> Dict[str, bool]:
    """The eight classic subscriptions of SCTP_EVENTS, as bools under the
    keys ``_data_io``, ``_association``, ``_address``, ``_send_failure``,
    ``_peer_error``, ``_shutdown``, ``_partial_delivery``,
    ``_adaptation_layer``."""
    with _Target(fd) as t:
        raw = t.sock.getsockopt(_SOL_SCTP, _SCTP_EVENTS, len(_EVENT_KEYS))
    raw = bytes(raw).ljust(len(_EVENT_KEYS), b"\0")
    return {k: bool(raw[i]) for i, k in enumerate(_EVENT_KEYS)}


def set_events(fd: Fd, d: Dict[str, Any]) -> None:
    """Set the eight classic subscriptions (SCTP_EVENTS, old style) from a
    dict with the keys of :func:`get_events` (ints or bools). The newer
    subscriptions (sender dry, stream reset ...) are left as they are."""
    values = []
    for k in _EVENT_KEYS:
        v = _key(d, k)
        if not isinstance(v, int):
            raise TypeError(f"{k[1:]} must be a bool or an int, not {type(v).__name__}")
        values.append(1 if v else 0)
    with _Target(fd) as t:
        t.sock.setsockopt(_SOL_SCTP, _SCTP_EVENTS, bytes(values))


def get_mappedv4(fd: Fd) -> bool:
    """SCTP_I_WANT_MAPPED_V4_ADDR."""
    with _Target(fd) as t:
        return _opt.get_mapped_v4(t.sock)


def set_mappedv4(fd: Fd, value: int) -> None:
    """SCTP_I_WANT_MAPPED_V4_ADDR."""
    with _Target(fd) as t:
        _opt.set_mapped_v4(t.sock, value)  # type: ignore[arg-type]


def get_maxseg(fd: Fd) -> int:
    """SCTP_MAXSEG: the socket's setting, or on a connected one-to-one
    socket the association's fragmentation point."""
    with _Target(fd) as t:
        return _opt.get_maxseg(t.sock)


def set_maxseg(fd: Fd, value: int) -> None:
    """SCTP_MAXSEG (0: from the path MTU)."""
    with _Target(fd) as t:
        _opt.set_maxseg(t.sock, value)


def _sockaddr_test(addr: Address) -> Tuple[str, int, int, Address]:
    """How an address is converted: ``(text, family, size, (host, port))``
    (0.7.3's debugging aid, without its printf)."""
    family = socket.AF_INET6 if ":" in str(_key(addr, 0)) else socket.AF_INET
    norm = _core.check_sockaddr(tuple(addr), family)
    size = 28 if family == socket.AF_INET6 else 16
    host, port = norm[0], norm[1]
    return (f"family {family}, size {size}, address {host}.{port}", family, size, (host, port))


def get_status(fd: Fd, d: Dict[str, Any], d2: Dict[str, Any]) -> None:
    """SCTP_STATUS of association ``d["assoc_id"]``: fills ``d`` (``state``,
    ``rwnd``, ``unackdata``, ``penddata``, ``instrms``, ``outstrms``,
    ``fragmentation_point``) and ``d2`` with the primary path (``sockaddr``,
    ``assoc_id``, ``state``, ``cwnd``, ``srtt``, ``rto``, ``mtu``)."""
    with _Target(fd) as t:
        st = _opt.get_status(t.sock, _key(d, "assoc_id"))
    d.update(state=int(st.state), rwnd=st.rwnd, unackdata=st.unackdata, penddata=st.penddata,
             instrms=st.instreams, outstrms=st.outstreams,
             fragmentation_point=st.fragmentation_point)
    p = st.primary
    d2.update(sockaddr=_addr_out(p.address), assoc_id=p.assoc_id, state=int(p.state),
              cwnd=p.cwnd, srtt=p.srtt, rto=p.rto, mtu=p.mtu)


def get_rtoinfo(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_RTOINFO of ``d["assoc_id"]``: fills ``initial``, ``max``, ``min``."""
    with _Target(fd) as t:
        r = _opt.get_rtoinfo(t.sock, _key(d, "assoc_id"))
    d.update(initial=r.initial, max=r.max, min=r.min)


def get_paddrinfo(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_GET_PEER_ADDR_INFO of ``d["sockaddr"]`` in ``d["assoc_id"]``:
    fills ``state``, ``cwnd``, ``srtt``, ``rto``, ``mtu``."""
    with _Target(fd) as t:
        addr = _addr_in(t.sock.family, _key(d, "sockaddr"))
        info = _opt.get_peer_addr_info(t.sock, addr, _key(d, "assoc_id"))
    d.update(state=int(info.state), cwnd=info.cwnd, srtt=info.srtt, rto=info.rto, mtu=info.mtu)


def get_assocparams(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_ASSOCINFO of ``d["assoc_id"]``: fills ``assocmaxrxt``,
    ``number_peer_destinations``, ``peer_rwnd``, ``local_rwnd``,
    ``cookie_life``."""
    with _Target(fd) as t:
        a = _opt.get_associnfo(t.sock, _key(d, "assoc_id"))
    d.update(assocmaxrxt=a.asocmaxrxt, number_peer_destinations=a.number_peer_destinations,
             peer_rwnd=a.peer_rwnd, local_rwnd=a.local_rwnd, cookie_life=a.cookie_life)


def get_paddrparams(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_PEER_ADDR_PARAMS of ``d["sockaddr"]`` (``("", 0)``: the whole
    association or endpoint) in ``d["assoc_id"]``: fills ``hbinterval``,
    ``pathmaxrxt``, ``pathmtu``, ``sackdelay`` and ``flags`` (SPP_*)."""
    with _Target(fd) as t:
        addr = _peer_addr(t.sock.family, _key(d, "sockaddr"))
        p = _opt.get_peer_addr_params(t.sock, addr, _key(d, "assoc_id"))
    d.update(hbinterval=p.hbinterval, pathmaxrxt=p.pathmaxrxt, pathmtu=p.pathmtu,
             sackdelay=p.sackdelay, flags=int(p.flags) & ~_SPP_EXTRA)


def set_rtoinfo(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_RTOINFO from ``assoc_id``, ``initial``, ``max``, ``min`` (0 keeps)."""
    with _Target(fd) as t:
        _opt.set_rtoinfo(t.sock, initial=_key(d, "initial"), max=_key(d, "max"),
                         min=_key(d, "min"), assoc_id=_key(d, "assoc_id"))


def set_assocparams(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_ASSOCINFO from ``assoc_id``, ``assocmaxrxt`` and ``cookie_life``
    (0 keeps; the other fields are read-only)."""
    with _Target(fd) as t:
        _opt.set_associnfo(t.sock, asocmaxrxt=_key(d, "assocmaxrxt"),
                           cookie_life=_key(d, "cookie_life"), assoc_id=_key(d, "assoc_id"))


def set_paddrparams(fd: Fd, d: Dict[str, Any]) -> None:
    """SCTP_PEER_ADDR_PARAMS from ``assoc_id``, ``sockaddr``, ``hbinterval``,
    ``pathmaxrxt``, ``pathmtu``, ``sackdelay`` and ``flags``. Values of 0
    are kept.

    As 0.7.3 on Linux (the default :data:`compat_mode`), only ``pathmaxrxt``
    takes effect: 0.7.3 sent flags 0, without which the kernel ignores
    ``hbinterval``, and never sent ``pathmtu`` and ``sackdelay``; a program
    that left ``hbinterval=1`` there keeps its heartbeat interval. With
    ``compat_mode == "linux"`` a non-zero ``hbinterval``, ``pathmtu`` or
    ``sackdelay`` is applied (the kernel wants its SPP_* flag, which is
    added unless the opposite flag is given), and ``flags`` too. The values
    are checked (type, range) in both modes."""
    flags = _key(d, "flags")
    if isinstance(flags, bool) or not isinstance(flags, int):
        raise TypeError(f"flags must be an int, not {type(flags).__name__}")
    if not 0 <= flags <= 0xFFFFFFFF:
        raise OverflowError(f"flags must fit in 32 bits, not {flags}")
    hbinterval = _key(d, "hbinterval")
    pathmtu = _key(d, "pathmtu")
    sackdelay = _key(d, "sackdelay")
    for name, value in (("hbinterval", hbinterval), ("pathmtu", pathmtu), ("sackdelay", sackdelay)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 0 <= value <= 0xFFFFFFFF:
            raise OverflowError(f"{name} must fit in 32 bits, not {value}")
    if compat_mode != COMPAT_LINUX:
        hbinterval = pathmtu = sackdelay = flags = 0
    with _Target(fd) as t:
        _opt.set_peer_addr_params(
            t.sock,
            address=_peer_addr(t.sock.family, _key(d, "sockaddr")),
            assoc_id=_key(d, "assoc_id"),
            hbinterval=hbinterval,
            pathmaxrxt=_key(d, "pathmaxrxt"),
            pathmtu=pathmtu,
            sackdelay=sackdelay,
            flags=flags & ~_SPP_EXTRA,
        )
