#!/usr/bin/env python3
"""The Python contenders of the aiosctp benchmarks, driven by run.py.

    python worker.py CONTENDER

A worker is one process of a contender's server/client pair.  It imports its
library once, says ``HELLO {...}`` (or ``NA reason`` and exits when the
library is not importable), then runs one command per stdin line, a JSON
object ``{"role": "server"|"client", "scenario": ..., "params": {...}}``,
answering with the same lines as the C reference (benchmarks/c/sctp_bench.c):
``READY <port>``, ``UP {...}``, ``RESULT {...}`` or ``ERROR {...}``.  ``QUIT``
or end of input ends it.  Keeping the process between runs keeps the
interpreter's start-up (seconds in the sandbox guest) out of the run time.

This file imports nothing but the standard library at the top, so that it
runs unchanged in the PySCTP reference venv (``python -I``, where the repo's
``sctp/`` package must not shadow PySCTP's ``sctp``).

The work is the same as the C reference's: 4-byte big-endian sequence number
at the start of each message, END marker ``ff ff ff ff`` + u32 total on every
stream, PPID 1, NODELAY on every association, TCP framed with a u32 length.
The measured phase of each run is bracketed with
``access("/__bench_mark_{begin,end}_<run>__")`` for the strace mode.
"""

from __future__ import annotations

import gc
import json
import os
import select
import socket
import struct
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

END = 0xFFFFFFFF
IPPROTO_SCTP = 132
SOL_SCTP = 132
SCTP_NODELAY = 3
SCTP_SNDINFO = 2
SCTP_EVENT = 127
SCTP_ASSOC_CHANGE = 0x8001
SCTP_COMM_UP = 0
MSG_NOTIFICATION = 0x8000
MSG_EOR = 0x80
SO_RCVBUFFORCE = 33
HOST = "127.0.0.1"
# CLOCK_MONOTONIC, the same clock in every process of the guest (and the C
# reference's): run.py takes the sender's start and the receiver's end.
now = time.monotonic

_run_id = "0"


def out(kind: str, payload: Any = None) -> None:
    line = kind if payload is None else f"{kind} {json.dumps(payload)}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def mark(which: str) -> None:
    os.access(f"/__bench_mark_{which}_{_run_id}__", os.F_OK)


def set_rcvbuf(sock: Any, value: int) -> None:
    """SO_RCVBUF before the association: it also sets the advertised window.
    SO_RCVBUFFORCE where allowed (root in the guest), else capped."""
    if value:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, value)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, value)


def raise_nofile(n: int) -> None:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(hard, n)))
        except (ValueError, OSError):
            pass


def payload(seq: int, pad: bytes) -> bytes:
    return seq.to_bytes(4, "big") + pad


def end_marker(total: int) -> bytes:
    return END.to_bytes(4, "big") + total.to_bytes(4, "big")


