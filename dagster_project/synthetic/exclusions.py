"""The exclusion lists the group downloaded: the OIG list (LEIE) and the SAM.gov exclusions extract, each with
one planted match (ground truth key "credentialing" -> "exclusion_matches") and one near miss
("exclusion_near_misses").

Reads the providers the locations wrote. The OIG list holds a few people who never worked for the group, the
first location's first therapist listed by NPI (a match), and its second therapist listed by name but
reinstated a month before the anchor date (not a match). The SAM extract, written with SAM's own header line,
holds strangers and a firm, the last location's first therapist listed by name without an NPI (a match: SAM
lists no date of birth), and its second therapist whose SAM exclusion terminated the day before the anchor
date (not a match). The truth records those facts, nothing more.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from dagster_project.contracts import OigExclusion, SamExclusion

from .csv_out import ContractWriter

STRANGERS = (("MARLOWE", "QUINCY"), ("ABERNATHY", "TOBIAS"), ("CASTELLANO", "IRIS"), ("DRUMMOND", "PEARL"))
NONE_DATE = "00000000"


def _entry(last: str, first: str, npi: str, excluded: date, reinstated: date | None) -> dict:
    return {
        "LASTNAME": last,
        "FIRSTNAME": first,
        "MIDNAME": None,
        "BUSNAME": None,
        "GENERAL": "IND- LIC HC SERV PRO",
        "SPECIALTY": "OCCUPATIONAL THERAPIST",
        "UPIN": None,
        "NPI": npi,
        "DOB": "19800101",
        "ADDRESS": None,
        "CITY": "AUSTIN",
        "STATE": "TX",
        "ZIP": "78701",
        "EXCLTYPE": "1128b4",
        "EXCLDATE": f"{excluded:%Y%m%d}",
        "REINDATE": f"{reinstated:%Y%m%d}" if reinstated else NONE_DATE,
        "WAIVERDATE": NONE_DATE,
        "WVRSTATE": None,
    }


def _sam_entry(number: str, first: str, last: str, active: date, terminated: date | None, **extra) -> dict:
    row = dict.fromkeys(SamExclusion.model_fields, "")
    row.update(
        classification="Individual",
        first=first,
        last=last,
        city="AUSTIN",
        state_province="TX",
        country="USA",
        exclusion_program="Reciprocal",
        excluding_agency="HHS",
        exclusion_type="Prohibition/Restriction",
        active_date=f"{active:%m/%d/%Y}",
        termination_date=f"{terminated:%m/%d/%Y}" if terminated else "Indefinite",
        sam_number=number,
        creation_date=active.isoformat(),
    )
    row.update(extra)
    return row


def _write_sam(rng: random.Random, anchor: date, out: Path, listed: dict, terminated: dict) -> int:
    """credentialing/sam_exclusions.csv with SAM's own header line ("Active Date", ...), every cell quoted."""
    header_of = {column: cell for cell, column in SamExclusion.__header_aliases__.items()}
    rows = [
        _sam_entry(f"S4MRSTR{i:04d}", first, last, anchor - timedelta(days=rng.randint(200, 3000)), None)
        for i, (last, first) in enumerate(STRANGERS)
    ]
    rows.append(
        _sam_entry(
            "S4MRFIRM001", "", "", anchor - timedelta(days=500), None, classification="Firm", name="DRUMMOND SUPPLY LLC"
        )
    )
    rows.append(
        _sam_entry(
            "S4MRLIST001", listed["first_name"].upper(), listed["last_name"].upper(), anchor - timedelta(days=90), None
        )
    )
    rows.append(
        _sam_entry(
            "S4MRTERM001",
            terminated["first_name"].upper(),
            terminated["last_name"].upper(),
            anchor - timedelta(days=1200),
            anchor - timedelta(days=1),
        )
    )
    path = Path(out) / SamExclusion.__source__ / f"{SamExclusion.__entity__}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow([header_of[column] for column in SamExclusion.model_fields])
        writer.writerows([row[column] for column in SamExclusion.model_fields] for row in rows)
    return len(rows)


def _uniquely_named(providers: list[dict]) -> list[dict]:
    """Providers no other provider shares a first and last name with (a name listing must point at one)."""
    names = [(p["first_name"].upper(), p["last_name"].upper()) for p in providers]
    return [p for p, name in zip(providers, names, strict=True) if names.count(name) == 1]


def generate(seed: int, anchor: date, out: Path, truth: dict) -> int:
    """Write credentialing/oig_leie.csv and credentialing/sam_exclusions.csv; return their row count."""
    rng = random.Random(f"{seed}:exclusions")
    with (Path(out) / "ehr" / "providers.csv").open(newline="", encoding="utf-8") as f:
        providers = sorted((p for p in csv.DictReader(f) if not p["termination_date"]), key=lambda p: p["provider_id"])
    first_location = sorted({p["primary_location_id"] for p in providers})[0]
    listed, reinstated = [p for p in providers if p["primary_location_id"] == first_location][:2]
    writer = ContractWriter(Path(out), OigExclusion)
    for last, first in STRANGERS:
        writer.write(_entry(last, first, "0000000000", anchor - timedelta(days=rng.randint(200, 3000)), None))
    writer.write(_entry("LISTEDUNDERNPI", "X", listed["npi"], anchor - timedelta(days=400), None))
    writer.write(
        _entry(
            reinstated["last_name"].upper(),
            reinstated["first_name"].upper(),
            "0000000000",
            anchor - timedelta(days=900),
            anchor - timedelta(days=30),
        )
    )
    writer.close()
    last_location = sorted({p["primary_location_id"] for p in providers})[-1]
    candidates = [p for p in _uniquely_named(providers) if p["primary_location_id"] == last_location]
    sam_listed, sam_terminated = [p for p in candidates if p not in (listed, reinstated)][:2]
    sam_rows = _write_sam(rng, anchor, Path(out), sam_listed, sam_terminated)
    area = truth.setdefault("credentialing", {})
    area["exclusion_matches"] = [
        {"provider_id": listed["provider_id"], "exclusion_list": "oig_leie", "match_basis": "npi"},
        {"provider_id": sam_listed["provider_id"], "exclusion_list": "sam", "match_basis": "name"},
    ]
    area["exclusion_near_misses"] = [
        {"provider_id": reinstated["provider_id"], "exclusion_list": "oig_leie", "kind": "excluded_then_reinstated"},
        {"provider_id": sam_terminated["provider_id"], "exclusion_list": "sam", "kind": "exclusion_terminated"},
    ]
    return writer.rows + sam_rows
