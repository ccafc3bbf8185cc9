"""Associations accepted after they ended, counted under strace
(tests/test_asyncio_setup_cost.py): ``accept_calls.py LOOP N`` listens on
127.0.0.1 (port printed), and when a line arrives on stdin (the test's
client has made and closed N associations by then) starts serving, serves
the N ended associations and exits. What the server does for them is
framed by two ``access()`` calls on marker paths that do not exist."""

import asyncio
import os
import socket
import sys

import aiosctp  # the installed package (make test: the wheel)

kind, n = sys.argv[1], int(sys.argv[2])


async def main() -> None:
    loop = asyncio.get_running_loop()
    lost = 0
    made = 0
    done = loop.create_future()

    class Side(aiosctp.SCTPProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            nonlocal made
            made += 1

        def connection_lost(self, exc: object) -> None:
            nonlocal lost
            assert exc is None, exc
            lost += 1
            if lost == n:
                done.set_result(None)

    # listening before the server serves, so that the associations queue
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    lst.bind(("127.0.0.1", 0))
    lst.listen(n + 8)
    server = await aiosctp.create_sctp_server(Side, sock=lst, start_serving=False)
    print(lst.getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    os.access("/__setup_calls_begin__", os.F_OK)
    await server.start_serving()
    await asyncio.wait_for(done, 30)
    os.access("/__setup_calls_end__", os.F_OK)
    print(made, lost, flush=True)
    server.close()
    await server.wait_closed()


if kind == "uvloop":
    import uvloop

    uvloop.install()
asyncio.run(main())
