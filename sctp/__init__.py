# -*- coding: utf-8 -*-
"""The classic blocking ``sctp`` module of PySCTP 0.7.3, over aiosctp's C core.

Programs written for PySCTP (``import sctp``) run unchanged: every public
name of ``sctp`` 0.7.3 is here with its signature and behaviour, on top of
:mod:`aiosctp._sctp` (none of PySCTP's C code is used), with 0.7.3's known
bugs fixed. What differs from 0.7.3, and why, is listed in
``docs/sctp-compat.md``.

Users see:

* :func:`features` and the ``HAVE_*`` bits;
* :class:`sctpsocket_tcp` (one-to-one, ``SOCK_STREAM``) and
  :class:`sctpsocket_udp` (one-to-many, ``SOCK_SEQPACKET``), subclasses of
  :class:`sctpsocket`. They *contain* a standard socket (``sock()``) and
  hand it every attribute they do not define, so ``bind``, ``listen``,
  ``connect``, ``close``, ``settimeout``, ``fileno``... work as usual;
* what :meth:`sctpsocket.sctp_recv` returns beside the data: a
  :class:`sndrcvinfo` for a message, or a notification: :class:`assoc_change`,
  :class:`paddr_change`, :class:`send_failed`, :class:`remote_error`,
  :class:`shutdown_event`, :class:`pdapi_event`, :class:`adaptation_event`
  (all :class:`notification` subclasses);
* the structured options :class:`rtoinfo`, :class:`assocparams`,
  :class:`paddrparams`, :class:`paddrinfo`, :class:`status`, and the two
  socket properties with sub-properties, ``sock.initparams``
  (:class:`initparams`) and ``sock.events`` (:class:`event_subscribe`).

Constants are module constants, except those that belong to one event or
structure, which are class constants (``assoc_change.state_COMM_UP``...).
Every constant has the value the Linux kernel uses, except the seven
``error_*`` codes, which keep 0.7.3's values unless ``AIOSCTP_SCTP_COMPAT=linux``.

On its defaults the module behaves as PySCTP 0.7.3 wherever a working
program could notice, PPIDs included: ``sctp_send(ppid=46)`` sends 46 and a
received PPID is reported in network order (programs call ``ntohl()``).
New code sets :data:`ppid_byte_order` to ``"host"`` (or the
``AIOSCTP_SCTP_PPID_ORDER`` environment variable, or the per-socket
``ppid_byte_order`` attribute) to get host-order integers both ways;
programs written for releases before 0.7, which ``htonl()`` what they send
too, use ``"network"``. See docs/sctp-compat.md.

Like 0.7.3, this module re-exports the socket module's names
(``from sctp import *`` gives ``AF_INET``...), and ``sctp.socket`` is the
socket module.
"""

from __future__ import print_function

import socket as _socket
from socket import *  # noqa: F401,F403  (0.7.3 re-exports the socket module)

import datetime
import os
import sys
import time  # noqa: F401  (a public name of 0.7.3's module)
import typing as _t

from aiosctp import _sctp as _core
from aiosctp import _uapi
from aiosctp._nosctp import sctp_socket as _new_sctp_socket

from . import _compat_sctp  # noqa: F401  (bound here too when _sctp.py loaded it first)
from . import _compat_sctp as _sctp

#: As in 0.7.3, ``sctp.socket`` is the socket module (not its socket class).
socket = _socket  # type: ignore[misc,assignment]

####################################### CONSTANTS

# bindx() actions
BINDX_ADD = _sctp.getconstant("BINDX_ADD")
BINDX_REMOVE = _sctp.getconstant("BINDX_REMOVE")
BINDX_REM = BINDX_REMOVE

# message flags of sctp_send() (the sinfo_flags of the SCTP send information)
MSG_UNORDERED = _sctp.getconstant("MSG_UNORDERED")
MSG_ADDR_OVER = _sctp.getconstant("MSG_ADDR_OVER")
MSG_ABORT = _sctp.getconstant("MSG_ABORT")
MSG_EOF = _sctp.getconstant("MSG_EOF")
MSG_FIN = _sctp.getconstant("MSG_FIN")
MSG_SENDALL = _sctp.getconstant("MSG_SENDALL")
MSG_ADDR_OVERRIDE = MSG_ADDR_OVER

# recvmsg() flags, as sctp_recv() returns them
FLAG_NOTIFICATION = _sctp.getconstant("MSG_NOTIFICATION")
FLAG_EOR = _sctp.getconstant("MSG_EOR")
FLAG_DONTROUTE = _sctp.getconstant("MSG_DONTROUTE")

# bits of features()
(
    HAVE_SCTP,
    HAVE_KERNEL_SCTP,
    HAVE_SCTP_MULTIBUF,
    HAVE_SCTP_NOCONNECT,
    HAVE_SCTP_PRSCTP,
    HAVE_SCTP_ADDIP,
    HAVE_SCTP_CANSET_PRIMARY,
    HAVE_SCTP_SAT_NETWORK_CAPABILITY,
) = (1, 2, 4, 8, 16, 32, 64, 128)

# socket constants (plain ints, as in 0.7.3)
SOL_SCTP = _sctp.getconstant("SOL_SCTP")
IPPROTO_SCTP = _sctp.getconstant("IPPROTO_SCTP")  # type: ignore[misc]
SOCK_SEQPACKET = _sctp.getconstant("SOCK_SEQPACKET")  # type: ignore[misc,assignment]
SOCK_STREAM = _sctp.getconstant("SOCK_STREAM")  # type: ignore[misc,assignment]
(STYLE_TCP, STYLE_UDP) = (SOCK_STREAM, SOCK_SEQPACKET)
(TCP_STYLE, UDP_STYLE) = (STYLE_TCP, STYLE_UDP)

# ---- PPID byte order (an addition: see the module docstring) -------------------

#: ``ppid`` is the integer meant (46 for Diameter) when sending and when
#: receiving. For new code (the default is :data:`PPID_PYSCTP_073`).
PPID_HOST_ORDER = "host"
#: ``ppid`` is the 32-bit field in network byte order, both ways: for
#: programs that ``htonl()`` what they send and ``ntohl()`` what they receive
#: (written for PySCTP releases before 0.7).
PPID_NETWORK_ORDER = "network"
#: Exactly PySCTP 0.7.3, the default: sent PPIDs are host order, received
#: ones (in ``sndrcvinfo.ppid`` and ``send_failed.info.ppid``) network
#: order, which programs written for PySCTP ``ntohl()`` (docs/sctp-compat.md).
PPID_PYSCTP_073 = "pysctp-0.7.3"
PPID_BYTE_ORDERS = (PPID_HOST_ORDER, PPID_NETWORK_ORDER, PPID_PYSCTP_073)
#: Environment variable read at import to set :data:`ppid_byte_order`.
PPID_ORDER_ENV = "AIOSCTP_SCTP_PPID_ORDER"


def _check_ppid_order(value: object) -> str:
    if value not in PPID_BYTE_ORDERS:
        raise ValueError(
            "ppid_byte_order must be one of %s, not %r" % (", ".join(PPID_BYTE_ORDERS), value)
        )
    return str(value)


#: The PPID byte order of sockets created from now on (each socket keeps its
#: own in ``sock.ppid_byte_order``). Set from $AIOSCTP_SCTP_PPID_ORDER.
ppid_byte_order = _check_ppid_order(os.environ.get(PPID_ORDER_ENV) or PPID_PYSCTP_073)

# The other behaviours of 0.7.3 a working program can observe (error codes,
# paddrparams): $AIOSCTP_SCTP_COMPAT, see _sctp.compat_mode.
COMPAT_PYSCTP_073 = _sctp.COMPAT_PYSCTP_073
COMPAT_LINUX = _sctp.COMPAT_LINUX
COMPAT_MODES = _sctp.COMPAT_MODES
COMPAT_ENV = _sctp.COMPAT_ENV


def _timeout_mode(t: _t.Optional[float]) -> float:
    """A socket's timeout in the core's convention (-1.0 blocking, 0.0
    nonblocking, > 0 seconds), as _sctp's calls use it: a timeout makes a
    socket nonblocking, as in 0.7.3, unless AIOSCTP_SCTP_COMPAT=linux (D7)."""
    if t is None:
        return -1.0
    if t > 0 and _sctp.compat_mode != _sctp.COMPAT_LINUX:
        return 0.0
    return float(t)


