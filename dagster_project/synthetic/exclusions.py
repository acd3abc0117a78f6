"""The OIG exclusion list (LEIE) the group downloaded, with one planted match (ground truth key
"credentialing" -> "exclusion_matches") and one near miss ("exclusion_near_misses") (a listed therapist the
OIG has reinstated).

Reads the providers the locations wrote. The list holds a few people who never worked for the group, the
first location's first therapist listed by NPI (a match), and its second therapist listed by name but
reinstated a month before the anchor date (not a match). The truth records those facts, nothing more.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from dagster_project.contracts import OigExclusion

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


def generate(seed: int, anchor: date, out: Path, truth: dict) -> int:
    """Write credentialing/oig_leie.csv; return its row count."""
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
    area = truth.setdefault("credentialing", {})
    area["exclusion_matches"] = [{"provider_id": listed["provider_id"], "match_basis": "npi"}]
    area["exclusion_near_misses"] = [{"provider_id": reinstated["provider_id"], "kind": "excluded_then_reinstated"}]
    return writer.rows
