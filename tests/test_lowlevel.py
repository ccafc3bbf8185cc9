"""aiosctp.lowlevel against the real kernel SCTP stack: sockets of both
styles, message I/O with stream/PPID/unordered, partial reads, the send
buffer limit, socket modes, IPv6 and v4-mapped addresses, multi-homing,
connectx, peeloff, association ids and batched I/O."""

from __future__ import annotations

import errno
import os
import socket
import time

import pytest

from aiosctp import events, lowlevel as ll
from sctputil import expect, listener, messages, pair


def test_socket_styles():
    s = ll.sctp_socket()
    assert (s.family, s.type, s.proto) == (socket.AF_INET, socket.SOCK_STREAM, ll.IPPROTO_SCTP)
    s.close()
    s = ll.sctp_socket(socket.AF_INET6, "one-to-many")
    assert (s.family, s.type, s.proto) == (socket.AF_INET6, socket.SOCK_SEQPACKET, ll.IPPROTO_SCTP)
    assert ll.get_recvrcvinfo(s) is True
    s.close()
    with pytest.raises(ValueError):
        ll.sctp_socket(style="many-to-one")


def test_streams_ppids_unordered_roundtrip():
    cli, srv = pair()
    sent = [(b"m%d" % i, i % 10, ppid, i % 3 == 0)
            for i, ppid in enumerate([0, 3, 18, 46, 60, 2**31, 2**32 - 1, 1, 27, 7])]
    for data, stream, ppid, unordered in sent:
        assert ll.sendmsg(cli, data, stream=stream, ppid=ppid, unordered=unordered,
                          context=99) == len(data)
    got = {m.data: m for m in messages(srv, len(sent))}
    for data, stream, ppid, unordered in sent:
        m = got[data]
        assert (m.stream, m.ppid, m.unordered, m.complete) == (stream, ppid, unordered, True)
        assert m.assoc_id > 0 and m.tsn > 0
        assert m.from_addr[0] == "127.0.0.1"
        assert m.info.ppid == ppid
    cli.close()
    srv.close()


def test_memoryview_and_bytearray_data():
    cli, srv = pair()
    buf = bytearray(b"abcdefgh")
    assert ll.sendmsg(cli, memoryview(buf)[2:6]) == 4
    assert ll.sendmsg(cli, buf) == 8
    a, b = messages(srv, 2)
    assert (a.data, b.data) == (b"cdef", b"abcdefgh")


def test_message_larger_than_read_arrives_in_parts():
    cli, srv = pair()
    payload = os.urandom(50_000)
    ll.sendmsg(cli, payload, stream=2, ppid=5)
    parts = []
    while True:
        m = expect(srv, ll.Message, bufsize=8192)
        parts.append(m)
        if m.complete:
            break
    assert len(parts) == 7  # 6 x 8192 + 848
    assert all(not p.complete for p in parts[:-1])
    assert all((p.stream, p.ppid) == (2, 5) for p in parts)
    assert b"".join(p.data for p in parts) == payload


def test_message_larger_than_send_buffer_says_so():
    cli, srv = pair()
    sndbuf = cli.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    with pytest.raises(OSError) as info:
        ll.sendmsg(cli, b"x" * (sndbuf + 1000))
    assert info.value.errno == errno.EMSGSIZE
    assert "SO_SNDBUF" in str(info.value) and "wmem_max" in str(info.value)
    # the association is unharmed
    ll.sendmsg(cli, b"after")
    assert messages(srv, 1)[0].data == b"after"


def test_nonblocking_and_timeout_modes():
    cli, srv = pair(subscribe=False)
    srv.setblocking(False)
    with pytest.raises(BlockingIOError):
        ll.recvmsg(srv)
    srv.settimeout(0.3)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        ll.recvmsg(srv)
    assert time.monotonic() - t0 >= 0.25
    # a full nonblocking sender gets BlockingIOError, never a partial message
    cli.setblocking(False)
    n = 0
    with pytest.raises(BlockingIOError):
        for n in range(100_000):
            ll.sendmsg(cli, b"y" * 4096)
    assert n > 10
    srv.settimeout(10)
    got = messages(srv, n)
    assert all(m.data == b"y" * 4096 for m in got)


def test_blocking_recv_waits_for_data():
    import threading
    cli, srv = pair()
    srv.settimeout(None)
    timer = threading.Timer(0.2, ll.sendmsg, (cli, b"late"))
    timer.start()
    m = expect(srv, ll.Message)
    assert m.data == b"late"
    timer.join()


def test_eof_on_one_to_one_returns_none():
    cli, srv = pair(subscribe=False)
    cli.shutdown(socket.SHUT_WR)
    assert ll.recvmsg(srv) is None


