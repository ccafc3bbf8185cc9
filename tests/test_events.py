"""Every notification loopback can trigger, read through aiosctp.lowlevel
and decoded into aiosctp.events, plus the decoder's behaviour on cut-short
and random input."""

from __future__ import annotations

import os
import random
import socket
import struct
import time

import pytest

from aiosctp import _sctp, events, lowlevel as ll
from sctputil import expect, listener, messages, pair

State = events.AssocChangeState


def test_comm_up_then_shutdown_and_shutdown_comp():
    lst = listener()
    ll.subscribe(lst, events.AssocChange, events.Shutdown)
    cli = ll.sctp_socket()
    ll.subscribe(cli, events.AssocChange, events.Shutdown)
    cli.settimeout(10)
    cli.connect(lst.getsockname())
    srv, _ = lst.accept()
    srv.settimeout(10)
    for side in (cli, srv):
        up = ll.recvmsg(side)  # the first thing each side reads
        assert isinstance(up, events.AssocChange) and up.state == State.COMM_UP
        assert up.outbound_streams == 10 and up.inbound_streams == 10 and up.assoc_id > 0
    cli.shutdown(socket.SHUT_WR)
    assert isinstance(expect(srv, events.Shutdown), events.Shutdown)
    down = expect(cli, events.AssocChange)
    assert down.state == State.SHUTDOWN_COMP


def test_comm_lost_when_peer_aborts():
    cli, srv = pair()
    ll.abort(cli)
    lost = expect(srv, events.AssocChange)
    assert lost.state == State.COMM_LOST
    # the cause is "User-Initiated Abort" (12), and the ABORT chunk's error
    # causes come along as info
    assert lost.error == 12
    assert lost.info[:2] == b"\x00\x0c"


def test_sender_dry():
    cli, srv = pair()
    ll.sendmsg(cli, b"x" * 1000)
    assert isinstance(expect(cli, events.SenderDry), events.SenderDry)


def _fill_peer_window(cli: socket.socket, size: int = 1000) -> int:
    """Send until the peer's receive window is closed and a few messages
    wait unsent in cli's queue, leaving room in cli's send buffer; return
    the number of messages sent."""
    n = 0
    while ll.get_status(cli).rwnd > 0:
        ll.sendmsg(cli, b"f" * size, stream=1)
        n += 1
        assert n < 150, ll.get_status(cli)
        time.sleep(0.005)
    for _ in range(3):  # these stay queued behind the closed window
        ll.sendmsg(cli, b"f" * size, stream=1)
    return n + 3


def _small_buffers_pair():
    lst = listener()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    cli = ll.sctp_socket()
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    ll.subscribe(cli)
    cli.settimeout(10)
    cli.connect(lst.getsockname())
    srv, _ = lst.accept()
    srv.settimeout(10)
    ll.set_nodelay(cli)
    expect(cli, events.AssocChange)
    return cli, srv


def _until_closed(sock: socket.socket, bufsize: int = 65536) -> list:
    """Everything sock still delivers after its association died: on a
    one-to-one socket the SendFailed events follow COMM_LOST."""
    items = []
    sock.settimeout(2)
    while True:
        try:
            item = ll.recvmsg(sock, bufsize)
        except (TimeoutError, OSError):
            return items
        if item is None:
            return items
        items.append(item)


def test_send_failed_carries_bytes_when_ttl_expires():
    cli, srv = _small_buffers_pair()
    n = _fill_peer_window(cli)
    marker = b"TTL-EXPIRED-" + os.urandom(20)
    ll.sendmsg(cli, marker, stream=3, ppid=46, ttl=20)
    ll.sendmsg(cli, b"last", stream=1)
    time.sleep(0.3)  # the TTL runs out while the window is closed
    # reading reopens the window: the sender flushes and abandons the marker
    got = [m.data for m in messages(srv, n + 1)]
    assert got == [b"f" * 1000] * n + [b"last"]
    failed = expect(cli, events.SendFailed, limit=1000)
    assert failed.data == marker
    assert failed.sent is False
    assert (failed.info.stream, failed.info.ppid) == (3, 46)


