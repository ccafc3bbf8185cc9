#!/usr/bin/env python3
"""The library's own per-message cost, measured on the host kernel.

Inside the sandbox a system call costs tens of microseconds and hides what
the library itself spends per message. Here both ends run on this machine's
own kernel over ``socketpair(AF_UNIX, SOCK_SEQPACKET)``: message boundaries
are kept, and Linux ignores the ``SOL_SCTP`` control messages the SCTP
contenders attach, so ``_sctp.sendmsg``/``sendmsgs`` run unchanged (received
messages carry no SCTP information and no ``MSG_EOR``). No SCTP is needed.

Contenders (both processes pinned to one CPU; CPU time of both sides from
``getrusage``, the measured part only):

- ``c``: blocking send/recv (benchmarks/c/native_bench.c);
- ``c-mmsg``: the same with sendmmsg/recvmmsg x64;
- ``stdlib``: ``socket.sendmsg`` with a prebuilt SCTP_SNDINFO, ``socket.recv``;
- ``lowlevel``: ``aiosctp.lowlevel.sendmsg``/``recvmsg``;
- ``lowlevel-batch``: ``_sctp.sendmsgs``/``recvmsgs`` x64;
- ``asyncio``/``uvloop``: the aiosctp transport (``SCTPTransport`` on the
  socket pair through ``aiosctp.create_sctp_connection(sock=...)``, which
  treats a unix message socket as one whose every read is a whole message);
- ``stream-asyncio``/``stream-uvloop``: a stock asyncio ``Protocol`` over a
  unix stream socket with u32 length framing.

Scenarios: ``pingpong`` (64 B round trips), ``stream-64`` and ``stream-1k``
(one way). Ratios are CPU time per message of the reference over the
contender's, per repetition (streams to ``c-mmsg``, ping-pong to ``c``);
the table gives medians.

    benchmarks/native.py [--reps N] [--only a,b] [--scenarios x,y] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
C_SRC = os.path.join(HERE, "c", "native_bench.c")
C_BIN = os.path.join(HERE, "bin", "native_bench")

CONTENDERS = [
    "c",
    "c-mmsg",
    "stdlib",
    "lowlevel",
    "lowlevel-batch",
    "asyncio",
    "uvloop",
    "stream-asyncio",
    "stream-uvloop",
]
SCENARIOS = {"pingpong": 64, "stream-64": 64, "stream-1k": 1024}
COUNTS = {"pingpong": 20000, "stream-64": 200000, "stream-1k": 100000}
QUICK_COUNTS = {"pingpong": 500, "stream-64": 2000, "stream-1k": 2000}
REFERENCE = {"pingpong": "c", "stream-64": "c-mmsg", "stream-1k": "c-mmsg"}
BATCH = 64
_SOL_SCTP = 132
_SCTP_SNDINFO = 2
_SNDINFO = struct.Struct("=HHIII")  # sinfo_stream, flags, ppid, context, assoc_id


class BenchError(Exception):
    """A run failed (a worker died, timed out or said something unexpected)."""


# ---- the workers --------------------------------------------------------------


def _cpu_us() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def _report(c0: float, w0: float) -> None:
    print(f"RESULT {_cpu_us() - c0:.0f} {(time.monotonic() - w0) * 1e6:.0f}", flush=True)


def _ready() -> Tuple[float, float]:
    print("READY", flush=True)
    if not sys.stdin.readline():
        raise SystemExit(2)
    return _cpu_us(), time.monotonic()


def _expect(n: int, size: int) -> None:
    if n != size:
        raise SystemExit(f"received {n} bytes, expected {size}")


def worker_blocking(contender: str, role: str, sock: socket.socket, count: int, size: int) -> None:
    """stdlib, lowlevel, lowlevel-batch: blocking calls, one process a side."""
    from aiosctp import _sctp, lowlevel

    fd = sock.fileno()
    payload = b"x" * size
    cmsg = [(_SOL_SCTP, _SCTP_SNDINFO, _SNDINFO.pack(1, 0, 1, 0, 0))]
    if contender == "stdlib":
        def send() -> None:
            sock.sendmsg([payload], cmsg)

        def recv() -> None:
            _expect(len(sock.recv(65536)), size)
    elif contender == "lowlevel":
        def send() -> None:
            lowlevel.sendmsg(sock, payload, stream=1, ppid=1)

        def recv() -> None:
            msg = lowlevel.recvmsg(sock)
            _expect(len(msg.data) if msg is not None and hasattr(msg, "data") else -1, size)
    elif contender != "lowlevel-batch":
        raise SystemExit(f"unknown contender {contender}")

    c0, w0 = _ready()
    if contender == "lowlevel-batch" and role in ("send", "recv"):
        if role == "send":
            batch = [(payload, 1, 1, 0, 0, 0, 0, None)] * BATCH
            left = count
            while left:
                left -= _sctp.sendmsgs(fd, batch[: min(left, BATCH)], -1.0)
        else:
            left = count
            while left:
                items = _sctp.recvmsgs(fd, 65536, min(left, BATCH), -1.0)
                for item in items:
                    _expect(len(item[0]), size)
                left -= len(items)
    else:
        if contender == "lowlevel-batch":  # ping-pong: one message at a time
            def send() -> None:
                _sctp.sendmsgs(fd, [(payload, 1, 1, 0, 0, 0, 0, None)], -1.0)

            def recv() -> None:
                _expect(len(_sctp.recvmsgs(fd, 65536, 1, -1.0)[0][0]), size)
        if role == "send":
            for _ in range(count):
                send()
        elif role == "recv":
            for _ in range(count):
                recv()
        elif role == "ping":
            for _ in range(count):
                send()
                recv()
        else:
            for _ in range(count):
                recv()
                send()
    _report(c0, w0)


def _new_loop(contender: str) -> Any:
    import asyncio

    if contender.endswith("uvloop"):
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def _side_base(role: str, count: int, size: int, done: Any) -> Any:
    """The protocol logic both asyncio contenders share (roles, count, flow
    control, the end), as the class their protocols derive from. Theirs is
    only how a message arrives and how one is sent: ``reply(data)`` and
    ``pump()``, each with its transport's own call per message."""

    class Side:
        def __init__(self) -> None:
            self.transport: Any = None
            self.left = count
            self.paused = False

        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def on_message(self, data: bytes, info: Any = None) -> None:
            if len(data) != size:
                done.set_exception(SystemExit(f"received {len(data)} bytes, expected {size}"))
                return
            self.left -= 1
            if role == "recv":
                if not self.left:
                    done.set_result(None)
            elif role == "pong":
                self.reply(data)
                if not self.left:
                    done.set_result(None)
            elif self.left:  # ping: the next one
                self.reply(data)
            else:
                done.set_result(None)

        def reply(self, data: bytes) -> None:
            raise NotImplementedError

        def pause_writing(self) -> None:
            self.paused = True

        def resume_writing(self) -> None:
            self.paused = False
            if role == "send":
                self.pump()

        def pump(self) -> None:
            raise NotImplementedError

        def pumped(self) -> None:
            if not self.left and not done.done():
                done.set_result(None)

        def connection_lost(self, exc: Optional[BaseException]) -> None:
            if not done.done():
                done.set_exception(exc or ConnectionError("connection lost"))

    return Side


