"""The X12 270 eligibility batch (005010X279A1) for the checks due, written as one file for the clearinghouse.

Rows come from marts.packet_eligibility_270_requests (one per check due). The batch has one information
source (HL 20) per payer, under it the group as information receiver (HL 21: the group's name and NPI, its
TIN in REF*TJ), and one subscriber (HL 22) per request with TRN*1 carrying the request's trace number (the
appointment id) and the group's TIN as originator: the 271 echoes it as TRN*2, and the warehouse reads the
answer back to the child by it. Service type AD (occupational therapy) is asked for the visit's date.

Which checks go out, and when, is the eligibility_270_batch asset's business
(dagster_project/assets/eligibility_270.py). The file carries member ids, names and dates of birth: it is
written only into the clearinghouse upload folder, never logged.

pyx12 ships no 270 (X279) map here, so the batch cannot be validated against the implementation guide;
tests check its structure instead (envelope and SE counts, the HL hierarchy).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from core.settings import Eligibility270Settings

from .claim_837 import Segment, join
from .values import as_date

IMPLEMENTATION = "005010X279A1"
SERVICE_TYPE_OT = "AD"
REQUIRED = (
    "flag_id",
    "trace_number",
    "x12_payer_id",
    "payer_name",
    "member_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "service_date",
)


def _text(value) -> str:
    """An element value: X12 delimiters and line breaks never reach the file."""
    return " ".join(str(value).replace("*", " ").replace("~", " ").replace(":", " ").replace("^", " ").split())


def check_key(as_of: date, flag_id: str) -> str:
    """The check's key in the ledger's control-number sequence: a check is asked once per as-of date, so a
    re-run that day leaves it out, and a check still due the next day (no 271 came back) is asked again."""
    return f"270:{as_of.isoformat()}:{flag_id}"


def build_270(rows: list[dict], control_number: int, created: datetime, sender: Eligibility270Settings) -> str:
    """The whole interchange for the requests in ``rows``; a row missing a required value is an error that
    names the request's flag and the column, never the value."""
    if not rows:
        raise ValueError("no eligibility requests: a 270 batch needs at least one")
    if not (1 <= control_number <= 999_999_999):
        raise ValueError("the interchange control number must be 1..999999999")
    for row in rows:
        missing = [col for col in REQUIRED if row.get(col) in (None, "")]
        if missing:
            raise ValueError(f"eligibility request {row.get('flag_id')}: missing {', '.join(missing)}")
    by_payer: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (str(r["x12_payer_id"]), str(r["trace_number"]))):
        by_payer[str(row["x12_payer_id"])].append(row)
    body: list[Segment] = []
    hl = 0
    for payer_id, payer_rows in by_payer.items():
        source_hl, receiver_hl = hl + 1, hl + 2
        hl = receiver_hl
        body += [
            ["HL", str(source_hl), "", "20", "1"],
            ["NM1", "PR", "2", _text(payer_rows[0]["payer_name"]), "", "", "", "", "PI", _text(payer_id)],
            ["HL", str(receiver_hl), str(source_hl), "21", "1"],
            ["NM1", "1P", "2", _text(sender.submitter_name), "", "", "", "", "XX", sender.group_npi],
            ["REF", "TJ", sender.group_tin],
        ]
        for row in payer_rows:
            hl += 1
            body += [
                ["HL", str(hl), str(receiver_hl), "22", "0"],
                ["TRN", "1", _text(row["trace_number"]), "1" + sender.group_tin],
                ["NM1", "IL", "1", _text(row["last_name"]), _text(row["first_name"]), "", "", "", "MI"]
                + [_text(row["member_id"])],
                ["DMG", "D8", as_date(row["date_of_birth"]).strftime("%Y%m%d")],
                ["DTP", "291", "D8", as_date(row["service_date"]).strftime("%Y%m%d")],
                ["EQ", SERVICE_TYPE_OT],
            ]
    control = str(control_number)
    st_control = control.zfill(4)  # ST02 is 4 to 9 characters
    st: list[Segment] = [
        ["ST", "270", st_control, IMPLEMENTATION],
        ["BHT", "0022", "13", f"ELIG{control_number:09d}", created.strftime("%Y%m%d"), created.strftime("%H%M")],
        *body,
    ]
    st.append(["SE", str(len(st) + 1), st_control])
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.submitter_id.ljust(15),
        "ZZ",
        sender.receiver_id.ljust(15),
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        "^",
        "00501",
        f"{control_number:09d}",
        "0",
        sender.usage,
        ":",
    ]
    gs = [
        "GS",
        "HS",
        sender.submitter_id,
        sender.receiver_id,
        created.strftime("%Y%m%d"),
        created.strftime("%H%M"),
        control,
        "X",
        IMPLEMENTATION,
    ]
    return "*".join(isa) + "~\n" + join([gs, *st, ["GE", "1", control], ["IEA", "1", f"{control_number:09d}"]])


def batch_file_name(control_number: int) -> str:
    return f"eligibility_270_{control_number:09d}.x12"


def write_batch(
    rows: list[dict], out_dir: Path, control_number: int, created: datetime, sender: Eligibility270Settings
) -> Path | None:
    """Write the batch as ``eligibility_270_<control>.x12`` (atomically: a dot name renamed into place, so
    the mailbox never uploads half a file). Nothing is written when no check is due."""
    if not rows:
        return None
    text = build_270(rows, control_number, created, sender)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / batch_file_name(control_number)
    if final.exists():
        raise FileExistsError(f"{final.name} exists: use a new interchange control number")
    temp = out_dir / f".{final.name}.tmp"
    temp.write_text(text, encoding="utf-8")
    temp.replace(final)
    return final
