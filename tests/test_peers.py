"""Interoperation with lksctp-tools programs as the peer (libsctp's own
sockets API), one test each way."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import time

from aiosctp import lowlevel as ll
from sctputil import messages

SCTP_DARN = shutil.which("sctp_darn")
SCTP_TEST = shutil.which("sctp_test")


def _free_port() -> int:
    s = ll.sctp_socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_lksctp_tools_are_installed():
    # `make deps` installs lksctp-tools; the tests below need both programs
    assert SCTP_DARN and SCTP_TEST


def test_sctp_test_client_sends_to_our_server():
    srv = ll.sctp_socket(style="one-to-many")
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(30)
    port = srv.getsockname()[1]
    # test case 4: messages of 1, 1000, 2000 ... 32768 bytes, once
    proc = subprocess.Popen(
        [SCTP_TEST, "-H", "127.0.0.1", "-P", str(_free_port()), "-h", "127.0.0.1",
         "-p", str(port), "-s", "-c", "4", "-x", "1", "-d", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        got = messages(srv, 10, bufsize=65536)
    finally:
        out = proc.communicate(timeout=30)[0]
    assert [len(m.data) for m in got] == [1, 1000, 2000, 3000, 5000, 10000, 15000,
                                          20000, 25000, 32768], out
    assert all(m.complete for m in got)
    assert len({m.assoc_id for m in got}) == 1


def _listening(port: int) -> bool:
    # /proc/net/sctp/eps lists every SCTP endpoint with its local port (LPORT)
    with open("/proc/net/sctp/eps") as f:
        return any(line.split()[5] == str(port) for line in f.readlines()[1:])


def test_our_client_sends_to_sctp_darn():
    port = _free_port()
    # unbuffered, so its output is complete when we stop it
    proc = subprocess.Popen(["stdbuf", "-o0", SCTP_DARN, "-H", "127.0.0.1", "-P", str(port), "-l"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not _listening(port):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        cli = ll.sctp_socket()
        cli.settimeout(10)
        cli.connect(("127.0.0.1", port))
        ll.set_nodelay(cli)
        ll.sendmsg(cli, b"hello-from-aiosctp", ppid=46)
        out = b""
        # sctp_darn prints the length and the text less its last byte
        while b"hello-from-aiosct" not in out and time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                out += os.read(proc.stdout.fileno(), 65536)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert b"DATA(18):  hello-from-aiosct" in out, out
    # libsctp shows sinfo_ppid raw, i.e. in network order: 46 big-endian
    assert re.search(rb"sinfo_ppid\s+%d\b" % socket.htonl(46), out), out