def test_send_failed_carries_bytes_when_peer_aborts():
    cli, srv = _small_buffers_pair()
    n = _fill_peer_window(cli, size=1500)
    assert n > 3
    ll.abort(srv)
    items = _until_closed(cli)
    lost = [i for i in items if isinstance(i, events.AssocChange)]
    fails = [i for i in items if isinstance(i, events.SendFailed)]
    assert [x.state for x in lost] == [State.COMM_LOST]
    # every undelivered message comes back with its bytes
    assert len(fails) >= 3
    assert all(f.data == b"f" * 1500 and f.info.stream == 1 for f in fails)


def _reconf_pair(flags: int):
    lst = listener()
    ll.set_reconfig_supported(lst, True)
    ll.subscribe(lst)
    cli = ll.sctp_socket()
    ll.set_reconfig_supported(cli, True)
    ll.subscribe(cli)
    cli.settimeout(10)
    cli.connect(lst.getsockname())
    srv, _ = lst.accept()
    srv.settimeout(10)
    ll.set_enable_stream_reset(cli, flags)
    ll.set_enable_stream_reset(srv, flags)
    expect(cli, events.AssocChange)
    expect(srv, events.AssocChange)
    return cli, srv


def test_stream_reset_events():
    cli, srv = _reconf_pair(_sctp.SCTP_ENABLE_RESET_STREAM_REQ)
    ll.reset_streams(cli, [1, 2], outgoing=True)
    ev = expect(srv, events.StreamReset)
    assert ev.streams == (1, 2) and ev.flags & _sctp.SCTP_STREAM_RESET_INCOMING_SSN
    ev = expect(cli, events.StreamReset)
    assert ev.streams == (1, 2) and ev.flags & _sctp.SCTP_STREAM_RESET_OUTGOING_SSN


def test_stream_change_event():
    cli, srv = _reconf_pair(_sctp.SCTP_ENABLE_CHANGE_ASSOC_REQ)
    ll.add_streams(cli, outgoing=5)
    # the event counts the streams added; the status shows the new totals
    ev = expect(cli, events.StreamChange)
    assert (ev.outstreams, ev.instreams, ev.flags) == (5, 0, 0)
    ev = expect(srv, events.StreamChange)
    assert (ev.instreams, ev.outstreams) == (5, 0)
    assert ll.get_status(cli).outstreams == 15
    assert ll.get_status(srv).instreams == 15
    ll.sendmsg(cli, b"on a new stream", stream=14)
    assert messages(srv, 1)[0].stream == 14


def test_assoc_reset_event():
    cli, srv = _reconf_pair(_sctp.SCTP_ENABLE_RESET_ASSOC_REQ)
    ll.sendmsg(cli, b"before")
    messages(srv, 1)
    expect(cli, events.SenderDry)
    ll.reset_assoc(cli)
    ev = expect(cli, events.AssocReset)
    assert ev.local_tsn != 0 or ev.remote_tsn != 0
    assert isinstance(expect(srv, events.AssocReset), events.AssocReset)


def test_peer_addr_change_on_new_primary():
    lst = listener(addrs=[("127.0.0.1", 0)])
    port = lst.getsockname()[1]
    ll.bindx(lst, [("127.0.0.2", port)])
    cli = ll.sctp_socket()
    ll.subscribe(cli, events.PeerAddrChange)
    cli.settimeout(10)
    ll.connectx(cli, [("127.0.0.1", port)])
    srv, _ = lst.accept()  # kept: a closed socket would abort the association
    ll.set_primary_addr(cli, ("127.0.0.2", port))
    seen = []
    while not seen or seen[-1].state != events.PeerAddrState.ADDR_MADE_PRIM:
        seen.append(expect(cli, events.PeerAddrChange))
    assert seen[-1].address == ("127.0.0.2", port)


def test_adaptation_indication():
    lst = listener()
    ll.set_adaptation_layer(lst, 0x01020304)
    cli = ll.sctp_socket()
    ll.subscribe(cli, events.AdaptationIndication)
    cli.settimeout(10)
    cli.connect(lst.getsockname())
    ev = expect(cli, events.AdaptationIndication)
    assert ev.adaptation_ind == 0x01020304


