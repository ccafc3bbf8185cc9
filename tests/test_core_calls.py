"""The C core's calls against kernel SCTP (issue 11's C items): timeouts of
the one system-call helper, strong references to items of a list emptied
mid-parse, a blocking connectx() interrupted by a signal, the receive control
buffer's headroom for SO_TIMESTAMP*, explicit zero SNDINFO, the byte order of
SendFailed.error, and the receive information as struct sequences.

Calls that crashed or hung before the fixes run in a subprocess with a time
limit, so a regression fails its test instead of the run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from aiosctp import _sctp, events, lowlevel as ll, options as o

from sctputil import expect, pair

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_snippet(code: str, *, netns_setup: str = "", timeout: float = 120) -> str:
    """Run code in a fresh interpreter (PYTHONMALLOC=debug: freed memory is
    overwritten, so a use-after-free reads garbage), in a network namespace
    of its own when netns_setup (shell commands) is given; return stdout."""
    # The aiosctp under test (a checkout's, or the installed wheel's: never
    # the unbuilt source tree beside an unpacked sdist), and tests/ for sctputil.
    pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(_sctp.__file__)))
    env = dict(os.environ, PYTHONMALLOC="debug",
               PYTHONPATH=os.pathsep.join([pkg_root, os.path.join(ROOT, "tests")]))
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    if netns_setup:
        argv = ["unshare", "-n", "sh", "-c", netns_setup + ' && exec "$@"', "sh"] + argv
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=pkg_root,
                          timeout=timeout)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout


# ---- timeouts: 0.0 never waits -------------------------------------------------------------------


def test_timeout_zero_does_not_block_a_blocking_sctp_socket() -> None:
    # Before: sendmsg/recvmsg with timeout 0.0 blocked in the system call on
    # a blocking descriptor (the subprocess hung until its time limit).
    out = run_snippet("""
        import socket
        from aiosctp import _sctp, lowlevel as ll
        from sctputil import pair, send_until_eagain
        cli, srv = pair(subscribe=False)
        for s in (cli, srv):
            s.settimeout(None)
        try:
            _sctp.recvmsg(srv.fileno(), 100, 0.0)
        except BlockingIOError:
            print("recv-eagain")
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
        n, full = send_until_eagain(cli.fileno(), 1000)
        if full:
            print("send-eagain")
        print(n > 0)
    """, timeout=60)
    assert out.split() == ["recv-eagain", "send-eagain", "True"]


# ---- strong references -----------------------------------------------------------------------------

CLEARING = """
import socket
from aiosctp import _sctp, lowlevel as ll
from sctputil import Clearing

def free_port():
    s = ll.sctp_socket(socket.AF_INET, "one-to-many")
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
"""


def test_bindx_list_cleared_mid_parse_binds_what_was_given() -> None:
    out = run_snippet(CLEARING + """
port = free_port()
s = ll.sctp_socket(socket.AF_INET, "one-to-many")
addrs = []
addrs.append(("127.0.0.1", Clearing(addrs, port)))
addrs.append(("127.0.0.2", port))
_sctp.bindx(s.fileno(), socket.AF_INET, addrs, _sctp.SCTP_BINDX_ADD_ADDR)
print(addrs == [], sorted(a[0] for a in ll.getladdrs(s)), port == s.getsockname()[1])
""")
    assert out.strip() == "True ['127.0.0.1', '127.0.0.2'] True"


def test_connectx_list_cleared_mid_parse_connects() -> None:
    out = run_snippet(CLEARING + """
lst = ll.sctp_socket(socket.AF_INET)
lst.bind(("0.0.0.0", 0))
lst.listen(4)
port = lst.getsockname()[1]
cli = ll.sctp_socket(socket.AF_INET)
addrs = []
addrs.append(("127.0.0.1", Clearing(addrs, port)))
addrs.append(("127.0.0.2", port))
assoc = _sctp.connectx(cli.fileno(), socket.AF_INET, addrs, -1.0)
srv, _ = lst.accept()
print(addrs == [], assoc > 0, assoc == _sctp.get_status(cli.fileno(), 0)[0])
""")
    assert out.strip() == "True True True"


def test_sendmsgs_list_cleared_mid_parse_sends_every_message() -> None:
    out = run_snippet(CLEARING + """
