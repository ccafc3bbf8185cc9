"""Argument checks shared by every layer (transport, Association, lowlevel).

One rule everywhere: an integer argument is an ``int`` or has ``__index__``
(numpy integers ...), never a ``bool``; a flag is a ``bool``; data is
bytes-like and not empty; an address list is a list, not a string."""

from __future__ import annotations

import operator
from typing import Any, List, Tuple, cast

__all__ = ["check_uint", "check_bool", "check_data", "check_addr_list", "check_recv_sizes"]

#: Largest bufsize * max_messages one batched read may ask for (the kernel's
#: lengths are ints).
MAX_RECV_BYTES = (1 << 31) - 1
#: The C core's batch limit.
MAX_RECV_MESSAGES = 64


def check_index(value: object, name: str) -> int:
    """``value`` as an int: an int or an object with ``__index__``, not a bool."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    if type(value) is int:
        return value
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None


def check_uint(value: object, name: str, bits: int) -> int:
    """An unsigned integer of ``bits`` bits (OverflowError out of range)."""
    v = check_index(value, name)
    if not 0 <= v < (1 << bits):
        raise OverflowError(f"{name}={v} is out of range 0..{(1 << bits) - 1}")
    return v


def check_range(value: object, name: str, lo: int, hi: int) -> int:
    """An integer in ``lo..hi`` (OverflowError out of range)."""
    v = check_index(value, name)
    if not lo <= v <= hi:
        raise OverflowError(f"{name}={v} is out of range {lo}..{hi}")
    return v


def check_bool(value: object, name: str) -> bool:
    if type(value) is not bool:
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def check_data(data: object) -> int:
    """The length of a bytes-like ``data`` (TypeError; ValueError if empty)."""
    if isinstance(data, (bytes, bytearray)):
        n = len(data)
    elif isinstance(data, memoryview):
        n = data.nbytes
    else:
        raise TypeError(f"data must be a bytes-like object, not {type(data).__name__}")
    if n == 0:
        raise ValueError("cannot send an empty message: SCTP has no empty user messages")
    return n


def check_addr_list(addrs: object, name: str = "addrs") -> List[Tuple[Any, ...]]:
    """A list of address tuples: a str, bytes or a single tuple is refused."""
    if isinstance(addrs, (str, bytes, bytearray)):
        raise TypeError(
            f"{name} must be a list of (host, port) tuples, not a {type(addrs).__name__} "
            f"({addrs!r}): wrap a single address in a list"
        )
    if isinstance(addrs, tuple) and addrs and not isinstance(addrs[0], tuple):
        raise TypeError(f"{name} must be a list of (host, port) tuples, not one address {addrs!r}")
    try:
        items = list(addrs)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"{name} must be a list of (host, port) tuples, not {type(addrs).__name__}"
        ) from None
    for a in items:
        if not isinstance(a, tuple) or len(a) < 2:
            raise TypeError(f"{name} items must be (host, port) tuples, not {a!r}")
    return cast(List[Tuple[Any, ...]], items)


def check_recv_sizes(bufsize: object, max_messages: object) -> Tuple[int, int]:
    """``bufsize`` and ``max_messages`` of a batched read, bounded so that the
    buffers asked for fit the kernel's int lengths (never a MemoryError):
    ValueError below 1 or above the batch limit, OverflowError past INT_MAX."""
    b = check_index(bufsize, "bufsize")
    n = check_index(max_messages, "max_messages")
    if b < 1:
        raise ValueError(f"bufsize must be positive, not {b}")
    if not 1 <= n <= MAX_RECV_MESSAGES:
        raise ValueError(f"max_messages must be in 1..{MAX_RECV_MESSAGES}, not {n}")
    if b * n > MAX_RECV_BYTES:
        raise OverflowError(
            f"bufsize * max_messages = {b} * {n} bytes is more than one read can take "
            f"({MAX_RECV_BYTES}); ask for fewer or smaller messages"
        )
    return b, n
