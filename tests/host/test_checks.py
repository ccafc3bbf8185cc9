"""The argument checks every layer shares (aiosctp._checks), the socket
family picked for mixed address lists, and the SendFailed events made for
unsent messages. No SCTP socket needed: runs on the host."""

from __future__ import annotations

import asyncio
import socket

import pytest

from aiosctp import _checks, _sctp, events, lowlevel
from aiosctp.connection import _pick_family, _resolve_all, _usable
from aiosctp.transport import unsent_events


class Index:
    """A numpy-like integer: not an int, but has __index__."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __index__(self) -> int:
        return self.v


def test_bool_is_not_an_int() -> None:
    with pytest.raises(TypeError, match="bool"):
        _checks.check_uint(True, "stream", 16)
    with pytest.raises(TypeError, match="bool"):
        _checks.check_index(False, "ppid")


def test_index_objects_are_ints() -> None:
    v = _checks.check_uint(Index(7), "stream", 16)
    assert v == 7 and type(v) is int
    with pytest.raises(OverflowError):
        _checks.check_uint(Index(1 << 16), "stream", 16)
    with pytest.raises(OverflowError):
        _checks.check_uint(-1, "stream", 16)
    with pytest.raises(TypeError):
        _checks.check_uint(1.0, "stream", 16)
    with pytest.raises(TypeError):
        _checks.check_uint("1", "stream", 16)


def test_flags_are_bools() -> None:
    assert _checks.check_bool(True, "unordered") is True
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="unordered must be a bool"):
            _checks.check_bool(bad, "unordered")


def test_data() -> None:
    assert _checks.check_data(b"ab") == 2
    assert _checks.check_data(memoryview(b"abcd")[1:]) == 3
    with pytest.raises(ValueError):
        _checks.check_data(b"")
    with pytest.raises(TypeError):
        _checks.check_data("text")


def test_an_address_list_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="not a str"):
        _checks.check_addr_list("127.0.0.1")
    with pytest.raises(TypeError, match="one address"):
        _checks.check_addr_list(("127.0.0.1", 0))
    with pytest.raises(TypeError):
        _checks.check_addr_list([("127.0.0.1", 0), "junk"])
    with pytest.raises(TypeError):
        _checks.check_addr_list(5)
    assert _checks.check_addr_list([("127.0.0.1", 1)]) == [("127.0.0.1", 1)]


def test_recv_sizes_are_bounded() -> None:
    with pytest.raises((ValueError, OverflowError)):
        _checks.check_recv_sizes(2**40, 2)
    with pytest.raises(OverflowError):
        _checks.check_recv_sizes(2**30, 4)
    with pytest.raises(ValueError):
        _checks.check_recv_sizes(0, 2)
    with pytest.raises(ValueError):
        _checks.check_recv_sizes(1024, 65)
    assert _checks.check_recv_sizes(Index(65536), 64) == (65536, 64)


def test_lowlevel_rejects_before_any_system_call() -> None:
    # A TCP socket: nothing would work on it, so the TypeError/ValueError
    # raised proves the check came first.
    s = socket.socket()
    try:
        with pytest.raises(TypeError, match="not a str"):
            lowlevel.bindx(s, "127.0.0.1")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="not a str"):
            lowlevel.connectx(s, "127.0.0.1")  # type: ignore[arg-type]
        with pytest.raises((ValueError, OverflowError)):
            lowlevel.recvmsgs(s, 2**40, 2)
        with pytest.raises(TypeError):
            lowlevel.sendmsg(s, b"x", stream=True)
        with pytest.raises(TypeError):
            lowlevel.sendmsg(s, b"x", unordered="yes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            lowlevel.sendmsgs(s, [(b"x", True, 0)])
    finally:
        s.close()


V4 = socket.AF_INET
V6 = socket.AF_INET6


def test_family_of_mixed_lists() -> None:
    v4 = [(V4, ("127.0.0.1", 9))]
    v6 = [(V6, ("::1", 9, 0, 0))]
    both = [(V6, ("::1", 9, 0, 0)), (V4, ("127.0.0.1", 9))]
    # an IPv6-only host makes the socket IPv6, whatever comes first
    assert _pick_family([v4, v6], socket.AF_UNSPEC) == V6
    assert _pick_family([v6, v4], socket.AF_UNSPEC) == V6
    assert _pick_family([v4], socket.AF_UNSPEC) == V4
    assert _pick_family([v4, both], socket.AF_UNSPEC) == V4
    assert _usable([v4, v6], V6) == [("::ffff:127.0.0.1", 9, 0, 0), ("::1", 9, 0, 0)]
    assert _usable([v6, v4], V6) == [("::1", 9, 0, 0), ("::ffff:127.0.0.1", 9, 0, 0)]
    # an address that cannot be used is an error, not left out
    with pytest.raises(OSError):
        _usable([v4, v6], V4)


def test_resolve_all_keeps_ipv6_after_ipv4() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        fam, addrs = await _resolve_all(loop, [("127.0.0.1", 5), ("::1", 5)], socket.AF_UNSPEC)
        assert fam == V6
        assert addrs == [("::ffff:127.0.0.1", 5, 0, 0), ("::1", 5, 0, 0)]

    asyncio.run(main())


def test_unsent_events() -> None:
    items = [
        (b"one", 3, 18, _sctp.SCTP_UNORDERED, 7, 0, 42, None),
        (b"two", 0, 0, 0, 0, 0, 42, None),
    ]
    out = unsent_events(items, 12)
    assert [e.data for e in out] == [b"one", b"two"]
    first = out[0]
    assert isinstance(first, events.SendFailed)
    assert first.sent is False and first.error == 12 and first.assoc_id == 42
    assert first.info.stream == 3 and first.info.ppid == 18 and first.info.context == 7
    assert first.info.flags == _sctp.SCTP_UNORDERED  # the send flags, as the kernel's
    assert out[1].info.flags == 0 and out[1].sent is False
