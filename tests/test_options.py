"""The typed SCTP socket options (aiosctp.options, ext/sockopt.c) against the
real kernel: set-then-get round trips, the effects the options have on live
associations over loopback, and the errors bad input gives.

Needs kernel SCTP: run inside the sandbox, e.g.
``make test`` or ``.venv/bin/aiosctp-sandbox -- .venv/bin/python -m pytest tests/test_options.py``.
The guest has 127.0.0.1-127.0.0.4 on lo (multi-homing) and IPv6 ::1.
"""

from __future__ import annotations

import errno
import socket
import struct
import time
import tracemalloc
from contextlib import contextmanager
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

import pytest

from aiosctp import _sctp
from aiosctp import options as o

S = socket
MSG_NOTIFICATION = 0x8000

SCTP_RCVINFO = 3  # cmsg types (linux/sctp.h enum sctp_cmsg_type)
SCTP_NXTINFO = 4

Sockets = Callable[..., socket.socket]


# ---- helpers -----------------------------------------------------------------


@pytest.fixture
def mk() -> Iterator[Sockets]:
    """mk(family=AF_INET, kind=SOCK_STREAM) -> a new SCTP socket, closed at teardown."""
    made: List[socket.socket] = []

    def make(family: int = S.AF_INET, kind: int = S.SOCK_STREAM) -> socket.socket:
        s = S.socket(family, kind, S.IPPROTO_SCTP)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


class Pair:
    def __init__(self, cli: socket.socket, acc: socket.socket, port: int, cport: int) -> None:
        self.cli = cli
        self.acc = acc
        self.port = port
        self.cport = cport


@contextmanager
def sctp_pair(
    prep: Optional[Callable[[socket.socket], None]] = None,
    *,
    prep_server: Optional[Callable[[socket.socket], None]] = None,
    prep_client: Optional[Callable[[socket.socket], None]] = None,
    server_addrs: Sequence[str] = ("127.0.0.1",),
    client_addrs: Sequence[str] = (),
    family: int = S.AF_INET,
    server_family: Optional[int] = None,
) -> Iterator[Pair]:
    """A connected one-to-one pair over loopback. ``prep`` runs on both
    sockets before bind/connect (then prep_server/prep_client)."""
    sfam = server_family or family
    srv = S.socket(sfam, S.SOCK_STREAM, S.IPPROTO_SCTP)
    cli = S.socket(family, S.SOCK_STREAM, S.IPPROTO_SCTP)
    acc: Optional[socket.socket] = None
    try:
        for sock, extra in ((srv, prep_server), (cli, prep_client)):
            if prep:
                prep(sock)
            if extra:
                extra(sock)
        srv.bind((server_addrs[0], 0))
        port = srv.getsockname()[1]
        if len(server_addrs) > 1:
            _sctp.bindx(srv.fileno(), sfam, [(a, port) for a in server_addrs[1:]],
                        _sctp.SCTP_BINDX_ADD_ADDR)
        cport = 0
        if client_addrs:
            cli.bind((client_addrs[0], 0))
            cport = cli.getsockname()[1]
            if len(client_addrs) > 1:
                _sctp.bindx(cli.fileno(), family, [(a, cport) for a in client_addrs[1:]],
                            _sctp.SCTP_BINDX_ADD_ADDR)
        srv.listen(5)
        cli.settimeout(10)
        cli.connect((server_addrs[0], port))
        cli.settimeout(None)
        srv.settimeout(10)
        acc, _ = srv.accept()
        acc.settimeout(None)
        cport = cport or cli.getsockname()[1]
        yield Pair(cli, acc, port, cport)
    finally:
        for s in (cli, acc, srv):
            if s is not None:
                s.close()


def one_to_many_with_a_client(mk: Sockets) -> Tuple[socket.socket, socket.socket, int]:
    """(listening one-to-many socket, its one-to-one client, the association's id)."""
    m = mk(S.AF_INET, S.SOCK_SEQPACKET)
    m.bind(("127.0.0.1", 0))
    m.listen(5)
    c = mk()
    c.connect(m.getsockname())
    assert wait_for(lambda: len(_sctp.get_assoc_ids(m.fileno())) == 1, 2)
    (aid,) = _sctp.get_assoc_ids(m.fileno())
    return m, c, aid


def assert_set_get(s: socket.socket, name: str, initial: int, *steps: Tuple[int, int]) -> None:
    """``o.get_<name>(s)`` is ``initial``, then after each ``o.set_<name>(s, value)``
    of ``steps`` (value, expected) it is ``expected``."""
    get = getattr(o, "get_" + name)
    put = getattr(o, "set_" + name)
    assert get(s) == initial
    for value, expected in steps:
        put(s, value)
        assert get(s) == expected


def recv_event(sock: socket.socket, etype: int, timeout: float = 3.0) -> bytes:
    """Skip other notifications until one of type ``etype`` arrives."""
    deadline = time.monotonic() + timeout
    while True:
        got, raw = recv_notification(sock, max(0.01, deadline - time.monotonic()))
        if got == etype:
            return raw


def recv_notification(sock: socket.socket, timeout: float = 3.0) -> Tuple[int, bytes]:
    """The next message, which must be a notification: (type, raw bytes)."""
    sock.settimeout(timeout)
    try:
        data, _anc, flags, _addr = sock.recvmsg(65536)
    finally:
        sock.settimeout(None)
    assert flags & MSG_NOTIFICATION, f"expected a notification, got data {data!r}"
    return struct.unpack_from("=H", data)[0], data


def expect_errno(err: int, *calls: Callable[[], object]) -> None:
    """Each call raises the OSError of errno ``err``."""
    for call in calls:
        with pytest.raises(OSError) as e:
            call()
        assert e.value.errno == err, call


