"""Bad input to aiosctp.lowlevel gives a clear Python exception: a table of
wrong types, out-of-range values, closed sockets, the wrong socket style and
empty data. Nothing crashes, hangs or is sent."""

from __future__ import annotations

import errno
import socket

import pytest

from aiosctp import _sctp, events, lowlevel as ll
from sctputil import messages, pair


@pytest.fixture(scope="module")
def conn():
    cli, srv = pair(subscribe=False)
    yield cli, srv
    cli.close()
    srv.close()


SEND_CASES = [
    # (kwargs, data, exception)
    ({}, "text", TypeError),
    ({}, 12, TypeError),
    ({}, None, TypeError),
    ({}, b"", ValueError),
    ({"stream": -1}, b"x", OverflowError),
    ({"stream": 65536}, b"x", OverflowError),
    ({"stream": "1"}, b"x", TypeError),
    ({"stream": 1.0}, b"x", TypeError),
    ({"ppid": -1}, b"x", OverflowError),
    ({"ppid": 2**32}, b"x", OverflowError),
    ({"ppid": None}, b"x", TypeError),
    ({"context": 2**32}, b"x", OverflowError),
    ({"context": -5}, b"x", OverflowError),
    ({"ttl": 2**32}, b"x", OverflowError),
    ({"ttl": -1}, b"x", OverflowError),
    ({"assoc_id": 2**31}, b"x", OverflowError),
    ({"to": "127.0.0.1"}, b"x", TypeError),
    ({"to": ("127.0.0.1",)}, b"x", TypeError),
    ({"to": ("127.0.0.1", 70000)}, b"x", OverflowError),
    ({"to": (1234, 80)}, b"x", TypeError),
    ({"to": ("no.such.host.invalid", 80)}, b"x", socket.gaierror),
]


@pytest.mark.parametrize("kwargs,data,exc", SEND_CASES)
def test_sendmsg_bad_arguments(conn, kwargs, data, exc):
    cli, srv = conn
    with pytest.raises(exc):
        ll.sendmsg(cli, data, **kwargs)


def test_nothing_was_sent_by_the_bad_calls(conn):
    cli, srv = conn
    for kwargs, data, exc in SEND_CASES:
        with pytest.raises(exc):
            ll.sendmsg(cli, data, **kwargs)
    ll.sendmsg(cli, b"only-this")
    assert messages(srv, 1)[0].data == b"only-this"
    srv.setblocking(False)
    with pytest.raises(BlockingIOError):
        ll.recvmsg(srv)
    srv.settimeout(10)


def test_stream_beyond_negotiated_streams_is_einval(conn):
    cli, srv = conn
    with pytest.raises(OSError) as info:
        ll.sendmsg(cli, b"x", stream=100)  # 10 streams were negotiated
    assert info.value.errno == errno.EINVAL


def test_closed_socket_is_ebadf():
    s = ll.sctp_socket()
    s.close()
    for call in (lambda: ll.sendmsg(s, b"x"), lambda: ll.recvmsg(s),
                 lambda: ll.getpaddrs(s), lambda: ll.bindx(s, [("127.0.0.1", 0)]),
                 lambda: ll.connectx(s, [("127.0.0.1", 9)]), lambda: ll.peeloff(s, 1),
                 lambda: ll.get_assoc_ids(s), lambda: ll.subscribe(s, events.Shutdown)):
        with pytest.raises(OSError) as info:
            call()
        assert info.value.errno == errno.EBADF


def test_wrong_style():
    one = ll.sctp_socket()
    with pytest.raises(OSError) as info:
        ll.peeloff(one, 1)  # peeloff needs a one-to-many socket
    assert info.value.errno in (errno.EINVAL, errno.EOPNOTSUPP)
    with pytest.raises(OSError) as info:
        ll.get_assoc_ids(one)
    assert info.value.errno == errno.EOPNOTSUPP
    many = ll.sctp_socket(style="one-to-many")
    many.bind(("127.0.0.1", 0))
    with pytest.raises(OSError):
        many.accept()
    one.close()
    many.close()


def test_eof_and_abort_flags_are_for_one_to_many(conn):
    cli, srv = conn
    with pytest.raises(OSError) as info:
        ll.sendmsg(cli, b"", eof=True)
    assert info.value.errno == errno.EINVAL


def test_bad_address_lists():
    s = ll.sctp_socket()
    with pytest.raises(ValueError):
        ll.bindx(s, [])
    with pytest.raises(TypeError):
        ll.bindx(s, ("127.0.0.1", 0))
    with pytest.raises(TypeError):
        ll.bindx(s, [("127.0.0.1", 0), "junk"])
    with pytest.raises(TypeError):
        ll.connectx(s, [None])
    with pytest.raises(OSError):
        ll.bindx(s, [("::1", 0)])  # IPv6 address on an AF_INET socket
    s.close()


def test_bad_style_and_bufsize_and_event_class(conn):
    cli, srv = conn
    with pytest.raises(ValueError):
        ll.sctp_socket(style="stream")
    with pytest.raises(ValueError):
        ll.recvmsg(srv, 0)
    with pytest.raises(ValueError):
        ll.recvmsgs(srv, 1024, 0)
    with pytest.raises(ValueError):
        ll.recvmsgs(srv, 1024, 65)
    with pytest.raises(TypeError):
        ll.subscribe(srv, "AssocChange")
    with pytest.raises(TypeError):
        ll.subscribe(srv, events.Unknown)


def test_c_functions_check_their_arguments():
    with pytest.raises(TypeError):
        _sctp.sendmsg(1, b"x")
    with pytest.raises(TypeError):
        _sctp.recvmsg("3", 10, 0.0)
    with pytest.raises(OSError):
        _sctp.recvmsg(-1, 10, 0.0)
    with pytest.raises(TypeError):
        _sctp.decode_notification("not bytes")
    with pytest.raises(TypeError):
        _sctp.sendmsgs(1, [(b"x",)], 0.0)
