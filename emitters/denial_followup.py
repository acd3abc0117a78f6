"""Denial follow-ups that are neither a letter to the payer nor an 837P: a write-off review for the billing
lead (a missing authorization the payer grants no retro-authorization for, CO-197/198; a timely-filing
denial without a clearinghouse acceptance inside the filing limit, CO-29), the referral the claim should
have named (CO-288), a payer's unit reduction (CO-151 with N362), an NCCI / bundling edit (CO-97/231/234/236), out of
network (CO-242), billing the secondary payer for a non-covered service (CO-96/204/119), records the payer
asked for (CO-226/252), re-billing the right payer (CO-22/109), the rendering provider's enrollment
(CO-185/B7), and a CARC nobody has classified yet (review). Pure: flag_denials_to_work rows -> DraftActions
with the reason, the deadline and the steps; a step marked required must be checked before approval.
No patient name, date of birth, member id or diagnosis: ids only.
"""

from __future__ import annotations

from core.money import format_money

from .claims_common import cents, denied_line_evidence, denied_lines_of
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "denial_followup"
ASSIGNED_ROLE = "billing"
ROUTE_TITLES = {
    "write_off_review": "Write-off review for the billing lead",
    "referral_fix": "Obtain the referral",
    "unit_reduction": "Review the payer's unit reduction",
    "ncci_review": "Review the bundling edit",
    "out_of_network": "Resolve the network status",
    "bill_secondary_or_write_off": "Bill the secondary payer or write-off review",
    "send_records": "Send the requested records",
    "rebill_other_payer": "Re-bill the right payer",
    "credentialing_fix": "Fix enrollment and re-bill",
    "review": "Classify an unknown denial reason",
}
# (step, required): a required step blocks approval until a person checks it.
ROUTE_STEPS = {
    "write_off_review": [
        ("The billing lead reviews the write-off with the reason below", True),
        ("Post the adjustment with this reason, or reopen the work if proof or an authorization turns up", False),
    ],
    "referral_fix": [
        ("Obtain the referral in force on the date of service from the referring physician or plan", True),
        ("Send a corrected claim with the referral number in REF*9F", False),
    ],
    "unit_reduction": [
        ("Compare the paid units with the units the documented minutes support", True),
        (
            "Appeal with the frequency justification only if the minutes support the billed units; "
            "otherwise accept the reduction",
            False,
        ),
    ],
    "ncci_review": [
        (
            "Check the note for separate, non-overlapping time blocks (start and end times) or a separate session "
            "for the denied code",
            True,
        ),
        (
            "Only if documented: send a corrected claim with {distinct_service_modifier} (this payer's "
            "distinct-service modifier) on the column-2 code; otherwise accept the bundling",
            False,
        ),
    ],
    "out_of_network": [
        (
            "Check the rendering provider's and the location's network status with the payer on the date of service",
            True,
        ),
        ("If in network, send a corrected claim; otherwise request a single-case agreement", False),
    ],
    "bill_secondary_or_write_off": [
        ("Check the patient's secondary coverage on the date of service (Medicaid is the payer of last resort)", True),
        (
            "Bill the secondary payer with this adjudication; never send a statement to a family whose secondary is "
            "Medicaid",
            False,
        ),
    ],
    "send_records": [
        ("Send the requested records with the claim number, member id and date of service", True),
    ],
    "rebill_other_payer": [
        ("Confirm the patient's primary coverage (eligibility check)", False),
        ("Send the claim to that payer and update coordination of benefits", False),
    ],
    "credentialing_fix": [
        ("Check the rendering therapist's enrollment with the payer on the date of service", False),
        ("Re-bill under an enrolled provider, or after the enrollment is effective if the payer allows", False),
    ],
    "review": [
        ("Look the CARC up in the X12 code list and add it to the carc_codes and claim_denial_routes seeds", True),
    ],
}


TIMELY_FILING_CARC = "29"


def _steps(row: dict) -> list[ChecklistItem]:
    modifier = row.get("distinct_service_modifier") or "59"
    return [
        ChecklistItem(item=step.format(distinct_service_modifier=modifier), present=False, required=required)
        for step, required in ROUTE_STEPS[row["route"]]
    ]


def _filing_proof(row: dict) -> list[str]:
    """For a timely-filing denial: the payer's filing limit and the acceptance on file, if any."""
    if TIMELY_FILING_CARC not in str(row.get("carcs") or "").split("|"):
        return []
    accepted = jsonable(row.get("accepted_date")) or "none on file"
    return [f"Filing limit: {jsonable(row.get('filing_limit_date'))}; clearinghouse acceptance: {accepted}"]


def draft_actions(
    flag_rows: list[dict], denied_lines: dict[str, list[dict]], location_names: dict[str, str]
) -> list[DraftAction]:
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if row["route"] not in ROUTE_TITLES:
            continue
        lines = denied_lines_of(row["claim_id"], denied_lines)
        location_name = location_names.get(row["location_id"], row["location_id"])
        reasons = sorted({f"CARC {d['denial_carc']} ({d['denial_category']})" for d in lines})
        body = "\n".join(
            [
                f"{ROUTE_TITLES[row['route']]}: claim {row['claim_id']} "
                f"(payer claim {row.get('payer_claim_control_number')})",
                f"Payer: {row.get('payer_name') or row['payer_id']}",
                f"Date of service: {jsonable(row['service_date'])}; denied {jsonable(row['denial_date'])}",
                f"Reason: {', '.join(reasons)}",
                "Lines: " + ", ".join(f"{d['line_number']} {d['procedure_code']}" for d in lines),
                f"Dollars at stake: {format_money(row['dollars_at_risk'])}",
                f"Deadline: {jsonable(row['due_date'])}",
                *_filing_proof(row),
                "",
                f"What to do: {row['action_note']}",
                "",
            ]
        )
        drafts.append(
            DraftAction(
                flag_id=row["flag_id"],
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=f"{ROUTE_TITLES[row['route']]}: claim {row['claim_id']} (CARC {row['carcs']}) ({location_name})"[
                    :200
                ],
                recipient="Billing team",
                body=body,
                checklist=_steps(row),
                evidence=denied_line_evidence(lines),
                dollars_at_stake=cents(row["dollars_at_risk"]),
                due_date=row.get("due_date"),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=[],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: every flag of flag_denials_to_work; the routes this type drafts are picked here."""
    return draft_actions(rows, ctx.grouped("packet_denied_lines", "claim_id"), ctx.location_names())
