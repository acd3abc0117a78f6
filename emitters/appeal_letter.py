"""Appeal letters: flag_denials_to_work rows routed to appeal (CO-50/151 medical necessity, CO-29 with
proof of timely filing, documentation denials) -> a letter from the chart data with the payer's deadline.

Pure. The letter carries the patient's name, date of birth and member id (the payer needs them), so they
are listed as phi_terms and never appear in the title or the evidence.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2

from .context import DraftContext
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "appeal_letter"
ASSIGNED_ROLE = "billing"
# The plan-of-care columns of packet_appeal_patients the letter cites
PLAN_COLUMNS = ("plan_of_care_id", "evaluation_date", "plan_start_date", "plan_end_date", "frequency_per_week",
                "duration_weeks", "physician_signed_date", "functional_goals")


@lru_cache(maxsize=1)
def _template():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True)
    return env.get_template("appeal_letter.txt.j2")


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def draft_actions(flag_rows: list[dict], denied_lines: dict[str, list[dict]], patients: dict[str, dict],
                  plans: dict[str, dict], visits: dict[str, list[date]], location_names: dict[str, str],
                  today: date) -> list[DraftAction]:
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        lines = sorted(denied_lines.get(row["claim_id"], []), key=lambda d: d["line_number"])
        patient = patients.get(row["patient_id"] or "", {})
        plan = plans.get(row["patient_id"] or "")
        kept = sorted(visits.get(row["patient_id"] or "", []))
        if plan:
            plan = {**{k: _iso(v) for k, v in plan.items()},
                    "goals": [g for g in (plan.get("functional_goals") or "").split("|") if g]}
        location_name = location_names.get(row["location_id"], row["location_id"])
        name = f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip() or "NOT ON FILE"
        dob = _iso(patient.get("date_of_birth")) or "NOT ON FILE"
        member = patient.get("member_id") or "NOT ON FILE"
        carc_text = "; ".join(sorted({f"CARC {d['denial_carc']}: {d.get('carc_description') or ''}".strip()
                                      for d in lines}))
        rarcs = ", ".join(sorted({r for d in lines for r in (d.get("remark_codes") or "").split("|") if r}))
        body = _template().render(
            location_name=location_name, today=today.isoformat(), payer_name=row.get("payer_name") or row["payer_id"],
            claim_id=row["claim_id"], payer_claim_number=row.get("payer_claim_control_number") or "unknown",
            patient_name=name, patient_dob=dob, member_id=member, service_date=_iso(row["service_date"]),
            carc_text=carc_text, rarcs=rarcs, denial_date=_iso(row["denial_date"]), due_date=_iso(row["due_date"]),
            lines=lines, plan=plan, kept_visits=len(kept), first_visit=_iso(kept[0]) if kept else "none",
            last_visit=_iso(kept[-1]) if kept else "none",
        )
        checklist = [
            ChecklistItem(item="Plan of care", detail="physician-certified", present=bool(plan and plan.get("physician_signed_date"))),
            ChecklistItem(item="Functional goals and progress", present=bool(plan and plan["goals"])),
            ChecklistItem(item="Standardized test scores", detail="attach the latest progress note", present=False),
            ChecklistItem(item="Visit history", detail=f"{len(kept)} kept visits", present=bool(kept)),
        ]
        drafts.append(DraftAction(
            flag_id=row["flag_id"], action_type=ACTION_TYPE, location_id=row["location_id"], payer_id=row.get("payer_id"),
            patient_id=row.get("patient_id"),
            title=f"Appeal claim {row['claim_id']} (CARC {row['carcs']}) to {row.get('payer_name') or row['payer_id']} by {_iso(row['due_date'])} ({location_name})"[:200],
            recipient=f"{row.get('payer_name') or row['payer_id']} Appeals", body=body, checklist=checklist,
            evidence=[{k: _iso(d.get(k)) for k in ("claim_id", "line_number", "procedure_code", "denial_carc",
                                                    "remark_codes", "denial_date", "deadline_date", "days_left")}
                      for d in lines],
            dollars_at_stake=Decimal(row["dollars_at_risk"] or 0).quantize(Decimal("0.01")),
            due_date=row.get("due_date"), assigned_role=ASSIGNED_ROLE,
            public_terms=[location_name, row.get("payer_name") or ""],
            phi_terms=[t for t in (patient.get("first_name"), patient.get("last_name"), dob if dob != "NOT ON FILE" else None,
                                   member if member != "NOT ON FILE" else None) if t],
        ))
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the denials routed to an appeal; the patient, plan of care and visit history come
    from packet_appeal_patients and packet_appeal_visits."""
    flags = [row for row in rows if row["route"] == "appeal"]
    patients = ctx.indexed("packet_appeal_patients", "patient_id")
    plans = {patient_id: {k: patient[k] for k in PLAN_COLUMNS} for patient_id, patient in patients.items()
             if patient.get("plan_of_care_id")}
    visits: dict[str, list[date]] = {}
    for visit in ctx.packet("packet_appeal_visits"):
        visits.setdefault(visit["patient_id"], []).append(visit["date_of_service"])
    drafts = draft_actions(flags, ctx.grouped("packet_denied_lines", "claim_id"), patients, plans, visits,
                           ctx.location_names(), ctx.as_of)
    return ctx.with_recipients(drafts, "payer_fax", lambda d: d.payer_id)