####################################### STRUCTURES FOR SCTP MESSAGES AND EVENTS


class initmsg(object):
    """The initialization parameters of one association (SCTP_INIT): a plain
    record. Get one filled with the socket's defaults from
    ``sock.initparams.initmsg()``."""

    def __init__(self) -> None:
        self.num_ostreams = 0
        self.max_instreams = 0
        self.max_attempts = 0
        self.max_init_timeo = 0


class initparams(object):
    """``sock.initparams``: the socket's SCTP_INITMSG, used by every
    association the socket sets up from now on.

    Properties: ``num_ostreams`` (outgoing streams asked for),
    ``max_instreams`` (incoming streams accepted), ``max_attempts`` (INIT
    retransmissions) and ``max_init_timeo`` (their largest timeout, in ms).
    Setting one writes all four to the kernel (``flush()``) unless
    ``autoflush`` is False. A value of 0 keeps the kernel's."""

    def __init__(self, container: "sctpsocket") -> None:
        self.autoflush = True
        self.container = container
        self._num_ostreams = self._max_instreams = 0
        self._max_attempts = self._max_init_timeo = 0
        self.__dict__.update(self.container._get_initparams())

    def flush(self) -> None:
        """Write the four values to the socket (setsockopt SCTP_INITMSG)."""
        self.container._set_initparams(self.__dict__)

    def initmsg(self) -> initmsg:
        """A new :class:`initmsg` holding these values."""
        r = initmsg()
        r.num_ostreams = self._num_ostreams
        r.max_instreams = self._max_instreams
        r.max_attempts = self._max_attempts
        r.max_init_timeo = self._max_init_timeo
        return r

    def _set(self, name: str, value: int) -> None:
        self.__dict__[name] = value
        if self.autoflush:
            self.flush()

    def get_num_ostreams(self) -> int:
        """The outgoing streams asked for in INIT: see :attr:`num_ostreams`."""
        return self._num_ostreams

    def set_num_ostreams(self, v: int) -> None:
        """Set :attr:`num_ostreams` (uint16; 0 keeps the kernel's value);
        written to the socket at once when ``autoflush`` is set."""
        self._set("_num_ostreams", v)

    def get_max_instreams(self) -> int:
        """The most incoming streams accepted: see :attr:`max_instreams`."""
        return self._max_instreams

    def set_max_instreams(self, v: int) -> None:
        """Set :attr:`max_instreams` (uint16; 0 keeps the kernel's value);
        written at once when ``autoflush`` is set."""
        self._set("_max_instreams", v)

    def get_max_attempts(self) -> int:
        """INIT retransmissions before giving up: see :attr:`max_attempts`."""
        return self._max_attempts

    def set_max_attempts(self, v: int) -> None:
        """Set :attr:`max_attempts` (uint16; 0 keeps the kernel's value);
        written at once when ``autoflush`` is set."""
        self._set("_max_attempts", v)

    def get_max_init_timeo(self) -> int:
        """The largest INIT retransmission timeout in ms: see
        :attr:`max_init_timeo`."""
        return self._max_init_timeo

    def set_max_init_timeo(self, v: int) -> None:
        """Set :attr:`max_init_timeo` (ms, uint16; 0 keeps the kernel's
        value); written at once when ``autoflush`` is set."""
        self._set("_max_init_timeo", v)

    num_ostreams = property(get_num_ostreams, set_num_ostreams, doc="""\
        Outgoing streams asked for in INIT (SCTP_INITMSG
        ``sinit_num_ostreams``, uint16; 0 keeps the kernel's value). The peer
        may grant fewer: see ``assoc_change.outbound_streams``. Setting it
        flushes when ``autoflush`` is set.""")
    max_instreams = property(get_max_instreams, set_max_instreams, doc="""\
        The most incoming streams accepted (SCTP_INITMSG
        ``sinit_max_instreams``, uint16; 0 keeps the kernel's value). Setting
        it flushes when ``autoflush`` is set.""")
    max_attempts = property(get_max_attempts, set_max_attempts, doc="""\
        INIT retransmissions before the setup fails (SCTP_INITMSG
        ``sinit_max_attempts``, uint16; 0 keeps the kernel's value). Setting
        it flushes when ``autoflush`` is set.""")
    max_init_timeo = property(get_max_init_timeo, set_max_init_timeo, doc="""\
        The largest INIT retransmission timeout, in ms (SCTP_INITMSG
        ``sinit_max_init_timeo``, uint16; 0 keeps the kernel's value). 0.7.3
        read ``sinit_max_attempts`` here and wrote it back on every flush;
        this is the real field (D13 in docs/sctp-compat.md, always on). Setting it flushes when
        ``autoflush`` is set.""")


class sndrcvinfo(object):
    """What :meth:`sctpsocket.sctp_recv` reports about a data message (the
    SCTP_SNDRCV information): ``stream``, ``ssn``, ``flags`` (``MSG_*``
    such as ``MSG_UNORDERED``), ``ppid``, ``context``, ``timetolive``,
    ``tsn``, ``cumtsn``, ``assoc_id``. All zero unless ``events.data_io``
    is on."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.stream = 0
        self.ssn = 0
        self.flags = 0
        self.ppid = 0
        self.context = 0
        self.timetolive = 0
        self.tsn = 0
        self.cumtsn = 0
        self.assoc_id = 0
        if values:
            self.__dict__.update(values)


class notification(object):
    """Base class of the notifications. ``type`` is one of the ``type_*``
    class constants, ``flags`` depends on the type, ``length`` is the
    notification's size. A notification of a type this module does not know
    arrives as a plain :class:`notification` (and a warning on stderr)."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.type = 0
        self.flags = 0
        if values:
            self.__dict__.update(values)

    type_SN_TYPE_BASE = _sctp.getconstant("SCTP_SN_TYPE_BASE")
    type_ASSOC_CHANGE = _sctp.getconstant("SCTP_ASSOC_CHANGE")
    type_PEER_ADDR_CHANGE = _sctp.getconstant("SCTP_PEER_ADDR_CHANGE")
    type_SEND_FAILED = _sctp.getconstant("SCTP_SEND_FAILED")
    type_REMOTE_ERROR = _sctp.getconstant("SCTP_REMOTE_ERROR")
    type_SHUTDOWN_EVENT = _sctp.getconstant("SCTP_SHUTDOWN_EVENT")
    type_PARTIAL_DELIVERY_EVENT = _sctp.getconstant("SCTP_PARTIAL_DELIVERY_EVENT")
    type_ADAPTATION_INDICATION = _sctp.getconstant("SCTP_ADAPTATION_INDICATION")