def wait_for(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def write_sysctl(name: str, value: str) -> str:
    path = f"/proc/sys/net/sctp/{name}"
    with open(path) as f:
        old = f.read().strip()
    with open(path, "w") as f:
        f.write(value)
    return old


def cmsgs(anc: List[Tuple[int, int, bytes]]) -> dict[int, bytes]:
    return {ctype: cdata for level, ctype, cdata in anc if level == S.IPPROTO_SCTP}


# ---- constants and enums ----------------------------------------------------------


def test_constants_match_linux_header() -> None:
    # values from /usr/include/linux/sctp.h
    assert (_sctp.SCTP_RTOINFO, _sctp.SCTP_STATUS, _sctp.SCTP_EVENT) == (0, 14, 127)
    assert _sctp.SCTP_PEER_ADDR_THLDS_V2 == 37
    assert _sctp.SCTP_REMOTE_UDP_ENCAPS_PORT == 132
    assert _sctp.SCTP_PLPMTUD_PROBE_INTERVAL == 133
    assert (_sctp.SPP_HB_ENABLE, _sctp.SPP_DSCP, _sctp.SPP_HB) == (1, 1 << 9, 3)
    assert (_sctp.SCTP_PR_SCTP_TTL, _sctp.SCTP_PR_SCTP_PRIO, _sctp.SCTP_PR_SCTP_ALL) == (
        0x10, 0x30, 0x80)
    assert _sctp.SCTP_ENABLE_STRRESET_MASK == 7
    assert (_sctp.SCTP_STREAM_RESET_INCOMING, _sctp.SCTP_STREAM_RESET_OUTGOING) == (1, 2)
    assert (_sctp.SCTP_SS_FCFS, _sctp.SCTP_SS_PRIO, _sctp.SCTP_SS_RR) == (0, 1, 2)
    assert (_sctp.SCTP_AUTH_HMAC_ID_SHA1, _sctp.SCTP_AUTH_HMAC_ID_SHA256) == (1, 3)
    assert (_sctp.SCTP_EMPTY, _sctp.SCTP_ESTABLISHED, _sctp.SCTP_SHUTDOWN_ACK_SENT) == (0, 4, 8)
    assert (_sctp.SCTP_INACTIVE, _sctp.SCTP_PF, _sctp.SCTP_ACTIVE,
            _sctp.SCTP_UNCONFIRMED, _sctp.SCTP_UNKNOWN) == (0, 1, 2, 3, 0xFFFF)
    assert [m.name for m in o.AssocState] == [
        "EMPTY", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_PENDING", "SHUTDOWN_SENT", "SHUTDOWN_RECEIVED", "SHUTDOWN_ACK_SENT"]
    assert list(o.AssocState) == list(range(9))


def test_unknown_enum_values_are_kept() -> None:
    st = o.AssocState(99)
    assert isinstance(st, o.AssocState) and st == 99 and st.name == "UNKNOWN_99"
    assert o.AddrState(2) is o.AddrState.ACTIVE
    with pytest.raises(ValueError):
        o.AssocState("x")  # type: ignore[arg-type]


def test_all_exports_exist() -> None:
    missing = [n for n in o.__all__ if not hasattr(o, n)]
    assert missing == []
    assert len(set(o.__all__)) == len(o.__all__)


# ---- plain int / bool options ------------------------------------------------------


BOOL_OPTIONS = [
    ("nodelay", S.AF_INET, False),
    ("disable_fragments", S.AF_INET, False),
    ("mapped_v4", S.AF_INET6, True),
    ("recvrcvinfo", S.AF_INET, False),
    ("recvnxtinfo", S.AF_INET, False),
    ("reuse_port", S.AF_INET, False),
]


@pytest.mark.parametrize("name,family,default", BOOL_OPTIONS)
def test_bool_option_round_trip(mk: Sockets, name: str, family: int, default: bool) -> None:
    s = mk(family)
    get = getattr(o, "get_" + name)
    put = getattr(o, "set_" + name)
    assert get(s) is default
    put(s, not default)
    assert get(s) is (not default)
    put(s, default)
    assert get(s) is default
    put(s)  # the default argument is "on"
    assert get(s) is True


def test_fragment_interleave_levels(mk: Sockets) -> None:
    # 2 reads back as 1: Linux keeps only on/off
    assert_set_get(mk(), "fragment_interleave", 0, (1, 1), (0, 0), (2, 1))


def test_partial_delivery_point(mk: Sockets) -> None:
    s = mk()
    o.set_partial_delivery_point(s, 1000)
    assert o.get_partial_delivery_point(s) == 1000
    # at most half the receive buffer
    rcvbuf = s.getsockopt(S.SOL_SOCKET, S.SO_RCVBUF)
    o.set_partial_delivery_point(s, rcvbuf // 2)
    assert o.get_partial_delivery_point(s) == rcvbuf // 2
    with pytest.raises(OSError) as e:
        o.set_partial_delivery_point(s, rcvbuf // 2 + 1)
    assert e.value.errno == errno.EINVAL


def test_autoclose_closes_idle_associations(mk: Sockets) -> None:
    one = mk()
    with pytest.raises(OSError) as e:
        o.set_autoclose(one, 5)
    assert e.value.errno == errno.EOPNOTSUPP
    m = mk(S.AF_INET, S.SOCK_SEQPACKET)
    assert o.get_autoclose(m) == 0
    o.set_autoclose(m, 7)
    assert o.get_autoclose(m) == 7
    o.set_autoclose(m, 1)
    m.bind(("127.0.0.1", 0))
    m.listen(5)
    assert o.get_assoc_number(m) == 0
    c = mk()
    c.connect(m.getsockname())
    assert wait_for(lambda: o.get_assoc_number(m) == 1, 2)
    # idle for a second: the kernel shuts the association down
    assert wait_for(lambda: o.get_assoc_number(m) == 0, 5)


def test_assoc_number_needs_one_to_many(mk: Sockets) -> None:
    with pytest.raises(OSError) as e:
        o.get_assoc_number(mk())
    assert e.value.errno == errno.EOPNOTSUPP


def test_auto_asconf_needs_wildcard_bind(mk: Sockets) -> None:
    s = mk()
    with pytest.raises(OSError) as e:
        o.set_auto_asconf(s, True)
    assert e.value.errno == errno.EINVAL
    assert o.get_auto_asconf(s) is False
    s.bind(("0.0.0.0", 0))
    o.set_auto_asconf(s, True)
    assert o.get_auto_asconf(s) is True
    o.set_auto_asconf(s, False)
    assert o.get_auto_asconf(s) is False


def test_reuse_port_lets_two_sockets_bind_one_port(mk: Sockets) -> None:
    a, b = mk(), mk()
    a.bind(("127.0.0.1", 0))
    with pytest.raises(OSError) as e:
        b.bind(a.getsockname())
    assert e.value.errno == errno.EADDRINUSE
    c, d = mk(), mk()
    o.set_reuse_port(c)
    o.set_reuse_port(d)
    c.bind(("127.0.0.1", 0))
    d.bind(c.getsockname())
    assert d.getsockname() == c.getsockname()
    with pytest.raises(OSError) as e:
        o.set_reuse_port(mk(S.AF_INET, S.SOCK_SEQPACKET))
    assert e.value.errno == errno.EOPNOTSUPP


# ---- struct sctp_assoc_value options ---------------------------------------------------


@pytest.mark.parametrize(
    "name,default,values",
    [
        ("maxseg", 0, [1000, 0]),
        ("max_burst", 4, [8, 0]),
        ("context", 0, [0xDEADBEEF, 2**32 - 1, 0]),
        ("pr_supported", True, [False, True]),
        ("reconfig_supported", False, [True, False]),
        ("ecn_supported", True, [False, True]),
        ("asconf_supported", False, [True, False]),
        ("auth_supported", False, [True, False]),
        ("expose_pf_state", o.PfExpose.UNSET, [o.PfExpose.ENABLE, o.PfExpose.DISABLE]),
        ("enable_stream_reset", o.StreamResetFlags.NONE,
         [o.StreamResetFlags.ALL, o.StreamResetFlags.RESET_ASSOC_REQ]),
        ("stream_scheduler", o.StreamScheduler.FCFS,
         [o.StreamScheduler.PRIO, o.StreamScheduler.RR, o.StreamScheduler.FCFS]),
    ],
)
def test_assoc_value_round_trip(mk: Sockets, name: str, default: Any, values: List[Any]) -> None:
    s = mk()
    get = getattr(o, "get_" + name)
    put = getattr(o, "set_" + name)
    assert get(s) == default
    assert type(get(s)) is type(default)
    for v in values:
        put(s, v)
        assert get(s) == v
        assert get(s, 0) == v


def test_assoc_value_options_on_an_association(mk: Sockets) -> None:
    with sctp_pair(lambda x: o.set_maxseg(x, 1200)) as p:
        assert 0 < o.get_maxseg(p.cli) <= 1200
        assert o.get_status(p.cli).fragmentation_point <= 1200
        o.set_context(p.cli, 77)
        assert o.get_context(p.cli) == 77
        o.set_max_burst(p.cli, 3)
        assert o.get_max_burst(p.cli) == 3
        # one-to-many: the association's own value, selected by id
    m, c, aid = one_to_many_with_a_client(mk)
    o.set_context(m, 5, assoc_id=aid)
    assert o.get_context(m, assoc_id=aid) == 5
    assert o.get_context(m) == 0  # the endpoint kept its own
    with pytest.raises(OSError) as e:
        o.get_context(m, assoc_id=aid + 1000)
    assert e.value.errno == errno.EINVAL


def test_invalid_assoc_values_are_refused(mk: Sockets) -> None:
    s = mk()
    expect_errno(errno.EINVAL,
        lambda: o.set_stream_scheduler(s, 3),  # no such scheduler in 6.1
        lambda: o.set_expose_pf_state(s, 3),
        lambda: o.set_maxseg(s, 100),  # below the minimum segment
    )


def test_interleaving_needs_sysctl_and_fragment_interleave(mk: Sockets) -> None:
    s = mk()
    old = write_sysctl("intl_enable", "0")
    try:
        o.set_fragment_interleave(s, 2)
        with pytest.raises(PermissionError):
            o.set_interleaving_supported(s, True)
        write_sysctl("intl_enable", "1")
        t = mk()
        with pytest.raises(PermissionError):  # fragment interleave still off
            o.set_interleaving_supported(t, True)
        o.set_interleaving_supported(s, True)
        assert o.get_interleaving_supported(s) is True
        o.set_interleaving_supported(s, False)
        assert o.get_interleaving_supported(s) is False
    finally:
        write_sysctl("intl_enable", old)


# ---- INITMSG and STATUS ------------------------------------------------------------------


def test_set_events_keeps_the_receive_info_byte(mk: Sockets) -> None:
    """set_events() sets exactly the notifications asked for and leaves
    data_io (each message's SCTP_SNDRCV, which the aiosctp transports use
    as their receive information) as it was, on or off."""
    s = mk()
    for data_io in (1, 0):
        sub = bytearray(14)
        sub[0] = data_io
        s.setsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, bytes(sub))
        o.set_events(s, [_sctp.SCTP_ASSOC_CHANGE, _sctp.SCTP_SHUTDOWN_EVENT])
        got = s.getsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, 14)
        assert got[0] == data_io
        assert o.get_event(s, _sctp.SCTP_ASSOC_CHANGE)
        assert o.get_event(s, _sctp.SCTP_SHUTDOWN_EVENT)
        assert not o.get_event(s, _sctp.SCTP_PEER_ADDR_CHANGE)


def test_initmsg_round_trip(mk: Sockets) -> None:
    s = mk()
    im = o.get_initmsg(s)
    assert isinstance(im, o.InitMsg) and im.ostreams == 10 and im.max_attempts > 0
    o.set_initmsg(s, ostreams=7, instreams=9, max_attempts=3, max_init_timeo=1000)
    assert o.get_initmsg(s) == o.InitMsg(7, 9, 3, 1000)
    o.set_initmsg(s, ostreams=12)  # zeros keep the other values
    assert o.get_initmsg(s) == o.InitMsg(12, 9, 3, 1000)


def test_initmsg_streams_seen_in_status() -> None:
    with sctp_pair(
        prep_client=lambda x: o.set_initmsg(x, ostreams=7, instreams=9),
        prep_server=lambda x: o.set_initmsg(x, ostreams=3, instreams=20),
    ) as p:
        c, a = o.get_status(p.cli), o.get_status(p.acc)
        assert (c.outstreams, c.instreams) == (7, 3)
        assert (a.outstreams, a.instreams) == (3, 7)
    # the peer's instreams limit caps our outgoing streams
    with sctp_pair(
        prep_client=lambda x: o.set_initmsg(x, ostreams=30),
        prep_server=lambda x: o.set_initmsg(x, instreams=5),
    ) as p:
        assert o.get_status(p.cli).outstreams == 5


def test_status_fields(mk: Sockets) -> None:
    with pytest.raises(OSError) as e:
        o.get_status(mk())  # not connected
    assert e.value.errno == errno.EINVAL
    with sctp_pair() as p:
        st = o.get_status(p.cli)
        assert isinstance(st, o.Status)
        assert st.state is o.AssocState.ESTABLISHED
        assert st.assoc_id > 0 and st.primary.assoc_id == st.assoc_id
        assert st.rwnd > 0 and st.unackdata == 0 and st.penddata == 0
        assert 0 < st.fragmentation_point < st.primary.mtu
        assert st.primary.address == ("127.0.0.1", p.port)
        assert st.primary.state is o.AddrState.ACTIVE
        assert st.primary.cwnd > 0 and st.primary.rto > 0
        assert o.get_status(p.acc).primary.address == ("127.0.0.1", p.cport)
        # assoc_id is ignored on a one-to-one socket
        assert o.get_status(p.cli, 12345).assoc_id == st.assoc_id


def test_status_on_one_to_many(mk: Sockets) -> None:
    m, c, aid = one_to_many_with_a_client(mk)
    st = o.get_status(m, aid)
    assert st.assoc_id == aid and st.state is o.AssocState.ESTABLISHED
    assert st.primary.address == c.getsockname()
    with pytest.raises(OSError) as e:
        o.get_status(m)  # assoc_id 0 names no association
    assert e.value.errno == errno.EINVAL


def test_peer_addr_info() -> None:
    with sctp_pair() as p:
        info = o.get_peer_addr_info(p.cli, ("127.0.0.1", p.port))
        assert info == o.get_status(p.cli).primary
        assert o.get_peer_addr_info(p.cli, ("localhost", p.port)).address == (
            "127.0.0.1", p.port)
        with pytest.raises(OSError) as e:
            o.get_peer_addr_info(p.cli, ("127.0.0.9", p.port))
        assert e.value.errno == errno.EINVAL


def test_rtt_measured_after_data() -> None:
    with sctp_pair() as p:
        o.set_nodelay(p.cli)
        o.set_nodelay(p.acc)
        assert o.get_status(p.cli).primary.rto == o.get_rtoinfo(p.cli).initial
        p.acc.settimeout(3)
        for _ in range(20):
            p.cli.send(b"a")
            p.acc.recv(10)
        info = o.get_status(p.cli).primary
        # a loopback RTT is tiny: the RTO falls to rto_min (ms); srtt is in
        # kernel ticks on Linux and stays near 0
        assert info.rto == o.get_rtoinfo(p.cli).min
        assert info.srtt < 10


# ---- events --------------------------------------------------------------------------------


ALL_EVENTS = [
    _sctp.SCTP_ASSOC_CHANGE, _sctp.SCTP_PEER_ADDR_CHANGE, _sctp.SCTP_SEND_FAILED,
    _sctp.SCTP_REMOTE_ERROR, _sctp.SCTP_SHUTDOWN_EVENT, _sctp.SCTP_PARTIAL_DELIVERY_EVENT,
    _sctp.SCTP_ADAPTATION_INDICATION, _sctp.SCTP_AUTHENTICATION_EVENT,
    _sctp.SCTP_SENDER_DRY_EVENT, _sctp.SCTP_STREAM_RESET_EVENT, _sctp.SCTP_ASSOC_RESET_EVENT,
    _sctp.SCTP_STREAM_CHANGE_EVENT, _sctp.SCTP_SEND_FAILED_EVENT,
]


@pytest.mark.parametrize("event", ALL_EVENTS)
def test_event_round_trip(mk: Sockets, event: int) -> None:
    s = mk()
    assert o.get_event(s, event) is False
    o.set_event(s, event, True)
    assert o.get_event(s, event) is True
    others = [e for e in ALL_EVENTS if e != event]
    assert not any(o.get_event(s, e) for e in others)
    o.set_event(s, event, False)
    assert o.get_event(s, event) is False


def test_unknown_event_type_is_refused(mk: Sockets) -> None:
    with pytest.raises(OSError) as e:
        o.set_event(mk(), 5, True)
    assert e.value.errno == errno.EINVAL


def test_assoc_change_notification_follows_subscription() -> None:
    with sctp_pair(lambda x: o.set_event(x, _sctp.SCTP_ASSOC_CHANGE, True)) as p:
        etype, raw = recv_notification(p.cli)
        assert etype == _sctp.SCTP_ASSOC_CHANGE
        _t, _f, _len, state, _err, outs, ins, aid = struct.unpack_from("=HHIHHHHi", raw)
        assert state == _sctp.SCTP_COMM_UP
        st = o.get_status(p.cli)
        assert (outs, ins, aid) == (st.outstreams, st.instreams, st.assoc_id)
        assert recv_notification(p.acc)[0] == _sctp.SCTP_ASSOC_CHANGE  # inherited
    with sctp_pair() as p:  # not subscribed: the first message is data
        p.acc.send(b"data")
        p.cli.settimeout(3)
        data, _anc, flags, _ = p.cli.recvmsg(100)
        assert data == b"data" and not flags & MSG_NOTIFICATION


def test_adaptation_layer_reaches_the_peer(mk: Sockets) -> None:
    s = mk()
    assert o.get_adaptation_layer(s) == 0
    o.set_adaptation_layer(s, 0xFFFFFFFF)
    assert o.get_adaptation_layer(s) == 0xFFFFFFFF
    with sctp_pair(
        prep_server=lambda x: o.set_adaptation_layer(x, 0x01020304),
        prep_client=lambda x: o.set_event(x, _sctp.SCTP_ADAPTATION_INDICATION, True),
    ) as p:
        etype, raw = recv_notification(p.cli)
        assert etype == _sctp.SCTP_ADAPTATION_INDICATION
        _t, _f, _len, ind, aid = struct.unpack_from("=HHIIi", raw)
        assert ind == 0x01020304 and aid == o.get_status(p.cli).assoc_id


# ---- RTOINFO, ASSOCINFO, DELAYED_SACK ---------------------------------------------------------


def test_rtoinfo(mk: Sockets) -> None:
    s = mk()
    assert o.get_rtoinfo(s) == o.RtoInfo(3000, 60000, 1000)
    o.set_rtoinfo(s, initial=1500, max=30000, min=500)
    assert o.get_rtoinfo(s) == o.RtoInfo(1500, 30000, 500)
    o.set_rtoinfo(s, initial=2000)  # zeros keep values
    assert o.get_rtoinfo(s) == o.RtoInfo(2000, 30000, 500)
    with pytest.raises(OSError) as e:
        o.set_rtoinfo(s, max=400)  # below min
    assert e.value.errno == errno.EINVAL
    assert o.get_rtoinfo(s) == o.RtoInfo(2000, 30000, 500)
    # new associations inherit the endpoint's values
    with sctp_pair(lambda x: o.set_rtoinfo(x, initial=1500, max=30000, min=500)) as p:
        assert o.get_rtoinfo(p.cli) == o.RtoInfo(1500, 30000, 500)
        o.set_rtoinfo(p.cli, max=20000)
        assert o.get_rtoinfo(p.cli).max == 20000


def test_associnfo(mk: Sockets) -> None:
    s = mk()
    ai = o.get_associnfo(s)
    assert (ai.asocmaxrxt, ai.number_peer_destinations, ai.cookie_life) == (10, 0, 60000)
    o.set_associnfo(s, asocmaxrxt=5, cookie_life=30000)
    ai = o.get_associnfo(s)
    assert (ai.asocmaxrxt, ai.cookie_life) == (5, 30000)
    with sctp_pair(lambda x: o.set_associnfo(x, asocmaxrxt=6)) as p:
        ai = o.get_associnfo(p.cli)
        assert ai.asocmaxrxt == 6 and ai.number_peer_destinations == 1
        assert ai.peer_rwnd > 0 and ai.local_rwnd > 0


def test_delayed_sack(mk: Sockets) -> None:
    s = mk()
    assert o.get_delayed_sack(s) == o.SackInfo(200, 2)
    o.set_delayed_sack(s, delay=100, freq=3)
    assert o.get_delayed_sack(s) == o.SackInfo(100, 3)
    o.set_delayed_sack(s, delay=50)
    assert o.get_delayed_sack(s) == o.SackInfo(50, 3)
    with pytest.raises(OSError) as e:
        o.set_delayed_sack(s, delay=600)  # RFC limit: 500 ms
    assert e.value.errno == errno.EINVAL
    with sctp_pair() as p:
        o.set_delayed_sack(p.cli, freq=1)  # delayed SACK off
        assert o.get_delayed_sack(p.cli) == o.SackInfo(0, 1)
        # and the flag shows in the peer address parameters
        flags = o.get_peer_addr_params(p.cli).flags
        assert flags & o.SppFlags.SACKDELAY_DISABLE


# ---- PEER_ADDR_PARAMS ---------------------------------------------------------------------------


def test_peer_addr_params_endpoint(mk: Sockets) -> None:
    s = mk()
    pp = o.get_peer_addr_params(s)
    assert pp.address is None and pp.hbinterval == 30000 and pp.sackdelay == 200
    assert pp.flags & o.SppFlags.HB_ENABLE and pp.flags & o.SppFlags.PMTUD_ENABLE
    o.set_peer_addr_params(s, hbinterval=5000, pathmaxrxt=3, sackdelay=100,
                           flags=o.SppFlags.HB_ENABLE | o.SppFlags.SACKDELAY_ENABLE, dscp=0xB8)
    pp = o.get_peer_addr_params(s)
    assert (pp.hbinterval, pp.pathmaxrxt, pp.sackdelay, pp.dscp) == (5000, 3, 100, 0xB8)
    assert pp.flags & o.SppFlags.DSCP
    assert isinstance(pp.flags, o.SppFlags)
    o.set_peer_addr_params(s, flags=o.SppFlags.HB_DISABLE)
    assert o.get_peer_addr_params(s).flags & o.SppFlags.HB_DISABLE


def test_peer_addr_params_ipv6_flowlabel(mk: Sockets) -> None:
    s6 = mk(S.AF_INET6)
    o.set_peer_addr_params(s6, ipv6_flowlabel=0x12345)
    pp = o.get_peer_addr_params(s6)
    assert pp.ipv6_flowlabel == 0x12345 and pp.flags & o.SppFlags.IPV6_FLOWLABEL
    s4 = mk()
    o.set_peer_addr_params(s4, ipv6_flowlabel=0x12345)  # ignored on IPv4
    assert o.get_peer_addr_params(s4).ipv6_flowlabel == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sackdelay": 600},
        {"flags": o.SppFlags.HB_ENABLE | o.SppFlags.HB_DISABLE},
        {"flags": o.SppFlags.PMTUD_ENABLE | o.SppFlags.PMTUD_DISABLE},
        {"flags": o.SppFlags.SACKDELAY_ENABLE | o.SppFlags.SACKDELAY_DISABLE},
    ],
)
def test_peer_addr_params_refused(mk: Sockets, kwargs: dict[str, Any]) -> None:
    with pytest.raises(OSError) as e:
        o.set_peer_addr_params(mk(), **kwargs)
    assert e.value.errno == errno.EINVAL