from sctputil import pair
cli, srv = pair(subscribe=False)
msgs = []
msgs.append((b"first", Clearing(msgs, 1), 0, 0, 0, 0, 0, None))
msgs.extend((b"m%d" % i, 0, i, 0, 0, 0, 0, None) for i in range(4))
print(_sctp.sendmsgs(cli.fileno(), msgs, -1.0), msgs == [])
print([srv.recv(100) for _ in range(5)])
""")
    assert out.split("\n")[:2] == ["5 True", "[b'first', b'm0', b'm1', b'm2', b'm3']"]


# ---- connectx interrupted by a signal ------------------------------------------------------------

# Every packet on lo waits 300 ms: the handshake of a blocking connectx()
# takes over a second, and the 50 ms interval timer hits it many times.
NETEM = ("ip link set lo up && tc qdisc add dev lo root netem delay 300ms")

CONNECTX_EINTR = """
import json, signal, socket
from aiosctp import _sctp, lowlevel as ll
lst = ll.sctp_socket(socket.AF_INET)
lst.bind(("127.0.0.1", 0))
lst.listen(4)
cli = ll.sctp_socket(socket.AF_INET)
hits = []
def handler(*_):
    hits.append(1)
    if RAISE and len(hits) == 1:
        raise KeyboardInterrupt
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
try:
    assoc = _sctp.connectx(cli.fileno(), socket.AF_INET, [lst.getsockname()], -1.0)
    raised = None
except KeyboardInterrupt:
    assoc, raised = 0, "KeyboardInterrupt"
signal.setitimer(signal.ITIMER_REAL, 0)
if raised:
    # the handshake went on in the kernel: wait for it on the socket
    import select
    select.select([], [cli], [], 30)
status = _sctp.get_status(cli.fileno(), 0)
print(json.dumps({"assoc": assoc, "status_assoc": status[0], "state": status[1],
                  "hits": len(hits), "raised": raised}))