def _transport_side(role: str, count: int, size: int, done: Any) -> Any:
    """asyncio, uvloop: the aiosctp transport's protocol, transport.send()
    per message."""
    import aiosctp

    payload = b"x" * size
    base = _side_base(role, count, size, done)

    class TransportSide(base, aiosctp.SCTPProtocol):  # type: ignore[misc,valid-type]
        message_received = base.on_message

        def reply(self, data: bytes) -> None:
            self.transport.send(data, stream=1, ppid=1)

        def pump(self) -> None:
            t = self.transport
            while self.left and not self.paused:
                t.send(payload, stream=1, ppid=1)
                self.left -= 1
            self.pumped()

    return TransportSide()


def _stream_side(role: str, count: int, size: int, done: Any) -> Any:
    """stream-asyncio, stream-uvloop: a stock Protocol with u32 length
    framing, transport.write() of a framed message per message."""
    import asyncio

    frame = struct.pack("!I", size) + b"x" * size
    base = _side_base(role, count, size, done)

    class StreamSide(base, asyncio.Protocol):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.buf = bytearray()

        def data_received(self, data: bytes) -> None:
            buf = self.buf
            buf += data
            pos = 0
            end = len(buf)
            while end - pos >= 4:
                (n,) = struct.unpack_from("!I", buf, pos)
                if end - pos - 4 < n:
                    break
                msg = bytes(buf[pos + 4 : pos + 4 + n])
                pos += 4 + n
                self.on_message(msg)
            del buf[:pos]

        def pump(self) -> None:
            t = self.transport
            while self.left and not self.paused:
                t.write(frame)
                self.left -= 1
            self.pumped()

        def reply(self, data: bytes) -> None:
            self.transport.write(frame if role == "ping" else struct.pack("!I", len(data)) + data)

    return StreamSide()


