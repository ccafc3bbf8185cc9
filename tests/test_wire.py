"""What goes on the wire: a capture on loopback, decoded both by tshark and
by reading the DATA chunks' bytes ourselves, shows the PPID (big-endian),
the stream and the unordered bit a test sent."""

from __future__ import annotations

import struct
import subprocess
from typing import Iterator, List, Tuple

from aiosctp import lowlevel as ll
from sctputil import Capture, messages, pair

SENT = [  # (payload, stream, ppid, unordered)
    (b"diameter", 2, 46, True),
    (b"s1ap", 0, 18, False),
    (b"ngap", 7, 60, False),
    (b"max-ppid", 1, 2**32 - 1, True),
    (b"m3ua", 3, 3, False),
]


def data_chunks(path: str) -> Iterator[Tuple[int, int, int, bytes, bytes]]:
    """Yield (flags, stream, ppid, raw ppid bytes, payload) of every DATA
    chunk in a pcap of Ethernet-framed (lo) IPv4/IPv6 packets."""
    with open(path, "rb") as f:
        blob = f.read()
    magic = struct.unpack_from("<I", blob)[0]
    assert magic == 0xA1B2C3D4, hex(magic)
    off = 24
    while off + 16 <= len(blob):
        incl = struct.unpack_from("<I", blob, off + 8)[0]
        pkt = blob[off + 16: off + 16 + incl]
        off += 16 + incl
        ethertype = struct.unpack_from(">H", pkt, 12)[0]
        if ethertype == 0x0800:
            ihl = (pkt[14] & 0x0F) * 4
            sctp = pkt[14 + ihl:]
        elif ethertype == 0x86DD:
            sctp = pkt[14 + 40:]
        else:
            continue
        c = 12  # past the common header
        while c + 4 <= len(sctp):
            ctype, cflags, clen = struct.unpack_from(">BBH", sctp, c)
            if clen < 4:
                break
            if ctype == 0:  # DATA
                tsn, sid, ssn = struct.unpack_from(">IHH", sctp, c + 4)
                raw_ppid = sctp[c + 12: c + 16]
                yield cflags, sid, struct.unpack(">I", raw_ppid)[0], raw_ppid, sctp[c + 16: c + clen]
            c += (clen + 3) & ~3


def test_capture_shows_ppid_stream_and_unordered_bit(tmp_path):
    cli, srv = pair(subscribe=False)
    path = str(tmp_path / "sctp.pcap")
    cap = Capture(path)
    try:
        for data, stream, ppid, unordered in SENT:
            ll.sendmsg(cli, data, stream=stream, ppid=ppid, unordered=unordered)
        got = messages(srv, len(SENT))
    finally:
        cap.stop()
    assert sorted((m.data, m.stream, m.ppid, m.unordered) for m in got) == sorted(SENT)

    # our own reading of the bytes: the PPID field is the big-endian integer
    chunks = {payload: (flags, sid, ppid, raw) for flags, sid, ppid, raw, payload in data_chunks(path)}
    for data, stream, ppid, unordered in SENT:
        flags, sid, wire_ppid, raw = chunks[data]
        assert raw == struct.pack(">I", ppid)
        assert (sid, wire_ppid, bool(flags & 0x04)) == (stream, ppid, unordered)

    # and tshark's dissector agrees
    out = subprocess.run(
        ["tshark", "-r", path, "-Y", "sctp.data_payload_proto_id", "-T", "fields",
         "-e", "sctp.data_payload_proto_id", "-e", "sctp.data_sid", "-e", "sctp.data_u_bit"],
        capture_output=True, text=True, timeout=300, check=True).stdout
    rows: List[Tuple[int, int, int]] = []
    for line in out.splitlines():
        p, sid, u = line.split("\t")
        rows.append((int(p), int(sid, 0), int(u)))
    assert sorted(rows) == sorted((ppid, stream, int(unordered)) for _, stream, ppid, unordered in SENT)
