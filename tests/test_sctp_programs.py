"""Real programs written for PySCTP, unchanged, on PySCTP 0.7.3 and on this
project's ``sctp``/``_sctp`` with its defaults; each test compares what they
did, and what went on the wire (dumpcap on lo, tshark's PPID field).

The programs are fetched from PyPI on the host (``make pysctp-ref``:
scripts/pysctp-ref-programs.sh, into .venv-pysctp/programs); nothing of
them is in the repository:

* PySCTP 0.7.3's own test_loopback.py and test_local_cnx.py, run from the
  unpacked sdist with its own sctp.py beside them (a vendored sctp.py, on our
  ``_sctp``), and once beside nothing (our ``sctp`` package);
* pycrate's CorenetServer (pycrate_corenet, S1AP over ``import sctp``:
  ``ntohl()`` on receive, ``htonl()`` on send) registering an eNB that sends
  an S1SetupRequest (tests/pysctp/pycrate_s1ap.py);
* python-diameter's Node reaching CER/CEA over SCTP with a second Node
  (tests/pysctp/diameter_node.py);
* tests/pysctp/ppid_conventions.py, one small program per PPID convention;
* examples/pysctp_diameter_peer.py, this project's example written for PySCTP.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "pysctp"))
import sctp_helpers as H  # noqa: E402

EXAMPLE = H.REPO / "examples" / "pysctp_diameter_peer.py"
HTONL_46 = socket.htonl(46)


@pytest.fixture(scope="module")
def ref_python() -> str:
    return H.python_for_ref()


@pytest.fixture(scope="module")
def programs() -> Path:
    return H.programs_dir()


def _ref_env() -> Dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PYTHON") and not k.startswith("AIOSCTP_SCTP_")}


def run(which: str, argv: List[Any], *, cwd: str, ref_python: str = "", timeout: float = 120,
        **env: str) -> subprocess.CompletedProcess:
    """``argv`` (a script and its arguments) with PySCTP 0.7.3 ("ref": the
    reference interpreter, isolated from the checkout) or with ours."""
    if which == "ref":
        cmd, environ = [ref_python], _ref_env()
    else:
        cmd, environ = [sys.executable], H.shim_env(**env)
    return subprocess.run(cmd + [str(a) for a in argv], capture_output=True, text=True,
                          cwd=cwd, env=environ, timeout=timeout)


def captured(tmp: Path, name: str, body: Callable[[], Any]) -> Tuple[Any, List[Tuple[int, int]]]:
    """body() under a capture on lo; its result and the (PPID, stream) of
    every DATA chunk as tshark decodes them."""
    cap = H.Capture(str(tmp / ("%s.pcap" % name)))
    try:
        result = body()
    finally:
        cap.stop()
    return result, cap.tshark_ppids()


def free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def json_of(proc: subprocess.CompletedProcess) -> Any:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


# ---- _sctp alone ------------------------------------------------------------------------


def test_import__sctp_does_not_import_the_sctp_package(tmp_path):
    proc = run("ours", ["-c", "import sys, _sctp; print('sctp' in sys.modules, "
                        "_sctp.getconstant('IPPROTO_SCTP'), _sctp.getconstant('SCTP_COMM_UP'))"],
               cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "132", "0"]


def test_compat_switch_environment_variable(tmp_path):
    code = ("import _sctp, sctp; print(_sctp.compat_mode, _sctp.getconstant('SCTP_PEER_FAULTY'), "
            "sctp.paddr_change.error_PEER_FAULTY)")
    for value, want in [(None, "pysctp-0.7.3 128 128"), ("", "pysctp-0.7.3 128 128"),
                        ("pysctp-0.7.3", "pysctp-0.7.3 128 128"), ("linux", "linux 6 6")]:
        env = {} if value is None else {"AIOSCTP_SCTP_COMPAT": value}
        proc = run("ours", ["-c", code], cwd=str(tmp_path), **env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == want.split()
    bad = run("ours", ["-c", "import _sctp"], cwd=str(tmp_path), AIOSCTP_SCTP_COMPAT="kernel")
    assert bad.returncode != 0 and "ValueError: compat_mode must be one of" in bad.stderr


def test_vendored_pysctp_sctp_py_runs_on_our__sctp(tmp_path, programs):
    sdist = programs / "pysctp-0.7.3"
    shutil.copy(sdist / "sctp.py", tmp_path / "sctp.py")
    proc = run("ours", ["-c", "import sctp, _sctp; print(sctp.__file__); print(_sctp.__name__); "
                        "print(sctp.sctpsocket_tcp(sctp.socket.AF_INET).sock().family)"],
               cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(tmp_path / "sctp.py")
    assert lines[1] == "sctp._compat_sctp"  # this project's _sctp
    assert int(lines[2]) == socket.AF_INET


# ---- PySCTP 0.7.3's own tests, from its sdist -------------------------------------------


def _loopback(which: str, script_dir: Path, ref_python: str, tmp: Path, name: str):
    H.wait_ports_free([10001, 10002])
    return captured(tmp, name, lambda: run(which, [script_dir / "test_loopback.py"],
                                           cwd=str(tmp), ref_python=ref_python))


def test_pysctp_test_loopback_from_the_sdist(tmp_path, programs, ref_python):
    sdist = programs / "pysctp-0.7.3"
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(sdist / "test_loopback.py", alone / "test_loopback.py")
    ref, ref_wire = _loopback("ref", alone, ref_python, tmp_path, "ref")
    # its own sctp.py beside it, on our _sctp; then beside nothing: our sctp package
    vendored, vendored_wire = _loopback("ours", sdist, ref_python, tmp_path, "vendored")
    ours, ours_wire = _loopback("ours", alone, ref_python, tmp_path, "ours")
    for proc in (ref, vendored, ours):
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "server sctp_recv, flag 128" in ref.stdout
    assert vendored.stdout == ref.stdout and ours.stdout == ref.stdout
    assert ref_wire == vendored_wire == ours_wire == [(0, 0)]


class LocalCnxPeer:
    """What test_local_cnx.py expects on 127.0.0.1:10000 (its docstring says
    lksctp's sctp_test): a peer that takes the message, answers with PPID 7
    on stream 0, and aborts the association (the program reads forever)."""

    def __init__(self) -> None:
        self.sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        self.sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sk.bind(("127.0.0.1", 10000))
        self.sk.listen(1)
        self.sk.settimeout(60)
        self.got: List[bytes] = []
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    def _serve(self) -> None:
        import struct

        conn, _ = self.sk.accept()
        with conn:
            conn.settimeout(60)
            self.got.append(conn.recv(4096))
            info = struct.pack("=HHH2x", 0, 0, 0) + struct.pack(">I", 7) + bytes(20)
            conn.sendmsg([b"PONG"], [(socket.IPPROTO_SCTP, 1, info)])  # SCTP_SNDRCV
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        self.thread.join(60)
        self.sk.close()


def test_pysctp_test_local_cnx_from_the_sdist(tmp_path, programs, ref_python):
    sdist = programs / "pysctp-0.7.3"
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(sdist / "test_local_cnx.py", alone / "test_local_cnx.py")
    results = {}
    for name, which, where in (("ref", "ref", alone), ("vendored", "ours", sdist),
                               ("ours", "ours", alone)):
        H.wait_ports_free([10000])

        def body() -> Tuple[subprocess.CompletedProcess, List[bytes]]:
            peer = LocalCnxPeer()
            try:
                proc = run(which, [where / "test_local_cnx.py"], cwd=str(tmp_path),
                           ref_python=ref_python)
            finally:
                peer.close()
            return proc, peer.got

        (proc, got), wire = captured(tmp_path, name, body)
        # the peer's ABORT ends the program's endless read loop
        assert proc.stderr.strip().splitlines()[-1].startswith("ConnectionResetError"), proc.stderr
        results[name] = (proc.stdout, got, wire)
    ref_out, ref_got, ref_wire = results["ref"]
    assert ref_got == [b"ABCDEF: TEST SUCCEEDED (test_local_cnx.py (C) 2009 Philippe Langlois)\n\\l"]
    assert " Msg arrived, flag 128" in ref_out and "b'PONG'" in ref_out
    assert ref_wire == [(0, 0), (7, 0)]
    assert results["vendored"] == results["ref"] and results["ours"] == results["ref"]


# ---- pycrate's core network server ------------------------------------------------------


def test_pycrate_corenet_registers_an_enb(tmp_path, programs, ref_python):
    script = H.PYSCTP_DIR / "pycrate_s1ap.py"
    results = {}
    for which in ("ref", "ours"):
        port = free_port()
        argv = [script, programs / "pycrate", tmp_path / ("stub-" + which), port]
        proc, wire = captured(tmp_path, which, lambda: run(
            which, argv, cwd=str(tmp_path), ref_python=ref_python, timeout=300))
        out = json_of(proc)
        # PySCTP 0.7.3's sctp.py in its venv, or the sctp package under test
        expected = (str(H.PKG_ROOT / "sctp" / "__init__.py") if which == "ours"
                    else str(Path(ref_python).parents[1]))
        assert out["library"].startswith(expected), (which, out["library"])
        results[which] = (out, wire)
    ref, ref_wire = results["ref"]
    ours, ours_wire = results["ours"]
    # the eNB is registered and connected, and got an S1SetupResponse ...
    assert ref["registered"] == [[["00101", "1a2b3"], True]], ref
    assert ref["answer"] == ["successfulOutcome", 17, "S1SetupResponse"], ref
    # ... with the PPID pycrate sends through 0.7.3: htonl(18) converted again
    assert ref["answer_ppid_wire"] == socket.htonl(18)
    assert ref_wire == [(18, 0), (socket.htonl(18), 0)]
    del ref["library"], ours["library"]
    assert ours == ref and ours_wire == ref_wire


# ---- python-diameter --------------------------------------------------------------------


def test_python_diameter_node_cer_cea(tmp_path, programs, ref_python):
    script = H.PYSCTP_DIR / "diameter_node.py"
    results = {}
    for which in ("ref", "ours"):
        port = free_port()
        proc, wire = captured(tmp_path, which, lambda: run(
            which, [script, programs / "python-diameter", port], cwd=str(tmp_path),
            ref_python=ref_python, timeout=120))
        out = json_of(proc)
        del out["library"]
        results[which] = (out, wire)
    ref, ref_wire = results["ref"]
    assert ref == {"client_ready": True, "server_ready": True,
                   "server_identity_seen_by_client": "server.example.org",
                   "client_identity_seen_by_server": "client.example.org"}, ref
    assert results["ours"][0] == ref
    # CER, CEA (and whatever the stop sends): python-diameter sets no PPID
    for _out, wire in results.values():
        assert len(wire) >= 2 and {ppid for ppid, _sid in wire} == {0}, wire


# ---- one small program per PPID convention ----------------------------------------------


# what each program sees on PySCTP 0.7.3, and the PPIDs of request and answer on the wire
@pytest.mark.parametrize("convention, expected, on_wire", [
    ("pysctp-0.7.3", {"server_saw": ["request", 46], "client_saw": ["answer", 46]}, [46, 46]),
    ("echo", {"server_saw": ["request", 46], "client_saw": ["answer", HTONL_46]},
     [46, HTONL_46]),
    ("htonl-ntohl", {"server_saw": ["request", HTONL_46], "client_saw": ["unknown ppid", HTONL_46]},
     [HTONL_46, HTONL_46]),
    ("raw", {"server_saw": ["request", HTONL_46], "client_saw": ["unknown ppid", HTONL_46]},
     [46, 46]),
    ("none", {"server_saw": ["request", None], "client_saw": ["answer", None]}, [0, 0]),
])
def test_ppid_convention_programs(tmp_path, ref_python, convention, expected, on_wire):
    script = H.PYSCTP_DIR / "ppid_conventions.py"
    results = {}
    for which in ("ref", "ours"):
        port = free_port()
        proc, wire = captured(tmp_path, which, lambda: run(
            which, [script, convention, port], cwd=str(tmp_path), ref_python=ref_python))
        results[which] = (json_of(proc), wire)
    ref, ref_wire = results["ref"]
    assert ref == dict(expected, convention=convention)
    assert ref_wire == [(ppid, 0) for ppid in on_wire]
    assert results["ours"] == results["ref"]


def test_ppid_convention_switches(tmp_path):
    """Each convention 0.7.3 served badly is served by a documented setting:
    htonl()/ntohl() programs by "network" (PPID 46 on the wire and 46 seen),
    programs comparing the raw value by "host"."""
    script = H.PYSCTP_DIR / "ppid_conventions.py"
    for convention, order in (("htonl-ntohl", "network"), ("raw", "host")):
        proc, wire = captured(tmp_path, convention, lambda: run(
            "ours", [script, convention, free_port()], cwd=str(tmp_path),
            AIOSCTP_SCTP_PPID_ORDER=order))
        assert json_of(proc) == {"convention": convention, "server_saw": ["request", 46],
                                 "client_saw": ["answer", 46]}
        assert wire == [(46, 0), (46, 0)]


# ---- this project's example written for PySCTP ------------------------------------------


def _run_example(argv: List[Any], **env: str) -> subprocess.CompletedProcess:
    return run("ours", [EXAMPLE] + argv, cwd=str(H.REPO), **env)


def test_diameter_peer_demo():
    proc = _run_example([])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.splitlines()[-1] == "diameter: OK, CER/CEA DWR/DWA DPR/DPA exchanged"
    for name in ("CER", "CEA", "DWR", "DWA", "DPR", "DPA"):
        assert out.count("-> %s " % name) == 1 and out.count("<- %s " % name) == 1
    # every message was received with the PPID it was sent with, as 0.7.3 reports it
    assert out.count("ppid=%d)" % HTONL_46) == 6 and "stream 0" in out


def test_diameter_peer_server_and_client_processes():
    port = free_port()
    server = subprocess.Popen([sys.executable, str(EXAMPLE), "server", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=str(H.REPO), env=H.shim_env())
    try:
        H.wait_listening(port)
        client = _run_example(["client", "127.0.0.1", port])
        sout, serr = server.communicate(timeout=60)
    finally:
        server.kill()
    assert client.returncode == 0, client.stdout + client.stderr
    assert server.returncode == 0, sout + serr
    assert "client <- DPA from server.example.org (stream 0, ppid=%d)" % HTONL_46 in client.stdout
    assert "server <- CER from client.example.org (stream 0, ppid=%d)" % HTONL_46 in sout


def test_diameter_peer_with_host_ppid_order():
    proc = _run_example([], AIOSCTP_SCTP_PPID_ORDER="host")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ppid=46)") == 6
