"""A valid row per contract and the cell values that break (or only look like they break) each kind of
column: the corpus the column-wise validation is held to the row-wise contract with."""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from dagster_project.contracts import CONTRACTS, Contract
from dagster_project.ingest.csv_reader import (
    FileRejected,
    _check_header,
    _decode,
    _describe,
    well_formed_lines,
)

VALID_ROWS: dict[str, str] = {
    "fee_schedules": "TXMCO1,97110,,21.58,2024-01-01,",
    "payers": "TXMCO1,Lone Star Kids Health Plan,medicaid_mco,true,LSKHP,(512) 555-0190",
    "credentials": "CR-L01-01-state_license,PR-L01-01,state_license,TX-OT-744458,TX,2025-02-12,2027-02-02,active",
    "payer_enrollments": "EN-L01-01-TXMCO1,PR-L01-01,TXMCO1,L01,enrolled,2018-03-08,",
    "appointments": "AP-L01-0000001,PT-L01-00045,PR-L01-03,L01,treatment,2025-12-04T14:00:00Z,60,arrived,"
    "2025-11-18T12:59:00Z,",
    "authorizations": "AU-L01-00001,PA01000001LS,PT-L01-00001,CV-L01-00001-1,TXMCO1,approved,visits,91,2025-11-25,"
    "2026-05-23,97530|97110|97112,F82|F88,2025-11-13T12:49:00Z",
    "charge_lines": "VS-L01-0000001,1,97530,GP|59,40,3,216.00,10",
    "coverages": "CV-L01-00001-1,PT-L01-00001,TXMCO1,Lone Star Kids Health Plan,STAR Kids,medicaid_mco,644615567,1,"
    "true,2024-08-15,",
    "eligibility_checks": "EC-L03-00001,PT-L03-00021,TXMCO1,2026-12-03T22:12:00Z,active,TXMCO1,,4,",
    "intake_documents": "RF-L01-00001-D1,RF-L01-00001,physician_order,received,2026-09-10,2026-09-19",
    "oig_leie": "SYNTHETIC,TESTA,,,IND- LIC HC SERV PRO,OCCUPATIONAL THERAPIST,,1234567893,19800101,1 TEST ST,"
    "AUSTIN,TX,78701,1128a1,20200115,00000000,00000000,",
    "sam_exclusions": "Individual,,,TESTA,,SYNTHETIC,,,,,,AUSTIN,TX,USA,78701,,,,Reciprocal,HHS,Z1,"
    "Prohibition/Restriction,,01/15/2020,Indefinite,,,S4MRSYNTH1,,1234567893,2020-01-15",
    "locations": "L01,Sunny Steps Pediatric Therapy - Austin,137 Pecan St,Austin,TX,78704,2066557648,ot_peds,"
    "America/Chicago",
    "patients": "PT-L01-00001,L01,Zoe,Benson,2018-09-10,M,Leo Benson,(210) 555-8469,78704,2079336774",
    "plans_of_care": "POC-L01-00001-1,PT-L01-00001,PR-L01-01,2025-11-17,2025-11-25,2026-02-16,3,12,F82|F88,"
    "Child will don a shirt|Child will self-feed,2079336774,Dr. Garza,(512) 555-0144,2025-11-28,expired",
    "providers": "PR-L01-01,1062522218,Santiago,Mendoza,OTR,,L01,225X00000X,2018-01-28,,1985-04-12",
    "referrals": "RF-L01-00001,PT-L01-00002,L01,physician_fax,2026-09-08T16:04:00Z,2026-09-08T19:04:00Z,2079336774,"
    "Dr. Garza,(512) 555-0144,closed",
    "schedule_templates": "TM-L01-01-Mon,PR-L01-01,L01,Mon,08:00,17:00,60,ot_peds,America/Chicago,2025-11-04,",
    "visit_notes": "VS-L01-0003569,97530,23,2,signed,2026-11-04T18:45:00Z,PR-L01-04,14:00,14:23,",
    "visits": "VS-L01-0000001,AP-L01-0000001,PT-L01-00045,PR-L01-03,L01,CV-L01-00045-1,CL010000001,2025-12-04,11,"
    "2193615897,,F84.0|R27.8,2025-12-06T04:00:00Z,",
    "waitlist": "WL-L01-001,PT-L01-00083,L01,ot_peds,TXMCO2,2026-10-18,Tue|Thu,afternoon,,waiting",
    "timesheets": "TS-L01-01-20251204-C,PR-L01-01,L01,2025-12-04,2025-12-01,2025-12-14,2.50,clinical",
}

