"""The transport's per-message path in C (ext/fastpath.c) on the host kernel,
over unix message sockets: _sctp.Reader (one recvmmsg, whole messages
straight to their callbacks, the rest back to Python), _sctp.SendQueue (the
write queue, flushed with sendmmsg), _sctp.try_send (send() when nothing is
queued), and MessageInfo built in C. Also a refcount/leak check over 10^6
messages. The transport built on them: tests/host/test_unix_transport.py."""

from __future__ import annotations

import gc
import socket
import sys
import tracemalloc
from typing import Any, Dict, List, Tuple

import pytest

from aiosctp import _sctp
from aiosctp.message import MessageInfo

BUF = 65536


class FakeTransport:
    """What Reader.deliver reads of a transport."""

    def __init__(self) -> None:
        self._state = 0
        self._reading_paused = False
        self.got: List[Tuple[bytes, Any]] = []
        self._on_message = self.on_message

    def on_message(self, data: bytes, info: Any) -> None:
        self.got.append((data, info))


def _pair() -> Tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    a.setblocking(False)
    b.setblocking(False)
    return a, b


@pytest.fixture
def pair():
    a, b = _pair()
    yield a, b
    a.close()
    b.close()


def test_deliver_whole_messages(pair) -> None:
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    for i in range(10):
        a.send(b"m%d" % i)
    t = FakeTransport()
    n, nbytes, rest, exc = reader.deliver(64, t, {}, 1 << 20)
    assert (n, nbytes, rest, exc) == (10, 20, None, None)
    assert [d for d, _ in t.got] == [b"m%d" % i for i in range(10)]
    info = t.got[0][1]
    assert type(info) is MessageInfo and info == MessageInfo(0, 0, False, 0, 0, 0, 0)
    with pytest.raises(BlockingIOError):
        reader.deliver(64, t, {}, 1 << 20)


def test_deliver_stream_handler_and_set_mid_batch(pair) -> None:
    """A handler for the message's stream gets it; one set by a callback in
    the middle of a batch gets the following messages of that batch."""
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    handlers: Dict[int, Any] = {}
    got: List[bytes] = []
    t = FakeTransport()

    def on_message(data: bytes, info: Any) -> None:
        t.got.append((data, info))
        if data == b"2":
            handlers[0] = lambda d, i: got.append(d)

    t._on_message = on_message
    for i in range(6):
        a.send(b"%d" % i)
    n, _, rest, exc = reader.deliver(64, t, handlers, 1 << 20)
    assert n == 6 and rest is None and exc is None
    assert [d for d, _ in t.got] == [b"0", b"1", b"2"]
    assert got == [b"3", b"4", b"5"]


def test_deliver_stops_when_paused_or_closed(pair) -> None:
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    t = FakeTransport()

    def on_message(data: bytes, info: Any) -> None:
        t.got.append((data, info))
        if data == b"1":
            t._reading_paused = True
        if data == b"10":
            t._state = 1  # closing

    t._on_message = on_message
    for i in range(8):
        a.send(b"%d" % i)
    n, nbytes, rest, exc = reader.deliver(64, t, {}, 1 << 20)
    assert n == 8 and nbytes == 8 and exc is None
    assert [d for d, _ in t.got] == [b"0", b"1"]
    # the rest as recvmsgs() tuples, in order (no MSG_EOR on a unix socket)
    assert [r[0] for r in rest] == [b"%d" % i for i in range(2, 8)]
    assert all(r[3] is None for r in rest)
    t._reading_paused = False
    for i in range(8, 12):
        a.send(b"%d" % i)
    n, nbytes, rest, exc = reader.deliver(64, t, {}, 1 << 20)
    assert [d for d, _ in t.got][2:] == [b"8", b"9", b"10"]
    assert [r[0] for r in rest] == [b"11"]


def test_deliver_callback_raising(pair) -> None:
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    t = FakeTransport()

    def on_message(data: bytes, info: Any) -> None:
        if data == b"3":
            raise KeyError("bug")
        t.got.append((data, info))

    t._on_message = on_message
    for i in range(6):
        a.send(b"%d" % i)
    n, nbytes, rest, exc = reader.deliver(64, t, {}, 1 << 20)
    assert n == 6 and isinstance(exc, KeyError) and exc.__traceback__ is not None
    assert [d for d, _ in t.got] == [b"0", b"1", b"2"]
    assert [r[0] for r in rest] == [b"4", b"5"]  # nothing of the batch lost


