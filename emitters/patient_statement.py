"""Patient statements: rows of marts.flag_patient_statements_due -> a statement to the child's parent or
guardian for what the payers left the family to pay (835 CAS group PR: deductible PR-1, coinsurance PR-2,
copay PR-3, any other PR reason as not covered by the plan), less what the family already paid.

Never to a family whose child has Medicaid coverage of any rank: a Medicaid provider must accept Medicaid's
payment as payment in full (42 CFR 447.15), so the mart routes that balance to the secondary claim or a
write-off review, and this module refuses such a row again. Plain words, money as dollars, dates as people
write them, each code in words; the practice's name, phone and billing contact come from the settings
(RCM_STATEMENT_*). It is dated the day billing approves it (core/approval_date.py), so a statement waiting
in the queue is not redrafted each night for its date. The statement names the child and the guardian (it goes
to them); both are phi_terms, so they never reach a title or the evidence. Billing approves each one. Pure.
"""

from __future__ import annotations

import jinja2

from core.approval_date import APPROVAL_DATE, approval_date_text
from core.money import format_money
from core.templating import text_environment

from .claim_letters import _address
from .context import DraftContext
from .models import DraftAction
from .values import as_date, jsonable

ACTION_TYPE = "patient_statement"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "patient_statement.txt.j2"
LINES_PACKET = "packet_statement_lines"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "claim_id",
    "visit_id",
    "location_id",
    "payer_id",
    "first_service_date",
    "last_service_date",
    "latest_payment_date",
    "charge_amount",
    "insurance_paid_amount",
    "insurance_adjusted_amount",
    "deductible_amount",
    "coinsurance_amount",
    "copay_amount",
    "not_covered_amount",
    "patient_responsibility_amount",
    "family_paid_amount",
    "dollars_at_risk",
)
# The family's share by kind, in the order a statement lists them (835 CAS group PR reasons).
SHARE_LABELS = (
    ("deductible_amount", "Deductible"),
    ("coinsurance_amount", "Coinsurance (your share of the cost)"),
    ("copay_amount", "Copay"),
    ("not_covered_amount", "Not covered by your plan"),
)


def long_date(value) -> str:
    """'February 2, 2026': how a family reads a date."""
    return approval_date_text(as_date(value))


def describe_code(code: str, description: str | None) -> str:
    return f"{description} (code {code})" if description else f"Therapy service (code {code})"


def _positive(value) -> bool:
    return value is not None and float(value) > 0


def statement(row: dict, lines: list[dict], location: dict, settings, template: jinja2.Template) -> str:
    if not lines:
        raise ValueError(f"claim {row['claim_id']} has no answered lines in {LINES_PACKET}")
    payer = row.get("payer_name") or row["payer_id"]
    practice = settings.statement_practice_name or location.get("location_name") or row["location_id"]
    ordered = sorted(lines, key=lambda ln: (str(ln["service_date"]), int(ln["line_number"])))
    visit_days = sorted({as_date(ln["service_date"]) for ln in ordered})
    summary = [
        ("Total charges", format_money(row["charge_amount"])),
        (f"Paid by {payer}", format_money(row["insurance_paid_amount"])),
        ("Adjusted by insurance (not billed to you)", format_money(row["insurance_adjusted_amount"])),
        ("Your share, as your plan worked it out", format_money(row["patient_responsibility_amount"])),
    ]
    if _positive(row.get("family_paid_amount")):
        summary.append(("Already paid by you, thank you", format_money(-float(row["family_paid_amount"]))))
    return template.render(
        practice_name=practice,
        address=_address(location),
        billing_phone=settings.statement_billing_phone,
        billing_contact=settings.statement_billing_contact,
        statement_date=APPROVAL_DATE,
        claim_id=row["claim_id"],
        guardian_name=row.get("guardian_name") or "parent or guardian",
        child_name=row.get("patient_first_name") or "your child",
        visit_dates=", ".join(long_date(d) for d in visit_days),
        payer_name=payer,
        lines=[
            {
                "date": long_date(ln["service_date"]),
                "description": describe_code(ln["procedure_code"], ln.get("procedure_description")),
                "units": int(ln.get("billed_units") or 1),
                "charge": format_money(ln["charge_amount"]),
                "paid": format_money(ln["insurance_paid_amount"]),
                "adjusted": format_money(ln["insurance_adjusted_amount"]),
                "share": format_money(ln["patient_responsibility_amount"]),
            }
            for ln in ordered
        ],
        summary=summary,
        shares=[(label, format_money(row[key])) for key, label in SHARE_LABELS if _positive(row.get(key))],
        balance_due=format_money(row["dollars_at_risk"]),
    )


def draft_statements(
    rows: list[dict], lines_by_flag: dict[str, list[dict]], locations: dict[str, dict], settings
) -> list[DraftAction]:
    drafts = []
    template = text_environment().get_template(TEMPLATE_NAME)  # looked up once: a large group drafts tens of thousands
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if row.get("has_medicaid") is None or bool(row["has_medicaid"]):
            # Medicaid pays in full for a Medicaid child (42 CFR 447.15): set aside, never billed to the family
            raise ValueError(f"claim {row['claim_id']}: a statement is never drafted for a child with Medicaid")
        if not _positive(row.get("dollars_at_risk")):
            raise ValueError(f"claim {row['claim_id']}: nothing is due from the family")
        location = locations.get(row["location_id"], {"location_name": row["location_id"]})
        body = statement(row, lines_by_flag.get(str(row["flag_id"]), []), location, settings, template)
        names = [row.get("patient_first_name"), row.get("patient_last_name"), row.get("guardian_name")]
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=(
                    f"Patient statement {format_money(row['dollars_at_risk'])}: claim {row['claim_id']} "
                    f"({location.get('location_name', row['location_id'])})"
                ),
                recipient="the child's parent or guardian (mail or patient portal)",
                body=body,
                evidence=[{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS}],
                dollars_at_stake=row["dollars_at_risk"],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=[n for n in names if n],
                public_terms=[location.get("location_name") or "", row.get("payer_name") or ""],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: each flag's lines come from packet_statement_lines, the letterhead from
    packet_locations, who to call from the settings."""
    return draft_statements(rows, ctx.grouped(LINES_PACKET, "flag_id"), ctx.locations(), ctx.settings)
