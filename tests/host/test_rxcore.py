"""The loop-free receive core (aiosctp._rxcore) on the host: reassembly per
stream, max_message_size, notification joining, the ranked end cause, the
one read loop with a fake recv; and the transport's events= filter and
unsent reports over a socketpair (no SCTP needed)."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any, Callable, List, Sequence

import pytest

from aiosctp import _rxcore, _sctp, events
from aiosctp._rxcore import EndCause, MessageTooLarge, reassemble
from aiosctp.transport import SCTPTransport

EOR = _sctp.MSG_EOR


def info(stream: int, ppid: int = 0) -> tuple:
    return (stream, 0, 0, ppid, 0, 0, 0, 5)


def test_whole_message_passes_through() -> None:
    partial: dict = {}
    assert reassemble(partial, b"abc", EOR, info(1), 10) == (b"abc", info(1))
    assert not partial


def test_parts_per_stream_joined_with_first_info() -> None:
    partial: dict = {}
    assert reassemble(partial, b"a1", 0, info(1, 11), 100) is None
    assert reassemble(partial, b"b1", 0, info(2, 22), 100) is None
    assert reassemble(partial, b"a2", 0, info(1, 99), 100) is None
    assert reassemble(partial, b"b2", EOR, info(2, 98), 100) == (b"b1b2", info(2, 22))
    assert reassemble(partial, b"a3", EOR, info(1, 97), 100) == (b"a1a2a3", info(1, 11))
    assert partial == {}


def test_too_large_in_parts_and_whole() -> None:
    partial: dict = {}
    assert reassemble(partial, b"x" * 6, 0, info(3), 10) is None
    with pytest.raises(MessageTooLarge) as e:
        reassemble(partial, b"x" * 6, 0, info(3), 10)
    assert (e.value.size, e.value.stream) == (12, 3)
    assert partial == {}
    with pytest.raises(MessageTooLarge):
        reassemble(partial, b"x" * 11, EOR, info(0), 10)


def test_notification_joined() -> None:
    parts: List[bytes] = []
    assert _rxcore.join_notification(parts, b"ab", 0) is None
    assert _rxcore.join_notification(parts, b"cd", EOR) == b"abcd"
    assert parts == []
    assert _rxcore.join_notification(parts, b"whole", EOR) == b"whole"


def test_next_batch() -> None:
    small = [(b"x", 0, None, None, None)]
    assert _rxcore.next_batch(4, small * 4) == 8
    assert _rxcore.next_batch(8, small) == 4
    big = [(b"x" * 65536, 0, None, None, None)] * 8
    assert _rxcore.next_batch(8, big) == 4


def test_end_cause_ranks() -> None:
    c = EndCause()
    assert not c.ending
    weak = ConnectionAbortedError(errno.ECONNABORTED, "send failed")
    assert c.offer(weak, EndCause.WEAK) is True
    assert c.ending and c.exc is weak
    strong = ConnectionResetError(errno.ECONNRESET, "peer abort")
    assert c.offer(strong, EndCause.STRONG, 12) is False
    assert c.exc is strong and c.code == 12
    assert c.offer(None, EndCause.WEAK) is False
    assert c.exc is strong
    # a read error does not replace a precise strong cause ...
    c.offer_read_error(TimeoutError(errno.ETIMEDOUT, "x"))
    assert c.exc is strong
    # ... but replaces the vague ConnectionAbortedError of a COMM_LOST
    c2 = EndCause()
    c2.offer(ConnectionAbortedError(errno.ECONNABORTED, "COMM_LOST"), EndCause.STRONG)
    err = ConnectionResetError(errno.ECONNRESET, "reset")
    assert c2.offer_read_error(err) is False and c2.exc is err
    c3 = EndCause()
    assert c3.offer_read_error(err) is True and c3.rank == EndCause.STRONG


def batches(recv: Callable[[int], Any], on_items: Callable[[Any], bool]) -> Any:
    """A read_loop ``read`` from a function returning a batch's items and
    one taking them (what the transport's and the demux's readers do)."""
    def read(batch: int) -> Any:
        items = recv(batch)
        return len(items), sum(len(item[0]) for item in items), on_items(items)
    return read


def test_read_loop() -> None:
    queue: List[Any] = [[(b"m", 0, None, None, None)] * 4] * 3 + [[]]
    got: List[Sequence[Any]] = []

    def recv(batch: int) -> Any:
        if not queue:
            raise BlockingIOError
        return queue.pop(0)[:batch]

    batch = _rxcore.read_loop(batches(recv, lambda items: got.append(items) is None),
                              4, lambda e: False, lambda: False)
    # a full batch of 4 doubles it; the next (4 of 8) is short: the queue
    # is empty, stop
    assert [len(x) for x in got] == [4, 4]
    assert batch == 8

    # an error first, then what is queued; a second error stops
    calls: List[str] = []

    def failing(batch: int) -> Any:
        calls.append("recv")
        if len(calls) == 1:
            raise ConnectionResetError(errno.ECONNRESET, "x")
        if len(calls) == 2:
            return [(b"n", 0, None, None, None)]
        raise BlockingIOError

    errors: List[OSError] = []
    _rxcore.read_loop(batches(failing, lambda items: True), 4,
                      lambda e: errors.append(e) is None, lambda: False)
    assert calls == ["recv", "recv"] and len(errors) == 1

    # fairness: at most MAX_ROUNDS full batches, unless urgent
    full = [(b"m", 0, None, None, None)] * 64
    n = [0]

    def endless(batch: int) -> Any:
        n[0] += 1
        return full[:batch]

    _rxcore.read_loop(batches(endless, lambda items: True), 4, lambda e: False, lambda: False)
    assert n[0] == _rxcore.MAX_ROUNDS
    n[0] = 0
    stop_after = [40]

    def on_items(items: Any) -> bool:
        stop_after[0] -= 1
        return stop_after[0] > 0

    _rxcore.read_loop(batches(endless, on_items), 4, lambda e: False, lambda: True)
    assert n[0] == 40

    # a batch read past RECV_BATCH_BYTES shrinks the next one
    big = [(b"x" * 65536, 0, None, None, None)] * 8
    assert _rxcore.read_loop(batches(lambda b: big[:b], lambda items: False), 8,
                             lambda e: False, lambda: False) == 8
    assert _rxcore.batch_after(8, 8, 8 * 65536) == max(1, 8 * _rxcore.RECV_BATCH_BYTES // (8 * 65536))


class Proto:
    def __init__(self) -> None:
        self.log: List[Any] = []
        self.failed: List[events.SendFailed] = []

    def connection_made(self, t: Any) -> None:
        self.log.append("made")

    def message_received(self, data: bytes, info: Any) -> None:
        self.log.append(("message", data))

    def notification_received(self, event: events.Event) -> None:
        self.log.append(type(event).__name__)
        if isinstance(event, events.SendFailed):
            self.failed.append(event)

    def connection_lost(self, exc: Any) -> None:
        self.log.append(("lost", exc))


def _transport(loop: asyncio.AbstractEventLoop, sock: socket.socket, p: Proto,
               **kw: Any) -> SCTPTransport:
    return SCTPTransport(loop, sock, p, assoc_id=5, **kw)  # type: ignore[arg-type]


def test_events_filter() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        a, b = socket.socketpair()
        try:
            p = Proto()
            t = _transport(loop, a, p, events={events.PeerAddrChange})
            t._feed_event(events.Shutdown(5))  # not started: held back
            t._start()
            t._feed_event(events.PeerAddrChange(("::1", 1, 0, 0),
                                                events.PeerAddrState.ADDR_AVAILABLE, 0, 5))
            t._feed_event(events.SenderDry(5))
            # the transport still acts on what it does not deliver
            assert t.is_closing()  # the peer's Shutdown
            assert p.log == ["made", "PeerAddrChange"]
            t.abort()
            await asyncio.sleep(0)
        finally:
            b.close()
        with pytest.raises(TypeError):
            _transport(loop, b, Proto(), events={"SendFailed"})
        with pytest.raises(TypeError):
            _transport(loop, b, Proto(), events="SendFailed")

    asyncio.run(main())


def test_unsent_reported_before_connection_lost() -> None:
    """What the write buffer holds when the association ends is reported as
    SendFailed(sent=False), in order, before connection_lost, whose
    exception gives the count; the events filter applies to them too."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        a, b = socket.socketpair()
        a.setblocking(False)
        p = Proto()
        t = _transport(loop, a, p)
        t._start()
        # fill the socket (nobody reads b): the rest queues in the transport
        i = 0
        while t.get_write_buffer_size() < 5000:
            t.send(b"%09d" % i + b"." * 991, stream=1, ppid=i)
            i += 1
        n = i
        unsent = t.get_write_buffer_size() // 1000
        t._feed_event(events.AssocChange(events.AssocChangeState.COMM_LOST, 12, 0, 0, 5,
                                         info=b"\x00\x0c\x00\x04"))
        while not p.log or p.log[-1][0] != "lost":
            await asyncio.sleep(0)
        b.close()
        names = [x if isinstance(x, str) else x[0] for x in p.log]
        assert names == ["made", "AssocChange"] + ["SendFailed"] * unsent + ["lost"]
        exc = p.log[-1][1]
        assert isinstance(exc, ConnectionResetError)
        assert f"{unsent} messages ({unsent * 1000} bytes)" in str(exc)
        assert t.get_write_buffer_size() == 0
        seqs = [int(e.data[:9]) for e in p.failed]
        assert seqs == list(range(n - unsent, n))
        assert all(e.sent is False and e.error == 12 and e.info.stream == 1
                   and e.info.ppid == int(e.data[:9]) for e in p.failed)

    asyncio.run(main())
