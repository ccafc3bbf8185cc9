"""The loop-free receive core shared by the transport of a one-to-one
socket, the demultiplexer of a one-to-many socket and the ``sctp`` module.

No event loop and no socket here: what was read goes in, whole messages,
whole notifications and the cause an association ended with come out, so
it is tested on the host in milliseconds. Its per-message path
(:func:`reassemble` on one ``recvmsgs`` item) is shaped to move into the C
core as one per-batch entry point (issue 12): plain tuples in and out, no
objects of its own on the way.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import _sctp
from .message import LOST_INFO, NO_INFO

__all__ = [
    "RECV_BUFSIZE",
    "RECV_BATCH_BYTES",
    "MessageTooLarge",
    "EndCause",
    "LOST_INFO",
    "data_info",
    "join_notification",
    "next_batch",
    "reassemble",
    "read_loop",
]

_MSG_EOR = _sctp.MSG_EOR
_MSG_CTRUNC = _sctp.MSG_CTRUNC

#: Bytes asked of each read; larger messages arrive in several reads.
RECV_BUFSIZE = 65536
MIN_BATCH = 2
MAX_BATCH = 32
#: Message bytes one read should bring at most: a full batch of larger
#: messages shrinks the batch rather than doubling it.  Every read hands
#: its messages out as new bytes objects; 32 x 64 KiB (2 MiB) a read made
#: the C library grow its heap and give it back each time, and every fresh
#: page is a fault (16 per 64 KiB message; ~50-100 us each in the UML
#: guest): 64 KiB messages streamed at 0.16x the blocking C loop.
RECV_BATCH_BYTES = 256 * 1024
#: Reads per readiness callback before giving the loop back (fairness).
MAX_ROUNDS = 16

# (data, msg_flags, from_addr, info, nxtinfo): one item of _sctp.recvmsgs
Item = Tuple[bytes, int, Optional[Tuple[Any, ...]], Optional[Tuple[int, ...]], Any]
Info = Tuple[int, ...]


def join_notification(parts: List[bytes], data: bytes, flags: int) -> Optional[bytes]:
    """A notification larger than the read buffer comes in several reads:
    keep the parts in ``parts`` and return the whole notification with its
    last part (MSG_EOR), None before."""
    if not flags & _MSG_EOR:
        parts.append(data)
        return None
    if parts:
        parts.append(data)
        data = b"".join(parts)
        parts.clear()
    return data


def next_batch(batch: int, items: Sequence[Item]) -> int:
    """The size of the next recvmmsg() batch after one of ``batch`` that
    returned ``items``: halved after a read less than half full, doubled
    after a full one (up to MAX_BATCH), and shrunk so that a read brings at
    most RECV_BATCH_BYTES of messages (see there)."""
    n = len(items)
    return batch_after(batch, n, sum([len(item[0]) for item in items]) if n >= batch else 0)


def batch_after(batch: int, n: int, nbytes: int) -> int:
    """:func:`next_batch` from the count and the bytes of a read of
    ``batch`` (what the C core's readers report)."""
    if n < batch:
        return batch // 2 if batch > MIN_BATCH and n < batch // 2 else batch
    if nbytes > RECV_BATCH_BYTES:
        return max(1, batch * RECV_BATCH_BYTES // nbytes)
    if batch < MAX_BATCH and nbytes * 2 <= RECV_BATCH_BYTES:
        return batch * 2
    return batch


class MessageTooLarge(Exception):
    """A message grew past the largest size accepted (``size`` bytes so far
    on ``stream``)."""

    def __init__(self, size: int, stream: int) -> None:
        super().__init__(size, stream)
        self.size = size
        self.stream = stream


#: stream -> [receive info of the first part, bytes so far, parts]
Partial = Dict[int, List[Any]]

# LOST_INFO: the receive info of a message whose SCTP_RCVINFO the kernel
# cut (MSG_CTRUNC), -1 where SCTP has no such value; NO_INFO: zeros, when
# the socket delivers none (SCTP_RECVRCVINFO off). See aiosctp.message.


def data_info(partial: Partial, flags: int, info: Optional[Info]) -> Tuple[Info, bool]:
    """The receive info of a data item and whether it was lost: the item's
    own; with none and MSG_CTRUNC (the kernel cut it), the info of the
    message it continues when one is in progress (without I-DATA the kernel
    delivers a message's parts one after the other), else LOST_INFO, and
    True; with none and no MSG_CTRUNC, zeros (the socket reports none)."""
    if info is not None:
        return info, False
    if not flags & _MSG_CTRUNC:
        return NO_INFO, False
    if len(partial) == 1:
        for part in partial.values():
            return part[0], True
    return LOST_INFO, True


def reassemble(
    partial: Partial, data: bytes, flags: int, info: Info, max_size: int
) -> Optional[Tuple[bytes, Info]]:
    """One data item of a read: the whole message and its receive info (of
    its first part) when this item ends it (MSG_EOR), None while it goes on.
    Parts are kept per stream (SCTP interleaves the partial deliveries of
    different streams only with I-DATA, but costs nothing to allow).
    Raises MessageTooLarge past ``max_size``."""
    stream = info[0]
    if not flags & _MSG_EOR:
        part = partial.get(stream)
        if part is None:
            part = partial[stream] = [info, 0, []]
        part[1] += len(data)
        part[2].append(data)
        if part[1] > max_size:
            del partial[stream]
            raise MessageTooLarge(part[1], stream)
        return None
    if partial:
        part = partial.pop(stream, None)
        if part is not None:
            info = part[0]
            part[2].append(data)
            data = b"".join(part[2])
    if len(data) > max_size:
        raise MessageTooLarge(len(data), stream)
    return data, info


class EndCause:
    """Why an association ended, ranked: a weak cause (a send failure, end
    of file) gives way to a strong one (COMM_LOST, SHUTDOWN_COMP, a read
    error); the socket's read error (ECONNRESET, ETIMEDOUT ...) also replaces
    the vaguer ConnectionAbortedError a COMM_LOST without causes gives.
    ``code`` is the SCTP error cause, when one was given."""

    __slots__ = ("exc", "rank", "code")

    WEAK = 1
    STRONG = 2

    def __init__(self) -> None:
        self.exc: Optional[Exception] = None
        self.rank = 0
        self.code = 0

    @property
    def ending(self) -> bool:
        return self.rank > 0

    def offer(self, exc: Optional[Exception], rank: int, code: int = 0) -> bool:
        """Note a cause; True the first time (the association is now ending)."""
        first = self.rank == 0
        if rank > self.rank:
            self.exc = exc
            self.rank = rank
        if code and not self.code:
            self.code = code
        return first

    def offer_read_error(self, exc: OSError) -> bool:
        """The socket reported its error: True the first time."""
        if self.rank == self.STRONG:
            if isinstance(self.exc, ConnectionAbortedError):
                self.exc = exc
            return False
        return self.offer(exc, self.STRONG)


def read_loop(
    read: Callable[[int], Tuple[int, int, bool]],
    batch: int,
    on_error: Callable[[OSError], bool],
    urgent: Callable[[], bool],
) -> int:
    """The one read loop of both socket styles: ``read(batch)`` reads one
    batch (a nonblocking recvmmsg, through the C core's Reader) and hands
    it on, returning (messages read, their bytes, whether to read on).
    Reading stops when the queue is empty (a short batch or EAGAIN), when
    ``read`` says so (paused, closed), or after MAX_ROUNDS batches
    (fairness: not while ``urgent()``, e.g. an association ending with
    notifications still queued). A read error goes to ``on_error``, which
    returns True to read on (once: recvmmsg reports the socket error before
    what is queued). Returns the next batch size."""
    rounds = 0
    failed = False
    while True:
        try:
            n, nbytes, go_on = read(batch)
        except (BlockingIOError, InterruptedError):
            break
        except OSError as exc:
            if failed or not on_error(exc):
                break
            failed = True
            continue
        if not go_on:
            break
        short = n < batch
        batch = batch_after(batch, n, nbytes)
        if short:
            break
        rounds += 1
        if rounds >= MAX_ROUNDS and not urgent():
            break
    return batch