def setup_result(n: int, elapsed: float, cycles: List[float]) -> Dict[str, Any]:
    cycles.sort()
    return {"role": "client", "msgs": n, "elapsed": elapsed, "rate": n / elapsed,
            "cycle_median": cycles[len(cycles) // 2] if cycles else 0.0,
            "cycle_max": cycles[-1] if cycles else 0.0}


class SetupClock:
    """The setup client's clock: made when the measured phase begins;
    ``lap()`` after each cycle (connect, close) says whether the duration is
    over; ``stop()`` ends the phase; ``result(n)`` is the RESULT."""

    def __init__(self, p: Dict[str, Any]) -> None:
        self.cycles: List[float] = []
        mark("begin")
        self.t0 = self.prev = self.t1 = now()
        self.deadline = self.t0 + p["duration"]

    def lap(self) -> bool:
        t = now()
        self.cycles.append(t - self.prev)
        self.prev = t
        return t > self.deadline

    def stop(self) -> None:
        self.t1 = now()
        mark("end")

    def result(self, n: int) -> Dict[str, Any]:
        return setup_result(n, self.t1 - self.t0, self.cycles)


def mem_now() -> Tuple[int, int]:
    """(tracemalloc current bytes, RSS bytes)."""
    import tracemalloc
    cur = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return cur, rss


class AssocMemory:
    """What a many-server's associations cost: created before the server
    (starts tracemalloc unless params say "tracemalloc": false), then
    ``up(assocs)`` once they are all up says UP with the figures; then
    ``result(...)`` is the server's RESULT."""

    def __init__(self, p: Dict[str, Any]) -> None:
        import tracemalloc
        gc.collect()
        if p.get("tracemalloc", True):
            tracemalloc.start()
        self.m0, self.r0 = mem_now()
        self.rss = 0

    def up(self, assocs: int) -> None:
        import tracemalloc
        gc.collect()
        m1, r1 = mem_now()
        self.rss = r1 - self.r0
        up_info = {"rss_bytes": self.rss, "assocs": assocs}
        if tracemalloc.is_tracing():
            up_info["py_bytes"] = m1 - self.m0
            tracemalloc.stop()
        out("UP", up_info)

    def result(self, n: int, assocs: int, t_first: float, t_end: float) -> Dict[str, Any]:
        el = t_end - t_first
        return {"role": "server", "msgs": n, "assocs": assocs, "elapsed": el,
                "rate": (n - 1) / el if el > 0 else 0.0, "t_end": t_end,
                "rss_bytes_per_assoc": self.rss / max(assocs, 1)}


class Checker:
    """Count and order of a stream run at the receiver: message seq on stream
    seq % streams, each stream in order, size right, END on every stream."""

    __slots__ = ("streams", "size", "next", "n", "nbytes", "errors", "ends", "total",
                 "t_first", "t_end", "partial")

    def __init__(self, streams: int, size: int) -> None:
        self.streams = streams
        self.size = size
        self.next = list(range(streams))
        self.n = self.nbytes = self.errors = self.ends = self.partial = 0
        self.total = -1
        self.t_first = self.t_end = 0.0

    def feed(self, data: bytes, stream: int = -1) -> bool:
        """Take one whole message; True once every END has come."""
        seq = int.from_bytes(data[:4], "big")
        if seq == END and len(data) == 8:
            self.total = int.from_bytes(data[4:8], "big")
            self.ends += 1
            if self.ends >= self.streams:
                self.t_end = now()
                return True
            return False
        if self.n == 0:
            self.t_first = now()
        self.n += 1
        self.nbytes += len(data)
        s = seq % self.streams
        if (stream >= 0 and stream != s) or seq != self.next[s] or len(data) != self.size:
            self.errors += 1
        self.next[s] = seq + self.streams
        return False

    def result(self, **extra: Any) -> Dict[str, Any]:
        el = self.t_end - self.t_first
        errors = self.errors + (self.total != self.n)
        return {"role": "server", "msgs": self.n, "bytes": self.nbytes, "elapsed": el,
                "rate": (self.n - 1) / el if el > 0 and self.n > 1 else 0.0,
                "mbps": self.nbytes / el / 1e6 if el > 0 else 0.0,
                "errors": errors, "expected": self.total, "partial_reads": self.partial,
                "t_end": self.t_end, **extra}


# =============================================================================
# Blocking sockets: stdlib, PySCTP / the shim, aiosctp.lowlevel
# =============================================================================


class Blocking:
    """Shared blocking-socket logic; subclasses give the per-message calls."""

    name = "?"
    streams_ok = True  # can send on several streams

    def info(self) -> Dict[str, Any]:
        return {}

    # -- per contender -------------------------------------------------------
    def new(self, many: bool = False) -> Any:
        raise NotImplementedError

    def accept(self, lst: Any) -> Any:
        return lst.accept()[0]

    def nodelay(self, s: Any) -> None:
        s.setsockopt(IPPROTO_SCTP, SCTP_NODELAY, 1)

    def fileno(self, s: Any) -> int:
        return s.fileno()

    def make_send(self, s: Any) -> Callable[[bytes, int], Any]:
        raise NotImplementedError

    def make_recv(self, s: Any) -> Callable[[], Tuple[Optional[bytes], int]]:
        """recv() -> (whole message, stream or -1); (None, -1) at EOF.
        Notifications are skipped; parts are joined (partial delivery)."""
        raise NotImplementedError

    # -- plumbing --------------------------------------------------------------
    def listen(self, p: Dict[str, Any], many: bool = False) -> Any:
        lst = self.new(many)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        set_rcvbuf(lst, p.get("rcvbuf", 0))
        lst.bind((HOST, 0))
        lst.listen(4096)
        out("READY", lst.getsockname()[1])
        return lst

    def connect(self, p: Dict[str, Any]) -> Any:
        s = self.new()
        s.connect((HOST, p["port"]))
        self.nodelay(s)
        return s

    # -- scenarios ---------------------------------------------------------------
    def pingpong_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        lst = self.listen(p)
        c = self.accept(lst)
        lst.close()
        self.nodelay(c)
        send, recv = self.make_send(c), self.make_recv(c)
        n = 0
        mark("begin")
        while True:
            data, stream = recv()
            if data is None:
                break
            send(data, 0)
            n += 1
        mark("end")
        c.close()
        return {"role": "server", "msgs": n}

    def pingpong_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.connect(p)
        send, recv = self.make_send(c), self.make_recv(c)
        pad = bytes(p["size"] - 4)
        warm, count = p["warmup"], p["count"]
        errors = done = 0
        t0 = deadline = 0.0
        for i in range(warm + count):
            if i == warm:
                mark("begin")
                t0 = now()
                deadline = t0 + p["duration"]
            msg = payload(i, pad)
            send(msg, 0)
            data, _ = recv()
            if data != msg:
                errors += 1
            if i >= warm:
                done += 1
                if not done & 63 and now() > deadline:
                    break
        t1 = now()
        mark("end")
        c.close()
        return {"role": "client", "msgs": done, "elapsed": t1 - t0,
                "rate": done / (t1 - t0), "errors": errors}

    def stream_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        lst = self.listen(p)
        c = self.accept(lst)
        lst.close()
        recv = self.make_recv(c)
        ck = Checker(p["streams"], p["size"])
        feed = ck.feed
        calls = 0
        mark("begin")
        while True:
            data, stream = recv()
            calls += 1
            if data is None or feed(data, stream):
                break
        mark("end")
        c.close()
        return ck.result(calls=calls)

    def stream_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.connect(p)
        send = self.make_send(c)
        streams = p["streams"] if self.streams_ok else 1
        pad = bytes(p["size"] - 4)
        count = p["count"]
        mark("begin")
        t0 = now()
        deadline = t0 + p["duration"]
        sent = 0
        for i in range(count):
            send(payload(i, pad), i % streams)
            sent += 1
            if not sent & 255 and now() > deadline:
                break
        for s in range(streams):
            send(end_marker(sent), s)
        t1 = now()
        mark("end")
        self.linger_close(c)
        return {"role": "client", "msgs": sent, "elapsed": t1 - t0, "rate": sent / (t1 - t0),
                "t0": t0}

    def linger_close(self, c: Any) -> None:
        """Wait until the peer has everything and closes (as the C client)."""
        try:
            c.shutdown(socket.SHUT_WR)
            fd = self.fileno(c)
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        c.close()

    def many_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        """One one-to-many socket; count COMM_UP, then messages."""
        mem = AssocMemory(p)
        lst = self.listen(p, many=True)
        want_up, want = p["assocs"], p["assocs"] * p["per_assoc"]
        up = self.many_wait_up(lst, want_up)
        mem.up(up)
        mark("begin")
        n, t_first = self.many_count(lst, want)
        t_end = now()
        mark("end")
        lst.close()
        return mem.result(n, up, t_first, t_end)

    def many_wait_up(self, lst: Any, want: int) -> int:
        raise NotImplementedError

    def many_count(self, lst: Any, want: int) -> Tuple[int, float]:
        recv = self.make_recv(lst)
        n = 0
        t_first = 0.0
        while n < want:
            data, _ = recv()
            if data is None:
                break
            if n == 0:
                t_first = now()
            n += 1
        return n, t_first

    def setup_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        lst = self.listen(p)
        n = 0
        mark("begin")
        while True:
            c = self.accept(lst)
            data, _ = self.make_recv(c)()
            c.close()
            if data is not None:  # the client's END: stop
                break
            n += 1
        mark("end")
        lst.close()
        return {"role": "server", "msgs": n}

    def setup_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        addr = (HOST, p["port"])
        new = self.new
        clock = SetupClock(p)
        n = 0
        for n in range(1, p["count"] + 1):
            s = new()
            s.connect(addr)
            s.close()
            if clock.lap():
                break
        clock.stop()
        s = self.connect(p)
        self.make_send(s)(end_marker(n), 0)
        s.close()
        return clock.result(n)


class Stdlib(Blocking):
    """socket.socket with IPPROTO_SCTP; sendmsg with a prebuilt SCTP_SNDINFO
    per stream (stream and PPID, as the others send), recvmsg without any
    ancillary buffer: no SCTP information on receipt."""

    name = "stdlib"

    def __init__(self) -> None:
        self.cmsg = [[(IPPROTO_SCTP, SCTP_SNDINFO,
                       struct.pack("=HHIIi", s, 0, socket.htonl(1), 0, 0))] for s in range(64)]

    def new(self, many: bool = False) -> Any:
        return socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET if many else socket.SOCK_STREAM,
                             IPPROTO_SCTP)

    def make_send(self, s: Any) -> Callable[[bytes, int], Any]:
        sendmsg, cmsg = s.sendmsg, self.cmsg

        def send(data: bytes, stream: int) -> Any:
            return sendmsg([data], cmsg[stream])
        return send

    def make_recv(self, s: Any) -> Callable[[], Tuple[Optional[bytes], int]]:
        recvmsg = s.recvmsg

        def recv() -> Tuple[Optional[bytes], int]:
            while True:
                data, _, flags, _ = recvmsg(65536)
                if flags & MSG_EOR:
                    if flags & MSG_NOTIFICATION:
                        continue
                    return data, -1
                if not data and not flags:
                    return None, -1
                parts = [data]  # partial delivery: join up to MSG_EOR
                while not flags & MSG_EOR:
                    data, _, flags, _ = recvmsg(65536)
                    if not data and not flags:
                        break
                    parts.append(data)
                if flags & MSG_NOTIFICATION:
                    continue
                return b"".join(parts), -1
        return recv

    def many_wait_up(self, lst: Any, want: int) -> int:
        ev = struct.pack("=iHBx", 0, SCTP_ASSOC_CHANGE, 1)
        lst.setsockopt(SOL_SCTP, SCTP_EVENT, ev)
        up = 0
        while up < want:
            data, _, flags, _ = lst.recvmsg(65536)
            if flags & MSG_NOTIFICATION and len(data) >= 10:
                typ, = struct.unpack_from("=H", data, 0)
                state, = struct.unpack_from("=H", data, 8)
                if typ == SCTP_ASSOC_CHANGE and state == SCTP_COMM_UP:
                    up += 1
        return up

    def many_count(self, lst: Any, want: int) -> Tuple[int, float]:
        recvmsg = lst.recvmsg
        n = 0
        t_first = 0.0
        while n < want:
            data, _, flags, _ = recvmsg(65536)
            if flags & MSG_NOTIFICATION:
                continue
            if n == 0:
                t_first = now()
            n += 1
        return n, t_first


