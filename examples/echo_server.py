#!/usr/bin/env python3
"""SCTP echo server: every message goes back on its stream, with its PPID
(and unordered flag), to the association it came from.

Written against the protocol API (aiosctp.SCTPProtocol); the client,
echo_client.py, uses the high-level API.

    python examples/echo_server.py --port 9899 --style one-to-many

Prints "listening on HOST PORT" once ready; stops on SIGINT/SIGTERM,
closing its associations in order (SHUTDOWN).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Optional

import aiosctp

import runner


class EchoProtocol(aiosctp.SCTPProtocol):
    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose
        self.transport: Optional[aiosctp.SCTPTransport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, aiosctp.SCTPTransport)
        self.transport = transport
        if self.verbose:
            print(f"association {transport.assoc_id} from {transport.get_extra_info('peername')}"
                  f" ({transport.get_extra_info('ostreams')} streams)", flush=True)

    def message_received(self, data: bytes, info: aiosctp.MessageInfo) -> None:
        assert self.transport is not None
        if not self.transport.is_closing():
            self.transport.send(data, stream=info.stream, ppid=info.ppid,
                                unordered=info.unordered)

    def pause_writing(self) -> None:
        # The peer reads slower than it writes: stop reading until our
        # replies drain, so that nothing piles up here.
        assert self.transport is not None
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        assert self.transport is not None
        self.transport.resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self.verbose:
            assert self.transport is not None
            print(f"association {self.transport.assoc_id} ended: {exc or 'in order'}", flush=True)


async def main(host: str, port: int, style: str, streams: int, verbose: bool) -> None:
    server = await aiosctp.create_sctp_server(
        lambda: EchoProtocol(verbose), host, port, style=style,
        ostreams=streams, instreams=streams,
    )
    print("listening on", *server.sockets[0].getsockname()[:2], flush=True)
    await runner.serve_until_stopped(server)
    print("stopped", flush=True)


def parse(argv: Optional[list] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9899)
    p.add_argument("--style", choices=["one-to-one", "one-to-many"], default="one-to-one")
    p.add_argument("--streams", type=int, default=10, help="streams each way")
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse()
    coro = main(args.host, args.port, args.style, args.streams, args.verbose)
    runner.run(coro, args.loop)
