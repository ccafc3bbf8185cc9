"""Host-side tests of the sandbox runner (tools/sandbox): each boots a user-mode-linux guest.

Run on the host (``make test-sandbox``), before the main suite, which itself
runs inside one guest.  The runner is driven as ``python tools/sandbox/aiosctp_sandbox/sandbox.py
--uml -- CMD`` (stdlib only: no built extension needed); ``--uml`` boots the
guest even on a host whose own kernel has SCTP, so these tests check the guest
path everywhere.
"""

from __future__ import annotations

import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Dict, List, Mapping, Optional, Set, Tuple, Union

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "sandbox" / "aiosctp_sandbox"
FPFIX_C = TOOL / "_fpfix.c"
BOOT_TIMEOUT = 300  # generous: boots take seconds, but CI machines can be slow

# tests/sandbox_tool.py: the runner's loader, shared with tests/test_sandbox.py
sys.path.insert(0, str(ROOT / "tests"))
from sandbox_tool import SANDBOX_PY, load_sandbox  # noqa: E402


def _load_sandbox() -> ModuleType:
    return load_sandbox("aiosctp_sandbox_under_test")


sandbox = _load_sandbox()

Env = Dict[Union[str, bytes], Union[str, bytes]]


@pytest.fixture(scope="session", autouse=True)
def _host_only() -> None:
    assert not sandbox.in_guest(), (
        "tests/host boot user-mode-linux and must run on the host, not inside the sandbox"
    )
    assert shutil.which("linux.uml"), "user-mode-linux is not installed (make deps)"


