"""Receive information cut by the kernel (MSG_CTRUNC) in the Python layers:
the message's bytes are delivered, the loss is reported (``info_lost``, -1
fields, a log warning), never a made-up stream 0 / PPID 0.

The kernel's MSG_CTRUNC is provoked as in test_core_host.py: 200
descriptors (SCM_RIGHTS) over a Unix datagram socket do not fit the C
core's control buffer. A Unix socket sets no MSG_EOR (SCTP does on a whole
message): the transport tests add it to what was read."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, Iterator, List, Tuple

import pytest

from aiosctp import _rxcore, _sctp, lowlevel
from aiosctp.message import LOST_INFO, Message, MessageInfo
from aiosctp.transport import SCTPTransport

EOR = _sctp.MSG_EOR
CTRUNC = _sctp.MSG_CTRUNC


def _fds() -> set:
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture
def cut_pair() -> Iterator[Tuple[socket.socket, Any]]:
    """(reader, send): ``send(data)`` queues ``data`` on ``reader`` with
    more descriptors than its control buffer holds. The descriptors the
    kernel still installs in this process are closed afterwards."""
    u, v = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    before = _fds()

    def send(data: bytes) -> None:
        fds = [os.dup(0) for _ in range(200)]
        try:
            socket.send_fds(u, [data], fds)
        finally:
            for fd in fds:
                os.close(fd)

    try:
        yield v, send
    finally:
        u.close()
        v.close()
        for fd in _fds() - before:
            try:
                os.close(int(fd))
            except OSError:
                pass


def test_lowlevel_recvmsg_reports_lost_info(cut_pair: Tuple[socket.socket, Any]) -> None:
    # Before: a Message on stream 0 with PPID 0, nothing said.
    sock, send = cut_pair
    sock.settimeout(10)
    send(b"payload")
    msg = lowlevel.recvmsg(sock)
    assert isinstance(msg, Message)
    assert msg.data == b"payload" and msg.info_lost
    assert (msg.stream, msg.ppid, msg.ssn, msg.tsn, msg.context, msg.assoc_id) == (-1,) * 6
    assert msg.info.info_lost and msg.info.stream == -1


def test_lowlevel_recvmsgs_reports_lost_info(cut_pair: Tuple[socket.socket, Any]) -> None:
    sock, send = cut_pair
    send(b"one")
    send(b"two")
    got = lowlevel.recvmsgs(sock, 100, 4)
    assert [m.data for m in got] == [b"one", b"two"]  # type: ignore[union-attr]
    assert all(m.info_lost and m.stream == -1 and m.ppid == -1 for m in got)  # type: ignore


def test_message_from_recv() -> None:
    whole = Message.from_recv(b"x", EOR | CTRUNC, None, None)
    assert whole.info_lost and whole.stream == -1 and whole.complete
    # no receive info at all (SCTP_RECVRCVINFO off) is not a loss: zeros
    plain = Message.from_recv(b"x", EOR, None, None)
    assert not plain.info_lost and (plain.stream, plain.ppid) == (0, 0)
    # MSG_CTRUNC with the receive info intact (a later cmsg was cut)
    info = (3, 1, 0, 18, 9, 0, 0, 5)
    kept = Message.from_recv(b"x", EOR | CTRUNC, None, info)
    assert not kept.info_lost and (kept.stream, kept.ppid) == (3, 18)
    assert Message.from_info(b"x", whole.info, None).info_lost
    assert MessageInfo(1, 2, False, 0, 0, 0, 5) == MessageInfo(1, 2, False, 0, 0, 0, 5, False)


def test_rxcore_data_info() -> None:
    info = (3, 1, 0, 18, 9, 0, 0, 5)
    assert _rxcore.data_info({}, EOR, info) == (info, False)
    assert _rxcore.data_info({}, EOR, None) == (_rxcore.NO_INFO, False)
    assert _rxcore.data_info({}, EOR | CTRUNC, None) == (LOST_INFO, True)
    assert _rxcore.LOST_INFO == LOST_INFO
    # a cut part continues the one message in progress
    partial: _rxcore.Partial = {}
    assert _rxcore.reassemble(partial, b"ab", 0, info, 100) is None
    assert _rxcore.data_info(partial, EOR | CTRUNC, None) == (info, True)
    # two in progress (I-DATA): which one is unknown
    assert _rxcore.reassemble(partial, b"cd", 0, (4,) + info[1:], 100) is None
    assert _rxcore.data_info(partial, EOR | CTRUNC, None) == (LOST_INFO, True)


class Proto:
    def __init__(self) -> None:
        self.got: List[Tuple[bytes, MessageInfo]] = []
        self.lost: List[Any] = []

    def connection_made(self, t: Any) -> None:
        pass

    def message_received(self, data: bytes, info: MessageInfo) -> None:
        self.got.append((data, info))

    def connection_lost(self, exc: Any) -> None:
        self.lost.append(exc)


def test_transport_delivers_and_reports_lost_info(
    cut_pair: Tuple[socket.socket, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Before: delivered as stream 0, PPID 0, nothing said.
    sock, send = cut_pair

    async def main() -> None:
        loop = asyncio.get_running_loop()
        p = Proto()
        a, b = socket.socketpair()  # the transport's own socket (not read here)
        t = SCTPTransport(loop, a, p, assoc_id=5)  # type: ignore[arg-type]
        t._start()
        t.set_stream_handler(0, lambda data, info: p.got.append((b"handler", info)))
        send(b"first")
        send(b"second")
        items = _sctp.recvmsgs(sock.fileno(), 100, 4)
        assert len(items) == 2 and all(i[1] & CTRUNC and i[3] is None for i in items)
        t._read_items([(d, f | EOR, a_, i, n) for d, f, a_, i, n in items])
        # a message in two parts whose second part lost its info: the first's
        t._read_items([(b"par", 0, None, (7, 1, 0, 46, 3, 0, 0, 5), None)])
        send(b"t2")
        (item,) = _sctp.recvmsgs(sock.fileno(), 100, 4)
        t._read_items([(item[0], item[1] | EOR, None, None, None)])
        assert [d for d, _ in p.got] == [b"first", b"second", b"part2"]
        for _, info in p.got[:2]:
            assert info.info_lost and (info.stream, info.ppid, info.assoc_id) == (-1, -1, -1)
        assert (p.got[2][1].stream, p.got[2][1].ppid) == (7, 46)
        assert t.lost_info_count == 3
        t.abort()
        await asyncio.sleep(0)
        b.close()

    with caplog.at_level(logging.WARNING, logger="aiosctp"):
        asyncio.run(main())
    warnings = [r for r in caplog.records if "MSG_CTRUNC" in r.getMessage()]
    assert len(warnings) == 1  # once per association, not per message