class assoc_change(notification):
    """An association came up, was lost, restarted, shut down or could not
    be set up: ``state`` (``state_*``), ``error``, ``outbound_streams``,
    ``inbound_streams``, ``assoc_id``. The peer's address is the
    ``fromaddr`` sctp_recv() returns with it (on one-to-many sockets)."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.state = 0
        self.error = 0
        self.outbound_streams = 0
        self.inbound_streams = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    state_COMM_UP = _sctp.getconstant("SCTP_COMM_UP")
    state_COMM_LOST = _sctp.getconstant("SCTP_COMM_LOST")
    state_RESTART = _sctp.getconstant("SCTP_RESTART")
    state_SHUTDOWN_COMP = _sctp.getconstant("SCTP_SHUTDOWN_COMP")
    state_CANT_STR_ASSOC = _sctp.getconstant("SCTP_CANT_STR_ASSOC")
    state_CANT_START_ASSOCIATION = _sctp.getconstant("SCTP_CANT_STR_ASSOC")

    error_FAILED_THRESHOLD = _sctp.getconstant("SCTP_FAILED_THRESHOLD")
    error_RECEIVED_SACK = _sctp.getconstant("SCTP_RECEIVED_SACK")
    error_HEARTBEAT_SUCCESS = _sctp.getconstant("SCTP_HEARTBEAT_SUCCESS")
    error_RESPONSE_TO_USER_REQ = _sctp.getconstant("SCTP_RESPONSE_TO_USER_REQ")
    error_INTERNAL_ERROR = _sctp.getconstant("SCTP_INTERNAL_ERROR")
    error_SHUTDOWN_GUARD_EXPIRES = _sctp.getconstant("SCTP_SHUTDOWN_GUARD_EXPIRES")
    error_PEER_FAULTY = _sctp.getconstant("SCTP_PEER_FAULTY")


class paddr_change(notification):
    """A peer address changed state: ``addr`` (``(host, port)``), ``state``
    (``state_*``), ``error`` (``error_*``), ``assoc_id``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.addr: _t.Any = ("", 0)
        self.state = 0
        self.error = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    state_ADDR_AVAILABLE = _sctp.getconstant("SCTP_ADDR_AVAILABLE")
    state_ADDR_UNREACHABLE = _sctp.getconstant("SCTP_ADDR_UNREACHABLE")
    state_ADDR_REMOVED = _sctp.getconstant("SCTP_ADDR_REMOVED")
    state_ADDR_ADDED = _sctp.getconstant("SCTP_ADDR_ADDED")
    state_ADDR_MADE_PRIM = _sctp.getconstant("SCTP_ADDR_MADE_PRIM")
    # additions: states Linux reports that 0.7.3 had no name for
    state_ADDR_CONFIRMED = _core.SCTP_ADDR_CONFIRMED
    state_ADDR_POTENTIALLY_FAILED = _uapi.SCTP_ADDR_POTENTIALLY_FAILED

    error_FAILED_THRESHOLD = assoc_change.error_FAILED_THRESHOLD
    error_RECEIVED_SACK = assoc_change.error_RECEIVED_SACK
    error_HEARTBEAT_SUCCESS = assoc_change.error_HEARTBEAT_SUCCESS
    error_RESPONSE_TO_USER_REQ = assoc_change.error_RESPONSE_TO_USER_REQ
    error_INTERNAL_ERROR = assoc_change.error_INTERNAL_ERROR
    error_SHUTDOWN_GUARD_EXPIRES = assoc_change.error_SHUTDOWN_GUARD_EXPIRES
    error_PEER_FAULTY = assoc_change.error_PEER_FAULTY


class remote_error(notification):
    """The peer sent an OPERATION ERROR: ``error`` is its cause code,
    ``data`` the cause, ``assoc_id``. As in 0.7.3 (the default), ``error``
    is the big-endian field unconverted and ``data`` text (``bytes`` when it
    is not UTF-8); with ``AIOSCTP_SCTP_COMPAT=linux`` the cause is in host
    order and ``data`` always ``bytes``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.error = 0
        self.assoc_id = 0
        self.data = b""
        notification.__init__(self, values)


class send_failed(notification):
    """A message could not be delivered. ``flags`` is ``flag_DATA_UNSENT``
    (never sent) or ``flag_DATA_SENT`` (sent, never acknowledged); ``data``
    is the undelivered payload (text as in 0.7.3 when it is UTF-8, else
    ``bytes``; always ``bytes`` with ``AIOSCTP_SCTP_COMPAT=linux``); ``info`` the message's
    :class:`sndrcvinfo` (stream, ppid, context...); ``error``, ``assoc_id``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.error = 0
        self.assoc_id = 0
        self.data = b""
        self._info: _t.Optional[_t.Dict[str, _t.Any]] = None
        notification.__init__(self, values)
        self.info = sndrcvinfo(self._info)
        del self._info

    flag_DATA_UNSENT = _sctp.getconstant("SCTP_DATA_UNSENT")
    flag_DATA_SENT = _sctp.getconstant("SCTP_DATA_SENT")


class shutdown_event(notification):
    """The peer shut its side down (SHUTDOWN received): ``assoc_id``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.assoc_id = 0
        notification.__init__(self, values)


class adaptation_event(notification):
    """The peer's adaptation layer indication (its ``adaptation`` property,
    sent when the association is set up): ``adaptation_ind``, ``assoc_id``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.adaptation_ind = 0
        self.assoc_id = 0
        notification.__init__(self, values)


class pdapi_event(notification):
    """The partial delivery of a message was aborted: ``indication``
    (``indication_*``), ``assoc_id``."""

    def __init__(self, values: _t.Optional[_t.Dict[str, _t.Any]] = None) -> None:
        self.indication = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    indication_PD_ABORTED = _sctp.getconstant("SCTP_PARTIAL_DELIVERY_ABORTED")
    indication_PARTIAL_DELIVERY_ABORTED = indication_PD_ABORTED


#################################################### NOTIFICATION FACTORY

notification_table: _t.Dict[int, _t.Type[notification]] = {
    notification.type_ASSOC_CHANGE: assoc_change,
    notification.type_PEER_ADDR_CHANGE: paddr_change,
    notification.type_SEND_FAILED: send_failed,
    notification.type_REMOTE_ERROR: remote_error,
    notification.type_SHUTDOWN_EVENT: shutdown_event,
    notification.type_PARTIAL_DELIVERY_EVENT: pdapi_event,
    notification.type_ADAPTATION_INDICATION: adaptation_event,
}


def notification_factory(raw_notification: _t.Dict[str, _t.Any]) -> notification:
    """Build the notification object of the class :data:`notification_table`
    gives for ``raw_notification["type"]`` from that dict (as ``_sctp``
    returns it). An unknown type gives a plain :class:`notification` and a
    warning on stderr; a dict without ``type`` raises ``ValueError``."""
    try:
        num_type = raw_notification["type"]
    except (KeyError, TypeError, IndexError):
        raise ValueError("Dictionary passed as parameter has no 'type' attribute") from None
    cls = notification_table.get(num_type)
    if cls is None:
        print("Warning: an unknown notification event (value %d) has arrived" % num_type,
              file=sys.stderr)
        return notification(raw_notification)
    return cls(raw_notification)


########### EVENT SUBSCRIBING CLASS

_EVENT_NAMES = ("data_io", "association", "address", "send_failure", "peer_error",
                "shutdown", "partial_delivery", "adaptation_layer")


