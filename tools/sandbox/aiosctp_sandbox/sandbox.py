"""Run a command where Linux kernel SCTP is available.

Where the running kernel has SCTP (or we already are inside the sandbox), the
command simply runs.  Otherwise a real Linux kernel with SCTP is booted as an
ordinary process with Debian's ``user-mode-linux`` (UML): the guest uses the
host's file system as its root (hostfs), so it sees the same files, the same
Python and the same virtual environment; no image is needed.  The command runs
there in the same working directory with the same environment (plus
``AIOSCTP_SANDBOX_GUEST=1``) and stdin from ``/dev/null``; its stdout and stderr
reach the host's stdout and stderr while it runs, and its exit status becomes
ours.  In the guest, ``lo`` carries 127.0.0.1-127.0.0.4 and ::1 (multi-homing on
one machine), and sch_netem, veth and dummy are loaded for fault and topology
tests.  (Run directly, the command inherits stdin.)

Command line (also ``python tools/sandbox/aiosctp_sandbox/sandbox.py ...``, which needs nothing but
the standard library, so it works before the C extension is built)::

    aiosctp-sandbox [--mem 2G] [--timeout SECONDS] [--modules LIST] [--uml] -- CMD ARGS...
    aiosctp-sandbox --check

Exit status: the command's (a command killed by signal N gives 128+N), 124 on
``--timeout``, 125 when the sandbox itself failed, 127/126 when the command
could not be found/executed, 130/143 when interrupted by SIGINT/SIGTERM.

Environment:

``AIOSCTP_SANDBOX_MEM``
    guest memory (default ``2G``; ``--mem`` wins).
``AIOSCTP_SANDBOX_EXTRA_MODULES``
    more kernel modules to load in the guest (paths relative to the modules
    folder such as ``net/sched/sch_netem.ko``, or bare names such as
    ``xt_sctp``), separated by commas, colons or blanks; dependencies are
    resolved from ``modules.dep``.  ``sch_netem``, ``veth`` and ``dummy`` are
    always tried (failures ignored).
``AIOSCTP_SANDBOX_TMPDIR``
    where the per-run temporary folder goes (default: the system's, unless the
    guest could not see it there).
``AIOSCTP_UML_FPFIX``
    ``auto`` (default), ``1`` or ``0``: the ptrace XSAVE workaround for hosts
    with AVX-512/AMX (see ``_fpfix.c``).  ``auto`` applies it when the host's
    XSAVE area is not UML's 832 bytes, and retries a boot once with it when the
    guest died with "ptrace set fp regs failed".
``AIOSCTP_SANDBOX_VERBOSE``
    ``1`` prints what the runner does to stderr (as ``--verbose``).
``AIOSCTP_SANDBOX_KEEP``
    ``1`` keeps the per-run folder (console log, init script) for debugging.
``AIOSCTP_SANDBOX_UML_PRELOAD``
    more shared objects to preload into ``linux.uml`` (after the workaround);
    the tests use it to simulate a host with a large XSAVE area.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import FrameType
from typing import Callable, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "SandboxError",
    "check",
    "has_kernel_sctp",
    "host_xsave_size",
    "in_guest",
    "main",
    "run",
]

#: Set to ``1`` in the guest's environment.
GUEST_ENV = "AIOSCTP_SANDBOX_GUEST"
#: Size of the XSAVE buffer UML 6.1 was written with (``sizeof(struct _xstate)``).
UML_XSTATE_SIZE = 832
DEFAULT_MEM = "2G"
UML_MODULES_ROOT = "/usr/lib/uml/modules"
#: Loaded in this order; the run fails if one of them cannot be loaded.
REQUIRED_MODULES: Tuple[str, ...] = (
    "lib/crc-ccitt.ko",
    "crypto/hmac.ko",  # without it SCTP sockets fail with ENOSYS (cookie HMAC)
    "net/ipv6/ipv6.ko",
    "net/ipv4/udp_tunnel.ko",
    "net/ipv6/ip6_udp_tunnel.ko",
    "net/sctp/sctp.ko",
    "net/sctp/sctp_diag.ko",
)
#: Tried after the required ones; failures are ignored.
DEFAULT_EXTRA_MODULES: Tuple[str, ...] = (
    "net/sched/sch_netem.ko",
    "drivers/net/veth.ko",
    "drivers/net/dummy.ko",
)
#: Debian packages the sandbox needs on the host (tool -> package).
APT_PACKAGES: Tuple[Tuple[str, str], ...] = (
    ("linux.uml", "user-mode-linux"),
    ("insmod", "kmod"),
    ("ip", "iproute2"),
)
#: IPv4 addresses on the guest's loopback interface (multi-homing tests).
GUEST_IPV4 = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")

EXIT_TIMEOUT = 124
EXIT_SANDBOX = 125
EXIT_CANNOT_EXEC = 126
EXIT_NOT_FOUND = 127

_SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_FP_FAILURE = "ptrace set fp regs failed"
_POLL_INTERVAL = 0.05
_HALT_GRACE = 30.0
_PROG = "aiosctp-sandbox"


class SandboxError(RuntimeError):
    """The sandbox could not run the command (setup failed or the guest died)."""


class _DeadlinePassed(Exception):
    """The run's --timeout expired while the guest was running."""