class PySCTP(Blocking):
    """PySCTP 0.7.3's API: sctpsocket_tcp/_udp, sctp_send, sctp_recv (with
    data_io on, so each message comes with its stream).  Run with PySCTP's
    venv for the reference, or with the repo's `sctp` for the shim."""

    name = "pysctp"

    def __init__(self) -> None:
        import sctp  # noqa: F401  (PySCTP, or the shim)
        self.sctp = sctp

    def info(self) -> Dict[str, Any]:
        return {"sctp": getattr(self.sctp, "__file__", "?")}

    def new(self, many: bool = False) -> Any:
        sctp = self.sctp
        s = sctp.sctpsocket_udp(socket.AF_INET) if many else sctp.sctpsocket_tcp(socket.AF_INET)
        return s

    def accept(self, lst: Any) -> Any:
        c = lst.accept()[0]
        c.events.data_io = True
        return c

    def nodelay(self, s: Any) -> None:
        s.set_nodelay(True)

    def connect(self, p: Dict[str, Any]) -> Any:
        s = super().connect(p)
        s.events.data_io = True
        return s

    def make_send(self, s: Any) -> Callable[[bytes, int], Any]:
        sctp_send = s.sctp_send

        def send(data: bytes, stream: int) -> Any:
            return sctp_send(data, ppid=1, stream=stream)
        return send

    def make_recv(self, s: Any) -> Callable[[], Tuple[Optional[bytes], int]]:
        sctp_recv = s.sctp_recv
        NOTIF, EOR = self.sctp.FLAG_NOTIFICATION, self.sctp.FLAG_EOR

        def recv() -> Tuple[Optional[bytes], int]:
            while True:
                _, flags, msg, notif = sctp_recv(65536)
                if flags & NOTIF:
                    continue
                if not msg:
                    return None, -1
                if not flags & EOR:
                    parts = [msg]
                    while not flags & EOR:
                        _, flags, msg, notif = sctp_recv(65536)
                        if not msg:
                            break
                        parts.append(msg)
                    msg = b"".join(parts)
                return msg, notif.stream
        return recv

    def many_wait_up(self, lst: Any, want: int) -> int:
        lst.events.association = True
        up = 0
        COMM_UP = self.sctp.assoc_change.state_COMM_UP
        while up < want:
            _, flags, msg, notif = lst.sctp_recv(65536)
            if (flags & self.sctp.FLAG_NOTIFICATION and isinstance(notif, self.sctp.assoc_change)
                    and notif.state == COMM_UP):
                up += 1
        return up

    def many_count(self, lst: Any, want: int) -> Tuple[int, float]:
        sctp_recv = lst.sctp_recv
        NOTIF = self.sctp.FLAG_NOTIFICATION
        n = 0
        t_first = 0.0
        while n < want:
            _, flags, msg, _ = sctp_recv(65536)
            if flags & NOTIF:
                continue
            if n == 0:
                t_first = now()
            n += 1
        return n, t_first