def test_ipv6_and_v4_mapped():
    cli, srv = pair(socket.AF_INET6)
    ll.sendmsg(cli, b"six", ppid=60)
    m = messages(srv, 1)[0]
    assert m.from_addr[0] == "::1" and len(m.from_addr) == 4 and m.ppid == 60
    # an IPv4 peer seen on an AF_INET6 socket as v4-mapped
    lst = ll.sctp_socket(socket.AF_INET6)
    lst.bind(("::", 0))
    lst.listen()
    ll.set_mapped_v4(lst, True)
    c4 = ll.sctp_socket(socket.AF_INET)
    c4.connect(("127.0.0.1", lst.getsockname()[1]))
    s6, addr = lst.accept()
    assert addr[0] == "::ffff:127.0.0.1"
    assert ll.getpaddrs(s6)[0][0] == "::ffff:127.0.0.1"
    ll.sendmsg(c4, b"mapped")
    s6.settimeout(5)
    m = messages(s6, 1)[0]
    assert m.data == b"mapped" and m.from_addr[0] == "::ffff:127.0.0.1"


def test_multihoming_bindx_getpaddrs_and_peer_addr_change():
    lst = listener(addrs=[("127.0.0.1", 0)])
    port = lst.getsockname()[1]
    ll.bindx(lst, [("127.0.0.2", port), ("127.0.0.3", port)])
    assert sorted(a[0] for a in ll.getladdrs(lst)) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    cli = ll.sctp_socket()
    ll.subscribe(cli, events.AssocChange, events.PeerAddrChange)
    cli.settimeout(10)
    assoc = ll.connectx(cli, [("127.0.0.1", port), ("127.0.0.2", port)])
    assert assoc > 0
    srv, _ = lst.accept()
    peers = sorted(a[0] for a in ll.getpaddrs(cli))
    assert peers == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert expect(cli, events.AssocChange).state == events.AssocChangeState.COMM_UP
    # the server drops an address: ASCONF needs sysctl; removing it with
    # bindx on an established association is refused or announced
    ll.bindx(lst, [("127.0.0.3", port)], add=False)
    assert "127.0.0.3" not in [a[0] for a in ll.getladdrs(lst)]
    # a path made primary is announced to the subscriber
    ll.set_primary_addr(cli, ("127.0.0.2", port))
    seen = []
    while not seen or seen[-1].state != events.PeerAddrState.ADDR_MADE_PRIM:
        seen.append(expect(cli, events.PeerAddrChange))
    assert seen[-1].address[0] == "127.0.0.2"
    assert ll.get_status(cli).primary.address[0] == "127.0.0.2"


def test_connectx_nonblocking_returns_assoc_id_in_progress():
    lst = listener()
    cli = ll.sctp_socket()
    cli.setblocking(False)
    assoc = ll.connectx(cli, [lst.getsockname()])
    assert assoc > 0
    srv, _ = lst.accept()
    import select
    _, w, _ = select.select([], [cli], [], 5)
    assert w == [cli]
    assert cli.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    assert ll.get_status(cli).assoc_id == assoc


def test_connectx_refused():
    lst = listener()
    port = lst.getsockname()[1]
    lst.close()
    cli = ll.sctp_socket()
    cli.settimeout(10)
    with pytest.raises(ConnectionRefusedError):
        ll.connectx(cli, [("127.0.0.1", port)])


def test_one_to_many_ids_peeloff_and_eof():
    srv = listener(style="one-to-many")
    ll.subscribe(srv, events.AssocChange)
    port = srv.getsockname()[1]
    clients = []
    for i in range(3):
        c = ll.sctp_socket(style="one-to-many")
        ll.subscribe(c, events.AssocChange, events.Shutdown)
        ll.sendmsg(c, b"hi %d" % i, ppid=18, stream=1, to=("127.0.0.1", port))
        clients.append(c)
    srv.settimeout(10)
    ups, msgs = [], []
    while len(ups) < 3 or len(msgs) < 3:
        item = ll.recvmsg(srv)
        (msgs if isinstance(item, ll.Message) else ups).append(item)
    assert {u.state for u in ups} == {events.AssocChangeState.COMM_UP}
    ids = sorted(ll.get_assoc_ids(srv))
    assert ids == sorted(u.assoc_id for u in ups)
    assert sorted(m.data for m in msgs) == [b"hi 0", b"hi 1", b"hi 2"]
    assert {m.assoc_id for m in msgs} == set(ids)
    # reply on one association by id, from the one-to-many socket
    first = next(m for m in msgs if m.data == b"hi 0")
    ll.sendmsg(srv, b"reply", assoc_id=first.assoc_id, ppid=18)
    clients[0].settimeout(10)
    assert messages(clients[0], 1)[0].data == b"reply"
    # peel one association off into its own one-to-one socket
    second = next(m for m in msgs if m.data == b"hi 1")
    peeled = ll.peeloff(srv, second.assoc_id)
    assert peeled.type == socket.SOCK_STREAM and peeled.gettimeout() == 10
    assert second.assoc_id not in ll.get_assoc_ids(srv)
    ll.sendmsg(peeled, b"from peeled")
    clients[1].settimeout(10)
    assert messages(clients[1], 1)[0].data == b"from peeled"
    # graceful shutdown of an association of a one-to-many socket
    cid = ll.get_assoc_ids(clients[2])[0]
    ll.sendmsg(clients[2], b"", eof=True, assoc_id=cid)
    states = []
    while events.AssocChangeState.SHUTDOWN_COMP not in states:
        states.append(expect(clients[2], events.AssocChange).state)
    assert states == [events.AssocChangeState.COMM_UP, events.AssocChangeState.SHUTDOWN_COMP]
    peeled.close()


