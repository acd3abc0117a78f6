"""What a letter to a payer about a denied claim says in every variant (an appeal, a retro-authorization
request): the letterhead, the patient and claim identifiers, the billing NPI and TIN, the denial, and the
chart in force on the date of service (the plan of care, its goals, the visit history, and for a Medicaid
member under 21 the EPSDT "correct or ameliorate" standard). The templates include the shared parts
(_claim_letter_ids.txt.j2, _chart_in_force.txt.j2, _letter_signature.txt.j2).

Pure. The letter carries the patient's name, date of birth and member id (the payer needs them); they are
returned as phi_terms so they never reach a title or the evidence.
"""

from __future__ import annotations

from datetime import date

from core.approval_date import APPROVAL_DATE

from .claim_837 import billing_identifiers
from .claims_common import remark_codes
from .models import ChecklistItem
from .values import as_date, jsonable

MEDICARE_FFS = "medicare"
MEDICAID_TYPES = frozenset({"medicaid_ffs", "medicaid_mco"})
EPSDT_AGE_LIMIT = 21  # Medicaid EPSDT covers members under 21
SIGNATURE_LINE = "Signature: ______________________   Name and title: ______________________"


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _address(location: dict) -> str:
    street = ", ".join(str(location[k]) for k in ("address_line", "city") if location.get(k))
    return " ".join([street + ",", *(str(location[k]) for k in ("state", "zip") if location.get(k))]).strip(" ,")


def letter_facts(
    row: dict,
    lines: list[dict],
    patient: dict,
    plan: dict | None,
    visits: list,
    claim_text: tuple[str, str],
    location: dict,
) -> dict:
    """The template variables every claim letter shares, for one flag_denials_to_work row."""
    service_date = as_date(row["service_date"])
    kept = sorted(v for v in (as_date(v) for v in visits) if v <= service_date)
    if plan:
        plan = {
            **{k: jsonable(v) for k, v in plan.items()},
            "goals": [g for g in (plan.get("functional_goals") or "").split("|") if g],
        }
    born = as_date(patient.get("date_of_birth"))
    claim_x12, billing_x12 = claim_text
    return {
        **billing_identifiers(billing_x12, claim_x12),
        "location_name": location.get("location_name", row["location_id"]),
        "address": _address(location),
        "letter_date": APPROVAL_DATE,  # filled in on approval (core/approval_date.py)
        "payer_name": row.get("payer_name") or row["payer_id"],
        "medicare": row.get("payer_type") == MEDICARE_FFS,
        "patient_name": f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip(),
        "patient_first_name": patient.get("first_name", ""),
        "patient_dob": jsonable(born),
        "member_id": patient.get("member_id") or "",
        "payer_claim_number": row.get("payer_claim_control_number") or "",
        "claim_id": row["claim_id"],
        "service_date": jsonable(service_date),
        "denial_date": jsonable(row["denial_date"]),
        "carc_text": "; ".join(
            sorted({f"CARC {d['denial_carc']}: {d.get('carc_description') or ''}".strip() for d in lines})
        ),
        "rarcs": ", ".join(remark_codes(lines)),
        "lines": lines,
        "plan": plan,
        "kept_visits": len(kept),
        "first_visit": jsonable(kept[0]) if kept else "",
        "last_visit": jsonable(kept[-1]) if kept else "",
        "medicaid_child": (
            row.get("payer_type") in MEDICAID_TYPES
            and born is not None
            and _age_on(born, service_date) < EPSDT_AGE_LIMIT
        ),
        "signer": SIGNATURE_LINE,
    }


def identity_items(facts: dict) -> list[ChecklistItem]:
    """The required items of every letter: the patient's identifiers on file, a signature."""
    return [
        ChecklistItem(
            item="Patient name, date of birth and member id on file",
            present=bool(facts["patient_name"] and facts["patient_dob"] and facts["member_id"]),
            required=True,
        ),
        ChecklistItem(item="Letter signed by the billing lead or the treating therapist", present=False, required=True),
    ]


def chart_items(facts: dict) -> list[ChecklistItem]:
    """The chart a letter arguing from the plan of care needs with it."""
    plan = facts["plan"]
    return [
        ChecklistItem(
            item="Plan of care in force on the date of service, physician-certified",
            present=bool(plan and plan.get("physician_signed_date")),
            required=True,
        ),
        ChecklistItem(
            item="Treatment notes of the date of service and the latest progress report attached",
            present=False,
            required=True,
        ),
        ChecklistItem(item="Standardized test scores (baseline and current) attached", present=False),
    ]


def phi_terms(facts: dict, patient: dict) -> list[str]:
    terms = (patient.get("first_name"), patient.get("last_name"), facts["patient_dob"], facts["member_id"])
    return [t for t in terms if t]


def draft_letters(flags: list[dict], ctx, draft_actions) -> list:
    """Run a letter type's ``draft_actions`` over its flags with the declared packets, each draft addressed to
    the payer's fax."""
    visits: dict[str, list] = {}  # flag_id -> the patient's visit dates up to the denied date of service
    for visit in ctx.packet("packet_appeal_visits"):
        visits.setdefault(str(visit["flag_id"]), []).append(visit["date_of_service"])
    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in ctx.packet("packet_claim_x12")}
    drafts = draft_actions(
        flags,
        ctx.grouped("packet_denied_lines", "claim_id"),
        ctx.indexed("packet_appeal_patients", "patient_id"),
        ctx.indexed("packet_appeal_plans", "flag_id"),
        visits,
        texts,
        ctx.locations(),
    )
    return ctx.with_recipients(drafts, "payer_fax", lambda d: d.payer_id)