def test_deliver_leaves_large_and_cut_and_eof_to_python(pair) -> None:
    a, b = pair
    reader = _sctp.Reader(b.fileno(), 1024, MessageInfo, True)
    t = FakeTransport()
    a.send(b"ok")
    a.send(b"x" * 200)  # over max_size: Python decides
    n, _, rest, exc = reader.deliver(64, t, {}, 100)
    assert [d for d, _ in t.got] == [b"ok"] and [r[0] for r in rest] == [b"x" * 200]
    a.send(b"y" * 2000)  # larger than the buffer: cut (MSG_TRUNC)
    n, _, rest, exc = reader.deliver(64, t, {}, 1 << 20)
    assert n == 1 and rest[0][1] & socket.MSG_TRUNC and len(rest[0][0]) == 1024
    a.close()
    n, _, rest, exc = reader.deliver(64, t, {}, 1 << 20)  # end of file
    # (recvmmsg reads the end of file into every slot)
    assert n >= 1 and [r[0] for r in rest] == [b""] * n


def test_deliver_sctp_mode_needs_eor_and_info(pair) -> None:
    """Not in whole mode (an SCTP socket): a message without MSG_EOR or
    without receive information (a unix socket has neither) is not
    delivered in C."""
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo)
    t = FakeTransport()
    a.send(b"z")
    n, _, rest, exc = reader.deliver(4, t, {}, 1 << 20)
    assert t.got == [] and [r[0] for r in rest] == [b"z"]


def test_reader_bad_arguments(pair) -> None:
    a, b = pair
    with pytest.raises(TypeError):
        _sctp.Reader(b.fileno(), BUF, dict)
    with pytest.raises(ValueError):
        _sctp.Reader(b.fileno(), 0, MessageInfo)
    with pytest.raises(OSError):
        _sctp.Reader(-1, BUF, MessageInfo)
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    t = FakeTransport()
    with pytest.raises(ValueError):
        reader.deliver(0, t, {}, 10)
    with pytest.raises(ValueError):
        reader.deliver(65, t, {}, 10)
    with pytest.raises(TypeError):
        reader.deliver(4, t, [], 10)
    with pytest.raises(TypeError):
        reader.deliver(4, t, {})


def test_new_info_is_messageinfo() -> None:
    info = _sctp.new_info(MessageInfo, 3, 18, True, 7, 1000, 12, 42)
    assert type(info) is MessageInfo and info == MessageInfo(3, 18, True, 7, 1000, 12, 42)
    with pytest.raises(TypeError):
        _sctp.new_info(dict, 1, 2, 3, 4, 5, 6, 7)
    with pytest.raises(TypeError):
        _sctp.new_info(MessageInfo, 1)


def test_try_send_common_case_and_fallbacks(pair) -> None:
    a, b = pair
    fd = a.fileno()
    assert _sctp.try_send(fd, b"hi", 1, 2, False, 0, 0, 0, 10, 1 << 16) is True
    assert b.recv(100) == b"hi"
    # each of these is the Python path's to check: nothing sent
    for args in [
        (fd, bytearray(b"x"), 0, 0, False, 0, 0, 0, 0, 1 << 16),
        (fd, b"", 0, 0, False, 0, 0, 0, 0, 1 << 16),
        (fd, b"x", True, 0, False, 0, 0, 0, 0, 1 << 16),
        (fd, b"x", 0, -1, False, 0, 0, 0, 0, 1 << 16),
        (fd, b"x", 0, 2**32, False, 0, 0, 0, 0, 1 << 16),
        (fd, b"x", 0, 0, 1, 0, 0, 0, 0, 1 << 16),
        (fd, b"x", 5, 0, False, 0, 0, 0, 5, 1 << 16),  # stream >= ostreams
        (fd, b"xx", 0, 0, False, 0, 0, 0, 0, 1),  # larger than sndbuf
        (-1, b"x", 0, 0, False, 0, 0, 0, 0, 1 << 16),  # the call fails
    ]:
        assert _sctp.try_send(*args) is False, args
    with pytest.raises(BlockingIOError):
        b.recv(100)
    with pytest.raises(TypeError):
        _sctp.try_send(fd, b"x")


