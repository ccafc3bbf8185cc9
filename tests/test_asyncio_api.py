"""Issue 15: the asyncio API a telecom client needs, on asyncio and uvloop,
one-to-one and one-to-many servers: ``configure`` before INIT/listen,
``sock=``, a bounded set-up (``timeout``), chosen notifications
(``events``), ``Association.notifications()``, ``send_nowait``, several
``recv()`` at once, ``peer_addresses``/``local_addresses``, states that print
by name.

Faults are made inside the sandbox guest (root): a ``dummy`` interface that
swallows every packet sent to it (a silent peer whose INITs can be counted
from the interface's TX counter) and ``netem loss 100%`` on ``lo`` (a live
association whose peer stops answering).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import uuid
from typing import Any, Callable, Iterator, List, Set, Tuple

import pytest

import aiosctp
from aiosctp import Association, AssociationClosed, _sctp, events, lowlevel

STYLES = ["one-to-one", "one-to-many"]


def port_of(server: aiosctp.SCTPServer) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


async def echo(assoc: Association) -> None:
    async for msg in assoc:
        await assoc.send(msg.data, stream=msg.stream, ppid=msg.ppid)


async def serve_one(host: str,
                    **kwargs: Any) -> Tuple[aiosctp.SCTPServer, "asyncio.Future[Association]"]:
    """A server on an ephemeral port (``kwargs`` go to :func:`aiosctp.serve`)
    and a future that gets its first association, which the handler keeps
    open until it closes."""
    got: "asyncio.Future[Association]" = asyncio.get_running_loop().create_future()

    async def handler(assoc: Association) -> None:
        got.set_result(assoc)
        await assoc.wait_closed()

    return await aiosctp.serve(handler, host, 0, **kwargs), got


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


# ---- configure ------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_configure_is_seen_by_the_peer(run: Callable[..., Any], style: str) -> None:
    """Both hooks run before INIT/listen: the INIT stream counts each side's
    configure sets are the ones its peer sees, and the RTO it sets is read
    back on the association (client and server side)."""
    seen: List[Any] = []

    def server_conf(sock: socket.socket) -> None:
        seen.append(("server", sock.type))
        lowlevel.set_initmsg(sock, ostreams=3, instreams=40)
        lowlevel.set_rtoinfo(sock, initial=700, max=9000, min=300)

    def client_conf(sock: socket.socket) -> None:
        seen.append(("client", sock.type))
        with pytest.raises(OSError):
            sock.getpeername()  # not connected yet: before INIT
        lowlevel.set_initmsg(sock, ostreams=7, instreams=2)
        lowlevel.set_rtoinfo(sock, initial=600, max=8000, min=200)

    async def main() -> None:
        server, got = await serve_one("127.0.0.1", style=style, configure=server_conf)
        assoc = await aiosctp.connect("127.0.0.1", port_of(server), configure=client_conf)
        srv_assoc = await got
        # what each side's INIT asked for, as the peer saw it
        # client: 7 out (server accepts up to 40 in), 2 in (server offers 3)
        assert (assoc.ostreams, assoc.instreams) == (7, 2)
        assert (srv_assoc.ostreams, srv_assoc.instreams) == (2, 7)
        cli_sock = assoc.transport.get_extra_info("socket")
        srv_sock = srv_assoc.transport.get_extra_info("socket")
        assert lowlevel.get_rtoinfo(cli_sock, assoc.assoc_id) == lowlevel.RtoInfo(600, 8000, 200)
        assert lowlevel.get_rtoinfo(srv_sock, srv_assoc.assoc_id) == \
            lowlevel.RtoInfo(700, 9000, 300)
        await assoc.close()
        server.close()
        await server.wait_closed()

    run(main())
    kind = socket.SOCK_SEQPACKET if style == "one-to-many" else socket.SOCK_STREAM
    assert seen == [("server", kind), ("client", socket.SOCK_STREAM)]


def test_configure_failure_closes_the_socket(run: Callable[..., Any]) -> None:
    """An exception in configure reaches the caller; no socket is left
    (the loop fixture counts descriptors)."""

    def bad(sock: socket.socket) -> None:
        raise RuntimeError("configure says no")

    async def main() -> None:
        server = await aiosctp.serve(echo, "127.0.0.1", 0)
        with pytest.raises(RuntimeError, match="configure says no"):
            await aiosctp.connect("127.0.0.1", port_of(server), configure=bad)
        with pytest.raises(RuntimeError, match="configure says no"):
            await aiosctp.serve(echo, "127.0.0.1", 0, configure=bad)
        server.close()
        await server.wait_closed()

    run(main())


# ---- sock= ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_sock_unconnected_and_connected(run: Callable[..., Any], style: str) -> None:
    """create_sctp_server(sock=) serves the caller's socket (its style);
    create_sctp_connection(sock=) connects an unconnected socket to host/port
    or adopts an already connected one."""

    async def main() -> None:
        lsock = lowlevel.sctp_socket(socket.AF_INET, style)
        lsock.bind(("127.0.0.1", 0))
        server = await aiosctp.serve(echo, sock=lsock)
        assert server.style == style and server.sockets[0] is lsock
        port = port_of(server)

        s1 = lowlevel.sctp_socket(socket.AF_INET)
        lowlevel.set_initmsg(s1, ostreams=5, instreams=5)  # kept: not given to connect
        assoc = await aiosctp.connect("127.0.0.1", port, sock=s1)
        assert assoc.transport.get_extra_info("socket") is s1 and assoc.ostreams == 5
        await assoc.send(b"one", stream=4)
        assert (await assoc.recv()).data == b"one"
        await assoc.close()
        assert s1.fileno() == -1  # the transport's, closed with it

        s2 = lowlevel.sctp_socket(socket.AF_INET)
        await asyncio.get_running_loop().run_in_executor(None, s2.connect, ("127.0.0.1", port))
        with pytest.raises(ValueError, match="already connected"):
            await aiosctp.connect("127.0.0.1", port, sock=s2)
        assoc = await aiosctp.connect(sock=s2)
        assert assoc.assoc_id and assoc.ostreams == 10
        await assoc.send(b"two")
        assert (await assoc.recv()).data == b"two"
        await assoc.close()

        with pytest.raises(TypeError):
            await aiosctp.connect("127.0.0.1", port, sock=3)  # type: ignore[arg-type]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(ValueError, match="SCTP"):
            await aiosctp.connect("127.0.0.1", port, sock=udp)
        udp.close()
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.parametrize("style", STYLES)
def test_plain_sockets_get_each_message_s_receive_info(run: Callable[..., Any],
                                                       style: str, monkeypatch: Any) -> None:
    """Sockets made with the stdlib alone (no SCTP_RECVRCVINFO set) given as
    ``sock=``, a ``configure`` hook that subscribes on its own (which
    rewrites struct sctp_event_subscribe, data_io byte included), and the
    subscription of a kernel that refuses the whole struct (one SCTP_EVENT
    per type, then SCTP_RECVRCVINFO): every message still arrives with its
    stream and PPID, both ways. (A plain ``sock=`` got no receive
    information before: stream 0, PPID 0.)"""

    def own_subscription(sock: socket.socket) -> None:
        # every notification, written as a whole struct with data_io off
        # (as code written for PySCTP's event_subscribe would)
        sub = bytearray(14)
        for cls in events.ALL:
            sub[cls.event_type - _sctp.SCTP_DATA_IO_EVENT] = 1
        sock.setsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, bytes(sub))

    async def main() -> None:
        kind = socket.SOCK_SEQPACKET if style == "one-to-many" else socket.SOCK_STREAM
        lsock = socket.socket(socket.AF_INET, kind, socket.IPPROTO_SCTP)
        lsock.bind(("127.0.0.1", 0))
        server = await aiosctp.serve(echo, sock=lsock)
        port = port_of(server)
        for how in ("sock", "configure", "per type"):
            if how == "sock":
                plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
                assoc = await aiosctp.connect("127.0.0.1", port, sock=plain)
            elif how == "configure":
                assoc = await aiosctp.connect("127.0.0.1", port, configure=own_subscription)
            else:
                monkeypatch.setattr(aiosctp.options, "_events_struct_ok", False)
                assoc = await aiosctp.connect("127.0.0.1", port)
                sock = assoc.transport.get_extra_info("socket")
                assert lowlevel.get_event(sock, _sctp.SCTP_SHUTDOWN_EVENT)
                assert not lowlevel.get_event(sock, _sctp.SCTP_SENDER_DRY_EVENT)
            for stream, ppid in ((3, 42), (7, 0xFFFFFFFF)):
                await assoc.send(b"x%d" % stream, stream=stream, ppid=ppid)
                # echoed on the stream and PPID it came with
                msg = await asyncio.wait_for(assoc.recv(), 10)
                assert (msg.data, msg.stream, msg.ppid) == (b"x%d" % stream, stream, ppid)
            await assoc.close()
        server.close()
        await server.wait_closed()

    run(main())


# ---- timeout ----------------------------------------------------------------------------


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A dummy interface with 10.77.x.1/24: whatever is sent to 10.77.x.2
    leaves through it and vanishes (no ARP, no answer). Yields its name."""
    name = "bh" + uuid.uuid4().hex[:8]
    sh("ip", "link", "add", name, "type", "dummy")
    try:
        sh("ip", "link", "set", name, "addrgenmode", "none")  # no IPv6 chatter
        sh("ip", "addr", "add", "10.77.0.1/24", "dev", name)
        sh("ip", "link", "set", name, "up")
        yield name
    finally:
        sh("ip", "link", "del", name)


