"""The benchmark harness never rots: `benchmarks/run.py --quick` (a few hundred
messages, one repetition) runs every scenario for every contender, and each
contender gets a row: a figure, or "n/a" with the reason (a library not
installed or not written yet).  Nothing here looks at a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "benchmarks", "run.py")


def test_quick_run_gives_every_contender_a_row(tmp_path):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, RUN, "--quick", "--json", str(out_json)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr

    result = json.loads(out_json.read_text())
    assert result["mode"] == "timing" and result["meta"]["quick"] is True
    contenders = result["contenders"]
    summary = result["summary"]
    scenarios = result["scenarios"]
    assert {"pingpong", "stream-64", "stream-64k", "many", "setup"} <= set(scenarios)
    assert {"c", "stdlib", "pysctp", "shim", "lowlevel", "lowlevel-batch", "asyncio",
            "uvloop", "highlevel", "tcp-asyncio", "tcp-uvloop"} <= set(contenders)

    # the C reference always runs: it is the denominator of every ratio
    assert contenders["c"]["status"] == "ok"
    for sc in scenarios:
        assert summary[sc]["c"]["status"] == "ok", (sc, summary[sc]["c"])

    for cid, c in contenders.items():
        # a row in the ratio matrix of the printed table
        assert any(line.split()[:1] == [cid] for line in out.splitlines()), cid
        if c["status"] != "ok":
            assert c["status"].startswith("n/a"), (cid, c["status"])
            continue
        # an available contender produced a figure in at least one scenario
        # (a failing scenario shows as "failed: ..." in its row, with why)
        figures = [summary[sc][cid] for sc in scenarios
                   if summary[sc].get(cid, {}).get("status") == "ok"]
        assert figures, (cid, {sc: summary[sc].get(cid) for sc in scenarios})
        for d in figures:
            assert d["median"] > 0

    # stream runs of the available contenders are checked at the receiver
    for cid, c in contenders.items():
        for run in result["runs"]:
            if run["contender"] == cid and run["scenario"].startswith("stream") \
                    and "value" in run:
                assert run["details"]["errors"] == 0, run


def test_shim_calls_compares_the_shim_with_pysctp():
    """benchmarks/shim_calls.py runs the same sctp_send/sctp_recv loop on the
    shim and on PySCTP 0.7.3 (its venv, made by `make pysctp-ref`) and
    reports the ratio; each side moves and receives every byte (asserted in
    the script). No timing is checked."""
    pysctp = os.path.join(ROOT, ".venv-pysctp", "bin", "python")
    assert os.path.exists(pysctp), "make pysctp-ref builds PySCTP 0.7.3's venv"
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "shim_calls.py"),
         "--n", "200", "--reps", "1", "--compare", pysctp],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    import sctp  # the shim this suite tests: the checkout's, or the installed wheel's

    assert str(sctp.__file__) in out  # the shim ran
    assert "site-packages/sctp.py" in out  # PySCTP 0.7.3 ran, not the shim
    assert "shim / pysctp send_us" in out and "shim / pysctp recv_us" in out


def test_setup_cycles_runs_every_kind():
    """benchmarks/setup_cycles.py (README 7b's alternating set-up harness)
    runs each kind a few cycles and reports a median and no failed set-up.
    No timing is checked."""
    kinds = ["c", "asyncio", "uvloop", "highlevel", "tcp"]
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "setup_cycles.py"),
         ",".join(kinds), "1", "10", "smoke"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for kind in kinds:
        assert f"smoke rep 0 {kind} " in proc.stdout, proc.stdout
    assert proc.stdout.count("fails 0") == len(kinds), proc.stdout