def test_peeloff_does_not_leak_descriptors():
    srv = listener(style="one-to-many")
    port = srv.getsockname()[1]
    srv.settimeout(10)
    before = len(os.listdir("/proc/self/fd"))
    for i in range(20):
        c = ll.sctp_socket(style="one-to-many")
        ll.sendmsg(c, b"x", to=("127.0.0.1", port))
        m = messages(srv, 1)[0]
        p = ll.peeloff(srv, m.assoc_id)
        p.close()
        c.close()
    assert len(os.listdir("/proc/self/fd")) == before
    with pytest.raises(OSError) as info:
        ll.peeloff(srv, 123456)
    assert info.value.errno == errno.EINVAL


def test_batched_send_and_receive_keep_boundaries_and_info():
    cli, srv = pair(subscribe=False)
    batch = [(b"b%03d" % i, i % 5, 100 + i) for i in range(40)]
    sent = 0
    while sent < len(batch):
        sent += ll.sendmsgs(cli, batch[sent:])
    got = []
    srv.settimeout(10)
    while len(got) < 40:
        try:
            got.extend(ll.recvmsgs(srv, max_messages=16))
        except BlockingIOError:
            time.sleep(0.01)
    assert [(m.data, m.stream, m.ppid) for m in got] == batch
    assert all(m.complete for m in got)


def test_address_names_are_resolved():
    lst = listener()
    cli = ll.sctp_socket()
    cli.settimeout(10)
    ll.connectx(cli, [("localhost", lst.getsockname()[1])])
    srv, _ = lst.accept()
    ll.sendmsg(cli, b"named")
    srv.settimeout(10)
    assert messages(srv, 1)[0].data == b"named"


def test_mixed_ipv4_ipv6_address_lists():
    lst = ll.sctp_socket(socket.AF_INET6)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ll.bindx(lst, [("::1", 0)])
    port = lst.getsockname()[1]
    ll.bindx(lst, [("127.0.0.1", port), ("127.0.0.2", port)])
    # an AF_INET6 socket reports IPv4 addresses v4-mapped (the kernel's
    # default for SCTP_I_WANT_MAPPED_V4_ADDR)
    local = sorted(a[0].replace("::ffff:", "") for a in ll.getladdrs(lst))
    assert local == ["127.0.0.1", "127.0.0.2", "::1"]
    lst.listen()
    cli = ll.sctp_socket(socket.AF_INET6)
    cli.settimeout(10)
    # one IPv4 and one IPv6 address of the same peer, in one connectx
    assoc = ll.connectx(cli, [("127.0.0.2", port), ("::1", port, 0, 0)])
    assert assoc > 0
    srv, _ = lst.accept()
    peers = {a[0].replace("::ffff:", "") for a in ll.getpaddrs(cli)}
    assert {"127.0.0.1", "127.0.0.2", "::1"} <= peers
    ll.sendmsg(cli, b"mixed")
    srv.settimeout(10)
    assert messages(srv, 1)[0].data == b"mixed"


def test_many_ipv6_addresses_in_one_bindx():
    # no fixed-size buffer: 40 IPv6 addresses in one call (PySCTP 0.7.3
    # overflowed its buffer on one); the kernel reads them all and refuses
    # the duplicates after binding the first
    s = ll.sctp_socket(socket.AF_INET6)
    with pytest.raises(OSError) as info:
        ll.bindx(s, [("::1", 0, 0, 0)] * 40)
    assert info.value.errno == errno.EINVAL
    assert [a[0] for a in ll.getladdrs(s)] == ["::1"]
