"""What a received SCTP message is: its bytes and its receive information."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from . import _sctp

__all__ = ["Message", "MessageInfo", "NO_INFO"]

Address = Tuple[Any, ...]

# (stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id) when the socket
# delivers no SCTP_RCVINFO (SCTP_RECVRCVINFO off): all zero.
NO_INFO: Tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0, 0)

_MSG_EOR = _sctp.MSG_EOR
_UNORDERED = _sctp.SCTP_UNORDERED


@dataclass(frozen=True)
class MessageInfo:
    """The SCTP receive information of one message (RFC 6458 SCTP_RCVINFO).

    ``ppid`` is the host-order integer the sender meant (18 for S1AP)."""

    stream: int
    ppid: int
    unordered: bool
    context: int
    tsn: int
    ssn: int
    assoc_id: int

    @classmethod
    def from_rcvinfo(cls, info: Optional[Tuple[int, ...]]) -> "MessageInfo":
        """Build from the C core's ``info`` tuple (None: no receive info)."""
        stream, ssn, flags, ppid, tsn, _cumtsn, context, assoc_id = info or NO_INFO
        return cls(stream, ppid, bool(flags & _UNORDERED), context, tsn, ssn, assoc_id)


@dataclass(frozen=True)
class Message:
    """One received SCTP message, or a part of one.

    ``complete`` is False when the message continues in the next read (it was
    larger than the buffer: no MSG_EOR). ``from_addr`` is the peer address the
    message came from (on a one-to-many socket, the association's address)."""

    data: bytes
    stream: int
    ssn: int
    ppid: int
    tsn: int
    cumtsn: int
    context: int
    assoc_id: int
    unordered: bool
    complete: bool
    from_addr: Optional[Address]

    @classmethod
    def from_recv(
        cls,
        data: bytes,
        msg_flags: int,
        from_addr: Optional[Address],
        info: Optional[Tuple[int, ...]],
    ) -> "Message":
        """Build from what ``_sctp.recvmsg`` returns for a data message."""
        stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id = info or NO_INFO
        return cls(
            data,
            stream,
            ssn,
            ppid,
            tsn,
            cumtsn,
            context,
            assoc_id,
            bool(flags & _UNORDERED),
            bool(msg_flags & _MSG_EOR),
            from_addr,
        )

    @property
    def info(self) -> MessageInfo:
        """The receive information as a :class:`MessageInfo`."""
        return MessageInfo(
            self.stream, self.ppid, self.unordered, self.context, self.tsn, self.ssn, self.assoc_id
        )
