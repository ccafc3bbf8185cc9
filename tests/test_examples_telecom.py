"""The telecom examples as a user runs them, their traffic captured on lo and
decoded by tshark: examples/s1ap_server.py and s1ap_client.py must be real
S1AP (PPID 18), examples/diameter_peer.py real Diameter (PPID 46).

Each test starts dumpcap, runs the example server and client(s) as processes
on an ephemeral port, stops the capture and reads it back with tshark
(``-d sctp.port==PORT,s1ap`` / ``,diameter``, since the port is not the
well-known one), checking what Wireshark's dissectors make of every DATA
chunk: PDU types, procedure / command codes, IE and AVP values, streams,
and that nothing is malformed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence

import pytest

import aiosctp
from sctputil import Capture

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PKG_ROOT = Path(aiosctp.__file__).resolve().parents[1]
TIMEOUT = 300  # a hang guard only: tshark alone takes seconds to start in the guest

#: _ws.expert.severity of a warning (PI_WARN); errors (malformed) are above
PI_WARN = 0x00600000


def _env() -> dict:
    env = dict(os.environ)
    # the aiosctp this suite tests: the checkout's, or the installed wheel's
    # when `make test` runs the suite from the unpacked sdist
    env["PYTHONPATH"] = str(PKG_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Server:
    """An example server as a process; ``port`` from its "listening on" line."""

    def __init__(self, args: Sequence[str]) -> None:
        self.proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=_env())
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().split()
        if first[:2] != ["listening", "on"]:
            self.kill()
            pytest.fail(f"the server did not start: {first} {self.proc.stderr.read()}")
        self.port = int(first[3])

    def wait(self) -> "tuple[int, str, str]":
        out, err = self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@contextmanager
def captured_server(pcap: str, args: Sequence[str]) -> Iterator[Server]:
    """The example server ``args`` as a process (see Server), started while
    dumpcap captures lo into ``pcap``; on the way out the server is killed if
    it still runs and the capture is stopped."""
    cap = Capture(pcap)
    server = None
    try:
        server = Server(args)
        yield server
    finally:
        if server is not None:
            server.kill()
        cap.stop()


def run(args: Sequence[str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=_env(),
                          timeout=TIMEOUT)


def tshark_chunks(path: str, port: int, proto: str, fields: Sequence[str]) -> List[Dict[str, List[str]]]:
    """One dict per frame carrying DATA chunks to or from ``port``, decoded as
    ``proto`` there: each field's values in order of occurrence (a frame may
    bundle several chunks, so several PDUs)."""
    base = ["frame.number", "sctp.srcport", "sctp.dstport", "sctp.data_sid",
            "sctp.data_payload_proto_id", "_ws.expert.severity", "_ws.expert.message"]
    cols = base + [f for f in fields if f not in base]
    cmd = ["tshark", "-n", "-r", path, "-d", f"sctp.port=={port},{proto}",
           "-Y", f"sctp.port == {port} && sctp.chunk_type == 0",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;"]
    for c in cols:
        cmd += ["-e", c]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
    frames = []
    for line in out.splitlines():
        values = line.split("\t")
        assert len(values) == len(cols), line
        frames.append({c: (v.split(";") if v else []) for c, v in zip(cols, values)})
    assert frames, f"no DATA chunk on port {port} in the capture"
    for f in frames:
        # tshark found nothing wrong: no malformed packet, no warning
        bad = [m for s, m in zip(f["_ws.expert.severity"], f["_ws.expert.message"])
               if int(s, 0) >= PI_WARN]
        assert not bad, (f["frame.number"], bad)
    return frames


def _int(v: str) -> int:
    return int(v, 0)


# ---- S1AP ---------------------------------------------------------------------------------

S1AP_FIELDS = ["s1ap.S1AP_PDU", "s1ap.procedureCode", "s1ap.ENB_UE_S1AP_ID",
               "s1ap.MME_UE_S1AP_ID", "nas_eps.nas_msg_emm_type", "s1ap.ENBname",
               "s1ap.MMEname", "s1ap.macroENB_ID", "s1ap.pLMNidentity", "s1ap.PLMNidentity",
               "s1ap.tAC",
               "s1ap.PagingDRX", "s1ap.RelativeMMECapacity", "s1ap.MME_Group_ID",
               "s1ap.MME_Code", "s1ap.misc", "s1ap.RRC_Establishment_Cause"]

INITIATING, SUCCESSFUL, UNSUCCESSFUL = 0, 1, 2
S1_SETUP, INITIAL_UE, DL_NAS, UL_NAS = 17, 12, 11, 13
UES = 5
STREAMS = 4  # the client's; the server asks 8, so 4 each way are negotiated


def test_s1ap_examples_decode_as_s1ap(tmp_path: Path) -> None:
    pcap = str(tmp_path / "s1ap.pcap")
    with captured_server(pcap, [str(EXAMPLES / "s1ap_server.py"), "--port", "0",
                                "--streams", "8", "--associations", "2"]) as server:
        # an eNB of a PLMN the MME does not serve: S1SetupFailure
        rejected = run([str(EXAMPLES / "s1ap_client.py"), "--port", str(server.port),
                        "--plmn", "208-93"])
        # then one it serves, with UEs; on uvloop, the server on asyncio
        accepted = run([str(EXAMPLES / "s1ap_client.py"), "--port", str(server.port),
                        "--ues", str(UES), "--streams", str(STREAMS), "--name", "eNB-under-test",
                        "--loop", "uvloop"])
        code, out, err = server.wait()

    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    assert "S1SetupFailure: Cause=misc: unknown-PLMN" in rejected.stdout
    assert "S1 Setup rejected" in rejected.stdout
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert accepted.stdout.splitlines()[-1] == (
        f"ok: S1 Setup with aiosctp-MME on stream 0, {UES} UEs on streams 1,2,3 of {STREAMS}, "
        "PPID 18")
    assert "eNB -> MME  stream 0 ppid 18" in accepted.stdout
    assert "eNB <- MME  stream 0 ppid 18" in accepted.stdout
    assert code == 0, out + err
    assert out.count("S1SetupRequest") == 2 and "UplinkNASTransport" in out
    assert out.splitlines()[-1] == "stopped"

    frames = tshark_chunks(pcap, server.port, "s1ap", S1AP_FIELDS)

    # one S1AP PDU per DATA chunk, every one with PPID 18
    pdus = []  # (association's client port, from the eNB?, stream, pdu type, code, frame)
    for f in frames:
        n = len(f["sctp.data_sid"])
        assert f["sctp.data_payload_proto_id"] == ["18"] * n, f
        assert len(f["s1ap.procedureCode"]) == len(f["s1ap.S1AP_PDU"]) == n, f
        from_enb = int(f["sctp.dstport"][0]) == server.port
        enb_port = int(f["sctp.srcport"][0] if from_enb else f["sctp.dstport"][0])
        for sid, kind, code_ in zip(f["sctp.data_sid"], f["s1ap.S1AP_PDU"],
                                    f["s1ap.procedureCode"]):
            pdus.append((enb_port, from_enb, _int(sid), int(kind), int(code_), f))
    ports = sorted({p[0] for p in pdus}, key=lambda p: min(
        int(x[5]["frame.number"][0]) for x in pdus if x[0] == p))
    assert len(ports) == 2, ports
    first = [p for p in pdus if p[0] == ports[0]]
    second = [p for p in pdus if p[0] == ports[1]]

    # the rejected eNB: S1 Setup Request -> Failure (misc: unknown-PLMN, 5) on stream 0
    assert [(p[1], p[2], p[3], p[4]) for p in first] == [
        (True, 0, INITIATING, S1_SETUP), (False, 0, UNSUCCESSFUL, S1_SETUP)]
    assert first[0][5]["s1ap.pLMNidentity"] == ["02f839"]  # MCC 208, MNC 93
    assert first[1][5]["s1ap.misc"] == ["5"]

    # the accepted eNB: S1 Setup on stream 0 first ...
    assert [(p[1], p[2], p[3], p[4]) for p in second[:2]] == [
        (True, 0, INITIATING, S1_SETUP), (False, 0, SUCCESSFUL, S1_SETUP)]
    req, resp = second[0][5], second[1][5]
    assert req["s1ap.ENBname"] == ["eNB-under-test"]
    assert req["s1ap.macroENB_ID"] == ["1a2b30"]  # 0x1A2B3, 20 bits left-aligned
    assert req["s1ap.pLMNidentity"] == ["00f110"]  # Global-ENB-ID: MCC 001, MNC 01
    assert req["s1ap.PLMNidentity"] == ["00f110"]  # the TA's broadcast PLMN
    assert req["s1ap.tAC"] == ["1"] and req["s1ap.PagingDRX"] == ["2"]  # v128
    assert resp["s1ap.MMEname"] == ["aiosctp-MME"]
    assert resp["s1ap.PLMNidentity"] == ["00f110"]  # the served PLMN
    assert resp["s1ap.MME_Group_ID"] == ["32769"] and resp["s1ap.MME_Code"] == ["1"]
    assert resp["s1ap.RelativeMMECapacity"] == ["127"]

    # ... then UE-associated signalling, each UE on its stream both ways
    ue_pdus = second[2:]
    assert all(p[3] == INITIATING for p in ue_pdus)
    assert sorted((p[1], p[4]) for p in ue_pdus) == sorted(
        [(True, INITIAL_UE)] * UES + [(False, DL_NAS)] * UES + [(True, UL_NAS)] * UES)
    seen: Dict[int, List[int]] = {}  # procedure codes by eNB-UE-S1AP-ID, in order
    mme_ids: Dict[int, set] = {}
    for f in {id(p[5]): p[5] for p in ue_pdus}.values():
        sids = [_int(s) for s in f["sctp.data_sid"]]
        codes = [int(c) for c in f["s1ap.procedureCode"]]
        enb_ids = [int(i) for i in f["s1ap.ENB_UE_S1AP_ID"]]
        nas = [_int(t) for t in f["nas_eps.nas_msg_emm_type"]]
        assert len(enb_ids) == len(nas) == len(codes), f  # one each a PDU
        assert len(f["s1ap.MME_UE_S1AP_ID"]) == sum(c != INITIAL_UE for c in codes), f
        mme = iter(int(i) for i in f["s1ap.MME_UE_S1AP_ID"])
        for sid, code_, ue, emm in zip(sids, codes, enb_ids, nas):
            assert sid == 1 + ue % (STREAMS - 1) != 0, (ue, sid)
            assert emm == {INITIAL_UE: 0x41, DL_NAS: 0x55, UL_NAS: 0x56}[code_]
            seen.setdefault(ue, []).append(code_)
            if code_ != INITIAL_UE:
                mme_ids.setdefault(ue, set()).add(next(mme))
        if INITIAL_UE in codes:
            assert f["s1ap.RRC_Establishment_Cause"] == ["3"] * codes.count(INITIAL_UE)
    assert seen == {ue: [INITIAL_UE, DL_NAS, UL_NAS] for ue in range(UES)}
    # one MME-UE-S1AP-ID a UE, the same in its downlink and uplink message
    assert sorted(i for s in mme_ids.values() for i in s) == list(range(1000, 1000 + UES))
    assert all(len(s) == 1 for s in mme_ids.values())


# ---- Diameter -----------------------------------------------------------------------------

DIAMETER_FIELDS = ["diameter.version", "diameter.cmd.code", "diameter.flags.request",
                   "diameter.flags.error", "diameter.applicationId", "diameter.hopbyhopid",
                   "diameter.endtoendid", "diameter.Result-Code", "diameter.Origin-Host",
                   "diameter.Origin-Realm", "diameter.Host-IP-Address.IPv4",
                   "diameter.Vendor-Id", "diameter.Product-Name", "diameter.Origin-State-Id",
                   "diameter.Disconnect-Cause", "diameter.answer_to"]
CER, DWR, DPR = 257, 280, 282
WATCHDOGS = 3


def test_diameter_peer_decodes_as_diameter(tmp_path: Path) -> None:
    pcap = str(tmp_path / "diameter.pcap")
    with captured_server(pcap, [str(EXAMPLES / "diameter_peer.py"), "--role", "server",
                                "--port", "0", "--associations", "1", "--loop", "uvloop"]) as server:
        client = run([str(EXAMPLES / "diameter_peer.py"), "--role", "client",
                      "--port", str(server.port), "--watchdogs", str(WATCHDOGS),
                      "--interval", "0.05"])
        code, out, err = server.wait()

    assert client.returncode == 0, client.stdout + client.stderr
    assert client.stdout.splitlines()[-1] == (
        f"ok: CER/CEA, {WATCHDOGS} DWR/DWA, DPR/DPA with server.example.org, PPID 46")
    assert "client -> CER (code 257, flags R" in client.stdout
    assert "client <- CEA (code 257, flags -" in client.stdout
    assert code == 0, out + err
    assert "ended after DPR/DPA" in out and out.splitlines()[-1] == "stopped"

    frames = tshark_chunks(pcap, server.port, "diameter", DIAMETER_FIELDS)
    msgs = []  # one dict a Diameter message, with the frame's fields of that message
    for f in frames:
        n = len(f["sctp.data_sid"])
        assert f["sctp.data_payload_proto_id"] == ["46"] * n, f
        assert len(f["diameter.cmd.code"]) == n, f
        results = iter(f["diameter.Result-Code"])
        requests = [v in ("1", "True") for v in f["diameter.flags.request"]]
        assert len(f["diameter.Result-Code"]) == requests.count(False), f
        for i in range(n):
            msgs.append({
                "frame": int(f["frame.number"][0]),
                "from_client": int(f["sctp.dstport"][0]) == server.port,
                "sid": _int(f["sctp.data_sid"][i]),
                "version": _int(f["diameter.version"][i]),
                "code": int(f["diameter.cmd.code"][i]),
                "request": requests[i],
                "error": f["diameter.flags.error"][i] in ("1", "True"),
                "app": _int(f["diameter.applicationId"][i]),
                "hbh": _int(f["diameter.hopbyhopid"][i]),
                "e2e": _int(f["diameter.endtoendid"][i]),
                "origin": f["diameter.Origin-Host"][i],
                "realm": f["diameter.Origin-Realm"][i],
                "result": None if requests[i] else int(next(results)),
                "f": f,
            })

    # CER/CEA, the watchdogs, DPR/DPA: requests from the client, answers from the server
    assert [(m["code"], m["request"]) for m in msgs] == (
        [(CER, True), (CER, False)] + [(DWR, True), (DWR, False)] * WATCHDOGS
        + [(DPR, True), (DPR, False)])
    for m in msgs:
        assert (m["version"], m["app"], m["sid"], m["error"]) == (1, 0, 0, False)
        assert m["from_client"] == m["request"]
        assert m["origin"] == ("client" if m["request"] else "server") + ".example.org"
        assert m["realm"] == "example.org"
    for req, ans in zip(msgs[::2], msgs[1::2]):
        assert (ans["hbh"], ans["e2e"]) == (req["hbh"], req["e2e"])
        assert ans["result"] == 2001  # DIAMETER_SUCCESS
        assert ans["f"]["diameter.answer_to"] == [str(req["frame"])]  # tshark paired them
    assert len({m["hbh"] for m in msgs}) == len(msgs) // 2  # a new hop-by-hop id a request

    # the capabilities in CER and CEA, the Disconnect-Cause in DPR
    for m in msgs[:2]:
        f = m["f"]
        assert f["diameter.Host-IP-Address.IPv4"] == ["127.0.0.1"]
        assert f["diameter.Vendor-Id"] == ["0"]
        assert f["diameter.Product-Name"] == ["aiosctp-diameter-peer"]
        assert len(f["diameter.Origin-State-Id"]) == 1
    assert msgs[-2]["f"]["diameter.Disconnect-Cause"] == ["0"]  # REBOOTING


# ---- the command lines --------------------------------------------------------------------


@pytest.mark.parametrize("example, words", [
    ("s1ap_server.py", ["36412", "--port", "--plmn", "--associations"]),
    ("s1ap_client.py", ["36412", "--port", "--ues", "--streams"]),
    ("diameter_peer.py", ["3868", "--role", "--watchdogs", "--interval"]),
])
def test_examples_help(example: str, words: List[str]) -> None:
    done = run([str(EXAMPLES / example), "--help"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")
    for w in words:
        assert w in done.stdout
