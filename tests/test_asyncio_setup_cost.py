"""Issue 15, set-up cost: what an association's set-up and end no longer
cost, shown by behaviour (no timing), on asyncio and uvloop.

- The end of a one-to-one association is handled in the turn of the loop
  that reads it: ``connection_lost`` is called from the transport's read
  callback, not two ``call_soon`` hops later (it was _end -> _finish ->
  _call_connection_lost); what was queued before it (SendFailed of the
  unsent data) is still reported first (tests/test_faults.py).
- ``peername`` comes from the SCTP_STATUS the set-up reads anyway, and is
  what ``getpeername()`` says, on IPv4, IPv6 and v4-mapped sockets, on
  both sides.
- A set-up to a near peer (answered within connectx()) turns the loop no
  more, unless an SCTPServer of the same loop listens on that port (it
  then has the association when the set-up returns); an accepted
  transport's peername is accept()'s address, also after the association
  ended; the client's system calls and loop turns per connect + close,
  counted under strace, stay within upper bounds.
- The server never calls accept() on an empty queue (Linux's SCTP accept()
  then sleeps until the next timer tick, nonblocking or not).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import aiosctp
from aiosctp import connection
from aiosctp import server as server_module


class Ending(aiosctp.SCTPProtocol):
    def __init__(self) -> None:
        self.stack: List[str] = []
        self.lost: "asyncio.Future[Optional[Exception]]" = \
            asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.stack = [f.function for f in inspect.stack()]
        self.lost.set_result(exc)


@pytest.mark.parametrize("who", ["peer", "self"])
def test_end_is_handled_in_the_reading_turn(run: Callable[..., Any], who: str) -> None:
    """SHUTDOWN started by the peer, or by close(): connection_lost(None) is
    called from within the read callback that read SHUTDOWN_COMP/EOF."""

    async def main() -> None:
        server = await aiosctp.create_sctp_server(Ending, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t, p = await aiosctp.create_sctp_connection(Ending, "127.0.0.1", port)
        assert isinstance(p, Ending)
        await asyncio.sleep(0.05)
        if who == "peer":
            for st in server.associations:
                st.close()
        else:
            t.close()
        assert await p.lost is None
        assert "_read_ready" in p.stack, p.stack
        assert "_finish" in p.stack, p.stack
        server.close()
        await server.wait_closed()

    run(main())


CASES: List[Tuple[str, str, int]] = [
    ("127.0.0.1", "127.0.0.1", socket.AF_INET),
    ("::", "::1", socket.AF_INET6),
    ("::", "::ffff:127.0.0.1", socket.AF_INET6),
]


@pytest.mark.parametrize("bind,host,family", CASES)
def test_peername_is_what_getpeername_says(run: Callable[..., Any], bind: str, host: str,
                                           family: int) -> None:
    async def main() -> None:
        server = await aiosctp.create_sctp_server(
            aiosctp.SCTPProtocol, bind, 0, family=family)
        port = server.sockets[0].getsockname()[1]
        t, _ = await aiosctp.create_sctp_connection(
            aiosctp.SCTPProtocol, host, port, family=family)
        while not server.associations:
            await asyncio.sleep(0.01)
        for tr in [t] + server.associations:
            sock = tr.get_extra_info("socket")
            assert tr.get_extra_info("peername") == sock.getpeername()
            assert tr.get_extra_info("sockname") == sock.getsockname()
        t.close()
        server.close()
        await server.wait_closed()

    run(main())


class Up(aiosctp.SCTPProtocol):
    """Records the order of connection_made and the COMM_UP notification."""

    def __init__(self) -> None:
        self.seen: List[str] = []
        self.up: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self.lost: "asyncio.Future[Optional[Exception]]" = \
            asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.seen.append("made")

    def notification_received(self, event: Any) -> None:
        if isinstance(event, aiosctp.events.AssocChange) and \
                event.state == aiosctp.events.AssocChangeState.COMM_UP:
            self.seen.append("COMM_UP")
            self.up.set_result(None)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.lost.set_result(exc)


def test_near_peer_set_up_turns_no_loop(run: Callable[..., Any]) -> None:
    """A loopback peer answers INIT and COOKIE-ECHO within connectx(): the
    association is up when it returns, and create_sctp_connection returns
    without a turn of the loop (it waited for COMM_UP: two turns). COMM_UP
    still reaches the protocol, after connection_made. (The peer is a
    listening socket no SCTPServer of this loop serves: the kernel alone
    answers.)"""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        lst.bind(("127.0.0.1", 0))
        lst.listen(32)
        port = lst.getsockname()[1]
        waited = 0
        for _ in range(10):
            turned: List[bool] = []
            loop.call_soon(turned.append, True)
            t, p = await aiosctp.create_sctp_connection(Up, "127.0.0.1", port)
            waited += bool(turned)
            assert isinstance(p, Up)
            await p.up
            assert p.seen == ["made", "COMM_UP"]
            assert t.get_extra_info("ostreams") == 10
            t.close()
            assert await p.lost is None
        lst.close()
        # A loaded guest may defer the peer's answer to ksoftirqd (then the
        # set-up waits, as it must): most set-ups, not all, are asserted.
        # Before, every one waited.
        assert waited <= 3, f"{waited} of 10 set-ups turned the loop"

    run(main())


@pytest.mark.parametrize("style", ["one-to-one", "one-to-many"])
def test_same_loop_server_has_the_association_first(run: Callable[..., Any],
                                                    style: str) -> None:
    """Against an SCTPServer on the same loop, create_sctp_connection still
    lets the loop turn until the server has the association: when it
    returns, the server's connection_made has been called (the order code
    on one loop relies on, as with asyncio's TCP connections)."""

    async def main() -> None:
        made: List[asyncio.BaseTransport] = []

        class Side(aiosctp.SCTPProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                made.append(transport)

        server = await aiosctp.create_sctp_server(Side, "127.0.0.1", 0, style=style)
        port = server.sockets[0].getsockname()[1]
        for i in range(5):
            t, p = await aiosctp.create_sctp_connection(Up, "127.0.0.1", port)
            assert len(made) == i + 1
            assert isinstance(p, Up)
            t.close()
            await p.lost
        server.close()
        await server.wait_closed()
        # closed: no longer a server of this loop
        assert port not in connection._serving_ports.get(asyncio.get_running_loop(), {})

    run(main())


async def late_server(factory: Callable[[], aiosctp.SCTPProtocol]) -> Tuple[Any, int]:
    """(a one-to-one server that listens but does not accept yet, its port):
    associations queue, and may end, before ``start_serving()``. (With
    start_serving=False alone they would be refused: no listen() until then.)"""
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    server = await aiosctp.create_sctp_server(factory, sock=lst, start_serving=False)
    return server, lst.getsockname()[1]


def test_accepted_after_the_end_knows_its_peer(run: Callable[..., Any]) -> None:
    """An association accepted after the peer had already ended it (the
    client connects and closes before the server accepts): peername is the
    address accept() gave, the client's; getpeername() fails (ENOTCONN)
    there, and peername was None."""

    async def main() -> None:
        accepted: "asyncio.Future[asyncio.BaseTransport]" = \
            asyncio.get_running_loop().create_future()

        class Side(aiosctp.SCTPProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted.set_result(transport)

        server, port = await late_server(Side)
        t, p = await aiosctp.create_sctp_connection(Up, "127.0.0.1", port)
        assert isinstance(p, Up)
        mine = t.get_extra_info("sockname")
        t.close()
        await p.lost
        await server.start_serving()
        st = await accepted
        with pytest.raises(OSError):
            st.get_extra_info("socket").getpeername()
        assert st.get_extra_info("peername") == mine
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.parametrize("count", [3, 20])
def test_accepted_after_the_end_delivers_everything(run: Callable[..., Any],
                                                    count: int) -> None:
    """An association whose peer sent ``count`` messages and ended it before
    the server accepted: the first read (before the reader is registered)
    and, past its batch of 8, the reader's deliver every message with its
    stream and PPID, in order, then the notifications up to SHUTDOWN_COMP,
    then connection_lost(None)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        lost: "asyncio.Future[Optional[Exception]]" = loop.create_future()
        got: List[Tuple[bytes, int, int]] = []
        seen: List[str] = []

        class Side(aiosctp.SCTPProtocol):
            def message_received(self, data: bytes, info: Any) -> None:
                got.append((data, info.stream, info.ppid))

            def notification_received(self, event: Any) -> None:
                seen.append(type(event).__name__)

            def connection_lost(self, exc: Optional[Exception]) -> None:
                lost.set_result(exc)

        server, port = await late_server(Side)
        t, p = await aiosctp.create_sctp_connection(Up, "127.0.0.1", port)
        assert isinstance(p, Up)
        sent = [(b"m%d" % i, i % 5, 1000 + i) for i in range(count)]
        for data, stream, ppid in sent:
            t.send(data, stream=stream, ppid=ppid)
        t.close()
        await p.lost  # SHUTDOWN_COMP: all of it acknowledged by the server's kernel
        await server.start_serving()
        assert await asyncio.wait_for(lost, 10) is None
        assert got == sent
        assert seen[0] == "AssocChange" and seen[-1] == "AssocChange", seen
        server.close()
        await server.wait_closed()

    run(main())


# System calls of the client per connect + close, counted under strace:
# upper bounds of the mean (22 / 26 / 23 when every set-up is answered
# within connectx(); a loaded guest may defer a few answers to ksoftirqd,
# and such a set-up waits: +5 calls, +2 turns, hence the margin of three
# in twenty). Before issue 15's set-up work: 55 / 66 / 59; before the
# COMM_UP wait was skipped: 29 / 31 / 30; before SCTP_RECVRCVINFO went
# into the subscription (and connect() asked for the loop once): 23 / 27
# / 24. See benchmarks/README.md, 7b.
CALL_BOUNDS = {"asyncio": 22.75, "uvloop": 26.75, "highlevel": 23.75}
TURN_BOUNDS = {"asyncio": 2.5, "uvloop": 2.5, "highlevel": 2.5}
_WAITS = ("epoll_wait", "epoll_pwait", "epoll_pwait2")


def _count_between_marks(path: str) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    inside = False
    with open(path, errors="replace") as f:
        for line in f:
            if "__setup_calls_begin__" in line:
                inside = True
                continue
            if "__setup_calls_end__" in line:
                break
            if not inside or "resumed>" in line:
                continue
            m = re.match(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?([a-z_0-9]+)\(", line)
            if m:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


@pytest.mark.parametrize("kind", sorted(CALL_BOUNDS))
def test_system_calls_per_set_up(kind: str, tmp_path: Any) -> None:
    """The client's system calls per connect + close (strace -f, the
    measured cycles only) stay within the bound, and its loop turns (epoll
    waits) too: the wait for COMM_UP is gone when the peer answered within
    connectx(), and nothing is set or read twice."""
    if shutil.which("strace") is None:
        pytest.fail("strace is needed (apt-get install strace)")
    n = 20
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    lst.bind(("127.0.0.1", 0))
    lst.listen(128)
    port = lst.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        lst.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = lst.accept()
            except socket.timeout:
                continue
            conn.settimeout(10)
            conn.recv(64)  # the client's end (SHUTDOWN: end of file) first
            conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    log = os.environ.get("SETUP_CALLS_LOG") or str(tmp_path / "strace.log")
    script = os.path.join(os.path.dirname(__file__), "workloads", "setup_calls.py")
    try:
        subprocess.run(["strace", "-f", "-o", log, sys.executable, script, kind, str(port),
                        str(n)], check=True, timeout=120, capture_output=True)
    finally:
        stop.set()
        th.join()
        lst.close()
    counts = _count_between_marks(log)
    calls = sum(counts.values()) / n
    turns = sum(counts.get(w, 0) for w in _WAITS) / n
    assert calls <= CALL_BOUNDS[kind], (calls, counts)
    assert turns <= TURN_BOUNDS[kind], (turns, counts)
    # the set-up's own calls, once each: one socket, one connect, one close
    assert counts.get("socket", 0) == n and counts.get("close", 0) == n, counts


@pytest.mark.parametrize("kind", ["asyncio", "uvloop"])
def test_server_calls_per_association_ended_before_accept(kind: str, tmp_path: Any) -> None:
    """Associations that ended before the server accepted them (short ones,
    accepted late): the server reads each once, before registering a
    reader, finds it over and closes it. No reader registered and removed
    (epoll_ctl), no ioctl (accept4 makes it nonblocking), no SO_RCVBUF read
    and widened for an association that is gone, one recvmmsg. Before: per
    association ioctl 1, epoll_ctl 2, recvmmsg 2, getsockopt 2, setsockopt
    1. Every association still gets connection_made and connection_lost."""
    if shutil.which("strace") is None:
        pytest.fail("strace is needed (apt-get install strace)")
    n = 20
    log = str(tmp_path / "strace.log")
    script = os.path.join(os.path.dirname(__file__), "workloads", "accept_calls.py")
    with subprocess.Popen(["strace", "-f", "-o", log, sys.executable, script, kind, str(n)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdin is not None
        port = int(proc.stdout.readline())
        for _ in range(n):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
            c.settimeout(10)
            c.connect(("127.0.0.1", port))
            c.close()  # SHUTDOWN: the server's kernel answers it unaccepted
        proc.stdin.write("go\n")
        proc.stdin.flush()
        made, lost = map(int, proc.stdout.readline().split())
        proc.stdin.close()
        assert proc.wait(60) == 0
    assert (made, lost) == (n, n)
    counts = _count_between_marks(log)
    assert counts.get("accept4", 0) == n, counts
    assert counts.get("recvmmsg", 0) == n, counts
    # (uvloop: libuv's FIONBIO on the listener it registers)
    assert counts.get("ioctl", 0) <= (kind == "uvloop"), counts
    assert counts.get("setsockopt", 0) == 0, counts
    assert counts.get("getsockopt", 0) == n, counts  # SCTP_STATUS (it is over)
    # the listener's own reader at most (uvloop: libuv's bookkeeping of it)
    assert counts.get("epoll_ctl", 0) <= 4, counts
    # per association: accept4, getsockname twice (CPython's check of the
    # descriptor it wraps, and the transport's sockname), SCTP_STATUS, poll
    # (is another queued?), recvmmsg, close: 7 (13 before)
    mine = ("accept4", "getsockname", "getsockopt", "setsockopt", "ioctl", "poll",
            "recvmmsg", "epoll_ctl", "close")
    assert sum(counts.get(k, 0) for k in mine) <= 7 * n + 6, counts


class CountingAccept:
    """The server's accept, counting the accept4() calls that found the
    queue empty."""

    def __init__(self) -> None:
        self.empty_accepts = 0
        self.accepts = 0
        self.real = server_module._accept

    def __call__(self, sock: socket.socket, ask_first: bool = False) -> Tuple[socket.socket, Any]:
        try:
            got = self.real(sock, ask_first)
        except BlockingIOError:
            if not ask_first:  # (else poll() said so, and accept4 was not called)
                self.empty_accepts += 1
            raise
        self.accepts += 1
        return got


def test_server_never_accepts_from_an_empty_queue(run: Callable[..., Any],
                                                  monkeypatch: Any) -> None:
    """Linux's SCTP accept() on an empty queue sleeps until the next timer
    tick even on a nonblocking socket (4-10 ms per wake-up of the server):
    the server asks poll() before each accept past the first of a wake-up,
    and so never calls accept() to learn that the queue is empty. Clients
    one at a time (one association per wake-up) and in a burst (several)."""

    counting = CountingAccept()
    monkeypatch.setattr(server_module, "_accept", counting)

    async def main() -> None:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        lsock.bind(("127.0.0.1", 0))
        server = await aiosctp.create_sctp_server(aiosctp.SCTPProtocol, sock=lsock)
        port = lsock.getsockname()[1]
        clients: List[Tuple[Any, Any]] = []
        try:
            for _ in range(5):
                clients.append(await aiosctp.create_sctp_connection(
                    aiosctp.SCTPProtocol, "127.0.0.1", port))
                await asyncio.sleep(0.01)
            clients += await asyncio.gather(*(
                aiosctp.create_sctp_connection(aiosctp.SCTPProtocol, "127.0.0.1", port)
                for _ in range(5)))
            for _ in range(100):
                if len(server._transports) == 10:
                    break
                await asyncio.sleep(0.01)
            assert len(server._transports) == 10
            assert counting.accepts == 10
            assert counting.empty_accepts == 0
        finally:
            for t, _ in clients:
                t.close()
            server.close()
            await server.wait_closed()

    run(main())
