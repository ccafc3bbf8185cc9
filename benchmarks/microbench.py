#!/usr/bin/env python3
"""Per-call cost of the message I/O functions, in one process, in the guest.

    python benchmarks/microbench.py [--trees DIR1,DIR2] [--n N] [--reps R]

Receive side: a sender fills a receiver's queue with N messages (the
receiver has a 4 MiB window and 8 MiB of buffer, so nothing waits), then the
receiver drains it with the function under test; the time of the drain per
message is its cost (system call included: the same for all).  Send side: N
sends into a receiver that does not read (same room).  Compared:
socket.recvmsg / socket.sendmsg of the standard library (no SCTP info,
and with a prebuilt SCTP_SNDINFO), the C core's _sctp calls, and
aiosctp.lowlevel's.

With --trees, each directory (a copy of the repository with its extension
built) is measured in its own subprocess, alternately, R times: this is how
the proposed patches were measured against the tree they apply to.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List

SO_RCVBUFFORCE = 33


def pair(size_window: int = 4 * 1024 * 1024) -> Any:
    from aiosctp import lowlevel as ll
    lst = ll.sctp_socket()
    lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size_window)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = ll.sctp_socket()
    cli.connect(lst.getsockname())
    ll.set_nodelay(cli)
    srv, _ = lst.accept()
    lst.close()
    return cli, srv


def measure(n: int, size: int) -> Dict[str, float]:
    from aiosctp import _sctp, lowlevel as ll
    out: Dict[str, float] = {}
    data = b"x" * size
    sndinfo = [(132, 2, struct.pack("=HHIIi", 1, 0, socket.htonl(1), 0, 0))]

    def fill(cli: Any) -> None:
        send = ll.sendmsg
        for _ in range(n):
            send(cli, data, stream=1, ppid=1)
        time.sleep(0.05)

    def per_message(key: str, fn: Callable[[Any, Any], Any], fill_first: bool) -> Any:
        """out[key]: the time of fn(cli, srv) per message (µs) on a fresh pair
        (whose receiver holds the n messages first if fill_first); returns
        what fn returned."""
        cli, srv = pair()
        try:
            if fill_first:
                fill(cli)
            t0 = time.perf_counter()
            got = fn(cli, srv)
            out[key] = (time.perf_counter() - t0) / n * 1e6
            return got
        finally:
            cli.close()
            srv.close()

    def r_stdlib(srv: Any) -> int:
        rm = srv.recvmsg
        for _ in range(n):
            rm(65536)
        return n

    def r_stdlib_cmsg(srv: Any) -> int:
        rm = srv.recvmsg
        for _ in range(n):
            rm(65536, 256)
        return n

    def r_core(srv: Any) -> int:
        rm, fd = _sctp.recvmsg, srv.fileno()
        for _ in range(n):
            rm(fd, 65536, -1.0)
        return n

    def r_lowlevel(srv: Any) -> int:
        rm = ll.recvmsg
        for _ in range(n):
            rm(srv)
        return n

    def r_lowlevel_batch(srv: Any) -> int:
        got = 0
        rm = ll.recvmsgs
        while got < n:
            got += len(rm(srv, 65536, 64))
        return got

    def r_core_batch(srv: Any) -> int:
        got = 0
        rm, fd = _sctp.recvmsgs, srv.fileno()
        while got < n:
            got += len(rm(fd, 65536, 64))
        return got

    receivers: List[Any] = [("socket.recvmsg", r_stdlib), ("socket.recvmsg+anc", r_stdlib_cmsg),
                            ("_sctp.recvmsg", r_core), ("lowlevel.recvmsg", r_lowlevel),
                            ("_sctp.recvmsgs x64", r_core_batch),
                            ("lowlevel.recvmsgs x64", r_lowlevel_batch)]
    for name, fn in receivers:
        got = per_message("recv " + name, lambda cli, srv: fn(srv), fill_first=True)
        assert got == n, (name, got)

    def s_stdlib(cli: Any) -> None:
        sm = cli.sendmsg
        for _ in range(n):
            sm([data])

    def s_stdlib_cmsg(cli: Any) -> None:
        sm = cli.sendmsg
        for _ in range(n):
            sm([data], sndinfo)

    def s_core(cli: Any) -> None:
        sm, fd = _sctp.sendmsg, cli.fileno()
        for _ in range(n):
            sm(fd, data, 1, 1, 0, 0, 0, 0, None, -1.0)

    def s_lowlevel(cli: Any) -> None:
        sm = ll.sendmsg
        for _ in range(n):
            sm(cli, data, stream=1, ppid=1)

    def s_lowlevel_batch(cli: Any) -> None:
        sm = ll.sendmsgs
        batch = [(data, 1, 1)] * 16
        for _ in range(n // 16):
            sent = 0
            while sent < 16:
                sent += sm(cli, batch[sent:])

    senders: List[Any] = [("socket.sendmsg", s_stdlib), ("socket.sendmsg+SNDINFO", s_stdlib_cmsg),
                          ("_sctp.sendmsg", s_core), ("lowlevel.sendmsg", s_lowlevel),
                          ("lowlevel.sendmsgs x16", s_lowlevel_batch)]
    for name, fn in senders:
        per_message("send " + name, lambda cli, srv: fn(cli), fill_first=False)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", help="comma-separated repository copies to compare")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.n, args.size)))
        return 0
    trees = args.trees.split(",") if args.trees else [os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))]
    results: Dict[str, Dict[str, List[float]]] = {t: {} for t in trees}
    for _ in range(args.reps):
        for t in trees:
            env = dict(os.environ, PYTHONPATH=t)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child",
                                "--n", str(args.n), "--size", str(args.size)],
                               env=env, cwd=t, capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
                return 1
            for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items():
                results[t].setdefault(k, []).append(v)
    keys = list(results[trees[0]])
    print(f"µs per message, {args.size} B, n={args.n}, median of {args.reps} "
          f"(one process; system call included)")
    print(f"{'call':28s}" + "".join(f"{os.path.basename(t.rstrip('/')):>14s}" for t in trees))
    for k in keys:
        print(f"{k:28s}" + "".join(f"{statistics.median(results[t][k]):14.2f}" for t in trees))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": args.n, "size": args.size, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
