#!/usr/bin/env python3
"""S1AP-style MME: answers eNBs' S1 Setup and their UEs' first NAS messages
over SCTP (PPID 18, port 36412), with real S1AP (ASN.1 APER) PDUs.

    python examples/s1ap_server.py                 # listen on 127.0.0.1:36412
    python examples/s1ap_server.py --port 0 -v     # any free port, show PDUs

For each association (an eNB, see s1ap_client.py):

- stream 0, non-UE-associated signalling: S1SetupRequest is answered with
  S1SetupResponse (MME name, served GUMMEI, relative capacity), or with
  S1SetupFailure (cause misc: unknown-PLMN) when the eNB's PLMN is not one the
  MME serves (--plmn);
- the other streams, UE-associated signalling: an InitialUEMessage (Attach
  Request) gets a DownlinkNASTransport (Identity Request) with a new
  MME-UE-S1AP-ID, on stream 1 + eNB-UE-S1AP-ID % (outbound streams - 1); the
  UplinkNASTransport (Identity Response) that follows is printed.

Every PDU is printed as it is sent or received ("MME <- eNB ..."). Prints
"listening on HOST PORT" once ready; stops on SIGINT/SIGTERM (closing live
associations in order) or after --associations associations have ended.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from typing import Iterator, List, Optional

import aiosctp

import runner

import s1ap_codec as s1ap


def ue_stream(enb_ue_id: int, ostreams: int) -> int:
    """The stream of a UE's signalling: never 0, which is for the rest."""
    return 1 + enb_ue_id % (ostreams - 1) if ostreams > 1 else 0


class MME:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.plmns = [s1ap.plmn_identity(*p.split("-")) for p in args.plmn]
        self.mme_ue_ids: Iterator[int] = itertools.count(args.first_mme_ue_id)
        self.ended = 0
        self.all_ended: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self.failed = False

    def show(self, text: str) -> None:
        print(text, flush=True)

    async def send(self, assoc: aiosctp.Association, pdu: bytes, stream: int) -> None:
        await assoc.send(pdu, stream=stream, ppid=s1ap.PPID)
        self.show(f"MME -> eNB  stream {stream} ppid {s1ap.PPID} {len(pdu)} bytes  "
                  f"{s1ap.decode(pdu).summary()}")
        if self.args.verbose:
            self.show(f"            {pdu.hex()}")

    async def handle(self, assoc: aiosctp.Association) -> None:
        peer = assoc.remote_address
        self.show(f"association {assoc.assoc_id} from {peer[0]} {peer[1]}: "
                  f"{assoc.ostreams} streams out, {assoc.instreams} in")
        setup_done = False
        try:
            async for msg in assoc:
                if msg.ppid != s1ap.PPID:
                    self.show(f"MME: ignoring a message with PPID {msg.ppid} (not S1AP)")
                    self.failed = True
                    continue
                try:
                    pdu = s1ap.decode(msg.data)
                except ValueError as exc:
                    self.show(f"MME: undecodable S1AP on stream {msg.stream}: {exc}")
                    self.failed = True
                    continue
                self.show(f"MME <- eNB  stream {msg.stream} ppid {msg.ppid} "
                          f"{len(msg.data)} bytes  {pdu.summary()}")
                key = (pdu.pdu_type, pdu.procedure_code)
                if key == (s1ap.INITIATING_MESSAGE, s1ap.S1_SETUP):
                    if msg.stream != 0:
                        self.show("MME: S1 Setup not on stream 0")
                        self.failed = True
                    plmn = pdu.ies.get("Global-ENB-ID", {}).get("plmn")
                    if plmn in self.args.plmn:
                        reply = s1ap.s1_setup_response(
                            self.args.name, self.plmns, self.args.group_id, self.args.mme_code,
                            self.args.capacity)
                        setup_done = True
                    else:
                        reply = s1ap.s1_setup_failure("unknown-PLMN")
                    await self.send(assoc, reply, 0)
                elif key == (s1ap.INITIATING_MESSAGE, s1ap.INITIAL_UE_MESSAGE):
                    enb_ue_id = pdu.ies["eNB-UE-S1AP-ID"]
                    if not setup_done or msg.stream == 0:
                        self.show("MME: InitialUEMessage before S1 Setup or on stream 0")
                        self.failed = True
                    await self.send(
                        assoc,
                        s1ap.downlink_nas_transport(next(self.mme_ue_ids), enb_ue_id,
                                                    s1ap.nas_identity_request()),
                        ue_stream(enb_ue_id, assoc.ostreams))
                elif key == (s1ap.INITIATING_MESSAGE, s1ap.UPLINK_NAS_TRANSPORT):
                    imsi = s1ap.nas_imsi(pdu.ies.get("NAS-PDU", b""))
                    self.show(f"MME: UE eNB-UE-S1AP-ID {pdu.ies['eNB-UE-S1AP-ID']} "
                              f"MME-UE-S1AP-ID {pdu.ies['MME-UE-S1AP-ID']} is IMSI {imsi}")
                else:
                    self.show(f"MME: no handling of {pdu.name}")
        finally:
            self.show(f"association {assoc.assoc_id} ended"
                      f"{'' if assoc.close_exception is None else ': ' + str(assoc.close_exception)}")
            self.ended += 1
            if self.args.associations and self.ended >= self.args.associations:
                if not self.all_ended.done():
                    self.all_ended.set_result(None)


async def main(args: argparse.Namespace) -> int:
    mme = MME(args)
    server = await aiosctp.serve(mme.handle, args.host, args.port,
                                 ostreams=args.streams, instreams=args.streams)
    print("listening on", *server.sockets[0].getsockname()[:2], flush=True)
    await runner.serve_until_stopped(server, mme.all_ended)
    print("stopped", flush=True)
    return 1 if mme.failed else 0


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run s1ap_client.py against it. Exit status 0 unless a peer sent "
               "something unexpected.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=s1ap.PORT,
                   help=f"SCTP port ({s1ap.PORT}; 0: any free port)")
    p.add_argument("--streams", type=int, default=8,
                   help="SCTP streams asked for each way (8)")
    p.add_argument("--name", default="aiosctp-MME", help="MMEname (aiosctp-MME)")
    p.add_argument("--plmn", action="append", metavar="MCC-MNC",
                   help="a served PLMN, repeatable (001-01)")
    p.add_argument("--group-id", type=lambda s: int(s, 0), default=0x8001,
                   help="MME group id (0x8001)")
    p.add_argument("--mme-code", type=lambda s: int(s, 0), default=1, help="MME code (1)")
    p.add_argument("--capacity", type=int, default=127, help="RelativeMMECapacity (127)")
    p.add_argument("--first-mme-ue-id", type=int, default=1000,
                   help="first MME-UE-S1AP-ID handed out (1000)")
    p.add_argument("--associations", type=int, default=0,
                   help="exit after this many associations have ended (0: run until signalled)")
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the PDUs in hex")
    args = p.parse_args(argv)
    args.plmn = args.plmn or ["001-01"]
    for plmn in args.plmn:
        try:
            s1ap.plmn_identity(*plmn.split("-"))
        except (TypeError, ValueError):
            p.error(f"bad --plmn {plmn!r}: MCC-MNC such as 001-01")
    return args


if __name__ == "__main__":
    args = parse()
    coro = main(args)
    runner.run(coro, args.loop)
