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
_new = object.__new__
_setattr = object.__setattr__


@dataclass(frozen=True)
class MessageInfo(_sctp.InfoBase):
    """The SCTP receive information of one message (RFC 6458 SCTP_RCVINFO).

    ``ppid`` is the host-order integer the sender meant (18 for S1AP)."""

    # The fields live in the C layout of _sctp.InfoBase (no __dict__): the
    # transport's receive path in C builds these directly (issue 12).
    __slots__ = ()

    stream: int
    ppid: int
    unordered: bool
    context: int
    tsn: int
    ssn: int
    assoc_id: int

    def __reduce__(self) -> Tuple[Any, ...]:
        # Slots of a C base: pickle and copy rebuild from the fields.
        return (
            MessageInfo,
            (self.stream, self.ppid, self.unordered, self.context, self.tsn, self.ssn,
             self.assoc_id),
        )

    @classmethod
    def from_rcvinfo(cls, info: Optional[Tuple[int, ...]]) -> "MessageInfo":
        """Build from the C core's ``info`` tuple (None: no receive info)."""
        stream, ssn, flags, ppid, tsn, _cumtsn, context, assoc_id = info or NO_INFO
        return cls(stream, ppid, bool(flags & _UNORDERED), context, tsn, ssn, assoc_id)


_new_info = _sctp.new_info


def make_info(
    stream: int, ppid: int, unordered: bool, context: int, tsn: int, ssn: int, assoc_id: int
) -> MessageInfo:
    """``MessageInfo(...)`` for the receive hot path: built in C without the
    frozen dataclass ``__init__``'s seven ``object.__setattr__`` calls (same
    fields, equality and hash)."""
    info: MessageInfo = _new_info(MessageInfo, stream, ppid, unordered, context, tsn, ssn, assoc_id)
    return info


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
        """Build from what ``_sctp.recvmsg`` returns for a data message.

        The hot path of every receive: the instance gets its ``__dict__`` in
        one step instead of the frozen dataclass ``__init__``'s eleven
        ``object.__setattr__`` calls (half the time; equality, hashing,
        repr and ``dataclasses.replace`` see the same fields)."""
        stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id = info or NO_INFO
        self = _new(cls)
        _setattr(
            self,
            "__dict__",
            {
                "data": data,
                "stream": stream,
                "ssn": ssn,
                "ppid": ppid,
                "tsn": tsn,
                "cumtsn": cumtsn,
                "context": context,
                "assoc_id": assoc_id,
                "unordered": bool(flags & _UNORDERED),
                "complete": bool(msg_flags & _MSG_EOR),
                "from_addr": from_addr,
            },
        )
        return self

    @classmethod
    def from_info(cls, data: bytes, info: MessageInfo, from_addr: Optional[Address]) -> "Message":
        """A whole message from its data and :class:`MessageInfo` (what the
        asyncio transport delivers), built as fast as :meth:`from_recv`."""
        self = _new(cls)
        _setattr(
            self,
            "__dict__",
            {
                "data": data,
                "stream": info.stream,
                "ssn": info.ssn,
                "ppid": info.ppid,
                "tsn": info.tsn,
                "cumtsn": 0,
                "context": info.context,
                "assoc_id": info.assoc_id,
                "unordered": info.unordered,
                "complete": True,
                "from_addr": from_addr,
            },
        )
        return self

    @property
    def info(self) -> MessageInfo:
        """The receive information as a :class:`MessageInfo`."""
        return MessageInfo(
            self.stream, self.ppid, self.unordered, self.context, self.tsn, self.ssn, self.assoc_id
        )