class Lowlevel(Blocking):
    """aiosctp.lowlevel: sendmsg / recvmsg, one message per call."""

    name = "lowlevel"

    def __init__(self) -> None:
        from aiosctp import lowlevel as ll
        self.ll = ll

    def info(self) -> Dict[str, Any]:
        import aiosctp
        return {"aiosctp": aiosctp.__file__}

    def new(self, many: bool = False) -> Any:
        return self.ll.sctp_socket(socket.AF_INET, "one-to-many" if many else "one-to-one")

    def nodelay(self, s: Any) -> None:
        self.ll.set_nodelay(s)

    def make_send(self, s: Any) -> Callable[[bytes, int], Any]:
        sendmsg = self.ll.sendmsg

        def send(data: bytes, stream: int) -> Any:
            return sendmsg(s, data, stream=stream, ppid=1)
        return send

    def make_recv(self, s: Any) -> Callable[[], Tuple[Optional[bytes], int]]:
        recvmsg, Message = self.ll.recvmsg, self.ll.Message

        def recv() -> Tuple[Optional[bytes], int]:
            m: Any
            while True:
                m = recvmsg(s)
                if m is None:
                    return None, -1
                if m.__class__ is not Message:
                    continue  # a notification
                if not m.complete:
                    parts = [m.data]
                    while not m.complete:
                        m = recvmsg(s)
                        if m is None:
                            break
                        parts.append(m.data)
                    return b"".join(parts), m.stream if m else -1
                return m.data, m.stream
        return recv

    def many_wait_up(self, lst: Any, want: int) -> int:
        from aiosctp import events
        self.ll.subscribe(lst, events.AssocChange)
        up = 0
        while up < want:
            m = self.ll.recvmsg(lst)
            if isinstance(m, events.AssocChange) and int(m.state) == SCTP_COMM_UP:
                up += 1
        return up

    def many_count(self, lst: Any, want: int) -> Tuple[int, float]:
        recvmsg, Message = self.ll.recvmsg, self.ll.Message
        n = 0
        t_first = 0.0
        while n < want:
            m = recvmsg(lst)
            if m.__class__ is not Message:
                continue
            if n == 0:
                t_first = now()
            n += 1
        return n, t_first


