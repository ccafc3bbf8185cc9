"""Message and MessageInfo built by the receive hot path (Message.from_recv,
make_info) are the same objects the dataclass constructors make: fields,
equality, hash, repr, replace/asdict, pickling and frozenness. No SCTP
needed: runs on the host."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from aiosctp import _sctp
from aiosctp.message import Message, MessageInfo, make_info


def test_make_info_is_messageinfo() -> None:
    fast = make_info(3, 18, True, 7, 1000, 12, 42)
    slow = MessageInfo(3, 18, True, 7, 1000, 12, 42)
    assert type(fast) is MessageInfo
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert dataclasses.replace(fast, ppid=46) == MessageInfo(3, 46, True, 7, 1000, 12, 42)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert copy.copy(fast) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.ppid = 1  # type: ignore[misc]


def test_from_recv_is_message() -> None:
    # info as the C core gives it: stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id
    info = (2, 5, _sctp.SCTP_UNORDERED, 46, 900, 899, 11, 3)
    fast = Message.from_recv(b"abc", _sctp.MSG_EOR, ("127.0.0.1", 9), info)
    slow = Message(b"abc", 2, 5, 46, 900, 899, 11, 3, True, True, ("127.0.0.1", 9))
    assert type(fast) is Message
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.info == MessageInfo(2, 46, True, 11, 900, 5, 3)
    assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.data = b""  # type: ignore[misc]
    part = Message.from_recv(b"x", 0, None, None)
    assert not part.complete and part.stream == 0 and part.from_addr is None


def test_from_info_is_message() -> None:
    info = make_info(4, 46, False, 9, 77, 3, 12)
    fast = Message.from_info(b"payload", info, ("::1", 5, 0, 0))
    slow = Message(b"payload", 4, 3, 46, 77, 0, 9, 12, False, True, ("::1", 5, 0, 0))
    assert type(fast) is Message
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.info == info
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert dataclasses.replace(fast, data=b"x").data == b"x"
