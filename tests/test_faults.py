"""Faults, with nothing lost without a word (issue 11), over real kernel
SCTP on asyncio and uvloop, both socket styles.

Every message carries its sequence number in its first four bytes, so each
one is accounted for: delivered to the peer's application, or reported to
the sender as a SendFailed (by the kernel, or by the transport for what
never left its write buffer), before connection_lost."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import subprocess
from typing import Any, Callable, List, Tuple

import pytest

import aiosctp
import aiosctp.demux
from aiosctp import events
from aiosctp import lowlevel as ll
from test_asyncio_support import Recorder, ServerSide

STYLES = ["one-to-one", "one-to-many"]
SEQ = struct.Struct("!I")


def msg(seq: int, size: int) -> bytes:
    return SEQ.pack(seq) + bytes([seq % 251]) * (size - SEQ.size)


def seq_of(data: bytes) -> int:
    value: int = SEQ.unpack_from(data)[0]
    return value


async def sender_and_peer(style: str) -> Tuple[Any, Any, Recorder, socket.socket, Any]:
    """(server, sender transport, its protocol, peer socket, peer's assoc id):
    the sender is an aiosctp transport of ``style`` (a client for one-to-one,
    a one-to-many server's association otherwise); the peer a plain
    nonblocking one-to-one socket that the test drives by hand."""
    loop = asyncio.get_running_loop()
    if style == "one-to-one":
        lsock = ll.sctp_socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(5)
        lsock.setblocking(False)
        t, proto = await aiosctp.create_sctp_connection(
            Recorder, "127.0.0.1", lsock.getsockname()[1])
        peer, _ = await loop.sock_accept(lsock)
        lsock.close()
        peer.setblocking(False)
        return None, t, proto, peer, 0
    side = ServerSide()
    server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
    peer = ll.sctp_socket()
    peer.setblocking(False)
    await loop.sock_connect(peer, server.sockets[0].getsockname())
    (proto,) = await side.wait(1)
    return server, proto.transport, proto, peer, 0


def drain(peer: socket.socket, into: List[int]) -> bool:
    """Read what the peer has queued; False at end of file."""
    while True:
        try:
            item = ll.recvmsg(peer)
        except BlockingIOError:
            return True
        except OSError:  # the association is gone
            return False
        if item is None:
            return False
        if isinstance(item, ll.Message):
            assert item.complete
            into.append(seq_of(item.data))


async def send_until_paused(t: Any, proto: Recorder, n: int, size: int) -> int:
    """Hand ``n`` tagged messages to ``t`` (the peer does not read), let the
    loop turn until the write buffer is past its high water mark and settled;
    return how many messages the transport still holds."""
    for i in range(n):
        t.send(msg(i, size), ppid=i)
    while not proto.paused:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    return int(t.get_write_buffer_size() // size)


def reported(proto: Recorder) -> List[int]:
    return [seq_of(e.data) for e in proto.of_kind(events.SendFailed)]


def check_all_sent_before_lost(proto: Recorder) -> None:
    log = proto.log
    assert log[-1] == "lost"
    assert ("event", "SendFailed") not in log[log.index("lost"):]


async def finish(server: Any) -> None:
    if server is not None:
        server.close()
        await server.wait_closed()


async def ended_with_report(proto: Recorder, exc: Any, unsent: int, server: Any) -> None:
    """connection_lost's exception gave the count; every SendFailed came
    before it; then the server is closed."""
    assert f"{unsent} messages" in str(exc), exc
    check_all_sent_before_lost(proto)
    await finish(server)


async def close_down(server: Any, t: Any, client: Recorder) -> None:
    t.abort()
    await client.lost
    await finish(server)


@pytest.mark.parametrize("style", STYLES)
def test_peer_abort_backlog_every_message_accounted(
        run: Callable[..., Any], style: str) -> None:
    """Thousands of messages handed to send(), the peer aborts once it has
    read all that the sender's kernel had: sent == delivered + reported,
    message by message; the ones reported are those that never left the
    transport's buffer, as SendFailed(sent=False) with their bytes, stream
    and PPID, before connection_lost, whose exception gives the count.
    (Before: dropped without a word.)"""
    n, size = 3000, 200

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer(style)
        for i in range(n):
            t.send(msg(i, size), stream=i % 3, ppid=i)
        for _ in range(5):
            await asyncio.sleep(0)
        # From here on no await: the transport cannot hand the kernel more.
        buffered = t.get_write_buffer_size()
        assert buffered % size == 0 and buffered > 0
        in_kernel = n - buffered // size
        delivered: List[int] = []
        for _ in range(10_000_000):
            drain(peer, delivered)
            # all read, and all acknowledged (a delayed SACK would leave the
            # last ones "sent, not acknowledged": the kernel would report
            # them too, rightly, as it cannot know they arrived)
            if len(delivered) >= in_kernel and t.get_status().unackdata == 0:
                break
        assert len(delivered) == in_kernel
        ll.abort(peer)  # the peer's ABORT, with nothing in flight
        exc = await proto.lost
        assert isinstance(exc, ConnectionError), exc
        unsent = n - in_kernel
        assert f"{unsent} messages ({unsent * size} bytes)" in str(exc)
        got = reported(proto)
        assert sorted(delivered + got) == list(range(n))  # each once
        assert delivered == list(range(in_kernel))
        assert got == list(range(in_kernel, n))  # in order
        for ev in proto.of_kind(events.SendFailed):
            seq = seq_of(ev.data)
            assert ev.data == msg(seq, size)
            assert ev.sent is False
            assert ev.info.stream == seq % 3 and ev.info.ppid == seq
            assert ev.assoc_id == t.assoc_id
        check_all_sent_before_lost(proto)
        assert t.get_write_buffer_size() == 0
        await finish(server)

    run(main())


@pytest.mark.parametrize("style", STYLES)
def test_peer_abort_kernel_and_transport_reports(run: Callable[..., Any], style: str) -> None:
    """The peer never reads and aborts: the sender's kernel reports what it
    held (its SendFailed first), the transport what it held; together they
    are the last messages sent, each once, in order. Only what the peer's
    SCTP had already acknowledged (at most its receive buffer) is neither."""
    n, size = 3000, 1000

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer(style)
        unsent = await send_until_paused(t, proto, n, size)
        acked_bound = peer.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // size + 1
        ll.abort(peer)
        exc = await proto.lost
        assert isinstance(exc, ConnectionError), exc
        got = reported(proto)
        assert got, "nothing reported"
        assert len(set(got)) == len(got)
        assert sorted(got) == list(range(n - len(got), n))
        assert n - len(got) <= acked_bound
        kernel = got[: len(got) - unsent]
        assert kernel, "the kernel reported nothing"
        assert got[len(got) - unsent:] == list(range(n - unsent, n))
        await ended_with_report(proto, exc, unsent, server)

    run(main())


@pytest.mark.parametrize("style", STYLES)
def test_peer_shutdown_with_data_left(run: Callable[..., Any], style: str) -> None:
    """The peer shuts down (SHUTDOWN) while the sender still has thousands
    of messages buffered: the kernel delivers what it had, the rest is
    reported unsent; sent == delivered + reported exactly, and
    connection_lost gets BrokenPipeError with the count."""
    n, size = 3000, 200

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server, t, proto, peer, _ = await sender_and_peer(style)
        for i in range(n):
            t.send(msg(i, size), ppid=i)
        await asyncio.sleep(0)
        delivered: List[int] = []
        peer.shutdown(socket.SHUT_WR)
        # the peer keeps reading (its window open) until the end
        loop.add_reader(peer.fileno(), drain, peer, delivered)
        try:
            exc = await proto.lost
        finally:
            loop.remove_reader(peer.fileno())
        drain(peer, delivered)  # what is still queued at the peer
        peer.close()
        assert isinstance(exc, BrokenPipeError), exc
        got = reported(proto)
        assert got, "nothing reported"
        assert sorted(delivered + got) == list(range(n))
        await ended_with_report(proto, exc, len(got), server)

    run(main())


@pytest.mark.parametrize("style", STYLES)
def test_user_abort_reports_the_buffer(run: Callable[..., Any], style: str) -> None:
    """abort() with messages buffered: each is reported (SendFailed,
    sent=False) before connection_lost(ConnectionAbortedError)."""

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer(style)
        for i in range(2000):
            t.send(msg(i, 200), ppid=i)
        unsent = t.get_write_buffer_size() // 200
        assert unsent
        t.abort()
        exc = await proto.lost
        assert isinstance(exc, ConnectionAbortedError), exc
        got = reported(proto)
        assert got[len(got) - unsent:] == list(range(2000 - unsent, 2000))
        # one-to-many: the kernel's own reports come first (see below)
        assert sorted(got) == list(range(2000 - len(got), 2000))
        if style == "one-to-one":
            assert len(got) == unsent
        peer.close()
        await ended_with_report(proto, exc, unsent, server)

    run(main())


def test_user_abort_kernel_reports_one_to_many(run: Callable[..., Any]) -> None:
    """abort() on a one-to-many socket while the kernel holds data the peer
    never read: the kernel's SendFailed (each message with its bytes) reach
    the protocol, then the transport's own for its buffer, then
    connection_lost; together they are the last messages sent, each once.
    Only what the peer's SCTP had acknowledged (at most its receive buffer)
    is neither. (Before: the transport detached at once and the demux
    dropped the kernel's reports without a word.)"""
    n, size = 3000, 1000

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer("one-to-many")
        unsent = await send_until_paused(t, proto, n, size)
        acked_bound = peer.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // size + 1
        t.abort()
        assert t.is_closing()
        exc = await proto.lost
        assert isinstance(exc, ConnectionAbortedError), exc
        got = reported(proto)
        kernel = got[: len(got) - unsent]
        assert kernel, "the kernel's reports did not reach the protocol"
        assert len(set(got)) == len(got)
        assert sorted(got) == list(range(n - len(got), n))
        assert n - len(got) <= acked_bound
        assert got[len(got) - unsent:] == list(range(n - unsent, n))
        for ev in proto.of_kind(events.SendFailed):
            assert ev.data == msg(seq_of(ev.data), size) and ev.info.ppid == seq_of(ev.data)
        assert f"the kernel reported {len(kernel)} messages" in str(exc), exc
        assert not proto.messages
        assert server.dropped.notifications == 0, server.dropped
        peer.close()
        await ended_with_report(proto, exc, unsent, server)

    run(main())


def test_user_abort_in_connection_made_one_to_many(run: Callable[..., Any]) -> None:
    """abort() from connection_made of a one-to-many server's protocol: the
    association is aborted, the protocol hears nothing more (not the COMM_UP
    it was made for), connection_lost(None) follows, and the kernel's last
    word on it (COMM_LOST) goes to its transport, not to the dropped count."""

    class Aborter(Recorder):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            transport.abort()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        side = ServerSide(Aborter)
        server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style="one-to-many")
        peer = ll.sctp_socket()
        peer.setblocking(False)
        try:
            await loop.sock_connect(peer, server.sockets[0].getsockname())
        except ConnectionResetError:
            pass  # the ABORT may come before the peer saw its COOKIE ACK
        (proto,) = await side.wait(1)
        assert await proto.lost is None
        assert proto.log == ["made", "lost"], proto.log
        assert server.associations == []
        for _ in range(5):
            await asyncio.sleep(0)
        assert server.dropped == aiosctp.demux.Dropped(0, 0, 0), server.dropped
        peer.close()
        await finish(server)

    run(main())


def test_user_abort_one_to_one_says_what_the_kernel_discarded(
        run: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """abort() on a one-to-one socket (Linux refuses SCTP_ABORT there: only
    closing with SO_LINGER 0 aborts, and the kernel's reports go with the
    socket): what the kernel had in flight is counted (SCTP_STATUS) in
    connection_lost's exception and a log warning. (Before: not a word.)"""
    caplog.set_level(logging.WARNING, logger="aiosctp")
    n, size = 3000, 1000

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer("one-to-one")
        unsent = await send_until_paused(t, proto, n, size)
        in_flight = t.get_status().unackdata
        assert in_flight > 0  # the peer's window is closed: probes are in flight
        t.abort()
        exc = await proto.lost
        assert isinstance(exc, ConnectionAbortedError), exc
        assert "DATA chunks sent and not acknowledged" in str(exc), exc
        assert reported(proto) == list(range(n - unsent, n))
        peer.close()
        await ended_with_report(proto, exc, unsent, server)

    run(main())
    warn = [r.getMessage() for r in caplog.records
            if r.name == "aiosctp" and r.levelno == logging.WARNING]
    assert any("discarded what the kernel held" in m for m in warn), warn


def test_one_to_many_counts_what_it_cannot_deliver(
        run: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """A one-to-many server's association ends on a fatal error (a message
    over max_message_size) with more of its messages already queued on the
    shared socket: the demultiplexer has no transport for them any more.
    They are counted in SCTPServer.dropped, with their bytes, and logged
    once, not per message. (Before: dropped without a word.)"""
    caplog.set_level(logging.WARNING, logger="aiosctp")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        side = ServerSide()
        server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style="one-to-many",
                                                  max_message_size=100)
        assert server.dropped == aiosctp.demux.Dropped(0, 0, 0)
        peer = ll.sctp_socket()
        peer.setblocking(False)
        ll.set_nodelay(peer)  # each message leaves at once
        await loop.sock_connect(peer, server.sockets[0].getsockname())
        (proto,) = await side.wait(1)
        # no await from here: all four are queued before the server reads
        ll.sendmsg(peer, b"x" * 200, stream=1)
        for i in range(3):
            ll.sendmsg(peer, b"%010d" % i, stream=1)
        exc = await proto.lost
        assert isinstance(exc, OSError) and "max_message_size" in str(exc), exc
        dropped = server.dropped
        assert (dropped.messages, dropped.message_bytes) == (3, 30), dropped
        peer.close()
        await finish(server)

    run(main())
    warn = [r.getMessage() for r in caplog.records
            if r.name == "aiosctp" and r.levelno == logging.WARNING]
    assert len([m for m in warn if "data arrived after its transport was closed" in m]) == 1, warn


def test_log_lines_per_association_not_per_message(
        run: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """The "aiosctp" logger says the association came up (DEBUG), how it
    ended (INFO) and, once, what was not delivered (WARNING, counts)."""
    caplog.set_level(logging.DEBUG, logger="aiosctp")

    async def main() -> None:
        server, t, proto, peer, _ = await sender_and_peer("one-to-one")
        for i in range(1000):
            t.send(msg(i, 200), ppid=i)
        ll.abort(peer)
        await proto.lost
        await finish(server)

    run(main())
    records = [r for r in caplog.records if r.name == "aiosctp"]
    assert len(records) < 10, [r.getMessage() for r in records]
    assert any(r.levelno == logging.DEBUG and " up " in r.getMessage() for r in records)
    assert any(r.levelno == logging.INFO and "ended" in r.getMessage() for r in records)
    warn = [r for r in records if r.levelno == logging.WARNING]
    assert len(warn) == 1 and "never sent" in warn[0].getMessage()


# ---- addresses ---------------------------------------------------------------------


def _hosts(addrs: List[Tuple[Any, ...]]) -> List[str]:
    return [str(a[0]) for a in addrs]


def _has(hosts: List[str], want: str) -> bool:
    return any(h == want or h == "::ffff:" + want for h in hosts)


@pytest.mark.parametrize("order", ["v4-first", "v6-first"])
def test_mixed_address_lists_keep_both_families(run: Callable[..., Any], order: str) -> None:
    """local_addrs and remote_addrs mixing IPv4 and IPv6 bind and reach both,
    whichever comes first (before: an IPv4 address first dropped the IPv6
    ones without a word)."""
    both = ["127.0.0.1", "::1"] if order == "v4-first" else ["::1", "127.0.0.1"]

    async def main() -> None:
        side = ServerSide()
        server = await aiosctp.create_sctp_server(side, local_addrs=both, port=0)
        port = server.sockets[0].getsockname()[1]
        ladders = _hosts(ll.getladdrs(server.sockets[0]))
        assert _has(ladders, "127.0.0.1") and _has(ladders, "::1"), ladders
        t, client = await aiosctp.create_sctp_connection(
            Recorder, remote_addrs=both, port=port, local_addrs=both)
        (sp,) = await side.wait(1)
        local = _hosts(t.get_extra_info("local_addresses"))
        peer = _hosts(t.get_extra_info("peer_addresses"))
        assert _has(local, "127.0.0.1") and _has(local, "::1"), local
        assert _has(peer, "127.0.0.1") and _has(peer, "::1"), peer
        seen = _hosts(sp.transport.get_extra_info("peer_addresses"))
        assert _has(seen, "127.0.0.1") and _has(seen, "::1"), seen
        await close_down(server, t, client)

    run(main())


# ---- the network misbehaves ----------------------------------------------------------


def _tc(*args: str) -> None:
    subprocess.run(["tc", "qdisc", *args], check=True, capture_output=True)


@pytest.mark.parametrize("style", STYLES)
def test_loss_reorder_duplication_keep_order_and_lose_nothing(
        run: Callable[..., Any], style: str) -> None:
    """Under netem loss, reordering and duplication on lo, every message
    arrives once, in order per stream (ordered ones), unordered ones too."""
    n, streams = 600, 8

    async def main() -> None:
        side = ServerSide()
        server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0, style=style)
        t, client = await aiosctp.create_sctp_connection(
            Recorder, "127.0.0.1", server.sockets[0].getsockname()[1])
        (sp,) = await side.wait(1)
        _tc("add", "dev", "lo", "root", "netem", "loss", "10%", "delay", "1ms",
            "reorder", "25%", "50%", "duplicate", "2%")
        try:
            for i in range(n):
                t.send(msg(i, 100 + i % 300), stream=i % streams, ppid=i,
                       unordered=i % 7 == 0)
                if i % 50 == 0:
                    await asyncio.sleep(0)
            got = await sp.wait_messages(n)
        finally:
            _tc("del", "dev", "lo", "root")
        seqs = [seq_of(d) for d, _ in got]
        assert sorted(seqs) == list(range(n))
        for s in range(streams):
            ordered = [seq_of(d) for d, info in got
                       if info.stream == s and not info.unordered]
            assert ordered == sorted(ordered), s
        for d, info in got:
            seq = seq_of(d)
            assert d == msg(seq, 100 + seq % 300) and info.ppid == seq
            assert info.unordered == (seq % 7 == 0)
        await close_down(server, t, client)

    run(main())


def test_path_cut_fails_over_and_is_reported(
        run: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """A multi-homed association (::1 primary, 127.0.0.1 alternate): ::1 is
    taken away; the association fails over, PeerAddrChange says the path
    is unreachable (and the "aiosctp" logger warns), and no message is lost."""
    n = 300
    caplog.set_level(logging.INFO, logger="aiosctp")

    async def main() -> None:
        side = ServerSide()
        server = await aiosctp.create_sctp_server(
            side, local_addrs=["::1", "127.0.0.1"], port=0)
        port = server.sockets[0].getsockname()[1]
        t, client = await aiosctp.create_sctp_connection(
            Recorder, remote_addrs=["::1", "127.0.0.1"], port=port,
            local_addrs=["::1", "127.0.0.1"])
        (sp,) = await side.wait(1)
        sock = t.get_extra_info("socket")
        ll.set_rtoinfo(sock, initial=100, min=50, max=200, assoc_id=t.assoc_id)
        for addr in ll.getpaddrs(sock, t.assoc_id):
            ll.set_peer_addr_params(sock, address=addr, assoc_id=t.assoc_id,
                                    hbinterval=100, pathmaxrxt=2)
        t.set_primary(("::1", port, 0, 0))
        for i in range(n // 2):
            t.send(msg(i, 100), ppid=i)
        await sp.wait_messages(n // 2)
        subprocess.run(["ip", "-6", "addr", "del", "::1/128", "dev", "lo"], check=True)
        try:
            for i in range(n // 2, n):
                t.send(msg(i, 100), ppid=i)
            got = await sp.wait_messages(n)
            while not any(e.state == events.PeerAddrState.ADDR_UNREACHABLE
                          for e in client.of_kind(events.PeerAddrChange)):
                await asyncio.sleep(0.05)
        finally:
            subprocess.run(["ip", "-6", "addr", "add", "::1/128", "dev", "lo"], check=True)
        assert [seq_of(d) for d, _ in got] == list(range(n))
        down = [e for e in client.of_kind(events.PeerAddrChange)
                if e.state == events.PeerAddrState.ADDR_UNREACHABLE]
        assert all(str(e.address[0]) == "::1" for e in down), down
        assert any(r.levelno == logging.WARNING and "ADDR_UNREACHABLE" in r.getMessage()
                   and "::1" in r.getMessage() for r in caplog.records)
        await close_down(server, t, client)

    run(main())


# ---- arguments ---------------------------------------------------------------------


class Index:
    """A numpy-like integer: not an int, has __index__."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __index__(self) -> int:
        return self.v


def test_send_arguments_one_rule(run: Callable[..., Any]) -> None:
    """transport.send and Association.send: a bool is not a stream
    (before: stream=True went out on stream 1), unordered must be a bool
    (before: "yes" was taken as True), an __index__ object is an int."""

    async def main() -> None:
        side = ServerSide()
        server = await aiosctp.create_sctp_server(side, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t, client = await aiosctp.create_sctp_connection(Recorder, "127.0.0.1", port)
        (sp,) = await side.wait(1)
        for kw in ({"stream": True}, {"ppid": False}, {"context": True}, {"ttl": True},
                   {"unordered": "yes"}, {"unordered": 1}, {"stream": 1.0}):
            with pytest.raises(TypeError):
                t.send(b"bad", **kw)
        t.send(b"ok", stream=Index(2), ppid=Index(18), context=Index(1), ttl=Index(0))
        ((data, info),) = await sp.wait_messages(1)
        assert data == b"ok" and info.stream == 2 and info.ppid == 18
        t.close()
        await client.lost
        async with aiosctp.connect("127.0.0.1", port) as assoc:
            with pytest.raises(TypeError):
                await assoc.send(b"bad", stream=True)
            with pytest.raises(TypeError):
                await assoc.send(b"bad", unordered="yes")  # type: ignore[arg-type]
            await assoc.send(b"ok2", stream=Index(3))
            (sp2,) = (await side.wait(2))[1:]
            ((data, info),) = await sp2.wait_messages(1)
            assert data == b"ok2" and info.stream == 3
        server.close()
        await server.wait_closed()

    run(main())
