"""Many send/recv/decode cycles through every C path a data exchange uses:
sendmsg with SNDINFO/PRINFO, recvmsg with RCVINFO, partial reads, batched
sendmmsg/recvmmsg, notifications of several kinds, address lists, peeloff and
error paths. Run under valgrind / a sanitizer build by test_sanitizers.py;
prints "cycles ok" at the end."""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aiosctp import _sctp, events, lowlevel as ll  # noqa: E402
from sctputil import listener, messages, pair  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
cli, srv = pair()
for i in range(n):
    size = (i * 37) % 3000 + 1
    ll.sendmsg(cli, b"x" * size, stream=i % 10, ppid=i, unordered=bool(i & 1),
               context=i, ttl=(1000 if i % 5 == 0 else 0))
    got = messages(srv, 1, bufsize=4096 if i % 3 == 0 else 65536)[0]
    while not got.complete:
        got = messages(srv, 1)[0]
    assert got.ppid == i, got
    if i % 20 == 0:
        assert len(ll.getpaddrs(cli)) >= 1 and len(ll.getladdrs(srv)) >= 1
        ll.get_status(cli)
        try:
            ll.sendmsg(cli, "not bytes")  # type: ignore[arg-type]
        except TypeError:
            pass
        try:
            ll.sendmsg(cli, b"x", stream=70000)
        except OverflowError:
            pass
    if i % 25 == 0:
        batch = [(b"b" * (j + 1), j % 10, j) for j in range(20)]
        sent = 0
        while sent < 20:
            sent += ll.sendmsgs(cli, batch[sent:])
        got_b = []
        while len(got_b) < 20:
            try:
                got_b += [m for m in ll.recvmsgs(srv, 65536, 16) if isinstance(m, ll.Message)]
            except BlockingIOError:
                pass
        assert [m.ppid for m in got_b] == list(range(20))
    events.decode(os.urandom(i % 200))

# one-to-many with peeloff and notifications (COMM_UP, SHUTDOWN_COMP, SendFailed)
many = listener(style="one-to-many")
ll.subscribe(many)
port = many.getsockname()[1]
for k in range(max(3, n // 50)):
    c = ll.sctp_socket(style="one-to-many")
    ll.subscribe(c)
    ll.sendmsg(c, b"hello", to=("127.0.0.1", port))
    many.settimeout(10)
    m = messages(many, 1)[0]
    p = ll.peeloff(many, m.assoc_id)
    p.close()
    c.settimeout(10)
    while not (isinstance(ev := ll.recvmsg(c), events.AssocChange)
               and ev.state != events.AssocChangeState.COMM_UP):
        pass
    c.close()
ll.abort(cli)
srv.settimeout(5)
try:
    while ll.recvmsg(srv) is not None:
        pass
except OSError:
    pass
print("cycles ok")