def tx_packets(name: str) -> int:
    with open(f"/sys/class/net/{name}/statistics/tx_packets") as f:
        return int(f.read())


@pytest.mark.parametrize("api", ["connect", "create_sctp_connection"])
def test_timeout_against_a_silent_peer(run: Callable[..., Any], black_hole: str,
                                       api: str) -> None:
    """A peer that never answers: TimeoutError once the timeout has passed
    (not before; long before INIT's own give-up after minutes), several INITs
    meanwhile (RTO 100 ms set by configure), none after, no association and no
    descriptor left (the loop fixture counts descriptors)."""

    def fast_init(sock: socket.socket) -> None:
        lowlevel.set_rtoinfo(sock, initial=100, min=100, max=200)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        before = tx_packets(black_hole)
        t0 = loop.time()
        with pytest.raises(TimeoutError):
            if api == "connect":
                await aiosctp.connect("10.77.0.2", 3868, timeout=1.0, configure=fast_init)
            else:
                await aiosctp.create_sctp_connection(
                    aiosctp.SCTPProtocol, "10.77.0.2", 3868, timeout=1.0,
                    configure=fast_init)
        elapsed = loop.time() - t0
        sent = tx_packets(black_hole) - before
        assert elapsed >= 1.0, elapsed
        assert elapsed < 20.0, elapsed  # INIT alone would try for minutes
        assert sent >= 3, sent  # INIT at 0, 0.1, 0.3, 0.5 ... s
        await asyncio.sleep(1.0)  # five RTOs later: nothing more
        assert tx_packets(black_hole) - before == sent
        with open("/proc/net/sctp/assocs") as f:
            assert "10.77.0.2" not in f.read()

    run(main())


