"""pycrate's core network server (pycrate_corenet.Server.CorenetServer, from
the pycrate wheel on PyPI, unchanged) serving S1AP over ``import sctp``, and
an eNB that registers with an S1SetupRequest. Prints one JSON document.

Run by tests/test_sctp_programs.py with PySCTP 0.7.3's interpreter and with
this project's: ``python pycrate_s1ap.py PYCRATE_DIR STUB_DIR PORT``.

The eNB is written with the standard library only (``socket.sendmsg`` with
an SCTP_SNDRCV block carrying PPID 18, S1AP), so it is the same on both
sides; only the server runs on the ``sctp`` module under test. The
server's CryptoMobile dependency (needed only for authentication, which an
S1 setup does not reach) is replaced by empty modules written into STUB_DIR.
"""

import json
import os
import socket
import struct
import sys
import time

pycrate_dir, stub_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

# ---- CryptoMobile stand-in: names only; none is called during an S1 setup
os.makedirs(os.path.join(stub_dir, "CryptoMobile"), exist_ok=True)
STUB = """
class _Name(type):  # any attribute of a stand-in is another stand-in
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Name(name, (), {})

def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Name(name, (), {})
"""
for mod in ("__init__", "Milenage", "TUAK", "ECIES"):
    with open(os.path.join(stub_dir, "CryptoMobile", mod + ".py"), "w") as f:
        f.write(STUB)
with open(os.path.join(stub_dir, "CryptoMobile", "utils.py"), "w") as f:
    f.write(STUB + "def log(msg):\n    print(msg)\n")
with open(os.path.join(stub_dir, "CryptoMobile", "conv.py"), "w") as f:
    f.write(STUB + "from CryptoMobile.utils import log\n")
with open(os.path.join(stub_dir, "pycomp128.py"), "w") as f:
    f.write(STUB)
sys.path[:0] = [stub_dir, pycrate_dir]

import sctp  # noqa: E402  (the module under test)
from pycrate_corenet.Server import CorenetServer, ENBd  # noqa: E402
from pycrate_corenet.utils import asn_s1ap_acquire, asn_s1ap_release  # noqa: E402
from pycrate_corenet.utils_fmt import plmn_str_to_buf  # noqa: E402
from pycrate_asn1dir import S1AP  # noqa: E402

IPPROTO_SCTP, SCTP_SNDRCV, SCTP_EVENTS = 132, 1, 11
S1AP_PPID = 18


class Server(CorenetServer):
    DEBUG = ("ERR", "WNG", "INF")
    SERVER_HNB = {}
    SERVER_GNB = {}
    SERVER_ENB = {"INET": socket.AF_INET, "IP": "127.0.0.1", "port": port, "MAXCLI": 4,
                  "errclo": True, "GTPU": "127.0.0.1"}
    AUCd = None
    GTPUd = None
    SCHED_UE_TO = 0


def s1setup_request() -> bytes:
    plmn = plmn_str_to_buf(Server.PLMN)
    pdu = ("initiatingMessage", {
        "procedureCode": 17, "criticality": "reject",
        "value": (("S1AP-PDU-Contents", "S1SetupRequest"), {"protocolIEs": [
            {"id": 59, "criticality": "reject",
             "value": (("S1AP-IEs", "Global-ENB-ID"),
                       {"pLMNidentity": plmn, "eNB-ID": ("macroENB-ID", (0x1A2B3, 20))})},
            {"id": 64, "criticality": "reject",
             "value": (("S1AP-IEs", "SupportedTAs"),
                       [{"tAC": b"\x00\x01", "broadcastPLMNs": [plmn]}])},
            {"id": 137, "criticality": "ignore",
             "value": (("S1AP-IEs", "PagingDRX"), "v128")},
        ]})})
    pdu_s1ap = S1AP.S1AP_PDU_Descriptions.S1AP_PDU
    pdu_s1ap.set_val(pdu)
    return pdu_s1ap.to_aper()


def main() -> None:
    request = s1setup_request()
    server = Server()  # threaded: serves in the background
    deadline = time.monotonic() + 60
    while not server.is_running():
        assert server._server.is_alive() and time.monotonic() < deadline, "CorenetServer did not start"
        time.sleep(0.02)
    out = {"library": sctp.__file__}
    enb = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
    enb.settimeout(30)
    try:
        enb.setsockopt(IPPROTO_SCTP, SCTP_EVENTS, b"\x01")  # data_io: SNDRCV on receive
        enb.connect(("127.0.0.1", port))
        # struct sctp_sndrcvinfo: stream, ssn, flags, (pad), ppid (network order), ...
        info = struct.pack("=HHH2x", 0, 0, 0) + struct.pack(">I", S1AP_PPID) + bytes(20)
        enb.sendmsg([request], [(IPPROTO_SCTP, SCTP_SNDRCV, info)])
        try:
            data, anc, _flags, _addr = enb.recvmsg(65536, socket.CMSG_SPACE(32))
        except OSError as exc:
            data, anc = b"", []
            out["recv_error"] = type(exc).__name__
        out["answer_len"] = len(data)
        for level, kind, raw in anc:
            if level == IPPROTO_SCTP and kind == SCTP_SNDRCV:
                out["answer_ppid_wire"] = struct.unpack_from(">I", raw, 8)[0]
        if data:
            assert asn_s1ap_acquire()  # the server's codec object, shared
            pdu = S1AP.S1AP_PDU_Descriptions.S1AP_PDU
            pdu.from_aper(data)
            val = pdu.get_val()
            asn_s1ap_release()
            out["answer"] = [val[0], val[1]["procedureCode"], val[1]["value"][0]]
        enbs = [(k, v.is_connected()) for k, v in server.RAN.items() if isinstance(v, ENBd)]
        out["registered"] = [[list(k), conn] for k, conn in enbs]
    finally:
        enb.close()
        server.stop()
    print(json.dumps(out))


main()
