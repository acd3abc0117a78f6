"""Re-authorization packets: rows of marts.flag_auths_needing_reauth -> drafted DraftActions.

Pure: the same flag rows and visit history always give the same drafts, byte for byte. The cover letter
is a Jinja2 text template; the checklist follows what payers ask for in a re-authorization
(docs/domain-reference-operations.md), each item marked present or missing from what the extracts show,
so a coordinator sees the gaps. The letter is dated the day a person approves it, its dates written as the
payer's forms write them (MM/DD/YYYY).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from core.approval_date import APPROVAL_DATE
from core.money import amount
from core.templating import text_environment

from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import as_date, fmt_date, jsonable

ACTION_TYPE = "reauth_packet"
ASSIGNED_ROLE = "front_desk"
TEMPLATE_NAME = "reauth_cover_letter.txt.j2"

# fct_authorization_visit_history.status carries the appointment outcome; these are the spellings the
# EHR contract and the mart use for each bucket of the attendance summary.
KEPT_STATUSES = frozenset({"kept", "arrived", "completed"})
NO_SHOW_STATUSES = frozenset({"no_show", "missed"})
CANCELLED_STATUSES = frozenset({"cancelled", "late_cancelled"})
SCHEDULED_STATUSES = frozenset({"scheduled"})

# Flag columns that are patient identifiers: they go into the letter only, never into evidence or titles.
PHI_COLUMNS = frozenset({"patient_first_name", "patient_last_name", "patient_date_of_birth", "member_id"})
# Flag columns copied into the evidence: the metrics behind the flag, no PHI and no diagnoses.
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "as_of_date",
    "authorization_id",
    "authorization_number",
    "location_id",
    "payer_id",
    "payer_name",
    "unit_type",
    "approved_quantity",
    "used_quantity",
    "scheduled_quantity",
    "remaining_quantity",
    "burn_rate_per_week",
    "projected_exhaustion_date",
    "start_date",
    "end_date",
    "days_to_expiry",
    "reauth_lead_days",
    "is_in_last_two_visits",
    "is_expiring_within_lead_time",
    "is_projected_to_exhaust_before_end",
    "has_visits_scheduled_beyond_auth",
    "scheduled_beyond_count",
    "flag_reasons",
    "dollars_at_risk",
    "due_date",
    "units_requested",
    "requested_start_date",
    "requested_end_date",
    "requested_weeks",
    "units_per_visit",
    "units_arithmetic",
    "first_uncovered_visit_date",
    "prepare_from_date",
    "submit_from_date",
    "submit_by_date",
    "attendance_required",
)
DATE_COLUMNS = frozenset(
    {
        "as_of_date",
        "projected_exhaustion_date",
        "start_date",
        "end_date",
        "due_date",
        "requested_start_date",
        "requested_end_date",
        "first_uncovered_visit_date",
        "prepare_from_date",
        "submit_from_date",
        "submit_by_date",
    }
)


def draft_actions(
    flag_rows: list[dict],
    visit_history: dict[str, list[dict]],
    location_names: dict[str, str],
    payer_items: dict[str, list[dict]] | None = None,
) -> list[DraftAction]:
    """One re-authorization packet draft per flag row, ordered by flag_id. ``payer_items`` are the packet
    items the payer asks for beyond the extracts (packet_reauth_checklist_items, by flag_id)."""
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        history = visit_history.get(row["authorization_id"], [])
        items = (payer_items or {}).get(str(row["flag_id"]), [])
        drafts.append(_draft_one(row, history, location_names, template, items))
    return drafts


def _draft_one(
    row: dict, history: list[dict], location_names: dict[str, str], template, payer_items: list[dict]
) -> DraftAction:
    start, end = as_date(row["start_date"]), as_date(row["end_date"])
    location_name = location_names.get(row["location_id"], row["location_id"])
    recipient = f"{row['payer_name']} Utilization Management"
    counts = visit_counts(history, start, end)
    requested_start, requested_end = requested_period(row)
    checklist = build_checklist(row, counts, requested_start, requested_end) + [
        ChecklistItem(item=item["item"], detail=item["detail"], present=False) for item in payer_items
    ]
    goals = split_pipe(row.get("functional_goals"))
    unit_type = row["unit_type"]

    body = template.render(
        location_name=location_name,
        letter_date=APPROVAL_DATE,
        recipient=recipient,
        patient_name=f"{row['patient_first_name']} {row['patient_last_name']}",
        patient_dob=_fmt_date(as_date(row["patient_date_of_birth"])),
        member_id=row["member_id"],
        authorization_number=row["authorization_number"],
        start_date=_fmt_date(start),
        end_date=_fmt_date(end),
        unit_type=unit_type,
        unit_label=unit_type.capitalize(),
        approved_quantity=_int(row["approved_quantity"]),
        used_quantity=_int(row["used_quantity"]),
        scheduled_quantity=_int(row["scheduled_quantity"]),
        remaining_quantity=_int(row["remaining_quantity"]),
        units_requested=_int(row["units_requested"]),
        requested_start=_fmt_date(requested_start),
        requested_end=_fmt_date(requested_end),
        units_arithmetic=row.get("units_arithmetic") or "",
        diagnosis_codes=", ".join(split_pipe(row.get("diagnosis_codes"))) or "not on file",
        cpt_codes=", ".join(split_pipe(row.get("cpt_codes"))) or "not on file",
        therapist_line=_therapist_line(row),
        reasons_sentence=_reasons_sentence(row),
        evaluation_date=_fmt_date(as_date(row.get("evaluation_date"))),
        goals=goals,
        show_attendance=bool(row.get("attendance_required")),
        kept_count=counts["kept"],
        no_show_count=counts["no_show"],
        cancelled_count=counts["cancelled"],
        scheduled_count=counts["scheduled"],
        enclosed=[item.item for item in checklist if item.present],
        missing=[item.item for item in checklist if not item.present],
        signature_line=_signature_line(row),
    )
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Re-auth: {row['payer_name']} auth {row['authorization_number']} ({location_name})",
        recipient=recipient,
        body=body,
        checklist=checklist,
        evidence=build_evidence(row, counts),
        dollars_at_stake=amount(row.get("dollars_at_risk")),
        due_date=as_date(row.get("due_date")),
        assigned_role=ASSIGNED_ROLE,
        phi_terms=_phi_terms(row),
        public_terms=[location_name, row.get("payer_name") or ""],
    )


def visit_counts(history: list[dict], start: date, end: date) -> dict[str, int]:
    """Kept / no-show / cancelled / scheduled appointments dated inside the authorization window."""
    buckets: Counter[str] = Counter()
    for visit in history:
        day = as_date(visit.get("date_of_service"))
        if day is None or not (start <= day <= end):
            continue
        status = str(visit.get("status", "")).lower()
        if status in KEPT_STATUSES:
            buckets["kept"] += 1
        elif status in NO_SHOW_STATUSES:
            buckets["no_show"] += 1
        elif status in CANCELLED_STATUSES:
            buckets["cancelled"] += 1
        elif status in SCHEDULED_STATUSES:
            buckets["scheduled"] += 1
    return {key: buckets[key] for key in ("kept", "no_show", "cancelled", "scheduled")}


def requested_period(row: dict) -> tuple[date, date]:
    """The window the flag asks for (flag_auths_needing_reauth: from when the current authorization actually
    runs out, for the plan's duration, never past the plan of care's end)."""
    return as_date(row["requested_start_date"]), as_date(row["requested_end_date"])


def build_checklist(
    row: dict, counts: dict[str, int], requested_start: date, requested_end: date
) -> list[ChecklistItem]:
    """The packet items payers ask for, present or missing according to the data."""
    as_of = as_date(row["as_of_date"])
    evaluation = as_date(row.get("evaluation_date"))
    plan_start, plan_end = as_date(row.get("plan_start_date")), as_date(row.get("plan_end_date"))
    signed = as_date(row.get("physician_signed_date"))
    goals = split_pipe(row.get("functional_goals"))
    diagnoses, cpts = split_pipe(row.get("diagnosis_codes")), split_pipe(row.get("cpt_codes"))
    units = _int(row.get("units_requested"))

    if plan_start and plan_end:
        plan_current = plan_end >= as_of
        plan_detail = f"{_fmt_date(plan_start)} to {_fmt_date(plan_end)}"
        if not plan_current:
            plan_detail += "; expired, an updated plan of care is needed"
    else:
        plan_current, plan_detail = False, "no plan of care on file"

    therapist_ok = all(
        row.get(k) for k in ("treating_provider_name", "treating_provider_credential", "treating_provider_npi")
    )
    return [
        ChecklistItem(
            item="Payer re-authorization request form",
            detail=(
                "Not in the extracts: attach the payer's form, "
                "signed and dated by the therapist and the prescribing provider."
            ),
            present=False,
        ),
        ChecklistItem(
            item="Evaluation / re-evaluation",
            detail=f"evaluated {_fmt_date(evaluation)}" if evaluation else "no evaluation date on the plan of care",
            present=evaluation is not None,
        ),
        ChecklistItem(item="Current plan of care", detail=plan_detail, present=plan_current),
        ChecklistItem(
            item="Physician signature on the plan of care",
            detail=(
                f"signed {_fmt_date(signed)}" + (f" by NPI {row['physician_npi']}" if row.get("physician_npi") else "")
            )
            if signed
            else "missing: get the prescribing physician's signature or a signed order",
            present=signed is not None,
        ),
        ChecklistItem(
            item="Measurable functional goals",
            detail=f"{len(goals)} goal(s) on the plan of care" if goals else "no functional goals on the plan of care",
            present=bool(goals),
        ),
        ChecklistItem(
            item="Diagnosis codes (ICD-10-CM)",
            detail=f"{len(diagnoses)} code(s)" if diagnoses else "no diagnosis codes on the authorization",
            present=bool(diagnoses),
        ),
        ChecklistItem(
            item="Procedure codes (CPT)",
            detail=", ".join(cpts) if cpts else "no CPT codes on the authorization",
            present=bool(cpts),
        ),
        ChecklistItem(
            item="Treating therapist credentials and NPI",
            detail=_therapist_line(row)
            if therapist_ok
            else "no treating therapist with kept visits under this authorization",
            present=therapist_ok,
        ),
        ChecklistItem(
            item="Units requested",
            detail=f"{units} {row['unit_type']} from {_fmt_date(requested_start)} to {_fmt_date(requested_end)}"
            if units > 0
            else "nothing to request: no plan frequency and no approved quantity",
            present=units > 0,
        ),
        ChecklistItem(
            item="Preparation and submission dates",
            detail=(
                f"start preparing {_fmt_date(as_date(row.get('prepare_from_date')))} (re-evaluation, scores, "
                f"signed order); the payer takes the request from {_fmt_date(as_date(row.get('submit_from_date')))}"
                f" and it must be in by {_fmt_date(as_date(row.get('submit_by_date')))}"
            )
            if row.get("submit_by_date")
            else "no submission window seeded for this payer",
            present=False,
        ),
        *(
            [
                ChecklistItem(
                    item="Visit history summary for the current window (the payer asks for attendance)",
                    detail=(
                        f"{counts['kept']} kept, {counts['no_show']} no-show, "
                        f"{counts['cancelled']} cancelled, {counts['scheduled']} scheduled"
                    ),
                    present=sum(counts.values()) > 0,
                )
            ]
            if row.get("attendance_required")
            else []
        ),
    ]


def build_evidence(row: dict, counts: dict[str, int]) -> list[dict]:
    """The flag's metric fields and the visit-history counts, JSON-able, without patient identifiers."""
    metrics = {column: jsonable(_normalized(column, row.get(column))) for column in EVIDENCE_COLUMNS}
    return [
        {"source": "marts.flag_auths_needing_reauth", **metrics},
        {"source": "marts.fct_authorization_visit_history", "authorization_id": row["authorization_id"], **counts},
    ]