def test_peer_addr_params_of_one_path() -> None:
    with sctp_pair() as p:
        peer = ("127.0.0.1", p.port)
        pp = o.get_peer_addr_params(p.cli, peer)
        assert pp.address == peer and pp.pathmtu > 0
        o.set_peer_addr_params(p.cli, address=peer, hbinterval=7000, pathmaxrxt=4,
                               sackdelay=150)
        pp = o.get_peer_addr_params(p.cli, peer)
        assert (pp.hbinterval, pp.pathmaxrxt, pp.sackdelay) == (7000, 4, 150)
        o.set_peer_addr_params(p.cli, address=peer, pathmtu=1400)
        pp = o.get_peer_addr_params(p.cli, peer)
        assert pp.pathmtu == 1400 and pp.flags & o.SppFlags.PMTUD_DISABLE
        assert o.get_peer_addr_info(p.cli, peer).mtu == 1400
        # heartbeats off for this path; the association default is unchanged
        o.set_peer_addr_params(p.cli, address=peer, flags=o.SppFlags.HB_DISABLE)
        assert o.get_peer_addr_params(p.cli, peer).flags & o.SppFlags.HB_DISABLE
        assert o.get_peer_addr_params(p.cli).flags & o.SppFlags.HB_ENABLE
        with pytest.raises(OSError) as e:
            o.get_peer_addr_params(p.cli, ("127.0.0.9", p.port))
        assert e.value.errno == errno.EINVAL


