"""Shared plumbing of the benchmark harness (run.py) and the investigation
script (investigate.py): paths, building the C reference, driving worker
processes over pipes, kernel counters.

Only the standard library; runs inside the sandbox guest (or wherever the
kernel has SCTP)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
C_SRC = os.path.join(HERE, "c", "sctp_bench.c")
BIN_DIR = os.path.join(HERE, "bin")
C_BIN = os.path.join(BIN_DIR, "sctp_bench")
WORKER = os.path.join(HERE, "worker.py")
RESULTS_DIR = os.path.join(HERE, "results")


def venv_python() -> str:
    p = os.path.join(ROOT, ".venv", "bin", "python")
    return p if os.access(p, os.X_OK) else sys.executable


def pysctp_python() -> str:
    return os.environ.get("PYSCTP_REF_VENV", os.path.join(ROOT, ".venv-pysctp")) + "/bin/python"


class BenchError(Exception):
    """A run failed: timeout, bad output, a process died."""


# ---- building the C reference --------------------------------------------


def build_c(force: bool = False) -> str:
    """Compile benchmarks/c/sctp_bench.c into benchmarks/bin/ when the binary
    is missing or older than the source.  Returns the binary's path."""
    try:
        fresh = os.path.getmtime(C_BIN) >= os.path.getmtime(C_SRC)
    except OSError:
        fresh = False
    if fresh and not force:
        return C_BIN
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise BenchError("no C compiler (gcc) to build benchmarks/c/sctp_bench.c")
    os.makedirs(BIN_DIR, exist_ok=True)
    tmp = f"{C_BIN}.{os.getpid()}.tmp"
    cmd = [gcc, "-O2", "-Wall", "-Wextra", "-o", tmp, C_SRC]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"building {C_SRC} failed:\n{r.stderr}")
    os.replace(tmp, C_BIN)  # atomic: concurrent runs never see half a file
    return C_BIN


# ---- processes speaking the line protocol ----------------------------------