def _normalized(column: str, value: Any) -> Any:
    # The warehouse may hand dates as strings and money as floats; evidence must not depend on that.
    if column in DATE_COLUMNS:
        return as_date(value)
    if column == "dollars_at_risk":
        return amount(value)
    return value


def split_pipe(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in str(value).split("|") if part.strip()]


def _reasons_sentence(row: dict) -> str:
    reasons = split_pipe(str(row.get("flag_reasons") or "").replace(";", "|"))
    if not reasons:
        return "The current authorization is close to its end."
    return "The current authorization needs renewal: " + "; ".join(reasons) + "."


def _therapist_line(row: dict) -> str:
    name = row.get("treating_provider_name")
    if not name:
        return "not yet assigned"
    parts = [name + (f", {row['treating_provider_credential']}" if row.get("treating_provider_credential") else "")]
    if row.get("treating_provider_npi"):
        parts.append(f"NPI {row['treating_provider_npi']}")
    if row.get("treating_provider_license"):
        parts.append(f"license {row['treating_provider_license']}")
    return "; ".join(parts)


def _signature_line(row: dict) -> str:
    name = row.get("treating_provider_name")
    if not name:
        return "Treating occupational therapist"
    credential = row.get("treating_provider_credential")
    npi = row.get("treating_provider_npi")
    return name + (f", {credential}" if credential else "") + (f"\nNPI {npi}" if npi else "")


def _phi_terms(row: dict) -> list[str]:
    dob = as_date(row.get("patient_date_of_birth"))
    terms = [
        str(row.get("patient_first_name") or ""),
        str(row.get("patient_last_name") or ""),
        str(row.get("member_id") or ""),
        _fmt_date(dob) if dob else "",
    ]
    return [term for term in terms if term]


def _fmt_date(value: date | None) -> str:
    # Blank rather than "not on file": each caller words a missing date itself.
    return fmt_date(value) if value else ""


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the visit history and letterhead come from the declared packet models."""
    drafts = draft_actions(
        rows,
        ctx.grouped("packet_reauth_visit_history", "authorization_id"),
        ctx.location_names(),
        ctx.grouped("packet_reauth_checklist_items", "flag_id"),
    )
    return ctx.with_recipients(drafts, "payer_fax", lambda d: d.payer_id)
