"""The sandbox as seen from inside: the main suite runs where kernel SCTP works.

``make test`` runs this suite inside one user-mode-linux boot (the host kernel
has no SCTP), so here we check what the guest promises: kernel SCTP, the extra
loopback addresses, ::1, the fault/topology modules, stdin from /dev/null.  On
a host whose own kernel has SCTP the runner does not boot a guest; the
guest-only promises are then not checked, but SCTP itself still is.  The runner
is tested from the host side (booting guests) in tests/host/.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import uuid
from typing import Set

import pytest

from sandbox_tool import load_sandbox


sandbox = load_sandbox("aiosctp_sandbox_in_guest")

IPPROTO_SCTP = 132
GUEST = sandbox.in_guest()


def _lo_addresses() -> Set[str]:
    out = subprocess.run(["ip", "-o", "addr", "show", "dev", "lo"],
                         capture_output=True, text=True, check=True).stdout
    addrs = set()
    for line in out.splitlines():
        fields = line.split()
        for i, field in enumerate(fields[:-1]):
            if field in ("inet", "inet6"):
                addrs.add(fields[i + 1].split("/")[0])
    return addrs


def test_kernel_sctp_is_available() -> None:
    assert sandbox.has_kernel_sctp()
    assert os.path.isdir("/proc/net/sctp")


@pytest.mark.parametrize("server_addr", ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
def test_sctp_one_to_one_on_extra_loopback_addresses(server_addr: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP) as srv:
        srv.bind((server_addr, 0))
        srv.listen(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP) as cli:
            cli.bind(("127.0.0.1", 0))
            cli.connect(srv.getsockname())
            conn, peer = srv.accept()
            with conn:
                assert peer[0] == "127.0.0.1"
                cli.sendall(b"hello " + server_addr.encode())
                assert conn.recv(100) == b"hello " + server_addr.encode()
                with open("/proc/net/sctp/assocs") as f:
                    assocs = f.read()
                assert str(srv.getsockname()[1]) in assocs


def test_sctp_one_to_many_on_ipv6_loopback() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_SEQPACKET, IPPROTO_SCTP) as a, \
            socket.socket(socket.AF_INET6, socket.SOCK_SEQPACKET, IPPROTO_SCTP) as b:
        a.bind(("::1", 0))
        a.listen(5)
        b.bind(("::1", 0))
        b.sendto(b"over ::1", a.getsockname()[:2])
        data, addr = a.recvfrom(100)
        assert data == b"over ::1"
        assert addr[0] == "::1" and addr[1] == b.getsockname()[1]


def test_loopback_addresses() -> None:
    addrs = _lo_addresses()
    if GUEST:
        assert set(sandbox.GUEST_IPV4) | {"::1"} <= addrs, addrs
    else:
        assert "127.0.0.1" in addrs, addrs


def test_guest_environment() -> None:
    assert sandbox.in_guest() == (os.environ.get("AIOSCTP_SANDBOX_GUEST") == "1")
    text = sandbox.check()
    if GUEST:
        assert "inside the sandbox guest: commands run directly" in text
        assert "NOT working" not in text
        # the guest runs a UML kernel: its "CPU" says so
        with open("/proc/cpuinfo") as f:
            assert "User Mode Linux" in f.read()
        # stdin comes from /dev/null
        st = os.fstat(0)
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.stat("/dev/null").st_rdev
        # UML cannot be nested
        with pytest.raises(sandbox.SandboxError):
            sandbox.run(["true"], force_uml=True)
    else:
        assert "this kernel has SCTP: commands run directly" in text


def test_fault_and_topology_modules() -> None:
    if not GUEST:
        assert sandbox.has_kernel_sctp()
        return
    for mod in ("sctp", "sctp_diag", "sch_netem", "veth", "dummy"):
        assert os.path.isdir(f"/sys/module/{mod}"), mod
    name = "asd" + uuid.uuid4().hex[:8]
    subprocess.run(["ip", "link", "add", name, "type", "dummy"], check=True)
    try:
        subprocess.run(["tc", "qdisc", "add", "dev", name, "root", "netem", "loss", "1%",
                        "delay", "1ms"], check=True)
        qdisc = subprocess.run(["tc", "qdisc", "show", "dev", name],
                               capture_output=True, text=True, check=True).stdout
        assert "netem" in qdisc
    finally:
        subprocess.run(["ip", "link", "del", name], check=True)
    subprocess.run(["ip", "link", "add", name + "a", "type", "veth", "peer", "name", name + "b"],
                   check=True)
    subprocess.run(["ip", "link", "del", name + "a"], check=True)


def test_run_here_is_direct() -> None:
    """Where SCTP exists (the guest included) run() and main() just run the command."""
    code = "import os, sys; sys.exit(40 + (os.environ.get('AIOSCTP_SANDBOX_GUEST') == '1'))"
    expected = 41 if GUEST else 40
    assert sandbox.run([sys.executable, "-c", code]) == expected
    assert sandbox.main(["--", sys.executable, "-c", code]) == expected
    assert sandbox.main(["--", "sh", "-c", "kill -TERM $$"]) == 128 + 15
    assert sandbox.main(["--timeout", "0.5", "--", "sleep", "30"]) == 124
    assert sandbox.main(["--", "/nonexistent/aiosctp-no-such-command"]) == 127
