"""Helpers of the tests of the PySCTP-compatible ``sctp`` package
(tests/test_sctp_*.py import this file by path; it is not a test module).

Only the standard library and the ``sctp`` package under test are used, so
the same helpers serve scripts that also run against PySCTP 0.7.3.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, List, Optional, Sequence, Tuple

import sctp

REPO = Path(__file__).resolve().parents[2]
#: Where this project's sctp/_sctp/aiosctp are imported from: the checkout
#: (editable install), or the venv's site-packages when `make test` runs the
#: suite from the unpacked sdist against the installed wheel (the sdist's
#: aiosctp/ has no compiled core).
PKG_ROOT = Path(sctp.__file__).resolve().parents[1]
PYSCTP_DIR = Path(__file__).resolve().parent
WAIT = 10.0


def import_compat_sctp() -> ModuleType:
    """``import _sctp`` as PySCTP programs do: the installed module or, when
    it is not installed, the one served from the checkout's root."""
    try:
        import _sctp
    except ImportError:
        sys.path.insert(0, str(REPO))
        import _sctp
    return _sctp


def nfds() -> int:
    """Open descriptors of this process."""
    return len(os.listdir("/proc/self/fd"))


def listener(style: str = "tcp", family: int = socket.AF_INET, host: str = "127.0.0.1",
             setup: Optional[Callable[[Any], None]] = None) -> Any:
    cls = sctp.sctpsocket_udp if style == "udp" else sctp.sctpsocket_tcp
    s = cls(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if setup:
        setup(s)
    s.bind((host, 0))
    s.listen(8)
    return s


def bound_with_bindx(cls: Any, *more_hosts: str) -> Tuple[Any, Any]:
    """A ``cls(AF_INET)`` socket bound with bindx() to 127.0.0.1 on an
    ephemeral port (bindx's default action), then, when ``more_hosts`` are
    given, to each of them on that port (one bindx, BINDX_ADD): (socket, port)."""
    s = cls(socket.AF_INET)
    s.bindx([("127.0.0.1", 0)])
    port = s.getsockname()[1]
    if more_hosts:
        s.bindx([(host, port) for host in more_hosts], sctp.BINDX_ADD)
    return s, port


def subscribed(s: Any, *events: str) -> Any:
    """``s`` with every notification off (clear(): data_io stays on) but the
    event_subscribe properties named in ``events``; returns ``s``."""
    s.events.clear()
    for name in events:
        setattr(s.events, name, 1)
    return s


def pair(*, data_io: bool = True, events: Sequence[str] = (), family: int = socket.AF_INET,
         host: str = "127.0.0.1", setup: Optional[Callable[[Any, Any], None]] = None,
         timeout: Optional[float] = WAIT) -> Tuple[Any, Any]:
    """A connected one-to-one (client, server side) pair of sctpsocket_tcp.
    ``events`` names the event_subscribe properties to turn on (on both);
    the COMM_UP notifications are left unread."""
    srv = sctp.sctpsocket_tcp(family)
    srv.bind((host, 0))
    srv.listen(4)
    cli = sctp.sctpsocket_tcp(family)
    for s in (srv, cli):
        s.events.clear()
        s.events.data_io = data_io
        for name in events:
            setattr(s.events, name, True)
    if setup:
        setup(srv, cli)
    cli.connect((host, srv.getsockname()[1]))
    conn, _ = srv.accept()
    srv.close()
    for s in (cli, conn):
        s.settimeout(timeout)
    return cli, conn


def recv_until(sk: Any, cls: type, limit: int = 50, maxlen: int = 65536) -> Tuple[Any, ...]:
    """sctp_recv() until ``notif`` is a ``cls`` (a notification class, or
    sctp.sndrcvinfo for data); returns that 4-tuple."""
    seen: List[str] = []
    for _ in range(limit):
        item = sk.sctp_recv(maxlen)
        if type(item[3]) is cls:
            return item
        seen.append(type(item[3]).__name__)
        if item[2] == b"" and not item[1]:
            break
    raise AssertionError("no %s among %s" % (cls.__name__, seen))


def drain(sk: Any, wait: float = 2.0) -> List[Tuple[Any, ...]]:
    """Everything sk delivers until it is quiet for ``wait`` seconds, at end
    of file, or until it reports an error (ECONNRESET after an ABORT)."""
    out = []
    while True:
        r, _, _ = select.select([sk.fileno()], [], [], wait)
        if not r:
            return out
        try:
            item = sk.sctp_recv(65536)
        except OSError:  # e.g. ECONNRESET once an aborted association is drained
            return out
        out.append(item)
        if item[2] == b"" and not item[1]:
            return out


# ---- raw SCTP packets (for an OPERATION ERROR from the peer) ----------------------

def _crc32c_table() -> List[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def provoke_remote_error(cli: Any, conn: Any, payload: bytes = b"\xde\xad\xbe\xef") -> None:
    """Make ``conn``'s kernel send an OPERATION ERROR to ``cli``: inject, as
    if from ``cli``, a packet with a chunk of an unknown type whose upper
    bits say "skip and report" (RFC 9260 3.2). ``cli`` then gets a
    remote_error with cause 6 (Unrecognized Chunk Type) whose data holds
    the injected chunk (type 0x4F, ``payload``). Needs a raw socket
    (root); both must be IPv4 on loopback and have exchanged data, which
    the sniffer reads the verification tag from."""
    cport = cli.getsockname()[1]
    sport = conn.getsockname()[1]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, sctp.IPPROTO_SCTP)
    try:
        raw.settimeout(WAIT)
        cli.sctp_send(b"vtag-probe")
        vtag = None
        while vtag is None:
            pkt = raw.recv(65535)
            ihl = (pkt[0] & 15) * 4
            sp, dp, vt = struct.unpack_from(">HHI", pkt, ihl)
            if (sp, dp) == (cport, sport):
                vtag = vt
        recv_until(conn, sctp.sndrcvinfo)  # the probe message
        chunk = struct.pack(">BBH", 0x4F, 0, 4 + len(payload)) + payload
        chunk += b"\0" * (-len(chunk) % 4)
        common = struct.pack(">HHI", cport, sport, vtag)
        csum = crc32c(common + b"\0\0\0\0" + chunk)
        raw.sendto(common + struct.pack("<I", csum) + chunk, ("127.0.0.1", 0))
    finally:
        raw.close()


# ---- network namespaces with a black hole ----------------------------------------------

BLACKHOLE = "10.9.9.2"  # routed out of a dummy interface: nothing ever answers


def netns_command(argv: Sequence[str]) -> List[str]:
    """``argv`` run in a new network namespace where BLACKHOLE is routed to
    a dummy interface (root: plain unshare; otherwise in a user namespace)."""
    setup = ("ip link set lo up && ip link add bh0 type dummy && "
             "ip addr add 10.9.9.1/24 dev bh0 && ip link set bh0 up && exec \"$@\"")
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]
    return unshare + ["sh", "-c", setup, "sh"] + list(argv)