# ---- DEFAULT_SNDINFO / CONTEXT / RCVINFO / NXTINFO ---------------------------------------------


def test_default_sndinfo_round_trip_and_network_order(mk: Sockets) -> None:
    s = mk()
    assert o.get_default_sndinfo(s) == o.SndInfo(0, 0, 0, 0, 0)
    o.set_default_sndinfo(s, stream=1, flags=_sctp.SCTP_UNORDERED, ppid=46, context=7)
    assert o.get_default_sndinfo(s) == o.SndInfo(1, _sctp.SCTP_UNORDERED, 46, 7, 0)
    # what the kernel holds: snd_ppid in network byte order
    raw = s.getsockopt(S.IPPROTO_SCTP, _sctp.SCTP_DEFAULT_SNDINFO, 16)
    assert raw[4:8] == b"\x00\x00\x00\x2e"
    o.set_default_sndinfo(s, ppid=2**32 - 1)
    assert o.get_default_sndinfo(s).ppid == 2**32 - 1


def test_default_sndinfo_and_context_seen_by_receiver() -> None:
    with sctp_pair() as p:
        o.set_recvrcvinfo(p.acc)
        o.set_context(p.acc, 0xCAFEF00D)  # reported in the receiver's rcv_context
        o.set_default_sndinfo(p.cli, stream=3, ppid=0x01020304, flags=_sctp.SCTP_UNORDERED)
        p.cli.send(b"payload")
        p.acc.settimeout(3)
        data, anc, _flags, _ = p.acc.recvmsg(100, 1024)
        assert data == b"payload"
        rcv = cmsgs(anc)[SCTP_RCVINFO]
        sid, _ssn, rflags = struct.unpack_from("=HHH", rcv)
        assert sid == 3 and rflags & _sctp.SCTP_UNORDERED
        assert rcv[8:12] == b"\x01\x02\x03\x04"  # PPID big-endian on the wire
        assert struct.unpack_from("=I", rcv, 20)[0] == 0xCAFEF00D
        assert struct.unpack_from("=i", rcv, 24)[0] == o.get_status(p.acc).assoc_id


