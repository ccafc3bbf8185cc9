#!/usr/bin/env python3
"""Diameter-style peer over SCTP (PPID 46, port 3868): the base protocol's
peer connection of RFC 6733 with real Diameter messages, in both roles.

    python examples/diameter_peer.py --role server              # 127.0.0.1:3868
    python examples/diameter_peer.py --role client --watchdogs 3 --interval 1

The client opens an association, then:

1. Capabilities-Exchange: CER -> CEA (Result-Code 2001 DIAMETER_SUCCESS);
2. Device-Watchdog, --watchdogs times, --interval seconds apart: DWR -> DWA;
3. Disconnect-Peer: DPR (Disconnect-Cause) -> DPA, then the client closes
   the association (SHUTDOWN).

The server answers each request of each association: CER with CEA (after
checking the peer's Origin-Host/Origin-Realm), DWR with DWA, DPR with DPA,
any other request with DIAMETER_COMMAND_UNSUPPORTED (3001); a DWR or DPR
before the capabilities exchange gets DIAMETER_UNABLE_TO_COMPLY (5012).
Answers go on the stream of their request; the client uses stream 0.

Messages are encoded here (RFC 6733 section 3: version 1, length, flags,
command code, application id 0, hop-by-hop and end-to-end identifiers; AVPs
padded to 4 bytes) and every one sent or received is printed with its AVPs.
Answers are matched to requests by hop-by-hop identifier and checked for
end-to-end identifier and Result-Code. The server prints "listening on HOST
PORT" once ready and runs until SIGINT/SIGTERM or --associations ended; the
client prints "ok: ..." and exits 0 when every answer was right.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import signal
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import aiosctp

PPID = 46          #: SCTP payload protocol identifier of Diameter (IANA)
PORT = 3868        #: Diameter's SCTP port
VERSION = 1
HEADER = struct.Struct(">B3sB3sIII")  # version, length, flags, code, app id, hop-by-hop, e2e

# command flags
FLAG_R, FLAG_P, FLAG_E, FLAG_T = 0x80, 0x40, 0x20, 0x10
# AVP flags
AVP_V, AVP_M = 0x80, 0x40

# command codes
CER_CEA = 257
DWR_DWA = 280
DPR_DPA = 282
COMMANDS = {CER_CEA: ("CER", "CEA"), DWR_DWA: ("DWR", "DWA"), DPR_DPA: ("DPR", "DPA")}

# AVP codes and types: (name, type) ; types: utf8, u32, i32, address
HOST_IP_ADDRESS = 257
AUTH_APPLICATION_ID = 258
ORIGIN_HOST = 264
VENDOR_ID = 266
FIRMWARE_REVISION = 267
RESULT_CODE = 268
PRODUCT_NAME = 269
DISCONNECT_CAUSE = 273
ORIGIN_STATE_ID = 278
ERROR_MESSAGE = 281
ORIGIN_REALM = 296
AVPS = {
    HOST_IP_ADDRESS: ("Host-IP-Address", "address"),
    AUTH_APPLICATION_ID: ("Auth-Application-Id", "u32"),
    ORIGIN_HOST: ("Origin-Host", "utf8"),
    VENDOR_ID: ("Vendor-Id", "u32"),
    FIRMWARE_REVISION: ("Firmware-Revision", "u32"),
    RESULT_CODE: ("Result-Code", "u32"),
    PRODUCT_NAME: ("Product-Name", "utf8"),
    DISCONNECT_CAUSE: ("Disconnect-Cause", "i32"),
    ORIGIN_STATE_ID: ("Origin-State-Id", "u32"),
    ERROR_MESSAGE: ("Error-Message", "utf8"),
    ORIGIN_REALM: ("Origin-Realm", "utf8"),
}
#: AVPs whose M bit RFC 6733 (section 4.5) says must not be set
NOT_MANDATORY = {PRODUCT_NAME, FIRMWARE_REVISION, ERROR_MESSAGE}

DIAMETER_SUCCESS = 2001
DIAMETER_COMMAND_UNSUPPORTED = 3001
DIAMETER_UNABLE_TO_COMPLY = 5012
DISCONNECT_CAUSES = {0: "REBOOTING", 1: "BUSY", 2: "DO_NOT_WANT_TO_TALK_TO_YOU"}


# ---- encoding and decoding ---------------------------------------------------------------


@dataclass
class AVP:
    code: int
    value: Any           # str (UTF8String/DiameterIdentity), int, or an ip address
    flags: int = AVP_M
    vendor_id: Optional[int] = None

    @property
    def name(self) -> str:
        return AVPS.get(self.code, (f"AVP {self.code}", ""))[0]


def avp(code: int, value: Any) -> AVP:
    return AVP(code, value, 0 if code in NOT_MANDATORY else AVP_M)


def encode_avp(a: AVP) -> bytes:
    kind = AVPS.get(a.code, ("", "raw"))[1]
    v = a.value
    data: bytes
    if kind == "utf8":
        data = v.encode("utf-8")
    elif kind == "u32":
        data = struct.pack(">I", v)
    elif kind == "i32":
        data = struct.pack(">i", v)
    elif kind == "address":  # Address: AddressType (1 IPv4, 2 IPv6) + address
        ip = ipaddress.ip_address(v)
        data = struct.pack(">H", 1 if ip.version == 4 else 2) + ip.packed
    else:
        data = bytes(v)
    flags = a.flags | (AVP_V if a.vendor_id is not None else 0)
    head = struct.pack(">IB", a.code, flags)
    vendor = struct.pack(">I", a.vendor_id) if a.vendor_id is not None else b""
    length = 8 + len(vendor) + len(data)
    return head + length.to_bytes(3, "big") + vendor + data + b"\0" * (-length % 4)


def decode_avps(data: bytes) -> List[AVP]:
    out = []
    off = 0
    while off < len(data):
        if off + 8 > len(data):
            raise ValueError("truncated AVP header")
        code, flags = struct.unpack_from(">IB", data, off)
        length = int.from_bytes(data[off + 5:off + 8], "big")
        hlen = 12 if flags & AVP_V else 8
        if length < hlen or off + length > len(data):
            raise ValueError(f"bad length {length} of AVP {code}")
        vendor = struct.unpack_from(">I", data, off + 8)[0] if flags & AVP_V else None
        raw = data[off + hlen:off + length]
        kind = AVPS.get(code, ("", "raw"))[1]
        value: Any = raw
        if kind == "utf8":
            value = raw.decode("utf-8")
        elif kind in ("u32", "i32") and len(raw) == 4:
            value = struct.unpack(">I" if kind == "u32" else ">i", raw)[0]
        elif kind == "address" and len(raw) in (6, 18):
            value = str(ipaddress.ip_address(raw[2:]))
        out.append(AVP(code, value, flags & ~AVP_V, vendor))
        off += length + (-length % 4)
    return out


@dataclass
class Message:
    code: int
    request: bool
    hop_by_hop: int
    end_to_end: int
    avps: List[AVP] = field(default_factory=list)
    flags: int = 0          # P, E, T (R comes from ``request``)
    application_id: int = 0

    @property
    def name(self) -> str:
        pair = COMMANDS.get(self.code)
        if pair is None:
            return f"command {self.code} {'request' if self.request else 'answer'}"
        return pair[0] if self.request else pair[1]

    def get(self, code: int) -> Any:
        for a in self.avps:
            if a.code == code:
                return a.value
        return None

    def encode(self) -> bytes:
        body = b"".join(encode_avp(a) for a in self.avps)
        flags = self.flags | (FLAG_R if self.request else 0)
        return HEADER.pack(VERSION, (HEADER.size + len(body)).to_bytes(3, "big"), flags,
                           self.code.to_bytes(3, "big"), self.application_id,
                           self.hop_by_hop, self.end_to_end) + body

    def summary(self) -> str:
        avps = ", ".join(f"{a.name}={a.value}" for a in self.avps)
        return (f"{self.name} (code {self.code}, flags {'R' if self.request else '-'}"
                f"{'E' if self.flags & FLAG_E else ''}, hop-by-hop 0x{self.hop_by_hop:08x}, "
                f"end-to-end 0x{self.end_to_end:08x}) {avps}")


def decode(data: bytes) -> Message:
    """Decode one Diameter message (raises ValueError when it is not one)."""
    if len(data) < HEADER.size:
        raise ValueError("shorter than a Diameter header")
    version, length, flags, code, app, hbh, e2e = HEADER.unpack_from(data)
    if version != VERSION:
        raise ValueError(f"Diameter version {version}")
    if int.from_bytes(length, "big") != len(data):
        raise ValueError(f"Diameter length {int.from_bytes(length, 'big')}, "
                         f"message of {len(data)} bytes")
    return Message(int.from_bytes(code, "big"), bool(flags & FLAG_R), hbh, e2e,
                   decode_avps(data[HEADER.size:]), flags & ~FLAG_R, app)


# ---- a peer ------------------------------------------------------------------------------


class Peer:
    """One end of a Diameter peer connection over an association: answers the
    requests it receives and matches answers to the requests it sent."""

    def __init__(self, assoc: aiosctp.Association, args: argparse.Namespace,
                 label: str) -> None:
        self.assoc = assoc
        self.args = args
        self.label = label
        self.state_id = int(time.time()) & 0xFFFFFFFF  # Origin-State-Id
        self.hop_by_hop = random.getrandbits(32)
        # end-to-end: low 12 bits of the time in the top 12 bits, random below
        self.end_to_end = ((int(time.time()) & 0xFFF) << 20) | random.getrandbits(20)
        self.pending: Dict[int, Tuple[Message, "asyncio.Future[Message]"]] = {}
        self.peer_host: Optional[str] = None
        self.open = False         # capabilities exchanged
        self.disconnecting = False
        self.errors: List[str] = []

    def show(self, text: str) -> None:
        print(text, flush=True)

    def identity(self) -> List[AVP]:
        return [avp(ORIGIN_HOST, self.args.origin_host), avp(ORIGIN_REALM, self.args.origin_realm)]

    def capabilities(self) -> List[AVP]:
        local = self.assoc.local_address
        return [avp(HOST_IP_ADDRESS, local[0] if local else "127.0.0.1"),
                avp(VENDOR_ID, self.args.vendor_id),
                avp(PRODUCT_NAME, self.args.product_name),
                avp(ORIGIN_STATE_ID, self.state_id)]

    async def send(self, msg: Message, stream: int = 0) -> None:
        data = msg.encode()
        await self.assoc.send(data, stream=stream, ppid=PPID)
        self.show(f"{self.label} -> {msg.summary()}  [stream {stream}, ppid {PPID}, "
                  f"{len(data)} bytes]")

    async def request(self, code: int, avps: List[AVP]) -> Message:
        """Send a request and wait for its answer."""
        self.hop_by_hop = (self.hop_by_hop + 1) & 0xFFFFFFFF
        self.end_to_end = (self.end_to_end + 1) & 0xFFFFFFFF
        msg = Message(code, True, self.hop_by_hop, self.end_to_end, self.identity() + avps)
        fut: "asyncio.Future[Message]" = asyncio.get_running_loop().create_future()
        self.pending[msg.hop_by_hop] = (msg, fut)
        await self.send(msg)
        try:
            answer = await asyncio.wait_for(fut, self.args.timeout)
        finally:
            self.pending.pop(msg.hop_by_hop, None)
        result = answer.get(RESULT_CODE)
        if answer.end_to_end != msg.end_to_end:
            raise ValueError(f"{answer.name}: end-to-end 0x{answer.end_to_end:08x}, "
                             f"sent 0x{msg.end_to_end:08x}")
        if result != DIAMETER_SUCCESS:
            raise ValueError(f"{answer.name}: Result-Code {result}")
        return answer

    async def answer(self, req: Message, stream: int) -> None:
        """Answer a request the peer sent."""
        if req.code == CER_CEA:
            result = DIAMETER_SUCCESS
            if req.get(ORIGIN_HOST) is None or req.get(ORIGIN_REALM) is None:
                result = DIAMETER_UNABLE_TO_COMPLY
            else:
                self.open = True
                self.peer_host = req.get(ORIGIN_HOST)
            extra = self.capabilities()
        elif req.code in (DWR_DWA, DPR_DPA):
            result = DIAMETER_SUCCESS if self.open else DIAMETER_UNABLE_TO_COMPLY
            extra = [avp(ORIGIN_STATE_ID, self.state_id)] if req.code == DWR_DWA else []
            if req.code == DPR_DPA:
                self.disconnecting = True
        else:
            result = DIAMETER_COMMAND_UNSUPPORTED
            extra = []
        avps = [avp(RESULT_CODE, result)] + self.identity() + extra
        flags = FLAG_E if 3000 <= result < 4000 else 0
        if result != DIAMETER_SUCCESS:
            self.errors.append(f"answered {req.name} with Result-Code {result}")
        await self.send(Message(req.code, False, req.hop_by_hop, req.end_to_end, avps,
                                flags, req.application_id), stream)

    async def read(self) -> None:
        """Read the association until it ends: answer requests, hand answers
        to their requests."""
        async for m in self.assoc:
            if m.ppid != PPID:
                self.errors.append(f"PPID {m.ppid}, not {PPID}")
            try:
                msg = decode(m.data)
            except ValueError as exc:
                self.errors.append(f"undecodable message: {exc}")
                self.show(f"{self.label}: undecodable message on stream {m.stream}: {exc}")
                continue
            self.show(f"{self.label} <- {msg.summary()}  [stream {m.stream}, ppid {m.ppid}, "
                      f"{len(m.data)} bytes]")
            if msg.request:
                await self.answer(msg, m.stream)
            else:
                entry = self.pending.get(msg.hop_by_hop)
                if entry is None or entry[0].code != msg.code:
                    self.errors.append(f"unexpected answer {msg.name}")
                elif not entry[1].done():
                    entry[1].set_result(msg)
        for _, fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("the association ended"))


# ---- roles -------------------------------------------------------------------------------


async def run_client(args: argparse.Namespace) -> int:
    async with aiosctp.connect(args.host, args.port, ostreams=args.streams,
                               instreams=args.streams, timeout=args.timeout) as assoc:
        print(f"association {assoc.assoc_id} with {args.host} {args.port}", flush=True)
        peer = Peer(assoc, args, "client")
        reader = asyncio.create_task(peer.read())
        try:
            cea = await peer.request(CER_CEA, peer.capabilities())
            print(f"client: capabilities exchanged with {cea.get(ORIGIN_HOST)} "
                  f"({cea.get(PRODUCT_NAME)})", flush=True)
            for i in range(args.watchdogs):
                if i or args.interval:
                    await asyncio.sleep(args.interval)
                await peer.request(DWR_DWA, [avp(ORIGIN_STATE_ID, peer.state_id)])
            await peer.request(DPR_DPA, [avp(DISCONNECT_CAUSE, args.disconnect_cause)])
        except (ValueError, ConnectionError, asyncio.TimeoutError) as exc:
            print(f"failed: {exc!r}", flush=True)
            reader.cancel()
            assoc.abort()
            await asyncio.gather(reader, return_exceptions=True)
            return 1
        # RFC 6733 5.4: the DPR's sender closes the transport once it has the DPA.
        await assoc.close()
        await reader
    if peer.errors:
        print("failed: " + "; ".join(peer.errors), flush=True)
        return 1
    print(f"ok: CER/CEA, {args.watchdogs} DWR/DWA, DPR/DPA with {cea.get(ORIGIN_HOST)}, "
          f"PPID {PPID}", flush=True)
    return 0


async def run_server(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    errors: List[str] = []
    ended = [0]
    all_ended: "asyncio.Future[None]" = loop.create_future()

    async def handle(assoc: aiosctp.Association) -> None:
        peer_addr = assoc.remote_address
        print(f"association {assoc.assoc_id} from {peer_addr[0]} {peer_addr[1]}", flush=True)
        peer = Peer(assoc, args, "server")
        try:
            await peer.read()
        finally:
            errors.extend(peer.errors)
            print(f"association {assoc.assoc_id} with {peer.peer_host} ended"
                  f"{' after DPR/DPA' if peer.disconnecting else ''}", flush=True)
            ended[0] += 1
            if args.associations and ended[0] >= args.associations and not all_ended.done():
                all_ended.set_result(None)

    server = await aiosctp.serve(handle, args.host, args.port, ostreams=args.streams,
                                 instreams=args.streams)
    print("listening on", *server.sockets[0].getsockname()[:2], flush=True)
    stop: "asyncio.Future[None]" = loop.create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    async with server:
        await asyncio.wait([stop, all_ended], return_when=asyncio.FIRST_COMPLETED)
    print("stopped" + (": " + "; ".join(errors) if errors else ""), flush=True)
    return 1 if errors else 0


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Start --role server first, then --role client with the same --port.")
    p.add_argument("--role", choices=["server", "client"], required=True)
    p.add_argument("--host", default="127.0.0.1",
                   help="server: address to listen on; client: the server's (127.0.0.1)")
    p.add_argument("--port", type=int, default=PORT,
                   help=f"SCTP port ({PORT}; a server's 0 takes any free port)")
    p.add_argument("--streams", type=int, default=2, help="SCTP streams asked for each way (2)")
    p.add_argument("--origin-host", help="Origin-Host (ROLE.example.org)")
    p.add_argument("--origin-realm", default="example.org", help="Origin-Realm (example.org)")
    p.add_argument("--product-name", default="aiosctp-diameter-peer")
    p.add_argument("--vendor-id", type=int, default=0, help="Vendor-Id (0)")
    p.add_argument("--watchdogs", type=int, default=2,
                   help="client: DWR/DWA exchanges before DPR (2)")
    p.add_argument("--interval", type=float, default=1.0,
                   help="client: seconds before each DWR, the watchdog timer Tw (1)")
    p.add_argument("--disconnect-cause", type=int, choices=sorted(DISCONNECT_CAUSES), default=0,
                   help="client: DPR's Disconnect-Cause (0 REBOOTING)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="client: seconds to wait for the association and for each answer (60)")
    p.add_argument("--associations", type=int, default=0,
                   help="server: exit after this many associations ended (0: until signalled)")
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = p.parse_args(argv)
    args.origin_host = args.origin_host or f"{args.role}.{args.origin_realm}"
    if args.watchdogs < 0 or args.interval < 0:
        p.error("--watchdogs and --interval cannot be negative")
    if args.role == "client" and args.port == 0:
        p.error("a client needs the server's --port")
    return args


if __name__ == "__main__":
    args = parse()
    coro = run_client(args) if args.role == "client" else run_server(args)
    if args.loop == "uvloop":
        import uvloop

        sys.exit(uvloop.run(coro))
    sys.exit(asyncio.run(coro))
