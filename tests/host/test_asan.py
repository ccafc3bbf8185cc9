"""The ASan+UBSan build of the C core (scripts/sanitizer-build.sh), with
LeakSanitizer at exit, over every path that needs no kernel SCTP. It runs on
the host: ASan's shadow memory does not fit in the user-mode guest, where
tests/test_sanitizers.py runs UBSan and valgrind instead."""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ASAN_PKG = os.path.join(ROOT, "build", "sanitizers", "asan")


def _gcc_lib(name: str) -> str:
    return subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_asan_ubsan_lsan_clean():
    assert os.path.isdir(os.path.join(ASAN_PKG, "aiosctp")), \
        "build it first: make sanitizers (make test does)"
    # tests/ for sctputil, after the ASan build of aiosctp
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ASAN_PKG, os.path.dirname(HERE)]),
               PYTHONMALLOC="malloc",
               LD_PRELOAD=f"{_gcc_lib('libasan.so')}:{_gcc_lib('libubsan.so')}",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "asan_workload.py")],
                          capture_output=True, text=True, env=env, cwd=ASAN_PKG, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert "asan workload ok" in proc.stdout
    assert "ERROR: AddressSanitizer" not in out and "runtime error" not in out
    assert "LeakSanitizer" not in out, out[-5000:]
    where = subprocess.run([sys.executable, "-c", "import aiosctp._sctp as m; print(m.__file__)"],
                           capture_output=True, text=True, env=env, cwd=ASAN_PKG)
    assert where.stdout.startswith(ASAN_PKG), where


def test_asan_fastpath_host_tests():
    """The C path of the transport (ext/fastpath.c) under ASan+UBSan+LSan:
    its host tests and the transport's on unix message sockets, both loops
    (the 10^6-message leak check and the write queue's room check run in
    the plain build: ASan's quarantine grows RSS by design, and their
    tracemalloc use shows as CPython's own leak at exit)."""
    assert os.path.isdir(os.path.join(ASAN_PKG, "aiosctp")), \
        "build it first: make sanitizers (make test does)"
    env = dict(os.environ, PYTHONPATH=ASAN_PKG, PYTHONMALLOC="malloc",
               LD_PRELOAD=f"{_gcc_lib('libasan.so')}:{_gcc_lib('libubsan.so')}",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    tests = [os.path.join(HERE, name) for name in
             ("test_fastpath.py", "test_unix_transport.py", "test_transport_c.py",
              "test_message.py")]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-k", "not million and not no_leak and not burst_s_room", *tests],
                          capture_output=True, text=True, env=env, cwd=ASAN_PKG, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    assert "ERROR: AddressSanitizer" not in out and "runtime error" not in out
    assert "LeakSanitizer" not in out, out[-5000:]