def test_recvrcvinfo_and_recvnxtinfo_control_ancillary_data() -> None:
    with sctp_pair() as p:
        p.acc.settimeout(3)
        p.cli.send(b"one")
        _d, anc, _f, _ = p.acc.recvmsg(100, 1024)
        assert cmsgs(anc) == {}
        o.set_recvrcvinfo(p.acc)
        o.set_recvnxtinfo(p.acc)
        o.set_default_sndinfo(p.cli, stream=2)
        o.set_nodelay(p.cli)
        p.cli.send(b"two")
        p.cli.send(b"three!")
        time.sleep(0.3)  # both queued at the receiver
        d, anc, _f, _ = p.acc.recvmsg(100, 1024)
        assert d == b"two"
        got = cmsgs(anc)
        assert SCTP_RCVINFO in got and SCTP_NXTINFO in got
        nsid, _nflags, _nppid, nlen = struct.unpack_from("=HHII", got[SCTP_NXTINFO])
        assert (nsid, nlen) == (2, 6)
        o.set_recvrcvinfo(p.acc, False)
        o.set_recvnxtinfo(p.acc, False)
        d, anc, _f, _ = p.acc.recvmsg(100, 1024)
        assert d == b"three!" and cmsgs(anc) == {}


def test_disable_fragments_refuses_large_messages() -> None:
    with sctp_pair(lambda x: o.set_maxseg(x, 1000)) as p:
        p.cli.send(b"x" * 3000)  # fragmented, arrives whole
        p.acc.settimeout(3)
        assert len(p.acc.recv(10000)) == 3000
        o.set_disable_fragments(p.cli)
        with pytest.raises(OSError) as e:
            p.cli.send(b"x" * 3000)
        assert e.value.errno == errno.EMSGSIZE
        p.cli.send(b"y" * 500)
        assert p.acc.recv(10000) == b"y" * 500


# ---- PR-SCTP -------------------------------------------------------------------------------------


def test_default_prinfo(mk: Sockets) -> None:
    s = mk()
    assert o.get_default_prinfo(s) == o.PrInfo(o.PrPolicy.NONE, 0)
    o.set_default_prinfo(s, o.PrPolicy.TTL, 100)
    pi = o.get_default_prinfo(s)
    assert pi == o.PrInfo(o.PrPolicy.TTL, 100) and pi.policy is o.PrPolicy.TTL
    o.set_default_prinfo(s, o.PrPolicy.RTX, 2)
    assert o.get_default_prinfo(s) == o.PrInfo(o.PrPolicy.RTX, 2)
    with pytest.raises(OSError) as e:
        o.set_default_prinfo(s, 0x40, 1)
    assert e.value.errno == errno.EINVAL


def test_pr_status_counts_abandoned_messages() -> None:
    def prep(x: socket.socket) -> None:
        x.setsockopt(S.SOL_SOCKET, S.SO_RCVBUF, 4096)
        x.setsockopt(S.SOL_SOCKET, S.SO_SNDBUF, 16384)

    with sctp_pair(prep) as p:
        assert o.get_pr_assoc_status(p.cli) == o.PrStatus(0, 0)
        o.set_default_sndinfo(p.cli, stream=1)
        o.set_default_prinfo(p.cli, o.PrPolicy.PRIO, 10)
        p.cli.setblocking(False)
        with pytest.raises(BlockingIOError):
            for _ in range(10000):  # the peer does not read: the buffers fill
                p.cli.send(b"x" * 1000)
        # a more important message makes room by abandoning priority-10 ones
        o.set_default_prinfo(p.cli, o.PrPolicy.PRIO, 1)
        try:
            p.cli.send(b"y" * 1000)
        except BlockingIOError:
            pass
        total = o.get_pr_assoc_status(p.cli)
        assert total.abandoned_sent + total.abandoned_unsent >= 1
        assert o.get_pr_assoc_status(p.cli, o.PrPolicy.PRIO) == total
        assert o.get_pr_assoc_status(p.cli, o.PrPolicy.TTL) == o.PrStatus(0, 0)
        assert o.get_pr_stream_status(p.cli, 1) == total
        assert o.get_pr_stream_status(p.cli, 0) == o.PrStatus(0, 0)
        expect_errno(errno.EINVAL,
            lambda: o.get_pr_stream_status(p.cli, 10),  # only streams 0..9
            lambda: o.get_pr_assoc_status(p.cli, o.PrPolicy.NONE),
        )


def test_pr_status_needs_an_association(mk: Sockets) -> None:
    with pytest.raises(OSError) as e:
        o.get_pr_assoc_status(mk())
    assert e.value.errno == errno.EINVAL


# ---- multi-homing: PRIMARY_ADDR, SET_PEER_PRIMARY_ADDR ------------------------------------------


def test_primary_addr_on_multihomed_association() -> None:
    with sctp_pair(server_addrs=("127.0.0.1", "127.0.0.2")) as p:
        one, two = ("127.0.0.1", p.port), ("127.0.0.2", p.port)
        assert sorted(_sctp.getpaddrs(p.cli.fileno(), 0)) == [one, two]
        assert o.get_associnfo(p.cli).number_peer_destinations == 2
        assert o.get_primary_addr(p.cli) == one
        assert o.get_peer_addr_info(p.cli, two).state in (
            o.AddrState.UNCONFIRMED, o.AddrState.ACTIVE)
        o.set_primary_addr(p.cli, two)
        assert o.get_primary_addr(p.cli) == two
        assert o.get_status(p.cli).primary.address == two
        # a heartbeat on demand confirms the second path
        o.set_peer_addr_params(p.cli, address=two, flags=o.SppFlags.HB_DEMAND)
        assert wait_for(lambda: o.get_peer_addr_info(p.cli, two).state is o.AddrState.ACTIVE)
        o.set_primary_addr(p.cli, one)
        assert o.get_primary_addr(p.cli) == one
        with pytest.raises(OSError) as e:
            o.set_primary_addr(p.cli, ("127.0.0.3", p.port))
        assert e.value.errno == errno.EINVAL
        # asocmaxrxt may not exceed the sum of the paths' pathmaxrxt (2 x 5)
        o.set_associnfo(p.cli, asocmaxrxt=9)
        with pytest.raises(OSError) as e:
            o.set_associnfo(p.cli, asocmaxrxt=20)
        assert e.value.errno == errno.EINVAL


def test_set_peer_primary_addr_needs_asconf() -> None:
    with sctp_pair(client_addrs=("127.0.0.3", "127.0.0.4")) as p:
        with pytest.raises(PermissionError):
            o.set_peer_primary_addr(p.cli, ("127.0.0.4", p.cport))