class event_subscribe(object):
    """``sock.events``: which notifications :meth:`sctpsocket.sctp_recv`
    returns (the classic SCTP_EVENTS subscription).

    Properties (True/False): ``data_io`` (fill the :class:`sndrcvinfo` of
    data messages), ``association`` (:class:`assoc_change`), ``address``
    (:class:`paddr_change`), ``send_failure`` (:class:`send_failed`),
    ``peer_error`` (:class:`remote_error`), ``shutdown``
    (:class:`shutdown_event`), ``partial_delivery`` (:class:`pdapi_event`),
    ``adaptation_layer`` (:class:`adaptation_event`); aliases ``dataio``,
    ``sndrcvinfo``, ``sendfailure``, ``peererror``, ``partialdelivery``,
    ``adaptationlayer``.

    The object starts with the socket's current subscriptions. Setting a
    property writes them all to the kernel (``flush()``) unless
    ``autoflush`` is False. ``clear()`` turns everything off but
    ``data_io``, so that sctp_recv() returns data only."""

    def flush(self) -> None:
        """Write the eight subscriptions to the socket."""
        self.container._set_events(self.__dict__)

    def _set_property(self, key: str, value: _t.Any) -> None:
        self.__dict__[key] = value
        if self.autoflush:
            self.flush()

    def _get_property(self, key: str) -> _t.Any:
        return self.__dict__[key]

    def get_adaptation_layer(self) -> _t.Any:
        """Whether :class:`adaptation_event` notifications arrive (the peer's
        adaptation layer indication): see :attr:`adaptation_layer`."""
        return self._get_property("_adaptation_layer")

    def get_partial_delivery(self) -> _t.Any:
        """Whether :class:`pdapi_event` notifications arrive (a partial
        delivery aborted): see :attr:`partial_delivery`."""
        return self._get_property("_partial_delivery")

    def get_shutdown(self) -> _t.Any:
        """Whether :class:`shutdown_event` notifications arrive (the peer sent
        SHUTDOWN): see :attr:`shutdown`."""
        return self._get_property("_shutdown")

    def get_peer_error(self) -> _t.Any:
        """Whether :class:`remote_error` notifications arrive (an OPERATION
        ERROR from the peer): see :attr:`peer_error`."""
        return self._get_property("_peer_error")

    def get_send_failure(self) -> _t.Any:
        """Whether :class:`send_failed` notifications arrive (a message not
        delivered): see :attr:`send_failure`."""
        return self._get_property("_send_failure")

    def get_address(self) -> _t.Any:
        """Whether :class:`paddr_change` notifications arrive (a peer address
        reachable, unreachable, added, removed, made primary, confirmed): see
        :attr:`address`."""
        return self._get_property("_address")

    def get_association(self) -> _t.Any:
        """Whether :class:`assoc_change` notifications arrive (an association
        up, lost, restarted, shut down, or not set up): see
        :attr:`association`."""
        return self._get_property("_association")

    def get_data_io(self) -> _t.Any:
        """Whether sctp_recv() fills the :class:`sndrcvinfo` of each data
        message (else its fields are 0): see :attr:`data_io`."""
        return self._get_property("_data_io")

    def set_adaptation_layer(self, value: _t.Any) -> None:
        """Set :attr:`adaptation_layer` (True/False, or an int); written to the
        socket at once when ``autoflush`` is set."""
        self._set_property("_adaptation_layer", value)

    def set_partial_delivery(self, value: _t.Any) -> None:
        """Set :attr:`partial_delivery` (True/False, or an int); written to the
        socket at once when ``autoflush`` is set."""
        self._set_property("_partial_delivery", value)

    def set_shutdown(self, value: _t.Any) -> None:
        """Set :attr:`shutdown` (True/False, or an int); written to the socket
        at once when ``autoflush`` is set."""
        self._set_property("_shutdown", value)

    def set_peer_error(self, value: _t.Any) -> None:
        """Set :attr:`peer_error` (True/False, or an int); written to the
        socket at once when ``autoflush`` is set."""
        self._set_property("_peer_error", value)

    def set_send_failure(self, value: _t.Any) -> None:
        """Set :attr:`send_failure` (True/False, or an int); written to the
        socket at once when ``autoflush`` is set."""
        self._set_property("_send_failure", value)

    def set_address(self, value: _t.Any) -> None:
        """Set :attr:`address` (True/False, or an int); written to the socket
        at once when ``autoflush`` is set."""
        self._set_property("_address", value)

    def set_association(self, value: _t.Any) -> None:
        """Set :attr:`association` (True/False, or an int); written to the
        socket at once when ``autoflush`` is set."""
        self._set_property("_association", value)

    def set_data_io(self, value: _t.Any) -> None:
        """Set :attr:`data_io` (True/False, or an int); written to the socket
        at once when ``autoflush`` is set."""
        self._set_property("_data_io", value)

    def clear(self) -> None:
        """Turn every subscription off but ``data_io`` (on); flushes when
        ``autoflush`` is set."""
        self._data_io = 1
        self._association = 0
        self._address = 0
        self._send_failure = 0
        self._peer_error = 0
        self._shutdown = 0
        self._partial_delivery = 0
        self._adaptation_layer = 0
        if self.autoflush:
            self.flush()

    def __init__(self, container: "sctpsocket") -> None:
        self.autoflush = False
        self.clear()
        self.autoflush = True
        self.container = container
        self.__dict__.update(self.container._get_events())

    data_io = property(get_data_io, set_data_io, doc="""\
        SCTP_EVENTS ``sctp_data_io_event``: whether sctp_recv() fills the
        :class:`sndrcvinfo` of each data message (else its fields are 0). True
        or False as read from the socket, or the value last set. Setting it
        writes the eight subscriptions when ``autoflush`` is set; a value other
        than a bool or an int then raises TypeError (0.7.3: SystemError; D20 in
        docs/sctp-compat.md). Aliases: ``dataio``, ``sndrcvinfo``.""")
    dataio = data_io
    sndrcvinfo = data_io

    association = property(get_association, set_association, doc="""\
        SCTP_EVENTS ``sctp_association_event``: whether :class:`assoc_change`
        notifications arrive (an association up, lost, restarted, shut down, or
        not set up). True or False as read from the socket, or the value last
        set. Setting it writes the eight subscriptions when ``autoflush`` is
        set; a value other than a bool or an int then raises TypeError (0.7.3:
        SystemError; D20 in docs/sctp-compat.md).""")

    address = property(get_address, set_address, doc="""\
        SCTP_EVENTS ``sctp_address_event``: whether :class:`paddr_change`
        notifications arrive (a peer address reachable, unreachable, added,
        removed, made primary, confirmed). True or False as read from the
        socket, or the value last set. Setting it writes the eight
        subscriptions when ``autoflush`` is set; a value other than a bool or
        an int then raises TypeError (0.7.3: SystemError; D20 in
        docs/sctp-compat.md).""")

    send_failure = property(get_send_failure, set_send_failure, doc="""\
        SCTP_EVENTS ``sctp_send_failure_event``: whether :class:`send_failed`
        notifications arrive (a message not delivered). True or False as read
        from the socket, or the value last set. Setting it writes the eight
        subscriptions when ``autoflush`` is set; a value other than a bool or
        an int then raises TypeError (0.7.3: SystemError; D20 in
        docs/sctp-compat.md). Alias: ``sendfailure``.""")
    sendfailure = send_failure

    peer_error = property(get_peer_error, set_peer_error, doc="""\
        SCTP_EVENTS ``sctp_peer_error_event``: whether :class:`remote_error`
        notifications arrive (an OPERATION ERROR from the peer). True or False
        as read from the socket, or the value last set. Setting it writes the
        eight subscriptions when ``autoflush`` is set; a value other than a
        bool or an int then raises TypeError (0.7.3: SystemError; D20 in
        docs/sctp-compat.md). Alias: ``peererror``.""")
    peererror = peer_error

    shutdown = property(get_shutdown, set_shutdown, doc="""\
        SCTP_EVENTS ``sctp_shutdown_event``: whether :class:`shutdown_event`
        notifications arrive (the peer sent SHUTDOWN). True or False as read
        from the socket, or the value last set. Setting it writes the eight
        subscriptions when ``autoflush`` is set; a value other than a bool or
        an int then raises TypeError (0.7.3: SystemError; D20 in
        docs/sctp-compat.md).""")

    partial_delivery = property(get_partial_delivery, set_partial_delivery, doc="""\
        SCTP_EVENTS ``sctp_partial_delivery_event``: whether
        :class:`pdapi_event` notifications arrive (a partial delivery aborted).
        True or False as read from the socket, or the value last set. Setting
        it writes the eight subscriptions when ``autoflush`` is set; a value
        other than a bool or an int then raises TypeError (0.7.3: SystemError;
        D20 in docs/sctp-compat.md). Alias: ``partialdelivery``.""")
    partialdelivery = partial_delivery

    adaptation_layer = property(get_adaptation_layer, set_adaptation_layer, doc="""\
        SCTP_EVENTS ``sctp_adaptation_layer_event``: whether
        :class:`adaptation_event` notifications arrive (the peer's adaptation
        layer indication). True or False as read from the socket, or the value
        last set. Setting it writes the eight subscriptions when ``autoflush``
        is set; a value other than a bool or an int then raises TypeError
        (0.7.3: SystemError; D20 in docs/sctp-compat.md). Alias:
        ``adaptationlayer``.""")
    adaptationlayer = adaptation_layer


########## STRUCTURES EXCHANGED VIA set/getsockopt()


class rtoinfo(object):
    """SCTP_RTOINFO (:meth:`sctpsocket.get_rtoinfo`/``set_rtoinfo``):
    ``initial``, ``max``, ``min`` retransmission timeouts in ms, for
    ``assoc_id`` (0: a one-to-one socket's association, or a one-to-many
    socket's defaults). 0 keeps a value when set."""

    def __init__(self) -> None:
        self.assoc_id = 0
        self.initial = 0
        self.max = 0
        self.min = 0