def test_auth_key_event_without_peer_auth():
    cli, srv = pair()
    ll.sendmsg(cli, b"x")
    # AUTH is off on the peer: the kernel says so with SCTP_AUTH_NO_AUTH
    lst = listener()
    c = ll.sctp_socket()
    ll.subscribe(c, events.AuthKey)
    c.settimeout(10)
    c.connect(lst.getsockname())
    ev = expect(c, events.AuthKey)
    assert ev.indication == _sctp.SCTP_AUTH_NO_AUTH


def test_notification_longer_than_buffer_is_returned_whole():
    cli, srv = _small_buffers_pair()
    _fill_peer_window(cli, size=3000)
    ll.abort(srv)
    # far smaller than a SendFailed carrying 3000 bytes
    fails = [i for i in _until_closed(cli, bufsize=64) if isinstance(i, events.SendFailed)]
    assert fails and all(f.data == b"f" * 3000 for f in fails)


# ---- the decoder on its own -------------------------------------------------

def _header(ntype: int, length: int) -> bytes:
    return struct.pack("=HHI", ntype, 0, length)


def test_decode_shutdown_and_sender_dry_layouts():
    raw = _header(_sctp.SCTP_SHUTDOWN_EVENT, 12) + struct.pack("=i", 7)
    assert events.decode(raw) == events.Shutdown(assoc_id=7)
    raw = _header(_sctp.SCTP_SENDER_DRY_EVENT, 12) + struct.pack("=i", 9)
    assert events.decode(raw) == events.SenderDry(assoc_id=9)


def test_decode_send_failed_payload_is_bytes():
    info = struct.pack("=HHIIi", 4, 0, socket.htonl(46), 5, 3)
    payload = bytes(range(256))
    # ssf_error: the ABORT's cause code as it came off the wire (big-endian)
    body = struct.pack("=I", socket.htons(1)) + info + struct.pack("=i", 3) + payload
    raw = struct.pack("=HHI", _sctp.SCTP_SEND_FAILED_EVENT, _sctp.SCTP_DATA_SENT,
                      8 + len(body)) + body
    ev = events.decode(raw)
    assert isinstance(ev, events.SendFailed)
    assert ev.data == payload and ev.sent is True and ev.error == 1
    assert ev.info == events.SendInfo(4, 0, 46, 5, 3)


KNOWN = [
    _sctp.SCTP_ASSOC_CHANGE, _sctp.SCTP_PEER_ADDR_CHANGE, _sctp.SCTP_SEND_FAILED,
    _sctp.SCTP_REMOTE_ERROR, _sctp.SCTP_SHUTDOWN_EVENT, _sctp.SCTP_PARTIAL_DELIVERY_EVENT,
    _sctp.SCTP_ADAPTATION_INDICATION, _sctp.SCTP_AUTHENTICATION_EVENT,
    _sctp.SCTP_SENDER_DRY_EVENT, _sctp.SCTP_STREAM_RESET_EVENT,
    _sctp.SCTP_ASSOC_RESET_EVENT, _sctp.SCTP_STREAM_CHANGE_EVENT,
    _sctp.SCTP_SEND_FAILED_EVENT,
]


@pytest.mark.parametrize("ntype", KNOWN)
def test_truncated_notifications_become_unknown(ntype):
    # every known notification has a fixed part of at least 12 bytes
    for n in range(0, 12):
        raw = (_header(ntype, 200) + b"\x00" * 200)[:n]
        ev = events.decode(raw)
        assert isinstance(ev, events.Unknown)
        assert ev.raw == raw
    # the declared length bounds what is read, even when more bytes follow
    raw = _header(ntype, 8) + b"\xff" * 300
    assert isinstance(events.decode(raw), events.Unknown)


def test_unknown_type_and_random_input_never_crash():
    rng = random.Random(1234)
    ev = events.decode(_header(0x9999, 16) + b"abcdefgh")
    assert ev == events.Unknown(0x9999, _header(0x9999, 16) + b"abcdefgh")
    for _ in range(20_000):
        ntype = rng.choice(KNOWN + [rng.randrange(65536)])
        body = rng.randbytes(rng.randrange(0, 300))
        raw = struct.pack("=HHI", ntype, rng.randrange(65536), rng.randrange(2**32)) + body
        raw = raw[: rng.randrange(0, len(raw) + 1)]
        assert isinstance(events.decode(raw), events.Event)
        assert isinstance(events.decode(memoryview(raw)), events.Event)