def test_set_peer_primary_addr_moves_the_peers_primary() -> None:
    def asconf(x: socket.socket) -> None:
        o.set_auth_supported(x, True)
        o.set_asconf_supported(x, True)

    with sctp_pair(asconf, client_addrs=("127.0.0.3", "127.0.0.4")) as p:
        assert o.get_primary_addr(p.acc) == ("127.0.0.3", p.cport)
        o.set_peer_primary_addr(p.cli, ("127.0.0.4", p.cport))
        assert wait_for(lambda: o.get_primary_addr(p.acc) == ("127.0.0.4", p.cport))
        with pytest.raises(OSError) as e:  # not one of our addresses
            o.set_peer_primary_addr(p.cli, ("127.0.0.2", p.cport))
        assert e.value.errno == errno.EADDRNOTAVAIL


# ---- stream reconfiguration -------------------------------------------------------------------


def test_stream_reconfiguration_refused_without_enabling() -> None:
    with sctp_pair() as p:
        assert o.get_reconfig_supported(p.cli) is False
        expect_errno(errno.ENOPROTOOPT,
            lambda: o.reset_streams(p.cli, [0]),
            lambda: o.add_streams(p.cli, outgoing=1),
            lambda: o.reset_assoc(p.cli),
        )


def _reconf(x: socket.socket) -> None:
    o.set_reconfig_supported(x, True)
    o.set_enable_stream_reset(x, o.StreamResetFlags.ALL)
    for ev in (_sctp.SCTP_STREAM_RESET_EVENT, _sctp.SCTP_STREAM_CHANGE_EVENT,
               _sctp.SCTP_ASSOC_RESET_EVENT):
        o.set_event(x, ev, True)


def test_reset_streams() -> None:
    with sctp_pair(_reconf) as p:
        assert o.get_reconfig_supported(p.cli) is True
        assert o.get_enable_stream_reset(p.cli) == o.StreamResetFlags.ALL
        o.reset_streams(p.cli, [0, 1])
        etype, raw = recv_notification(p.cli)
        assert etype == _sctp.SCTP_STREAM_RESET_EVENT
        _t, flags, length, aid = struct.unpack_from("=HHIi", raw)
        assert flags & _sctp.SCTP_STREAM_RESET_OUTGOING_SSN
        assert not flags & (_sctp.SCTP_STREAM_RESET_DENIED | _sctp.SCTP_STREAM_RESET_FAILED)
        assert list(struct.unpack_from("=2H", raw, 12)) == [0, 1] and length == 16
        assert aid == o.get_status(p.cli).assoc_id
        # the peer learns of its incoming streams being reset
        etype, raw = recv_notification(p.acc)
        assert etype == _sctp.SCTP_STREAM_RESET_EVENT
        assert struct.unpack_from("=H", raw, 2)[0] & _sctp.SCTP_STREAM_RESET_INCOMING_SSN
        # all streams, both directions
        o.reset_streams(p.cli, [], incoming=True, outgoing=True)
        _t, flags, length, _aid = struct.unpack_from("=HHIi", recv_notification(p.cli)[1])
        assert length == 12 and not flags & _sctp.SCTP_STREAM_RESET_DENIED


def test_add_streams_and_reset_assoc() -> None:
    with sctp_pair(_reconf) as p:
        before = o.get_status(p.cli)
        o.add_streams(p.cli, outgoing=3, incoming=2)
        raw = recv_event(p.cli, _sctp.SCTP_STREAM_CHANGE_EVENT)
        assert not struct.unpack_from("=H", raw, 2)[0] & _sctp.SCTP_STREAM_CHANGE_DENIED
        assert wait_for(lambda: o.get_status(p.cli).outstreams == before.outstreams + 3)
        assert wait_for(lambda: o.get_status(p.acc).instreams == before.outstreams + 3)
        assert wait_for(lambda: o.get_status(p.cli).instreams == before.instreams + 2)
        o.reset_assoc(p.cli)
        raw = recv_event(p.cli, _sctp.SCTP_ASSOC_RESET_EVENT)
        assert not struct.unpack_from("=H", raw, 2)[0] & _sctp.SCTP_ASSOC_RESET_DENIED
        p.cli.send(b"after reset")  # the association still carries data
        p.acc.settimeout(3)
        while True:
            data, _anc, flags, _ = p.acc.recvmsg(100)
            if not flags & MSG_NOTIFICATION:
                break
        assert data == b"after reset"


# ---- stream schedulers ------------------------------------------------------------------------


def _schedule(sched: o.StreamScheduler) -> str:
    """Queue 20 messages on stream 2, then 20 on stream 1, while the peer's
    window is small; return the order they are received in."""

    def prep(x: socket.socket) -> None:
        x.setsockopt(S.SOL_SOCKET, S.SO_RCVBUF, 4096)
        o.set_stream_scheduler(x, sched)

    with sctp_pair(prep) as p:
        o.set_nodelay(p.cli)
        assert o.get_stream_scheduler(p.cli) == sched
        if sched == o.StreamScheduler.PRIO:
            o.set_stream_scheduler_value(p.cli, 2, 10)
            o.set_stream_scheduler_value(p.cli, 1, 1)
            assert o.get_stream_scheduler_value(p.cli, 2) == 10
            assert o.get_stream_scheduler_value(p.cli, 1) == 1
        for stream in (2, 1):
            o.set_default_sndinfo(p.cli, stream=stream)
            for _ in range(20):
                p.cli.send(str(stream).encode() * 1000)
        p.acc.settimeout(5)
        order = ""
        while len(order) < 40:
            order += chr(p.acc.recv(2000)[0])
        return order


def test_stream_scheduler_fcfs_keeps_send_order() -> None:
    assert _schedule(o.StreamScheduler.FCFS) == "2" * 20 + "1" * 20


def test_stream_scheduler_prio_serves_the_important_stream_first() -> None:
    order = _schedule(o.StreamScheduler.PRIO)
    assert order.count("1") == 20
    assert order.rindex("1") < order.rindex("2")  # stream 1 overtook stream 2
    assert order.endswith("2" * 5)


def test_stream_scheduler_rr_alternates() -> None:
    assert "1212" in _schedule(o.StreamScheduler.RR)


def test_stream_scheduler_value_errors(mk: Sockets) -> None:
    m = mk(S.AF_INET, S.SOCK_SEQPACKET)
    expect_errno(errno.EINVAL,  # needs an association
        lambda: o.set_stream_scheduler_value(m, 1, 5),
        lambda: o.get_stream_scheduler_value(m, 1),
        lambda: o.get_stream_scheduler_value(mk(), 1),
    )
    with sctp_pair() as p:
        with pytest.raises(OSError) as e:
            o.get_stream_scheduler_value(p.cli, 10)  # streams 0..9
        assert e.value.errno == errno.EINVAL


# ---- AUTH ----------------------------------------------------------------------------------------


def _auth(key: bytes) -> Callable[[socket.socket], None]:
    def prep(x: socket.socket) -> None:
        o.set_auth_supported(x, True)
        o.set_auth_chunk(x, 0)  # DATA
        o.set_auth_key(x, key, 1)
        o.set_auth_active_key(x, 1)

    return prep


def test_auth_refused_while_off(mk: Sockets) -> None:
    s = mk()
    expect_errno(errno.EACCES,
        lambda: o.set_auth_key(s, b"k", 1),
        lambda: o.get_auth_active_key(s),
        lambda: o.get_hmac_ident(s),
        lambda: o.get_local_auth_chunks(s),
        lambda: o.set_auth_chunk(s, 0),
    )


def test_auth_keys_on_the_endpoint(mk: Sockets) -> None:
    s = mk()
    o.set_auth_supported(s, True)
    assert o.get_auth_active_key(s) == 0  # the null key
    assert o.get_local_auth_chunks(s) == []
    o.set_auth_chunk(s, 0)
    o.set_auth_chunk(s, 0x80)
    assert sorted(o.get_local_auth_chunks(s)) == [0, 0x80]
    o.set_auth_key(s, b"secret", 1)
    o.set_auth_key(s, bytearray(b"other"), 2)
    o.set_auth_active_key(s, 1)
    assert o.get_auth_active_key(s) == 1
    expect_errno(errno.EINVAL,
        lambda: o.set_auth_chunk(s, 1),  # INIT can never be authenticated
        lambda: o.set_auth_active_key(s, 9),  # not installed
        lambda: o.delete_auth_key(s, 1),  # active
        lambda: o.deactivate_auth_key(s, 1),  # active
    )
    o.deactivate_auth_key(s, 2)
    o.delete_auth_key(s, 2)
    o.delete_auth_key(s, 0)
    with pytest.raises(OSError) as e:
        o.set_auth_active_key(s, 0)  # deleted
    assert e.value.errno == errno.EINVAL


