"""Helpers shared by the tests: connected socket pairs over loopback,
reading until a given notification arrives, a packet capture on lo, and an
integer that empties its list while the C core parses it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from typing import Any, List, Optional, Tuple, Type

from aiosctp import events, lowlevel as ll


def listener(family: int = socket.AF_INET, style: str = "one-to-one",
             addrs: Optional[List[Tuple[Any, ...]]] = None) -> socket.socket:
    """A bound, listening SCTP socket on an ephemeral port."""
    s = ll.sctp_socket(family, style)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if addrs:
        ll.bindx(s, addrs)
    else:
        s.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
    s.listen(16)
    return s


def pair(family: int = socket.AF_INET, *, subscribe: bool = True,
         nodelay: bool = True) -> Tuple[socket.socket, socket.socket]:
    """A connected one-to-one (client, server-side) pair. With subscribe,
    both have every notification on and both COMM_UP events are consumed."""
    lst = listener(family)
    cli = ll.sctp_socket(family)
    if subscribe:
        # the accepted socket inherits the listener's subscriptions
        ll.subscribe(lst)
        ll.subscribe(cli)
    cli.connect(lst.getsockname()[:2])
    srv, _ = lst.accept()
    lst.close()
    if subscribe:
        expect(cli, events.AssocChange)
        expect(srv, events.AssocChange)
    if nodelay:
        ll.set_nodelay(cli)
        ll.set_nodelay(srv)
    for s in (cli, srv):
        s.settimeout(10)
    return cli, srv


def expect(sock: socket.socket, cls: Type[Any], *, skip_other: bool = True,
           limit: int = 100, bufsize: int = 65536) -> Any:
    """Read until an item of class `cls` (an event class or Message) comes;
    other items are skipped when skip_other, else they fail the test."""
    seen = []
    for _ in range(limit):
        item = ll.recvmsg(sock, bufsize)
        if isinstance(item, cls):
            return item
        assert skip_other, f"expected {cls.__name__}, got {item!r}"
        seen.append(item)
    raise AssertionError(f"no {cls.__name__} in {seen!r}")


def messages(sock: socket.socket, n: int, bufsize: int = 65536) -> List[ll.Message]:
    """Read n data messages, skipping notifications."""
    out = []
    while len(out) < n:
        item = ll.recvmsg(sock, bufsize)
        assert item is not None, "unexpected EOF"
        if isinstance(item, ll.Message):
            out.append(item)
    return out


class Clearing:
    """An integer whose ``__index__`` empties the list holding it: the C
    core must parse a caller's list from strong references it holds (a
    use-after-free otherwise). Imported by the subprocess snippets of
    test_core_calls.py, host/test_core_host.py and host/asan_workload.py."""

    def __init__(self, lst: List[Any], value: int) -> None:
        self.lst, self.value = lst, value

    def __index__(self) -> int:
        self.lst.clear()
        return self.value


def send_until_eagain(fd: int, size: int, most: int = 100000) -> Tuple[int, bool]:
    """Send ``size``-byte messages with ``_sctp.sendmsg(..., timeout 0.0)``
    until it raises BlockingIOError (at most ``most`` sends): (how many were
    sent, whether it raised). A 0.0 timeout that waited would hang here, so
    callers run it in a subprocess with a time limit (test_core_calls.py,
    host/test_core_host.py)."""
    from aiosctp import _sctp
    n = 0
    try:
        while n < most:
            _sctp.sendmsg(fd, b"x" * size, 0, 0, 0, 0, 0, 0, None, 0.0)
            n += 1
    except BlockingIOError:
        return n, True
    return n, False


class Capture:
    """dumpcap on lo with an sctp filter, written as classic pcap to
    ``path``; running once the file has its header. ``stop()`` lets the
    last packets in, then ends it (a second call does nothing)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc = subprocess.Popen(
            [shutil.which("dumpcap") or "dumpcap", "-q", "-P", "-i", "lo", "-f", "sctp",
             "-w", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not (os.path.exists(path) and os.path.getsize(path) > 0):
            assert self.proc.poll() is None, self.proc.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "dumpcap did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            time.sleep(0.3)  # let the last packets reach the capture
            self.proc.send_signal(signal.SIGINT)
            self.proc.communicate(timeout=60)
