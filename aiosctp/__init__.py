"""aiosctp: SCTP for Python over Linux kernel SCTP, asyncio-native.

- :mod:`aiosctp.lowlevel`: typed functions over ordinary sockets
  (sendmsg/recvmsg with stream and PPID, bindx, connectx, peeloff, options).
- :mod:`aiosctp.events`: the kernel's notifications as dataclasses.
- :mod:`aiosctp.sandbox`: run a command where kernel SCTP exists (a
  user-mode Linux kernel where the host has none).
"""

from . import events, lowlevel
from .message import Message, MessageInfo

__all__ = ["events", "lowlevel", "Message", "MessageInfo"]
__version__ = "0.1.0"