class assocparams(object):
    """SCTP_ASSOCINFO (:meth:`sctpsocket.get_assocparams`/``set_assocparams``):
    ``assocmaxrxt`` (retransmissions before the association is declared
    dead) and ``cookie_life`` (ms) can be set (0 keeps);
    ``number_peer_destinations``, ``peer_rwnd``, ``local_rwnd`` are
    read-only."""

    def __init__(self) -> None:
        self.assoc_id = 0
        self.assocmaxrxt = 0
        self.number_peer_destinations = 0
        self.peer_rwnd = 0
        self.local_rwnd = 0
        self.cookie_life = 0


class paddrparams(object):
    """SCTP_PEER_ADDR_PARAMS of the peer address ``sockaddr`` (``("", 0)``:
    every address of ``assoc_id``) (:meth:`sctpsocket.get_paddrparams`/
    ``set_paddrparams``): ``hbinterval`` (ms), ``pathmaxrxt``, ``pathmtu``,
    ``sackdelay`` (ms) and ``flags``, a combination of the ``flags_*``
    class constants (the kernel's SPP_* values). 0 keeps a value when set;
    a non-zero ``hbinterval``, ``pathmtu`` or ``sackdelay`` is applied (its
    ENABLE/DISABLE flag is added unless the opposite one is given).
    Best: get the object, change it, set it back."""

    def __init__(self) -> None:
        self.assoc_id = 0
        self.sockaddr: _t.Any = ("", 0)
        self.hbinterval = 0
        self.pathmaxrxt = 0
        self.pathmtu = 0
        self.sackdelay = 0
        self.flags = 0

    flags_HB_DISABLED = _sctp.getconstant("SPP_HB_DISABLED")
    flags_HB_ENABLED = _sctp.getconstant("SPP_HB_ENABLED")
    flags_PMTUD_DISABLED = _sctp.getconstant("SPP_PMTUD_DISABLED")
    flags_PMTUD_ENABLED = _sctp.getconstant("SPP_PMTUD_ENABLED")
    flags_SACKDELAY_DISABLED = _sctp.getconstant("SPP_SACKDELAY_DISABLED")
    flags_SACKDELAY_ENABLED = _sctp.getconstant("SPP_SACKDELAY_ENABLED")

    flags_HB_DISABLE = flags_HB_DISABLED
    flags_HB_ENABLE = flags_HB_ENABLED
    flags_PMTUD_DISABLE = flags_PMTUD_DISABLED
    flags_PMTUD_ENABLE = flags_PMTUD_ENABLED
    flags_SACKDELAY_DISABLE = flags_SACKDELAY_DISABLED
    flags_SACKDELAY_ENABLE = flags_SACKDELAY_ENABLED


class paddrinfo(object):
    """SCTP_GET_PEER_ADDR_INFO of one peer address (read-only, from
    :meth:`sctpsocket.get_paddrinfo` and ``status.primary``): ``assoc_id``,
    ``sockaddr``, ``state`` (``state_*``), ``cwnd`` (bytes), ``srtt`` and
    ``rto`` (ms), ``mtu``."""

    def __init__(self) -> None:
        self.assoc_id = 0
        self.sockaddr: _t.Any = ("", 0)
        self.state = 0
        self.cwnd = 0
        self.srtt = 0
        self.rto = 0
        self.mtu = 0

    state_INACTIVE = _sctp.getconstant("SCTP_INACTIVE")
    state_ACTIVE = _sctp.getconstant("SCTP_ACTIVE")
    # additions: the other path states Linux reports
    state_PF = _core.SCTP_PF
    state_UNCONFIRMED = _core.SCTP_UNCONFIRMED


class status(object):
    """SCTP_STATUS of an association (read-only, from
    :meth:`sctpsocket.get_status`): ``assoc_id``, ``state`` (``state_*``),
    ``rwnd``, ``unackdata``, ``penddata``, ``instrms``, ``outstrms``,
    ``fragmentation_point`` and ``primary``, the :class:`paddrinfo` of the
    primary path. ``state_BOUND`` and ``state_LISTEN`` are -1: Linux has no
    such association states."""

    def __init__(self) -> None:
        self.assoc_id = 0
        self.state = 0
        self.rwnd = 0
        self.unackdata = 0
        self.penddata = 0
        self.instrms = 0
        self.outstrms = 0
        self.fragmentation_point = 0
        self.primary = paddrinfo()

    state_EMPTY = _sctp.getconstant("SCTP_EMPTY")
    state_CLOSED = _sctp.getconstant("SCTP_CLOSED")
    state_COOKIE_WAIT = _sctp.getconstant("SCTP_COOKIE_WAIT")
    state_COOKIE_ECHOED = _sctp.getconstant("SCTP_COOKIE_ECHOED")
    state_ESTABLISHED = _sctp.getconstant("SCTP_ESTABLISHED")
    state_SHUTDOWN_PENDING = _sctp.getconstant("SCTP_SHUTDOWN_PENDING")
    state_SHUTDOWN_SENT = _sctp.getconstant("SCTP_SHUTDOWN_SENT")
    state_SHUTDOWN_RECEIVED = _sctp.getconstant("SCTP_SHUTDOWN_RECEIVED")
    state_SHUTDOWN_ACK_SENT = _sctp.getconstant("SCTP_SHUTDOWN_ACK_SENT")
    state_BOUND = _sctp.getconstant("SCTP_BOUND")
    state_LISTEN = _sctp.getconstant("SCTP_LISTEN")


######### IMPLEMENTATION FEATURE LIST BITMAP


def features() -> int:
    """The ``HAVE_*`` bits of what the SCTP API offers (127 on Linux: all
    but the satellite network capability)."""
    flags = HAVE_SCTP | HAVE_KERNEL_SCTP
    if _sctp.have_sctp_multibuf():
        flags |= HAVE_SCTP_MULTIBUF
    if _sctp.have_sctp_noconnect():
        flags |= HAVE_SCTP_NOCONNECT
    if _sctp.have_sctp_prsctp():
        flags |= HAVE_SCTP_PRSCTP
    if _sctp.have_sctp_addip():
        flags |= HAVE_SCTP_ADDIP
    if _sctp.have_sctp_setprimary():
        flags |= HAVE_SCTP_CANSET_PRIMARY
    if _sctp.have_sctp_sat_network():
        flags |= HAVE_SCTP_SAT_NETWORK_CAPABILITY
    return flags


#################### THE SOCKETS


# sctp_send()'s default destination (none: the association of a one-to-one
# socket); compared by identity on the hot path.
_NO_DEST = ("", 0)
_new = object.__new__


def _to_network(ppid: int) -> int:
    return _sctp._swap32(ppid)