def test_try_send_full_socket_is_false(pair) -> None:
    a, b = pair
    n = 0
    while _sctp.try_send(a.fileno(), b"x" * 1000, 0, 0, False, 0, 0, 0, 0, 1 << 16):
        n += 1
    assert n > 0
    got = 0
    while True:
        try:
            b.recv(2000)
        except BlockingIOError:
            break
        got += 1
    assert got == n


def test_send_queue(pair) -> None:
    a, b = pair
    q = _sctp.SendQueue()
    assert len(q) == 0 and not q
    assert q.push(b"abc", 1, 2, True, 3, 0, 4, 10, 1 << 16) == 3
    q.append(b"de", 2, 5, _sctp.SCTP_UNORDERED, 6, 7, 8)
    for bad in [(bytearray(b"x"), 0, 0, False, 0, 0, 0, 0, 99), (b"x", True, 0, False, 0, 0, 0, 0, 99),
                (b"x", 0, 0, None, 0, 0, 0, 0, 99), (b"x", 0, 2**32, False, 0, 0, 0, 0, 99),
                (b"x", 3, 0, False, 0, 0, 0, 2, 99), (b"", 0, 0, False, 0, 0, 0, 0, 99)]:
        assert q.push(*bad) == 0, bad
    with pytest.raises(TypeError):
        q.append("str", 0, 0, 0, 0, 0, 0)
    with pytest.raises(OverflowError):
        q.append(b"x", 70000, 0, 0, 0, 0, 0)
    assert len(q) == 2
    assert q.items() == [(b"abc", 1, 2, _sctp.SCTP_UNORDERED, 3, 0, 4, None),
                         (b"de", 2, 5, _sctp.SCTP_UNORDERED, 6, 7, 8, None)]
    assert list(q) == q.items()
    for i in range(100):
        q.push(b"%d" % i, 0, 0, False, 0, 0, 0, 0, 99)
    sent, nbytes = q.flush(a.fileno(), 64)
    assert sent == 64 and nbytes == 5 + sum(len(b"%d" % i) for i in range(62))
    assert [b.recv(100) for _ in range(3)] == [b"abc", b"de", b"0"]
    sent, nbytes = q.flush(a.fileno(), 64)
    assert sent == 38 and len(q) == 0
    assert q.flush(a.fileno(), 64) == (0, 0)
    q.push(b"x", 0, 0, False, 0, 0, 0, 0, 99)
    with pytest.raises(ValueError):
        q.flush(a.fileno(), 0)
    with pytest.raises(OSError):
        q.flush(-1, 1)
    assert len(q) == 1  # nothing dropped by a failure
    q.clear()
    assert len(q) == 0


def test_send_queue_full_socket(pair) -> None:
    a, b = pair
    q = _sctp.SendQueue()
    for i in range(5000):
        q.push(b"%05d" % i + b"x" * 995, 0, 0, False, 0, 0, 0, 0, 1 << 16)
    sent = 0
    with pytest.raises(BlockingIOError):
        while True:
            sent += q.flush(a.fileno(), 64)[0]
    assert 0 < sent < 5000 and len(q) == 5000 - sent
    assert b.recv(2000)[:5] == b"00000"


