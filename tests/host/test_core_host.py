"""The C core's calls on the host, where no SCTP socket is needed: argument
bounds (receive buffer sizes, IPv6 flowinfo/scope_id), strong references to
the items of a caller's list that Python code empties mid-parse, the timeout
contract of the one system-call helper (0.0 never waits, EINTR per PEP 475),
and control data cut by MSG_CTRUNC. UDP and Unix sockets stand in for SCTP:
the kernel ignores the SCTP ancillary data there, but our code runs.

Each call that could crash or hang on the old code runs in a subprocess with
a time limit, so a regression fails one test instead of the run."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

_sctp = pytest.importorskip("aiosctp._sctp")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_snippet(code: str, timeout: float = 60) -> str:
    """Run code in a fresh interpreter (PYTHONMALLOC=debug: freed memory is
    overwritten, so a use-after-free reads garbage); return its stdout."""
    env = dict(os.environ, PYTHONMALLOC="debug",
               PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "tests")]))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=timeout)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout


def udp_pair():
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    return a, b


# ---- receive buffer bounds (issue 11: recvmsgs(s, 2**40, 2) raised MemoryError) ----


@pytest.mark.parametrize("call", [
    lambda fd: _sctp.recvmsgs(fd, 2**40, 2),
    lambda fd: _sctp.recvmsgs(fd, 2**26, 2),
    lambda fd: _sctp.recvmsg(fd, 2**40, 0.0),
    lambda fd: _sctp.recvmsg(fd, 2**28 + 1, 0.0),  # nonblocking: never waits either way
])
def test_huge_receive_buffer_is_a_value_error_naming_the_limit(call) -> None:
    a, b = udp_pair()
    with a, b:
        b.setblocking(False)  # whatever the checks, the call must not wait here
        with pytest.raises(ValueError) as e:
            call(b.fileno())
        assert "must be" in str(e.value)
        assert str(2**26) in str(e.value) or str(2**28) in str(e.value)


def test_receive_sizes_beyond_ssize_t_and_bad_types() -> None:
    a, b = udp_pair()
    with a, b:
        b.setblocking(False)
        with pytest.raises(OverflowError, match="bufsize"):
            _sctp.recvmsg(b.fileno(), 2**70, 0.0)
        with pytest.raises(OverflowError, match="max_messages"):
            _sctp.recvmsgs(b.fileno(), 100, 2**70)
        with pytest.raises(ValueError, match="max_messages must be 1..64"):
            _sctp.recvmsgs(b.fileno(), 100, 65)
        with pytest.raises(ValueError, match="bufsize"):
            _sctp.recvmsg(b.fileno(), 0, 0.0)
        with pytest.raises(TypeError):
            _sctp.recvmsg(b.fileno(), 1.5, 0.0)


# ---- IPv6 flowinfo and scope_id: never masked ---------------------------------------------------


@pytest.mark.parametrize("addr", [("::1", 1, 2**20, 0), ("::1", 1, 0, 2**32), ("::1", 1, -1, 0),
                                  ("::1", 1, 0, -1), ("::1", 65536), ("127.0.0.1", -1)])
def test_address_fields_out_of_range_raise_overflow_error(addr) -> None:
    with pytest.raises(OverflowError):
        _sctp.check_sockaddr(addr, socket.AF_INET6)


def test_address_fields_at_their_limits_round_trip() -> None:
    addr = ("::1", 65535, 2**20 - 1, 2**32 - 1)
    assert _sctp.check_sockaddr(addr, socket.AF_INET6) == addr


def test_address_integers_by_index_and_bad_hosts() -> None:
    class Idx:
        def __index__(self) -> int:
            return 7

    assert _sctp.check_sockaddr(("::1", Idx(), Idx(), Idx()), socket.AF_INET6) == ("::1", 7, 7, 7)
    with pytest.raises(TypeError):
        _sctp.check_sockaddr((b"::1", 1), socket.AF_INET6)
    with pytest.raises(ValueError, match="null"):
        _sctp.check_sockaddr(("::1\0", 1), socket.AF_INET6)
    with pytest.raises(TypeError, match="not a string"):
        _sctp.bindx(0, socket.AF_INET, "127.0.0.1", _sctp.SCTP_BINDX_ADD_ADDR)


# ---- strong references while Python code runs mid-parse --------------------------------------

CLEARING = """
import errno, socket
from aiosctp import _sctp
from sctputil import Clearing
"""


def test_sendmsgs_list_cleared_by_index_is_sent_as_given() -> None:
    out = run_snippet(CLEARING + """
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
to = b.getsockname()
msgs = []
msgs.append((b"one", Clearing(msgs, 1), 0, 0, 0, 0, 0, to))
msgs.extend((bytes([65 + i]) * (i + 2), i, 0, 0, 0, 0, 0, to) for i in range(5))
assert _sctp.sendmsgs(a.fileno(), msgs, -1.0) == 6
assert msgs == []
got = [_sctp.recvmsg(b.fileno(), 100, -1.0)[0] for _ in range(6)]
print(got)
""")
    assert out.strip() == repr([b"one", b"AA", b"BBB", b"CCCC", b"DDDDD", b"EEEEEE"])


@pytest.mark.parametrize("call", ["bindx", "connectx"])
def test_address_list_cleared_by_index_does_not_crash(call: str) -> None:
    # The kernel refuses both on a UDP socket (ENOPROTOOPT), after the whole
    # list was parsed: with borrowed items the second one was read from the
    # emptied list.
    out = run_snippet(CLEARING + f"""
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addrs = []
addrs.append(("127.0.0.1", Clearing(addrs, 5000)))
addrs.extend(("127.0.0.%d" % i, 5000) for i in range(2, 40))
try:
    if {call!r} == "bindx":
        _sctp.bindx(s.fileno(), socket.AF_INET, addrs, _sctp.SCTP_BINDX_ADD_ADDR)
    else:
        _sctp.connectx(s.fileno(), socket.AF_INET, addrs, -1.0)