def run_json(argv: Sequence[str], *, env: Optional[dict] = None, cwd: Optional[str] = None,
             timeout: float = 300) -> Any:
    """Run a command that prints one JSON document; return it decoded."""
    import json

    proc = subprocess.run(list(argv), capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)
    assert proc.returncode == 0, "%s failed (%s):\n%s\n%s" % (
        argv, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return json.loads(proc.stdout)


def shim_env(**extra: str) -> dict:
    """The environment for a subprocess that must import this project's
    ``sctp`` and ``_sctp`` (those this suite tests: PKG_ROOT)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PKG_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.pop(sctp.PPID_ORDER_ENV, None)
    env.pop(sctp.COMPAT_ENV, None)
    env.update(extra)
    return env


def wait_ports_free(ports: Sequence[int], limit: float = 30.0) -> None:
    """Wait until no SCTP endpoint or association uses one of ``ports``
    (PySCTP's test_loopback.py binds fixed ports without SO_REUSEADDR)."""
    deadline = time.monotonic() + limit
    while True:
        busy = False
        for name in ("/proc/net/sctp/eps", "/proc/net/sctp/assocs"):
            try:
                with open(name) as f:
                    lines = f.read().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if any(str(p) in fields for p in ports):
                    busy = True
        if not busy:
            return
        assert time.monotonic() < deadline, "ports %s still in use" % (ports,)
        time.sleep(0.05)


def which(tool: str) -> str:
    path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin")
    assert path, "%s is needed (make deps)" % tool
    return path


def python_for_ref() -> str:
    """The interpreter of the reference environment (.venv-pysctp with PySCTP
    0.7.3 from PyPI), created by scripts/pysctp-ref.sh when missing."""
    script = REPO / "scripts" / "pysctp-ref.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, (
        "scripts/pysctp-ref.sh could not provide PySCTP 0.7.3 (it needs PyPI the first "
        "time):\n" + proc.stderr[-3000:])
    return proc.stdout.strip().splitlines()[-1]



def programs_dir() -> Path:
    """The real PySCTP programs fetched from PyPI on the host (make pysctp-ref:
    scripts/pysctp-ref-programs.sh), in .venv-pysctp/programs."""
    script = REPO / "scripts" / "pysctp-ref-programs.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        "scripts/pysctp-ref-programs.sh could not provide the programs (it needs PyPI the "
        "first time: run `make pysctp-ref` on the host):\n" + proc.stderr[-3000:])
    return Path(proc.stdout.strip().splitlines()[-1])


def pysctp_sdist() -> Path:
    """The unpacked PySCTP 0.7.3 sdist (sctp.py, test_loopback.py, test_local_cnx.py)."""
    return programs_dir() / "pysctp-0.7.3"


# ---- packet capture --------------------------------------------------------------------------


class Capture:
    """dumpcap on the loopback interface, SCTP only, into a pcap file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc = subprocess.Popen(
            [which("dumpcap"), "-q", "-P", "-i", "lo", "-f", "sctp", "-w", path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not (os.path.exists(path) and os.path.getsize(path) > 0):
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, "dumpcap did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        import signal

        time.sleep(0.3)  # the last packets reach the capture
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        if self.proc.stderr:
            self.proc.stderr.close()

    def data_chunks(self) -> List[Tuple[int, bytes, bytes]]:
        """(PPID as the big-endian integer on the wire, its 4 raw bytes,
        payload) of every DATA chunk (Ethernet-framed IPv4 on lo)."""
        with open(self.path, "rb") as f:
            blob = f.read()
        assert struct.unpack_from("<I", blob)[0] == 0xA1B2C3D4
        out = []
        off = 24
        while off + 16 <= len(blob):
            incl = struct.unpack_from("<I", blob, off + 8)[0]
            pkt = blob[off + 16:off + 16 + incl]
            off += 16 + incl
            if struct.unpack_from(">H", pkt, 12)[0] != 0x0800:
                continue
            sctp_pkt = pkt[14 + (pkt[14] & 0x0F) * 4:]
            c = 12
            while c + 4 <= len(sctp_pkt):
                ctype, _cflags, clen = struct.unpack_from(">BBH", sctp_pkt, c)
                if clen < 4:
                    break
                if ctype == 0:  # DATA
                    raw = sctp_pkt[c + 12:c + 16]
                    out.append((struct.unpack(">I", raw)[0], raw, sctp_pkt[c + 16:c + clen]))
                c += (clen + 3) & ~3
        return out

    def tshark_ppids(self) -> List[Tuple[int, int]]:
        """(PPID, stream) of every DATA chunk as tshark's dissector decodes them."""
        out = subprocess.run(
            [which("tshark"), "-r", self.path, "-Y", "sctp.data_payload_proto_id", "-T",
             "fields", "-e", "sctp.data_payload_proto_id", "-e", "sctp.data_sid"],
            capture_output=True, text=True, timeout=300, check=True).stdout
        rows = []
        for line in out.splitlines():  # bundled chunks: comma-separated values
            ppids, sids = line.split("\t")
            rows += [(int(p), int(s, 0)) for p, s in zip(ppids.split(","), sids.split(","))]
        return rows


def wait_listening(port: int, limit: float = 30.0) -> None:
    """Wait until an SCTP socket listens on ``port`` (per /proc/net/sctp/eps:
    LPORT is the 6th column, SST the 4th, 10 being TCP_LISTEN)."""
    deadline = time.monotonic() + limit
    while True:
        with open("/proc/net/sctp/eps") as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 5 and fields[5] == str(port) and fields[3] == "10":
                    return
        assert time.monotonic() < deadline, "nothing listens on port %d" % port
        time.sleep(0.02)
