"""What the example programs share: running a coroutine on the event loop
chosen with ``--loop``, and serving until SIGINT/SIGTERM (or until the
program's own work is done)."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any, Coroutine, NoReturn


def run(coro: Coroutine[Any, Any, Any], loop: str) -> NoReturn:
    """Run ``coro`` on asyncio's loop or on uvloop; exit with what it returns."""
    if loop == "uvloop":
        import uvloop

        sys.exit(uvloop.run(coro))
    sys.exit(asyncio.run(coro))


async def serve_until_stopped(server: Any, *done: "asyncio.Future[Any]") -> None:
    """Serve until SIGINT or SIGTERM, or until one of ``done`` completes;
    then close ``server`` and wait for its associations to end."""
    loop = asyncio.get_running_loop()
    stop: "asyncio.Future[None]" = loop.create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    async with server:
        await asyncio.wait([stop, *done], return_when=asyncio.FIRST_COMPLETED)
