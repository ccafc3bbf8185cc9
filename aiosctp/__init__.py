"""aiosctp: SCTP for Python over Linux kernel SCTP, asyncio-native.

- :func:`create_sctp_server`, :func:`create_sctp_connection`: asyncio
  transports and protocols (:class:`SCTPTransport`, :class:`SCTPProtocol`),
  one per association, with message boundaries, streams and PPIDs kept.
- :func:`connect`, :func:`serve`, :class:`Association`: the high-level API
  (``await assoc.send(...)``, ``await assoc.recv()``, ``async for``,
  ``async for event in assoc.notifications()``). Every option of these and of
  the two above is a typed keyword, with ``configure`` (a hook called with
  the socket before INIT/listen), ``sock``, ``timeout`` (clients) and
  ``events`` (the notifications wanted; :data:`aiosctp.events.DEFAULT`).
- :mod:`aiosctp.lowlevel`: typed functions over ordinary sockets
  (sendmsg/recvmsg with stream and PPID, bindx, connectx, peeloff, options).
- :mod:`aiosctp.events`: the kernel's notifications as dataclasses.

The test sandbox (a user-mode Linux kernel with SCTP, for hosts without it)
is a development tool of the project, ``tools/sandbox``, not part of this
package.
"""

from . import events, lowlevel
from .connection import create_sctp_connection
from .highlevel import Association, AssociationClosed, Notifications, connect, serve
from .message import Message, MessageInfo
from .protocol import SCTPProtocol
from .server import SCTPServer, create_sctp_server
from .transport import SCTPTransport

__all__ = [
    "events",
    "lowlevel",
    "Message",
    "MessageInfo",
    "create_sctp_server",
    "create_sctp_connection",
    "SCTPServer",
    "SCTPProtocol",
    "SCTPTransport",
    "connect",
    "serve",
    "Association",
    "AssociationClosed",
    "Notifications",
]
__version__ = "0.1.0"
