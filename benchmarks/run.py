#!/usr/bin/env python3
"""aiosctp benchmarks: every contender, every scenario, one kernel boot.

    python benchmarks/run.py [--quick] [--reps N] [--json PATH] [--strace]
                             [--only C1,C2] [--scenarios S1,S2] [--assocs N]
                             [--big-assocs N] [--stream-rcvbuf BYTES]

Runs inside the sandbox guest (``make bench`` =
``.venv/bin/aiosctp-sandbox -- .venv/bin/python benchmarks/run.py``);
started on a host without kernel SCTP it re-runs itself there.

Each contender is a server process and a client process on 127.0.0.1
(ephemeral ports).  The Python ones (benchmarks/worker.py) stay up between
runs and take one run per command, so the interpreter's start-up stays out
of the figures; the C reference (benchmarks/c/sctp_bench.c, compiled here
into benchmarks/bin/) is started per run.  Every run is bounded by a message
count and a duration cap.  Repetitions are interleaved: for each repetition,
for each scenario, every contender in turn (A, B, C, A, B, C ...), so that
drift in the guest hits all alike.  The table gives the median, the spread
(half the min-max range, in % of the median) and the ratio to the C loop.

``--strace`` instead runs a short ping-pong, a short 64 B stream and 100
association set-ups (connect + close) of each contender with both processes
under ``strace -f`` and reports the system calls per round trip / per
message / per association in the measured phase (cut by marker calls), with
the calls broken down, and the event loop's turns (its epoll_wait calls).
``--scenarios`` picks among pingpong, stream-64 and setup there too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from benchlib import BenchError, Proc  # noqa: E402

# ---- contenders -----------------------------------------------------------------

ALL_KINDS = ("pingpong", "stream", "many", "setup")


@dataclass
class Contender:
    id: str
    label: str
    kind: str  # "c" or "py"
    kinds: Tuple[str, ...] = ALL_KINDS
    c_args: Tuple[str, ...] = ()
    tcp: bool = False
    python: str = ""
    isolated: bool = False  # python -I, cwd / (PySCTP reference)
    status: str = "ok"  # ok, or "n/a (...)"
    info: Dict[str, Any] = field(default_factory=dict)
    procs: Optional[Tuple[Proc, Proc]] = None
    strace_dir: Optional[str] = None

    def applies(self, kind: str) -> bool:
        return kind in self.kinds


def contenders() -> List[Contender]:
    vpy = bl.venv_python()
    return [
        Contender("c", "C, blocking sendmsg/recvmsg (the limit)", "c"),
        Contender("c-mmsg", "C, sendmmsg x16 / recvmmsg x64", "c", ("stream",),
                  c_args=("--send", "sendmmsg", "--batch", "16", "--recv", "recvmmsg")),
        Contender("stdlib", "Python socket, IPPROTO_SCTP", "py", python=vpy),
        Contender("pysctp", "PySCTP 0.7.3 (sctp_send/sctp_recv)", "py",
                  python=bl.pysctp_python(), isolated=True),
        Contender("shim", "this project's sctp shim", "py", python=vpy),
        Contender("lowlevel", "aiosctp.lowlevel sendmsg/recvmsg", "py", python=vpy),
        Contender("lowlevel-batch", "aiosctp.lowlevel sendmsgs/recvmsgs", "py",
                  ("stream", "many"), python=vpy),
        Contender("asyncio", "aiosctp transport, asyncio loop", "py", python=vpy),
        Contender("uvloop", "aiosctp transport, uvloop", "py", python=vpy),
        Contender("highlevel", "aiosctp.connect()/serve()", "py", python=vpy),
        Contender("tcp-asyncio", "TCP, asyncio Protocol (reference)", "py", tcp=True, python=vpy),
        Contender("tcp-uvloop", "TCP, uvloop Protocol (reference)", "py", tcp=True, python=vpy),
        Contender("c-tcp", "C, blocking send/recv over TCP (reference)", "c",
                  ("pingpong", "stream"), c_args=("--proto", "tcp"), tcp=True),
    ]


# ---- scenarios -------------------------------------------------------------------


@dataclass
class Scenario:
    id: str
    kind: str
    params: Dict[str, Any]
    unit: str
    title: str


def scenarios(quick: bool, assocs: int) -> List[Scenario]:
    q = quick
    st = [(64, 20000), (1024, 20000), (16384, 5000), (65536, 2000)]
    out = [Scenario("pingpong", "pingpong",
                    {"size": 64, "count": 200 if q else 2000, "warmup": 20 if q else 100,
                     "duration": 2.0}, "round trips/s", "ping-pong, 64 B, NODELAY")]
    for size, count in st:
        name = f"stream-{size // 1024}k" if size >= 1024 else f"stream-{size}"
        out.append(Scenario(name, "stream",
                            {"size": size, "count": (50 if size > 16384 else 300) if q else count,
                             "duration": 2.0, "streams": 4},
                            "msgs/s", f"one-way stream, {size} B, 4 streams round-robin"))
    out.append(Scenario("many", "many", {"size": 64, "assocs": assocs, "per_assoc": 10},
                        "msgs/s", f"one-to-many server, {assocs} associations x 10 messages"))
    out.append(Scenario("setup", "setup", {"count": 30 if q else 1000, "duration": 2.0},
                        "assocs/s", "association setup + teardown"))
    return out


# ---- running --------------------------------------------------------------------

ROOT = bl.ROOT
RUN_TIMEOUT = 60.0  # per run; --quick: 15


def env_for(c: Contender) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if not c.isolated:
        env["PYTHONPATH"] = ROOT  # the tree's aiosctp and sctp
    return env


# Python's start-up costs about a second in the guest (importing aiosctp alone
# takes most of it), twenty workers as many seconds.  When this script runs on
# the venv's interpreter, it imports what the workers need once and forks them
# (before any thread of its own exists); PySCTP's workers (another venv),
# restarts and the strace mode start interpreters as usual.
_FORK_OK: Optional[bool] = None


def fork_ok() -> bool:
    global _FORK_OK
    if _FORK_OK is None:
        _FORK_OK = False
        if os.path.realpath(sys.executable) == os.path.realpath(bl.venv_python()) or \
                os.path.realpath(sys.prefix) == os.path.realpath(os.path.join(ROOT, ".venv")):
            try:
                if ROOT not in sys.path:
                    sys.path.insert(0, ROOT)
                __import__("worker")
                __import__("asyncio")
                for mod in ("aiosctp", "aiosctp.lowlevel", "uvloop", "sctp"):
                    try:
                        __import__(mod)
                    except Exception:
                        pass
                _FORK_OK = True
            except Exception:
                _FORK_OK = False
    return _FORK_OK


def start_worker(c: Contender, role: str, strace: Optional[str], fork: bool = False) -> Proc:
    if fork and not strace and not c.isolated and fork_ok():
        import worker
        name = "shim" if c.id == "shim" else c.id
        return Proc(lambda: worker.run_worker(name), cwd=ROOT, name=f"{c.id}-{role}",
                    start=False)
    cmd = [c.python]
    if c.isolated:
        cmd.append("-I")
    cmd += [bl.WORKER, "shim" if c.id == "shim" else c.id]
    if strace:
        cmd = ["strace", "-f", "-qq", "-o", strace] + cmd
    return Proc(cmd, env=env_for(c), cwd="/" if c.isolated else ROOT, name=f"{c.id}-{role}")


def start_workers(cs: Sequence[Contender], strace_dir: Optional[str] = None) -> None:
    """Start every Python contender's two workers at once (they import in
    parallel), then read HELLO or NA from each."""
    pending = []
    for c in cs:
        if c.kind != "py" or c.status != "ok":
            continue
        if c.id == "pysctp" and not os.access(c.python, os.X_OK):
            c.status = "n/a (no .venv-pysctp: run scripts/pysctp-ref.sh)"
            continue
        if c.id == "shim" and not os.path.exists(os.path.join(ROOT, "sctp", "__init__.py")):
            c.status = "n/a (not importable: no sctp/__init__.py yet)"
            continue
        if c.id in ("uvloop", "tcp-uvloop"):
            pass  # the worker reports a missing uvloop itself
        logs: Tuple[Optional[str], Optional[str]] = (None, None)
        if strace_dir:
            logs = (os.path.join(strace_dir, f"{c.id}-server.log"),
                    os.path.join(strace_dir, f"{c.id}-client.log"))
        c.procs = (start_worker(c, "server", logs[0], fork=True),
                   start_worker(c, "client", logs[1], fork=True))
        pending.append(c)
    for c in pending:  # every fork done: now the reader threads
        assert c.procs is not None
        for p in c.procs:
            p.start()
    for c in pending:
        assert c.procs is not None
        try:
            for p in c.procs:
                line = wait_hello(p)
                if line[0] == "NA":
                    c.status = f"n/a (not importable: {line[1].get('reason', '?')})"
                    break
                c.info = line[1]
        except BenchError as e:
            c.status = f"n/a (worker failed: {str(e).splitlines()[0]})"
        if c.status != "ok":
            stop_workers(c)


def wait_hello(p: Proc, timeout: float = 120) -> Tuple[str, Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            rest = p.expect("", max(1.0, deadline - time.monotonic()))
        except BenchError:
            raise
        for tag in ("HELLO", "NA"):
            if rest.startswith(tag):
                body = rest[len(tag):].strip()
                return tag, (json.loads(body) if body else {})
        if time.monotonic() > deadline:
            raise BenchError(f"{p.name}: no HELLO")


def stop_workers(c: Contender) -> None:
    if c.procs:
        for p in c.procs:
            p.close(timeout=3)
        c.procs = None


def restart_workers(c: Contender, strace_dir: Optional[str] = None) -> None:
    stop_workers(c)
    logs: Tuple[Optional[str], Optional[str]] = (None, None)
    if strace_dir:
        logs = (os.path.join(strace_dir, f"{c.id}-server.log"),
                os.path.join(strace_dir, f"{c.id}-client.log"))
    c.procs = (start_worker(c, "server", logs[0]), start_worker(c, "client", logs[1]))
    for p in c.procs:
        tag, _ = wait_hello(p)
        if tag != "HELLO":
            raise BenchError(f"{p.name}: did not restart")


def c_args(params: Dict[str, Any], role: str) -> List[str]:
    keys = {"size": "--size", "count": "--count", "warmup": "--warmup",
            "duration": "--duration", "streams": "--streams", "assocs": "--assocs",
            "per_assoc": "--per-assoc", "port": "--port"}
    args = []
    for k, flag in keys.items():
        if k in params:
            args += [flag, str(params[k])]
    if role == "server" and params.get("rcvbuf"):
        args += ["--rcvbuf", str(params["rcvbuf"])]
    return args


def run_once(c: Contender, sc: Scenario, params: Dict[str, Any], run_id: str,
             strace_logs: Optional[Tuple[str, str]] = None) -> Dict[str, Any]:
    """One run of one contender: returns {"server": ..., "client": ...,
    "up": ...} or raises BenchError."""
    kind = sc.kind
    timeout = RUN_TIMEOUT if kind != "many" else RUN_TIMEOUT + params.get("assocs", 0) / 100
    res: Dict[str, Any] = {}
    extra_procs: List[Proc] = []
    try:
        # -- server
        if c.kind == "c":
            cmd = [bl.C_BIN, "server", kind, *c.c_args, *c_args(params, "server")]
            if strace_logs:
                cmd = ["strace", "-f", "-qq", "-o", strace_logs[0]] + cmd
            srv = Proc(cmd, name=f"{c.id}-server")
            extra_procs.append(srv)
        else:
            assert c.procs is not None
            srv = c.procs[0]
            srv.send(json.dumps({"role": "server", "scenario": kind, "params": params,
                                 "run": run_id}))
        port = int(srv.expect("READY", 30))
        cparams = dict(params, port=port)
        # -- client
        if kind == "many":
            # the same C load generator for every server (SCTP or TCP)
            cmd = [bl.C_BIN, "client", "many", *(("--proto", "tcp") if c.tcp else ()),
                   *c_args(cparams, "client")]
            cli = Proc(cmd, name=f"{c.id}-many-client")
            extra_procs.append(cli)
            res["client_up"] = cli.expect_json("UP", timeout)
            res["up"] = srv.expect_json("UP", timeout)
            cli.send("GO")
            res["server"] = srv.expect_json("RESULT", timeout)
            res["client"] = cli.expect_json("RESULT", timeout)
            cli.send("BYE")
            cli.wait(30)
        elif c.kind == "c":
            cmd = [bl.C_BIN, "client", kind, *c.c_args, *c_args(cparams, "client")]
            if strace_logs:
                cmd = ["strace", "-f", "-qq", "-o", strace_logs[1]] + cmd
            cli = Proc(cmd, name=f"{c.id}-client")
            extra_procs.append(cli)
            res["client"] = cli.expect_json("RESULT", timeout)
            res["server"] = srv.expect_json("RESULT", timeout)
            cli.wait(10)
            srv.wait(10)
        else:
            assert c.procs is not None
            cli = c.procs[1]
            cli.send(json.dumps({"role": "client", "scenario": kind, "params": cparams,
                                 "run": run_id}))
            res["client"] = cli.expect_json("RESULT", timeout)
            res["server"] = srv.expect_json("RESULT", timeout)
        return res
    finally:
        for p in extra_procs:
            p.kill()


def metric(sc: Scenario, res: Dict[str, Any]) -> Tuple[float, Dict[str, Any]]:
    """(the figure, details) of one run.

    Streams and the one-to-many scenario are timed end to end: from the
    sender's start (its t0) to the receiver's last message (its t_end), both
    on CLOCK_MONOTONIC, which every process of the guest shares.  So a
    receiver that reads ahead into memory and counts later gains nothing."""
    s, cl = res.get("server", {}), res.get("client", {})
    if sc.kind == "pingpong":
        return cl["rate"], {"errors": cl.get("errors", 0)}
    if sc.kind == "stream":
        el = s["t_end"] - cl["t0"]
        d = {"errors": s.get("errors", 0), "mbps": s.get("bytes", 0) / el / 1e6,
             "msgs": s.get("msgs"), "recv_rate": s.get("rate"), "send_rate": cl.get("rate")}
        if s.get("msgs") != s.get("expected") or s.get("expected", -1) < 0:
            d["errors"] = max(d["errors"], 1)
        return s["msgs"] / el, d
    if sc.kind == "many":
        up = res.get("up", {})
        n = sc.params["assocs"]
        want = n * sc.params["per_assoc"]
        el = s["t_end"] - cl["t0"]
        d = {"assocs": up.get("assocs"), "py_bytes_per_assoc": up["py_bytes"] / n
             if "py_bytes" in up else None,
             "rss_bytes_per_assoc": up.get("rss_bytes", 0) / n,
             "setup_s": res.get("client_up", {}).get("setup_elapsed"),
             "recv_rate": s.get("rate"),
             "errors": s.get("errors", 0) + (s.get("msgs", 0) != want)}
        return s["msgs"] / el, d
    if sc.kind == "setup":
        # 1 / the median cycle: one association whose INIT or COOKIE-ECHO is
        # lost waits rto_initial (3 s) and would decide the mean alone; the
        # mean is kept as "mean_rate", the longest cycle as "cycle_max"
        med = cl.get("cycle_median") or 0
        return (1.0 / med if med > 0 else cl["rate"]), {
            "mean_rate": cl["rate"], "cycle_max": cl.get("cycle_max")}
    raise ValueError(sc.kind)


# ---- the timing run -------------------------------------------------------------


def fmt_rate(v: float) -> str:
    if v >= 100000:
        return f"{v / 1000:.0f}k"
    if v >= 10000:
        return f"{v / 1000:.1f}k"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def summarize(cs: Sequence[Contender], scs: Sequence[Scenario],
              runs: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    summary: Dict[str, Dict[str, Any]] = {}
    for sc in scs:
        row: Dict[str, Any] = {}
        for c in cs:
            vals = [r["value"] for r in runs
                    if r["scenario"] == sc.id and r["contender"] == c.id and r.get("value")]
            errs = [r for r in runs if r["scenario"] == sc.id and r["contender"] == c.id
                    and (r.get("error") or r.get("details", {}).get("errors"))]
            stalls = sum(r.get("t3_timeouts", 0) for r in runs
                         if r["scenario"] == sc.id and r["contender"] == c.id)
            t1 = sum(r.get("t1_timeouts", 0) for r in runs
                     if r["scenario"] == sc.id and r["contender"] == c.id)
            if not vals:
                why = c.status if c.status != "ok" else (
                    "n/a" if not c.applies(sc.kind) else
                    ("failed: " + (errs[0].get("error") or "errors")) if errs else "no result")
                row[c.id] = {"status": why}
                continue
            med = statistics.median(vals)
            d: Dict[str, Any] = {"median": med, "min": min(vals), "max": max(vals),
                                 "n": len(vals), "spread_pct": 50 * (max(vals) - min(vals)) / med,
                                 "status": "ok", "errors": len(errs), "t3_timeouts": stalls,
                                 "t1_timeouts": t1}
            det = [r.get("details", {}) for r in runs
                   if r["scenario"] == sc.id and r["contender"] == c.id and r.get("value")]
            if sc.kind == "stream":
                d["mbps"] = statistics.median([x.get("mbps", 0) for x in det])
            if sc.kind == "many":
                py = [x["py_bytes_per_assoc"] for x in det if x.get("py_bytes_per_assoc") is not None]
                d["py_bytes_per_assoc"] = statistics.median(py) if py else None
                d["rss_bytes_per_assoc"] = statistics.median(
                    [x.get("rss_bytes_per_assoc", 0) for x in det])
            row[c.id] = d
        # Ratios are taken within each repetition (the C run of the same
        # repetition, seconds apart), then their median: the guest's speed
        # drifts between repetitions (10x seen under a loaded host), far more
        # than between neighbouring runs.
        cref = {r["rep"]: r["value"] for r in runs
                if r["scenario"] == sc.id and r["contender"] == "c" and r.get("value")}
        for cid, d in row.items():
            if d.get("status") != "ok" or not cref:
                continue
            ratios = [r["value"] / cref[r["rep"]] for r in runs
                      if r["scenario"] == sc.id and r["contender"] == cid and r.get("value")
                      and r["rep"] in cref]
            if ratios:
                d["ratio"] = statistics.median(ratios)
                d["ratios"] = ratios
                d["ratio_spread_pct"] = 50 * (max(ratios) - min(ratios)) / d["ratio"]
        summary[sc.id] = row
    return summary


def print_tables(cs: Sequence[Contender], scs: Sequence[Scenario],
                 summary: Dict[str, Dict[str, Any]], out: Any = sys.stdout) -> None:
    w = out.write
    for sc in scs:
        row = summary[sc.id]
        w(f"\n## {sc.id}: {sc.title} ({sc.unit}; ratio to the C loop of the same "
          f"repetition, median over repetitions)\n")
        w(f"{'contender':16s} {'median':>9s} {'spread':>7s} {'ratio':>7s} {'spread':>7s}  notes\n")
        for c in cs:
            d = row.get(c.id, {})
            if d.get("status") != "ok":
                if c.applies(sc.kind) or c.status != "ok":
                    w(f"{c.id:16s} {'n/a':>9s} {'':>7s} {'':>7s} {'':>7s}  {d.get('status', '')}\n")
                continue
            notes = []
            if sc.kind == "stream":
                notes.append(f"{d['mbps']:.1f} MB/s")
            if sc.kind == "many":
                if d.get("py_bytes_per_assoc") is not None:
                    notes.append(f"{d['py_bytes_per_assoc']:.0f} B Python/assoc")
                notes.append(f"{d['rss_bytes_per_assoc'] / 1024:.1f} KiB RSS/assoc")
            if d.get("errors"):
                notes.append(f"{d['errors']} run(s) with errors")
            if d.get("t3_timeouts"):
                notes.append(f"{d['t3_timeouts']} T3 timeout(s) (stalls)")
            if d.get("t1_timeouts"):
                notes.append(f"{d['t1_timeouts']} INIT/COOKIE timeout(s)")
            ratio = f"{d['ratio']:.2f}x" if "ratio" in d else ""
            rsp = f"±{d['ratio_spread_pct']:.0f}%" if "ratio_spread_pct" in d else ""
            w(f"{c.id:16s} {fmt_rate(d['median']):>9s} {'±%.0f%%' % d['spread_pct']:>7s} "
              f"{ratio:>7s} {rsp:>7s}  {'; '.join(notes)}\n")
    # the matrix of ratios
    w("\n## ratios to the C loop (median of the per-repetition ratios; n/a where the "
      "contender does not apply)\n")
    heads = [sc.id for sc in scs]
    w(f"{'contender':16s} " + " ".join(f"{h:>10s}" for h in heads) + "\n")
    for c in cs:
        cells = []
        for sc in scs:
            d = summary[sc.id].get(c.id, {})
            if d.get("status") == "ok" and "ratio" in d:
                cells.append(f"{d['ratio']:.2f}x")
            elif d.get("status") == "ok":
                cells.append(fmt_rate(d["median"]))
            else:
                cells.append("n/a" if (not c.applies(sc.kind) or c.status != "ok") else "fail")
        w(f"{c.id:16s} " + " ".join(f"{x:>10s}" for x in cells) + "\n")


# kernel counters kept per run (/proc/net/sctp/snmp deltas): retransmission
# timeouts, what was discarded, and where packets went
SNMP_KEEP = ("SctpT3RtxExpireds", "SctpFastRetransmits", "SctpInPktDiscards",
             "SctpInDataChunkDiscards", "SctpInPktBacklog", "SctpOutSCTPPacks",
             "SctpDelaySackExpireds", "SctpT1InitExpireds", "SctpT1CookieExpireds",
             "SctpT2ShutdownExpireds", "SctpAborteds", "SctpOutOfBlues")


def warm_up(cs: Sequence[Contender]) -> None:
    """One short, discarded run of each kind per contender: the first runs of
    a boot (and of a fresh worker) are slower (page cache, lazy imports)."""
    t0 = time.monotonic()
    quick = scenarios(True, 10)
    for sc in quick:
        if sc.id not in ("pingpong", "stream-64", "setup"):
            continue
        for c in cs:
            if c.status == "ok" and c.applies(sc.kind):
                try:
                    run_once(c, sc, dict(sc.params), f"warm.{sc.id}.{c.id}")
                except (BenchError, KeyError, ValueError):
                    if c.kind == "py":
                        try:
                            restart_workers(c)
                        except BenchError:
                            pass
    print(f"(warm-up: {time.monotonic() - t0:.1f} s)", flush=True)


def timing(args: argparse.Namespace, cs: List[Contender], scs: List[Scenario],
           partial: Optional[Any] = None) -> Dict[str, Any]:
    runs: List[Dict[str, Any]] = []
    t_start = time.monotonic()
    start_workers(cs)
    print(f"contenders (workers up in {time.monotonic() - t_start:.1f} s):")
    for c in cs:
        print(f"  {c.id:16s} {c.label}: {c.status}")
    sys.stdout.flush()
    if not args.quick:
        warm_up(cs)
    for rep in range(args.reps):
        for sc in scs:
            for c in cs:
                if c.status != "ok" or not c.applies(sc.kind):
                    continue
                params = dict(sc.params)
                if sc.kind in ("stream", "many", "setup") and args.rcvbuf:
                    params["rcvbuf"] = args.rcvbuf
                if args.no_sender_dry:
                    params["no_sender_dry"] = True
                if sc.kind == "many":
                    # Python memory (tracemalloc) in the first repetition
                    # only: it slows the setup of the associations down
                    # (not the measured phase), 30x at 10,000 of them
                    params["tracemalloc"] = rep == 0
                run_id = f"{sc.id}.{c.id}.{rep}"
                rec: Dict[str, Any] = {"scenario": sc.id, "contender": c.id, "rep": rep}
                before = bl.sctp_snmp()
                t0 = time.monotonic()
                try:
                    res = run_once(c, sc, params, run_id)
                    rec["value"], rec["details"] = metric(sc, res)
                    rec["raw"] = res
                except (BenchError, KeyError, ValueError, ZeroDivisionError) as e:
                    rec["error"] = str(e)
                    if c.kind == "py":
                        try:
                            restart_workers(c)
                        except BenchError as e2:
                            c.status = f"n/a (worker died: {str(e2).splitlines()[0]})"
                rec["wall_s"] = round(time.monotonic() - t0, 2)
                d = bl.snmp_delta(before, bl.sctp_snmp())
                rec["t3_timeouts"] = d.get("SctpT3RtxExpireds", 0)
                rec["t1_timeouts"] = d.get("SctpT1InitExpireds", 0) + d.get("SctpT1CookieExpireds", 0)
                rec["snmp"] = {k: v for k, v in d.items() if k in SNMP_KEEP}
                runs.append(rec)
                status = (fmt_rate(rec["value"]) + " " + sc.unit) if "value" in rec else \
                    "FAILED: " + rec["error"].splitlines()[0]
                extra = f" [{rec['t3_timeouts']} T3 timeouts]" if rec["t3_timeouts"] else ""
                if rec["t1_timeouts"]:
                    extra += f" [{rec['t1_timeouts']} T1 timeouts]"
                print(f"  rep {rep + 1}/{args.reps} {sc.id:10s} {c.id:15s} {status}{extra}"
                      f"  ({rec['wall_s']:.1f} s)", flush=True)
                if partial is not None:
                    partial({"runs": runs, "partial": True})
    big = None
    if args.big_assocs and not args.quick:
        big = big_many(args, cs)
    for c in cs:
        stop_workers(c)
    summary = summarize(cs, scs, runs)
    return {"runs": runs, "summary": summary, "big_many": big,
            "elapsed_s": round(time.monotonic() - t_start, 1)}


# the 10,000-association run: the servers whose memory per association is the
# question (the ≤ 4 KiB target is the transport's), with the C and TCP references
BIG_MANY = ("c", "lowlevel", "asyncio", "uvloop", "highlevel")


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def big_many(args: argparse.Namespace, cs: List[Contender]) -> Dict[str, Any]:
    """The one-to-many server with --big-assocs associations, once per
    contender, while memory allows (about 40 KiB of kernel memory per
    association pair was seen; the Python workers of the other contenders
    are stopped first)."""
    n = args.big_assocs
    need = n * 64 * 1024
    out: Dict[str, Any] = {"assocs": n, "results": {}}
    for c in cs:
        if c.id not in BIG_MANY:
            continue
        if c.status != "ok" or not c.applies("many"):
            continue
        for o in cs:
            if o is not c:
                stop_workers(o)
        if c.kind == "py" and c.procs is None:
            try:
                restart_workers(c)
            except BenchError as e:
                out["results"][c.id] = {"error": str(e)}
                continue
        avail = mem_available()
        if avail < need:
            out["results"][c.id] = {"skipped": f"MemAvailable {avail >> 20} MiB < {need >> 20} MiB"}
            print(f"  many-{n}: {c.id}: skipped, not enough memory", flush=True)
            continue
        sc = Scenario(f"many-{n}", "many", {"size": 64, "assocs": n, "per_assoc": 2,
                                            "rcvbuf": args.rcvbuf, "tracemalloc": False},
                      "msgs/s", f"{n} associations")
        try:
            res = run_once(c, sc, dict(sc.params), f"big.{c.id}")
            up = res.get("up", {})
            el = res["server"]["t_end"] - res["client"]["t0"]
            r = {"rate": res["server"]["msgs"] / el, "assocs": up.get("assocs"),
                 "rss_bytes_per_assoc": up.get("rss_bytes", 0) / n,
                 "client_setup_s": res.get("client_up", {}).get("setup_elapsed")}
        except (BenchError, KeyError) as e:
            r = {"error": str(e).splitlines()[0]}
        out["results"][c.id] = r
        print(f"  many-{n}: {c.id}: {json.dumps(r)}", flush=True)
        if c.kind == "py":
            stop_workers(c)
    return out


# ---- the strace mode ----------------------------------------------------------------

_MARK = re.compile(r'__bench_mark_(begin|end)(?:_([^_"]+(?:_[^_"]+)*?))?__')
_CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?([a-z_0-9]+)\(")


def count_syscalls(path: str, run_id: Optional[str]) -> Dict[str, int]:
    """System calls between the begin and end marks of run_id (C: no id)."""
    counts: Dict[str, int] = {}
    inside = False
    try:
        f = open(path, errors="replace")
    except OSError:
        return counts
    with f:
        for line in f:
            m = _MARK.search(line)
            if m and (run_id is None or m.group(2) == run_id or
                      (m.group(2) is None and run_id is None)):
                if m.group(1) == "begin":
                    inside, counts = True, {}
                else:
                    if inside:
                        return counts
                continue
            if not inside or "resumed>" in line:
                continue
            cm = _CALL.match(line)
            if cm:
                counts[cm.group(1)] = counts.get(cm.group(1), 0) + 1
    return counts if inside else {}


_LOOP_WAITS = ("epoll_wait", "epoll_pwait", "epoll_pwait2")


def strace_mode(args: argparse.Namespace, cs: List[Contender]) -> Dict[str, Any]:
    if shutil.which("strace") is None:
        raise SystemExit("strace is not installed")
    scs = [Scenario("pingpong", "pingpong", {"size": 64, "count": 100 if args.quick else 300,
                                             "warmup": 10, "duration": 30.0},
                    "calls/round trip", "ping-pong 64 B"),
           Scenario("stream-64", "stream", {"size": 64, "count": 300 if args.quick else 2000,
                                            "duration": 30.0, "streams": 4,
                                            "rcvbuf": args.rcvbuf},
                    "calls/message", "stream 64 B"),
           Scenario("setup", "setup", {"count": 20 if args.quick else 100, "duration": 60.0},
                    "calls/association", "association set-up + teardown")]
    if args.scenarios:
        want = args.scenarios.split(",")
        scs = [sc for sc in scs if sc.id in want]
    tmp = tempfile.mkdtemp(prefix="aiosctp-strace-")
    start_workers(cs, strace_dir=tmp)
    results: Dict[str, Any] = {}
    try:
        for sc in scs:
            results[sc.id] = {}
            for c in cs:
                if c.status != "ok" or not c.applies(sc.kind):
                    continue
                run_id = f"s{sc.id.replace('-', '')}{c.id.replace('-', '')}"
                logs = (os.path.join(tmp, f"{c.id}-{sc.id}-server.log"),
                        os.path.join(tmp, f"{c.id}-{sc.id}-client.log"))
                try:
                    res = run_once(c, sc, dict(sc.params), run_id,
                                   strace_logs=logs if c.kind == "c" else None)
                    time.sleep(0.2)  # let strace flush
                    if c.kind == "c":
                        paths, rid = logs, None
                    else:
                        paths = (os.path.join(tmp, f"{c.id}-server.log"),
                                 os.path.join(tmp, f"{c.id}-client.log"))
                        rid = run_id
                    sides = {}
                    total = 0.0
                    per: Dict[str, float] = {}
                    for role, path in zip(("server", "client"), paths):
                        calls = count_syscalls(path, rid)
                        msgs = res[role].get("msgs") or 1
                        n = sum(calls.values())
                        sides[role] = {"calls": n, "msgs": msgs, "per_msg": n / msgs,
                                       "by_call": calls}
                        total += n / msgs
                        for k, v in calls.items():
                            per[k] = per.get(k, 0.0) + v / msgs
                    # a turn of an event loop is one epoll_wait (asyncio's
                    # selector, libuv): the blocking contenders make none
                    turns = sum(per.get(k, 0.0) for k in _LOOP_WAITS)
                    results[sc.id][c.id] = {"per_msg": total, "sides": sides,
                                            "loop_turns": turns,
                                            "by_call": dict(sorted(per.items(),
                                                                   key=lambda kv: -kv[1]))}
                    top = ", ".join(f"{k} {v:.2f}" for k, v in
                                    list(results[sc.id][c.id]["by_call"].items())[:6])
                    print(f"  {sc.id:10s} {c.id:15s} {total:6.2f} {sc.unit}, "
                          f"{turns:.2f} loop turns  ({top})", flush=True)
                except (BenchError, KeyError) as e:
                    results[sc.id][c.id] = {"error": str(e).splitlines()[0]}
                    print(f"  {sc.id:10s} {c.id:15s} FAILED: {str(e).splitlines()[0]}", flush=True)
                    if c.kind == "py":
                        try:
                            restart_workers(c, strace_dir=tmp)
                        except BenchError:
                            c.status = "n/a (worker died)"
    finally:
        for c in cs:
            stop_workers(c)
        if not args.keep_strace:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"strace logs kept in {tmp}")
    print("\n## system calls per round trip (ping-pong) / per message (stream), "
          "both processes, measured phase only")
    print(f"{'contender':16s} {'pingpong':>9s} {'stream-64':>10s}   main calls (stream-64)")
    for c in cs:
        pp = results.get("pingpong", {}).get(c.id, {})
        st = results.get("stream-64", {}).get(c.id, {})

        def cell(d: Dict[str, Any]) -> str:
            return f"{d['per_msg']:.2f}" if "per_msg" in d else ("fail" if d else "n/a")
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(st.get("by_call", {}).items())[:5])
        print(f"{c.id:16s} {cell(pp):>9s} {cell(st):>10s}   {top}")
    if "setup" in results:
        print("\n## per association set-up (connect + close), both processes, measured "
              "phase only: system calls, loop turns (epoll_wait), and each side's calls")
        print(f"{'contender':16s} {'calls':>7s} {'turns':>6s}   client | server")
        for c in cs:
            su = results["setup"].get(c.id, {})
            if "per_msg" not in su:
                print(f"{c.id:16s} {'fail' if su else 'n/a':>7s}")
                continue
            parts = []
            for role in ("client", "server"):
                side = su["sides"][role]
                n = side["msgs"] or 1
                parts.append(", ".join(
                    f"{k} {v / n:.2f}" for k, v in
                    sorted(side["by_call"].items(), key=lambda kv: -kv[1])))
            print(f"{c.id:16s} {su['per_msg']:7.2f} {su['loop_turns']:6.2f}   "
                  f"{parts[0]} | {parts[1]}")
    return results


# ---- main -------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="aiosctp benchmarks (see the module docstring)")
    ap.add_argument("--quick", action="store_true", help="a tiny run (smoke test): 1 rep")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 3; quick 1)")
    ap.add_argument("--json", help="write results here (default benchmarks/results/<date>.json)")
    ap.add_argument("--strace", action="store_true",
                    help="count system calls per message under strace instead of timing")
    ap.add_argument("--keep-strace", action="store_true", help="keep the strace logs")
    ap.add_argument("--only", help="comma-separated contender ids")
    ap.add_argument("--scenarios", help="comma-separated scenario ids")
    ap.add_argument("--assocs", type=int, default=None,
                    help="associations of the one-to-many scenario (default 1000; quick 20)")
    ap.add_argument("--big-assocs", type=int, default=10000,
                    help="then once per contender with this many, if memory allows (0: skip)")
    ap.add_argument("--no-sender-dry", action="store_true",
                    help="switch SCTP_SENDER_DRY_EVENT off on the aiosctp transport's "
                         "associations (asyncio, uvloop, highlevel): README finding 3. "
                         "Since issue 15 it is off by default (events.DEFAULT), so "
                         "this changes nothing unless a worker asks for events.ALL")
    ap.add_argument("--rcvbuf", type=int, default=4 * 1024 * 1024,
                    help="receiver SO_RCVBUF (SO_RCVBUFFORCE where allowed) for the stream and "
                         "one-to-many scenarios, set on the listening socket before any "
                         "association (0: kernel default): see README, findings")
    args = ap.parse_args(argv)
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    if args.assocs is None:
        args.assocs = 20 if args.quick else 1000
    global RUN_TIMEOUT
    if args.quick:
        RUN_TIMEOUT = 15.0

    if not bl.in_guest_or_sctp():
        argv = list(sys.argv[1:] if argv is None else argv)
        return bl.reexec_in_sandbox([os.path.abspath(__file__), *argv])

    bl.build_c()
    cs = contenders()
    if args.only:
        want = args.only.split(",")
        cs = [c for c in cs if c.id in want or c.id == "c"]
    scs = scenarios(args.quick, args.assocs)
    if args.scenarios:
        want = args.scenarios.split(",")
        scs = [s for s in scs if s.id in want]

    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": bl.machine(),
            "host_cpu": os.environ.get("AIOSCTP_BENCH_HOST_CPU", ""),
            "argv": sys.argv[1:], "quick": args.quick, "reps": args.reps,
            "rcvbuf": args.rcvbuf, "sysctl_sctp": bl.sysctls()}
    host = f" on {meta['host_cpu']}" if meta["host_cpu"] else ""
    print(f"aiosctp benchmarks, {meta['date']}, {meta['machine']['cpu']}{host} "
          f"({meta['machine']['kernel']}, {meta['machine']['cpus']} CPU"
          f"{', sandbox guest' if meta['machine']['guest'] else ''}), Python "
          f"{meta['machine']['python']}", flush=True)

    path = args.json
    if not path:
        os.makedirs(bl.RESULTS_DIR, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = os.path.join(bl.RESULTS_DIR, f"{'strace' if args.strace else 'bench'}-"
                                            f"{'quick-' if args.quick else ''}{stamp}.json")

    def write(result: Dict[str, Any]) -> None:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(result, f, indent=1, default=str)
        os.replace(tmp, path)

    if args.strace:
        result = {"meta": meta, "mode": "strace", "strace": strace_mode(args, cs)}
    else:
        t = timing(args, cs, scs, partial=lambda part: write({"meta": meta, **part}))
        meta["no_sender_dry"] = args.no_sender_dry
        result = {"meta": meta, "mode": "timing",
                  "contenders": {c.id: {"label": c.label, "status": c.status, "info": c.info}
                                 for c in cs},
                  "scenarios": {s.id: {"kind": s.kind, "params": s.params, "unit": s.unit,
                                       "title": s.title} for s in scs},
                  **t}
        print_tables(cs, scs, t["summary"])
        print(f"\n(total {t['elapsed_s']:.0f} s)")
        if t.get("big_many"):
            print(f"\n## one-to-many with {t['big_many']['assocs']} associations")
            for cid, r in t["big_many"]["results"].items():
                print(f"  {cid:16s} {json.dumps(r)}")

    write(result)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