def test_timeout_does_not_cut_a_good_setup(run: Callable[..., Any]) -> None:
    async def main() -> None:
        server = await aiosctp.serve(echo, "127.0.0.1", 0)
        async with aiosctp.connect("127.0.0.1", port_of(server), timeout=30) as assoc:
            await assoc.send(b"ok")
            assert (await assoc.recv()).data == b"ok"
        server.close()
        await server.wait_closed()

    run(main())


# ---- events= ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_events_are_honoured(run: Callable[..., Any], style: str) -> None:
    """Client subscribed to AssocChange only: COMM_UP arrives, the peer's
    SHUTDOWN (which the transport acts on) is not passed on, SenderDry never.
    Server asking for Shutdown only gets it, and no AssocChange. The default
    leaves SenderDry out; events.ALL brings it."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        srv_assocs: List[Association] = []
        release = loop.create_future()

        async def handler(assoc: Association) -> None:
            srv_assocs.append(assoc)
            async for _ in assoc:
                pass
            await release

        server = await aiosctp.serve(handler, "127.0.0.1", 0, style=style,
                                     events=[events.Shutdown])
        port = port_of(server)
        a = await aiosctp.connect("127.0.0.1", port, events={events.AssocChange})
        await a.send(b"x")
        await asyncio.sleep(0.1)  # a SenderDry would have come by now
        await a.close()
        kinds = {type(e) for e in a.notifications}
        assert kinds == {events.AssocChange}, a.notifications[:]
        assert a.notifications[0].state == events.AssocChangeState.COMM_UP
        # the server side: the client's SHUTDOWN, and nothing else
        while not (srv_assocs and srv_assocs[0].closed):
            await asyncio.sleep(0.01)
        assert [type(e) for e in srv_assocs[0].notifications] == [events.Shutdown]

        b = await aiosctp.connect("127.0.0.1", port)  # the default set
        c = await aiosctp.connect("127.0.0.1", port, events=events.ALL)
        for x in (b, c):
            await x.send(b"y")
        await asyncio.sleep(0.2)
        assert not any(isinstance(e, events.SenderDry) for e in b.notifications)
        assert any(isinstance(e, events.SenderDry) for e in c.notifications)
        assert events.SenderDry not in events.DEFAULT
        await b.close()
        await c.close()
        release.set_result(None)
        server.close()
        await server.wait_closed()

    run(main())


def test_events_on_the_transport(run: Callable[..., Any]) -> None:
    """create_sctp_connection(events=()) passes nothing to
    notification_received, and the transport still ends on SHUTDOWN_COMP."""

    class P(aiosctp.SCTPProtocol):
        def __init__(self) -> None:
            self.got: List[events.Event] = []
            self.lost: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()

        def notification_received(self, event: events.Event) -> None:
            self.got.append(event)

        def connection_lost(self, exc: Any) -> None:
            self.lost.set_result(None)

    async def main() -> None:
        server = await aiosctp.serve(echo, "127.0.0.1", 0)
        t, p = await aiosctp.create_sctp_connection(P, "127.0.0.1", port_of(server), events=())
        assert isinstance(p, P)
        # subscribed (in one SCTP_EVENTS call): exactly what the transport needs
        sock = t.get_extra_info("socket")
        on = {cls for cls in events.ALL if lowlevel.get_event(sock, cls.event_type)}
        assert on == events.TRANSPORT_NEEDS
        t.send(b"z")
        await asyncio.sleep(0.05)
        t.close()
        await p.lost
        assert p.got == []
        with pytest.raises(TypeError):
            await aiosctp.create_sctp_connection(P, "127.0.0.1", 1, events="AssocChange")
        with pytest.raises(TypeError):
            await aiosctp.create_sctp_connection(P, "127.0.0.1", 1, events=[events.Unknown])
        server.close()
        await server.wait_closed()

    run(main())


# ---- notifications() -------------------------------------------------------------------


@pytest.fixture
def lossy_lo() -> Iterator[Callable[[], None]]:
    """Call it to drop every packet on lo (netem loss 100%) until the test ends."""
    on: List[bool] = []

    def start() -> None:
        sh("tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", "100%")
        on.append(True)

    yield start
    if on:
        sh("tc", "qdisc", "del", "dev", "lo", "root")


def give_up_fast(sock: socket.socket) -> None:
    """Retransmit quickly, declare the peer dead after 2 retransmissions,
    and keep 1,000 small messages in the kernel's send buffer."""
    lowlevel.set_rtoinfo(sock, initial=100, min=50, max=200)
    lowlevel.set_associnfo(sock, asocmaxrxt=2)
    lowlevel.set_peer_addr_params(sock, pathmaxrxt=2)
    sock.setsockopt(socket.SOL_SOCKET, 32, 16 * 1024 * 1024)  # SO_SNDBUFFORCE (root)


