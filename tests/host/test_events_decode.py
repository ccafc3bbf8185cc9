"""aiosctp.events.decode on notifications built by hand, laid out as
linux/sctp.h lays them out (no SCTP socket needed): each field lands in its
dataclass field. Covers the types decoded field by field in order
(events._in_order), which the sandbox tests see only as the kernel sends them."""

from __future__ import annotations

import struct

from aiosctp import _sctp, events


def _notification(ntype: int, body: bytes, flags: int = 0) -> bytes:
    return struct.pack("=HHI", ntype, flags, 8 + len(body)) + body


def test_remote_error() -> None:
    # sre_error is the cause code in network order; 2 bytes of padding before
    # sre_assoc_id; the cause's data follows the fixed part
    body = struct.pack("!H", 12) + b"\0\0" + struct.pack("=i", 5) + b"cause"
    ev = events.decode(_notification(_sctp.SCTP_REMOTE_ERROR, body))
    assert ev == events.RemoteError(error=12, assoc_id=5, data=b"cause")


def test_partial_delivery() -> None:
    # pdapi_indication, pdapi_assoc_id, pdapi_stream, pdapi_seq
    body = struct.pack("=IiII", 1, 6, 3, 40)
    ev = events.decode(_notification(_sctp.SCTP_PARTIAL_DELIVERY_EVENT, body))
    assert ev == events.PartialDelivery(indication=1, stream=3, seq=40, assoc_id=6)


def test_adaptation_indication() -> None:
    body = struct.pack("=Ii", 0xDEADBEEF, 8)
    ev = events.decode(_notification(_sctp.SCTP_ADAPTATION_INDICATION, body))
    assert ev == events.AdaptationIndication(adaptation_ind=0xDEADBEEF, assoc_id=8)


def test_auth_key() -> None:
    # auth_keynumber, auth_altkeynumber, auth_indication, auth_assoc_id
    body = struct.pack("=HHIi", 2, 1, 3, 9)
    ev = events.decode(_notification(_sctp.SCTP_AUTHENTICATION_EVENT, body))
    assert ev == events.AuthKey(keynumber=2, altkeynumber=1, indication=3, assoc_id=9)


def test_shutdown_and_sender_dry() -> None:
    body = struct.pack("=i", 7)
    assert events.decode(_notification(_sctp.SCTP_SHUTDOWN_EVENT, body)) == events.Shutdown(assoc_id=7)
    assert events.decode(_notification(_sctp.SCTP_SENDER_DRY_EVENT, body)) == events.SenderDry(assoc_id=7)