def test_send_queue_gives_back_a_burst_s_room(pair) -> None:
    """A queue that emptied after a burst (flushed, or cleared) gives back
    the burst's entries; a small queue keeps its room across drains."""
    a, b = pair
    payload = b"m" * 10  # one object: only the queue's own entries allocate

    def traced(q: Any) -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        q = _sctp.SendQueue()
        empty = traced(q)
        for _ in range(20000):
            q.push(payload, 0, 0, False, 0, 0, 0, 0, 1 << 16)
        assert traced(q) - empty > 20000 * 16  # the burst's entries
        q.clear()
        assert traced(q) - empty < 4096
        for _ in range(5000):
            q.push(payload, 0, 0, False, 0, 0, 0, 0, 1 << 16)
        def drain() -> None:
            while True:
                try:
                    b.recv(100)
                except BlockingIOError:
                    return

        while len(q):
            try:
                q.flush(a.fileno(), 64)
            except BlockingIOError:
                drain()
        assert traced(q) - empty < 4096
        drain()
        for _ in range(60):  # small: its room is kept, not freed per drain
            q.push(payload, 0, 0, False, 0, 0, 0, 0, 1 << 16)
        kept = traced(q)  # 64 entries: ~1.8 KB
        q.flush(a.fileno(), 64)
        assert len(q) == 0 and traced(q) > kept - 512
    finally:
        tracemalloc.stop()


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_no_leak_over_a_million_messages(pair) -> None:
    """10^6 messages through SendQueue.flush and Reader.deliver: the
    reference counts of the objects reused by every call do not move, and
    neither traced Python memory nor RSS grows with the count."""
    a, b = pair
    q = _sctp.SendQueue()
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo, True)
    handlers: Dict[int, Any] = {}
    count = [0]
    payload = b"p" * 64

    class T:
        _state = 0
        _reading_paused = False

        def _on_message(self, data: bytes, info: Any) -> None:
            count[0] += 1

    t = T()
    watched = [payload, t, handlers, MessageInfo, reader, q]

    def run(n: int) -> None:
        left = n
        while left:
            for _ in range(min(64, left)):
                q.push(payload, 1, 2, False, 0, 0, 0, 0, 1 << 16)
            while len(q):
                q.flush(a.fileno(), 64)
            done = 0
            while done < min(64, left):
                done += reader.deliver(64, t, handlers, 1 << 20)[0]
            left -= done

    run(20000)  # warm up: the arena, caches
    gc.collect()
    refs = [sys.getrefcount(o) for o in watched]
    rss0 = _rss_kb()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    run(1_000_000)
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    rss1 = _rss_kb()
    assert count[0] == 1_020_000
    assert [sys.getrefcount(o) for o in watched] == refs
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert grown < 64 * 1024, grown  # a leak of one object per message: > 30 MB
    assert rss1 - rss0 < 16 * 1024, (rss0, rss1)  # KiB


def test_deliver_many_leaves_info_less_messages_to_python(pair) -> None:
    """deliver_many (one-to-many) routes by the receive information's
    association id: a message without it (a unix socket has none) goes back
    to Python untouched. Its delivery over SCTP: tests/test_fastpath_sctp.py."""
    a, b = pair
    reader = _sctp.Reader(b.fileno(), BUF, MessageInfo)
    t = FakeTransport()
    a.send(b"q")
    n, nbytes, rest, exc, exc_t = reader.deliver_many(8, {0: t})
    assert (n, nbytes, exc, exc_t) == (1, 1, None, None) and [r[0] for r in rest] == [b"q"]
    assert t.got == []
    with pytest.raises(TypeError):
        reader.deliver_many(8, [])
    with pytest.raises(ValueError):
        reader.deliver_many(0, {})
    with pytest.raises(BlockingIOError):
        reader.deliver_many(8, {})


def test_readers_share_their_buffers() -> None:
    """A Reader holds no buffers between calls (one set is lent to
    whichever reads): 200 readers that each read a full batch once do not
    keep 200 arenas (64 x 64 KiB each, a page touched per slot: ~50 MiB)."""
    pairs = [_pair() for _ in range(200)]
    try:
        readers = [_sctp.Reader(b.fileno(), BUF, MessageInfo, True) for _, b in pairs]
        t = FakeTransport()
        gc.collect()
        rss0 = _rss_kb()
        for (a, _), reader in zip(pairs, readers):
            for i in range(64):
                a.send(b"%d" % i)
            assert reader.deliver(64, t, {}, 1 << 20)[0] == 64
        rss1 = _rss_kb()
        assert len(t.got) == 200 * 64
        assert rss1 - rss0 < 16 * 1024, (rss0, rss1)  # KiB
    finally:
        for a, b in pairs:
            a.close()
            b.close()
