"""examples/demo.py (what `make demo` runs) runs in the suite: both socket
styles echo every stream with its PPID, and the low-level part sees its
notifications."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_runs():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "demo.py")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    for style in ("one-to-one", "one-to-many"):
        assert f"[asyncio/{style}] server on 127.0.0.1:" in out
    assert out.count("stream 1 ppid 18: echo:S1AP message") == 2
    assert out.count("stream 3 ppid 46: echo:Diameter message") == 2
    assert "unordered=True" in out and "SHUTDOWN_COMP" in out
    assert out.rstrip().endswith("demo ok")