"""


def test_blocking_connectx_interrupted_by_signals_returns_the_real_id() -> None:
    # Before: the kernel copies the id back only on success or EINPROGRESS;
    # after EINTR connectx() returned 0.
    r = json.loads(run_snippet("RAISE = False\n" + CONNECTX_EINTR, netns_setup=NETEM))
    assert r["hits"] >= 1 and r["raised"] is None
    assert r["assoc"] != 0 and r["assoc"] == r["status_assoc"], r


def test_blocking_connectx_signal_handler_exception_ends_the_call() -> None:
    r = json.loads(run_snippet("RAISE = True\n" + CONNECTX_EINTR, netns_setup=NETEM))
    assert r["raised"] == "KeyboardInterrupt" and r["status_assoc"] != 0, r


# ---- receive control buffer ---------------------------------------------------------------------

SO_TIMESTAMPING = 37
SOF_RX = 0x8 | 0x10  # SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE
SO_TIMESTAMPNS = 35
SO_RXQ_OVFL = 40


def test_rcvinfo_survives_socket_timestamps() -> None:
    # Before: the control buffer had room for the SCTP cmsgs only; the
    # kernel puts the timestamps first, RCVINFO was cut (MSG_CTRUNC) and the
    # message read as stream 0, PPID 0.
    cli, srv = pair(subscribe=False)
    with cli, srv:
        srv.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        srv.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, SOF_RX)
        srv.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        o.set_recvrcvinfo(srv)
        o.set_recvnxtinfo(srv)
        ll.sendmsg(cli, b"first", stream=3, ppid=99)
        ll.sendmsg(cli, b"second", stream=4, ppid=100)
        got = []
        for _ in range(2):
            data, flags, _addr, info, nxt = _sctp.recvmsg(srv.fileno(), 100, 10.0)
            assert not flags & _sctp.MSG_CTRUNC
            got.append((data, info.stream, info.ppid))
        assert got == [(b"first", 3, 99), (b"second", 4, 100)]
        ll.sendmsg(cli, b"third", stream=5, ppid=101)
        msg = ll.recvmsg(srv)
        assert (msg.data, msg.stream, msg.ppid) == (b"third", 5, 101)
        ll.sendmsg(cli, b"fourth", stream=6, ppid=102)
        srv.settimeout(10)
        (item,) = _sctp.recvmsgs(srv.fileno(), 100, 4, 10.0)
        assert (item[0], item[3].stream, item[3].ppid) == (b"fourth", 6, 102)


def test_receive_info_is_a_struct_sequence() -> None:
    cli, srv = pair(subscribe=False)
    with cli, srv:
        o.set_recvrcvinfo(srv)
        o.set_recvnxtinfo(srv)
        ll.sendmsg(cli, b"one", stream=2, ppid=46, unordered=True)
        ll.sendmsg(cli, b"two!", stream=1, ppid=47)
        expect_two = None
        data, _f, _a, info, nxt = _sctp.recvmsg(srv.fileno(), 100, 10.0)
        if nxt is None:  # the second had not arrived yet: read it alone
            expect_two = True
        assert isinstance(info, _sctp.RcvInfo) and data == b"one"
        assert (info.stream, info.ppid, info.flags & _sctp.SCTP_UNORDERED) == (2, 46,
                                                                             _sctp.SCTP_UNORDERED)
        assert info == (info[0], info[1], info[2], info[3], info[4], info[5], info[6], info[7])
        assert info.assoc_id == info[7] == o.get_status(srv).assoc_id
        if not expect_two:
            assert isinstance(nxt, _sctp.NxtInfo)
            assert (nxt.stream, nxt.ppid, nxt.length) == (1, 47, 4)


# ---- explicit SNDINFO -------------------------------------------------------------------------------


def test_explicit_zero_stream_and_ppid_are_sent_as_given() -> None:
    # Before: an all-zero sendmsg sent no SNDINFO and took the socket's
    # SCTP_DEFAULT_SNDINFO (stream 2, PPID 7 here).
    cli, srv = pair(subscribe=False)
    with cli, srv:
        o.set_recvrcvinfo(srv)
        o.set_default_sndinfo(cli, stream=2, ppid=7)
        ll.sendmsg(cli, b"zero", stream=0, ppid=0)
        msg = ll.recvmsg(srv)
        assert (msg.data, msg.stream, msg.ppid) == (b"zero", 0, 0)
        # stream=None is the explicit way to the socket's default
        _sctp.sendmsg(cli.fileno(), b"dflt", None, 0, 0, 0, 0, 0, None, -1.0)
        msg = ll.recvmsg(srv)
        assert (msg.data, msg.stream, msg.ppid) == (b"dflt", 2, 7)
        with pytest.raises(ValueError, match="stream=None"):
            _sctp.sendmsg(cli.fileno(), b"x", None, 5, 0, 0, 0, 0, None, -1.0)


# ---- SendFailed.error ----------------------------------------------------------------------------------


def test_send_failed_error_is_the_abort_cause_code() -> None:
    # Before: the cause code came in network byte order: 12 read 3072.
    def small(s: socket.socket) -> None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    lst = ll.sctp_socket(socket.AF_INET)
    small(lst)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = ll.sctp_socket(socket.AF_INET)
    ll.subscribe(cli)
    cli.connect(lst.getsockname())
    srv, _ = lst.accept()
    lst.close()
    with cli, srv:
        expect(cli, events.AssocChange)
        cli.setblocking(False)
        sent = 0
        with pytest.raises(BlockingIOError):
            for _ in range(100000):  # the peer does not read: the buffers fill
                ll.sendmsg(cli, b"x" * 1000, stream=1, ppid=5)
                sent += 1
        assert sent > 0
        # close with SO_LINGER 0: an ABORT with cause 12, User-Initiated Abort
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        srv.close()
        cli.settimeout(10)
        failed, lost = [], None
        for _ in range(sent + 50):
            try:
                item = ll.recvmsg(cli)
            except (TimeoutError, ConnectionError):
                break
            if item is None:  # end of file: everything was read
                break
            if isinstance(item, events.SendFailed):
                failed.append(item)
            elif isinstance(item, events.AssocChange) and item.state == _sctp.SCTP_COMM_LOST:
                lost = item
                cli.settimeout(2)
        assert lost is not None and lost.error == 12
        assert failed and {f.error for f in failed} == {12}
        assert all(f.info.stream == 1 and f.info.ppid == 5 for f in failed)