def runner(
    *args: str,
    env: Optional[Mapping[Any, Any]] = None,
    cwd: Optional[Path] = None,
    stdin: Optional[bytes] = None,
    timeout: float = BOOT_TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``sandbox.py --uml ARGS`` to completion, capturing stdout and stderr separately."""
    return subprocess.run(
        [sys.executable, str(SANDBOX_PY), "--uml", *args],
        env=env if env is not None else dict(os.environ),
        cwd=str(cwd) if cwd else None,
        input=stdin if stdin is not None else b"",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=timeout,
    )


def py(code: str) -> List[str]:
    """A guest command running Python code with the interpreter running these tests."""
    return [sys.executable, "-c", textwrap.dedent(code)]


def _processes_mentioning(text: str) -> List[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(entry.name + ": " + cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


# ---------------------------------------------------------------- exit status


@pytest.mark.parametrize(
    "script, status",
    [("exit 7", 7), ("kill -TERM $$", 128 + signal.SIGTERM)],
    ids=["exit-7", "killed-by-SIGTERM"],
)
def test_exit_status_propagates(script: str, status: int) -> None:
    proc = runner("--", "sh", "-c", script)
    assert proc.returncode == status, proc.stderr.decode(errors="replace")


def test_command_not_found_is_127() -> None:
    proc = runner("--", "/nonexistent/aiosctp-no-such-command", "x")
    assert proc.returncode == 127
    assert b"aiosctp-no-such-command" in proc.stderr


# ----------------------------------------------------------- output streams


def test_stdout_stderr_separate_and_binary_safe() -> None:
    rng = random.Random(1234)
    blob = bytes(range(256)) * 64 + bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024))
    err_blob = b"E\x00\xff\r\n" * 20000 + b"no newline at the end"
    code = f"""
        import random, sys
        rng = random.Random(1234)
        blob = bytes(range(256)) * 64 + bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024))
        sys.stdout.buffer.write(blob)
        sys.stdout.flush()
        sys.stderr.buffer.write({err_blob[:5]!r} * 20000 + b"no newline at the end")
        sys.stderr.flush()
    """
    proc = runner("--", *py(code))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(proc.stdout) == len(blob)
    assert proc.stdout == blob
    assert proc.stderr == err_blob


def test_output_is_live() -> None:
    """Output reaches the host while the guest command still runs, not at the end."""
    code = """
        import sys, time
        print("first", flush=True)
        print("first-err", file=sys.stderr, flush=True)
        time.sleep(6)
        print("second", flush=True)
    """
    arrivals: Dict[str, float] = {}
    proc = subprocess.Popen(
        [sys.executable, str(SANDBOX_PY), "--uml", "--", *py(code)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def read(stream: IO[bytes]) -> None:
        for line in stream:
            arrivals.setdefault(line.decode(errors="replace").strip(), time.monotonic())

    threads = [threading.Thread(target=read, args=(s,)) for s in (proc.stdout, proc.stderr)]
    for t in threads:
        t.start()
    try:
        assert proc.wait(timeout=BOOT_TIMEOUT) == 0
    finally:
        proc.kill()
        for t in threads:
            t.join()
    ended = time.monotonic()
    assert {"first", "first-err", "second"} <= set(arrivals), arrivals
    assert arrivals["second"] - arrivals["first"] > 4.0
    assert arrivals["second"] - arrivals["first-err"] > 4.0
    assert ended - arrivals["first"] > 4.0


# ---------------------------------------------- environment, cwd, the guest


def test_environment_cwd_and_guest_setup(tmp_path: Path) -> None:
    workdir = tmp_path / "dir with space\nand newline"
    workdir.mkdir()
    report = tmp_path / "report.json"
    env: Env = {k: v for k, v in os.environ.items()}
    env["AIOSCTP_T_NEWLINES"] = "line 1\nline 2\n\n"
    env["AIOSCTP_T_EQUALS"] = "a=b=c"
    env["AIOSCTP_T_EMPTY"] = ""
    env["AIOSCTP-T.odd name"] = "odd"
    env[b"AIOSCTP_T_BYTES"] = b"\xff\xfe not utf-8"
    env["AIOSCTP_SANDBOX_GUEST"] = "0"  # the guest must say 1 regardless
    code = f"""
        import json, os, socket, sys
        lo = os.popen("ip -o addr show dev lo").read()
        out = {{
            "env": {{k.hex(): v.hex() for k, v in os.environb.items()}},
            "cwd": os.getcwdb().hex(),
            "stdin": sys.stdin.buffer.read().hex(),
            "uname": os.uname().release,
            "lo": lo,
            "modules": sorted(os.listdir("/sys/module")),
            "proc_sctp": os.path.isdir("/proc/net/sctp"),
        }}
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        s.close()
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_SEQPACKET, socket.IPPROTO_SCTP)
        s6.bind(("::1", 0))
        s6.close()
        with open({str(report)!r}, "w") as f:
            json.dump(out, f)
    """
    proc = runner("--", *py(code), env=env, cwd=workdir, stdin=b"host stdin must not leak\n")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    got = json.loads(report.read_text())

    guest_env = {bytes.fromhex(k): bytes.fromhex(v) for k, v in got["env"].items()}
    expected = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    expected[b"AIOSCTP_SANDBOX_GUEST"] = b"1"
    assert guest_env == expected
    assert bytes.fromhex(got["cwd"]) == os.fsencode(str(workdir))
    assert bytes.fromhex(got["stdin"]) == b""

    version = subprocess.run(["linux.uml", "--version"], capture_output=True, text=True).stdout.split()[0]
    assert got["uname"] == version  # really inside the UML kernel
    for addr in ("127.0.0.1/8", "127.0.0.2/8", "127.0.0.3/8", "127.0.0.4/8", "::1/128"):
        assert f" {addr} " in got["lo"], got["lo"]
    assert {"sctp", "sctp_diag", "sch_netem", "veth", "dummy"} <= set(got["modules"])
    assert got["proc_sctp"]


def test_extra_modules_with_dependencies(tmp_path: Path) -> None:
    env = dict(os.environ, AIOSCTP_SANDBOX_EXTRA_MODULES="xt_sctp")
    code = "import os, sys; sys.exit(0 if all(os.path.isdir('/sys/module/' + m) for m in sys.argv[1:]) else 3)"
    proc = runner("--modules", "net/sched/sch_prio.ko", "--", sys.executable, "-c", code,
                  "xt_sctp", "x_tables", "sch_prio", env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def test_unknown_module_is_an_error() -> None:
    proc = runner("--modules", "no_such_module_xyz", "--", "true")
    assert proc.returncode == 125
    assert b"no_such_module_xyz" in proc.stderr


# -------------------------------------------------- the ptrace workaround


def _kernel_xsave_size() -> int:
    """The host kernel's XSAVE regset size, measured with ptrace (independent of CPUID)."""
    code = r"""
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
pid = os.fork()
if pid == 0:
    libc.ptrace(0, 0, None, None)  # PTRACE_TRACEME
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
_, st = os.waitpid(pid, 0)
assert os.WIFSTOPPED(st)
buf = ctypes.create_string_buffer(65536)
iov = IOVec(ctypes.cast(buf, ctypes.c_void_p), 65536)
rc = libc.ptrace(0x4204, pid, 0x202, ctypes.byref(iov))  # PTRACE_GETREGSET, NT_X86_XSTATE
err = ctypes.get_errno()
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
assert rc == 0, os.strerror(err)
print(iov.len)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_xsave_probe_matches_the_kernel() -> None:
    size = sandbox.host_xsave_size()
    assert size is not None, "the CPUID probe (_fpfix.c -DFPFIX_PROBE) failed"
    assert size == _kernel_xsave_size()


def test_check_output() -> None:
    proc = subprocess.run([sys.executable, str(SANDBOX_PY), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    size = sandbox.host_xsave_size()
    assert f"host XSAVE size: {size} bytes" in out
    applied = size != sandbox.UML_XSTATE_SIZE
    assert ("workaround (LD_PRELOAD _fpfix.c): applied" in out) == applied, out
    assert ("workaround (LD_PRELOAD _fpfix.c): not applied" in out) == (not applied), out
    assert "/usr/bin/linux.uml" in out or "linux.uml" in out
    if sandbox.has_kernel_sctp():
        assert "commands run directly" in out
    else:
        assert "user-mode-linux guest" in out


def test_check_and_run_name_the_packages_when_uml_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A host without kernel SCTP where linux.uml, insmod and ip are all missing.
    monkeypatch.setattr(sandbox, "_sctp_probe", lambda: OSError(93, "Protocol not supported"))
    monkeypatch.setattr(sandbox, "_which", lambda tool: None)
    monkeypatch.delenv("AIOSCTP_SANDBOX_GUEST", raising=False)
    out = sandbox.check()
    assert "user-mode-linux: not installed" in out
    assert "sudo apt-get install -y user-mode-linux kmod iproute2" in out
    assert sandbox.main(["--check"]) == 1
    capsys.readouterr()
    assert sandbox.main(["--", "true"]) == 125
    assert "apt-get install -y user-mode-linux kmod iproute2" in capsys.readouterr().err


SCTP_ECHO = """
    import socket
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    srv.bind(("127.0.0.2", 0)); srv.listen(1)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    cli.connect(srv.getsockname())
    conn, _ = srv.accept()
    for s in cli, conn:  # SCTP_NODELAY, else each round trip waits for a delayed SACK
        s.setsockopt(socket.IPPROTO_SCTP, 3, 1)
    for i in range(200):
        msg = b"ping %d" % i
        cli.sendall(msg)
        assert conn.recv(100) == msg
    print("sctp-ok")
