"""Write X12 837P (005010X222A1) professional claims: one interchange per file, one ST per batch.

Hand-written for the same reason as ``x12_835.py`` (pyx12 validates but does not write); the tests
validate the generated files with pyx12. The layout follows docs/domain-reference.md 7: billing provider
(2000A/2010AA), subscriber = patient (2000B/2010BA, SBR02 = 18, no 2000C: the child holds the
coverage), payer (2010BB), claim (2300 CLM with CLM05 = POS:B:frequency, then in implementation-guide
order DTP*454 initial treatment and DTP*304 last seen dates, REF*G1 prior authorization, REF*F8 on a
replacement, NTE, HI with every diagnosis), referring provider with name and NPI (2310A NM1*DN) and
rendering provider (2310B), and one 2400 LX/SV1/DTP*472/REF*6R per line. Money is Decimal with two
decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ELEMENT, REPETITION, COMPONENT, TERMINATOR = "*", "^", ":", "~"
IMPLEMENTATION = "005010X222A1"


@dataclass
class ClaimLine:
    cpt_code: str
    modifiers: list[str]
    charge: Decimal
    units: int
    service_date: date
    line_control_number: str  # REF*6R, echoed in the 835
    diagnosis_pointers: list[int] = field(default_factory=lambda: [1])


@dataclass
class Claim:
    claim_id: str  # CLM01, returned in 835 CLP01
    place_of_service: str
    frequency_code: str  # 1 original, 7 replacement, 8 void
    filing_indicator: str  # SBR09
    payer_name: str
    payer_x12_id: str
    member_id: str
    patient_last: str
    patient_first: str
    patient_dob: date
    patient_sex: str
    patient_address: str
    patient_city: str
    patient_state: str
    patient_zip: str
    diagnosis_codes: list[str]  # ICD-10-CM with or without the dot; written without it
    rendering_npi: str
    rendering_last: str
    rendering_first: str
    referring_npi: str | None
    lines: list[ClaimLine]
    referring_last: str = ""  # 2310A NM1*DN, with referring_npi
    referring_first: str = ""
    initial_treatment_date: date | None = None  # DTP*454
    last_seen_date: date | None = None  # DTP*304: the referring physician last saw the patient
    note: str | None = None  # NTE*ADD
    authorization_number: str | None = None  # REF*G1
    payer_claim_number: str | None = None  # REF*F8, required for frequency 7/8
    sequence: str = "P"  # SBR01: P primary, S secondary
    taxonomy: str = "225X00000X"

    @property
    def charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


@dataclass
class BillingProvider:
    name: str
    npi: str
    tin: str
    address: str
    city: str
    state: str
    zip9: str  # 2010AA N403 must be ZIP+4
    taxonomy: str = "225X00000X"


def _money(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text


def _seg(*elements) -> str:
    items = [str(e) for e in elements]
    while items and items[-1] == "":
        items.pop()
    return ELEMENT.join(items)


def _name(value: str, limit: int = 60) -> str:
    return value.upper().replace("*", " ").replace("~", " ").replace(":", " ").replace("^", " ")[:limit]


def claim_segments(claim: Claim, hl_parent: int, hl_next: int) -> list[str]:
    """Loops 2000B..2400 of one claim (subscriber HL numbered ``hl_next`` under billing HL ``hl_parent``)."""
    segs = [
        _seg("HL", str(hl_next), str(hl_parent), "22", "0"),
        _seg("SBR", claim.sequence, "18", "", "", "", "", "", "", claim.filing_indicator),
        _seg(
            "NM1",
            "IL",
            "1",
            _name(claim.patient_last, 60),
            _name(claim.patient_first, 35),
            "",
            "",
            "",
            "MI",
            claim.member_id,
        ),
        _seg("N3", _name(claim.patient_address, 55)),
        _seg("N4", _name(claim.patient_city, 30), claim.patient_state, claim.patient_zip),
        _seg("DMG", "D8", claim.patient_dob.strftime("%Y%m%d"), claim.patient_sex),
        _seg("NM1", "PR", "2", _name(claim.payer_name, 60), "", "", "", "", "PI", claim.payer_x12_id),
        _seg(
            "CLM",
            claim.claim_id,
            _money(claim.charge),
            "",
            "",
            COMPONENT.join([claim.place_of_service, "B", claim.frequency_code]),
            "Y",
            "A",
            "Y",
            "Y",
        ),
    ]
    if claim.initial_treatment_date:
        segs.append(_seg("DTP", "454", "D8", claim.initial_treatment_date.strftime("%Y%m%d")))
    if claim.last_seen_date:
        segs.append(_seg("DTP", "304", "D8", claim.last_seen_date.strftime("%Y%m%d")))
    if claim.authorization_number:
        segs.append(_seg("REF", "G1", claim.authorization_number))
    if claim.payer_claim_number:
        segs.append(_seg("REF", "F8", claim.payer_claim_number))
    if claim.note:
        segs.append(_seg("NTE", "ADD", _name(claim.note, 80)))
    hi = [
        COMPONENT.join(["ABK" if i == 0 else "ABF", code.replace(".", "")])
        for i, code in enumerate(claim.diagnosis_codes[:12])
    ]
    segs.append(_seg("HI", *hi))
    if claim.referring_npi:
        last, first = _name(claim.referring_last or "REFERRING", 60), _name(claim.referring_first, 35)
        segs.append(_seg("NM1", "DN", "1", last, first, "", "", "", "XX", claim.referring_npi))
    segs += [
        _seg(
            "NM1",
            "82",
            "1",
            _name(claim.rendering_last),
            _name(claim.rendering_first, 35),
            "",
            "",
            "",
            "XX",
            claim.rendering_npi,
        ),
        _seg("PRV", "PE", "PXC", claim.taxonomy),
    ]
    for number, line in enumerate(claim.lines, start=1):
        procedure = COMPONENT.join(["HC", line.cpt_code, *line.modifiers[:4]])
        pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers[:4])
        segs += [
            _seg("LX", str(number)),
            _seg("SV1", procedure, _money(line.charge), "UN", str(line.units), "", "", pointers),
            _seg("DTP", "472", "D8", line.service_date.strftime("%Y%m%d")),
            _seg("REF", "6R", line.line_control_number),
        ]
    return segs


def transaction_segments(
    st_control: str,
    batch_id: str,
    created: date,
    submitter_id: str,
    receiver_name: str,
    receiver_id: str,
    billing: BillingProvider,
    claims: list[Claim],
) -> list[str]:
    """ST..SE of one 837P transaction: one billing provider, one subscriber HL per claim."""
    segs = [
        _seg("ST", "837", st_control, IMPLEMENTATION),
        _seg("BHT", "0019", "00", batch_id, created.strftime("%Y%m%d"), "0700", "CH"),
        _seg("NM1", "41", "2", _name(billing.name), "", "", "", "", "46", submitter_id),
        _seg("PER", "IC", "BILLING OFFICE", "TE", "5125550100"),
        _seg("NM1", "40", "2", _name(receiver_name), "", "", "", "", "46", receiver_id),
        _seg("HL", "1", "", "20", "1"),
        _seg("PRV", "BI", "PXC", billing.taxonomy),
        _seg("NM1", "85", "2", _name(billing.name), "", "", "", "", "XX", billing.npi),
        _seg("N3", _name(billing.address, 55)),
        _seg("N4", _name(billing.city, 30), billing.state, billing.zip9),
        _seg("REF", "EI", billing.tin),
    ]
    hl = 1
    for claim in claims:
        hl += 1
        segs += claim_segments(claim, 1, hl)
    segs.append(_seg("SE", str(len(segs) + 1), st_control))
    return segs


def interchange_header(sender: str, receiver: str, created: date, control: int) -> list[str]:
    return [
        ELEMENT.join(
            [
                "ISA",
                "00",
                " " * 10,
                "00",
                " " * 10,
                "ZZ",
                sender.ljust(15)[:15],
                "ZZ",
                receiver.ljust(15)[:15],
                created.strftime("%y%m%d"),
                "0700",
                REPETITION,
                "00501",
                f"{control:09d}",
                "0",
                "P",
                COMPONENT,
            ]
        ),
        _seg("GS", "HC", sender, receiver, created.strftime("%Y%m%d"), "0700", str(control), "X", IMPLEMENTATION),
    ]


def interchange_trailer(transaction_count: int, control: int) -> list[str]:
    return [_seg("GE", str(transaction_count), str(control)), _seg("IEA", "1", f"{control:09d}")]


def render(segments: list[str]) -> str:
    return "".join(segment + TERMINATOR + "\n" for segment in segments)


def render_interchange(
    sender: str,
    receiver: str,
    receiver_name: str,
    created: date,
    control: int,
    billing: BillingProvider,
    claims: list[Claim],
) -> str:
    """A whole file: one ISA/GS/ST holding ``claims`` for one billing provider."""
    body = transaction_segments("0001", f"B{control:07d}", created, sender, receiver_name, receiver, billing, claims)
    return render(interchange_header(sender, receiver, created, control) + body + interchange_trailer(1, control))