# Every kind of cell a contract can refuse, plus spellings pydantic accepts that the column-wise form
# leaves to it. Applied to every column of every contract.
CELLS: tuple[str, ...] = (
    "",
    "   ",
    " padded ",
    "x" * 65,
    "y" * 2001,
    "abc",
    "A-1",
    "A 1",
    # numbers
    "0",
    "1",
    "-1",
    "7",
    "+5",
    "007",
    "1_000",
    "12.0",
    "1e5",
    "1E+2",
    "12.5",
    "12.50",
    "12.500",
    "-3.00",
    ".5",
    "12.",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "24",
    "24.01",
    "480",
    "481",
    "999",
    "1000",
    "10000",
    "10000.01",
    "99999999999",
    "1,000",
    "٣",
    # booleans
    "true",
    "false",
    "True",
    "TRUE",
    "yes",
    "t",
    # dates and timestamps
    "2026-01-01",
    "1990-01-01",
    "2099-12-31",
    "2026-13-01",
    "2026-02-30",
    "0000-01-01",
    "20260101",
    "2026-1-1",
    "2026-08-20T14:00:00Z",
    "2026-08-20T09:00:00-05:00",
    "2026-08-20T14:00:00+05:30",
    "2026-08-20 14:00:00",
    "2026-08-20T14:00",
    "2026-08-20T14:00:00.123456Z",
    "2026-08-20T14:00:00.1234567Z",
    "2026-08-20T24:00:00Z",
    "2026-08-20T14:00:00+24:00",
    "2026-08-20t14:00:00z",
    "1700000000",
    "2026-08-20T14:00:60Z",
    # codes, code lists, enums, patterns
    "97530",
    "97530|97110",
    "97530|",
    "97530 | 97110",
    "97530||97110",
    "9753",
    "F82",
    "f82",
    "F82|X",
    "R27.8",
    "GP",
    "GP|59",
    "gp",
    "Mon",
    "Tue|Thu",
    "Mon|Funday",
    "TX",
    "tx",
    "78704",
    "78704-1234",
    "1234567893",
    "(210) 555-8469",
    "225X00000X",
    "11",
    "08:00",
    "17:00",
    "07:59",
    "24:00",
    "America/Chicago",
    "Mars/Olympus",
    "scheduled",
    "cancelled",
    "late_cancelled",
    "arrived",
    "Arrived",
    " arrived",
    "active",
    "approved",
    "OTR",
    "medicaid_mco",
    "physician_fax",
    "treatment",
    "signed",
    "M",
    "clinical",
    # characters Python and Polars do not agree are whitespace, and other oddities
    "\x1c",
    " \x1f ",
    "\u00a0",
    "\u00a0x\u00a0",
    "é",
    "a\tb",
)


def contract_named(entity: str) -> type[Contract]:
    return next(c for c in CONTRACTS if c.__entity__ == entity)


def header_of(contract: type[Contract]) -> list[str]:
    return list(contract.model_fields)


def with_unique_key(contract: type[Contract], cells: list[str], n: int) -> list[str]:
    """The row with its first key column suffixed, so mutated rows do not all collide on the key."""
    cells = list(cells)
    i = header_of(contract).index(contract.__primary_key__[0])
    cells[i] = f"{cells[i]}-{n}"
    return cells


def mutated_rows(contract: type[Contract]) -> list[list[str]]:
    """The valid row once per (column, corpus cell), the first key column made unique unless mutated."""
    base = VALID_ROWS[contract.__entity__].split(",")
    key_index = header_of(contract).index(contract.__primary_key__[0])
    rows = []
    for column in range(len(base)):
        for value in CELLS:
            cells = list(base)
            cells[column] = value
            rows.append(cells if column == key_index else with_unique_key(contract, cells, len(rows)))
    return rows


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row_wise(data: bytes, file_name: str, contract: type[Contract]):
    """The reference: every row through the pydantic contract, one at a time (the pre-vectorised reader).

    Returns (valid rows as model dumps with _line_number, rejected (line, cells, reason)).
    """
    text = _decode(data, file_name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRejected(f"{file_name}: the file is empty (no header line)") from None
    _check_header(header, file_name, contract)
    rows, rejected, seen = [], [], {}
    key_columns = contract.__primary_key__
    for line, cells in well_formed_lines(reader, len(header), file_name, rejected):
        try:
            model = contract.model_validate(dict(zip(header, cells, strict=False)))
        except ValidationError as exc:
            rejected.append((line, cells, f"{file_name}: line {line}: {_describe(exc)}"))
            continue
        row = model.model_dump()
        key = tuple(row[k] for k in key_columns)
        if key in seen:
            first = seen[key]
            rejected.append(
                (
                    line,
                    cells,
                    f"{file_name}: line {line}: duplicate key {'/'.join(key_columns)} (first seen on line {first})",
                )
            )
            continue
        seen[key] = line
        rows.append({**row, "_line_number": line})
    return rows, rejected