def worker_async(contender: str, role: str, sock: socket.socket, count: int, size: int) -> None:
    """asyncio, uvloop (the aiosctp transport on the unix message socket) and
    stream-asyncio, stream-uvloop (a stock Protocol on a unix stream)."""
    import asyncio

    loop = _new_loop(contender)
    asyncio.set_event_loop(loop)
    done: "asyncio.Future[None]" = loop.create_future()
    if contender.startswith("stream-"):
        side = _stream_side(role, count, size, done)
        connect: Any = loop.connect_accepted_socket
    else:
        import aiosctp

        side = _transport_side(role, count, size, done)
        connect = aiosctp.create_sctp_connection

    async def main() -> None:
        await connect(lambda: side, sock=sock)
        c0, w0 = _ready()
        if role == "send":
            side.pump()
        elif role == "ping":
            side.reply(b"x" * size)  # the first ping
        await done
        if role == "send":  # everything handed over to the kernel
            while side.transport.get_write_buffer_size():
                await asyncio.sleep(0)
        _report(c0, w0)
        side.transport.abort()

    loop.run_until_complete(main())
    loop.close()


def run_worker(argv: List[str]) -> None:
    contender, role, count, size, fd = argv[0], argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    stream = contender.startswith("stream-")
    sock = socket.socket(
        socket.AF_UNIX, socket.SOCK_STREAM if stream else socket.SOCK_SEQPACKET, fileno=fd
    )
    if stream or contender in ("asyncio", "uvloop"):
        worker_async(contender, role, sock, count, size)
    else:
        worker_blocking(contender, role, sock, count, size)


# ---- the harness ----------------------------------------------------------------


def build_c() -> str:
    """Compile native_bench.c into benchmarks/bin/ when missing or stale."""
    try:
        if os.path.getmtime(C_BIN) >= os.path.getmtime(C_SRC):
            return C_BIN
    except OSError:
        pass
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise BenchError("no C compiler (gcc) to build benchmarks/c/native_bench.c")
    os.makedirs(os.path.dirname(C_BIN), exist_ok=True)
    tmp = f"{C_BIN}.{os.getpid()}.tmp"
    r = subprocess.run([gcc, "-O2", "-Wall", "-Wextra", "-o", tmp, C_SRC], capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"building {C_SRC} failed:\n{r.stderr}")
    os.replace(tmp, C_BIN)
    return C_BIN


def _pin() -> None:
    os.sched_setaffinity(0, {_CPU})


_CPU = 0


def _spawn(contender: str, role: str, count: int, size: int, fd: int) -> "subprocess.Popen[str]":
    if contender in ("c", "c-mmsg"):
        cmd = [C_BIN, str(fd), role, "mmsg" if contender == "c-mmsg" else "plain", str(count), str(size)]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", contender, role,
               str(count), str(size), str(fd)]
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, pass_fds=(fd,),
        preexec_fn=_pin, env=env,
    )


def _line(proc: "subprocess.Popen[str]", what: str, deadline: float) -> str:
    assert proc.stdout is not None
    # Workers print one line at a time; a dead worker gives "".
    line = proc.stdout.readline()
    if not line.startswith(what):
        proc.kill()
        raise BenchError(f"expected {what}, got {line!r} (exit {proc.wait()})")
    if time.monotonic() > deadline:
        raise BenchError(f"{what}: timed out")
    return line


def run_one(contender: str, scenario: str, count: int, timeout: float = 120.0) -> Dict[str, float]:
    """One run: both sides of ``contender`` over a fresh socket pair; CPU
    microseconds per message (both sides) and messages per second (wall)."""
    size = SCENARIOS[scenario]
    kind = socket.SOCK_STREAM if contender.startswith("stream-") else socket.SOCK_SEQPACKET
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    roles = ("ping", "pong") if scenario == "pingpong" else ("send", "recv")
    procs = []
    deadline = time.monotonic() + timeout
    try:
        procs = [_spawn(contender, roles[0], count, size, a.fileno()),
                 _spawn(contender, roles[1], count, size, b.fileno())]
        a.close()
        b.close()
        for p in procs:
            _line(p, "READY", deadline)
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [_line(p, "RESULT", deadline).split() for p in procs]
        for p in procs:
            if p.wait(timeout=max(1.0, deadline - time.monotonic())) != 0:
                raise BenchError(f"{contender} {scenario}: a worker exited with {p.returncode}")
    finally:
        a.close()
        b.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    cpu = sum(float(r[1]) for r in results)
    wall = max(float(r[2]) for r in results)
    return {"cpu_us_per_msg": cpu / count, "rate": count / (wall / 1e6) if wall else 0.0}