class _Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler that :func:`main` installs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# --------------------------------------------------------------------------
# Probes


def _sctp_probe() -> Optional[OSError]:
    """Try to create a kernel SCTP socket; return the error, or None if it worked."""
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)  # IPPROTO_SCTP
    except OSError as exc:
        return exc
    sock.close()
    return None


def has_kernel_sctp() -> bool:
    """Return True if the running kernel can create SCTP sockets.

    Creating ``socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)`` fails with
    EPROTONOSUPPORT/ESOCKTNOSUPPORT where SCTP is not built (or not loadable),
    with ENOSYS where a piece it needs is missing (the cookie HMAC), and with
    EPERM/EACCES under a seccomp or LSM policy forbidding it: all mean "no".
    """
    return _sctp_probe() is None


def in_guest() -> bool:
    """Return True inside the sandbox's UML guest (``AIOSCTP_SANDBOX_GUEST=1``)."""
    return os.environ.get(GUEST_ENV) == "1"


def _which(tool: str) -> Optional[str]:
    """Find a tool on PATH or in the sbin folders the guest puts on its PATH."""
    path = os.environ.get("PATH", "")
    return shutil.which(tool, path=path + os.pathsep + _SBIN_PATH if path else _SBIN_PATH)


def _find_uml() -> Optional[str]:
    """Return the path of the ``linux.uml`` binary, or None."""
    return _which("linux.uml")


