"""benchmarks/native.py runs on the host kernel (no SCTP needed): a quick run
of every contender completes and writes its JSON. Nothing is timed."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_native_quick_run(tmp_path):
    out = tmp_path / "native.json"
    r = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "native.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    results = data["results"]
    for contender in ("c", "stdlib", "lowlevel", "lowlevel-batch", "asyncio", "uvloop",
                      "stream-asyncio", "stream-uvloop"):
        for scenario in ("pingpong", "stream-64", "stream-1k"):
            entry = results[contender][scenario]
            assert entry["cpu_us_per_msg"] > 0 and entry["ratio"] > 0
    # the references of their own scenarios
    assert results["c"]["pingpong"]["ratio"] == 1.0
    assert results["c-mmsg"]["stream-64"]["ratio"] == 1.0
    assert data["info_ns"] > 0
    # the transport runs on the unix message socket: nothing skipped
    assert data["skipped"] == {}