except OSError as e:
    print("errno", e.errno in (errno.ENOPROTOOPT, errno.EOPNOTSUPP), addrs)
""")
    assert out.strip() == "errno True []"


# ---- the system-call helper: timeouts and signals ---------------------------------------------


def test_timeout_zero_never_waits_on_a_blocking_descriptor() -> None:
    # sendmsg/recvmsg with 0.0 on a blocking socket used to block in the
    # system call (only recvmsgs passed MSG_DONTWAIT): here the subprocess
    # would hang until the time limit.
    out = run_snippet("""
import socket
from aiosctp import _sctp
from sctputil import send_until_eagain
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
assert a.gettimeout() is None and b.gettimeout() is None
for call in (lambda: _sctp.recvmsg(b.fileno(), 10, 0.0),
             lambda: _sctp.recvmsgs(b.fileno(), 10, 4, 0.0)):
    try:
        call()
    except BlockingIOError:
        print("eagain")
# a full send buffer: a Unix datagram pair whose reader never reads
u, v = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
if send_until_eagain(u.fileno(), 512)[1]:
    print("full")
n = 0
try:
    while n < 100000:
        n += _sctp.sendmsgs(u.fileno(), [(b"y" * 512, 0, 0, 0, 0, 0, 0, None)] * 8, 0.0)
except BlockingIOError:
    print("full")
""", timeout=30)
    assert out.split() == ["eagain", "eagain", "full", "full"]


def test_positive_timeout_times_out_once_on_a_blocking_descriptor() -> None:
    a, b = udp_pair()
    with a, b:
        with pytest.raises(TimeoutError):
            _sctp.recvmsg(b.fileno(), 10, 0.05)
        with pytest.raises(TimeoutError):
            _sctp.recvmsgs(b.fileno(), 10, 4, 0.05)


def test_eintr_retried_and_a_raising_handler_ends_the_call() -> None:
    # PEP 475: a signal whose handler returns does not end a blocking call;
    # one whose handler raises ends it with that exception.
    out = run_snippet("""
