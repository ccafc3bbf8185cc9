#!/usr/bin/env python3
"""S1AP-style eNB: sets up S1 with an MME over SCTP (PPID 18, port 36412)
and attaches a few UEs, with real S1AP (ASN.1 APER) PDUs.

    python examples/s1ap_client.py                      # MME on 127.0.0.1:36412
    python examples/s1ap_client.py --port 40000 --ues 5

On one association with s1ap_server.py (or another MME):

1. stream 0 (non-UE-associated): S1SetupRequest (Global-ENB-ID, eNBname,
   SupportedTAs, DefaultPagingDRX) -> S1SetupResponse (or S1SetupFailure,
   then the exit status is 1);
2. for each UE, on stream 1 + eNB-UE-S1AP-ID % (outbound streams - 1), all
   UEs at once: InitialUEMessage (NAS Attach Request) -> the MME's
   DownlinkNASTransport (NAS Identity Request, checked to arrive on the same
   rule's stream of the inbound streams) -> UplinkNASTransport (NAS Identity
   Response);
3. the association is closed in order (SHUTDOWN).

Every PDU is printed as it is sent or received ("eNB -> MME ..."); the last
line is "ok: ..." when everything went as above (exit status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Dict, List, Optional

import aiosctp

import s1ap_codec as s1ap


def ue_stream(enb_ue_id: int, streams: int) -> int:
    """The stream of a UE's signalling: never 0, which is for the rest."""
    return 1 + enb_ue_id % (streams - 1) if streams > 1 else 0


class ENB:
    def __init__(self, assoc: aiosctp.Association, args: argparse.Namespace) -> None:
        self.assoc = assoc
        self.args = args
        mcc, mnc = args.plmn.split("-")
        self.plmn = s1ap.plmn_identity(mcc, mnc)
        self.mcc_mnc: str = mcc + mnc

    def show(self, text: str) -> None:
        print(text, flush=True)

    async def send(self, pdu: bytes, stream: int) -> None:
        await self.assoc.send(pdu, stream=stream, ppid=s1ap.PPID)
        self.show(f"eNB -> MME  stream {stream} ppid {s1ap.PPID} {len(pdu)} bytes  "
                  f"{s1ap.decode(pdu).summary()}")
        if self.args.verbose:
            self.show(f"            {pdu.hex()}")

    async def recv(self) -> "tuple[s1ap.PDU, aiosctp.Message]":
        msg = await asyncio.wait_for(self.assoc.recv(), self.args.timeout)
        if msg.ppid != s1ap.PPID:
            raise ValueError(f"PPID {msg.ppid} received, not {s1ap.PPID}")
        pdu = s1ap.decode(msg.data)
        self.show(f"eNB <- MME  stream {msg.stream} ppid {msg.ppid} {len(msg.data)} bytes  "
                  f"{pdu.summary()}")
        return pdu, msg

    def imsi(self, enb_ue_id: int) -> str:
        """IMSI of a UE: the PLMN's digits, then 1 + its index, 15 digits in all."""
        return self.mcc_mnc + f"{enb_ue_id + 1:0{15 - len(self.mcc_mnc)}d}"

    async def run(self) -> str:
        a = self.args
        # 1. S1 Setup, stream 0
        await self.send(s1ap.s1_setup_request(self.plmn, a.enb_id, a.name, a.tac,
                                              a.paging_drx), 0)
        pdu, msg = await self.recv()
        if (pdu.procedure_code, msg.stream) != (s1ap.S1_SETUP, 0):
            raise ValueError(f"expected the S1 Setup answer on stream 0, got {pdu.name} "
                             f"on stream {msg.stream}")
        if pdu.pdu_type != s1ap.SUCCESSFUL_OUTCOME:
            raise ValueError(f"S1 Setup rejected: {pdu.ies.get('Cause')}")
        mme = pdu.ies.get("MMEname", "?")

        # 2. the UEs, each on its stream, all at once
        ostreams, instreams = self.assoc.ostreams, self.assoc.instreams
        for ue in range(a.ues):
            await self.send(s1ap.initial_ue_message(ue, s1ap.nas_attach_request(self.imsi(ue)),
                                                    self.plmn, a.tac[0], a.cell_id),
                            ue_stream(ue, ostreams))
        mme_ids: Dict[int, int] = {}
        while len(mme_ids) < a.ues:
            pdu, msg = await self.recv()
            if (pdu.pdu_type, pdu.procedure_code) != (s1ap.INITIATING_MESSAGE,
                                                      s1ap.DOWNLINK_NAS_TRANSPORT):
                raise ValueError(f"unexpected {pdu.name}")
            ue = pdu.ies["eNB-UE-S1AP-ID"]
            if ue not in range(a.ues) or ue in mme_ids:
                raise ValueError(f"DownlinkNASTransport for unknown UE {ue}")
            if msg.stream != ue_stream(ue, instreams):
                raise ValueError(f"UE {ue}'s DownlinkNASTransport came on stream {msg.stream}")
            nas = pdu.ies["NAS-PDU"]
            if nas != s1ap.nas_identity_request():
                raise ValueError(f"unexpected NAS {nas.hex()}")
            mme_ids[ue] = pdu.ies["MME-UE-S1AP-ID"]
            await self.send(s1ap.uplink_nas_transport(mme_ids[ue], ue,
                                                      s1ap.nas_identity_response(self.imsi(ue)),
                                                      self.plmn, a.tac[0], a.cell_id),
                            ue_stream(ue, ostreams))
        used = sorted({ue_stream(ue, ostreams) for ue in range(a.ues)})
        return (f"ok: S1 Setup with {mme} on stream 0, {a.ues} UEs on streams "
                f"{','.join(map(str, used))} of {ostreams}, PPID {s1ap.PPID}")


