"""PPID byte order in the ``sctp`` package.

By default PPIDs are what PySCTP 0.7.3 makes of them: the integer meant
when sending (46 is Diameter), the field in network byte order when
receiving (programs written for 0.7.3 ``ntohl()`` it). The switch
``ppid_byte_order`` (module default, environment variable
AIOSCTP_SCTP_PPID_ORDER, or per socket) has three settings:

* ``"pysctp-0.7.3"``: exactly 0.7.3 (the default);
* ``"host"``: the integer meant, both ways (new code);
* ``"network"``: the field in network byte order, both ways (programs that
  htonl() what they send and ntohl() what they receive).

Whatever the setting, the wire carries the PPID the application means
big-endian (checked on a capture, by tshark's dissector and by reading the
bytes).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "pysctp"))
import sctp_helpers as H  # noqa: E402

import sctp  # noqa: E402

HOST, NETWORK, PYSCTP = sctp.PPID_HOST_ORDER, sctp.PPID_NETWORK_ORDER, sctp.PPID_PYSCTP_073


@pytest.fixture(autouse=True)
def _timeouts_wait(monkeypatch):
    """H.pair() sockets have a timeout to wait for what must come: that takes
    AIOSCTP_SCTP_COMPAT=linux (0.7.3 did not wait, D7). The PPID settings
    are the subject here, and are left as they are."""
    monkeypatch.setattr(sctp._sctp, "compat_mode", sctp.COMPAT_LINUX)


def test_settings():
    assert sctp.PPID_BYTE_ORDERS == ("host", "network", "pysctp-0.7.3")
    assert (HOST, NETWORK, PYSCTP) == sctp.PPID_BYTE_ORDERS
    assert sctp.PPID_ORDER_ENV == "AIOSCTP_SCTP_PPID_ORDER"
    s = sctp.sctpsocket_tcp(socket.AF_INET)
    assert s.ppid_byte_order == s.get_ppid_byte_order() == sctp.ppid_byte_order
    s.ppid_byte_order = NETWORK
    s.set_ppid_byte_order(PYSCTP)
    assert s.ppid_byte_order == PYSCTP
    with pytest.raises(ValueError):
        s.ppid_byte_order = "little"
    s.close()


def test_default_and_environment_variable():
    code = "import sctp, socket; print(sctp.ppid_byte_order, " \
           "sctp.sctpsocket_udp(socket.AF_INET).ppid_byte_order)"
    for value, want in [(None, "pysctp-0.7.3 pysctp-0.7.3"), ("network", "network network"),
                        ("host", "host host"), ("pysctp-0.7.3", "pysctp-0.7.3 pysctp-0.7.3"),
                        ("", "pysctp-0.7.3 pysctp-0.7.3")]:
        env = H.shim_env() if value is None else H.shim_env(AIOSCTP_SCTP_PPID_ORDER=value)
        # -I: no cwd on sys.path (from an unpacked sdist, a tree without the compiled core)
        out = subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == want.split()
    bad = subprocess.run([sys.executable, "-I", "-c", "import sctp"], capture_output=True, text=True,
                         env=H.shim_env(AIOSCTP_SCTP_PPID_ORDER="big-endian"), timeout=60)
    assert bad.returncode != 0 and "ppid_byte_order must be one of" in bad.stderr


def test_module_default_applies_to_new_sockets():
    saved = sctp.ppid_byte_order
    try:
        sctp.ppid_byte_order = NETWORK
        with sctp.sctpsocket_tcp(socket.AF_INET) as s:
            assert s.ppid_byte_order == NETWORK
        sctp.ppid_byte_order = "wrong"
        with pytest.raises(ValueError):
            sctp.sctpsocket_tcp(socket.AF_INET)
    finally:
        sctp.ppid_byte_order = saved


def _sent(mode, wire):
    """What a sender in ``mode`` passes for the wire value ``wire``."""
    return socket.htonl(wire) if mode == NETWORK else wire


def _received(mode, wire):
    """What a receiver in ``mode`` reports for the wire value ``wire``."""
    return wire if mode == HOST else socket.htonl(wire)


@pytest.mark.parametrize("receiver", [HOST, NETWORK, PYSCTP])
@pytest.mark.parametrize("sender", [HOST, NETWORK, PYSCTP])
def test_every_combination_of_settings(sender, receiver):
    cli, conn = H.pair()
    cli.ppid_byte_order = sender
    conn.ppid_byte_order = receiver
    for wire in (46, 18, 0x01020304, 0xFFFFFFFE, 0):
        cli.sctp_send(b"x", ppid=_sent(sender, wire))
        assert conn.sctp_recv(100)[3].ppid == _received(receiver, wire)
    cli.close()
    conn.close()


@pytest.mark.parametrize("mode", [HOST, NETWORK, PYSCTP])
def test_send_failed_info_follows_the_setting(mode):
    dead = sctp.sctpsocket_tcp(socket.AF_INET)
    dead.bind(("127.0.0.1", 0))
    u = sctp.sctpsocket_udp(socket.AF_INET)
    u.ppid_byte_order = mode
    u.events.clear()
    u.events.send_failure = 1
    u.settimeout(10)
    u.sctp_send(b"x", to=dead.getsockname(), ppid=_sent(mode, 46))
    assert H.recv_until(u, sctp.send_failed)[3].info.ppid == _received(mode, 46)
    u.close()
    dead.close()


def test_accepted_and_peeled_sockets_inherit_the_setting():
    lst = H.listener()
    lst.ppid_byte_order = PYSCTP
    cli = sctp.sctpsocket_tcp(socket.AF_INET)
    cli.connect(lst.getsockname())
    conn, _ = lst.accept()
    assert conn.ppid_byte_order == PYSCTP
    udp = H.listener("udp")
    udp.events.clear()
    udp.ppid_byte_order = NETWORK
    udp.settimeout(10)
    c = sctp.sctpsocket_udp(socket.AF_INET)
    c.sctp_send(b"x", to=udp.getsockname(), ppid=46)
    _, _, _, info = H.recv_until(udp, sctp.sndrcvinfo)
    assert info.ppid == socket.htonl(46)
    peeled = udp.peeloff(info.assoc_id)
    assert peeled.ppid_byte_order == NETWORK
    for s in (lst, cli, conn, udp, c, peeled):
        s.close()


def test_the_wire_carries_the_ppid_big_endian(tmp_path):
    """Whatever the setting, the application's PPID goes on the wire as the
    big-endian integer; tshark's SCTP dissector agrees."""
    cli, conn = H.pair()
    conn.ppid_byte_order = HOST  # what arrived, as an integer
    cap = H.Capture(str(tmp_path / "ppid.pcap"))
    sent = []  # (wire value, stream)
    try:
        for stream, (mode, wire) in enumerate([(HOST, 46), (NETWORK, 18), (PYSCTP, 60),
                                               (HOST, 0xDEADBEEF), (NETWORK, 0x80000001)]):
            cli.ppid_byte_order = mode
            cli.sctp_send(b"ppid-%d" % stream, ppid=_sent(mode, wire), stream=stream)
            sent.append((wire, stream))
        cli.ppid_byte_order = HOST
        cli.adaptation = 27  # ppid=None: the adaptation indication, in host order
        cli.sctp_send(b"ppid-5", stream=5)
        sent.append((27, 5))
        got = [conn.sctp_recv(100) for _ in sent]
    finally:
        cap.stop()
    assert [(i.ppid, i.stream) for _, _, _, i in got] == sent
    chunks = {payload: (wire, raw) for wire, raw, payload in cap.data_chunks()}
    for wire, stream in sent:
        got_wire, raw = chunks[b"ppid-%d" % stream]
        assert got_wire == wire and raw == wire.to_bytes(4, "big")
    assert sorted(cap.tshark_ppids()) == sorted(sent)
    cli.close()
    conn.close()
