"""Just enough S1AP (3GPP TS 36.413) for the S1AP examples, encoded by hand
in ASN.1 aligned PER (APER, ITU-T X.691), the encoding S1AP uses on the wire.

S1AP runs over SCTP (TS 36.412) with payload protocol identifier 18 on port
36412: stream 0 carries the non-UE-associated signalling (S1 Setup), the other
streams the UE-associated signalling.

The PDUs here are real S1AP: Wireshark's S1AP dissector decodes them field by
field (tests/test_examples_telecom.py checks that). Supported:

====================================  =====  ================================
PDU                                   code   IEs
====================================  =====  ================================
S1SetupRequest (initiatingMessage)    17     Global-ENB-ID, eNBname,
                                             SupportedTAs, DefaultPagingDRX
S1SetupResponse (successfulOutcome)   17     MMEname, ServedGUMMEIs,
                                             RelativeMMECapacity
S1SetupFailure (unsuccessfulOutcome)  17     Cause
InitialUEMessage                      12     eNB-UE-S1AP-ID, NAS-PDU, TAI,
                                             EUTRAN-CGI, RRC-Establishment-Cause
DownlinkNASTransport                  11     MME-UE-S1AP-ID, eNB-UE-S1AP-ID,
                                             NAS-PDU
UplinkNASTransport                    13     MME-UE-S1AP-ID, eNB-UE-S1AP-ID,
                                             NAS-PDU, EUTRAN-CGI, TAI
====================================  =====  ================================

:func:`decode` reads any S1AP PDU's framing (PDU type, procedure code,
criticality, the protocol IEs) and decodes the values of the IEs above; other
IEs are kept as raw bytes. The NAS-PDUs are small EPS NAS messages (TS 24.301:
Attach Request, Identity Request/Response), see :func:`nas_attach_request`.

No ASN.1 compiler is needed. (A full codec, e.g. pycrate's S1AP module, could
replace this file; the examples keep to the standard library.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

PPID = 18          #: SCTP payload protocol identifier of S1AP (IANA)
PORT = 36412       #: SCTP port of S1AP (TS 36.412)

# S1AP-PDU choice
INITIATING_MESSAGE, SUCCESSFUL_OUTCOME, UNSUCCESSFUL_OUTCOME = 0, 1, 2
PDU_TYPES = {0: "initiatingMessage", 1: "successfulOutcome", 2: "unsuccessfulOutcome"}

# Criticality
REJECT, IGNORE, NOTIFY = 0, 1, 2

# procedure codes (S1AP-Constants)
DOWNLINK_NAS_TRANSPORT = 11
INITIAL_UE_MESSAGE = 12
UPLINK_NAS_TRANSPORT = 13
S1_SETUP = 17

# protocol IE ids (S1AP-Constants)
ID_MME_UE_S1AP_ID = 0
ID_CAUSE = 2
ID_ENB_UE_S1AP_ID = 8
ID_NAS_PDU = 26
ID_GLOBAL_ENB_ID = 59
ID_ENBNAME = 60
ID_MMENAME = 61
ID_SUPPORTED_TAS = 64
ID_TAI = 67
ID_RELATIVE_MME_CAPACITY = 87
ID_EUTRAN_CGI = 100
ID_SERVED_GUMMEIS = 105
ID_RRC_ESTABLISHMENT_CAUSE = 134
ID_DEFAULT_PAGING_DRX = 137

PAGING_DRX = ["v32", "v64", "v128", "v256"]
RRC_ESTABLISHMENT_CAUSES = ["emergency", "highPriorityAccess", "mt-Access", "mo-Signalling",
                            "mo-Data"]
CAUSE_GROUPS = ["radioNetwork", "transport", "nas", "protocol", "misc"]
CAUSE_MISC = ["control-processing-overload", "not-enough-user-plane-processing-resources",
              "hardware-failure", "om-intervention", "unspecified", "unknown-PLMN"]
#: root enumeration sizes of the Cause groups (all extensible)
_CAUSE_GROUP_SIZES = [36, 2, 4, 7, 6]


# ---- APER primitives ------------------------------------------------------------------


class BitWriter:
    """Bits, most significant first; align() pads with zeros to an octet."""

    def __init__(self) -> None:
        self._bits: List[int] = []

    def put(self, value: int, nbits: int) -> None:
        if value < 0 or value >> nbits:
            raise ValueError(f"{value} does not fit in {nbits} bits")
        self._bits.extend((value >> i) & 1 for i in range(nbits - 1, -1, -1))

    def align(self) -> None:
        self._bits.extend([0] * (-len(self._bits) % 8))

    def octets(self, data: bytes) -> None:
        """Octet-aligned octets (fixed-size strings of more than 2 octets)."""
        self.align()
        for b in data:
            self.put(b, 8)

    def constrained(self, value: int, lb: int, ub: int) -> None:
        """A constrained whole number lb..ub (X.691 11.5.7, ALIGNED variant)."""
        if not lb <= value <= ub:
            raise ValueError(f"{value} not in {lb}..{ub}")
        rng = ub - lb + 1
        v = value - lb
        if rng == 1:
            return
        if rng <= 255:  # bit-field case: no alignment
            self.put(v, (rng - 1).bit_length())
        elif rng == 256:  # one-octet aligned case
            self.align()
            self.put(v, 8)
        elif rng <= 65536:  # two-octet aligned case
            self.align()
            self.put(v, 16)
        else:  # indefinite-length case: octet count as a bit-field, then octets
            nbytes = max(1, (v.bit_length() + 7) // 8)
            self.constrained(nbytes, 1, ((rng - 1).bit_length() + 7) // 8)
            self.align()
            self.put(v, 8 * nbytes)

    def length(self, n: int) -> None:
        """An unconstrained length determinant (X.691 11.9.3.6-7), aligned."""
        self.align()
        if n < 128:
            self.put(n, 8)
        elif n < 16384:
            self.put(0x8000 | n, 16)
        else:
            raise ValueError("fragmented PER lengths (16K and more) are not needed here")

    def getvalue(self) -> bytes:
        self.align()
        bits = self._bits
        return bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))


class BitReader:
    """The reading side of :class:`BitWriter`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0  # in bits

    def get(self, nbits: int) -> int:
        if self.pos + nbits > 8 * len(self.data):
            raise ValueError("S1AP PDU too short")
        v = 0
        for _ in range(nbits):
            v = (v << 1) | ((self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def align(self) -> None:
        self.pos += -self.pos % 8

    def octets(self, n: int) -> bytes:
        self.align()
        start = self.pos >> 3
        if start + n > len(self.data):
            raise ValueError("S1AP PDU too short")
        self.pos += 8 * n
        return self.data[start:start + n]

    def constrained(self, lb: int, ub: int) -> int:
        rng = ub - lb + 1
        if rng == 1:
            return lb
        if rng <= 255:
            return lb + self.get((rng - 1).bit_length())
        if rng == 256:
            self.align()
            return lb + self.get(8)
        if rng <= 65536:
            self.align()
            return lb + self.get(16)
        nbytes = self.constrained(1, ((rng - 1).bit_length() + 7) // 8)
        self.align()
        return lb + self.get(8 * nbytes)

    def length(self) -> int:
        self.align()
        first = self.get(8)
        if first < 0x80:
            return first
        if first < 0xC0:
            return ((first & 0x3F) << 8) | self.get(8)
        raise ValueError("fragmented PER lengths are not supported")


# ---- IE values ----------------------------------------------------------------------


def plmn_identity(mcc: str, mnc: str) -> bytes:
    """PLMNidentity: TBCD-STRING (SIZE (3)) of MCC and MNC (2 or 3 digits)."""
    if not (len(mcc) == 3 and mcc.isdigit() and len(mnc) in (2, 3) and mnc.isdigit()):
        raise ValueError(f"bad MCC/MNC {mcc!r}/{mnc!r}")
    d = [int(c) for c in mcc] + [int(c) for c in mnc]
    mnc3 = d[5] if len(mnc) == 3 else 0xF
    return bytes([d[1] << 4 | d[0], mnc3 << 4 | d[2], d[4] << 4 | d[3]])


def plmn_str(plmn: bytes) -> str:
    """'001-01' from PLMNidentity bytes."""
    mcc = f"{plmn[0] & 0xF}{plmn[0] >> 4}{plmn[1] & 0xF}"
    mnc = f"{plmn[2] & 0xF}{plmn[2] >> 4}" + ("" if plmn[1] >> 4 == 0xF else str(plmn[1] >> 4))
    return f"{mcc}-{mnc}"


def _printable_string(s: str, lb: int = 1, ub: int = 150) -> bytes:
    """PrintableString (SIZE (lb..ub, ...)): ENBname, MMEname."""
    w = BitWriter()
    w.put(0, 1)  # size within the root
    w.constrained(len(s), lb, ub)
    w.octets(s.encode("ascii"))  # 8 bits a character, aligned
    return w.getvalue()


def _read_printable_string(r: BitReader, lb: int = 1, ub: int = 150) -> str:
    if r.get(1):
        n = r.length()
    else:
        n = r.constrained(lb, ub)
    return r.octets(n).decode("ascii")


def _global_enb_id(plmn: bytes, macro_enb_id: int) -> bytes:
    w = BitWriter()
    w.put(0, 1)  # extension bit
    w.put(0, 1)  # iE-Extensions absent
    w.octets(plmn)
    w.put(0, 1)  # ENB-ID: root alternative
    w.put(0, 1)  # macroENB-ID
    w.align()
    w.put(macro_enb_id, 20)  # BIT STRING (SIZE (20)), aligned
    return w.getvalue()


def _read_global_enb_id(r: BitReader) -> Dict[str, Any]:
    r.get(1)
    r.get(1)
    plmn = r.octets(3)
    if r.get(1):
        raise ValueError("extended ENB-ID choice not supported")
    kind = r.get(1)
    r.align()
    return {"plmn": plmn_str(plmn), "macroENB-ID" if kind == 0 else "homeENB-ID":
            r.get(20 if kind == 0 else 28)}


def _supported_tas(tas: Sequence[Tuple[int, Sequence[bytes]]]) -> bytes:
    w = BitWriter()
    w.constrained(len(tas), 1, 256)  # maxnoofTACs
    for tac, plmns in tas:
        w.put(0, 1)  # extension bit
        w.put(0, 1)  # iE-Extensions absent
        w.put(tac, 16)  # TAC: OCTET STRING (SIZE (2)), not aligned
        w.constrained(len(plmns), 1, 6)  # maxnoofBPLMNs
        for p in plmns:
            w.octets(p)
    return w.getvalue()


def _read_supported_tas(r: BitReader) -> List[Tuple[int, List[str]]]:
    out = []
    for _ in range(r.constrained(1, 256)):
        r.get(1)
        r.get(1)
        tac = r.get(16)
        plmns = [plmn_str(r.octets(3)) for _ in range(r.constrained(1, 6))]
        out.append((tac, plmns))
    return out


def _served_gummeis(plmns: Sequence[bytes], group_ids: Sequence[int],
                    mme_codes: Sequence[int]) -> bytes:
    w = BitWriter()
    w.constrained(1, 1, 8)  # one ServedGUMMEIsItem (maxnoofRATs)
    w.put(0, 1)  # extension bit
    w.put(0, 1)  # iE-Extensions absent
    w.constrained(len(plmns), 1, 32)  # maxnoofPLMNsPerMME
    for p in plmns:
        w.octets(p)
    w.constrained(len(group_ids), 1, 65535)  # maxnoofGroupIDs
    for g in group_ids:
        w.put(g, 16)  # MME-Group-ID: OCTET STRING (SIZE (2))
    w.constrained(len(mme_codes), 1, 256)  # maxnoofMMECs
    for c in mme_codes:
        w.put(c, 8)  # MME-Code: OCTET STRING (SIZE (1))
    return w.getvalue()


def _read_served_gummeis(r: BitReader) -> List[Dict[str, Any]]:
    out = []
    for _ in range(r.constrained(1, 8)):
        r.get(1)
        r.get(1)
        plmns = [plmn_str(r.octets(3)) for _ in range(r.constrained(1, 32))]
        groups = [r.get(16) for _ in range(r.constrained(1, 65535))]
        codes = [r.get(8) for _ in range(r.constrained(1, 256))]
        out.append({"plmns": plmns, "mme-group-ids": groups, "mme-codes": codes})
    return out


def _enumerated(index: int, root_size: int) -> bytes:
    """ENUMERATED {..., ...} (extensible) with a root value."""
    w = BitWriter()
    w.put(0, 1)
    w.constrained(index, 0, root_size - 1)
    return w.getvalue()


def _read_enumerated(r: BitReader, names: Sequence[str]) -> str:
    if r.get(1):
        return "extension value"
    i = r.constrained(0, len(names) - 1)
    return names[i]


def _uint(value: int, ub: int) -> bytes:
    w = BitWriter()
    w.constrained(value, 0, ub)
    return w.getvalue()


def _octet_string(data: bytes) -> bytes:
    w = BitWriter()
    w.length(len(data))
    w.octets(data)
    return w.getvalue()


def _tai(plmn: bytes, tac: int) -> bytes:
    w = BitWriter()
    w.put(0, 1)
    w.put(0, 1)
    w.octets(plmn)
    w.put(tac, 16)
    return w.getvalue()


def _read_tai(r: BitReader) -> Dict[str, Any]:
    r.get(1)
    r.get(1)
    return {"plmn": plmn_str(r.octets(3)), "tac": r.get(16)}


def _eutran_cgi(plmn: bytes, cell_id: int) -> bytes:
    w = BitWriter()
    w.put(0, 1)
    w.put(0, 1)
    w.octets(plmn)
    w.align()
    w.put(cell_id, 28)  # CellIdentity: BIT STRING (SIZE (28)), aligned
    return w.getvalue()


def _read_eutran_cgi(r: BitReader) -> Dict[str, Any]:
    r.get(1)
    r.get(1)
    plmn = plmn_str(r.octets(3))
    r.align()
    return {"plmn": plmn, "cell-id": r.get(28)}


def _cause(group: int, value: int) -> bytes:
    w = BitWriter()
    w.put(0, 1)  # Cause: root alternative
    w.constrained(group, 0, len(CAUSE_GROUPS) - 1)
    w.put(0, 1)  # the group's ENUMERATED: root value
    w.constrained(value, 0, _CAUSE_GROUP_SIZES[group] - 1)
    return w.getvalue()


def _read_cause(r: BitReader) -> str:
    if r.get(1):
        return "extension"
    group = r.constrained(0, len(CAUSE_GROUPS) - 1)
    if r.get(1):
        return f"{CAUSE_GROUPS[group]}: extension value"
    value = r.constrained(0, _CAUSE_GROUP_SIZES[group] - 1)
    name = CAUSE_MISC[value] if group == 4 else str(value)
    return f"{CAUSE_GROUPS[group]}: {name}"


# ---- PDUs -----------------------------------------------------------------------------


def _ie(ie_id: int, criticality: int, value: bytes) -> bytes:
    """ProtocolIE-Field: id (0..65535), criticality, value as an open type."""
    w = BitWriter()
    w.length(len(value))
    return struct.pack(">HB", ie_id, criticality << 6) + w.getvalue() + value


def _pdu(pdu_type: int, procedure: int, criticality: int, ies: Sequence[bytes]) -> bytes:
    # The message: SEQUENCE { protocolIEs ProtocolIE-Container, ... }; the
    # container is SEQUENCE (SIZE (0..65535)) OF ProtocolIE-Field.
    message = struct.pack(">BH", 0, len(ies)) + b"".join(ies)
    w = BitWriter()
    w.length(len(message))
    # S1AP-PDU: extensible CHOICE of 3 (2 bits); procedureCode (0..255) and
    # criticality (2 bits) of the InitiatingMessage/...Outcome SEQUENCE.
    return bytes([pdu_type << 5, procedure, criticality << 6]) + w.getvalue() + message


def s1_setup_request(plmn: bytes, macro_enb_id: int, enb_name: str,
                     tacs: Sequence[int], paging_drx: str = "v128") -> bytes:
    return _pdu(INITIATING_MESSAGE, S1_SETUP, REJECT, [
        _ie(ID_GLOBAL_ENB_ID, REJECT, _global_enb_id(plmn, macro_enb_id)),
        _ie(ID_ENBNAME, IGNORE, _printable_string(enb_name)),
        _ie(ID_SUPPORTED_TAS, REJECT, _supported_tas([(t, [plmn]) for t in tacs])),
        _ie(ID_DEFAULT_PAGING_DRX, IGNORE, _enumerated(PAGING_DRX.index(paging_drx), 4)),
    ])


def s1_setup_response(mme_name: str, plmns: Sequence[bytes], group_id: int, mme_code: int,
                      relative_capacity: int) -> bytes:
    return _pdu(SUCCESSFUL_OUTCOME, S1_SETUP, REJECT, [
        _ie(ID_MMENAME, IGNORE, _printable_string(mme_name)),
        _ie(ID_SERVED_GUMMEIS, REJECT, _served_gummeis(plmns, [group_id], [mme_code])),
        _ie(ID_RELATIVE_MME_CAPACITY, IGNORE, _uint(relative_capacity, 255)),
    ])


def s1_setup_failure(misc_cause: str = "unknown-PLMN") -> bytes:
    return _pdu(UNSUCCESSFUL_OUTCOME, S1_SETUP, REJECT, [
        _ie(ID_CAUSE, IGNORE, _cause(4, CAUSE_MISC.index(misc_cause))),
    ])


def initial_ue_message(enb_ue_id: int, nas_pdu: bytes, plmn: bytes, tac: int, cell_id: int,
                       cause: str = "mo-Signalling") -> bytes:
    return _pdu(INITIATING_MESSAGE, INITIAL_UE_MESSAGE, IGNORE, [
        _ie(ID_ENB_UE_S1AP_ID, REJECT, _uint(enb_ue_id, 2**24 - 1)),
        _ie(ID_NAS_PDU, REJECT, _octet_string(nas_pdu)),
        _ie(ID_TAI, REJECT, _tai(plmn, tac)),
        _ie(ID_EUTRAN_CGI, IGNORE, _eutran_cgi(plmn, cell_id)),
        _ie(ID_RRC_ESTABLISHMENT_CAUSE, IGNORE,
            _enumerated(RRC_ESTABLISHMENT_CAUSES.index(cause), 5)),
    ])


def downlink_nas_transport(mme_ue_id: int, enb_ue_id: int, nas_pdu: bytes) -> bytes:
    return _pdu(INITIATING_MESSAGE, DOWNLINK_NAS_TRANSPORT, IGNORE, [
        _ie(ID_MME_UE_S1AP_ID, REJECT, _uint(mme_ue_id, 2**32 - 1)),
        _ie(ID_ENB_UE_S1AP_ID, REJECT, _uint(enb_ue_id, 2**24 - 1)),
        _ie(ID_NAS_PDU, REJECT, _octet_string(nas_pdu)),
    ])


def uplink_nas_transport(mme_ue_id: int, enb_ue_id: int, nas_pdu: bytes, plmn: bytes,
                         tac: int, cell_id: int) -> bytes:
    return _pdu(INITIATING_MESSAGE, UPLINK_NAS_TRANSPORT, IGNORE, [
        _ie(ID_MME_UE_S1AP_ID, REJECT, _uint(mme_ue_id, 2**32 - 1)),
        _ie(ID_ENB_UE_S1AP_ID, REJECT, _uint(enb_ue_id, 2**24 - 1)),
        _ie(ID_NAS_PDU, REJECT, _octet_string(nas_pdu)),
        _ie(ID_EUTRAN_CGI, IGNORE, _eutran_cgi(plmn, cell_id)),
        _ie(ID_TAI, IGNORE, _tai(plmn, tac)),
    ])


# ---- decoding -------------------------------------------------------------------------

PDU_NAMES = {
    (INITIATING_MESSAGE, S1_SETUP): "S1SetupRequest",
    (SUCCESSFUL_OUTCOME, S1_SETUP): "S1SetupResponse",
    (UNSUCCESSFUL_OUTCOME, S1_SETUP): "S1SetupFailure",
    (INITIATING_MESSAGE, INITIAL_UE_MESSAGE): "InitialUEMessage",
    (INITIATING_MESSAGE, DOWNLINK_NAS_TRANSPORT): "DownlinkNASTransport",
    (INITIATING_MESSAGE, UPLINK_NAS_TRANSPORT): "UplinkNASTransport",
}

_IE_DECODERS: Dict[int, Tuple[str, Callable[[BitReader], Any]]] = {
    ID_MME_UE_S1AP_ID: ("MME-UE-S1AP-ID", lambda r: r.constrained(0, 2**32 - 1)),
    ID_ENB_UE_S1AP_ID: ("eNB-UE-S1AP-ID", lambda r: r.constrained(0, 2**24 - 1)),
    ID_CAUSE: ("Cause", _read_cause),
    ID_NAS_PDU: ("NAS-PDU", lambda r: r.octets(r.length())),
    ID_GLOBAL_ENB_ID: ("Global-ENB-ID", _read_global_enb_id),
    ID_ENBNAME: ("eNBname", _read_printable_string),
    ID_MMENAME: ("MMEname", _read_printable_string),
    ID_SUPPORTED_TAS: ("SupportedTAs", _read_supported_tas),
    ID_TAI: ("TAI", _read_tai),
    ID_RELATIVE_MME_CAPACITY: ("RelativeMMECapacity", lambda r: r.constrained(0, 255)),
    ID_EUTRAN_CGI: ("EUTRAN-CGI", _read_eutran_cgi),
    ID_SERVED_GUMMEIS: ("ServedGUMMEIs", _read_served_gummeis),
    ID_RRC_ESTABLISHMENT_CAUSE: ("RRC-Establishment-Cause",
                                 lambda r: _read_enumerated(r, RRC_ESTABLISHMENT_CAUSES)),
    ID_DEFAULT_PAGING_DRX: ("DefaultPagingDRX", lambda r: _read_enumerated(r, PAGING_DRX)),
}


@dataclass
class PDU:
    """A decoded S1AP PDU: ``ies`` maps IE names (or ``id-N`` for IEs this
    module does not know) to decoded values (raw bytes for unknown ones)."""

    pdu_type: int
    procedure_code: int
    criticality: int
    ies: Dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return PDU_NAMES.get((self.pdu_type, self.procedure_code),
                             f"{PDU_TYPES.get(self.pdu_type, '?')} of procedure "
                             f"{self.procedure_code}")

    def summary(self) -> str:
        parts = []
        for k, v in self.ies.items():
            if k == "NAS-PDU":
                v = f"{nas_name(v)} ({v.hex()})"
            parts.append(f"{k}={v}")
        return f"{self.name}: " + ", ".join(parts)


def decode(data: bytes) -> PDU:
    """Decode an S1AP-PDU (raises ValueError when it is not one)."""
    if len(data) < 4:
        raise ValueError("S1AP PDU too short")
    r = BitReader(data)
    if r.get(1):
        raise ValueError("extended S1AP-PDU choice")
    pdu_type = r.get(2)
    if pdu_type > 2:
        raise ValueError("bad S1AP-PDU choice")
    r.align()
    procedure = r.get(8)
    criticality = r.get(2)
    n = r.length()
    message = r.octets(n)
    if r.pos != 8 * len(data):
        raise ValueError("trailing bytes after the S1AP PDU")
    mr = BitReader(message)
    mr.get(1)  # extension bit of the message SEQUENCE
    pdu = PDU(pdu_type, procedure, criticality)
    for _ in range(mr.constrained(0, 65535)):
        mr.align()
        ie_id = mr.get(16)
        mr.get(2)  # criticality
        value = mr.octets(mr.length())
        if ie_id in _IE_DECODERS:
            name, reader = _IE_DECODERS[ie_id]
            pdu.ies[name] = reader(BitReader(value))
        else:
            pdu.ies[f"id-{ie_id}"] = value
    return pdu


# ---- EPS NAS (TS 24.301), plain messages ------------------------------------------------

NAS_ATTACH_REQUEST = 0x41
NAS_IDENTITY_REQUEST = 0x55
NAS_IDENTITY_RESPONSE = 0x56
NAS_NAMES = {NAS_ATTACH_REQUEST: "Attach Request", NAS_IDENTITY_REQUEST: "Identity Request",
             NAS_IDENTITY_RESPONSE: "Identity Response"}


def _imsi_identity(imsi: str) -> bytes:
    """Mobile/EPS mobile identity (IMSI) value, TS 24.008 10.5.1.4."""
    if not (6 <= len(imsi) <= 15 and imsi.isdigit()):
        raise ValueError(f"bad IMSI {imsi!r}")
    d = [int(c) for c in imsi]
    odd = len(d) % 2
    out = [d[0] << 4 | odd << 3 | 1]  # type of identity 1: IMSI
    rest = d[1:] + ([] if odd else [0xF])
    out += [rest[i + 1] << 4 | rest[i] for i in range(0, len(rest), 2)]
    return bytes(out)


def nas_attach_request(imsi: str) -> bytes:
    """EMM Attach Request (EPS attach, no security context) with a PDN
    Connectivity Request (IPv4) in its ESM container."""
    ident = _imsi_identity(imsi)
    esm = bytes([0x02, 0x01, 0xD0, 0x11])  # PD ESM, PTI 1, PDN Connectivity Req, IPv4/initial
    return (bytes([0x07, NAS_ATTACH_REQUEST, 0x71, len(ident)]) + ident
            + bytes([0x02, 0xE0, 0xE0])  # UE network capability: EEA0-2, EIA0-2
            + struct.pack(">H", len(esm)) + esm)


def nas_identity_request() -> bytes:
    return bytes([0x07, NAS_IDENTITY_REQUEST, 0x01])  # identity type: IMSI


def nas_identity_response(imsi: str) -> bytes:
    ident = _imsi_identity(imsi)
    return bytes([0x07, NAS_IDENTITY_RESPONSE, len(ident)]) + ident


def nas_name(nas: bytes) -> str:
    if len(nas) >= 2 and nas[0] == 0x07:
        return NAS_NAMES.get(nas[1], f"EMM message 0x{nas[1]:02x}")
    return "NAS message"


def nas_imsi(nas: bytes) -> Optional[str]:
    """The IMSI of an Attach Request or Identity Response, else None."""
    if len(nas) < 3 or nas[0] != 0x07:
        return None
    if nas[1] == NAS_ATTACH_REQUEST and len(nas) >= 4:
        ident = nas[4:4 + nas[3]]
    elif nas[1] == NAS_IDENTITY_RESPONSE:
        ident = nas[3:3 + nas[2]]
    else:
        return None
    if not ident or ident[0] & 7 != 1:
        return None
    digits = [ident[0] >> 4]
    for b in ident[1:]:
        digits += [b & 0xF, b >> 4]
    if not ident[0] & 8:  # even number of digits: last nibble is the filler
        digits = digits[:-1]
    return "".join(map(str, digits))