def available(contender: str) -> Optional[str]:
    """None when the contender can run here, else why not."""
    if contender.endswith("uvloop"):
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "uvloop not installed"
    if contender in ("asyncio", "uvloop"):
        import inspect

        import aiosctp

        if "sock" not in inspect.signature(aiosctp.create_sctp_connection).parameters:
            return "create_sctp_connection() takes no sock="
    return None


def info_cost() -> Optional[float]:
    """Nanoseconds the C receive path spends building one message's
    MessageInfo (median of 5 runs of 10^6), or None without the C path."""
    sys.path.insert(0, ROOT)
    try:
        from aiosctp import _sctp
        from aiosctp.message import MessageInfo
    except ImportError:
        return None
    finally:
        sys.path.remove(ROOT)
    cost = getattr(_sctp, "_info_cost", None)
    if cost is None:
        return None
    return float(statistics.median(cost(MessageInfo, 1_000_000) for _ in range(5)))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default=",".join(CONTENDERS))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true", help="few messages, 1 repetition (a smoke run)")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--cpu", type=int, default=None, help="CPU both sides are pinned to")
    args = ap.parse_args(argv)
    global _CPU
    _CPU = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    contenders = [c for c in args.only.split(",") if c]
    scenarios = [s for s in args.scenarios.split(",") if s]
    for name in contenders:
        if name not in CONTENDERS:
            ap.error(f"unknown contender {name!r}")
    for name in scenarios:
        if name not in SCENARIOS:
            ap.error(f"unknown scenario {name!r}")
    reps = 1 if args.quick else args.reps
    counts = QUICK_COUNTS if args.quick else COUNTS
    build_c()
    skipped = {c: why for c in contenders if (why := available(c)) is not None}
    # Every scenario needs its reference in the same repetition.
    runs = [c for c in contenders if c not in skipped]
    for s in scenarios:
        if REFERENCE[s] not in runs:
            runs.insert(0, REFERENCE[s])
    raw: Dict[str, Dict[str, List[Dict[str, float]]]] = {}
    for rep in range(reps):
        for scenario in scenarios:
            for contender in runs:
                if contender == "c-mmsg" and scenario == "pingpong":
                    continue  # one message each way: nothing to batch
                r = run_one(contender, scenario, counts[scenario])
                raw.setdefault(scenario, {}).setdefault(contender, []).append(r)
                print(f"rep {rep + 1} {scenario:10} {contender:15} "
                      f"{r['cpu_us_per_msg']:8.2f} us/msg", file=sys.stderr, flush=True)
    table: Dict[str, Dict[str, Any]] = {}
    for scenario, per in raw.items():
        ref = per[REFERENCE[scenario]]
        for contender, rs in per.items():
            ratios = [ref[i]["cpu_us_per_msg"] / r["cpu_us_per_msg"] for i, r in enumerate(rs)]
            table.setdefault(contender, {})[scenario] = {
                "ratio": statistics.median(ratios),
                "ratio_spread": (max(ratios) - min(ratios)) / 2,
                "cpu_us_per_msg": statistics.median(r["cpu_us_per_msg"] for r in rs),
                "rate": statistics.median(r["rate"] for r in rs),
            }
    unit = {"pingpong": "round trip", "stream-64": "message", "stream-1k": "message"}
    print(f"\nhost kernel, AF_UNIX SOCK_SEQPACKET, both sides on CPU {_CPU}, {reps} repetition(s); "
          "ratio = reference CPU per message / contender's (median)")
    header = "| contender | " + " | ".join(
        f"{s} x{REFERENCE[s]} | CPU us/{unit[s]}" for s in scenarios) + " |"
    print(header)
    print("|" + "---|" * (1 + 2 * len(scenarios)))
    for contender in contenders:
        if contender in skipped:
            print(f"| {contender} | " + " | ".join(["n/a"] * 2 * len(scenarios))
                  + f" |  ({skipped[contender]})")
            continue
        cells = []
        for s in scenarios:
            e = table[contender].get(s)
            cells += ["-", "-"] if e is None else [f"{e['ratio']:.2f}", f"{e['cpu_us_per_msg']:.2f}"]
        print(f"| {contender} | " + " | ".join(cells) + " |")
    info_ns = info_cost()
    if info_ns is not None:
        print(f"\nreceive information (MessageInfo) built in C: {info_ns:.0f} ns per message")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"reps": reps, "counts": counts, "cpu": _CPU, "results": table,
                       "info_ns": info_ns,
                       "skipped": skipped, "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())},
                      f, indent=2)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        run_worker(sys.argv[2:])
    else:
        sys.exit(main())
