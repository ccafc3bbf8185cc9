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
"""

from __future__ import annotations

import asyncio
import inspect
import socket
from typing import Any, Callable, List, Optional, Tuple

import pytest

import aiosctp


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
