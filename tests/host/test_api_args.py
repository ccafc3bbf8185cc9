"""Issue 15, what needs no SCTP socket: the new keywords' argument checks
(raised before any socket exists, so they run on a host without SCTP), the
event sets, and states that print by name."""

from __future__ import annotations

import asyncio
import math
from typing import Any, Dict

import pytest

import aiosctp
from aiosctp import events, lowlevel


def call(**kw: Any) -> None:
    async def main() -> None:
        await aiosctp.create_sctp_connection(aiosctp.SCTPProtocol, "127.0.0.1", 9, **kw)

    asyncio.run(main())


@pytest.mark.parametrize("kw, exc", [
    ({"timeout": -1}, ValueError),
    ({"timeout": 0}, ValueError),
    ({"timeout": math.nan}, ValueError),
    ({"timeout": "1"}, TypeError),
    ({"timeout": True}, TypeError),
    ({"configure": 3}, TypeError),
    ({"events": "AssocChange"}, TypeError),
    ({"events": events.AssocChange}, TypeError),
    ({"events": [events.Unknown]}, TypeError),
    ({"events": [events.AssocChange(events.AssocChangeState.COMM_UP, 0, 1, 1, 1)]}, TypeError),
    ({"sock": "sock"}, TypeError),
    ({"ostreams": 0}, OverflowError),
    ({"instreams": 70000}, OverflowError),
])
def test_bad_keywords(kw: Dict[str, Any], exc: type) -> None:
    with pytest.raises(exc):
        call(**kw)


def test_connect_and_serve_limits() -> None:
    with pytest.raises(ValueError):
        aiosctp.connect("127.0.0.1", 9, max_notifications=0)
    with pytest.raises(TypeError):
        aiosctp.connect("127.0.0.1", 9, max_queue=True)

    async def main() -> None:
        async def h(a: aiosctp.Association) -> None:
            pass

        with pytest.raises(TypeError):
            await aiosctp.serve(h, "127.0.0.1", 0, events=1)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await aiosctp.serve(h, "127.0.0.1", 0, configure="x")  # type: ignore[arg-type]

    asyncio.run(main())


def test_event_sets() -> None:
    assert events.ALL == frozenset(events.ALL_EVENTS)
    assert events.DEFAULT == events.ALL - {events.SenderDry}
    assert events.TRANSPORT_NEEDS <= events.DEFAULT
    assert events.event_set(None) == events.DEFAULT
    assert events.event_set(()) == frozenset()
    assert events.event_set([events.Shutdown, events.Shutdown]) == {events.Shutdown}


def test_states_print_by_name() -> None:
    st = lowlevel.AssocState.ESTABLISHED
    assert str(st) == f"{st}" == "ESTABLISHED"
    assert f"{st:d}" == str(int(st)) and repr(st).startswith("<AssocState.ESTABLISHED")
    assert str(lowlevel.AssocState(99)) == "UNKNOWN_99"
    assert str(lowlevel.AddrState.ACTIVE) == "ACTIVE"
    assert str(events.AssocChangeState.COMM_LOST) == "COMM_LOST"
    assert f"{events.PeerAddrState.ADDR_AVAILABLE}" == "ADDR_AVAILABLE"
    assert st == int(st) and isinstance(st, int)


def test_a_dropped_loop_leaves_its_serving_ports_to_no_later_loop() -> None:
    # the ports a loop's SCTPServers listen on make a set-up to them wait a
    # turn; a loop dropped while a server was still counted (never closed)
    # must not pass that on to a later loop, even one at the same address
    import gc

    from aiosctp import connection

    old = asyncio.new_event_loop()
    connection._serving_port(old, 3868, True)
    assert connection._served_here(old, [("127.0.0.1", 3868)])
    before = len(connection._serving_ports)
    old.close()
    del old
    gc.collect()
    assert len(connection._serving_ports) == before - 1
    for _ in range(20):  # new loops, some likely where the old one was
        new = asyncio.new_event_loop()
        try:
            assert not connection._served_here(new, [("127.0.0.1", 3868)])
        finally:
            new.close()