N_FAILED = 1000


async def fail_backlog(assoc: Association, lose: Callable[[], None]) -> None:
    """Cut the path, hand 1,000 messages (context = index) to the kernel,
    and read every notification until the association ends: a SendFailed per
    message, none missing, none twice."""
    lose()
    for i in range(N_FAILED):
        assoc.send_nowait(b"%06d" % i + b"." * 94, stream=i % 4, ppid=7, context=i)
    while assoc.transport.get_write_buffer_size():
        await asyncio.sleep(0.01)  # all of it in the kernel: its SendFailed, not ours
    failed: List[int] = []
    others: List[events.Event] = []
    async for ev in assoc.notifications():
        if isinstance(ev, events.SendFailed):
            assert ev.data[:6] == b"%06d" % ev.info.context
            assert ev.info.ppid == 7 and ev.info.stream == ev.info.context % 4
            failed.append(ev.info.context)
        else:
            others.append(ev)
    assert assoc.closed
    assert len(failed) == N_FAILED and set(failed) == set(range(N_FAILED))
    assert any(isinstance(e, events.AssocChange)
               and e.state == events.AssocChangeState.COMM_LOST for e in others)
    assert assoc.notifications.dropped == 0


@pytest.mark.parametrize("side", ["client", "one-to-one server", "one-to-many server"])
def test_notifications_deliver_every_send_failed(
    run: Callable[..., Any], lossy_lo: Callable[[], None], side: str
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        if side == "client":
            server = await aiosctp.serve(echo, "127.0.0.1", 0)
            assoc = await aiosctp.connect("127.0.0.1", port_of(server), configure=give_up_fast,
                                          ostreams=4)
            await fail_backlog(assoc, lossy_lo)
            server.abort_clients()
        else:
            done: "asyncio.Future[None]" = loop.create_future()

            async def handler(assoc: Association) -> None:
                try:
                    await assoc.recv()
                    await fail_backlog(assoc, lossy_lo)
                    done.set_result(None)
                except BaseException as exc:
                    done.set_exception(exc)

            server = await aiosctp.serve(handler, "127.0.0.1", 0, style=side.split()[0],
                                         configure=give_up_fast, ostreams=4)
            cli = lowlevel.sctp_socket()
            cli.setblocking(False)
            try:
                await loop.sock_connect(cli, ("127.0.0.1", port_of(server)))
                lowlevel.sendmsg(cli, b"go")
                await done
            finally:
                cli.close()
        server.close()
        await server.wait_closed()

    run(main())


def test_notifications_backlog_bound_is_reported(
    run: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Past max_notifications unread, the oldest go, counted and logged at
    WARNING on the "aiosctp" logger; the newest are kept."""

    async def main() -> None:
        server = await aiosctp.serve(echo, "127.0.0.1", 0)
        assoc = await aiosctp.connect("127.0.0.1", port_of(server), events=events.ALL,
                                      max_notifications=2)
        for i in range(5):
            await assoc.send(b"m")
            await assoc.recv()
            await asyncio.sleep(0.02)  # a SenderDry each
        assert len(assoc.notifications) == 2
        assert assoc.notifications.dropped >= 3
        # the deque-like view of before: newest last, popleft, clear
        newest = assoc.notifications[-1]
        assert list(assoc.notifications)[-1] is newest
        oldest = assoc.notifications.popleft()
        assert oldest is not newest and len(assoc.notifications) == 1
        assoc.notifications.clear()
        assert not assoc.notifications and assoc.notifications.get_nowait() is None
        await assoc.close()
        server.close()
        await server.wait_closed()

    with caplog.at_level("WARNING", logger="aiosctp"):
        run(main())
    warnings = [r for r in caplog.records if r.name == "aiosctp" and "dropped" in r.message]
    assert warnings and all(r.levelname == "WARNING" for r in warnings)


# ---- send_nowait, recv() ---------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_send_nowait_from_a_callback(run: Callable[..., Any], style: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await aiosctp.serve(echo, "127.0.0.1", 0, style=style)
        async with aiosctp.connect("127.0.0.1", port_of(server)) as assoc:
            loop.call_soon(lambda: assoc.send_nowait(b"cb", stream=2, ppid=46, context=5,
                                                     ttl=1000))
            msg = await assoc.recv()
            assert (msg.data, msg.stream, msg.ppid) == (b"cb", 2, 46)
            for bad in ({"stream": True}, {"ppid": -1}, {"context": 2**32},
                        {"unordered": "yes"}, {"ttl": "1"}):
                with pytest.raises((TypeError, OverflowError)):
                    assoc.send_nowait(b"x", **bad)
            with pytest.raises(ValueError):
                assoc.send_nowait(b"")
            with pytest.raises(ValueError):
                assoc.send_nowait(b"x", stream=10)  # 10 streams: 0..9
        with pytest.raises(AssociationClosed):
            assoc.send_nowait(b"late")
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.parametrize("style", STYLES)
def test_concurrent_recv(run: Callable[..., Any], style: str) -> None:
    """Four tasks in recv() at once: each of 200 messages reaches exactly one
    of them; all four end with AssociationClosed."""

    async def main() -> None:
        loop = asyncio.get_running_loop()

        async def sender(assoc: Association) -> None:
            await assoc.recv()
            for i in range(200):
                await assoc.send(b"%d" % i)

        server = await aiosctp.serve(sender, "127.0.0.1", 0, style=style)
        assoc = await aiosctp.connect("127.0.0.1", port_of(server))
        got: List[List[int]] = [[] for _ in range(4)]

        async def reader(k: int) -> None:
            try:
                while True:
                    got[k].append(int((await assoc.recv()).data))
            except AssociationClosed:
                pass

        tasks = [loop.create_task(reader(k)) for k in range(4)]
        await asyncio.sleep(0)
        two = [loop.create_task(assoc.recv()) for _ in range(2)]
        await asyncio.sleep(0)
        await assoc.send(b"go")
        await assoc.wait_closed()  # the server's handler returns: SHUTDOWN
        await asyncio.gather(*tasks)
        for t in two:
            if not t.done():
                t.cancel()
        results = await asyncio.gather(*two, return_exceptions=True)
        extra = [int(r.data) for r in results if isinstance(r, aiosctp.Message)]
        everything = sorted(sum(got, []) + extra)
        assert everything == list(range(200))
        server.close()
        await server.wait_closed()

    run(main())


# ---- addresses, states -------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_peer_and_local_addresses(run: Callable[..., Any], style: str) -> None:
    async def main() -> None:
        server, got = await serve_one("127.0.0.1", style=style, local_addrs=["127.0.0.2"])
        port = port_of(server)
        assoc = await aiosctp.connect("127.0.0.1", port, local_addrs=["127.0.0.3", "127.0.0.4"])
        srv = await got
        peers: Set[Any] = {a[:2] for a in assoc.peer_addresses}
        assert peers == {("127.0.0.1", port), ("127.0.0.2", port)}
        assert assoc.remote_address[:2] in peers
        locals_ = {a[0] for a in assoc.local_addresses}
        assert locals_ == {"127.0.0.3", "127.0.0.4"}
        assert {a[0] for a in srv.peer_addresses} == locals_
        assert {a[0] for a in srv.local_addresses} == {"127.0.0.1", "127.0.0.2"}
        status = assoc.status()
        assert str(status.state) == "ESTABLISHED" and f"{status.state}" == "ESTABLISHED"
        assert status.state == lowlevel.AssocState.ESTABLISHED
        assert str(status.primary.state) in ("ACTIVE", "UNCONFIRMED")
        await assoc.close()
        assert assoc.peer_addresses == [] and assoc.local_addresses == []
        server.close()
        await server.wait_closed()

    run(main())
