"""The one-to-many demultiplexer never drops without a word: what it can give
to no association (data and notifications of an association it no longer
serves, notifications naming none, data whose receive info the kernel cut
and whose address matches no association) is counted (Demux.dropped,
SCTPServer.dropped) and logged once per association, not per message.

Loop-free on the host: what recvmmsg() returns on a one-to-many socket is
fed to the demultiplexer's router (a UDP socket stands in for the SCTP one:
nothing is read from it)."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import Any, List, Optional

import pytest

from aiosctp import _sctp, events
from aiosctp.demux import Demux, Dropped
from aiosctp.transport import SCTPTransport

EOR = _sctp.MSG_EOR
NOTIF = _sctp.MSG_NOTIFICATION | EOR


def comm_up(assoc_id: int) -> tuple:
    raw = struct.pack("=HHIHHHHi", _sctp.SCTP_ASSOC_CHANGE, 0, 20, _sctp.SCTP_COMM_UP, 0,
                      4, 4, assoc_id)
    return (raw, NOTIF, None, None, None)


def sender_dry(assoc_id: int) -> tuple:
    raw = struct.pack("=HHIi", _sctp.SCTP_SENDER_DRY_EVENT, 0, 12, assoc_id)
    return (raw, NOTIF, None, None, None)


def data(assoc_id: int, payload: bytes, stream: int = 1) -> tuple:
    return (payload, EOR, ("10.0.0.1", 9), (stream, 0, 0, 46, 0, 0, 0, assoc_id), None)


class Proto:
    def __init__(self) -> None:
        self.got: List[bytes] = []

    def connection_made(self, t: Any) -> None:
        pass

    def message_received(self, data: bytes, info: Any) -> None:
        self.got.append(data)

    def notification_received(self, event: events.Event) -> None:
        pass

    def connection_lost(self, exc: Any) -> None:
        pass


def test_demux_counts_and_logs_what_it_drops(caplog: pytest.LogCaptureFixture) -> None:
    # Before: each of these vanished without a word.
    async def main() -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        p = Proto()
        made: List[SCTPTransport] = []

        def factory(assoc_id: int, ostreams: int, instreams: int,
                    demux: Demux) -> Optional[SCTPTransport]:
            if assoc_id == 11:
                return None  # refused
            t = SCTPTransport(loop, sock, p, assoc_id=assoc_id, mux=demux,  # type: ignore
                              extra={"peername": None})
            made.append(t)
            return t

        d = Demux(loop, sock, factory)
        assert d.dropped == Dropped(0, 0, 0)
        route = d._route
        route(comm_up(7))
        route(data(7, b"kept"))
        for _ in range(3):
            route(data(9, b"12345"))          # an association not served here
        route(sender_dry(9))
        route(sender_dry(9))
        unknown = struct.pack("=HHI", 0x7777, 0, 8)
        route((unknown, NOTIF, None, None, None))  # names no association
        route((unknown, NOTIF, None, None, None))
        # the kernel cut the receive info; the address matches no association
        route((b"cut", EOR | _sctp.MSG_CTRUNC, ("10.9.9.9", 1), None, None))
        route(comm_up(11))                    # refused: what follows is counted quietly
        route(data(11, b"xy"))
        assert p.got == [b"kept"]
        assert d.dropped == Dropped(messages=5, message_bytes=15 + 3 + 2, notifications=4)
        made[0].abort()
        await asyncio.sleep(0)
        d.close()

    with caplog.at_level(logging.WARNING, logger="aiosctp"):
        asyncio.run(main())
    text = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([m for m in text if m.startswith("association 9: data")]) == 1
    assert len([m for m in text if m.startswith("association 9: a notification")]) == 1
    assert len([m for m in text if "names no association" in m]) == 1
    assert len([m for m in text if "MSG_CTRUNC" in m]) == 1
    assert not [m for m in text if "association 11" in m]
    assert len(text) == 4, text
