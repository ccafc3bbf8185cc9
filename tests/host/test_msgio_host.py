"""The message I/O of the C core (ext/msgio.c) where no SCTP socket is needed:
notification decoding from crafted bytes (every fixed layout the decoders
read, and each one cut short), the argument checks the METH_FASTCALL calls
share, and the batched calls over UDP (the kernel ignores the SCTP ancillary
data there; each message's buffer, address and control space are still ours
to lay out); and, for every function of the module, that its argument
errors name it (several share one C helper or are made by one macro)."""

from __future__ import annotations

import errno
import socket
import struct

import pytest

_sctp = pytest.importorskip("aiosctp._sctp")

U32 = 0xFFFFFFFF  # a u32 field at its top: an unsigned int, never -1


def header(type_: int, flags: int, body: bytes, fmt: str = "@HHI") -> bytes:
    """The notification header (type, flags, length) before body."""
    return struct.pack(fmt, type_, flags, struct.calcsize(fmt) + len(body)) + body


def sndrcvinfo(stream: int, flags: int, ppid: int, context: int, assoc_id: int) -> bytes:
    # struct sctp_sndrcvinfo: stream, ssn, flags, ppid (network order), context,
    # timetolive, tsn, cumtsn, assoc_id
    return struct.pack("@HHHIIIIIi", stream, 99, flags, socket.htonl(ppid), context, 7, 8, 9,
                       assoc_id)


def sndinfo(stream: int, flags: int, ppid: int, context: int, assoc_id: int) -> bytes:
    # struct sctp_sndinfo: sid, flags, ppid (network order), context, assoc_id
    return struct.pack("@HHIIi", stream, flags, socket.htonl(ppid), context, assoc_id)


def send_failed(type_: int, info: bytes, error: int, assoc_id: int, data: bytes) -> bytes:
    fixed = struct.pack("@HHII", type_, 1, 0, error) + info + struct.pack("@i", assoc_id)
    raw = fixed + data
    return raw[:4] + struct.pack("@I", len(raw)) + raw[8:]


# (raw notification, decoded tuple); a cause code of 12 reads 0x0C00 on a
# little-endian host (the kernel copies it off the wire).
CAUSE_12 = struct.unpack("@H", struct.pack("!H", 12))[0]
LAYOUTS = {
    "shutdown": (header(_sctp.SCTP_SHUTDOWN_EVENT, 3, struct.pack("@i", 41)),
                 (_sctp.SCTP_SHUTDOWN_EVENT, 3, 41)),
    "sender_dry": (header(_sctp.SCTP_SENDER_DRY_EVENT, 4, struct.pack("@i", 42)),
                   (_sctp.SCTP_SENDER_DRY_EVENT, 4, 42)),
    "adaptation": (header(_sctp.SCTP_ADAPTATION_INDICATION, 5, struct.pack("@Ii", U32, 43)),
                   (_sctp.SCTP_ADAPTATION_INDICATION, 5, U32, 43)),
    "pdapi": (header(_sctp.SCTP_PARTIAL_DELIVERY_EVENT, 6, struct.pack("@IiII", U32, 44, 2, U32)),
              (_sctp.SCTP_PARTIAL_DELIVERY_EVENT, 6, U32, 2, U32, 44)),
    "authkey": (header(_sctp.SCTP_AUTHENTICATION_EVENT, 7, struct.pack("@HHIi", 1, 2, U32, 45)),
                (_sctp.SCTP_AUTHENTICATION_EVENT, 7, 1, 2, U32, 45)),
    "assoc_reset": (header(_sctp.SCTP_ASSOC_RESET_EVENT, 8, struct.pack("@iII", 46, U32, 5)),
                    (_sctp.SCTP_ASSOC_RESET_EVENT, 8, 46, U32, 5)),
    "stream_change": (header(_sctp.SCTP_STREAM_CHANGE_EVENT, 9, struct.pack("@iHH", 47, 10, 11)),
                      (_sctp.SCTP_STREAM_CHANGE_EVENT, 9, 47, 10, 11)),
    "send_failed": (send_failed(_sctp.SCTP_SEND_FAILED, sndrcvinfo(3, 2, 1234, U32, 48),
                                CAUSE_12, 49, b"lost"),
                    (_sctp.SCTP_SEND_FAILED, 1, 12, (3, 2, 1234, U32, 48), 49, b"lost")),
    "send_failed_high_bits": (send_failed(_sctp.SCTP_SEND_FAILED, sndrcvinfo(0, 0, 0, 0, 0),
                                          0x10000, 50, b""),
                              (_sctp.SCTP_SEND_FAILED, 1, 0x10000, (0, 0, 0, 0, 0), 50, b"")),
}
if hasattr(_sctp, "SCTP_SEND_FAILED_EVENT"):  # a build against Linux >= 5.x headers
    LAYOUTS["send_failed_event"] = (
        send_failed(_sctp.SCTP_SEND_FAILED_EVENT, sndinfo(4, 2, 4321, U32, 51), CAUSE_12, 52,
                    b"gone"),
        (_sctp.SCTP_SEND_FAILED_EVENT, 1, 12, (4, 2, 4321, U32, 51), 52, b"gone"))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_notification_fixed_layouts_decode_field_by_field(name: str) -> None:
    raw, decoded = LAYOUTS[name]
    assert _sctp.decode_notification(raw) == decoded


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_notification_shorter_than_its_fixed_part_is_type_and_none(name: str) -> None:
    raw, decoded = LAYOUTS[name]
    fixed = len(raw) - len(decoded[-1]) if isinstance(decoded[-1], bytes) else len(raw)
    cut = raw[:fixed - 1]
    cut = cut[:4] + struct.pack("@I", len(cut)) + cut[8:]
    assert _sctp.decode_notification(cut) == (decoded[0], None)