def test_hmac_ident(mk: Sockets) -> None:
    s = mk()
    o.set_auth_supported(s, True)
    assert o.get_hmac_ident(s) == [o.HmacId.SHA1]
    o.set_hmac_ident(s, [o.HmacId.SHA256, o.HmacId.SHA1])
    got = o.get_hmac_ident(s)
    assert got == [3, 1] and got[0] is o.HmacId.SHA256
    with pytest.raises(OSError) as e:
        o.set_hmac_ident(s, [o.HmacId.SHA256])  # SHA-1 is mandatory
    assert e.value.errno == errno.EINVAL


def test_auth_with_matching_keys() -> None:
    with sctp_pair(_auth(b"secret")) as p:
        assert o.get_peer_auth_chunks(p.cli) == [0]
        assert o.get_local_auth_chunks(p.cli) == [0]
        assert o.get_auth_active_key(p.cli) == 1
        p.cli.send(b"authenticated")
        p.acc.settimeout(3)
        assert p.acc.recv(100) == b"authenticated"
        # keys of the association itself
        o.set_auth_key(p.cli, b"next", 2)
        o.deactivate_auth_key(p.cli, 0)
        o.delete_auth_key(p.cli, 0)
        with pytest.raises(OSError):
            o.delete_auth_key(p.cli, 1)


def test_auth_with_different_keys_drops_data() -> None:
    with sctp_pair(prep_server=_auth(b"AAAA"), prep_client=_auth(b"BBBB")) as p:
        p.cli.send(b"forged?")
        p.acc.settimeout(1.0)
        with pytest.raises(TimeoutError):
            p.acc.recv(100)


def test_peer_auth_chunks_without_auth() -> None:
    with sctp_pair() as p:
        with pytest.raises(PermissionError):
            o.get_peer_auth_chunks(p.cli)


# ---- UDP encapsulation, thresholds, PLPMTUD ----------------------------------------------------------


def test_remote_udp_encaps_port_round_trip(mk: Sockets) -> None:
    assert_set_get(mk(), "remote_udp_encaps_port", 0, (9899, 9899), (0, 0))
    with sctp_pair() as p:
        peer = ("127.0.0.1", p.port)
        o.set_remote_udp_encaps_port(p.cli, 1234, peer)
        assert o.get_remote_udp_encaps_port(p.cli, peer) == 1234
        with pytest.raises(OSError) as e:
            o.set_remote_udp_encaps_port(p.cli, 1, ("127.0.0.9", p.port))
        assert e.value.errno == errno.EINVAL


def test_udp_encapsulation_reaches_the_right_port(mk: Sockets) -> None:
    old = write_sysctl("udp_port", "9899")  # the kernel listens on UDP 9899
    try:
        srv = mk()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        good = mk()
        o.set_remote_udp_encaps_port(good, 9899)  # host order in
        good.settimeout(5)
        good.connect(srv.getsockname())
        acc, _ = srv.accept()
        try:
            good.send(b"over udp")
            acc.settimeout(3)
            assert acc.recv(100) == b"over udp"
            # the server learnt the client's UDP source port
            assert o.get_remote_udp_encaps_port(acc) == 9899
        finally:
            acc.close()
        bad = mk()
        o.set_remote_udp_encaps_port(bad, 9898)  # nobody there
        o.set_initmsg(bad, max_attempts=1, max_init_timeo=300)
        bad.settimeout(2)
        with pytest.raises(OSError):
            bad.connect(srv.getsockname())
    finally:
        write_sysctl("udp_port", old)


def test_peer_addr_thlds(mk: Sockets) -> None:
    s = mk()
    assert o.get_peer_addr_thlds(s) == o.PeerAddrThlds(5, 0, 0xFFFF)
    o.set_peer_addr_thlds(s, pathmaxrxt=4, pathpfthld=2, pathcpthld=3)
    assert o.get_peer_addr_thlds(s) == o.PeerAddrThlds(4, 2, 3)
    o.set_peer_addr_thlds(s, pathmaxrxt=6, pathpfthld=1)  # first version: cp kept
    assert o.get_peer_addr_thlds(s) == o.PeerAddrThlds(6, 1, 3)
    with pytest.raises(OSError) as e:
        o.set_peer_addr_thlds(s, pathpfthld=5, pathcpthld=3)
    assert e.value.errno == errno.EINVAL
    with sctp_pair() as p:
        peer = ("127.0.0.1", p.port)
        o.set_peer_addr_thlds(p.cli, address=peer, pathmaxrxt=7, pathpfthld=1, pathcpthld=2)
        assert o.get_peer_addr_thlds(p.cli, peer) == o.PeerAddrThlds(7, 1, 2)
        assert o.get_peer_addr_params(p.cli, peer).pathmaxrxt == 7


def test_probe_interval(mk: Sockets) -> None:
    s = mk()
    assert o.get_probe_interval(s) == 0
    o.set_probe_interval(s, 6000)
    assert o.get_probe_interval(s) == 6000
    with pytest.raises(OSError) as e:
        o.set_probe_interval(s, 100)  # minimum 5000 ms
    assert e.value.errno == errno.EINVAL
    with sctp_pair() as p:
        peer = ("127.0.0.1", p.port)
        assert o.get_probe_interval(p.cli, peer) == 0
        o.set_probe_interval(p.cli, 10000, peer)
        assert o.get_probe_interval(p.cli, peer) == 10000


# ---- statistics, mapped addresses ---------------------------------------------------------------------


def test_assoc_stats_count_chunks() -> None:
    with sctp_pair() as p:
        o.set_nodelay(p.cli)
        o.set_nodelay(p.acc)
        p.acc.settimeout(3)
        for _ in range(5):
            p.cli.send(b"ordered")
            p.acc.recv(100)
        o.set_default_sndinfo(p.cli, flags=_sctp.SCTP_UNORDERED)
        for _ in range(3):
            p.cli.send(b"unordered")
            p.acc.recv(100)
        st = o.get_assoc_stats(p.cli)
        assert isinstance(st, o.AssocStats)
        assert (st.oodchunks, st.ouodchunks) == (5, 3)
        assert (st.iodchunks, st.iuodchunks) == (0, 0)
        assert st.opackets >= 8 and st.ipackets > 0 and st.octrlchunks > 0
        peer_st = o.get_assoc_stats(p.acc)
        assert (peer_st.iodchunks, peer_st.iuodchunks) == (5, 3)
        assert st.obs_rto_address == ("127.0.0.1", p.port)
        assert st.maxrto > 0  # in kernel ticks, not ms


@pytest.mark.parametrize("mapped", [True, False])
def test_mapped_v4_changes_reported_addresses(mapped: bool) -> None:
    # an IPv4 client connects to an IPv6 server bound to the wildcard
    srv = S.socket(S.AF_INET6, S.SOCK_STREAM, S.IPPROTO_SCTP)
    cli = S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_SCTP)
    try:
        o.set_mapped_v4(srv, mapped)
        srv.bind(("::", 0))
        srv.listen(1)
        cli.connect(("127.0.0.1", srv.getsockname()[1]))
        acc, _ = srv.accept()
        try:
            assert o.get_mapped_v4(acc) is mapped
            port = cli.getsockname()[1]
            expect = ("::ffff:127.0.0.1", port, 0, 0) if mapped else ("127.0.0.1", port)
            assert o.get_status(acc).primary.address == expect
            assert o.get_primary_addr(acc) == expect
        finally:
            acc.close()
    finally:
        srv.close()
        cli.close()


