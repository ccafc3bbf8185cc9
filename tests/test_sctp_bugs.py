"""The known bugs of PySCTP 0.7.3 that the ``sctp`` package must not have,
one test (or more) each, against the real kernel SCTP.

1. IPv6 addresses in bindx()/connectx() overflowing a fixed buffer;
2. ppid/context/timetolive >= 2**31 refused or corrupted;
3. send_failed (and remote_error) payloads decoded as text;
4. a peeled-off socket leaking its descriptor;
5. the GIL held during connectx();
6. settimeout() breaking sctp_recv()/sctp_send() (TimeoutError expected, and
   BlockingIOError for a nonblocking socket);
7. errors returned as None or as SystemError instead of an exception;
and smaller ones: initparams.max_init_timeo, paddrparams values ignored,
datalogging of bytes, notifications longer than the read.

tests/test_sctp_differential.py runs several of these scenarios against
PySCTP 0.7.3 as well, and checks that 0.7.3 does show the bug.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "pysctp"))
import sctp_helpers as H  # noqa: E402

import sctp  # noqa: E402
from aiosctp import options as O  # noqa: E402


# What the module does better than 0.7.3 is checked with its documented
# switches on (conftest.py's documented_switches_on).
pytestmark = pytest.mark.usefixtures("documented_switches_on")

_sctp = H.import_compat_sctp()


def _dead_port():
    """A bound, not listening socket: an INIT to it is answered by ABORT."""
    dead = sctp.sctpsocket_tcp(socket.AF_INET)
    dead.bind(("127.0.0.1", 0))
    return dead


def _failing_sender(*events):
    u = sctp.sctpsocket_udp(socket.AF_INET)
    u.events.clear()
    for e in events:
        setattr(u.events, e, 1)
    u.settimeout(10)
    return u


# ---- 1. IPv6 address lists -----------------------------------------------------------


def test_ipv6_address_lists_in_bindx_and_connectx():
    """IPv4 (16-byte) and IPv6 (28-byte) addresses interleaved in one list
    reach the kernel intact, in both directions."""
    srv = sctp.sctpsocket_tcp(socket.AF_INET6)
    srv.bindx([("::1", 0)])
    port = srv.getsockname()[1]
    srv.bindx([("127.0.0.1", port), ("::ffff:127.0.0.2", port), ("127.0.0.3", port),
               ("::ffff:127.0.0.4", port, 0, 0)])
    want = {"::1", "::ffff:127.0.0.1", "::ffff:127.0.0.2", "::ffff:127.0.0.3",
            "::ffff:127.0.0.4"}
    assert {a[0] for a in srv.getladdrs()} == want
    assert {a[1] for a in srv.getladdrs()} == {port}
    srv.listen(4)
    cli = sctp.sctpsocket_tcp(socket.AF_INET6)
    aid = cli.connectx([("::1", port, 0, 0), ("127.0.0.2", port), ("::ffff:127.0.0.3", port),
                        ("127.0.0.4", port)])
    assert aid > 0
    conn, _ = srv.accept()
    assert {a[0] for a in cli.getpaddrs()} == want and {a[1] for a in cli.getpaddrs()} == {port}
    cli.sctp_send(b"over v6")
    conn.settimeout(10)
    assert conn.sctp_recv(100)[2] == b"over v6"
    # and through _sctp with a bare descriptor
    s2 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, sctp.IPPROTO_SCTP)
    _sctp.bindx(s2.fileno(), [("::1", 0, 0, 0), ("127.0.0.1", 0)], sctp.BINDX_ADD)
    assert {a[0] for a in _sctp.getladdrs(s2.fileno(), 0)} == {"::1", "::ffff:127.0.0.1"}
    for s in (s2, cli, conn, srv):
        s.close()


def test_address_lists_are_checked():
    s = sctp.sctpsocket_tcp(socket.AF_INET6)
    with pytest.raises(ValueError):
        s.bindx([])
    with pytest.raises(ValueError):
        s.bindx("::1")
    with pytest.raises(TypeError):
        s.bindx(["::1", 5])
    with pytest.raises(ValueError):
        s.connectx([])
    with pytest.raises(OSError):  # socket.gaierror
        s.connectx([("no-such-host.invalid", 1)])
    with pytest.raises(OverflowError):
        s.bindx([("::1", 70000)])
    s.close()
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    s.bindx([("localhost", 0)])  # host names are resolved
    assert s.getladdrs()[0][0] == "127.0.0.1"
    s.close()


# ---- 2. 32-bit values ---------------------------------------------------------------------------


def test_ppids_of_the_whole_uint32_range_round_trip():
    cli, conn = H.pair()
    ppids = [0x80, 0xFF, 0x1FF, 2 ** 31, 2 ** 31 + 255, 0x7FFFFF80, 0xDEADBEEF, 2 ** 32 - 1]
    for i, ppid in enumerate(ppids):
        cli.sctp_send(b"m%d" % i, ppid=ppid)
    got = [conn.sctp_recv(100) for _ in ppids]
    assert [(m, i.ppid) for _, _, m, i in got] == [(b"m%d" % i, p) for i, p in enumerate(ppids)]
    cli.close()
    conn.close()


def test_context_timetolive_and_ppid_above_2_31_reach_the_kernel():
    """The kernel echoes a failed message's send information back in
    send_failed: what it got is exactly what was passed."""
    dead = _dead_port()
    u = _failing_sender("send_failure")
    cases = [(2 ** 32 - 1, 2 ** 32 - 1, 2 ** 31 + 7), (2 ** 31, 2 ** 31, 2 ** 32 - 1)]
    for ppid, context, ttl in cases:
        u.sctp_send(b"x", to=dead.getsockname(), ppid=ppid, context=context, timetolive=ttl)
        info = H.recv_until(u, sctp.send_failed)[3].info
        assert (info.ppid, info.context, info.timetolive) == (ppid, context, ttl)
    u.close()
    dead.close()


def test_adaptation_indication_above_2_31():
    def setup(srv, cli):
        srv.adaptation = 0x80000001
    cli, conn = H.pair(events=("adaptation_layer",), setup=setup)
    assert conn.adaptation == 0x80000001
    ev = cli.sctp_recv(100)[3]
    assert type(ev) is sctp.adaptation_event and ev.adaptation_ind == 0x80000001
    cli.close()
    conn.close()


def test_values_out_of_range_raise_instead_of_being_truncated():
    cli, conn = H.pair()
    for kw in (dict(ppid=2 ** 32), dict(ppid=-1), dict(context=2 ** 32), dict(context=-1),
               dict(timetolive=2 ** 32), dict(stream=65536), dict(stream=70000),
               dict(flags=2 ** 16)):
        with pytest.raises(OverflowError):
            cli.sctp_send(b"x", **kw)
    with pytest.raises(OverflowError):
        cli.adaptation = 2 ** 32
    with pytest.raises(TypeError):
        cli.sctp_send(b"x", ppid=1.5)
    cli.close()
    conn.close()


# ---- 3. payloads are bytes -------------------------------------------------------------------


def test_send_failed_payload_is_bytes():
    dead = _dead_port()
    u = _failing_sender("send_failure")
    payload = b"\xff\xfe\x00\x01 not text \xc3"
    u.sctp_send(payload, to=dead.getsockname(), ppid=46)
    sf = H.recv_until(u, sctp.send_failed)[3]
    assert sf.data == payload and type(sf.data) is bytes
    u.close()
    dead.close()


def test_remote_error_payload_is_bytes_and_cause_host_order():
    cli, conn = H.pair(events=("peer_error",))
    H.provoke_remote_error(cli, conn, b"\xff\x00\xfe\x01")
    err = cli.sctp_recv(1000)[3]
    assert type(err) is sctp.remote_error and type(err.data) is bytes
    assert err.data.endswith(b"\xff\x00\xfe\x01") and err.error == 6
    cli.close()
    conn.close()


def test_remote_error_on_the_defaults_as_0_7_3_without_its_crash(monkeypatch):
    """On the defaults remote_error is 0.7.3's: the cause as 0.7.3 read it
    (the big-endian field unconverted: 6 reads 1536 on little-endian hosts)
    and the data as text; a payload that is not UTF-8, on which 0.7.3
    crashed, comes as bytes."""
    monkeypatch.setattr(sctp._sctp, "compat_mode", sctp.COMPAT_PYSCTP_073)
    for payload, kind in ((b"text", str), (b"\xff\x00\xfe\x01", bytes)):
        cli, conn = H.pair(events=("peer_error",))
        H.provoke_remote_error(cli, conn, payload)
        err = cli.sctp_recv(1000)[3]
        assert type(err) is sctp.remote_error and type(err.data) is kind
        assert err.data.endswith(payload.decode() if kind is str else payload)
        assert err.error == socket.htons(6)
        cli.close()
        conn.close()


def test_notification_larger_than_maxlen_is_read_whole():
    dead = _dead_port()
    u = _failing_sender("send_failure")
    payload = os.urandom(3000)
    u.sctp_send(payload, to=dead.getsockname())
    fromaddr, flags, msg, sf = u.sctp_recv(64)
    assert flags & sctp.FLAG_NOTIFICATION and flags & sctp.FLAG_EOR and msg is None
    assert type(sf) is sctp.send_failed and sf.data == payload
    u.close()
    dead.close()


# ---- 4. peeloff and descriptors ----------------------------------------------------------------


def test_peeled_off_socket_does_not_leak_its_descriptor():
    srv = H.listener("udp")
    srv.events.clear()
    srv.settimeout(10)
    before = H.nfds()
    for i in range(20):
        c = sctp.sctpsocket_udp(socket.AF_INET)
        c.events.clear()
        c.events.shutdown = 1
        c.settimeout(10)
        c.sctp_send(b"x%d" % i, to=srv.getsockname())
        info = H.recv_until(srv, sctp.sndrcvinfo)[3]
        peeled = srv.peeloff(info.assoc_id)
        peeled.sctp_send(b"y")
        assert c.sctp_recv(100)[2] == b"y"
        peeled.close()
        # closing the peeled socket really ends the association
        assert type(c.sctp_recv(100)[3]) is sctp.shutdown_event
        c.close()
    assert H.nfds() == before
    with pytest.raises(OSError) as e:
        srv.peeloff(123456)
    assert e.value.errno == errno.EINVAL
    assert H.nfds() == before
    srv.close()


# ---- 5. the GIL in connectx --------------------------------------------------------------------


def _probe(mode, **env):
    argv = H.netns_command([sys.executable, str(H.PYSCTP_DIR / "connectx_probe.py"), mode])
    return H.run_json(argv, env=H.shim_env(**env), cwd=str(H.REPO))


def test_connectx_releases_the_gil():
    result = _probe("gil")
    assert result["sctp"].startswith(str(H.PKG_ROOT))
    assert result["ran_during_connectx"] is True and result["thread_done"]


def test_connectx_with_a_timeout_raises_timeouterror():
    assert _probe("timeout", AIOSCTP_SCTP_COMPAT="linux")["outcome"] == "TimeoutError"


def test_connectx_with_a_timeout_on_the_defaults_as_0_7_3():
    """0.7.3: settimeout() made the descriptor nonblocking and nothing
    waited; programs written for it catch BlockingIOError (D7)."""
    assert _probe("timeout")["outcome"] == "BlockingIOError"


def test_sctp_recv_with_a_timeout_on_the_defaults_as_0_7_3(monkeypatch):
    monkeypatch.setattr(sctp._sctp, "compat_mode", sctp.COMPAT_PYSCTP_073)
    cli, conn = H.pair()
    conn.settimeout(30)
    with pytest.raises(BlockingIOError):  # at once, as 0.7.3 (no TimeoutError after 30 s)
        conn.sctp_recv(100)
    cli.sctp_send(b"data")
    assert select.select([conn], [], [], 30)[0]  # as 0.7.3 programs do: wait, then read
    assert conn.sctp_recv(100)[2] == b"data"
    cli.close()
    conn.close()


def test_connectx_nonblocking_returns_at_once():
    assert _probe("nonblocking", AIOSCTP_SCTP_COMPAT="linux") == {
        "outcome": "int", "state_is_cookie_wait": True,
        "sctp": str(H.PKG_ROOT / "sctp" / "__init__.py")}


def test_connectx_nonblocking_on_the_defaults_raises_einprogress():
    """As 0.7.3: programs (python-diameter's Node among them) catch
    EINPROGRESS and wait for the socket to become writable."""
    out = _probe("nonblocking")
    assert (out["outcome"], out["errno"]) == ("BlockingIOError", errno.EINPROGRESS)


# ---- 6. timeouts and nonblocking sockets ---------------------------------------------------------


def test_sctp_recv_honours_the_socket_mode():
    cli, conn = H.pair()
    conn.settimeout(0.2)
    with pytest.raises(TimeoutError):
        conn.sctp_recv(100)
    conn.setblocking(False)
    with pytest.raises(BlockingIOError):
        conn.sctp_recv(100)
    # blocking and timeout modes wait for what comes later
    for timeout in (None, 10):
        conn.settimeout(timeout)
        go = threading.Event()
        t = threading.Thread(target=lambda: (go.wait(), cli.sctp_send(b"later")))
        t.start()
        go.set()
        assert conn.sctp_recv(100)[2] == b"later"
        t.join()
    cli.close()
    conn.close()


def test_sctp_send_honours_the_socket_mode():
    def setup(srv, cli):
        srv.set_rcvbuf(4096)
        cli.set_sndbuf(16384)
    cli, conn = H.pair(setup=setup)
    cli.settimeout(0.3)
    with pytest.raises(TimeoutError):
        for _ in range(1000):  # the peer does not read: the buffers fill up
            cli.sctp_send(b"z" * 1000)
    cli.setblocking(False)
    with pytest.raises(BlockingIOError):
        for _ in range(1000):
            cli.sctp_send(b"z" * 1000)
    cli.close()
    conn.close()


def test_peeled_and_accepted_sockets_keep_working_with_timeouts():
    srv = H.listener("udp")
    srv.events.clear()
    srv.settimeout(5)
    c = sctp.sctpsocket_udp(socket.AF_INET)
    c.sctp_send(b"a", to=srv.getsockname())
    info = H.recv_until(srv, sctp.sndrcvinfo)[3]
    peeled = srv.peeloff(info.assoc_id)
    assert peeled.gettimeout() == 5
    peeled.settimeout(0.1)
    with pytest.raises(TimeoutError):
        peeled.sctp_recv(100)
    peeled.close()
    c.close()
    srv.close()


# ---- 7. errors are exceptions -------------------------------------------------------------------


def test_errors_raise_exceptions():
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    with pytest.raises(TypeError):
        s.events.data_io = None  # 0.7.3: SystemError
    with pytest.raises(TypeError):
        s.initparams.num_ostreams = "3"
    r = s.get_rtoinfo()
    r.initial = 1.5
    with pytest.raises(TypeError):
        s.set_rtoinfo(r)  # 0.7.3: SystemError
    a = s.get_assocparams()
    a.assocmaxrxt = 70000
    with pytest.raises(OverflowError):
        s.set_assocparams(a)  # 0.7.3: silently truncated
    p = s.get_paddrparams(0, ("", 0))
    del p.flags
    with pytest.raises(KeyError):
        s.set_paddrparams(p)
    with pytest.raises(OSError) as e:
        s.getpaddrs()  # not connected
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError):
        s.get_status()
    fd = s.fileno()
    with pytest.raises(KeyError):
        _sctp.set_events(fd, {})
    with pytest.raises(KeyError):
        _sctp.get_rtoinfo(fd, {})
    with pytest.raises(ValueError):
        _sctp.getconstant("SCTP_NOTHING")
    s.close()
    for call in (lambda: s.sctp_send(b"x"), lambda: s.sctp_recv(10), lambda: s.getladdrs(),
                 lambda: s.nodelay, lambda: s.get_rtoinfo()):
        with pytest.raises(OSError) as e:
            call()
        assert e.value.errno == errno.EBADF
    with pytest.raises(OSError) as e:
        _sctp.get_nodelay(-1)
    assert e.value.errno == errno.EBADF
    with sctp.sctpsocket_tcp(socket.AF_INET) as s:
        with pytest.raises(ValueError):
            s.sctp_recv(0)


def test_connectx_returns_the_association_id():
    srv = H.listener()
    cli = sctp.sctpsocket_tcp(socket.AF_INET)
    aid = cli.connectx([srv.getsockname()])
    assert isinstance(aid, int) and aid > 0
    conn, _ = srv.accept()
    assert conn.get_status().primary.assoc_id > 0
    for s in (cli, conn, srv):
        s.close()


def test_received_addresses_are_never_none_for_data():
    srv = H.listener("udp")
    srv.settimeout(10)
    c = sctp.sctpsocket_udp(socket.AF_INET6)
    c.sctp_send(b"from v6 socket", to=("::ffff:127.0.0.1", srv.getsockname()[1]))
    fromaddr, _, msg, _ = srv.sctp_recv(100)
    assert msg == b"from v6 socket" and fromaddr[0] == "127.0.0.1"
    c.close()
    srv.close()


# ---- smaller bugs ----------------------------------------------------------------------------


def test_initparams_max_init_timeo_is_its_own_value():
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    assert s.initparams.max_init_timeo == 60000  # 0.7.3 showed max_attempts (8)
    s.initparams.max_instreams = 3  # writes all four values back
    assert O.get_initmsg(s.sock()).max_init_timeo == 60000  # 0.7.3: 8 ms
    s.initparams.max_init_timeo = 1234
    assert O.get_initmsg(s.sock()) == O.InitMsg(10, 3, 8, 1234)
    s.close()


def test_paddrparams_values_are_applied():
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    p = s.get_paddrparams(0, ("", 0))
    p.hbinterval, p.sackdelay = 7000, 150  # 0.7.3 sent them without their flags
    s.set_paddrparams(p)
    got = O.get_peer_addr_params(s.sock())
    assert (got.hbinterval, got.sackdelay) == (7000, 150)
    s.close()


def test_paddrparams_as_0_7_3_on_the_defaults(monkeypatch):
    """On the defaults set_paddrparams does what 0.7.3 did on Linux: a
    leftover hbinterval=1 (or pathmtu, sackdelay, flags) changes nothing,
    pathmaxrxt is applied; bad values are still refused."""
    monkeypatch.setattr(sctp._sctp, "compat_mode", sctp.COMPAT_PYSCTP_073)
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    before = O.get_peer_addr_params(s.sock())
    p = s.get_paddrparams(0, ("", 0))
    p.hbinterval, p.sackdelay, p.pathmtu, p.pathmaxrxt = 1, 150, 1200, 7
    p.flags = p.flags_HB_DISABLE | p.flags_SACKDELAY_DISABLE
    s.set_paddrparams(p)
    got = O.get_peer_addr_params(s.sock())
    assert (got.hbinterval, got.sackdelay, got.pathmtu, int(got.flags)) == (
        before.hbinterval, before.sackdelay, before.pathmtu, int(before.flags))
    assert before.hbinterval != 1 and got.pathmaxrxt == 7
    p.hbinterval = 1 << 32
    with pytest.raises(OverflowError):
        s.set_paddrparams(p)
    p.hbinterval, p.flags = 1, "1"
    with pytest.raises(TypeError):
        s.set_paddrparams(p)
    s.close()


def test_datalogging_records_bytes(tmp_path):
    cli, conn = H.pair()
    prefix = str(tmp_path / "rec")
    cli.sctp_send(b"\x00\xffbinary", datalogging=True, record_file_prefix=prefix)
    cli.datalogging = True
    cli.sctp_send("text", record_file_prefix=prefix)
    files = sorted(tmp_path.iterdir(), key=lambda f: f.read_bytes())
    assert [f.read_bytes() for f in files] == [b"\x00\xffbinary", b"text"]
    assert all(f.name.startswith("rec-") and "-c2s." in f.name for f in files)
    assert [conn.sctp_recv(100)[2] for _ in range(2)] == [b"\x00\xffbinary", b"text"]
    cli.close()
    conn.close()
