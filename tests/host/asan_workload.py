"""The C core's paths that need no kernel SCTP, for the ASan+UBSan build on
the host: the notification decoder over random and cut-short input, argument
conversion and its errors, address packing/unpacking, sendmsg/recvmsg with
SCTP ancillary data over a UDP socket pair (the kernel ignores SCTP cmsgs
there, but our building and walking of them runs), recvmmsg/sendmmsg, and
error paths (EBADF, EPROTONOSUPPORT), lists emptied by __index__ mid-parse,
control data cut by MSG_CTRUNC and signals during blocking calls. Prints
"asan workload ok"."""

import errno
import random
import socket
import struct

from aiosctp import _sctp, events, lowlevel as ll

rng = random.Random(7)
for _ in range(30000):
    ntype = rng.choice([_sctp.SCTP_ASSOC_CHANGE, _sctp.SCTP_PEER_ADDR_CHANGE,
                        _sctp.SCTP_SEND_FAILED_EVENT, _sctp.SCTP_STREAM_RESET_EVENT,
                        _sctp.SCTP_REMOTE_ERROR, rng.randrange(65536)])
    raw = struct.pack("=HHI", ntype, 0, rng.randrange(2**32)) + rng.randbytes(rng.randrange(300))
    raw = raw[: rng.randrange(len(raw) + 1)]
    assert isinstance(events.decode(raw), events.Event)
    assert isinstance(events.decode(bytearray(raw)), events.Event)

for addr in [("127.0.0.1", 1), ("::1", 2, 3, 4), ("", 0), ("1.2.3.4", 65535)]:
    _sctp.check_sockaddr(addr, socket.AF_INET6 if ":" in addr[0] or addr[0] == "" else socket.AF_INET)
for bad in [("x", 1), ("1.2.3.4",), "junk", ("1.2.3.4", -1), ("::1", 1, 2, 3, 4)]:
    try:
        _sctp.check_sockaddr(bad, socket.AF_INET)
    except (TypeError, ValueError, OverflowError):
        pass
    else:
        raise AssertionError(bad)

try:
    ll.sctp_socket()
except OSError as e:
    assert e.errno in (errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT), e

a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b.bind(("127.0.0.1", 0))
for i in range(2000):
    n = _sctp.sendmsg(a.fileno(), b"p" * (i % 500 + 1), i % 7, i, _sctp.SCTP_UNORDERED * (i & 1),
                      i, i % 3, 0, b.getsockname(), -1.0)
    data, flags, frm, info, nxt = _sctp.recvmsg(b.fileno(), 1 + i % 700, -1.0)
    assert len(data) == min(n, 1 + i % 700) and frm == a.getsockname() and info is None
batch = [(b"q" * (j + 1), j, j, 0, 0, 0, 0, b.getsockname()) for j in range(50)]
assert _sctp.sendmsgs(a.fileno(), batch, -1.0) == 50
got = []
while len(got) < 50:
    got += _sctp.recvmsgs(b.fileno(), 100, 64)
assert [len(g[0]) for g in got] == list(range(1, 51))
# the timeout argument follows the socket's mode, as aiosctp.lowlevel passes it
b.setblocking(False)
for call in (lambda: _sctp.recvmsg(b.fileno(), 10, 0.0), lambda: _sctp.recvmsgs(b.fileno(), 10, 4)):
    try:
        call()
    except BlockingIOError:
        pass
    else:
        raise AssertionError("expected EAGAIN")
b.settimeout(0.05)
try:
    _sctp.recvmsg(b.fileno(), 10, 0.05)
except TimeoutError:
    pass
else:
    raise AssertionError("expected a timeout")
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fd = c.fileno()
c.close()
for call in (lambda: _sctp.sendmsg(fd, b"x", 0, 0, 0, 0, 0, 0, None, -1.0),
             lambda: _sctp.getpaddrs(fd, 0), lambda: _sctp.bindx(fd, 2, [("127.0.0.1", 0)], 1),
             lambda: _sctp.get_assoc_ids(fd), lambda: _sctp.peeloff(fd, 1)):
    try:
        call()
    except OSError as e:
        assert e.errno == errno.EBADF
for bad in [lambda: _sctp.sendmsg(a.fileno(), b"", 0, 0, 0, 0, 0, 0, None, -1.0),
            lambda: _sctp.sendmsg(a.fileno(), "s", 0, 0, 0, 0, 0, 0, None, -1.0),
            lambda: _sctp.sendmsg(a.fileno(), b"x", 2**16, 0, 0, 0, 0, 0, None, -1.0),
            lambda: _sctp.sendmsgs(a.fileno(), [(b"x", 0)], -1.0),
            lambda: _sctp.sendmsgs(a.fileno(), [(b"x", 0, 0, 0, 0, 0, 0, ("x", 1))], -1.0),
            lambda: _sctp.bindx(a.fileno(), 2, [], 1),
            lambda: _sctp.connectx(a.fileno(), 2, [("1.2.3.4", 5), None], -1.0)]:
    try:
        bad()
    except (TypeError, ValueError, OverflowError):
        pass
    else:
        raise AssertionError("bad input accepted")
