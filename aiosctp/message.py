"""What a received SCTP message is: its bytes and its receive information."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from . import _sctp

__all__ = ["Message", "MessageInfo", "NO_INFO", "LOST_INFO"]

Address = Tuple[Any, ...]

# (stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id) when the socket
# delivers no SCTP_RCVINFO (SCTP_RECVRCVINFO off): all zero.
NO_INFO: Tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0, 0)

# (stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id) of a message
# whose SCTP_RCVINFO the kernel cut with the control data (MSG_CTRUNC):
# unknown, -1 where SCTP has no such value (never stream 0 / PPID 0 made up).
LOST_INFO: Tuple[int, ...] = (-1, -1, 0, -1, -1, -1, -1, -1)

_MSG_EOR = _sctp.MSG_EOR
_MSG_CTRUNC = _sctp.MSG_CTRUNC
_UNORDERED = _sctp.SCTP_UNORDERED
_new = object.__new__
_setattr = object.__setattr__


@dataclass(frozen=True)
class MessageInfo(_sctp.InfoBase):
    """The SCTP receive information of one message (RFC 6458 SCTP_RCVINFO).

    ``ppid`` is the host-order integer the sender meant (18 for S1AP).

    ``info_lost`` is True when the kernel cut the control data the receive
    information came in (MSG_CTRUNC: more ancillary data than the receive
    buffer holds, e.g. socket-level options): the message's bytes are
    right, but nothing else is known, and every other field is -1."""

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
    info_lost: bool = False

    def __reduce__(self) -> Tuple[Any, ...]:
        # Slots of a C base: pickle and copy rebuild from the fields.
        return (
            MessageInfo,
            (self.stream, self.ppid, self.unordered, self.context, self.tsn, self.ssn,
             self.assoc_id, self.info_lost),
        )

    @classmethod
    def from_rcvinfo(cls, info: Optional[Tuple[int, ...]]) -> "MessageInfo":
        """Build from the C core's ``info`` tuple (None: no receive info)."""
        stream, ssn, flags, ppid, tsn, _cumtsn, context, assoc_id = info or NO_INFO
        return cls(stream, ppid, bool(flags & _UNORDERED), context, tsn, ssn, assoc_id)


# The dataclass keeps info_lost's default for __init__; as a class attribute
# it would hide the C slot of _sctp.InfoBase that holds each instance's value.
del MessageInfo.info_lost

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
    message came from (on a one-to-many socket, the association's address).
    ``info_lost`` is True when the kernel cut the receive information
    (MSG_CTRUNC, see :class:`MessageInfo`): ``data`` is right, the SCTP
    fields are -1 (unknown)."""

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
    info_lost: bool = False

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
        repr and ``dataclasses.replace`` see the same fields).

        ``info`` None means the socket delivers no receive information (all
        zero), or, with MSG_CTRUNC in ``msg_flags``, that the kernel cut it:
        then ``info_lost`` is True and the SCTP fields are -1."""
        lost = info is None and bool(msg_flags & _MSG_CTRUNC)
        if info is None:
            info = LOST_INFO if lost else NO_INFO
        stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id = info
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
                "info_lost": lost,
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
                "cumtsn": -1 if info.info_lost else 0,
                "context": info.context,
                "assoc_id": info.assoc_id,
                "unordered": info.unordered,
                "complete": True,
                "from_addr": from_addr,
                "info_lost": info.info_lost,
            },
        )
        return self

    @property
    def info(self) -> MessageInfo:
        """The receive information as a :class:`MessageInfo`."""
        return MessageInfo(
            self.stream, self.ppid, self.unordered, self.context, self.tsn, self.ssn,
            self.assoc_id, self.info_lost,
        )
