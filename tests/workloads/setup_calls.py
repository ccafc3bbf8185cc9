"""Association set-ups counted under strace (tests/test_asyncio_setup_cost.py):
``setup_calls.py LOOP PORT N`` connects to 127.0.0.1:PORT and closes, N
times, through ``create_sctp_connection`` on LOOP (asyncio or uvloop) or
``aiosctp.connect()`` (LOOP ``highlevel``, on asyncio), after two warm-up
cycles. The measured cycles are framed by two ``access()`` calls on marker
paths that do not exist, which the test finds in the strace log."""

import asyncio
import os
import sys

import aiosctp  # the installed package (make test: the wheel)

kind, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


class Plain(aiosctp.SCTPProtocol):
    loop: asyncio.AbstractEventLoop  # set once (get_running_loop() costs a getpid)

    def __init__(self) -> None:
        self.closed: "asyncio.Future[None]" = self.loop.create_future()

    def connection_lost(self, exc: object) -> None:
        self.closed.set_result(None)


async def cycle() -> None:
    if kind == "highlevel":
        assoc = await aiosctp.connect("127.0.0.1", port)
        await assoc.close()
    else:
        t, p = await aiosctp.create_sctp_connection(Plain, "127.0.0.1", port)
        t.close()
        await p.closed  # type: ignore[attr-defined]


async def main() -> None:
    Plain.loop = asyncio.get_running_loop()
    for _ in range(2):
        await cycle()
    os.access("/__setup_calls_begin__", os.F_OK)
    for _ in range(n):
        await cycle()
    os.access("/__setup_calls_end__", os.F_OK)


if kind == "uvloop":
    import uvloop

    uvloop.install()
asyncio.run(main())