class Forked:
    """The part of subprocess.Popen that Proc uses, for a child made with
    os.fork() that runs `target()` (a Python function) with its stdin,
    stdout and stderr on pipes.  Made before any thread of ours runs
    (see Proc(start=False)); the child never touches the parent's objects."""

    def __init__(self, target: Any, cwd: Optional[str] = None) -> None:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.setsid()
                os.dup2(in_r, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.closerange(3, 65536)
                if cwd:
                    os.chdir(cwd)
                sys.stdin = open(0, "r", closefd=False)
                sys.stdout = open(1, "w", buffering=1, closefd=False)
                sys.stderr = open(2, "w", buffering=1, closefd=False)
                code = target() or 0
                sys.stdout.flush()
            except BaseException:
                try:
                    import traceback
                    traceback.print_exc()
                    sys.stderr.flush()
                except BaseException:
                    pass
            finally:
                os._exit(code)
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        self.pid = pid
        self.returncode: Optional[int] = None
        self.stdin = open(in_w, "w", buffering=1)
        self.stdout = open(out_r, "r")
        self.stderr = open(err_r, "r")

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode


class Proc:
    """A child process whose stdout lines are collected by a thread, so that
    reading can time out.  Lines: READY <port>, UP <json>, RESULT <json>,
    ERROR <json>; anything else is kept as log.

    `cmd` is a command line, or a Python callable to run in a forked child
    (then call start() once every fork is done, so that no thread exists
    while forking)."""

    def __init__(self, cmd: Any, *, env: Optional[Dict[str, str]] = None,
                 cwd: Optional[str] = None, name: str = "", start: bool = True) -> None:
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.log: List[str] = []
        self.err: List[str] = []
        self.p: Any
        if callable(cmd):
            self.name = name or "forked"
            self.cmd = [self.name]
            self.p = Forked(cmd, cwd=cwd)
        else:
            self.name = name or os.path.basename(cmd[0])
            self.cmd = list(cmd)
            self.p = subprocess.Popen(
                self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, cwd=cwd, text=True, bufsize=1, start_new_session=True,
            )
        self._started = False
        if start:
            self.start()

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for f, is_out in ((self.p.stdout, True), (self.p.stderr, False)):
            threading.Thread(target=self._pump, args=(f, is_out), daemon=True).start()

    def _pump(self, f: Any, is_out: bool) -> None:
        for line in f:
            line = line.rstrip("\n")
            if is_out:
                self.lines.put(line)
            else:
                self.err.append(line)
                del self.err[:-200]
        if is_out:
            self.lines.put(None)

    def send(self, line: str) -> None:
        try:
            assert self.p.stdin is not None
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise BenchError(f"{self.name}: cannot write to it ({e}){self.stderr_tail()}")

    def expect(self, prefix: str, timeout: float) -> str:
        """Wait for a line starting with prefix; return the rest of it.
        ERROR lines, end of output and the timeout raise BenchError."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{self.name}: no {prefix} within {timeout:.0f} s"
                                 f"{self.stderr_tail()}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.p.wait(timeout=5)
                raise BenchError(f"{self.name}: exited ({self.p.returncode}) before {prefix}"
                                 f"{self.stderr_tail()}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()
            if line.startswith("ERROR"):
                raise BenchError(f"{self.name}: {line[5:].strip()}{self.stderr_tail()}")
            self.log.append(line)

    def expect_json(self, prefix: str, timeout: float) -> Dict[str, Any]:
        rest = self.expect(prefix, timeout)
        try:
            return json.loads(rest) if rest else {}
        except ValueError:
            raise BenchError(f"{self.name}: bad {prefix} line: {rest!r}") from None

    def stderr_tail(self, n: int = 6) -> str:
        time.sleep(0.05)
        tail = [l for l in self.err[-n:] if l.strip()]
        return ("\n    " + "\n    ".join(tail)) if tail else ""

    def alive(self) -> bool:
        return self.p.poll() is None

    def wait(self, timeout: float) -> Optional[int]:
        try:
            rc: int = self.p.wait(timeout=timeout)
            return rc
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin,):
            try:
                if f:
                    f.close()
            except OSError:
                pass

    def close(self, timeout: float = 5) -> None:
        """Ask politely (QUIT, EOF on stdin), then kill."""
        if self.p.poll() is None:
            try:
                assert self.p.stdin is not None
                self.p.stdin.write("QUIT\n")
                self.p.stdin.close()
            except (OSError, ValueError):
                pass
            if self.wait(timeout) is None:
                self.kill()
        else:
            self.kill()


# ---- kernel counters and knobs ---------------------------------------------


def sctp_snmp() -> Dict[str, int]:
    out: Dict[str, int] = {}
    try:
        with open("/proc/net/sctp/snmp") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = int(parts[1])
    except OSError:
        pass
    return out


def snmp_delta(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]:
    return {k: b[k] - a.get(k, 0) for k in b if b[k] - a.get(k, 0)}


def sysctls(prefix: str = "/proc/sys/net/sctp") -> Dict[str, str]:
    out = {}
    try:
        for name in sorted(os.listdir(prefix)):
            try:
                with open(os.path.join(prefix, name)) as f:
                    out[name] = " ".join(f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def read_sysctl(path: str) -> str:
    with open(path) as f:
        return " ".join(f.read().split())


def write_sysctl(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def machine() -> Dict[str, Any]:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "kernel": os.uname().release,
        "machine": os.uname().machine,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "guest": os.environ.get("AIOSCTP_SANDBOX_GUEST") == "1",
    }


def in_guest_or_sctp() -> bool:
    """True when SCTP sockets can be made here."""
    import socket
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)
    except OSError:
        return False
    s.close()
    return True


def reexec_in_sandbox(argv: Sequence[str], timeout: Optional[float] = None) -> int:
    """Run this script again inside the sandbox guest (host without SCTP)."""
    cmd = [venv_python(), os.path.join(ROOT, "tools", "sandbox", "aiosctp_sandbox", "sandbox.py")]
    if timeout:
        cmd += ["--timeout", str(int(timeout))]
    cmd += ["--", venv_python()] + list(argv)
    env = dict(os.environ)
    env.setdefault("AIOSCTP_BENCH_HOST_CPU", machine()["cpu"])  # the guest sees "UML"
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.call(cmd, cwd=ROOT, env=env)


def run_c_pair(scenario: str, server_args: Sequence[str], client_args: Sequence[str],
               timeout: float = 60) -> Tuple[Dict[str, Any], Dict[str, Any], str]:
    """Run the C server and client once; returns (server result, client
    result, client stderr)."""
    binpath = build_c()
    srv = Proc([binpath, "server", scenario, *server_args], name="c-server")
    cli = None
    try:
        port = srv.expect("READY", 10)
        cli = Proc([binpath, "client", scenario, "--port", port, *client_args], name="c-client")
        cres = cli.expect_json("RESULT", timeout)
        sres = srv.expect_json("RESULT", timeout)
        cli.wait(timeout)
        return sres, cres, "\n".join(cli.err)
    finally:
        srv.kill()
        if cli:
            cli.kill()