import signal, socket, threading, time
from aiosctp import _sctp
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
hits = []
signal.signal(signal.SIGALRM, lambda *_: hits.append(1))
sender = threading.Timer(1.0, lambda: a.sendto(b"late", b.getsockname()))
sender.start()
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
data = _sctp.recvmsg(b.fileno(), 100, -1.0)[0]
signal.setitimer(signal.ITIMER_REAL, 0)
sender.join()
print(data, len(hits) > 0)
class Stop(Exception):
    pass
def stop(*_):
    raise Stop
signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, 0.05)
try:
    _sctp.recvmsgs(b.fileno(), 100, 4, -1.0)
except Stop:
    print("stopped")
""", timeout=60)
    assert out.split() == ["b'late'", "True", "stopped"]


# ---- control data cut short --------------------------------------------------------------------


def test_truncated_control_data_is_flagged_and_read_within_bounds() -> None:
    # 200 descriptors (SCM_RIGHTS, 800 bytes) do not fit our control buffer:
    # the kernel cuts it and says so; we report MSG_CTRUNC and read nothing
    # past what it filled.
    u, v = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with u, v:
        v.settimeout(10)
        fds = [os.dup(0) for _ in range(200)]
        try:
            socket.send_fds(u, [b"payload"], fds)
            data, flags, _addr, info, nxt = _sctp.recvmsg(v.fileno(), 100, 10.0)
        finally:
            for fd in fds:
                os.close(fd)
        assert data == b"payload"
        assert flags & _sctp.MSG_CTRUNC
        assert info is None and nxt is None


def test_info_types_are_struct_sequences() -> None:
    assert _sctp.RcvInfo.n_fields == 8 and _sctp.NxtInfo.n_fields == 5
    info = _sctp.RcvInfo((3, 1, 0, 99, 10, 0, 5, 7))
    assert (info.stream, info.ssn, info.ppid, info.context, info.assoc_id) == (3, 1, 99, 5, 7)
    stream, _ssn, _flags, ppid, *_ = info
    assert (stream, ppid) == (3, 99) and info[3] == 99 and tuple(info)[7] == 7
    nxt = _sctp.NxtInfo((2, 0, 46, 100, 7))
    assert (nxt.stream, nxt.ppid, nxt.length) == (2, 46, 100)


# ---- accept (the server's accept4: nonblocking and close-on-exec at once) ----


def test_accept_gives_a_nonblocking_close_on_exec_descriptor(tmp_path: Any) -> None:
    import fcntl

    from aiosctp import _sctp
    from aiosctp.server import _accept

    path = str(tmp_path / "l")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(4)
    lst.setblocking(False)
    try:
        with pytest.raises(BlockingIOError):
            _sctp.accept(lst.fileno())  # nothing queued: EAGAIN, at once
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        fd, addr = _sctp.accept(lst.fileno())
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        os.close(fd)
        c2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c2.connect(path)
        conn, _ = _accept(lst)  # wrapped without a further call to unblock it
        assert conn.type == socket.SOCK_STREAM and conn.gettimeout() == 0.0
        assert fcntl.fcntl(conn.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
        conn.close()
        c.close()
        c2.close()
    finally:
        lst.close()
    with pytest.raises(OSError) as e:
        _sctp.accept(10**6)  # a descriptor nobody has
    assert e.value.errno == errno.EBADF
    with pytest.raises(TypeError):
        _sctp.accept("3")  # type: ignore[arg-type]
    r, w = os.pipe()
    try:
        with pytest.raises(OSError) as e:
            _sctp.accept(r)
        assert e.value.errno == errno.ENOTSOCK
    finally:
        os.close(r)
        os.close(w)


def test_accept_asks_poll_first_when_told(tmp_path: Any) -> None:
    """accept(fd, True): BlockingIOError from poll() on an empty queue, an
    association when one is queued."""
    from aiosctp import _sctp

    path = str(tmp_path / "l")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(4)
    try:
        # a blocking listener: without ask_first this accept would wait
        with pytest.raises(BlockingIOError):
            _sctp.accept(lst.fileno(), True)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        fd, _ = _sctp.accept(lst.fileno(), True)
        os.close(fd)
        c.close()
    finally:
        lst.close()