async def main(args: argparse.Namespace) -> int:
    async with aiosctp.connect(args.host, args.port, ostreams=args.streams,
                               instreams=args.streams, timeout=args.timeout) as assoc:
        print(f"association {assoc.assoc_id} with {args.host} {args.port}: "
              f"{assoc.ostreams} streams out, {assoc.instreams} in", flush=True)
        try:
            result = await ENB(assoc, args).run()
        except (ValueError, KeyError, asyncio.TimeoutError, ConnectionError) as exc:
            print(f"failed: {exc!r}", file=sys.stderr, flush=True)
            print(f"failed: {exc}", flush=True)
            return 1
    print(result, flush=True)
    return 0


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run s1ap_server.py first. Exit status 0 when the exchange went as above.")
    p.add_argument("--host", default="127.0.0.1", help="the MME's address (127.0.0.1)")
    p.add_argument("--port", type=int, default=s1ap.PORT, help=f"the MME's port ({s1ap.PORT})")
    p.add_argument("--streams", type=int, default=4,
                   help="SCTP streams asked for each way (4: stream 0 and 3 UE streams)")
    p.add_argument("--ues", type=int, default=3, help="UEs to attach (3)")
    p.add_argument("--name", default="aiosctp-eNB", help="eNBname (aiosctp-eNB)")
    p.add_argument("--plmn", default="001-01", metavar="MCC-MNC", help="PLMN (001-01)")
    p.add_argument("--enb-id", type=lambda s: int(s, 0), default=0x1A2B3,
                   help="20-bit macro eNB id (0x1A2B3)")
    p.add_argument("--tac", type=lambda s: int(s, 0), action="append",
                   help="a supported tracking area code, repeatable (1); UEs use the first")
    p.add_argument("--cell-id", type=lambda s: int(s, 0), default=0x1A2B301,
                   help="28-bit E-UTRAN cell id of the UEs (0x1A2B301)")
    p.add_argument("--paging-drx", choices=s1ap.PAGING_DRX, default="v128")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to wait for the association and for each answer (60)")
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the PDUs in hex")
    args = p.parse_args(argv)
    args.tac = args.tac or [1]
    try:
        s1ap.plmn_identity(*args.plmn.split("-"))
    except (TypeError, ValueError):
        p.error(f"bad --plmn {args.plmn!r}: MCC-MNC such as 001-01")
    if not 0 <= args.enb_id < 2**20 or not 0 <= args.cell_id < 2**28:
        p.error("--enb-id takes 20 bits, --cell-id 28")
    if not 0 <= args.ues < 2**24:
        p.error("--ues: 0 to 2**24-1")
    return args


if __name__ == "__main__":
    args = parse()
    coro = main(args)
    if args.loop == "uvloop":
        import uvloop

        sys.exit(uvloop.run(coro))
    sys.exit(asyncio.run(coro))