@pytest.mark.parametrize("call, lo, hi", [
    (_sctp.sendmsg, 10, 10), (_sctp.recvmsg, 3, 3), (_sctp.sendmsgs, 3, 3),
    (_sctp.recvmsgs, 3, 4),
])
def test_argument_counts_name_the_call(call, lo: int, hi: int) -> None:
    takes = f"{lo} arguments" if lo == hi else f"{lo} or {hi} arguments"
    for n in (0, lo - 1, hi + 1):
        with pytest.raises(TypeError) as e:
            call(*([0] * n))
        assert str(e.value) == f"{call.__name__}() takes {takes} ({n} given)"


def test_timeout_must_be_a_number_and_fd_an_int() -> None:
    with pytest.raises(TypeError):
        _sctp.sendmsg(0, b"x", 0, 0, 0, 0, 0, 0, None, "soon")
    with pytest.raises(TypeError):
        _sctp.recvmsgs(0, 10, 1, "soon")
    with pytest.raises(TypeError):
        _sctp.recvmsg("0", 10, 0.0)
    with pytest.raises(OSError) as e:  # what fileno() of a closed socket gives
        _sctp.sendmsgs(-1, [], 0.0)
    assert e.value.errno == 9


def test_each_send_argument_is_converted_once() -> None:
    # parse_send_args converted ppid twice: an __index__ with side effects
    # (or one that gives a different value the second time) ran twice.
    calls = []

    class Ppid:
        def __index__(self) -> int:
            calls.append(1)
            return 5

    with pytest.raises(ValueError, match="empty message"):
        _sctp.sendmsg(0, b"", 0, Ppid(), 0, 0, 0, 0, None, 0.0)
    assert len(calls) == 1


def test_batches_keep_each_message_its_buffer_and_address() -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with rx, tx1, tx2:
        rx.bind(("127.0.0.1", 0))
        tx1.bind(("127.0.0.1", 0))
        tx2.bind(("127.0.0.1", 0))
        to = rx.getsockname()
        one = [(bytes([65 + i]) * (i + 1), i, 0, 0, 0, 0, 0, to) for i in range(3)]
        two = [(b"z" * 300, 0, 0, 0, 0, 0, 0, to)]
        assert _sctp.sendmsgs(tx1.fileno(), one, -1.0) == 3
        assert _sctp.sendmsgs(tx2.fileno(), two, -1.0) == 1
        got = []
        while len(got) < 4:
            got += _sctp.recvmsgs(rx.fileno(), 200, 8, -1.0)
        assert [(g[0], g[2]) for g in got] == [
            (b"A", tx1.getsockname()), (b"BB", tx1.getsockname()),
            (b"CCC", tx1.getsockname()), (b"z" * 200, tx2.getsockname())]
        assert [g[1] & socket.MSG_TRUNC for g in got] == [0, 0, 0, socket.MSG_TRUNC]


FUNCTIONS = sorted(n for n in dir(_sctp)
                   if type(getattr(_sctp, n)).__name__ == "builtin_function_or_method")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_names_itself_in_its_argument_errors(name: str) -> None:
    # Several functions share one C helper (or are made by one macro) that is
    # given the PyArg_ParseTuple format: each must still name itself.
    try:
        getattr(_sctp, name)()
    except TypeError as e:
        said = str(e).split("() ", 1)[0]  # METH_O qualifies it: aiosctp._sctp.name
        assert said in (name, f"aiosctp._sctp.{name}"), str(e)
    except OSError as e:  # an option this build lacks takes any arguments
        assert e.errno == errno.ENOPROTOOPT and "this build" in str(e)
    else:
        pytest.fail(f"{name}() accepted no arguments")