"""

FP_WORKOUT = """
    import hashlib, math, threading
    data = bytes(range(256)) * 4096
    want_hash = hashlib.sha256(data * 4).hexdigest()
    want_sum = math.fsum(math.sin(i) * 1.5 for i in range(100000))
    bad = []
    def work():
        for _ in range(8):
            if hashlib.sha256(bytes(bytearray(data)) * 4).hexdigest() != want_hash:
                bad.append("hash")
            if math.fsum(math.sin(i) * 1.5 for i in range(100000)) != want_sum:
                bad.append("sum")
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    assert not bad, bad
    print("fp-ok")
"""


def _fpfix_env(tmp_path: Path, **extra: str) -> Tuple[Env, Path]:
    marker = tmp_path / "fpfix-marker"
    env: Env = {}
    env.update(os.environ)
    env.update(AIOSCTP_FPFIX_MARKER=str(marker), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.update(extra)
    return env, marker


def test_fpfix_forced_boots_and_sctp_works(tmp_path: Path) -> None:
    """AIOSCTP_UML_FPFIX=1 preloads the wrapper; AIOSCTP_FPFIX_ALWAYS=1 makes it merge
    (GETREGSET full + copy + SETREGSET full) on every FP restore, even on this host."""
    env, marker = _fpfix_env(tmp_path, AIOSCTP_UML_FPFIX="1", AIOSCTP_FPFIX_ALWAYS="1")
    proc = runner("-v", "--", *py(SCTP_ECHO + FP_WORKOUT), env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout.split() == [b"sctp-ok", b"fp-ok"]
    assert b"LD_PRELOAD=" in proc.stderr
    lines = marker.read_text().split()
    assert "loaded" in lines  # the wrapper was preloaded into linux.uml...
    assert "merged" in lines  # ...and rewrote UML's XSAVE writes
    # compiled into the cache, never into the source tree
    assert list((tmp_path / "cache" / "aiosctp").glob("fpfix-preload-*.so"))
    assert not list(TOOL.glob("fpfix*"))


def test_fpfix_auto_decision(tmp_path: Path) -> None:
    env, marker = _fpfix_env(tmp_path)
    env.pop("AIOSCTP_UML_FPFIX", None)
    proc = runner("--", "true", env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    size = sandbox.host_xsave_size()
    assert marker.exists() == (size != sandbox.UML_XSTATE_SIZE)


# A host with a large XSAVE area (AVX-512/AMX), simulated on any x86 host by a
# second preload under the workaround: XSTATE reads report FAKE bytes (zeros
# past the real area) and writes shorter than FAKE fail with EFAULT, as the
# kernel does there.  The real kernel clamps the longer writes.
BIG_XSAVE_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define FAKE 11008 /* seen with AMX */
typedef long (*ptrace_fn)(enum __ptrace_request, ...);

long ptrace(enum __ptrace_request request, ...)
{
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);
    ptrace_fn real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

    if ((long)addr == 0x202 && data != NULL) {
        struct iovec *iov = data;
        if (request == PTRACE_SETREGSET && iov->iov_len < FAKE) {
            errno = EFAULT;
            return -1;
        }
        if (request == PTRACE_GETREGSET) {
            size_t want = iov->iov_len;
            long r = real(request, pid, addr, data);
            if (r == 0 && iov->iov_len < want) {
                size_t n = want < FAKE ? want : FAKE;
                memset((char *)iov->iov_base + iov->iov_len, 0, n - iov->iov_len);
                iov->iov_len = n;
            }
            return r;
        }
    }
    return real(request, pid, addr, data);
}
"""