def _uml_version(uml: str) -> Optional[str]:
    """Return the kernel release of a UML binary (``linux.uml --version``)."""
    try:
        proc = subprocess.run(
            [uml, "--version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.decode("ascii", "replace").strip()
    return out.split()[0] if out and proc.returncode == 0 else None


def _modules_dir(uml: str) -> Optional[str]:
    """Return the ``.../kernel`` modules folder for the UML binary, or None."""
    version = _uml_version(uml)
    if version is not None:
        candidate = os.path.join(UML_MODULES_ROOT, version, "kernel")
        if os.path.isdir(candidate):
            return candidate
    try:
        versions = sorted(os.listdir(UML_MODULES_ROOT))
    except OSError:
        return None
    dirs = [os.path.join(UML_MODULES_ROOT, v, "kernel") for v in versions]
    dirs = [d for d in dirs if os.path.isdir(d)]
    return dirs[-1] if len(dirs) == 1 else None


def _strip_kernel(path: str) -> str:
    """``kernel/net/sctp/sctp.ko`` -> ``net/sctp/sctp.ko``."""
    return path[len("kernel/"):] if path.startswith("kernel/") else path


def _parse_modules_dep(kernel_dir: str) -> Dict[str, List[str]]:
    """Read ``modules.dep``: module path -> its dependencies (paths relative to kernel/)."""
    deps: Dict[str, List[str]] = {}
    try:
        with open(os.path.join(os.path.dirname(kernel_dir), "modules.dep"), encoding="utf-8") as f:
            for line in f:
                if ":" not in line:
                    continue
                mod, _, rest = line.partition(":")
                deps[_strip_kernel(mod.strip())] = [_strip_kernel(d) for d in rest.split()]
    except OSError:
        pass
    return deps


def _split_modules(spec: str) -> List[str]:
    """Split a module list given as text (commas, colons or blanks)."""
    return [m for m in re.split(r"[\s,:]+", spec) if m]


def _resolve_modules(
    kernel_dir: str, extras: Sequence[str]
) -> Tuple[List[Tuple[str, bool]], List[str]]:
    """Order the modules to load: the required ones, then the extras with their dependencies.

    Returns ``[(relative path, required)]`` and a list of problems found on the
    host (modules named explicitly that do not exist).
    """
    deps = _parse_modules_dep(kernel_dir)
    by_name: Dict[str, str] = {}
    for path in deps:
        by_name.setdefault(os.path.basename(path)[: -len(".ko")].replace("-", "_"), path)

    def normalise(name: str) -> Optional[str]:
        name = _strip_kernel(name)
        if "/" in name:
            return name if name.endswith(".ko") else name + ".ko"
        base = name[: -len(".ko")] if name.endswith(".ko") else name
        return by_name.get(base.replace("-", "_"))

    order: List[Tuple[str, bool]] = []
    seen: Dict[str, int] = {}
    problems: List[str] = []

    def add(path: str, required: bool, depth: int = 0) -> None:
        if path in seen:
            if required and not order[seen[path]][1]:
                order[seen[path]] = (path, True)
            return
        if depth < 32:
            for dep in reversed(deps.get(path, [])):
                add(dep, required, depth + 1)
        seen[path] = len(order)
        order.append((path, required))

    for path in REQUIRED_MODULES:
        add(path, True)
    for name in extras:
        found = normalise(name)
        if found is None or not os.path.isfile(os.path.join(kernel_dir, found)):
            problems.append(f"kernel module {name!r} not found under {kernel_dir}")
            continue
        add(found, True)
    for path in DEFAULT_EXTRA_MODULES:
        if os.path.isfile(os.path.join(kernel_dir, path)):
            add(path, False)
    return order, problems


# --------------------------------------------------------------------------
# The ptrace XSAVE workaround (_fpfix.c)


def _cache_dir() -> str:
    """Per-user cache folder for the compiled workaround (never the source tree)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "aiosctp")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK | os.X_OK):
            return path
    except OSError:
        pass
    path = os.path.join(tempfile.gettempdir(), f"aiosctp-cache-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _fpfix_source() -> str:
    """Path of ``_fpfix.c`` (package data next to this file)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fpfix.c")


def _compile_fpfix(probe: bool) -> str:
    """Compile ``_fpfix.c`` once per machine into the cache; return the output path.

    ``probe=False`` builds the LD_PRELOAD shared object, ``probe=True`` the
    executable printing the host's XSAVE size.  File names carry a hash of the
    source, the compiler command and the machine, so edits rebuild.
    """
    src = _fpfix_source()
    try:
        with open(src, "rb") as f:
            source = f.read()
    except OSError as exc:
        raise SandboxError(f"cannot read {src}: {exc}") from exc
    cc = shlex.split(os.environ.get("CC") or "gcc")
    if not cc or _which(cc[0]) is None:
        raise SandboxError(
            f"the ptrace workaround needs a C compiler ({cc[0] if cc else 'gcc'}): apt-get install gcc"
        )
    if probe:
        flags = ["-O2", "-DFPFIX_PROBE"]
        libs: List[str] = []
    else:
        flags = ["-O2", "-shared", "-fPIC"]
        libs = ["-ldl"]
    key = hashlib.sha256(
        source + repr((cc, flags, platform.machine())).encode()
    ).hexdigest()[:16]
    out = os.path.join(_cache_dir(), f"fpfix-{'probe' if probe else 'preload'}-{key}{'' if probe else '.so'}")
    if os.path.isfile(out):
        return out
    tmp = f"{out}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        proc = subprocess.run(
            [*cc, *flags, "-o", tmp, src, *libs],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if proc.returncode != 0:
            raise SandboxError(
                f"compiling {src} failed:\n{proc.stdout.decode('utf-8', 'replace')}"
            )
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def host_xsave_size() -> Optional[int]:
    """Return the host's XSAVE area size in bytes (CPUID 0xD/0 EBX), or None if unknown.

    Unknown means: not x86, or the probe could not be compiled or run.
    """
    if platform.machine() not in ("x86_64", "amd64", "i686", "i386"):
        return None
    try:
        probe = _compile_fpfix(probe=True)
        out = subprocess.run(
            [probe], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=20, check=True
        ).stdout
        size = int(out.decode("ascii").strip())
    except (SandboxError, OSError, ValueError, subprocess.SubprocessError):
        return None
    return size if size > 0 else None


def _fpfix_policy() -> str:
    """``auto``, ``1`` or ``0`` from AIOSCTP_UML_FPFIX (anything unknown counts as auto)."""
    value = os.environ.get("AIOSCTP_UML_FPFIX", "auto").strip().lower()
    if value in ("1", "yes", "on", "true", "force"):
        return "1"
    if value in ("0", "no", "off", "false", "never"):
        return "0"
    return "auto"


def _fpfix_decision() -> Tuple[bool, str]:
    """Whether to preload the workaround on the first boot, and why."""
    policy = _fpfix_policy()
    if policy == "1":
        return True, "forced by AIOSCTP_UML_FPFIX=1"
    if policy == "0":
        return False, "disabled by AIOSCTP_UML_FPFIX=0"
    size = host_xsave_size()
    if size is None:
        return False, "auto: host XSAVE size unknown (retried with it if the boot fails)"
    if size != UML_XSTATE_SIZE:
        return True, f"auto: host XSAVE size {size} != {UML_XSTATE_SIZE}"
    return False, f"auto: host XSAVE size {size} == {UML_XSTATE_SIZE}"


# --------------------------------------------------------------------------
# check()


def _tempdir_ok(path: str) -> bool:
    """Can the guest see this folder and can it go onto the kernel command line?"""
    real = os.path.realpath(path)
    if any(real == p or real.startswith(p + "/") for p in ("/dev", "/proc", "/sys")):
        return False
    if not re.fullmatch(r"[A-Za-z0-9_./+@%-]+", real):
        return False
    return os.path.isdir(real) and os.access(real, os.W_OK | os.X_OK)


def _temp_base() -> str:
    """Folder for the per-run temporary folder: on the host fs, not under a guest mount."""
    candidates = [os.environ.get("AIOSCTP_SANDBOX_TMPDIR", ""), tempfile.gettempdir(), "/var/tmp", "/tmp"]
    for cand in candidates:
        if cand and _tempdir_ok(cand):
            return os.path.realpath(cand)
    raise SandboxError(
        "no usable temporary folder (it must be writable, outside /dev, /proc and /sys, "
        "and its path plain ASCII without blanks); set AIOSCTP_SANDBOX_TMPDIR"
    )


def _default_mem() -> str:
    return os.environ.get("AIOSCTP_SANDBOX_MEM") or DEFAULT_MEM


def _mem_bytes(mem: str) -> int:
    """``2G`` -> bytes (the sizes UML's ``mem=`` accepts)."""
    match = re.fullmatch(r"([0-9]+)([KkMmGg]?)", mem)
    if match is None:
        raise SandboxError(f"bad memory size {mem!r} (use e.g. 512M or 2G)")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match.group(2).lower()]
    return int(match.group(1)) * scale


def _shm_too_small(mem: str) -> bool:
    """Would the guest's memory not fit into /dev/shm (UML's default backing, e.g. 64 MB in Docker)?"""
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return False  # UML then falls back to a temporary folder itself
    return st.f_bavail * st.f_frsize < _mem_bytes(mem)


MAX_MAP_COUNT = "/proc/sys/vm/max_map_count"


def _map_count_needed(mem: str) -> int:
    """UML maps the guest's memory into its host process page by page: a
    guest program touching much memory (pycrate loading its ASN.1 modules)
    needs up to one host mapping per guest page, past the host's default
    vm.max_map_count (65530); the guest then dies with "UML ran out of memory
    on the host side"."""
    return _mem_bytes(mem) // 4096 + 65536


def _ensure_map_count(mem: str, verbose: bool) -> None:
    """Raise vm.max_map_count to what ``mem`` needs when we may (root);
    else say what to do."""
    need = _map_count_needed(mem)
    try:
        with open(MAX_MAP_COUNT) as f:
            have = int(f.read())
    except (OSError, ValueError):
        return
    if have >= need:
        return
    try:
        with open(MAX_MAP_COUNT, "w") as f:
            f.write(str(need))
    except OSError:
        _log(f"vm.max_map_count is {have}, below the {need} a guest of mem={mem} may need: "
             f"a guest program using much memory can be killed; as root: "
             f"sysctl -w vm.max_map_count={need}")
        return
    if verbose:
        _log(f"vm.max_map_count raised from {have} to {need} (mem={mem})")


def check() -> str:
    """Explain, in words, how :func:`run` would run a command here and why."""
    lines = [f"{_PROG} check"]
    uname = os.uname()
    lines.append(f"  running kernel:  {uname.sysname} {uname.release} ({uname.machine})")
    err = _sctp_probe()
    if err is None:
        lines.append("  kernel SCTP:     available")
    else:
        lines.append(
            "  kernel SCTP:     not available "
            f"(socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): {err})"
        )
    guest = in_guest()
    lines.append(f"  inside guest:    {'yes (' + GUEST_ENV + '=1)' if guest else 'no'}")

    uml = _find_uml()
    missing: List[str] = []
    for tool, package in APT_PACKAGES:
        if _which(tool) is None:
            missing.append(package)
    kernel_dir = _modules_dir(uml) if uml else None
    if uml:
        version = _uml_version(uml) or "unknown version"
        lines.append(f"  user-mode-linux: {uml} (kernel {version})")
        if kernel_dir is None:
            lines.append(f"  UML modules:     not found under {UML_MODULES_ROOT}")
        else:
            have = os.path.isfile(os.path.join(kernel_dir, "net/sctp/sctp.ko"))
            lines.append(f"  UML modules:     {kernel_dir} (sctp.ko {'present' if have else 'MISSING'})")
    else:
        lines.append("  user-mode-linux: not installed (no linux.uml on PATH)")
    tools = ", ".join(f"{t}: {_which(t) or 'MISSING'}" for t in ("insmod", "ip"))
    lines.append(f"  guest tools:     {tools}")

    size = host_xsave_size()
    apply_fix, why = _fpfix_decision()
    size_text = f"{size} bytes" if size is not None else "unknown (no gcc, or not x86)"
    lines.append(f"  host XSAVE size: {size_text} (UML 6.1's struct _xstate: {UML_XSTATE_SIZE})")
    lines.append(
        f"  ptrace XSAVE workaround (LD_PRELOAD _fpfix.c): "
        f"{'applied' if apply_fix else 'not applied'} ({why})"
    )
    mem = _default_mem()
    try:
        backing = (" (backed by a file in the temporary folder: /dev/shm is too small)"
                   if "TMPDIR" not in os.environ and _shm_too_small(mem) else "")
    except SandboxError as exc:
        backing = f" PROBLEM: {exc}"
    lines.append(f"  guest memory:    {mem} (AIOSCTP_SANDBOX_MEM, --mem){backing}")
    try:
        lines.append(f"  temp folder:     {_temp_base()}")
    except SandboxError as exc:
        lines.append(f"  temp folder:     PROBLEM: {exc}")

    if guest:
        verdict = "=> inside the sandbox guest: commands run directly"
        if err is not None:
            verdict += " (but kernel SCTP is NOT working here!)"
    elif err is None:
        verdict = "=> this kernel has SCTP: commands run directly, no sandbox needed"
    elif not missing and kernel_dir is not None:
        verdict = (
            "=> commands run inside a user-mode-linux guest with kernel SCTP "
            "(hostfs root, same files, cwd and environment; boots in a few seconds)"
        )
    else:
        pkgs = missing or ["user-mode-linux"]
        verdict = (
            "=> cannot run: this kernel has no SCTP and the sandbox is incomplete; install "
            f"(Debian/Ubuntu): sudo apt-get install -y {' '.join(pkgs)}"
        )
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def _available() -> bool:
    """True when :func:`run` has a way to run commands with kernel SCTP."""
    if in_guest() or has_kernel_sctp():
        return True
    uml = _find_uml()
    return (
        uml is not None
        and _modules_dir(uml) is not None
        and all(_which(t) is not None for t, _ in APT_PACKAGES)
    )


# --------------------------------------------------------------------------
# Running


def _status_from_returncode(rc: int) -> int:
    """Shell convention: killed by signal N -> 128+N."""
    return 128 - rc if rc < 0 else rc


def _log(msg: str) -> None:
    sys.stderr.write(f"{_PROG}: {msg}\n")
    sys.stderr.flush()


def _run_direct(cmd: Sequence[str], timeout: Optional[float]) -> int:
    """Run the command here (kernel SCTP available); stdin is inherited."""
    try:
        proc = subprocess.Popen(list(cmd))
    except FileNotFoundError as exc:
        _log(f"{cmd[0]}: {exc.strerror}")
        return EXIT_NOT_FOUND
    except OSError as exc:
        _log(f"{cmd[0]}: {exc.strerror}")
        return EXIT_CANNOT_EXEC
    try:
        return _status_from_returncode(proc.wait(timeout=timeout))
    except subprocess.TimeoutExpired:
        _log(f"timeout after {timeout:g} s, killing {cmd[0]}")
        proc.kill()
        proc.wait()
        return EXIT_TIMEOUT
    finally:
        if proc.poll() is None:
            # Interrupted: the child got the terminal's SIGINT too; give it a moment.
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _Pump:
    """Copy bytes appended to a file (written by the guest via hostfs) to one of our fds."""

    def __init__(self, path: str, fd: int) -> None:
        self._file = open(path, "rb", buffering=0)
        self._fd = fd
        self._broken = False

    def pump(self) -> None:
        """Copy everything new."""
        while True:
            chunk = self._file.read(1 << 16)
            if not chunk:
                return
            self._write(chunk)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._broken:
            try:
                n = os.write(self._fd, view)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            except InterruptedError:
                continue
            except OSError:  # EPIPE, EBADF...: keep draining, stop writing
                self._broken = True
                return
            view = view[n:]

    def close(self) -> None:
        self._file.close()


_TROUBLE = re.compile(r"ptrace set fp regs failed|Kernel panic|Segfault|Oops|BUG:|failed, errno")


def _tail(path: str, lines: int = 40) -> str:
    """The interesting end of a log: from shortly before the first sign of trouble, else the end."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()
    for i, line in enumerate(text):
        if _TROUBLE.search(line):
            start = max(0, i - 5)
            return "\n".join(text[start:start + lines])
    return "\n".join(text[-lines:])


def _write_nul_list(path: str, items: Sequence[bytes]) -> None:
    with open(path, "wb") as f:
        for item in items:
            if b"\0" in item:
                raise SandboxError(f"NUL byte in {item!r}")
            f.write(item + b"\0")


def _read_nul_list(path: str) -> List[bytes]:
    with open(path, "rb") as f:
        data = f.read()
    return data.split(b"\0")[:-1] if data else []


def _init_script(tmp: str) -> str:
    """The guest's PID 1: mount the pseudo file systems, hand over to the guest runner, halt.

    The runner (this file, run by the same Python with ``--_guest-exec``) loads
    the modules, sets up ``lo``, runs the command and records its status: one
    process for all of it, as every exec is slow in UML.
    """
    q = shlex.quote
    return f"""#!/bin/bash
# PID 1 of an aiosctp sandbox guest (generated by aiosctp_sandbox/sandbox.py).
export PATH={_SBIN_PATH}
D={q(tmp)}
PY={q(sys.executable or "python3")}
RUNNER={q(os.path.abspath(__file__))}
exec </dev/null >>"$D/init.log" 2>&1

down() {{
    sync
    if command -v halt >/dev/null 2>&1; then halt -f; fi
    if command -v poweroff >/dev/null 2>&1; then poweroff -f; fi
    echo o >/proc/sysrq-trigger
    sleep 30
    exit 1
}}
fail() {{
    echo "{_PROG} (guest): $*"
    echo "{_PROG} (guest): $*" >>"$D/err"
    echo {EXIT_SANDBOX} >"$D/status.tmp" && mv -f "$D/status.tmp" "$D/status"
    down
}}

mount -t proc proc /proc || fail "mount /proc failed"
mount -t sysfs sysfs /sys || fail "mount /sys failed"
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev || true
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fail "mount /dev/shm failed"
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts || true

"$PY" -I -S "$RUNNER" --_guest-exec "$D"
rc=$?
[ -e "$D/status" ] || fail "the guest runner ($PY $RUNNER) ended with status $rc without reporting one"
down
"""


def _load_modules(kernel_dir: str, modules: Sequence[Tuple[str, bool]]) -> List[str]:
    """Inside the guest: load kernel modules in order; return the errors of required ones.

    Uses finit_module(2) directly (one process for all of them); falls back to
    ``insmod`` for a module that cannot be loaded that way.
    """
    errors: List[str] = []
    finit: Optional[Callable[[int], int]] = None
    if platform.machine() == "x86_64":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)

            def finit(fd: int) -> int:
                if libc.syscall(313, fd, b"", 0) == 0:  # SYS_finit_module
                    return 0
                return ctypes.get_errno()
        except (ImportError, OSError):
            finit = None
    for path, required in modules:
        full = os.path.join(kernel_dir, path)
        err = errno.ENOSYS
        if finit is not None:
            try:
                fd = os.open(full, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                err = exc.errno or errno.ENOENT
            else:
                try:
                    err = finit(fd)
                finally:
                    os.close(fd)
        if err in (0, errno.EEXIST):
            continue
        proc = subprocess.run(["insmod", full], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        name = os.path.basename(path)[: -len(".ko")].replace("-", "_")
        if proc.returncode == 0 or os.path.isdir(f"/sys/module/{name}"):
            continue
        if required:
            errors.append(f"cannot load {full}: {os.strerror(err)}; insmod: "
                          + proc.stdout.decode("utf-8", "replace").strip())
    return errors


def _has_ipv6_loopback() -> bool:
    try:
        with open("/proc/net/if_inet6", encoding="ascii") as f:
            return any(line.split()[0] == "0" * 31 + "1" and line.split()[-1] == "lo"
                       for line in f if line.strip())
    except OSError:
        return False


def _setup_network() -> List[str]:
    """Inside the guest: bring up lo with 127.0.0.1-4 and ::1 (one ``ip -batch``)."""
    lines = ["link set lo up"]
    lines += [f"addr add {a}/8 dev lo" for a in GUEST_IPV4 if a != "127.0.0.1"]
    for attempt in lines, ["addr add ::1/128 dev lo"]:  # ::1 is normally there once lo is up
        proc = subprocess.run(["ip", "-batch", "-"], input="\n".join(attempt).encode() + b"\n",
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0:
            return ["setting up lo failed: " + proc.stdout.decode("utf-8", "replace").strip()]
        if _has_ipv6_loopback():
            return []
    return ["::1 is missing on lo"]


def _guest_exec(tmp: str) -> int:
    """Inside the guest: set up, run the command described in ``tmp``, record its status there."""
    out_fd = os.open(os.path.join(tmp, "out"), os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    err_fd = os.open(os.path.join(tmp, "err"), os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)

    def complain(msg: str) -> None:
        os.write(err_fd, f"{_PROG} (guest): {msg}\n".encode("utf-8", "replace"))

    status = EXIT_SANDBOX
    try:
        argv = _read_nul_list(os.path.join(tmp, "argv"))
        env: Dict[bytes, bytes] = {}
        for item in _read_nul_list(os.path.join(tmp, "env")):
            key, sep, value = item.partition(b"=")
            if sep and key:
                env[key] = value
        with open(os.path.join(tmp, "cwd"), "rb") as cwd_file:
            cwd = cwd_file.read()
        modules: List[Tuple[str, bool]] = []
        with open(os.path.join(tmp, "modules"), encoding="utf-8") as modules_file:
            for line in modules_file:
                flag, _, path = line.rstrip("\n").partition(" ")
                modules.append((path, flag == "1"))
        kernel_dir = os.path.join(UML_MODULES_ROOT, os.uname().release, "kernel")
        problems = _load_modules(kernel_dir, modules) + _setup_network()
        if problems:
            for problem in problems:
                complain(problem)
        elif not os.path.isdir(cwd):
            complain(f"working folder {cwd!r} does not exist in the guest")
        else:
            try:
                proc = subprocess.Popen(
                    argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out_fd, stderr=err_fd
                )
            except FileNotFoundError as exc:
                complain(f"{argv[0]!r}: {exc.strerror}")
                status = EXIT_NOT_FOUND
            except OSError as exc:
                complain(f"{argv[0]!r}: {exc.strerror}")
                status = EXIT_CANNOT_EXEC
            else:
                status = _status_from_returncode(proc.wait())
    except Exception as exc:  # report anything unexpected rather than die silently
        complain(f"guest runner failed: {exc!r}")
        status = EXIT_SANDBOX
    tmp_status = os.path.join(tmp, "status.tmp")
    with open(tmp_status, "w", encoding="ascii") as status_file:
        status_file.write(f"{status}\n")
    os.replace(tmp_status, os.path.join(tmp, "status"))
    return 0


def _no_core() -> None:
    """Child set-up for linux.uml: no core dump of a 2 GB guest on panic."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass


def _kill_group(proc: "subprocess.Popen[bytes]") -> None:
    """Kill linux.uml and its helper processes (its own session/process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _exited_unreaped(pid: int) -> bool:
    """True once the process has ended, leaving it a zombie (its pid/pgid stays reserved)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None and info.si_pid == pid


def _boot(
    cmd: Sequence[str],
    *,
    uml: str,
    kernel_dir: str,
    modules: Sequence[str],
    mem: str,
    deadline: Optional[float],
    fpfix: bool,
    verbose: bool,
) -> Tuple[Optional[int], str, bool]:
    """Boot the guest once and run the command.

    Returns (status or None if the guest died without reporting one, the tail of
    its console log, whether the log shows the ptrace FP failure).
    Raises _DeadlinePassed when the deadline passes (the guest is then killed).
    """
    order, problems = _resolve_modules(kernel_dir, modules)
    if problems:
        raise SandboxError("; ".join(problems))
    preload = _compile_fpfix(probe=False) if fpfix else None

    _ensure_map_count(mem, verbose)
    tmp = tempfile.mkdtemp(prefix="aiosctp-sandbox-", dir=_temp_base())
    proc: Optional[subprocess.Popen[bytes]] = None
    pumps: List[_Pump] = []
    try:
        env_items = [k + b"=" + v for k, v in os.environb.items() if k != GUEST_ENV.encode()]
        env_items.append(GUEST_ENV.encode() + b"=1")
        _write_nul_list(os.path.join(tmp, "env"), env_items)
        _write_nul_list(os.path.join(tmp, "argv"), [os.fsencode(a) for a in cmd])
        with open(os.path.join(tmp, "cwd"), "wb") as f:
            f.write(os.fsencode(os.getcwd()))
        for name in ("out", "err", "init.log"):
            open(os.path.join(tmp, name), "wb").close()
        with open(os.path.join(tmp, "modules"), "w", encoding="utf-8") as f:
            f.writelines(f"{1 if required else 0} {path}\n" for path, required in order)
        init = os.path.join(tmp, "init")
        with open(init, "w", encoding="utf-8") as f:
            f.write(_init_script(tmp))
        os.chmod(init, 0o755)
        os.mkdir(os.path.join(tmp, "uml"))

        # linux.uml gets a small environment of its own: the command's LD_PRELOAD
        # and the like must not apply to the UML kernel process.
        uml_env = {k: v for k, v in os.environ.items()
                   if k in ("PATH", "HOME", "TMPDIR", "TMP", "TEMP", "LANG", "LC_ALL")
                   or k.startswith("AIOSCTP_FPFIX_")}
        if "TMPDIR" not in uml_env and _shm_too_small(mem):
            # UML backs the guest's memory with a file in $TMPDIR, else /dev/shm.
            uml_env["TMPDIR"] = tmp
            if verbose:
                _log(f"/dev/shm has less free space than mem={mem}: guest memory file in {tmp}")
        preloads = [preload] if preload else []
        preloads += os.environ.get("AIOSCTP_SANDBOX_UML_PRELOAD", "").split()
        if preloads:
            uml_env["LD_PRELOAD"] = " ".join(preloads)
        argv = [
            uml,
            f"mem={mem}",
            "rootfstype=hostfs",
            "rootflags=/",
            "rw",
            f"init={init}",
            "con=null",
            "con0=null,fd:1",
            "ssl=null",
            f"umid=aiosctp-{os.getpid()}-{secrets.token_hex(4)}",
            f"uml_dir={os.path.join(tmp, 'uml')}",
        ]
        if verbose:
            _log(f"booting {uml} (mem={mem}, temp {tmp})")
            _log("modules: " + " ".join(p + ("" if r else "?") for p, r in order))
            _log(f"ptrace workaround: {'LD_PRELOAD=' + preload if preload else 'not applied'}")
        sys.stdout.flush()
        sys.stderr.flush()
        pumps = [_Pump(os.path.join(tmp, "out"), 1), _Pump(os.path.join(tmp, "err"), 2)]
        log_path = os.path.join(tmp, "kernel.log")
        started = time.monotonic()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=uml_env,
                cwd=tmp,
                start_new_session=True,
                preexec_fn=_no_core,
            )
        status_path = os.path.join(tmp, "status")
        status_seen: Optional[float] = None
        while not _exited_unreaped(proc.pid):
            for p in pumps:
                p.pump()
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise _DeadlinePassed
            if status_seen is None and os.path.exists(status_path):
                status_seen = now
            elif status_seen is not None and now - status_seen > _HALT_GRACE:
                _log("the guest reported a status but did not halt; killing it")
                break
            time.sleep(_POLL_INTERVAL)
        _kill_group(proc)  # helpers left behind, if any
        proc.wait()
        proc = None
        for p in pumps:
            p.pump()
        if verbose:
            _log(f"guest ran for {time.monotonic() - started:.1f} s")
        try:
            with open(status_path, encoding="ascii") as f:
                return int(f.read().strip()), "", False
        except (OSError, ValueError):
            pass
        with open(log_path, "rb") as f:
            fp_failure = _FP_FAILURE.encode() in f.read()
        tail = _tail(log_path)
        init_tail = _tail(os.path.join(tmp, "init.log"), 15)
        if init_tail:
            tail += "\n--- guest init output ---\n" + init_tail
        return None, tail, fp_failure
    finally:
        if proc is not None:
            _kill_group(proc)
            proc.wait()
        for p in pumps:
            try:
                p.pump()
            except OSError:
                pass
            p.close()
        if os.environ.get("AIOSCTP_SANDBOX_KEEP") == "1":
            _log(f"kept the run's files in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(
    cmd: Sequence[str],
    *,
    mem: Optional[str] = None,
    timeout: Optional[float] = None,
    modules: Sequence[str] = (),
    force_uml: bool = False,
    verbose: bool = False,
) -> int:
    """Run ``cmd`` where kernel SCTP is available and return its exit status.

    Runs it directly when this kernel has SCTP or we are inside the guest;
    otherwise inside a user-mode-linux guest (see the module docstring).

    :param mem: guest memory such as ``"2G"`` (default: AIOSCTP_SANDBOX_MEM or 2G).
    :param timeout: seconds after which the command (and the guest) is killed;
        the result is then 124.
    :param modules: extra kernel modules to load in the guest.
    :param force_uml: boot the guest even where this kernel has SCTP.
    :param verbose: describe the boot on stderr.
    :raises SandboxError: the sandbox is unavailable, or the guest died
        without reporting a status.
    """
    cmd = list(cmd)
    if not cmd:
        raise SandboxError("no command given")
    deadline = time.monotonic() + timeout if timeout is not None else None
    if in_guest():
        if force_uml:
            raise SandboxError("already inside the sandbox guest; UML cannot be nested here")
        return _run_direct(cmd, timeout)
    if not force_uml and has_kernel_sctp():
        return _run_direct(cmd, timeout)

    mem = mem or _default_mem()
    _mem_bytes(mem)  # validates
    uml = _find_uml()
    missing = [pkg for tool, pkg in APT_PACKAGES if _which(tool) is None]
    if uml is None or missing:
        raise SandboxError(
            "this kernel has no SCTP and the user-mode-linux sandbox is incomplete; install "
            f"(Debian/Ubuntu): sudo apt-get install -y {' '.join(missing or ['user-mode-linux'])}"
        )
    kernel_dir = _modules_dir(uml)
    if kernel_dir is None:
        raise SandboxError(f"no kernel modules for {uml} under {UML_MODULES_ROOT}")
    extra = list(modules) + _split_modules(os.environ.get("AIOSCTP_SANDBOX_EXTRA_MODULES", ""))

    fpfix, why = _fpfix_decision()
    if verbose:
        _log(f"ptrace XSAVE workaround {'on' if fpfix else 'off'}: {why}")
    try:
        status, tail, fp_failure = _boot(cmd, uml=uml, kernel_dir=kernel_dir, modules=extra,
                                         mem=mem, deadline=deadline, fpfix=fpfix, verbose=verbose)
        if status is None and fp_failure and not fpfix and _fpfix_policy() == "auto":
            _log(f'the guest died with "{_FP_FAILURE}" (host XSAVE area larger than UML\'s '
                 "buffer); retrying once with the ptrace workaround (_fpfix.c LD_PRELOAD)")
            status, tail, fp_failure = _boot(cmd, uml=uml, kernel_dir=kernel_dir, modules=extra,
                                             mem=mem, deadline=deadline, fpfix=True,
                                             verbose=verbose)
    except _DeadlinePassed:
        _log(f"timeout after {timeout:g} s: the guest was killed")
        return EXIT_TIMEOUT
    if status is None:
        hint = ""
        if fp_failure and _fpfix_policy() == "0":
            hint = "\n(hint: unset AIOSCTP_UML_FPFIX=0 to let the ptrace workaround apply)"
        raise SandboxError(
            "the guest died without reporting the command's status; "
            f"last lines of its console:\n{tail}{hint}"
        )
    return status