class sctpsocket(object):
    """Base class of :class:`sctpsocket_tcp` and :class:`sctpsocket_udp`.

    It is not a ``socket.socket``: it *contains* one (``sock()``) and hands
    it every attribute it does not define itself (``__getattr__``), so
    ``bind``, ``listen``, ``connect``, ``close``, ``setblocking``,
    ``settimeout``, ``fileno``, ``getsockname``, ``setsockopt``... are the
    socket's. The SCTP calls honour the socket's mode: blocking, nonblocking
    (:class:`BlockingIOError`) or ``settimeout(t)`` (:class:`TimeoutError`).
    It is also a context manager (closing the socket).

    SCTP methods: ``bindx``, ``connectx``, ``getpaddrs``, ``getladdrs``,
    ``sctp_send``, ``sctp_recv``, ``peeloff``, ``accept``, ``set_primary``,
    ``set_peer_primary``, ``get_status``, ``get_paddrinfo``,
    ``get/set_assocparams``, ``get/set_paddrparams``, ``get/set_rtoinfo``,
    ``get/set_sndbuf``, ``get/set_rcvbuf``.

    Properties: ``nodelay`` (no bundling delay), ``adaptation`` (adaptation
    layer indication sent to peers), ``disable_fragments``, ``mappedv4``
    (IPv4 peers as ``::ffff:a.b.c.d`` on IPv6 sockets), ``maxseg`` (largest
    DATA chunk payload), ``autoclose`` (idle seconds before one-to-many
    associations close), ``ttl`` and ``streamid`` (defaults of
    sctp_send()), ``initparams`` and ``events`` (see their classes),
    ``ppid_byte_order`` (see :data:`PPID_BYTE_ORDERS`).

    Messages larger than SO_SNDBUF cannot be sent, and messages larger than
    SO_RCVBUF arrive in parts: size the buffers for the largest message."""

    def __init__(self, family: int, style: int, sk: _t.Optional[_socket.socket]) -> None:
        """``family``: AF_INET or AF_INET6; ``style``: TCP_STYLE or
        UDP_STYLE; ``sk``: a socket of that family and style to use, or None
        to create one."""
        order = _check_ppid_order(ppid_byte_order)
        created = not sk
        if not sk:
            sk = _new_sctp_socket(family, style)  # explains a kernel without SCTP
        self._style = style
        self._sk = sk
        self._family = family
        self._ttl = 0
        self._streamid = 0
        self._ppid_order = order
        self.unexpected_event_raises_exception = False
        try:
            self.initparams = initparams(self)
            self.events = event_subscribe(self)
        except BaseException:
            if created:
                sk.close()
            raise
        self.datalogging = False

    # ---- PPID byte order -------------------------------------------------------

    def get_ppid_byte_order(self) -> str:
        """How this socket converts PPIDs: see :attr:`ppid_byte_order`."""
        return self._ppid_order

    def set_ppid_byte_order(self, value: str) -> None:
        """Set :attr:`ppid_byte_order` (one of :data:`PPID_BYTE_ORDERS`,
        else ValueError)."""
        self._ppid_order = _check_ppid_order(value)

    def _ppid_out(self, ppid: int) -> int:
        """The PPID as sctp_send() got it -> the raw field (network order)."""
        if self._ppid_order == PPID_NETWORK_ORDER:
            _sctp._swap32(ppid)  # range check only
            return ppid
        return _to_network(ppid)

    def _ppid_in(self, raw: int) -> int:
        """The raw received field -> what sctp_recv() reports."""
        if self._ppid_order == PPID_HOST_ORDER:
            return _sctp._swap32(raw)
        return raw

    def _derive(self, new: "sctpsocket") -> "sctpsocket":
        new._ppid_order = self._ppid_order
        new.unexpected_event_raises_exception = self.unexpected_event_raises_exception
        return new

    # ---- SCTP calls -------------------------------------------------------------------

    def bindx(self, sockaddrs: _t.Sequence[_t.Any], action: int = BINDX_ADD) -> None:
        """Add (``BINDX_ADD``) or remove (``BINDX_REMOVE``) local addresses,
        a list of ``(host, port)`` tuples (IPv4 and IPv6 may be mixed on an
        AF_INET6 socket; all with the same port). Unlike bind(), any subset
        of the host's addresses. Raises OSError when the kernel refuses."""
        _sctp.bindx(self._sk, sockaddrs, action)

    def connectx(self, sockaddrs: _t.Sequence[_t.Any], assoc_id: _t.Any = None) -> int:
        """Set up an association with a peer known by several addresses (a
        list of ``(host, port)``). Returns the association id (also stored
        in ``assoc_id["assoc_id"]`` when a dict is passed, as 0.7.3 did).
        Other threads run meanwhile; ``settimeout(t)`` bounds the wait. A
        nonblocking socket starts the handshake and raises
        ``BlockingIOError`` (EINPROGRESS) as with 0.7.3, or, with
        ``AIOSCTP_SCTP_COMPAT=linux``, returns the id at once."""
        return _sctp.connectx(self._sk, sockaddrs, assoc_id)

    def getpaddrs(self, assoc_id: int = 0) -> _t.Tuple[_t.Any, ...]:
        """The peer's addresses of an association (0 on a one-to-one
        socket), a tuple of ``(host, port)``."""
        return _sctp.getpaddrs(self._sk, assoc_id)

    def getladdrs(self, assoc_id: int = 0) -> _t.Tuple[_t.Any, ...]:
        """The local addresses of an association, or (0) of the socket. An
        unbound client reports its wildcard address and ephemeral port."""
        return _sctp.getladdrs(self._sk, assoc_id)

    def sctp_send(
        self,
        msg: _t.Union[bytes, bytearray, memoryview, str],
        to: _t.Any = _NO_DEST,
        ppid: _t.Optional[int] = None,
        flags: int = 0,
        stream: _t.Optional[int] = None,
        timetolive: _t.Optional[int] = None,
        context: int = 0,
        record_file_prefix: str = "RECORD_sctp_traffic",
        datalogging: bool = False,
    ) -> int:
        """Send ``msg`` (bytes-like; a str is sent UTF-8 encoded) as one SCTP
        message and return the number of bytes sent.

        ``to``: the destination ``(host, port)`` on a one-to-many socket
        (an association is set up if needed), or an association id; leave
        ``("", 0)`` on a one-to-one socket. ``ppid``: the payload protocol
        identifier (uint32, e.g. 46 for Diameter; None: the socket's
        ``adaptation`` value, as in 0.7.3). ``flags``: ``MSG_UNORDERED``,
        ``MSG_ADDR_OVER``, ``MSG_ABORT``, ``MSG_EOF`` (with an empty message:
        shut the association down), ``MSG_SENDALL`` (one-to-many: to every
        association). ``stream``: the stream (None: ``streamid``).
        ``timetolive``: ms after which the message is abandoned if not yet
        sent (0: never; None: ``ttl``). ``context``: a uint32 given back in
        ``send_failed.info`` if the message fails. With ``datalogging`` (or
        the ``datalogging`` attribute) the message is also written to the
        file ``<record_file_prefix>-<time>-c2s.<n>``."""
        if (
            to is _NO_DEST
            and type(ppid) is int
            and 0 <= ppid <= 0xFFFFFFFF
            and self._ppid_order != PPID_NETWORK_ORDER
            and not (datalogging or self.datalogging)
        ):
            # The hot path, what sctp_send_msg() does without its detours:
            # the core takes the PPID in host order, as "host" and
            # "pysctp-0.7.3" (the default) do.
            sk = self._sk
            t = sk.gettimeout()
            sent: int = _core.sendmsg(
                sk.fileno(),
                msg.encode("utf-8") if isinstance(msg, str) else msg,
                self._streamid if stream is None else stream,
                ppid,
                flags,
                context,
                self._ttl if timetolive is None else timetolive,
                0,
                None,
                _timeout_mode(t),
            )
            return sent
        if ppid is None:
            raw_ppid = _to_network(self.adaptation)
        else:
            raw_ppid = self._ppid_out(ppid)
        if timetolive is None:
            timetolive = self._ttl
        if stream is None:
            stream = self._streamid
        if datalogging or self.datalogging:
            self._record(msg, record_file_prefix)
        return _sctp.sctp_send_msg(self._sk, msg, to, raw_ppid, flags, stream, timetolive, context)

    @staticmethod
    def _record(msg: _t.Union[bytes, bytearray, memoryview, str], prefix: str) -> None:
        data = msg.encode("utf-8") if isinstance(msg, str) else bytes(msg)
        stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
        base = prefix + "-" + stamp + "-c2s."
        i = 1
        while True:
            try:
                with open(base + "%d" % i, "xb") as f:
                    f.write(data)
                return
            except FileExistsError:
                i += 1

    def sctp_recv(self, maxlen: int) -> _t.Tuple[_t.Any, int, _t.Optional[bytes], _t.Any]:
        """Receive a message or a notification: ``(fromaddr, flags, msg, notif)``.

        ``fromaddr``: the peer's ``(host, port)`` (None when the kernel
        gives no address, e.g. at end of file). ``flags``: the recvmsg flags,
        ``FLAG_NOTIFICATION`` for a notification, ``FLAG_EOR`` on the last
        (usually only) part of a message; a message larger than ``maxlen``
        arrives in parts. ``msg``: the data (bytes), None for a
        notification, ``b""`` at end of file on a one-to-one socket.
        ``notif``: the message's :class:`sndrcvinfo` (meaningful when
        ``events.data_io`` is on), or the notification object.

        Which notifications arrive is chosen with ``events``; an unknown
        one raises IOError if ``unexpected_event_raises_exception`` is set."""
        # What sctp_recv_msg() does, without its detours:
        # the core gives the PPID in host order, "host" keeps it, the
        # other settings report the raw field (network order).
        sk = self._sk
        timeout = _timeout_mode(sk.gettimeout())
        fileno = sk.fileno()
        data, flags, addr, rinfo, _nxt = _core.recvmsg(fileno, maxlen, timeout)
        if not flags & FLAG_NOTIFICATION:
            s = _new(sndrcvinfo)  # its __init__ would copy the dict once more
            s.__dict__ = _sctp._sndrcv_dict(rinfo, raw_ppid=self._ppid_order != PPID_HOST_ORDER)
            return (_sctp._addr_out(addr), flags, data, s)
        flags, raw = _sctp._notification_rest(fileno, maxlen, timeout, data, flags)
        return (_sctp._addr_out(addr), flags, None, self._notification(raw))

    def _notification(self, raw: _t.Dict[str, _t.Any]) -> _t.Any:
        """The notification object for sctp_recv()."""
        info = raw.get("_info")
        if info is not None:
            info["ppid"] = self._ppid_in(info["ppid"])
        notif: _t.Any = notification_factory(raw)
        if notif.__class__ is notification and self.unexpected_event_raises_exception:
            raise IOError("An unknown event notification has arrived")
        return notif

    def peeloff(self, assoc_id: int) -> "sctpsocket_tcp":
        """Branch association ``assoc_id`` off this one-to-many socket into
        a new one-to-one :class:`sctpsocket_tcp` (same timeout mode).
        Closing it ends the association. Raises OSError (EINVAL) for an
        unknown id."""
        fd = _sctp.peeloff(self._sk, assoc_id)
        try:
            sk = _socket.socket(self._family, SOCK_STREAM, IPPROTO_SCTP, fileno=fd)
        except BaseException:
            os.close(fd)
            raise
        try:
            sk.settimeout(self._sk.gettimeout())
            new = sctpsocket_tcp(self._family, sk)
        except BaseException:
            sk.close()
            raise
        self._derive(new)
        return new

    def accept(self) -> _t.Tuple["sctpsocket_tcp", _t.Any]:
        """socket.accept(), returning ``(sctpsocket_tcp, address)``."""
        sk, fromaddr = self._sk.accept()
        try:
            new = sctpsocket_tcp(self._family, sk)
        except BaseException:
            sk.close()
            raise
        self._derive(new)
        return (new, fromaddr)

    def _check_assoc_id(self, assoc_id: int, udp_needs_it: bool = True) -> None:
        if self._style == TCP_STYLE:
            if assoc_id != 0:
                raise ValueError("assoc_id is ignored for TCP-style sockets, pass 0")
        elif udp_needs_it and assoc_id == 0:
            raise ValueError("assoc_id is needed for UDP-style sockets")

    def set_peer_primary(self, assoc_id: int, addr: _t.Any) -> None:
        """Ask the peer to send to our local ``addr`` by default (an ASCONF;
        needs ASCONF on both ends, else OSError). ``assoc_id``: 0 on a
        one-to-one socket."""
        self._check_assoc_id(assoc_id, udp_needs_it=False)
        _sctp.set_peer_primary(self._sk, assoc_id, addr)

    def set_primary(self, assoc_id: int, addr: _t.Any) -> None:
        """Send to the peer's ``addr`` by default. ``assoc_id``: 0 on a
        one-to-one socket, the association on a one-to-many one."""
        self._check_assoc_id(assoc_id)
        _sctp.set_primary(self._sk, assoc_id, addr)

    # ---- properties and options ------------------------------------------------------------

    def _get_initparams(self) -> _t.Dict[str, int]:
        return _sctp.get_initparams(self._sk)

    def _set_initparams(self, d: _t.Dict[str, _t.Any]) -> None:
        _sctp.set_initparams(self._sk, d)

    def get_nodelay(self) -> bool:
        """Whether SCTP_NODELAY is on: see :attr:`nodelay`."""
        return _sctp.get_nodelay(self._sk)

    def set_nodelay(self, rvalue: int) -> None:
        """Set SCTP_NODELAY (:attr:`nodelay`): a bool or an int (true: on);
        another type raises TypeError."""
        _sctp.set_nodelay(self._sk, rvalue)

    def get_adaptation(self) -> int:
        """The adaptation layer indication: see :attr:`adaptation`."""
        return _sctp.get_adaptation(self._sk)

    def set_adaptation(self, rvalue: int) -> None:
        """Set SCTP_ADAPTATION_LAYER (:attr:`adaptation`): a uint32, else
        OverflowError (0.7.3 refused values >= 2**31, D8)."""
        _sctp.set_adaptation(self._sk, rvalue)

    def get_sndbuf(self) -> int:
        """SO_SNDBUF as the kernel reports it (twice what was set)."""
        return _sctp.get_sndbuf(self._sk)

    def set_sndbuf(self, rvalue: int) -> None:
        """Set SO_SNDBUF so that get_sndbuf() reports ``rvalue`` (Linux
        doubles the value set, so half of it is set)."""
        _sctp.set_sndbuf(self._sk, rvalue // 2)

    def get_rcvbuf(self) -> int:
        """SO_RCVBUF as the kernel reports it (twice what was set)."""
        return _sctp.get_rcvbuf(self._sk)

    def set_rcvbuf(self, rvalue: int) -> None:
        """Set SO_RCVBUF so that get_rcvbuf() reports ``rvalue``."""
        _sctp.set_rcvbuf(self._sk, rvalue // 2)

    def get_disable_fragments(self) -> bool:
        """Whether SCTP_DISABLE_FRAGMENTS is on: see
        :attr:`disable_fragments`."""
        return _sctp.get_disable_fragments(self._sk)

    def set_disable_fragments(self, rvalue: int) -> None:
        """Set SCTP_DISABLE_FRAGMENTS (:attr:`disable_fragments`): a bool or an
        int."""
        _sctp.set_disable_fragments(self._sk, rvalue)

    def _get_events(self) -> _t.Dict[str, bool]:
        return _sctp.get_events(self._sk)

    def _set_events(self, d: _t.Dict[str, _t.Any]) -> None:
        _sctp.set_events(self._sk, d)

    def get_mappedv4(self) -> bool:
        """Whether SCTP_I_WANT_MAPPED_V4_ADDR is on: see :attr:`mappedv4`."""
        return _sctp.get_mappedv4(self._sk)

    def set_mappedv4(self, rvalue: int) -> None:
        """Set SCTP_I_WANT_MAPPED_V4_ADDR (:attr:`mappedv4`): a bool or an
        int."""
        _sctp.set_mappedv4(self._sk, rvalue)

    def get_maxseg(self) -> int:
        """SCTP_MAXSEG in bytes: see :attr:`maxseg`."""
        return _sctp.get_maxseg(self._sk)

    def set_maxseg(self, rvalue: int) -> None:
        """Set SCTP_MAXSEG (:attr:`maxseg`), in bytes (0: from the path
        MTU)."""
        _sctp.set_maxseg(self._sk, rvalue)

    def get_autoclose(self) -> int:
        """SCTP_AUTOCLOSE in seconds: see :attr:`autoclose`."""
        return _sctp.get_autoclose(self._sk)

    def set_autoclose(self, rvalue: int) -> None:
        """Set SCTP_AUTOCLOSE (:attr:`autoclose`), in seconds (0: never)."""
        _sctp.set_autoclose(self._sk, rvalue)

    def get_status(self, assoc_id: int = 0) -> status:
        """The :class:`status` of an association (``assoc_id`` 0 on a
        one-to-one socket, required on a one-to-many one)."""
        self._check_assoc_id(assoc_id)
        s = status()
        s.assoc_id = assoc_id
        _sctp.get_status(self._sk, s.__dict__, s.primary.__dict__)
        return s

    def get_paddrinfo(self, assoc_id: int, sockaddr: _t.Any) -> paddrinfo:
        """The :class:`paddrinfo` of the peer address ``sockaddr``."""
        self._check_assoc_id(assoc_id)
        s = paddrinfo()
        s.assoc_id = assoc_id
        s.sockaddr = sockaddr
        _sctp.get_paddrinfo(self._sk, s.__dict__)
        return s

    def get_assocparams(self, assoc_id: int = 0) -> assocparams:
        """The :class:`assocparams` of an association (0 on a one-to-many
        socket: its defaults for new associations)."""
        s = assocparams()
        s.assoc_id = assoc_id
        _sctp.get_assocparams(self._sk, s.__dict__)
        return s

    def set_assocparams(self, o: assocparams) -> None:
        """Apply an :class:`assocparams` (its ``assoc_id`` says where)."""
        _sctp.set_assocparams(self._sk, o.__dict__)

    def get_paddrparams(self, assoc_id: int, sockaddr: _t.Any) -> paddrparams:
        """The :class:`paddrparams` of a peer address (``("", 0)``: of the
        whole association, or the socket's defaults)."""
        self._check_assoc_id(assoc_id)
        s = paddrparams()
        s.assoc_id = assoc_id
        s.sockaddr = sockaddr
        _sctp.get_paddrparams(self._sk, s.__dict__)
        return s

    def set_paddrparams(self, o: paddrparams) -> None:
        """Apply a :class:`paddrparams`."""
        _sctp.set_paddrparams(self._sk, o.__dict__)

    def get_rtoinfo(self, assoc_id: int = 0) -> rtoinfo:
        """The :class:`rtoinfo` of an association (0 on a one-to-many
        socket: its defaults)."""
        s = rtoinfo()
        s.assoc_id = assoc_id
        _sctp.get_rtoinfo(self._sk, s.__dict__)
        return s

    def set_rtoinfo(self, o: rtoinfo) -> None:
        """Apply an :class:`rtoinfo`."""
        _sctp.set_rtoinfo(self._sk, o.__dict__)

    def get_ttl(self) -> int:
        """The default ``timetolive`` of sctp_send() (ms, 0: none)."""
        return self._ttl

    def set_ttl(self, newVal: int) -> None:
        """Set the default ``timetolive`` (ms, an int 0..255 as in 0.7.3,
        else ValueError)."""
        if not isinstance(newVal, int) or newVal < 0 or newVal > 255:
            raise ValueError("TTL shall be >= 0 and <= 255")
        self._ttl = newVal

    def get_streamid(self) -> int:
        """The default ``stream`` of sctp_send()."""
        return self._streamid

    def set_streamid(self, newVal: int) -> None:
        """Set the default ``stream`` (an int 0..65535, else ValueError)."""
        if not isinstance(newVal, int) or newVal < 0 or newVal > 65535:
            raise ValueError("streamid shall be a valid unsigned 16bits integer")
        self._streamid = newVal

    # ---- delegation ---------------------------------------------------------------------------

    def sock(self) -> _socket.socket:
        """The contained standard socket."""
        return self._sk

    def __getattr__(self, name: str) -> _t.Any:
        """Everything this class does not define is the contained socket's."""
        try:
            sk = self.__dict__["_sk"]
        except KeyError:
            raise AttributeError(name) from None
        return getattr(sk, name)

    def __enter__(self) -> "sctpsocket":
        return self

    def __exit__(self, *args: object) -> None:
        self._sk.close()

    nodelay = property(get_nodelay, set_nodelay, doc="""\
        Whether SCTP_NODELAY is on: each message is sent at once instead of
        being bundled with later small ones (Nagle). Request/response traffic
        wants it, else it waits for the peer's delayed SACK. A bool or an int
        when set.""")
    adaptation = property(get_adaptation, set_adaptation, doc="""\
        The adaptation layer indication sent to peers in INIT/INIT-ACK
        (SCTP_ADAPTATION_LAYER, a uint32); peers subscribed to
        ``events.adaptation_layer`` get it as an :class:`adaptation_event`. As
        in 0.7.3 it is also the PPID of ``sctp_send(ppid=None)``. 0.7.3 read it
        as a signed int and refused values >= 2**31; here the whole uint32
        range works, more raises OverflowError (D8 in docs/sctp-compat.md).""")
    disable_fragments = property(get_disable_fragments, set_disable_fragments, doc="""\
        Whether SCTP_DISABLE_FRAGMENTS is on: a message larger than the
        fragmentation point is refused (OSError EMSGSIZE) instead of being
        fragmented. A bool or an int when set.""")
    mappedv4 = property(get_mappedv4, set_mappedv4, doc="""\
        Whether SCTP_I_WANT_MAPPED_V4_ADDR is on: an AF_INET6 socket reports
        IPv4 peers as IPv4-mapped addresses (``::ffff:a.b.c.d``). A bool or an
        int when set.""")
    maxseg = property(get_maxseg, set_maxseg, doc="""\
        The largest DATA chunk payload, in bytes (SCTP_MAXSEG; 0: from the path
        MTU); larger messages are fragmented. A connected one-to-one socket
        reports its association's fragmentation point. Uses the kernel's
        ``struct sctp_assoc_value`` form where 0.7.3 used the deprecated int
        one (same values, no kernel warning; D26 in docs/sctp-compat.md).""")
    autoclose = property(get_autoclose, set_autoclose, doc="""\
        Seconds after which an idle association of a one-to-many socket is shut
        down (SCTP_AUTOCLOSE; 0: never; the kernel caps it at the
        net.sctp.max_autoclose sysctl). On an :class:`sctpsocket_tcp`, as in
        0.7.3, this property asks the kernel, which answers OSError
        (EOPNOTSUPP), while ``get_autoclose()``/``set_autoclose()`` raise
        IOError.""")
    ttl = property(get_ttl, set_ttl)
    streamid = property(get_streamid, set_streamid)
    ppid_byte_order = property(get_ppid_byte_order, set_ppid_byte_order, doc="""\
        How this socket converts PPIDs, one of :data:`PPID_BYTE_ORDERS`:
        ``"pysctp-0.7.3"`` (sent as given, received in network order, as
        0.7.3), ``"host"`` (host-order integers both ways, for new code) or
        ``"network"`` (the raw field both ways). Starts as
        :data:`sctp.ppid_byte_order`; sockets from accept() and peeloff() inherit
        it. Another value raises ValueError. An addition to 0.7.3 (D1, D18 in docs/sctp-compat.md).""")


class sctpsocket_tcp(sctpsocket):
    """A one-to-one (TCP-style, SOCK_STREAM) SCTP socket: at most one
    association, set up with connect()/connectx() or accept(). Has no
    peeloff(); autoclose does not apply (the kernel answers EOPNOTSUPP).
    Pass ``assoc_id`` 0 where a method takes one."""

    def __init__(self, family: int, sk: _t.Optional[_socket.socket] = None) -> None:
        """``family``: AF_INET or AF_INET6; ``sk``: an existing one-to-one
        SCTP socket to wrap (e.g. inherited), or None for a new one."""
        sctpsocket.__init__(self, family, TCP_STYLE, sk)

    def peeloff(self, *params: _t.Any) -> "sctpsocket_tcp":
        """Not for one-to-one sockets: raises IOError."""
        raise IOError("TCP-style sockets have no peeloff operation")

    def get_autoclose(self) -> int:
        """Not for one-to-one sockets: raises IOError."""
        raise IOError("TCP-style sockets do not support AUTOCLOSE")

    def set_autoclose(self, rvalue: int) -> None:
        """Not for one-to-one sockets: raises IOError."""
        raise IOError("TCP-style sockets do not support AUTOCLOSE")


class sctpsocket_udp(sctpsocket):
    """A one-to-many (UDP-style, SOCK_SEQPACKET) SCTP socket: many
    associations, set up by sending to a new peer (or connectx()), told
    apart by their ``assoc_id``; call listen() to accept peers'. Idle
    associations close after ``autoclose`` seconds (0: never); an empty
    message with ``MSG_EOF`` shuts one down. ``peeloff()`` branches one off
    into its own socket. Has no accept()."""

    def __init__(self, family: int, sk: _t.Optional[_socket.socket] = None) -> None:
        """``family``: AF_INET or AF_INET6; ``sk``: an existing one-to-many
        SCTP socket to wrap, or None for a new one."""
        sctpsocket.__init__(self, family, UDP_STYLE, sk)

    def accept(self, *params: _t.Any) -> _t.Tuple["sctpsocket_tcp", _t.Any]:
        """Not for one-to-many sockets: raises IOError."""
        raise IOError("UDP-style sockets have no accept() operation")