# ---- bad input --------------------------------------------------------------------------------------------


BAD_INPUT: List[Tuple[str, Callable[[socket.socket], Any], type]] = [
    ("bool as str", lambda s: o.set_nodelay(s, "yes"), TypeError),  # type: ignore[arg-type]
    ("not a socket", lambda s: o.get_nodelay(object()), TypeError),  # type: ignore[arg-type]
    ("u16 too big", lambda s: o.set_initmsg(s, ostreams=70000), OverflowError),
    ("u16 negative", lambda s: o.set_initmsg(s, instreams=-1), OverflowError),
    ("float", lambda s: o.set_initmsg(s, max_attempts=1.5), TypeError),  # type: ignore[arg-type]
    ("u32 too big", lambda s: o.set_rtoinfo(s, initial=2**32), OverflowError),
    ("assoc id too big", lambda s: o.get_rtoinfo(s, 2**31), OverflowError),
    ("assoc id str", lambda s: o.get_rtoinfo(s, "1"), TypeError),  # type: ignore[arg-type]
    ("ppid too big", lambda s: o.set_default_sndinfo(s, ppid=2**32), OverflowError),
    ("ppid negative", lambda s: o.set_default_sndinfo(s, ppid=-1), OverflowError),
    ("dscp too big", lambda s: o.set_peer_addr_params(s, dscp=256), OverflowError),
    ("dscp str", lambda s: o.set_peer_addr_params(s, dscp="x"), TypeError),  # type: ignore[arg-type]
    ("address str", lambda s: o.set_peer_addr_params(s, address="127.0.0.1"),  # type: ignore[arg-type]
     TypeError),
    ("wildcard address", lambda s: o.get_peer_addr_params(s, ("", 1)), ValueError),
    ("port too big", lambda s: o.get_peer_addr_info(s, ("127.0.0.1", 70000)), OverflowError),
    ("address None", lambda s: o.get_peer_addr_info(s, None), TypeError),  # type: ignore[arg-type]
    ("v4 with flowinfo", lambda s: o.set_primary_addr(s, ("127.0.0.1", 1, 0, 0)), TypeError),
    ("chunk type too big", lambda s: o.set_auth_chunk(s, 256), OverflowError),
    ("key str", lambda s: o.set_auth_key(s, "key"), TypeError),  # type: ignore[arg-type]
    ("key too long", lambda s: o.set_auth_key(s, b"k" * 65536), ValueError),
    ("keynumber too big", lambda s: o.set_auth_active_key(s, 65536), OverflowError),
    ("stream too big", lambda s: o.reset_streams(s, [70000]), OverflowError),
    ("streams str", lambda s: o.reset_streams(s, "01"), TypeError),  # type: ignore[arg-type]
    ("streams not iterable", lambda s: o.reset_streams(s, 5), TypeError),  # type: ignore[arg-type]
    ("streams of str", lambda s: o.reset_streams(s, ["0"]), TypeError),  # type: ignore[list-item]
    ("no direction", lambda s: o.reset_streams(s, [0], outgoing=False), ValueError),
    ("too many streams", lambda s: o.reset_streams(s, [0] * 65536), ValueError),
    ("add too many", lambda s: o.add_streams(s, outgoing=65536), OverflowError),
    ("no hmac", lambda s: o.set_hmac_ident(s, []), ValueError),
    ("hmac too big", lambda s: o.set_hmac_ident(s, [1, 70000]), OverflowError),
    ("sched value too big", lambda s: o.set_stream_scheduler_value(s, 1, 70000), OverflowError),
    ("event type too big", lambda s: o.set_event(s, 2**16, True), OverflowError),
    ("event on str", lambda s: o.set_event(s, _sctp.SCTP_ASSOC_CHANGE, "x"),  # type: ignore[arg-type]
     TypeError),
    ("event type bool", lambda s: o.get_event(s, True), TypeError),
    ("maxseg negative", lambda s: o.set_maxseg(s, -1), OverflowError),
    ("context too big", lambda s: o.set_context(s, 2**32), OverflowError),
    ("maxseg float", lambda s: o.set_maxseg(s, 1000.0), TypeError),  # type: ignore[arg-type]
    ("interleave too big", lambda s: o.set_fragment_interleave(s, 2**31), OverflowError),
    ("autoclose too big", lambda s: o.set_autoclose(s, 2**32), OverflowError),
    ("encaps port too big", lambda s: o.set_remote_udp_encaps_port(s, 65536), OverflowError),
    ("probe negative", lambda s: o.set_probe_interval(s, -1), OverflowError),
    ("cpthld str", lambda s: o.set_peer_addr_thlds(s, pathcpthld="x"),  # type: ignore[arg-type]
     TypeError),
    ("policy str", lambda s: o.get_pr_assoc_status(s, "ALL"), TypeError),  # type: ignore[arg-type]
    ("flags str", lambda s: o.set_peer_addr_params(s, flags="HB"), TypeError),  # type: ignore[arg-type]
    ("adaptation too big", lambda s: o.set_adaptation_layer(s, 2**32), OverflowError),
    ("C: not an int option", lambda s: _sctp.getsockopt_int(s.fileno(), _sctp.SCTP_STATUS),
     ValueError),
    ("C: get-only int option",
     lambda s: _sctp.setsockopt_int(s.fileno(), _sctp.SCTP_GET_ASSOC_NUMBER, 1), ValueError),
    ("C: not an assoc_value option",
     lambda s: _sctp.get_assoc_value(s.fileno(), _sctp.SCTP_NODELAY, 0), ValueError),
    ("C: too few args", lambda s: _sctp.get_status(s.fileno()), TypeError),  # type: ignore[call-arg]
    ("C: negative fd", lambda s: _sctp.get_initmsg(-1), OSError),
]


@pytest.mark.parametrize("name,call,exc", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input(mk: Sockets, name: str, call: Callable[[socket.socket], Any], exc: type) -> None:
    s = mk()
    with pytest.raises(exc):
        call(s)
    # nothing was changed by the failed call
    assert o.get_initmsg(s).ostreams == 10
    assert o.get_default_sndinfo(s) == o.SndInfo(0, 0, 0, 0, 0)


def test_system_errors_map_to_oserror_subclasses(mk: Sockets) -> None:
    closed = mk()
    closed.close()
    with pytest.raises(OSError) as e:
        o.get_nodelay(closed)
    assert e.value.errno == errno.EBADF
    udp = S.socket(S.AF_INET, S.SOCK_DGRAM)
    try:
        with pytest.raises(OSError) as e:
            o.get_nodelay(udp)  # SOL_SCTP on a UDP socket
        assert e.value.errno == errno.EOPNOTSUPP
    finally:
        udp.close()
    s = mk()
    with pytest.raises(PermissionError):  # EACCES
        o.set_auth_key(s, b"k")


def test_no_leaks_on_success_and_error_paths(mk: Sockets) -> None:
    s = mk()
    with sctp_pair(_reconf) as p:

        def round_() -> None:
            o.get_status(p.cli)
            o.get_peer_addr_params(p.cli, ("127.0.0.1", p.port))
            o.get_assoc_stats(p.cli)
            for bad in (
                lambda: o.reset_streams(s, [1, 2, 70000]),  # fails while packing
                lambda: o.reset_streams(s, [1, 2]),  # fails in the kernel
                lambda: o.set_auth_key(s, b"x" * 100, 1),  # EACCES after the copy
                lambda: o.set_hmac_ident(s, [1, "x"]),  # type: ignore[list-item]
                lambda: o.get_peer_addr_info(p.cli, ("127.0.0.9", 1)),
            ):
                try:
                    bad()
                except (OSError, TypeError, OverflowError):
                    pass

        for _ in range(30):
            round_()
        tracemalloc.start()
        try:
            first = tracemalloc.get_traced_memory()[0]
            for _ in range(300):
                round_()
            grown = tracemalloc.get_traced_memory()[0] - first
        finally:
            tracemalloc.stop()
        # one leaked block per round, even a 16-byte one, is >= 4800 bytes
        assert grown < 2048, grown
