"""aiosctp demo: an asyncio SCTP server and client exchanging messages on
several streams with telecom PPIDs, over both socket styles, then the same
through the low-level API, with the kernel's notifications shown as they
come. Run it with `make demo` (through the sandbox where the host kernel has
no SCTP) or `python examples/demo.py` where it has.
"""

from __future__ import annotations

import asyncio
import socket

import aiosctp
from aiosctp import events, lowlevel

# IANA SCTP Payload Protocol Identifiers, host-order integers
PPIDS = {"M3UA": 3, "S1AP": 18, "X2AP": 27, "Diameter": 46, "NGAP": 60}


async def echo(assoc: aiosctp.Association) -> None:
    """Server side: send every message back on its stream, with its PPID."""
    async for msg in assoc:
        await assoc.send(b"echo:" + msg.data, stream=msg.stream, ppid=msg.ppid)


async def asyncio_demo(style: str) -> None:
    server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
    port = server.sockets[0].getsockname()[1]
    print(f"[asyncio/{style}] server on 127.0.0.1:{port}")
    async with server:
        async with aiosctp.connect("127.0.0.1", port, ostreams=8, instreams=8) as assoc:
            for stream, (name, ppid) in enumerate(PPIDS.items()):
                await assoc.send(f"{name} message".encode(), stream=stream, ppid=ppid)
            for _ in PPIDS:
                msg = await assoc.recv()
                print(f"  stream {msg.stream} ppid {msg.ppid:>2}: {msg.data.decode()}")
                assert msg.ppid == list(PPIDS.values())[msg.stream]
            status = assoc.status()
            print(f"  association {status.assoc_id}: {status.state.name}, "
                  f"{status.outstreams} out / {status.instreams} in streams")


def lowlevel_demo() -> None:
    print("[lowlevel] one-to-one pair, notifications on")
    lst = lowlevel.sctp_socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen()
    cli = lowlevel.sctp_socket()
    lowlevel.subscribe(cli, events.AssocChange, events.Shutdown, events.SenderDry)
    cli.settimeout(10)
    cli.connect(lst.getsockname())
    srv, _ = lst.accept()
    srv.settimeout(10)
    lowlevel.set_nodelay(cli)
    lowlevel.sendmsg(cli, b"unordered NGAP", stream=3, ppid=PPIDS["NGAP"], unordered=True)
    msg = lowlevel.recvmsg(srv)
    assert isinstance(msg, lowlevel.Message)
    print(f"  got {msg.data!r} stream={msg.stream} ppid={msg.ppid} unordered={msg.unordered}")
    print(f"  peer addresses: {lowlevel.getpaddrs(cli)}")
    cli.shutdown(socket.SHUT_WR)
    assert lowlevel.recvmsg(srv) is None  # end of file
    srv.close()
    for _ in range(3):
        item = lowlevel.recvmsg(cli)
        print(f"  notification: {item}")
        if isinstance(item, events.AssocChange) and item.state == events.AssocChangeState.SHUTDOWN_COMP:
            break
    cli.close()
    lst.close()


async def main() -> None:
    await asyncio_demo("one-to-one")
    await asyncio_demo("one-to-many")
    lowlevel_demo()
    print("demo ok")


if __name__ == "__main__":
    asyncio.run(main())