# --------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=(
            "Run a command where Linux kernel SCTP is available: directly if this kernel "
            "has it, else inside a user-mode-linux guest sharing this file system."
        ),
        epilog="Exit status: the command's; 124 timeout, 125 sandbox failure.",
    )
    parser.add_argument("--check", action="store_true",
                        help="explain which way commands would run here, and why")
    parser.add_argument("--mem", help=f"guest memory (default {DEFAULT_MEM}, env AIOSCTP_SANDBOX_MEM)")
    parser.add_argument("--timeout", type=float,
                        help="kill the command (and the guest) after this many seconds, boot included")
    parser.add_argument("--modules", action="append", default=[], metavar="LIST",
                        help="extra kernel modules to load in the guest, comma separated "
                             "(e.g. net/netfilter/xt_sctp.ko or xt_sctp)")
    parser.add_argument("--uml", action="store_true",
                        help="use the guest even where this kernel has SCTP")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="describe the boot on stderr (env AIOSCTP_SANDBOX_VERBOSE=1)")
    parser.add_argument("command", nargs="*", help="the command (after --) and its arguments")
    return parser


def _on_signal(signum: int, frame: Optional[FrameType]) -> None:
    """SIGTERM/SIGHUP/SIGINT while main() runs: unwind (killing the guest), once."""
    for sig in _HANDLED_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)  # let the clean-up finish undisturbed
    raise _Terminated(signum)


