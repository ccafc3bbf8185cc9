"""A user program of the issue-15 API, checked with ``mypy --strict`` by
tests/host/test_api_typing.py (and once with a keyword misspelt, which mypy
must refuse). It is type-checked, never run."""

from __future__ import annotations

import asyncio
import socket
from typing import List, Optional, Tuple

import aiosctp
from aiosctp import events, lowlevel


def configure(sock: socket.socket) -> None:
    lowlevel.set_initmsg(sock, ostreams=16, instreams=16, max_attempts=4, max_init_timeo=1000)
    lowlevel.set_rtoinfo(sock, initial=500, min=200, max=3000)
    lowlevel.set_peer_addr_params(sock, hbinterval=5000, pathmaxrxt=3)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)


class Diameter(aiosctp.SCTPProtocol):
    def notification_received(self, event: events.Event) -> None:
        if isinstance(event, events.SendFailed):
            print(event.info.context, len(event.data))


async def client(sock: Optional[socket.socket]) -> None:
    wanted = {events.AssocChange, events.SendFailed, events.PeerAddrChange}
    assoc: aiosctp.Association = await aiosctp.connect(
        "127.0.0.1", 3868,
        remote_addrs=["127.0.0.2"], local_addrs=[("127.0.0.1", 0)],
        family=socket.AF_INET, ostreams=16, instreams=16, nodelay=True,
        max_message_size=1 << 20, configure=configure, timeout=5.0,
        events=wanted, max_queue=64, max_notifications=10_000,
    )
    await assoc.send(b"CER", stream=0, ppid=46, unordered=False, context=1, ttl=0)
    assoc.send_nowait(b"DWR", stream=1, ppid=46, unordered=True, context=2, ttl=100)
    msg: aiosctp.Message = await assoc.recv()
    print(msg.data, assoc.peer_addresses, assoc.local_addresses,
          assoc.remote_address, assoc.local_address)
    state: lowlevel.AssocState = assoc.status().state
    print(f"{state}", str(state))
    async for ev in assoc.notifications():
        e: events.Event = ev
        print(e)
    backlog: int = len(assoc.notifications) + assoc.notifications.dropped
    print(backlog)
    await assoc.close()

    async with aiosctp.connect(sock=sock, events=events.ALL, timeout=1) as a2:
        await a2.send(b"x")

    pair: Tuple[aiosctp.SCTPTransport, asyncio.BaseProtocol] = \
        await aiosctp.create_sctp_connection(
            Diameter, "127.0.0.1", 3868, remote_addrs=None, local_addrs=None,
            family=socket.AF_UNSPEC, ostreams=None, instreams=None, nodelay=False,
            max_message_size=4096, sock=None, configure=configure, timeout=2.5,
            events=events.DEFAULT,
        )
    pair[0].close()


async def handler(assoc: aiosctp.Association) -> None:
    async for msg in assoc:
        assoc.send_nowait(msg.data, stream=msg.stream, ppid=msg.ppid)


async def servers(lsock: socket.socket) -> List[aiosctp.SCTPServer]:
    s1 = await aiosctp.serve(
        handler, "127.0.0.1", 3868,
        family=socket.AF_INET, style="one-to-many", local_addrs=["127.0.0.2"],
        ostreams=8, instreams=8, nodelay=True, reuse_address=True, backlog=10,
        start_serving=True, max_message_size=1 << 16, sock=None, configure=configure,
        events=[events.Shutdown], max_queue=32, max_notifications=100,
    )
    s2 = await aiosctp.create_sctp_server(
        Diameter, None, 0, family=socket.AF_INET6, style="one-to-one",
        local_addrs=None, ostreams=4, instreams=4, nodelay=True, reuse_address=False,
        backlog=5, start_serving=False, max_message_size=1024, sock=lsock,
        configure=configure, events=events.ALL,
    )
    s3 = await aiosctp.serve(handler, sock=lsock, configure=None, events=None)
    return [s1, s2, s3]


async def one_to_many_client() -> None:
    # A one-to-many endpoint that only starts associations (port 0, not listening).
    endpoint = await aiosctp.serve(handler, None, 0, style="one-to-many", start_serving=False,
                                   configure=configure)
    a: aiosctp.Association = await endpoint.connect(
        "127.0.0.1", 3868, remote_addrs=["127.0.0.2"], ostreams=4, instreams=4,
        max_message_size=1 << 16, configure=None, timeout=3.0, events=events.DEFAULT,
        max_queue=16, max_notifications=1000,
    )
    await a.send(b"ASPUP", stream=0, ppid=3)
    pair: Tuple[aiosctp.SCTPTransport, asyncio.BaseProtocol] = \
        await endpoint.create_connection(
            Diameter, "127.0.0.1", 3869, remote_addrs=None, ostreams=None, instreams=None,
            max_message_size=None, configure=None, timeout=2.0, events=[events.SendFailed],
        )
    pair[0].close()
    endpoint.close()
    await endpoint.wait_closed()
