"""Programs written for PySCTP, run unchanged against the ``sctp`` package:
PySCTP 0.7.3's own test_loopback.py (byte for byte from its sdist; pytest
also collects it in-process from tests/pysctp/) run as the script it is,
and examples/pysctp_diameter_peer.py, a Diameter peer using sctpsocket_tcp
and sctp_send(ppid=46), in its three modes.

tests/test_sctp_differential.py runs both against PySCTP 0.7.3 too.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "pysctp"))
import sctp_helpers as H  # noqa: E402

EXAMPLE = H.REPO / "examples" / "pysctp_diameter_peer.py"
LOOPBACK = H.PYSCTP_DIR / "test_loopback.py"
# sha256 of test_loopback.py in the pysctp-0.7.3 sdist
LOOPBACK_SHA256 = "ffa1d0dc4c75d47529fe7c38b25d63e658102f65682999c024999a88cbde23cd"


def _run(argv, **env):
    return subprocess.run([sys.executable] + [str(a) for a in argv], capture_output=True,
                          text=True, cwd=str(H.REPO), env=H.shim_env(**env), timeout=120)


def test_pysctp_test_loopback_is_unchanged():
    assert hashlib.sha256(LOOPBACK.read_bytes()).hexdigest() == LOOPBACK_SHA256


def test_pysctp_test_loopback_runs_as_a_script():
    H.wait_ports_free([10001, 10002])
    proc = _run([LOOPBACK])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    buf = repr(b"ABCDEF: TEST SUCCEEDED (test_local_cnx.py (C) 2009 Philippe Langlois)\n\\l")
    assert lines == ["client sctp_send: %s" % buf, "", "server sctp_recv, flag 128",
                     "server sctp_recv, buf: %s" % buf, ""]


def test_diameter_peer_demo():
    proc = _run([EXAMPLE])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.splitlines()[-1] == "diameter: OK, CER/CEA DWR/DWA DPR/DPA exchanged"
    for name in ("CER", "CEA", "DWR", "DWA", "DPR", "DPA"):
        assert out.count("-> %s " % name) == 1 and out.count("<- %s " % name) == 1
    # every message was received with the PPID it was sent with
    assert out.count("ppid=46)") == 6 and "stream 0" in out


def test_diameter_peer_server_and_client_processes():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen([sys.executable, str(EXAMPLE), "server", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=str(H.REPO), env=H.shim_env())
    try:
        H.wait_listening(port)
        client = _run([EXAMPLE, "client", "127.0.0.1", port])
        sout, serr = server.communicate(timeout=60)
    finally:
        server.kill()
    assert client.returncode == 0, client.stdout + client.stderr
    assert server.returncode == 0, sout + serr
    assert "client <- DPA from server.example.org (stream 0, ppid=46)" in client.stdout
    assert "server <- CER from client.example.org (stream 0, ppid=46)" in sout


def test_diameter_peer_with_pysctp_073_ppid_order():
    proc = _run([EXAMPLE], AIOSCTP_SCTP_PPID_ORDER="pysctp-0.7.3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ppid=%d)" % socket.htonl(46)) == 6