@pytest.fixture(scope="session")
def big_xsave_so(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("bigxsave")
    (d / "bigxsave.c").write_text(BIG_XSAVE_C)
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", str(d / "bigxsave.so"),
                    str(d / "bigxsave.c"), "-ldl"], check=True)
    return str(d / "bigxsave.so")


def test_simulated_big_xsave_host_dies_without_the_workaround(tmp_path: Path, big_xsave_so: str) -> None:
    env, marker = _fpfix_env(tmp_path, AIOSCTP_UML_FPFIX="0", AIOSCTP_SANDBOX_UML_PRELOAD=big_xsave_so)
    proc = runner("--", "true", env=env)
    assert proc.returncode == 125
    assert b"ptrace set fp regs failed" in proc.stderr  # the console excerpt shows the cause
    assert not marker.exists()  # AIOSCTP_UML_FPFIX=0: no preload, no retry


def test_simulated_big_xsave_host_auto_retries_with_the_workaround(
    tmp_path: Path, big_xsave_so: str
) -> None:
    env, marker = _fpfix_env(tmp_path, AIOSCTP_SANDBOX_UML_PRELOAD=big_xsave_so)
    env.pop("AIOSCTP_UML_FPFIX", None)
    proc = runner("--", *py(SCTP_ECHO + FP_WORKOUT), env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout.split() == [b"sctp-ok", b"fp-ok"]
    if sandbox.host_xsave_size() == sandbox.UML_XSTATE_SIZE:
        assert b"retrying once with the ptrace workaround" in proc.stderr
    assert "merged" in marker.read_text().split()


def test_simulated_big_xsave_host_forced_workaround(tmp_path: Path, big_xsave_so: str) -> None:
    env, marker = _fpfix_env(tmp_path, AIOSCTP_UML_FPFIX="1", AIOSCTP_SANDBOX_UML_PRELOAD=big_xsave_so)
    proc = runner("--", *py(SCTP_ECHO), env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"sctp-ok" in proc.stdout
    assert b"retrying" not in proc.stderr
    assert "merged" in marker.read_text().split()


def test_fpfix_source_compiles_cleanly(tmp_path: Path) -> None:
    for extra, out in ((["-shared", "-fPIC"], "x.so"), (["-DFPFIX_PROBE"], "probe")):
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", *extra, "-o",
                        str(tmp_path / out), str(FPFIX_C), "-ldl"], check=True)
    nm = subprocess.run(["nm", "-D", "--undefined-only", str(tmp_path / "x.so")],
                        capture_output=True, text=True, check=True).stdout
    for forbidden in ("malloc", "calloc", "realloc"):
        assert f" {forbidden}@" not in nm and not nm.endswith(f" {forbidden}\n"), nm


