"""One place that makes SCTP sockets and explains a kernel without SCTP.

Linux answers ``socket(..., IPPROTO_SCTP)`` with EPROTONOSUPPORT (or
ESOCKTNOSUPPORT) when its ``sctp`` module is absent; the bare
"Protocol not supported" says nothing of why or what to do.  Every creation
site (``aiosctp.lowlevel.sctp_socket`` and with it the asyncio API, and the
``sctp`` module's sockets) goes through :func:`sctp_socket`.
"""

from __future__ import annotations

import errno
import os
import socket

__all__ = ["NO_SCTP_ERRNOS", "no_sctp_error", "sctp_socket"]

IPPROTO_SCTP = 132

#: The errnos with which Linux refuses an SCTP socket when it has no SCTP.
NO_SCTP_ERRNOS = frozenset({errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT})

_HOW = (
    "the running kernel has no SCTP (the Linux 'sctp' kernel module is not loaded): "
    "load it with 'modprobe sctp' (as root; on some distributions it ships in a "
    "separate kernel-modules package), or where that is impossible (a container on "
    "a host without SCTP), run the program under the aiosctp project's sandbox "
    "runner ('aiosctp-sandbox -- CMD', tools/sandbox in its source tree), which "
    "boots a user-mode Linux kernel with SCTP"
)


def no_sctp_error(exc: OSError) -> OSError:
    """The same error (same class, same errno) with a message saying that
    kernel SCTP is missing and what to do; ``exc`` itself when its errno is
    not one of :data:`NO_SCTP_ERRNOS`."""
    if exc.errno not in NO_SCTP_ERRNOS:
        return exc
    new = type(exc)(exc.errno, f"{os.strerror(exc.errno)}: {_HOW}")
    new.__cause__ = exc
    return new


def sctp_socket(family: int, kind: int) -> socket.socket:
    """``socket.socket(family, kind, IPPROTO_SCTP)``; a kernel without SCTP
    gives the OSError of :func:`no_sctp_error`."""
    try:
        return socket.socket(family, kind, IPPROTO_SCTP)
    except OSError as exc:
        raise no_sctp_error(exc) from exc
