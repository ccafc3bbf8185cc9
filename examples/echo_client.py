#!/usr/bin/env python3
"""SCTP echo client: sends messages on several streams with several PPIDs
(some unordered) to echo_server.py and checks that each comes back whole,
on its stream, with its PPID, each stream in order.

    python examples/echo_client.py --port 9899 --count 200

Exits 0 and prints "ok: N messages ..." when every echo matched.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Dict, List, Optional, Tuple

import aiosctp

import runner

PPIDS = [0, 18, 46, 60]  # none, S1AP, Diameter, NGAP (host order)


async def main(host: str, port: int, count: int, streams: int) -> int:
    async with aiosctp.connect(host, port, ostreams=streams, instreams=streams) as assoc:
        streams = min(streams, assoc.ostreams)
        sent: Dict[int, List[Tuple[bytes, int, bool]]] = {}

        async def sender() -> None:
            for i in range(count):
                stream = i % streams
                ppid = PPIDS[i % len(PPIDS)]
                unordered = i % 7 == 6
                data = f"message {i} on stream {stream}".encode() * (1 + i % 5)
                sent.setdefault(stream, []).append((data, ppid, unordered))
                await assoc.send(data, stream=stream, ppid=ppid, unordered=unordered)

        send_task = asyncio.create_task(sender())
        got: Dict[int, List[Tuple[bytes, int, bool]]] = {}
        for _ in range(count):
            msg = await assoc.recv()
            got.setdefault(msg.stream, []).append((msg.data, msg.ppid, msg.unordered))
        await send_task
        status = assoc.status()

    errors = 0
    for stream, expected in sent.items():
        ordered_exp = [m for m in expected if not m[2]]
        ordered_got = [m for m in got.get(stream, []) if not m[2]]
        if ordered_exp != ordered_got:
            print(f"stream {stream}: ordered messages differ", file=sys.stderr)
            errors += 1
        if sorted(expected) != sorted(got.get(stream, [])):
            print(f"stream {stream}: messages differ", file=sys.stderr)
            errors += 1
    if errors:
        return 1
    print(f"ok: {count} messages on {len(sent)} streams with PPIDs {PPIDS} echoed "
          f"(association {status.assoc_id}, {status.outstreams} streams out)")
    return 0


def parse(argv: Optional[list] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9899)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--streams", type=int, default=5)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse()
    coro = main(args.host, args.port, args.count, args.streams)
    runner.run(coro, args.loop)
