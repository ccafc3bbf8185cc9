#!/usr/bin/env python3
"""A small Diameter peer written for PySCTP's ``sctp`` module.

Diameter (RFC 6733) runs over SCTP with payload protocol identifier 46. This
program uses nothing but the classic PySCTP API: ``sctp.sctpsocket_tcp``,
``initparams``, ``events``, ``sctp_send(..., ppid=46)`` and ``sctp_recv``.
It runs unchanged on PySCTP 0.7.3 and on aiosctp's ``sctp`` package.

Two peers exchange the base protocol's three request/answer pairs on one
association: Capabilities-Exchange (CER/CEA), Device-Watchdog (DWR/DWA) and
Disconnect-Peer (DPR/DPA), then close it.

    pysctp_diameter_peer.py                 both peers in one process (demo)
    pysctp_diameter_peer.py server [PORT]   answer one peer on PORT (3868)
    pysctp_diameter_peer.py client HOST [PORT]

Each peer prints what it sends and receives, with the stream and PPID the
receiving side reports. Exit status 0 when the exchange completed.

(PySCTP 0.7.3 reports received PPIDs in network byte order: there the
receiver prints ppid=771751936, 46 byte-swapped, and so does aiosctp's
``sctp`` on its defaults, which are 0.7.3's. With AIOSCTP_SCTP_PPID_ORDER=host
it prints 46.)
"""

import socket
import struct
import sys
import threading

import sctp

# The client and the server run in two threads of this process: one line of
# output at a time (print() writes the text and its newline separately, so
# two threads' lines could run together).
_say_lock = threading.Lock()


def say(line):
    with _say_lock:
        print(line)
        sys.stdout.flush()


DIAMETER_PPID = 46
DIAMETER_PORT = 3868

# command codes
CAPABILITIES_EXCHANGE = 257
DEVICE_WATCHDOG = 280
DISCONNECT_PEER = 282
NAMES = {
    (CAPABILITIES_EXCHANGE, True): "CER", (CAPABILITIES_EXCHANGE, False): "CEA",
    (DEVICE_WATCHDOG, True): "DWR", (DEVICE_WATCHDOG, False): "DWA",
    (DISCONNECT_PEER, True): "DPR", (DISCONNECT_PEER, False): "DPA",
}

# AVP codes
HOST_IP_ADDRESS = 257
AUTH_APPLICATION_ID = 258
ORIGIN_HOST = 264
VENDOR_ID = 266
RESULT_CODE = 268
PRODUCT_NAME = 269
DISCONNECT_CAUSE = 273
ORIGIN_STATE_ID = 278
ORIGIN_REALM = 296

FLAG_REQUEST = 0x80
AVP_MANDATORY = 0x40
DIAMETER_SUCCESS = 2001


# ---- Diameter encoding ------------------------------------------------------------


def avp(code, data, mandatory=True):
    """One AVP without vendor id; ``data`` is bytes, str or an int (Unsigned32)."""
    if isinstance(data, int):
        data = struct.pack("!I", data)
    elif isinstance(data, str):
        data = data.encode("utf-8")
    length = 8 + len(data)
    head = struct.pack("!IB", code, AVP_MANDATORY if mandatory else 0) + length.to_bytes(3, "big")
    return head + data + b"\0" * (-length % 4)


def address_avp(code, ipv4):
    return avp(code, struct.pack("!H", 1) + socket.inet_aton(ipv4))  # AddressType 1: IPv4


def message(command, request, hop_by_hop, end_to_end, avps):
    body = b"".join(avps)
    length = 20 + len(body)
    head = (struct.pack("!B", 1) + length.to_bytes(3, "big")
            + struct.pack("!B", FLAG_REQUEST if request else 0) + command.to_bytes(3, "big")
            + struct.pack("!III", 0, hop_by_hop, end_to_end))
    return head + body


def parse(data):
    """(command, is_request, hop_by_hop, end_to_end, {avp code: raw value})"""
    if len(data) < 20 or data[0] != 1:
        raise ValueError("not a Diameter message")
    length = int.from_bytes(data[1:4], "big")
    if length != len(data):
        raise ValueError("Diameter length %d, received %d bytes" % (length, len(data)))
    flags = data[4]
    command = int.from_bytes(data[5:8], "big")
    _app, hbh, e2e = struct.unpack_from("!III", data, 8)
    avps = {}
    off = 20
    while off + 8 <= length:
        code, _aflags = struct.unpack_from("!IB", data, off)
        alen = int.from_bytes(data[off + 5:off + 8], "big")
        avps[code] = data[off + 8:off + alen]
        off += alen + (-alen % 4)
    return command, bool(flags & FLAG_REQUEST), hbh, e2e, avps


def u32(raw):
    return struct.unpack("!I", raw)[0]


# ---- one peer ---------------------------------------------------------------------------