# ------------------------------------------------- timeouts and signals


def test_timeout_kills_the_guest(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    env = dict(os.environ, AIOSCTP_SANDBOX_TMPDIR=str(base))
    start = time.monotonic()
    proc = runner("--timeout", "8", "--", "sleep", "600", env=env)
    assert proc.returncode == 124, proc.stderr.decode(errors="replace")
    assert time.monotonic() - start < 60
    assert b"timeout" in proc.stderr
    assert _processes_mentioning(str(base)) == []
    assert list(base.iterdir()) == []  # temporary files cleaned up


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_kills_the_guest(tmp_path: Path, sig: signal.Signals) -> None:
    base = tmp_path / "base"
    base.mkdir()
    started = tmp_path / "started"
    env = dict(os.environ, AIOSCTP_SANDBOX_TMPDIR=str(base))
    proc = subprocess.Popen(
        [sys.executable, str(SANDBOX_PY), "--uml", "--", "sh", "-c", f"touch '{started}'; sleep 600"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not started.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the guest command never started"
            time.sleep(0.1)
        assert _processes_mentioning(str(base))  # linux.uml is running
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig, err
    time.sleep(0.5)
    assert _processes_mentioning(str(base)) == []
    assert list(base.iterdir()) == []


# ------------------------------------------------------------ the module


def test_module_is_standalone_and_strictly_typed() -> None:
    tree = ast.parse(SANDBOX_PY.read_text())
    imported: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in sandbox.py"
            imported.add((node.module or "").split(".")[0])
    stdlib = getattr(sys, "stdlib_module_names", None)
    assert stdlib is not None
    assert imported - {"__future__"} <= set(stdlib), imported - set(stdlib)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--no-incremental", str(SANDBOX_PY)],
        capture_output=True, text=True, cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_script_runs_with_isolated_python() -> None:
    """``python tools/sandbox/aiosctp_sandbox/sandbox.py`` must work without the package or the extension."""
    proc = subprocess.run([sys.executable, "-I", str(SANDBOX_PY), "--help"],
                          capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0
    assert "--timeout" in proc.stdout and "--mem" in proc.stdout


# ---- vm.max_map_count: room for a guest that maps much memory ---------------------------


def test_map_count_raised_to_what_the_guest_memory_needs(tmp_path, monkeypatch, capsys):
    """UML maps guest memory page by page: with the host default (65530) a
    guest program using much memory (pycrate's CorenetServer in the suite)
    was SIGKILLed ("UML ran out of memory on the host side")."""
    sb = _load_sandbox()
    knob = tmp_path / "max_map_count"
    knob.write_text("65530\n")
    monkeypatch.setattr(sb, "MAX_MAP_COUNT", str(knob))
    need = sb._map_count_needed("2G")
    assert need >= 2 * 1024**3 // 4096 + 65530
    sb._ensure_map_count("2G", verbose=True)
    assert int(knob.read_text()) == need
    assert "raised from 65530" in capsys.readouterr().err
    knob.write_text(str(need * 2))  # never lowered
    sb._ensure_map_count("2G", verbose=True)
    assert int(knob.read_text()) == need * 2


def test_map_count_not_writable_says_what_to_do(tmp_path, monkeypatch, capsys):
    sb = _load_sandbox()
    knob = tmp_path / "max_map_count"
    knob.write_text("65530\n")
    knob.chmod(0o444)
    monkeypatch.setattr(sb, "MAX_MAP_COUNT", str(knob))
    if os.access(knob, os.W_OK):  # root writes through a read-only mode bit
        monkeypatch.setattr(sb, "open", _read_only_open, raising=False)
    sb._ensure_map_count("2G", verbose=False)
    assert "sysctl -w vm.max_map_count=" in capsys.readouterr().err


def _read_only_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    if "w" in mode:
        raise PermissionError(13, "Permission denied", str(path))
    return open(path, mode, *args, **kwargs)
