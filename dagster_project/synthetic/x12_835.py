"""Write X12 835 (005010X221A1) remittances: one interchange per file, one ST per payee.

Hand-written because pyx12 (the pinned X12 library) validates and parses but has no writer; every
file goes through the same functions below, and the tests validate them with pyx12.
Money is Decimal with two decimals; every claim and transaction balances (docs/domain-reference.md 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ELEMENT, REPETITION, COMPONENT, TERMINATOR = "*", "^", ":", "~"


@dataclass
class RemitLine:
    cpt_code: str
    modifiers: list[str]
    charge: Decimal
    paid: Decimal
    units: int
    service_date: date
    line_control_number: str
    allowed: Decimal
    adjustments: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (group, CARC, amount)
    remark_codes: list[str] = field(default_factory=list)


@dataclass
class RemitClaim:
    claim_id: str
    status_code: str  # 1 processed as primary, 4 denied
    filing_indicator: str
    payer_claim_number: str
    place_of_service: str
    member_id: str
    patient_last: str
    patient_first: str
    rendering_npi: str
    rendering_last: str
    rendering_first: str
    date_of_service: date
    lines: list[RemitLine]
    # True: the payer answers the whole claim with claim-level CAS and no service lines (CLP02 = 4); the lines
    # still give the totals.
    adjudicated_at_claim_level: bool = False
    remark_codes: list[str] = field(default_factory=list)  # claim-level RARCs, written in MOA03-07

    @property
    def charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), Decimal("0.00"))

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((amt for line in self.lines for grp, _, amt in line.adjustments if grp == "PR"), Decimal("0.00"))


@dataclass
class RemitPayer:
    name: str
    x12_payer_id: str
    address: str
    city: str
    state: str
    zip: str
    phone: str


@dataclass
class RemitPayee:
    name: str
    npi: str
    tin: str


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _seg(*elements) -> str:
    # Trailing empty elements are dropped, as X12 requires.
    items = [str(e) for e in elements]
    while items and items[-1] == "":
        items.pop()
    return ELEMENT.join(items)


def _cas_segments(adjustments: list[tuple[str, str, Decimal]]) -> list[str]:
    by_group: dict[str, list[tuple[str, Decimal]]] = {}
    for group, reason, amount in adjustments:
        by_group.setdefault(group, []).append((reason, amount))
    segments = []
    for group in sorted(by_group):
        triplets = by_group[group]
        for start in range(0, len(triplets), 6):  # CAS holds at most six reason/amount/quantity triplets
            parts = ["CAS", group]
            for reason, amount in triplets[start : start + 6]:
                parts += [reason, _money(amount), ""]
            segments.append(_seg(*parts))
    return segments


def transaction_segments(
    st_control: str,
    payer: RemitPayer,
    payee: RemitPayee,
    payment_date: date,
    trace_number: str,
    claims: list[RemitClaim],
) -> list[str]:
    """The segments from ST to SE of one 835 transaction (no terminators)."""
    total = sum((c.paid for c in claims), Decimal("0.00"))  # no PLB: BPR02 = sum(CLP04)
    d8 = payment_date.strftime("%Y%m%d")
    if total > 0:
        bpr = _seg("BPR", "C", _money(total), "C", "CHK", *[""] * 11, d8)
    else:  # a denial-only remit is a zero-payment notification
        bpr = _seg("BPR", "H", _money(total), "C", "NON", *[""] * 11, d8)
    segs = [
        _seg("ST", "835", st_control),
        bpr,
        _seg("TRN", "1", trace_number, "1" + payee.tin),
        _seg("DTM", "405", d8),
        _seg("N1", "PR", payer.name),
        _seg("N3", payer.address),
        _seg("N4", payer.city, payer.state, payer.zip),
        _seg("REF", "2U", payer.x12_payer_id),
        _seg("PER", "BL", "PROVIDER SERVICES", "TE", payer.phone),
        _seg("N1", "PE", payee.name, "XX", payee.npi),
        _seg("REF", "TJ", payee.tin),
        _seg("LX", "1"),
    ]
    for claim in claims:
        dos = claim.date_of_service.strftime("%Y%m%d")
        segs += [
            _seg(
                "CLP",
                claim.claim_id,
                claim.status_code,
                _money(claim.charge),
                _money(claim.paid),
                _money(claim.patient_responsibility),
                claim.filing_indicator,
                claim.payer_claim_number,
                claim.place_of_service,
                "1",
            ),
        ]
        if claim.adjudicated_at_claim_level:  # 2100 CAS sits between CLP and NM1*QC, one amount per reason
            totals: dict[tuple[str, str], Decimal] = {}
            for group, reason, amount in (a for line in claim.lines for a in line.adjustments):
                totals[(group, reason)] = totals.get((group, reason), Decimal("0.00")) + amount
            segs += _cas_segments([(group, reason, amount) for (group, reason), amount in sorted(totals.items())])
        segs += [
            _seg("NM1", "QC", "1", claim.patient_last, claim.patient_first, "", "", "", "MI", claim.member_id),
            _seg("NM1", "82", "1", claim.rendering_last, claim.rendering_first, "", "", "", "XX", claim.rendering_npi),
        ]
        if claim.remark_codes:  # 2100 MOA follows the NM1 segments; MOA03-07 hold up to five remark codes
            segs.append(_seg("MOA", "", "", *claim.remark_codes[:5]))
        segs += [
            _seg("DTM", "232", dos),
            _seg("DTM", "233", dos),
        ]
        for line in [] if claim.adjudicated_at_claim_level else claim.lines:
            procedure = COMPONENT.join(["HC", line.cpt_code, *line.modifiers])
            segs.append(_seg("SVC", procedure, _money(line.charge), _money(line.paid), "", str(line.units)))
            segs.append(_seg("DTM", "472", line.service_date.strftime("%Y%m%d")))
            segs += _cas_segments(line.adjustments)
            segs.append(_seg("REF", "6R", line.line_control_number))
            segs.append(_seg("AMT", "B6", _money(line.allowed)))
            if line.remark_codes:
                segs.append(_seg("LQ", "HE", line.remark_codes[0]))
                segs += [_seg("LQ", "HE", code) for code in line.remark_codes[1:]]
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
                sender.ljust(15),
                "ZZ",
                receiver.ljust(15),
                created.strftime("%y%m%d"),
                "0600",
                REPETITION,
                "00501",
                f"{control:09d}",
                "0",
                "P",
                COMPONENT,
            ]
        ),
        _seg("GS", "HP", sender, receiver, created.strftime("%Y%m%d"), "0600", str(control), "X", "005010X221A1"),
    ]


def interchange_trailer(transaction_count: int, control: int) -> list[str]:
    return [_seg("GE", str(transaction_count), str(control)), _seg("IEA", "1", f"{control:09d}")]


def render(segments: list[str]) -> str:
    return "".join(segment + TERMINATOR + "\n" for segment in segments)
