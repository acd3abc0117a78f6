"""Plan-of-care signature plants for the front-office area.

Runs after every extract is written. With its own random stream it picks, per location, two active signed
plans of care of children no other area's ground truth mentions, whose evaluation is old enough that the
signature chase window has passed, and blanks their physician_signed_date: the only field it changes.
Ground truth goes to truth["front_office"]["plans_of_care"].

Natural data never trips the other plan-of-care rules: a natural plan is unsigned only while its signature
is still to come (at most 14 days after the evaluation, never past the chase window). The clinic records each
plan it evaluated by the anchor date and dated the signature after it (truth["plans_awaiting_signature"],
folded in here): those are the plans awaiting their first signature request. Every child's primary coverage
starts before the first evaluation and never ends, so each such plan belongs to a covered child by
construction. Active plans run 12 or 24 weeks (< the 180-day Medicaid recertification); no synthetic payer
follows the Medicare rules (visit-count progress reports, the 30-day certification, the order-on-file
exception). CHASE_AFTER_DAYS is the longest signature chase window of the payer types the generator uses
(dbt/seeds/front_office_plan_of_care_rules.csv), only to keep plants clear of the edge. The truth records
what was set up (which plan, why it is unsigned, its age), never the follow-up arithmetic.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

from . import seed_values
from .reference import PAYERS

CHASE_AFTER_DAYS = max(seed_values.signature_chase_after_days()[payer.payer_type] for payer in PAYERS)
PLANTS_PER_LOCATION = 2
MIN_AGE_DAYS = CHASE_AFTER_DAYS + 6  # well past the chase window; the follow-up number moves every 7 days


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _followup(plan: dict, patients: dict, location_id: str, reason: str, age: int) -> dict:
    return {
        "plan_of_care_id": plan["plan_of_care_id"],
        "patient_id": plan["patient_id"],
        "location_id": location_id,
        "followup_reason": reason,
        "signature_age_days": age,
        "is_pcp_order_unsigned": plan["physician_npi"] != ""
        and plan["physician_npi"] == patients[plan["patient_id"]]["primary_care_physician_npi"],
    }


def generate(seed: int, anchor: date, out: Path, truth: dict) -> dict:
    """Blank the signature of chosen plans of care; add truth["front_office"]["plans_of_care"]."""
    rng = random.Random(f"{seed}:front_office_poc")
    ehr = Path(out) / "ehr"
    plans_path = ehr / "plans_of_care.csv"
    columns, plans = _rows(plans_path)
    patients = {p["patient_id"]: p for p in _rows(ehr / "patients.csv")[1]}
    awaiting = set(truth.pop("plans_awaiting_signature"))
    mentioned = json.dumps(truth, default=str)
    by_location: dict[str, list[dict]] = {}
    for plan in plans:
        pid = plan["patient_id"]
        if plan["status"] != "active" or not plan["physician_signed_date"] or pid in mentioned:
            continue
        if (anchor - date.fromisoformat(plan["evaluation_date"])).days < MIN_AGE_DAYS:
            continue
        by_location.setdefault(patients[pid]["location_id"], []).append(plan)
    planted = []
    for loc in sorted(by_location):
        candidates = sorted(by_location[loc], key=lambda p: p["plan_of_care_id"])
        for plan in rng.sample(candidates, min(PLANTS_PER_LOCATION, len(candidates))):
            plan["physician_signed_date"] = ""
            age = (anchor - date.fromisoformat(plan["evaluation_date"])).days
            planted.append(_followup(plan, patients, loc, "signature_overdue", age))
    for plan in plans:
        if plan["plan_of_care_id"] in awaiting:
            age = (anchor - date.fromisoformat(plan["evaluation_date"])).days
            location_id = patients[plan["patient_id"]]["location_id"]
            planted.append(_followup(plan, patients, location_id, "signature_request", age))
    with plans_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(plans)
    truth.setdefault("front_office", {})["plans_of_care"] = {
        "followups": sorted(planted, key=lambda r: (r["plan_of_care_id"], r["followup_reason"])),
        "note": "signature_overdue is planted and signature_request is every plan the clinic sent for signature "
        "that was not signed by the anchor; "
        "progress_report_due, recert_due and plan_notice never occur in generated data (no Medicare-rule payer, "
        "plans shorter than 180 days) and are covered by dbt unit tests",
    }
    return {"plans_of_care_unsigned_planted": len(planted)}  # for the caller's log; not a row count
