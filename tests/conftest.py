"""Shared fixtures of the asyncio tests.

``loop`` is a fresh event loop, parametrized over the standard asyncio loop
and uvloop (as uvloop's own test suite runs one test class on both), with
leak checks on teardown: no task left pending, no file descriptor left
open, no ResourceWarning, no unexpected call of the loop's exception
handler. Nothing here is autouse: the other test modules are untouched.

``documented_switches_on`` is for the tests of the ``sctp`` module's
improvements over PySCTP 0.7.3 (``pytest.mark.usefixtures``).
"""

from __future__ import annotations

import asyncio
import gc
import os
import warnings
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Set, TypeVar

import pytest

T = TypeVar("T")

LOOPS = ["asyncio", "uvloop"]

# The loop's exception-handler calls, by id(loop): see `loop_errors`.
_ERRORS: Dict[int, List[Dict[str, Any]]] = {}

#: Watchdog of one test's coroutine (a hang guard, not a timing check).
WATCHDOG = 300.0


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


_WARMED: Set[str] = set()


def _warm_up(kind: str) -> None:
    """Create and close one loop of this kind first: libuv opens a few
    process-wide descriptors (signal pipe, thread-pool eventfd) on first use,
    which are not leaks of a test."""
    if kind not in _WARMED:
        _WARMED.add(kind)
        lp = _new_loop(kind)
        lp.run_until_complete(asyncio.sleep(0))
        lp.close()


def _open_fds() -> Set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


@pytest.fixture(params=LOOPS)
def loop_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def loop(loop_name: str) -> Iterator[asyncio.AbstractEventLoop]:
    """A new event loop (asyncio or uvloop) checked for leaks afterwards."""
    _warm_up(loop_name)
    gc.collect()
    fds_before = _open_fds()
    errors: List[Dict[str, Any]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        lp = _new_loop(loop_name)
        _ERRORS[id(lp)] = errors
        lp.set_exception_handler(lambda _l, ctx: errors.append(ctx))
        try:
            yield lp
            pending = [t for t in asyncio.all_tasks(lp) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                lp.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            lp.run_until_complete(lp.shutdown_asyncgens())
            if hasattr(lp, "shutdown_default_executor"):
                lp.run_until_complete(lp.shutdown_default_executor())
            assert not pending, f"tasks left pending: {pending!r}"
        finally:
            _ERRORS.pop(id(lp), None)
            lp.close()
            del lp
            gc.collect()
    leaked = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not leaked, f"ResourceWarning: {[str(w.message) for w in leaked]}"
    unexpected = [e for e in errors if not e.get("expected")]
    assert not unexpected, f"loop exception handler called: {unexpected!r}"
    fds_after = _open_fds()
    assert fds_after <= fds_before, f"file descriptors left open: {sorted(fds_after - fds_before)}"


@pytest.fixture
def loop_errors(loop: asyncio.AbstractEventLoop) -> List[Dict[str, Any]]:
    """The calls of ``loop``'s exception handler so far. A test that expects
    some marks them ``ctx["expected"] = True`` (the fixture fails on others)."""
    return _ERRORS[id(loop)]


@pytest.fixture
def run(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[T]], T]:
    """``run(coro)``: run a coroutine on ``loop`` under a generous watchdog."""

    def _run(coro: Awaitable[T]) -> T:
        return loop.run_until_complete(asyncio.wait_for(coro, WATCHDOG))

    return _run


@pytest.fixture
def documented_switches_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn on, for one test, the switches of docs/sctp-compat.md with which
    the ``sctp`` module does better than 0.7.3: host-order PPIDs and Linux
    semantics. The defaults (0.7.3's behaviour) are checked by
    tests/test_sctp_ppid.py, tests/test_sctp_programs.py and
    tests/test_sctp_differential.py."""
    import sctp

    monkeypatch.setattr(sctp, "ppid_byte_order", sctp.PPID_HOST_ORDER)
    monkeypatch.setattr(sctp._sctp, "compat_mode", sctp.COMPAT_LINUX)
