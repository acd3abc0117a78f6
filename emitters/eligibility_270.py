"""The X12 270 eligibility batch (005010X279A1) for the checks due now, written as one file for the
clearinghouse to run.

Rows come from marts.packet_eligibility_270_requests (one per check due). The batch has one information
source (HL 20) per payer, one information receiver (HL 21, the location by NPI) per payer and location, and
one subscriber (HL 22) per request with TRN*1 carrying the request's trace number (the appointment id): the
271 echoes it as TRN*2, and the warehouse reads the answer back to the child by it. Service type AD
(occupational therapy) is asked for the visit's date.

The file goes into the clearinghouse upload folder (RCM_CLEARINGHOUSE_UPLOAD_DIR), where the
clearinghouse_mailbox asset uploads it once. It carries member ids, names and dates of birth: it is written
only there, never logged.

CLI: python -m emitters.eligibility_270 --warehouse data/warehouse/rcm.duckdb --submitter-id SUNNYSTEPSOT
     --receiver-id CLEARINGHOUSE --originator-tin 741234567 --control-number 1
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from .claim_837 import Segment, join
from .values import as_date

IMPLEMENTATION = "005010X279A1"
SERVICE_TYPE_OT = "AD"
REQUIRED = (
    "trace_number",
    "x12_payer_id",
    "payer_name",
    "facility_npi",
    "location_name",
    "member_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "service_date",
)


def _text(value) -> str:
    """An element value: X12 delimiters and line breaks never reach the file."""
    return " ".join(str(value).replace("*", " ").replace("~", " ").replace(":", " ").replace("^", " ").split())


def build_270(
    rows: list[dict], control_number: int, created: datetime, submitter_id: str, receiver_id: str, originator_tin: str
) -> str:
    """The whole interchange for the requests in ``rows``; a row missing a required value is an error that
    names the request's flag and the column, never the value."""
    if not rows:
        raise ValueError("no eligibility requests: a 270 batch needs at least one")
    if not (1 <= control_number <= 999_999_999):
        raise ValueError("the interchange control number must be 1..999999999")
    if not (originator_tin.isdigit() and len(originator_tin) == 9):
        raise ValueError("originator_tin must be the group's 9-digit TIN")
    for row in rows:
        missing = [col for col in REQUIRED if row.get(col) in (None, "")]
        if missing:
            raise ValueError(f"eligibility request {row.get('flag_id')}: missing {', '.join(missing)}")
    by_payer: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (str(r["x12_payer_id"]), str(r["facility_npi"]), str(r["trace_number"]))):
        by_payer[str(row["x12_payer_id"])].append(row)
    body: list[Segment] = []
    hl = 0
    for payer_id, payer_rows in by_payer.items():
        hl += 1
        source_hl = hl
        body += [
            ["HL", str(source_hl), "", "20", "1"],
            ["NM1", "PR", "2", _text(payer_rows[0]["payer_name"]), "", "", "", "", "PI", _text(payer_id)],
        ]
        by_npi: dict[str, list[dict]] = defaultdict(list)
        for row in payer_rows:
            by_npi[str(row["facility_npi"])].append(row)
        for npi, npi_rows in by_npi.items():
            hl += 1
            receiver_hl = hl
            body += [
                ["HL", str(receiver_hl), str(source_hl), "21", "1"],
                ["NM1", "1P", "2", _text(npi_rows[0]["location_name"]), "", "", "", "", "XX", _text(npi)],
            ]
            for row in npi_rows:
                hl += 1
                body += [
                    ["HL", str(hl), str(receiver_hl), "22", "0"],
                    ["TRN", "1", _text(row["trace_number"]), "1" + originator_tin],
                    [
                        "NM1",
                        "IL",
                        "1",
                        _text(row["last_name"]),
                        _text(row["first_name"]),
                        "",
                        "",
                        "",
                        "MI",
                        _text(row["member_id"]),
                    ],
                    ["DMG", "D8", as_date(row["date_of_birth"]).strftime("%Y%m%d")],
                    ["DTP", "291", "D8", as_date(row["service_date"]).strftime("%Y%m%d")],
                    ["EQ", SERVICE_TYPE_OT],
                ]
    st: list[Segment] = [
        ["ST", "270", "0001", IMPLEMENTATION],
        ["BHT", "0022", "13", f"ELIG{control_number:09d}", created.strftime("%Y%m%d"), created.strftime("%H%M")],
        *body,
    ]
    st.append(["SE", str(len(st) + 1), "0001"])
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        _text(submitter_id).ljust(15)[:15],
        "ZZ",
        _text(receiver_id).ljust(15)[:15],
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        "^",
        "00501",
        f"{control_number:09d}",
        "0",
        "P",
        ":",
    ]
    gs = [
        "GS",
        "HS",
        _text(submitter_id),
        _text(receiver_id),
        created.strftime("%Y%m%d"),
        created.strftime("%H%M"),
        str(control_number),
        "X",
        IMPLEMENTATION,
    ]
    return (
        "*".join(isa) + "~\n" + join([gs, *st, ["GE", "1", str(control_number)], ["IEA", "1", f"{control_number:09d}"]])
    )


def write_batch(
    rows: list[dict],
    out_dir: Path,
    control_number: int,
    created: datetime,
    submitter_id: str,
    receiver_id: str,
    originator_tin: str,
) -> Path | None:
    """Write the batch as ``eligibility_270_<control>.x12`` (atomically: a dot name renamed into place, so
    the mailbox never uploads half a file). Nothing is written when no check is due."""
    if not rows:
        return None
    text = build_270(rows, control_number, created, submitter_id, receiver_id, originator_tin)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"eligibility_270_{control_number:09d}.x12"
    if final.exists():
        raise FileExistsError(f"{final.name} exists: use a new interchange control number")
    temp = out_dir / f".{final.name}.tmp"
    temp.write_text(text, encoding="utf-8")
    temp.replace(final)
    return final


def read_requests(warehouse: Path) -> list[dict]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from marts.packet_eligibility_270_requests")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def main(argv: list[str] | None = None) -> int:
    import os

    from core.settings import get_settings

    parser = argparse.ArgumentParser(description="Write the X12 270 batch of the eligibility checks due now.")
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="default: RCM_CLEARINGHOUSE_UPLOAD_DIR")
    parser.add_argument("--submitter-id", required=True)
    parser.add_argument("--receiver-id", required=True)
    parser.add_argument("--originator-tin", required=True)
    parser.add_argument("--control-number", type=int, required=True)
    args = parser.parse_args(argv)
    settings = get_settings()
    warehouse = args.warehouse or settings.warehouse_path
    # The folder the clearinghouse_mailbox asset uploads from (same variable and default as the mailbox).
    default_out = settings.outbox_dir / "clearinghouse_batches"
    out = args.out or Path(os.environ.get("RCM_CLEARINGHOUSE_UPLOAD_DIR") or default_out)
    rows = read_requests(warehouse)
    path = write_batch(
        rows, out, args.control_number, datetime.now(), args.submitter_id, args.receiver_id, args.originator_tin
    )
    print(f"{len(rows)} eligibility request(s)" + (f" written to {path}" if path else "; no batch written"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