# 40 IPv6 addresses packed for bindx/connectx: the kernel refuses them on a
# UDP socket, after our packing ran (under ASan)
for call in (lambda: _sctp.bindx(a.fileno(), socket.AF_INET6, [("::1", 1, 2, 3)] * 40, 1),
             lambda: _sctp.connectx(a.fileno(), socket.AF_INET6, [("::1", 1)] * 40, -1.0)):
    try:
        call()
    except OSError as e:
        assert e.errno in (errno.ENOPROTOOPT, errno.EOPNOTSUPP), e

# Items of a caller's list emptied by __index__ while the C core parses them
# (it holds a tuple copy): no use-after-free in bindx/connectx packing and
# sendmsgs; the snapshot is used whole.
from sctputil import Clearing  # noqa: E402


msgs = []
msgs.append((b"one", Clearing(msgs, 1), 0, 0, 0, 0, 0, b.getsockname()))
msgs.extend((b"m%d" % i, i, 0, 0, 0, 0, 0, b.getsockname()) for i in range(5))
b.setblocking(True)
assert _sctp.sendmsgs(a.fileno(), msgs, -1.0) == 6 and msgs == []
assert [_sctp.recvmsg(b.fileno(), 100, -1.0)[0] for _ in range(6)] == \
    [b"one", b"m0", b"m1", b"m2", b"m3", b"m4"]
for call in ("bindx", "connectx"):
    addrs = []
    addrs.append(("127.0.0.1", Clearing(addrs, 5000)))
    addrs.extend(("127.0.0.%d" % i, 5000) for i in range(2, 40))
    try:
        if call == "bindx":
            _sctp.bindx(a.fileno(), socket.AF_INET, addrs, 1)
        else:
            _sctp.connectx(a.fileno(), socket.AF_INET, addrs, -1.0)
    except OSError as e:
        assert e.errno in (errno.ENOPROTOOPT, errno.EOPNOTSUPP), e
    assert addrs == []

# Control data cut by the kernel (MSG_CTRUNC): 200 descriptors do not fit;
# the walk reads nothing past what was filled.
import os

u, v = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
fds = [os.dup(0) for _ in range(200)]
socket.send_fds(u, [b"payload"], fds)
for fd in fds:
    os.close(fd)
data, flags, frm, info, nxt = _sctp.recvmsg(v.fileno(), 100, -1.0)
assert data == b"payload" and flags & _sctp.MSG_CTRUNC and info is None
socket.send_fds(u, [b"again"], [0] * 200)
(item,) = _sctp.recvmsgs(v.fileno(), 100, 4)
assert item[0] == b"again" and item[1] & _sctp.MSG_CTRUNC

# Signals during blocking calls (PEP 475): a returning handler retries, a
# raising one ends the call; the one system-call helper's paths under ASan.
import signal
import threading

hits = []
signal.signal(signal.SIGALRM, lambda *_: hits.append(1))
timer = threading.Timer(0.5, lambda: a.sendto(b"late", b.getsockname()))
timer.start()
signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
assert _sctp.recvmsg(b.fileno(), 100, -1.0)[0] == b"late"
signal.setitimer(signal.ITIMER_REAL, 0)
timer.join()
assert hits


class Stop(Exception):
    pass


def stop(*_):
    raise Stop


signal.signal(signal.SIGALRM, stop)
for call in (lambda: _sctp.recvmsgs(b.fileno(), 100, 4, -1.0),
             lambda: _sctp.recvmsg(b.fileno(), 100, 5.0)):
    signal.setitimer(signal.ITIMER_REAL, 0.02)
    try:
        call()
    except Stop:
        pass
    else:
        raise AssertionError("the handler's exception was lost")
signal.signal(signal.SIGALRM, signal.SIG_DFL)
for bad in (lambda: _sctp.recvmsgs(b.fileno(), 2**40, 2), lambda: _sctp.recvmsg(b.fileno(), 2**40, 0.0),
            lambda: _sctp.check_sockaddr(("::1", 1, 2**20, 0), socket.AF_INET6)):
    try:
        bad()
    except (ValueError, OverflowError):
        pass
    else:
        raise AssertionError("out-of-range size accepted")
print("asan workload ok")
