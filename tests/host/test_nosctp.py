"""Where the kernel has no SCTP, every way of making an SCTP socket raises the
kernel's OSError (same class, same errno: EPROTONOSUPPORT or
ESOCKTNOSUPPORT) with a message that says what is missing (the kernel's
``sctp`` module) and what to do (``modprobe sctp``, or the sandbox runner).

This runs on the host (``make test-host``), whose kernel is expected to lack
SCTP, as CI's does.  On a host whose kernel has SCTP the same tests check the
other side: the sockets are made.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Callable, Optional

import pytest

import aiosctp
import sctp
from aiosctp import _nosctp, lowlevel


def _kernel_error(family: int, kind: int) -> Optional[OSError]:
    """What the kernel itself says to this socket() call (None: it has SCTP)."""
    try:
        socket.socket(family, kind, 132).close()
    except OSError as exc:
        return exc
    return None


def _check(make: Callable[[], object], family: int = socket.AF_INET,
           kind: int = socket.SOCK_STREAM) -> None:
    KERNEL_ERROR = _kernel_error(family, kind)
    if KERNEL_ERROR is None:  # this kernel has SCTP: the socket is made
        made = make()
        close = getattr(made, "close", None)
        if close is not None:
            close()
        return
    assert KERNEL_ERROR.errno in (errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT)
    with pytest.raises(OSError) as info:
        make()
    exc = info.value
    assert type(exc) is type(KERNEL_ERROR)
    assert exc.errno == KERNEL_ERROR.errno
    text = str(exc)
    assert text.startswith(f"[Errno {KERNEL_ERROR.errno}] {KERNEL_ERROR.strerror}: "), text
    assert "kernel has no SCTP" in text
    assert "modprobe sctp" in text
    assert "aiosctp-sandbox" in text
    assert isinstance(exc.__cause__, OSError) and exc.__cause__.errno == exc.errno


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
@pytest.mark.parametrize("style", ["one-to-one", "one-to-many"])
def test_lowlevel_sctp_socket(family: int, style: str) -> None:
    kind = socket.SOCK_STREAM if style == "one-to-one" else socket.SOCK_SEQPACKET
    _check(lambda: lowlevel.sctp_socket(family, style), family, kind)


def test_connect() -> None:
    async def go() -> None:
        async with aiosctp.connect("127.0.0.1", 9, ostreams=2):
            pass

    _check(lambda: asyncio.run(go()))


def test_create_sctp_connection() -> None:
    async def go() -> None:
        transport, _ = await aiosctp.create_sctp_connection(aiosctp.SCTPProtocol, "127.0.0.1", 9)
        transport.abort()

    _check(lambda: asyncio.run(go()))


def test_create_sctp_server() -> None:
    async def go() -> None:
        server = await aiosctp.create_sctp_server(aiosctp.SCTPProtocol, "127.0.0.1", 0)
        server.close()

    _check(lambda: asyncio.run(go()))


@pytest.mark.parametrize("make,kind", [("sctpsocket_tcp", socket.SOCK_STREAM),
                                       ("sctpsocket_udp", socket.SOCK_SEQPACKET)])
def test_sctp_module_sockets(make: str, kind: int) -> None:
    _check(lambda: getattr(sctp, make)(socket.AF_INET), socket.AF_INET, kind)


def test_other_errors_pass_through() -> None:
    """Only the two 'no SCTP' errnos are rewritten: a bad family keeps the
    kernel's own error and message."""
    with pytest.raises(OSError) as info:
        _nosctp.sctp_socket(12345, socket.SOCK_STREAM)
    assert info.value.errno == errno.EAFNOSUPPORT
    assert "modprobe" not in str(info.value)
    plain = OSError(errno.EACCES, "Permission denied")
    assert _nosctp.no_sctp_error(plain) is plain