_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``aiosctp-sandbox``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "--_guest-exec":
        return _guest_exec(args[1])
    if "--" in args:
        i = args.index("--")
        opts, cmd = args[:i], args[i + 1:]
    else:
        opts, cmd = args, []
    parser = _parser()
    ns = parser.parse_args(opts)
    cmd = list(ns.command) + cmd
    if ns.check:
        sys.stdout.write(check())
        return 0 if _available() else 1
    if not cmd:
        parser.error("no command given (usage: aiosctp-sandbox [options] -- CMD ARGS...)")
    verbose = bool(ns.verbose) or os.environ.get("AIOSCTP_SANDBOX_VERBOSE") == "1"
    modules = [m for spec in ns.modules for m in _split_modules(spec)]

    previous = {}
    for sig in _HANDLED_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread
            pass
    try:
        return run(cmd, mem=ns.mem, timeout=ns.timeout, modules=modules,
                   force_uml=bool(ns.uml), verbose=verbose)
    except SandboxError as exc:
        _log(str(exc))
        return EXIT_SANDBOX
    except KeyboardInterrupt:
        _log("interrupted")
        return 128 + signal.SIGINT
    except _Terminated as exc:
        _log(f"stopped by {signal.Signals(exc.signum).name}")
        return 128 + exc.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
