"""Medicaid-primary patient balances: rows of marts.flag_medicaid_balance_write_offs -> a write-off review for
the billing lead. The child's primary payer on the date of service is Medicaid and its 835 still leaves a patient
share (835 CAS group PR); a Medicaid provider accepts Medicaid's payment as payment in full (42 CFR 447.15), so
the balance is never billed to the family. The draft names the claim, the date of service, the amount to adjust
off by kind, anything the family already paid (refunded), and the checks before posting: was Medicaid really
primary on that date, and is there other coverage that should have paid first (Medicaid pays last).
No patient name, date of birth or member id: ids only. Pure.
"""

from __future__ import annotations

from core.money import format_money

from .claims_common import cents
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .patient_statement import long_date
from .values import as_date, jsonable

ACTION_TYPE = "medicaid_balance_write_off"
ASSIGNED_ROLE = "billing"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "claim_id",
    "visit_id",
    "location_id",
    "payer_id",
    "medicaid_priority",
    "other_coverage_payer_id",
    "first_service_date",
    "last_service_date",
    "latest_payment_date",
    "charge_amount",
    "insurance_paid_amount",
    "deductible_amount",
    "coinsurance_amount",
    "copay_amount",
    "not_covered_amount",
    "patient_responsibility_amount",
    "family_paid_amount",
    "dollars_at_risk",
)
# The patient share by kind, as the 835 reported it (CAS group PR reasons).
SHARE_LABELS = (
    ("deductible_amount", "deductible (PR-1)"),
    ("coinsurance_amount", "coinsurance (PR-2)"),
    ("copay_amount", "copay (PR-3)"),
    ("not_covered_amount", "not covered (other PR reasons)"),
)


def _positive(value) -> bool:
    return value is not None and float(value) > 0


def _service_dates(row: dict) -> str:
    first, last = long_date(row["first_service_date"]), long_date(row["last_service_date"])
    return first if first == last else f"{first} to {last}"


def _checklist(row: dict) -> list[ChecklistItem]:
    payer = row.get("payer_name") or row["payer_id"]
    other = row.get("other_coverage_payer_id")
    items = [
        ChecklistItem(
            item=f"Confirm {payer} was the child's primary coverage on the date of service (eligibility on that date)",
            detail="If another plan was primary, bill it first; Medicaid pays last",
            present=False,
            required=True,
        ),
        ChecklistItem(
            item=(
                f"Check the other coverage on file ({other}) and bill it before writing off"
                if other
                else "Check for other coverage to bill (commercial, TPL on the Medicaid eligibility response)"
            ),
            present=False,
            required=True,
        ),
        ChecklistItem(
            item="Post the adjustment of the patient share; never send a statement to the family", present=False
        ),
    ]
    if _positive(row.get("family_paid_amount")):
        items.append(
            ChecklistItem(
                item=f"Refund the {format_money(row['family_paid_amount'])} the family already paid for this visit",
                present=False,
                required=True,
            )
        )
    return items


def body(row: dict) -> str:
    payer = row.get("payer_name") or row["payer_id"]
    shares = [f"{format_money(row[key])} {label}" for key, label in SHARE_LABELS if _positive(row.get(key))]
    share_words = ", ".join(shares) if shares else format_money(row["patient_responsibility_amount"])
    lines = [
        f"Write-off review for the billing lead: claim {row['claim_id']} (visit {row['visit_id']})",
        f"Primary payer: {payer} (Medicaid)",
        f"Date of service: {_service_dates(row)}; answered {long_date(row['latest_payment_date'])}",
        f"Charges {format_money(row['charge_amount'])}; Medicaid paid {format_money(row['insurance_paid_amount'])}",
        f"Patient share on the 835: {share_words}",
        f"Amount to adjust off: {format_money(row['dollars_at_risk'])}",
    ]
    if _positive(row.get("family_paid_amount")):
        lines.append(f"Already paid by the family, to refund: {format_money(row['family_paid_amount'])}")
    lines += [
        "",
        "Why this cannot go to the family: the child's primary coverage on the date of service is Medicaid, and a "
        "Medicaid provider accepts Medicaid's payment as payment in full (42 CFR 447.15). A patient share Medicaid "
        "leaves is adjusted off, never billed to the family.",
        "",
        "Check first: that Medicaid really was primary on the date of service, and whether other coverage should "
        "have paid before Medicaid (Medicaid is the payer of last resort). If so, bill that plan instead of writing "
        "the balance off.",
        "",
    ]
    return "\n".join(lines)


def draft_write_offs(rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if not _positive(row.get("dollars_at_risk")):
            raise ValueError(f"claim {row['claim_id']}: no patient share to adjust off")
        location = location_names.get(row["location_id"], row["location_id"])
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=(
                    f"Write-off review, Medicaid patient share {format_money(row['dollars_at_risk'])}: "
                    f"claim {row['claim_id']} ({location})"
                )[:200],
                recipient="Billing lead",
                body=body(row),
                checklist=_checklist(row),
                evidence=[{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS}],
                dollars_at_stake=cents(row["dollars_at_risk"]),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=[],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: every flag of flag_medicaid_balance_write_offs."""
    return draft_write_offs(rows, ctx.location_names())