class Peer(object):
    def __init__(self, name, sk, origin_host, ip):
        self.name = name
        self.sk = sk
        self.origin_host = origin_host
        self.ip = ip

    def identity(self):
        return [avp(ORIGIN_HOST, self.origin_host), avp(ORIGIN_REALM, "example.org")]

    def send(self, command, request, hbh, e2e, avps):
        msg = message(command, request, hbh, e2e, self.identity() + avps)
        sent = self.sk.sctp_send(msg, ppid=DIAMETER_PPID, stream=0)
        say("%s -> %s (%d bytes, hop-by-hop %d)" % (self.name, NAMES[command, request],
                                                      sent, hbh))

    def receive(self):
        """The next Diameter message, or None when the peer has closed."""
        parts = []
        while True:
            fromaddr, flags, data, info = self.sk.sctp_recv(65536)
            if flags & sctp.FLAG_NOTIFICATION:
                continue  # none are subscribed but data_io; ignore any other
            if not data:
                return None  # the association was shut down
            parts.append(data)
            if flags & sctp.FLAG_EOR:
                break
        command, request, hbh, e2e, avps = parse(b"".join(parts))
        origin = avps.get(ORIGIN_HOST, b"?").decode("utf-8", "replace")
        say("%s <- %s from %s (stream %d, ppid=%d)" % (self.name, NAMES[command, request],
                                                      origin, info.stream, info.ppid))
        return command, request, hbh, e2e, avps


def setup(sk):
    sk.initparams.num_ostreams = 2
    sk.initparams.max_instreams = 2
    sk.events.clear()  # data only (data_io on, so each message has its sndrcvinfo)


def serve(listener):
    """Answer one peer's requests until it disconnects; True if all went well."""
    conn, _addr = listener.accept()
    peer = Peer("server", conn, "server.example.org", "127.0.0.1")
    answered = []
    while True:
        got = peer.receive()
        if got is None:
            break
        command, request, hbh, e2e, avps = got
        if not request:
            continue
        if command == CAPABILITIES_EXCHANGE:
            extra = [avp(RESULT_CODE, DIAMETER_SUCCESS), address_avp(HOST_IP_ADDRESS, peer.ip),
                     avp(VENDOR_ID, 0), avp(PRODUCT_NAME, "pysctp-diameter-peer", False),
                     avp(AUTH_APPLICATION_ID, 0)]
        else:
            extra = [avp(RESULT_CODE, DIAMETER_SUCCESS)]
        peer.send(command, False, hbh, e2e, extra)
        answered.append(command)
        if command == DISCONNECT_PEER:
            break
    conn.close()
    return answered == [CAPABILITIES_EXCHANGE, DEVICE_WATCHDOG, DISCONNECT_PEER]


def client(host, port):
    sk = sctp.sctpsocket_tcp(socket.AF_INET)
    setup(sk)
    sk.connect((host, port))
    peer = Peer("client", sk, "client.example.org", "127.0.0.1")
    ok = True
    requests = [
        (CAPABILITIES_EXCHANGE, [address_avp(HOST_IP_ADDRESS, peer.ip), avp(VENDOR_ID, 0),
                                 avp(PRODUCT_NAME, "pysctp-diameter-peer", False),
                                 avp(ORIGIN_STATE_ID, 1), avp(AUTH_APPLICATION_ID, 0)]),
        (DEVICE_WATCHDOG, [avp(ORIGIN_STATE_ID, 1)]),
        (DISCONNECT_PEER, [avp(DISCONNECT_CAUSE, 0)]),  # REBOOTING
    ]
    for n, (command, avps) in enumerate(requests, 1):
        peer.send(command, True, n, 1000 + n, avps)
        got = peer.receive()
        if got is None:
            print("client: the server closed the association")
            ok = False
            break
        a_command, a_request, hbh, e2e, a_avps = got
        result = u32(a_avps[RESULT_CODE]) if RESULT_CODE in a_avps else None
        if (a_command, a_request, hbh, e2e, result) != (command, False, n, 1000 + n,
                                                        DIAMETER_SUCCESS):
            print("client: unexpected answer %r (Result-Code %r)" % (got[:4], result))
            ok = False
            break
    sk.close()
    return ok


def listen(port):
    sk = sctp.sctpsocket_tcp(socket.AF_INET)
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    setup(sk)
    sk.bind(("127.0.0.1", port))
    sk.listen(1)
    return sk


def demo():
    listener = listen(0)
    port = listener.getsockname()[1]
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("server", serve(listener)))
    t.start()
    ok = client("127.0.0.1", port)
    t.join()
    listener.close()
    ok = ok and result.get("server", False)
    print("diameter: %s" % ("OK, CER/CEA DWR/DWA DPR/DPA exchanged" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    if not argv or argv[0] == "demo":
        return demo()
    if argv[0] == "server":
        listener = listen(int(argv[1]) if len(argv) > 1 else DIAMETER_PORT)
        ok = serve(listener)
        listener.close()
        return 0 if ok else 1
    if argv[0] == "client" and len(argv) >= 2:
        port = int(argv[2]) if len(argv) > 2 else DIAMETER_PORT
        return 0 if client(argv[1], port) else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
