"""The C core under instruments, against kernel SCTP in the sandbox:
valgrind's memcheck (invalid accesses and leaks) over many send/recv/decode
cycles, and the UBSan build (scripts/sanitizer-build.sh, made by `make test`)
running the low-level test files. AddressSanitizer needs a 16 TiB shadow
mapping that the user-mode kernel cannot give, so the ASan build runs on the
host over every path that needs no SCTP (tests/host/test_asan.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
UBSAN_PKG = os.path.join(ROOT, "build", "sanitizers", "ubsan")


def _gcc_lib(name: str) -> str:
    path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert os.path.isabs(path), f"{name} not found: install gcc"
    return path


OUR_FRAMES = re.compile(r"_sctp\.cpython|\b(msgio|aiosctp|sockopt)\.c:")


def _valgrind_blocks(report: str) -> list:
    """Split a valgrind report into its error and leak records."""
    blocks, cur = [], []
    for line in report.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if not body.strip():
            if cur:
                blocks.append("\n".join(cur))
            cur = []
        else:
            cur.append(body)
    if cur:
        blocks.append("\n".join(cur))
    return blocks


def test_valgrind_finds_no_errors_and_no_leaks_in_the_c_core():
    valgrind = shutil.which("valgrind")
    assert valgrind, "valgrind is installed by `make deps`"
    # PYTHONMALLOC=malloc: every object is a malloc block valgrind can see, so
    # an object the C core forgot to release shows as "definitely lost".
    env = dict(os.environ, PYTHONMALLOC="malloc")
    proc = subprocess.run(
        [valgrind, "--leak-check=full", "--show-leak-kinds=definite", "--num-callers=40",
         sys.executable, os.path.join(HERE, "workloads", "cycles.py"), "300"],
        capture_output=True, text=True, env=env, timeout=1200)
    report = proc.stderr
    assert "cycles ok" in proc.stdout, report[-3000:]
    assert proc.returncode == 0, report[-3000:]
    assert "LEAK SUMMARY" in report or "All heap blocks were freed" in report, report[-3000:]
    # CPython 3.11 itself draws uninitialised-value reports under valgrind
    # (it is not built --with-valgrind); what counts is any record that
    # passes through the C core.
    ours = [b for b in _valgrind_blocks(report) if OUR_FRAMES.search(b)
            and re.match(r"(Invalid|Conditional|Use of|Syscall param|Mismatched|\S.*lost in loss record)", b)]
    assert not ours, "\n\n".join(ours)[:6000]


def test_ubsan_build_runs_the_low_level_tests():
    so = [f for f in os.listdir(os.path.join(UBSAN_PKG, "aiosctp")) if f.startswith("_sctp")]
    assert so, "run scripts/sanitizer-build.sh (make test does)"
    env = dict(os.environ, PYTHONPATH=UBSAN_PKG, LD_PRELOAD=_gcc_lib("libubsan.so"),
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "120",
         "-o", "addopts=", os.path.join(HERE, "test_lowlevel.py"),
         os.path.join(HERE, "test_events.py"), os.path.join(HERE, "test_badinput.py"),
         # the transport's C path (ext/fastpath.c) over kernel SCTP
         os.path.join(HERE, "test_fastpath_sctp.py")],
        capture_output=True, text=True, env=env, cwd=UBSAN_PKG, timeout=1200)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "runtime error" not in out
    # the instrumented copy was the one imported
    check = subprocess.run([sys.executable, "-c", "import aiosctp._sctp as m; print(m.__file__)"],
                           capture_output=True, text=True, env=env, cwd=UBSAN_PKG)
    assert check.stdout.startswith(UBSAN_PKG), check
