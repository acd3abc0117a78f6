"""Rebuild an 837P (005010X222A1) from a claim as it was submitted: one definition shared by the claims
emitters that send a claim again in another form (a replacement, frequency 7; a claim to the secondary
payer carrying the primary's adjudication). The 837P reader keeps each claim's loops 2000B-2400
(``claim_x12``) and its transaction's billing header (``billing_x12``); this puts them back in a fresh
ISA/GS/ST envelope with the subscriber HLs renumbered, passing every claim segment through ``edit``. The
identifiers a letter about the claim names (billing NPI and TIN, rendering NPI) are read here too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .values import as_date

Segment = list[str]
IMPLEMENTATION = "005010X222A1"


def segments(text: str) -> list[Segment]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def join(segs: list[Segment]) -> str:
    out = []
    for seg in segs:
        items = list(seg)
        while items and items[-1] == "":
            items.pop()
        out.append("*".join(items))
    return "".join(s + "~\n" for s in out)


def drafted_envelope_date(row: dict) -> date:
    """The date a drafted 837P's envelope carries (ISA09, GS04, BHT04): the claim's date of service, a date of its
    own data, so the draft reads the same every night. Approval sets the envelope to the approval day, the day
    the file is really made (core/approval_date.py)."""
    return as_date(row["service_date"])


def rebuild(
    claim_x12: str,
    billing_x12: str,
    control: int,
    created: date,
    batch_id: str,
    edit: Callable[[Segment], list[Segment]],
    finish: Callable[[], list[Segment]] = list,
) -> str:
    """The whole interchange: ``edit(segment)`` returns what replaces each claim segment (``[]`` drops it);
    ``finish()`` returns segments to append after the claim's last one (before SE)."""
    billing = segments(billing_x12)
    submitter = next(s[9] for s in billing if s[0] == "NM1" and s[1] == "41")
    receiver = next(s[9] for s in billing if s[0] == "NM1" and s[1] == "40")
    body: list[Segment] = []
    hl_map: dict[str, str] = {"1": "1"}
    for seg in segments(claim_x12):
        if seg[0] == "HL":
            new_id = str(len(hl_map) + 1)
            hl_map[seg[1]] = new_id
            seg = ["HL", new_id, hl_map.get(seg[2], "1"), *seg[3:]]
        body += edit(seg)
    body += finish()
    header = list(billing)
    header[0] = ["BHT", "0019", "00", batch_id, created.strftime("%Y%m%d"), "0700", "CH"]
    st = [["ST", "837", "0001", IMPLEMENTATION], *header, *body]
    st.append(["SE", str(len(st) + 1), "0001"])
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        submitter.ljust(15)[:15],
        "ZZ",
        receiver.ljust(15)[:15],
        created.strftime("%y%m%d"),
        "0700",
        "^",
        "00501",
        f"{control:09d}",
        "0",
        "P",
        ":",
    ]
    gs = ["GS", "HC", submitter, receiver, created.strftime("%Y%m%d"), "0700", str(control), "X", IMPLEMENTATION]
    return "*".join(isa) + "~\n" + join([gs, *st, ["GE", "1", str(control)], ["IEA", "1", f"{control:09d}"]])


def phi_terms(claim_x12: str) -> list[str]:
    """The subscriber/patient name parts, member id and date of birth as they appear in the claim."""
    terms = []
    for seg in segments(claim_x12):
        if seg[0] == "NM1" and seg[1] in ("IL", "QC"):
            terms += [v for v in (seg[3], seg[4] if len(seg) > 4 else "", seg[9] if len(seg) > 9 else "") if v]
        elif seg[0] == "DMG" and len(seg) > 2:
            terms.append(seg[2])
    return sorted(set(terms))


def billing_identifiers(billing_x12: str, claim_x12: str) -> dict[str, str]:
    """Billing provider name, NPI and TIN (2010AA) and the rendering NPI (2310B) as the claim carried them."""
    found = {"billing_name": "", "billing_npi": "", "billing_tin": "", "rendering_npi": ""}
    for seg in segments(billing_x12):
        if seg[0] == "NM1" and seg[1] == "85":
            found["billing_name"], found["billing_npi"] = seg[3], seg[9]
        elif seg[0] == "REF" and seg[1] == "EI":
            found["billing_tin"] = seg[2]
    for seg in segments(claim_x12):
        if seg[0] == "NM1" and seg[1] == "82":
            found["rendering_npi"] = seg[9]
    missing = [k for k, v in found.items() if not v and k != "rendering_npi"]
    if missing:
        raise ValueError(f"the submitted claim's billing header has no {', '.join(missing)} (loop 2010AA)")
    found["rendering_npi"] = found["rendering_npi"] or found["billing_npi"]
    return found