class LowlevelBatch(Lowlevel):
    """aiosctp.lowlevel batched: sendmsgs (sendmmsg, 16 messages a call) and
    recvmsgs (recvmmsg, up to 64 a call, after poll() says readable).
    Ping-pong and setup have nothing to batch: the one-call functions."""

    name = "lowlevel-batch"
    SEND_BATCH = 16
    RECV_BATCH = 64
    RECV_BATCH_BYTES = 256 * 1024

    def __init__(self) -> None:
        super().__init__()
        if not hasattr(self.ll, "recvmsgs") or not hasattr(self.ll, "sendmsgs"):
            raise ImportError("aiosctp.lowlevel has no recvmsgs/sendmsgs")

    def stream_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        lst = self.listen(p)
        c = lst.accept()[0]
        lst.close()
        recvmsgs, Message = self.ll.recvmsgs, self.ll.Message
        ck = Checker(p["streams"], p["size"])
        feed = ck.feed
        poller = select.poll()
        poller.register(c, select.POLLIN)
        wait = poller.poll
        calls = 0
        parts: List[bytes] = []
        done = False
        mark("begin")
        want = self.RECV_BATCH
        while not done:
            wait()
            batch = recvmsgs(c, 65536, want)
            calls += 1
            if not batch:
                break  # end of file
            # at most ~256 KiB of messages a call (as the transport does):
            # large batches of large messages fault in fresh heap pages
            if len(batch) == want:
                nbytes = sum([len(m.data) for m in batch if m.__class__ is Message])
                if nbytes > self.RECV_BATCH_BYTES:
                    want = max(1, want * self.RECV_BATCH_BYTES // nbytes)
                elif want < self.RECV_BATCH and nbytes * 2 <= self.RECV_BATCH_BYTES:
                    want *= 2
            m: Any
            for m in batch:
                if m.__class__ is not Message:
                    continue
                if not m.complete or parts:
                    parts.append(m.data)
                    ck.partial += 1
                    if not m.complete:
                        continue
                    data = b"".join(parts)
                    parts.clear()
                else:
                    data = m.data
                if feed(data, m.stream):
                    done = True
                    break
        mark("end")
        c.close()
        return ck.result(calls=calls)

    def stream_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.connect(p)
        sendmsgs = self.ll.sendmsgs
        streams = p["streams"]
        pad = bytes(p["size"] - 4)
        count, B = p["count"], self.SEND_BATCH
        mark("begin")
        t0 = now()
        deadline = t0 + p["duration"]
        sent = calls = 0
        # one buffer per slot, reused (as the C client does): 16 fresh
        # 64 KiB payloads a batch fault in ~14 fresh heap pages per message
        bufs = [bytearray(payload(0, pad)) for _ in range(B)]
        while sent < count:
            k = min(B, count - sent)
            for j in range(k):
                bufs[j][:4] = (sent + j).to_bytes(4, "big")
            batch = [(bufs[j], (sent + j) % streams, 1) for j in range(k)]
            while batch:
                n = sendmsgs(c, batch)
                calls += 1
                del batch[:n]
            sent += k
            if not sent & 255 and now() > deadline:
                break
        sendmsgs(c, [(end_marker(sent), s, 1) for s in range(streams)])
        t1 = now()
        mark("end")
        self.linger_close(c)
        return {"role": "client", "msgs": sent, "calls": calls, "elapsed": t1 - t0,
                "rate": sent / (t1 - t0), "t0": t0}

    def many_count(self, lst: Any, want: int) -> Tuple[int, float]:
        recvmsgs, Message = self.ll.recvmsgs, self.ll.Message
        poller = select.poll()
        poller.register(lst, select.POLLIN)
        wait = poller.poll
        n = 0
        t_first = 0.0
        while n < want:
            wait()
            for m in recvmsgs(lst, 65536, self.RECV_BATCH):
                if m.__class__ is not Message:
                    continue
                if n == 0:
                    t_first = now()
                n += 1
        return n, t_first


# =============================================================================
# asyncio: the aiosctp transport (standard loop, uvloop), the high-level API,
# and an asyncio Protocol over TCP for reference
# =============================================================================


def new_loop(kind: str) -> Any:
    import asyncio
    if kind == "uvloop":
        import uvloop
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


class Async:
    """Shared asyncio driving; subclasses are the SCTP transport, the
    high-level API and TCP."""

    name = "?"
    loop_kind = "asyncio"

    def __init__(self) -> None:
        import asyncio
        self.asyncio = asyncio
        if self.loop_kind == "uvloop":
            import uvloop
            self.uvloop = uvloop

    def info(self) -> Dict[str, Any]:
        return {"loop": self.loop_kind}

    def run(self, coro_fn: Callable[..., Any], p: Dict[str, Any]) -> Dict[str, Any]:
        loop = new_loop(self.loop_kind)
        try:
            self.asyncio.set_event_loop(loop)
            return loop.run_until_complete(coro_fn(p))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                self.asyncio.set_event_loop(None)
                loop.close()

    async def close_server(self, srv: Any) -> None:
        srv.close()
        try:
            await self.asyncio.wait_for(srv.wait_closed(), 5)
        except Exception:
            pass


#: What run_worker calls on an Async contender (``<scenario>_<role>``): each
#: runs the subclass's coroutine method ``a_<scenario>_<role>`` on a new loop.
ASYNC_SCENARIOS = ("pingpong_server", "pingpong_client", "stream_server", "stream_client",
                   "many_server", "setup_server", "setup_client")


def _on_a_new_loop(name: str) -> Callable[[Async, Dict[str, Any]], Dict[str, Any]]:
    def scenario(self: Async, p: Dict[str, Any]) -> Dict[str, Any]:
        return self.run(getattr(self, "a_" + name), p)
    scenario.__name__ = scenario.__qualname__ = name
    return scenario


for _name in ASYNC_SCENARIOS:
    setattr(Async, _name, _on_a_new_loop(_name))


def no_sender_dry(transport: Any) -> None:
    """run.py --no-sender-dry: switch SCTP_SENDER_DRY_EVENT off on this
    association (see README: a busy sender's receive queue fills with them
    and the kernel then drops the SACKs that arrive)."""
    from aiosctp import events, lowlevel
    sock = transport.get_extra_info("socket")
    if sock is not None:
        lowlevel.unsubscribe(sock, events.SenderDry)


def _protocols(base: type, send_name: str, framed: bool) -> Dict[str, type]:
    """Protocol classes of the callback-style contenders (SCTP transport and
    TCP), written once: `send_name` is how a message goes out
    (transport.send(data, stream=, ppid=) for SCTP, a framed write for TCP);
    `framed` parses the u32-length frames of TCP in data_received."""

    class Common(base):  # type: ignore[misc, valid-type]
        def __init__(self, ctx: Dict[str, Any]) -> None:
            self.ctx = ctx
            self.t: Any = None
            self.buf = bytearray()
            self.paused = False
            self.resumed: Any = None
            self.closed = ctx["loop"].create_future()

        def connection_made(self, t: Any) -> None:
            self.t = t
            if framed:
                self._send = self._send_framed
            else:
                self._send = self._send_sctp
                if self.ctx.get("no_sender_dry"):
                    no_sender_dry(t)

        def _send_sctp(self, data: bytes, stream: int) -> None:
            self.t.send(data, stream=stream, ppid=1)

        def _send_framed(self, data: bytes, stream: int) -> None:
            self.t.write(len(data).to_bytes(4, "big") + data)

        def connection_lost(self, exc: Optional[BaseException]) -> None:
            if not self.closed.done():
                self.closed.set_result(exc)
            if self.resumed is not None and not self.resumed.done():
                self.resumed.set_result(None)

        def pause_writing(self) -> None:
            self.paused = True
            self.resumed = self.ctx["loop"].create_future()

        def resume_writing(self) -> None:
            self.paused = False
            if self.resumed is not None and not self.resumed.done():
                self.resumed.set_result(None)

        # TCP: frames -> on_message(data, -1)
        def data_received(self, data: bytes) -> None:
            buf = self.buf
            buf += data
            pos, end = 0, len(buf)
            on = self.on_message
            while end - pos >= 4:
                n = int.from_bytes(buf[pos:pos + 4], "big")
                if end - pos - 4 < n:
                    break
                on(bytes(buf[pos + 4:pos + 4 + n]), -1)
                pos += 4 + n
            if pos:
                del buf[:pos]

        def eof_received(self) -> Optional[bool]:
            return None

        # SCTP: messages -> on_message(data, stream)
        def message_received(self, data: bytes, info: Any) -> None:
            self.on_message(data, info.stream)

        def on_message(self, data: bytes, stream: int) -> None:
            pass

    class Echo(Common):
        def on_message(self, data: bytes, stream: int) -> None:
            self.ctx["n"] += 1
            self._send(data, 0)

    class Ping(Common):
        """Callback-driven ping-pong: the next ping leaves from the callback
        of the previous pong (no future, no task per message)."""

        def connection_made(self, t: Any) -> None:
            super().connection_made(t)
            c = self.ctx
            c["i"] = 0
            c["errors"] = 0
            self.pad = bytes(c["size"] - 4)
            self.msg = payload(0, self.pad)
            self._send(self.msg, 0)

        def on_message(self, data: bytes, stream: int) -> None:
            c = self.ctx
            if data != self.msg:
                c["errors"] += 1
            i = c["i"] = c["i"] + 1
            if i == c["warmup"]:
                mark("begin")
                c["t0"] = now()
                c["deadline"] = c["t0"] + c["duration"]
            done = i - c["warmup"]
            if i >= c["warmup"] + c["count"] or (
                    done > 0 and not done & 63 and now() > c["deadline"]):
                c["t1"] = now()
                mark("end")
                c["done"].set_result(done)
                return
            self.msg = payload(i, self.pad)
            self._send(self.msg, 0)

    class Sink(Common):
        def connection_made(self, t: Any) -> None:
            super().connection_made(t)
            self.feed = self.ctx["checker"].feed

        def on_message(self, data: bytes, stream: int) -> None:
            if self.feed(data, stream):
                mark("end")
                d = self.ctx["done"]
                if not d.done():
                    d.set_result(None)

    class Counter(Common):
        """many: one per association (SCTP one-to-many or TCP connection)."""

        def connection_made(self, t: Any) -> None:
            super().connection_made(t)
            c = self.ctx
            c["up"] += 1
            if c["up"] == c["want_up"] and not c["all_up"].done():
                c["all_up"].set_result(None)

        def on_message(self, data: bytes, stream: int) -> None:
            c = self.ctx
            n = c["n"] = c["n"] + 1
            if n == 1:
                c["t_first"] = now()
            if n >= c["want"] and not c["done"].done():
                c["t_end"] = now()
                c["done"].set_result(None)

    class Acceptor(Common):
        """setup: count associations; the client's END message stops."""

        def connection_made(self, t: Any) -> None:
            super().connection_made(t)
            self.ctx["n"] += 1

        def on_message(self, data: bytes, stream: int) -> None:
            if data[:4] == b"\xff\xff\xff\xff" and not self.ctx["done"].done():
                self.ctx["done"].set_result(None)

    class Plain(Common):
        pass

    return {"Echo": Echo, "Ping": Ping, "Sink": Sink, "Counter": Counter,
            "Acceptor": Acceptor, "Plain": Plain}


class CallbackStyle(Async):
    """The aiosctp transport, or TCP: Protocol callbacks, the same code."""

    framed = False

    def __init__(self) -> None:
        super().__init__()
        self.P = _protocols(self.protocol_base(), "send", self.framed)

    # -- per contender -------------------------------------------------------
    def protocol_base(self) -> type:
        raise NotImplementedError

    async def server(self, factory: Callable[[], Any], p: Dict[str, Any], many: bool = False) -> Any:
        raise NotImplementedError

    async def connection(self, factory: Callable[[], Any], p: Dict[str, Any]) -> Tuple[Any, Any]:
        raise NotImplementedError

    def streams(self, p: Dict[str, Any]) -> int:
        return p["streams"]

    # -- helpers ---------------------------------------------------------------
    def ctx(self, p: Dict[str, Any], **kw: Any) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        c = dict(p)
        c.update(loop=loop, n=0, done=loop.create_future(), **kw)
        return c

    async def serve_until_done(self, c: Dict[str, Any], proto: str, p: Dict[str, Any],
                               many: bool = False) -> Any:
        srv = await self.server(lambda: self.P[proto](c), p, many)
        out("READY", srv.sockets[0].getsockname()[1])
        return srv

    # -- scenarios ---------------------------------------------------------------
    async def a_pingpong_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.ctx(p)
        lost = []

        def factory() -> Any:
            pr = self.P["Echo"](c)
            lost.append(pr.closed)
            mark("begin")
            return pr
        srv = await self.server(factory, p)
        out("READY", srv.sockets[0].getsockname()[1])
        while not lost:
            await self.asyncio.sleep(0.01)
        await lost[0]
        mark("end")
        await self.close_server(srv)
        return {"role": "server", "msgs": c["n"]}

    async def a_pingpong_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.ctx(p)
        t, pr = await self.connection(lambda: self.P["Ping"](c), p)
        done = await c["done"]
        t.close()
        await self.asyncio.wait_for(pr.closed, 10)
        el = c["t1"] - c["t0"]
        return {"role": "client", "msgs": done, "elapsed": el, "rate": done / el,
                "errors": c["errors"]}

    async def a_stream_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        streams = self.streams(p)
        ck = Checker(streams, p["size"])
        c = self.ctx(p, checker=ck)
        conns = []

        def factory() -> Any:
            pr = self.P["Sink"](c)
            conns.append(pr)
            mark("begin")
            return pr
        srv = await self.server(factory, p)
        out("READY", srv.sockets[0].getsockname()[1])
        await c["done"]
        for pr in conns:
            pr.t.close()
        await self.close_server(srv)
        return ck.result()

    async def a_stream_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.ctx(p)
        t, pr = await self.connection(lambda: self.P["Plain"](c), p)
        streams = self.streams(p)
        pad = bytes(p["size"] - 4)
        send = pr._send
        count = p["count"]
        mark("begin")
        t0 = now()
        deadline = t0 + p["duration"]
        sent = 0
        for i in range(count):
            if pr.paused:
                await pr.resumed
            send(payload(i, pad), i % streams)
            sent += 1
            if not sent & 255 and now() > deadline:
                break
        for s in range(streams):
            send(end_marker(sent), s)
        t1 = now()
        mark("end")
        await self.asyncio.wait_for(pr.closed, 120)  # the receiver closes
        return {"role": "client", "msgs": sent, "elapsed": t1 - t0, "rate": sent / (t1 - t0),
                "t0": t0}

    async def a_many_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        c = self.ctx(p, up=0, want_up=p["assocs"], want=p["assocs"] * p["per_assoc"],
                     all_up=loop.create_future(), t_first=0.0, t_end=0.0)
        mem = AssocMemory(p)
        srv = await self.server(lambda: self.P["Counter"](c), p, True)
        out("READY", srv.sockets[0].getsockname()[1])
        await c["all_up"]
        await self.asyncio.sleep(0.05)
        up = c["up"]
        mem.up(up)
        mark("begin")
        await c["done"]
        mark("end")
        await self.close_server(srv)
        return mem.result(c["n"], up, c["t_first"], c["t_end"])

    async def a_setup_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.ctx(p)
        srv = await self.server(lambda: self.P["Acceptor"](c), p)
        out("READY", srv.sockets[0].getsockname()[1])
        mark("begin")
        await c["done"]
        mark("end")
        await self.close_server(srv)
        return {"role": "server", "msgs": c["n"] - 1}

    async def a_setup_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        c = self.ctx(p)
        clock = SetupClock(p)
        n = 0
        for n in range(1, p["count"] + 1):
            t, pr = await self.connection(lambda: self.P["Plain"](c), p)
            t.close()
            await pr.closed
            if clock.lap():
                break
        clock.stop()
        t, pr = await self.connection(lambda: self.P["Plain"](c), p)
        pr._send(end_marker(n), 0)
        t.close()
        await self.asyncio.wait_for(pr.closed, 10)
        return clock.result(n)


class Transport(CallbackStyle):
    """aiosctp.create_sctp_server / create_sctp_connection with an
    SCTPProtocol (message_received(data, info), transport.send)."""

    name = "asyncio"

    def __init__(self) -> None:
        import aiosctp
        for attr in ("create_sctp_connection", "create_sctp_server", "SCTPProtocol"):
            if not hasattr(aiosctp, attr):
                raise ImportError(f"aiosctp has no {attr}")
        self.aiosctp = aiosctp
        super().__init__()

    def protocol_base(self) -> type:
        return self.aiosctp.SCTPProtocol

    async def server(self, factory: Callable[[], Any], p: Dict[str, Any], many: bool = False) -> Any:
        # The client learns the port only after READY, so setting SO_RCVBUF
        # on the listening socket here still comes before any association.
        srv = await self.aiosctp.create_sctp_server(
            factory, HOST, 0, style="one-to-many" if many else "one-to-one", backlog=4096)
        set_rcvbuf(srv.sockets[0], p.get("rcvbuf", 0))
        return srv

    async def connection(self, factory: Callable[[], Any], p: Dict[str, Any]) -> Tuple[Any, Any]:
        return await self.aiosctp.create_sctp_connection(factory, HOST, p["port"])


class TransportUvloop(Transport):
    name = "uvloop"
    loop_kind = "uvloop"


class TCP(CallbackStyle):
    """asyncio Protocol over TCP (TCP_NODELAY, as asyncio sets by default),
    messages framed with a u32 length: the same exchange, one stream."""

    name = "tcp-asyncio"
    framed = True

    def protocol_base(self) -> type:
        return self.asyncio.Protocol

    def streams(self, p: Dict[str, Any]) -> int:
        return 1

    async def server(self, factory: Callable[[], Any], p: Dict[str, Any], many: bool = False) -> Any:
        loop = self.asyncio.get_running_loop()
        srv = await loop.create_server(factory, HOST, 0, backlog=4096, reuse_address=True)
        set_rcvbuf(srv.sockets[0], p.get("rcvbuf", 0))
        return srv

    async def connection(self, factory: Callable[[], Any], p: Dict[str, Any]) -> Tuple[Any, Any]:
        loop = self.asyncio.get_running_loop()
        # asyncio and uvloop set TCP_NODELAY on every TCP transport
        # themselves: setting it again cost the TCP references a system
        # call per connection that the SCTP contenders do not make
        t, pr = await loop.create_connection(factory, HOST, p["port"])
        return t, pr


class TCPUvloop(TCP):
    name = "tcp-uvloop"
    loop_kind = "uvloop"


class HighLevel(Async):
    """aiosctp.connect() / aiosctp.serve(): Association objects, await
    send(), await recv() / async for."""

    name = "highlevel"

    def __init__(self) -> None:
        super().__init__()
        import aiosctp
        for attr in ("connect", "serve"):
            if not hasattr(aiosctp, attr):
                raise ImportError(f"aiosctp has no {attr}")
        self.aiosctp = aiosctp

    async def serve(self, handler: Callable[[Any], Any], p: Dict[str, Any],
                    many: bool = False) -> Any:
        if p.get("no_sender_dry"):
            inner = handler

            async def handler(assoc: Any) -> None:
                no_sender_dry(assoc.transport)
                await inner(assoc)
        srv = await self.aiosctp.serve(handler, HOST, 0,
                                       style="one-to-many" if many else "one-to-one",
                                       backlog=4096)
        set_rcvbuf(srv.sockets[0], p.get("rcvbuf", 0))
        out("READY", srv.sockets[0].getsockname()[1])
        return srv

    async def connect(self, p: Dict[str, Any]) -> Any:
        assoc = await self.aiosctp.connect(HOST, p["port"])
        if p.get("no_sender_dry"):
            no_sender_dry(assoc.transport)
        return assoc

    async def a_pingpong_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        finished = loop.create_future()
        n = 0

        async def handler(assoc: Any) -> None:
            nonlocal n
            mark("begin")
            try:
                async for m in assoc:
                    await assoc.send(m.data, stream=m.stream, ppid=m.ppid)
                    n += 1
            finally:
                mark("end")
                if not finished.done():
                    finished.set_result(None)
        srv = await self.serve(handler, p)
        await finished
        await self.close_server(srv)
        return {"role": "server", "msgs": n}

    async def a_pingpong_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        assoc = await self.connect(p)
        pad = bytes(p["size"] - 4)
        warm, count = p["warmup"], p["count"]
        errors = done = 0
        t0 = deadline = 0.0
        send, recv = assoc.send, assoc.recv
        for i in range(warm + count):
            if i == warm:
                mark("begin")
                t0 = now()
                deadline = t0 + p["duration"]
            msg = payload(i, pad)
            await send(msg, stream=0, ppid=1)
            m = await recv()
            if m.data != msg:
                errors += 1
            if i >= warm:
                done += 1
                if not done & 63 and now() > deadline:
                    break
        t1 = now()
        mark("end")
        await assoc.close()
        return {"role": "client", "msgs": done, "elapsed": t1 - t0, "rate": done / (t1 - t0),
                "errors": errors}

    async def a_stream_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        finished = loop.create_future()
        ck = Checker(p["streams"], p["size"])

        async def handler(assoc: Any) -> None:
            feed = ck.feed
            mark("begin")
            try:
                async for m in assoc:
                    if feed(m.data, m.stream):
                        break
            finally:
                mark("end")
                await assoc.close()
                if not finished.done():
                    finished.set_result(None)
        srv = await self.serve(handler, p)
        await finished
        await self.close_server(srv)
        return ck.result()

    async def a_stream_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        assoc = await self.connect(p)
        streams = p["streams"]
        pad = bytes(p["size"] - 4)
        send = assoc.send
        count = p["count"]
        mark("begin")
        t0 = now()
        deadline = t0 + p["duration"]
        sent = 0
        for i in range(count):
            await send(payload(i, pad), stream=i % streams, ppid=1)
            sent += 1
            if not sent & 255 and now() > deadline:
                break
        for s in range(streams):
            await send(end_marker(sent), stream=s, ppid=1)
        t1 = now()
        mark("end")
        try:  # wait for the receiver to close
            async for _ in assoc:
                pass
        except Exception:
            pass
        await assoc.close()
        return {"role": "client", "msgs": sent, "elapsed": t1 - t0, "rate": sent / (t1 - t0),
                "t0": t0}

    async def a_many_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        all_up, finished = loop.create_future(), loop.create_future()
        want_up, want = p["assocs"], p["assocs"] * p["per_assoc"]
        st = {"up": 0, "n": 0, "t_first": 0.0, "t_end": 0.0}

        async def handler(assoc: Any) -> None:
            st["up"] += 1
            if st["up"] == want_up and not all_up.done():
                all_up.set_result(None)
            async for _ in assoc:
                n = st["n"] = st["n"] + 1
                if n == 1:
                    st["t_first"] = now()
                if n >= want and not finished.done():
                    st["t_end"] = now()
                    finished.set_result(None)
        mem = AssocMemory(p)
        srv = await self.serve(handler, p, True)
        await all_up
        await self.asyncio.sleep(0.05)
        up = st["up"]
        mem.up(up)
        mark("begin")
        await finished
        mark("end")
        await self.close_server(srv)
        return mem.result(st["n"], up, st["t_first"], st["t_end"])

    async def a_setup_server(self, p: Dict[str, Any]) -> Dict[str, Any]:
        loop = self.asyncio.get_running_loop()
        finished = loop.create_future()
        st = {"n": 0}

        async def handler(assoc: Any) -> None:
            st["n"] += 1
            try:
                async for m in assoc:
                    if m.data[:4] == b"\xff\xff\xff\xff" and not finished.done():
                        finished.set_result(None)
            except Exception:
                pass
        srv = await self.serve(handler, p)
        mark("begin")
        await finished
        mark("end")
        await self.close_server(srv)
        return {"role": "server", "msgs": st["n"] - 1}

    async def a_setup_client(self, p: Dict[str, Any]) -> Dict[str, Any]:
        clock = SetupClock(p)
        n = 0
        for n in range(1, p["count"] + 1):
            assoc = await self.connect(p)
            await assoc.close()
            if clock.lap():
                break
        clock.stop()
        assoc = await self.connect(p)
        await assoc.send(end_marker(n), stream=0, ppid=1)
        await assoc.close()
        return clock.result(n)


CONTENDERS: Dict[str, Callable[[], Any]] = {
    "stdlib": Stdlib,
    "pysctp": PySCTP,
    "shim": PySCTP,
    "lowlevel": Lowlevel,
    "lowlevel-batch": LowlevelBatch,
    "asyncio": Transport,
    "uvloop": TransportUvloop,
    "highlevel": HighLevel,
    "tcp-asyncio": TCP,
    "tcp-uvloop": TCPUvloop,
}


def run_worker(name: str) -> int:
    """The command loop of one worker (stdin/stdout are the pipes to run.py)."""
    global _run_id
    try:
        impl = CONTENDERS[name]()
    except Exception as e:  # not importable, or not complete yet
        out("NA", {"reason": f"{type(e).__name__}: {e}".splitlines()[0][:200]})
        return 0
    out("HELLO", {"contender": name, "python": sys.version.split()[0], "pid": os.getpid(),
                  **impl.info()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line == "QUIT":
            break
        try:
            cmd = json.loads(line)
            _run_id = str(cmd.get("run", "0"))
            fn = getattr(impl, f"{cmd['scenario']}_{cmd['role']}", None)
            if fn is None:
                out("ERROR", {"error": f"{name} has no {cmd['scenario']} {cmd['role']}"})
                continue
            p = dict(cmd["params"])
            res = fn(p)
            out("RESULT", res)
        except Exception as e:
            tb = traceback.format_exc().strip().splitlines()
            out("ERROR", {"error": f"{type(e).__name__}: {e}"[:300], "where": tb[-3:]})
        gc.collect()
    return 0


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in CONTENDERS:
        sys.stderr.write(f"usage: worker.py {{{','.join(CONTENDERS)}}}\n")
        return 2
    return run_worker(sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
