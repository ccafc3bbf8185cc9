#!/usr/bin/env python3
"""Experiments behind the findings in benchmarks/README.md.

    python benchmarks/investigate.py [accounting] [collapse] [mmsg] [--quick]

(inside the sandbox: `.venv/bin/aiosctp-sandbox -- .venv/bin/python
benchmarks/investigate.py`; on a host without kernel SCTP it re-runs itself
there.)

accounting  What one queued message costs the receiver: a receiver that does
            not read, a sender that sends until the kernel refuses more; the
            receive queue's memory (/proc/net/sctp/assocs RX_QUEUE) per
            message against the advertised window (SCTP_STATUS rwnd).
collapse    One-way streaming of small messages in C with bursts (sendmmsg)
            and with one sendmsg per message, under several receiver and
            sender settings, with the kernel's counters (T3 timeouts, data
            chunks discarded).
mmsg        recvmmsg against recvmsg per message, in C and through
            aiosctp.lowlevel (recvmsgs / recvmsg): rate, message boundaries
            and the per-message SCTP_RCVINFO.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

SO_RCVBUFFORCE = 33


def _table(rows: List[Dict[str, Any]], cols: Sequence[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    out = ["  ".join(c.rjust(widths[c]) for c in cols)]
    for r in rows:
        out.append("  ".join(str(r.get(c, "")).rjust(widths[c]) for c in cols))
    return "\n".join(out)


# ---- accounting -------------------------------------------------------------


def _rx_queue(port: int) -> int:
    with open("/proc/net/sctp/assocs") as f:
        hdr = f.readline().split()
        for line in f:
            d = dict(zip(hdr, line.split()))
            if int(d.get("LPORT", -1)) == port:
                return int(d["RX_QUEUE"])
    return -1


def accounting_one(size: int, lst_rcvbuf: int = 0, acc_rcvbuf: int = 0) -> Dict[str, Any]:
    """Charge per queued message (K messages that fit, RX_QUEUE / K), then
    fill: send until the kernel refuses more and see where it stopped."""
    from aiosctp import lowlevel as ll

    lst = ll.sctp_socket()
    lst.bind(("127.0.0.1", 0))
    if lst_rcvbuf:
        lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, lst_rcvbuf)
    lst.listen(5)
    port = lst.getsockname()[1]
    cli = ll.sctp_socket()
    cli.connect(("127.0.0.1", port))
    ll.set_nodelay(cli)
    srv, _ = lst.accept()
    if acc_rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, acc_rcvbuf)
    rcvbuf = srv.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    rwnd0 = ll.get_status(cli).rwnd
    data = b"x" * size
    k = max(1, min(50, rwnd0 // size // 4))
    for _ in range(k):
        ll.sendmsg(cli, data)
    time.sleep(0.2)
    charge = _rx_queue(port) / k
    srv.settimeout(1)
    for _ in range(k):
        ll.recvmsg(srv)
    time.sleep(0.2)
    before = bl.sctp_snmp()
    cli.setblocking(False)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            ll.sendmsg(cli, data)
        except BlockingIOError:
            time.sleep(0.01)
    time.sleep(0.2)
    rxq = _rx_queue(port)
    st = ll.get_status(cli)
    delta = bl.snmp_delta(before, bl.sctp_snmp())
    for s in (cli, srv, lst):
        s.close()
    queued = rxq / charge
    return {
        "size": size,
        "rcvbuf": rcvbuf,
        "rwnd_at_setup": rwnd0,
        "window_msgs": rwnd0 // size,
        "charge_per_msg": round(charge),
        "overhead": round(charge - size),
        "rx_queue_full": rxq,
        "queued_msgs": round(queued),
        "window_used": f"{100 * queued * size / rwnd0:.0f}%",
        "peer_rwnd_now": st.rwnd,
        "discards": delta.get("SctpInDataChunkDiscards", 0),
    }


def accounting(quick: bool) -> Dict[str, Any]:
    sizes = (64, 1024) if quick else (16, 64, 128, 232, 256, 1024, 16384, 65536)
    rows = [accounting_one(s) for s in sizes]
    print("\n== accounting: a receiver that does not read (kernel defaults)")
    cols = ["size", "rcvbuf", "rwnd_at_setup", "window_msgs", "charge_per_msg", "overhead",
            "rx_queue_full", "queued_msgs", "window_used", "peer_rwnd_now", "discards"]
    print(_table(rows, cols))
    return {"rows": rows}


# ---- collapse ----------------------------------------------------------------


def _c_stream(sargs: Sequence[str], cargs: Sequence[str], timeout: float) -> Dict[str, Any]:
    before = bl.sctp_snmp()
    t0 = time.monotonic()
    try:
        s, c, _ = bl.run_c_pair("stream", list(sargs), list(cargs), timeout)
    except bl.BenchError as e:
        return {"error": str(e).splitlines()[0]}
    d = bl.snmp_delta(before, bl.sctp_snmp())
    return {
        "recv_rate": round(s.get("rate", 0)),
        "send_rate": round(c.get("rate", 0)),
        "msgs": s.get("msgs"),
        "errors": s.get("errors"),
        "t3_timeouts": d.get("SctpT3RtxExpireds", 0),
        "discards": d.get("SctpInDataChunkDiscards", 0),
        "fast_rtx": d.get("SctpFastRetransmits", 0),
        "wall_s": round(time.monotonic() - t0, 1),
    }


def _set_lo_mtu(mtu: int) -> bool:
    import subprocess
    return subprocess.call(["ip", "link", "set", "lo", "mtu", str(mtu)]) == 0


def collapse(quick: bool) -> Dict[str, Any]:
    count = 3000 if quick else 40000
    dur = ["--duration", "3" if quick else "8"]
    base = ["--count", str(count), "--size", "64", *dur]
    burst = ["--send", "sendmmsg", "--batch", "16"]
    variants: List[Any] = [
        ("sendmsg x1, defaults", [], []),
        ("sendmmsg x16, defaults", [], burst),
        ("sendmmsg x64, defaults", [], ["--send", "sendmmsg", "--batch", "64"]),
        ("sendmmsg x16, receiver recvmmsg x64", ["--recv", "recvmmsg", "--batch", "64"], burst),
        ("sendmmsg x16, rcvbuf 4M before setup (rwnd 4M)", ["--rcvbuf", "4194304"], burst),
        ("sendmmsg x16, rcvbuf 212992 after accept", ["--rcvbuf-accepted", "212992"], burst),
        ("sendmmsg x16, rcvbuf 4M after accept", ["--rcvbuf-accepted", "4194304"], burst),
        ("sendmmsg x16, rwnd 70000 + rcvbuf 212992 after",
         ["--rcvbuf", "70000", "--rcvbuf-accepted", "212992"], burst),
        ("sendmmsg x16, receiver path MTU 1500", ["--pmtu", "1500"], burst),
        ("sendmmsg x16, sender NODELAY off", [], burst + ["--nodelay", "0"]),
        ("sendmmsg x16, sender rto_min 10 ms", [], burst + ["--rto-min", "10"]),
    ]
    if quick:
        variants = variants[:2] + variants[6:7]
    rows = []
    for label, sargs, cargs in variants:
        r = _c_stream(sargs, base + cargs, timeout=60)
        r["variant"] = label
        rows.append(r)
        print(f"  {label}: {json.dumps(r)}", flush=True)
    if not quick and os.environ.get("AIOSCTP_SANDBOX_GUEST") == "1" and _set_lo_mtu(1500):
        try:
            r = _c_stream([], base + burst, timeout=60)
            r["variant"] = "sendmmsg x16, lo MTU 1500 (guest only)"
            rows.append(r)
            print(f"  {r['variant']}: {json.dumps(r)}", flush=True)
        finally:
            _set_lo_mtu(65536)
    print(f"\n== collapse: C one-way streaming, 64 B, {count} messages, 4 streams")
    print(_table(rows, ["variant", "recv_rate", "send_rate", "msgs", "errors", "t3_timeouts",
                        "discards", "fast_rtx", "wall_s"]))
    return {"rows": rows}


# ---- recvmmsg vs recvmsg ---------------------------------------------------------


def _py_lowlevel_stream(batch: bool, count: int, size: int, rcvbuf: int) -> Dict[str, Any]:
    """C sender (one sendmsg per message), Python receiver through
    aiosctp.lowlevel: recvmsg per message, or recvmsgs batches."""
    import select
    from aiosctp import lowlevel as ll

    lst = ll.sctp_socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
    lst.bind(("127.0.0.1", 0))
    lst.listen(5)
    port = lst.getsockname()[1]
    cli = bl.Proc([bl.build_c(), "client", "stream", "--port", str(port), "--count", str(count),
                   "--size", str(size), "--duration", "20"], name="c-client")
    try:
        srv, _ = lst.accept()
        streams = 4
        nxt = list(range(streams))
        got = errors = incomplete = ends = calls = 0
        t_first = 0.0
        poll = select.poll()
        poll.register(srv, select.POLLIN)
        while ends < streams:
            items: List[Any]
            if batch:
                poll.poll()
                items = list(ll.recvmsgs(srv, 65536, 64))
                calls += 1
            else:
                items = [ll.recvmsg(srv)]
                calls += 1
            for m in items:
                if m is None:
                    ends = streams
                    break
                if not isinstance(m, ll.Message):
                    continue
                if not m.complete:
                    incomplete += 1
                seq = int.from_bytes(m.data[:4], "big")
                if seq == 0xFFFFFFFF:
                    ends += 1
                    continue
                if got == 0:
                    t_first = time.perf_counter()
                got += 1
                s = seq % streams
                if m.stream != s or seq != nxt[s] or len(m.data) != size:
                    errors += 1
                nxt[s] = seq + streams
        el = time.perf_counter() - t_first
        cli.expect("RESULT", 30)
        srv.close()
        return {"msgs": got, "rate": round((got - 1) / el) if el > 0 else 0, "errors": errors,
                "incomplete": incomplete, "calls": calls,
                "msgs_per_call": round(got / max(calls, 1), 2)}
    finally:
        cli.kill()
        lst.close()


def mmsg(quick: bool) -> Dict[str, Any]:
    count = 2000 if quick else 30000
    rows = []
    rcvbuf = 4194304  # no window stalls: measure the receive path itself
    for label, sargs in (("C recvmsg x1", []), ("C recvmmsg x64 (MSG_WAITFORONE)",
                                               ["--recv", "recvmmsg", "--batch", "64"])):
        r = _c_stream(["--rcvbuf", str(rcvbuf), *sargs],
                      ["--count", str(count), "--size", "64", "--duration", "20"], 60)
        r["variant"] = label
        rows.append(r)
    for label, batch in (("lowlevel.recvmsg x1", False), ("lowlevel.recvmsgs x64 (+poll)", True)):
        try:
            r = _py_lowlevel_stream(batch, count, 64, rcvbuf)
            r = {"recv_rate": r.pop("rate"), **r}
        except (bl.BenchError, OSError, ImportError) as e:
            r = {"error": str(e).splitlines()[0]}
        r["variant"] = label
        rows.append(r)
    print(f"\n== recvmmsg vs recvmsg: 64 B, {count} messages on 4 streams, C sender, "
          "receiver SO_RCVBUF 4 MiB")
    print(_table(rows, ["variant", "recv_rate", "msgs", "errors", "incomplete", "msgs_per_call",
                        "t3_timeouts", "discards"]))
    return {"rows": rows}


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", nargs="*", help="accounting, collapse, mmsg (default: all)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    args.what = args.what or ["accounting", "collapse", "mmsg"]
    for w in args.what:
        if w not in ("accounting", "collapse", "mmsg"):
            ap.error(f"unknown experiment {w!r}")
    if not bl.in_guest_or_sctp():
        return bl.reexec_in_sandbox([os.path.abspath(__file__), *(argv or sys.argv[1:])])
    bl.build_c()
    out: Dict[str, Any] = {"machine": bl.machine(), "sysctl": bl.sysctls(),
                           "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"machine: {out['machine']}")
    print("net.sctp:", {k: out["sysctl"][k] for k in ("rto_min", "sack_timeout",
                                                        "rwnd_update_shift", "sctp_rmem",
                                                        "rcvbuf_policy") if k in out["sysctl"]})
    print("net.core.rmem_default/max:", bl.read_sysctl("/proc/sys/net/core/rmem_default"),
          bl.read_sysctl("/proc/sys/net/core/rmem_max"))
    for what in args.what:
        out[what] = globals()[what](args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
