#!/usr/bin/env python3
"""Per-call cost of sctp_send / sctp_recv of the classic `sctp` API, in one
process, in the guest: run it once with this repository's shim and once
with PySCTP 0.7.3 (its own venv, ``python -I`` so that the shim is not
found), alternately, within one boot:

    aiosctp-sandbox -- python benchmarks/shim_calls.py --compare .venv-pysctp/bin/python

Receive: a sender fills a receiver's queue with N messages (4 MiB window,
8 MiB buffer: nothing waits), the receiver drains it with sctp_recv, one
message per call. Send: N sctp_send into a receiver that does not read.
Both use sockets of the module under test; the system calls are the same
(one per message), so the difference is the module's own work per call.
Standard library only at the top level, so it runs in either venv.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List

SO_RCVBUFFORCE, SO_SNDBUFFORCE = 33, 32


def measure(n: int, size: int) -> Dict[str, Any]:
    import sctp
    lst = sctp.sctpsocket_tcp(socket.AF_INET)
    lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 * 1024 * 1024)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = sctp.sctpsocket_tcp(socket.AF_INET)
    cli.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 * 1024 * 1024)
    cli.connect(lst.getsockname())
    srv = lst.accept()[0]
    srv.events.data_io = True
    payload = bytes(size)
    send = cli.sctp_send
    t0 = time.perf_counter()
    for i in range(n):
        send(payload, ppid=1, stream=i & 3)
    t1 = time.perf_counter()
    recv = srv.sctp_recv
    got = 0
    t2 = time.perf_counter()
    for _ in range(n):
        _, flags, msg, info = recv(65536)
        got += len(msg)
    t3 = time.perf_counter()
    assert got == n * size, got
    for s in (srv, cli, lst):
        s.close()
    return {"module": getattr(sctp, "__file__", "?"), "send_us": (t1 - t0) / n * 1e6,
            "recv_us": (t3 - t2) / n * 1e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--compare", help="the other interpreter (PySCTP 0.7.3's venv)")
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.once:
        print(json.dumps(measure(a.n, a.size)))
        return
    me = os.path.abspath(__file__)
    root = os.path.dirname(os.path.dirname(me))
    runs: Dict[str, List[Dict[str, Any]]] = {"shim": [], "pysctp": []}
    for _ in range(a.reps):
        for who, cmd, cwd in (("shim", [sys.executable, me], root),
                              ("pysctp", [a.compare or "", "-I", me], "/")):
            if who == "pysctp" and not a.compare:
                continue
            out = subprocess.run(cmd + ["--once", "--n", str(a.n), "--size", str(a.size)],
                                 cwd=cwd, capture_output=True, text=True, check=True).stdout
            runs[who].append(json.loads(out))
    for who, rs in runs.items():
        if not rs:
            continue
        print(f"{who:7s} {rs[0]['module']}")
        for k in ("send_us", "recv_us"):
            v = [r[k] for r in rs]
            print(f"  {k}: median {statistics.median(v):.1f} µs  (min {min(v):.1f}, max {max(v):.1f})")
    if runs["pysctp"]:
        for k in ("send_us", "recv_us"):
            ratios = [s[k] / p[k] for s, p in zip(runs["shim"], runs["pysctp"])]
            print(f"shim / pysctp {k}: median {statistics.median(ratios):.3f} "
                  f"(per repetition: {', '.join(f'{r:.3f}' for r in ratios)})")


if __name__ == "__main__":
    main()
