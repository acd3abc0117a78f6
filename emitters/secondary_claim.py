"""Secondary claims: rows of marts.flag_secondary_claims_due -> an 837P to the secondary payer carrying
the primary payer's adjudication.

Pure: built from the claim as it was submitted to the primary (``claim_837.rebuild``, the same builder as
corrected claims) with SBR01 = S and the secondary payer and member id in 2000B/2010BB, then the primary's
adjudication: loop 2320 (SBR for the other subscriber with the primary's filing indicator, AMT*D = what
the primary paid, OI), 2330A (the other subscriber, the primary's member id), 2330B (the primary payer),
and for every line loop 2430 (SVD = line paid, CAS = the 835 line adjustments by group, DTP*573 = the
primary's payment date). Frequency code 1 (a new claim to a new payer). The tests validate it with pyx12.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.money import format_money

from . import claim_837
from .claims_common import cents
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "secondary_claim"
ASSIGNED_ROLE = "billing"
CAS_TRIPLETS = 6  # reason/amount/quantity triplets per CAS segment (X12 limit)


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def _units(value) -> str:
    """SVD05 units as billed: whole units without a decimal part (the 835 may carry them as 2.00)."""
    units = Decimal(str(value))
    return str(int(units)) if units == units.to_integral_value() else f"{units.normalize()}"


def _cas_segments(adjustments: list[dict]) -> list[list[str]]:
    """One CAS per group code (CO, PR, OA, PI), at most six reasons each."""
    by_group: dict[str, list[dict]] = {}
    for adj in adjustments:
        by_group.setdefault(adj["group_code"], []).append(adj)
    segs = []
    for group in sorted(by_group):
        items = by_group[group]
        for start in range(0, len(items), CAS_TRIPLETS):
            seg = ["CAS", group]
            for adj in items[start : start + CAS_TRIPLETS]:
                seg += [adj["reason_code"], _amount(adj["amount"]), ""]
            segs.append(seg[:-1])
    return segs


def build_secondary(
    claim_x12: str,
    billing_x12: str,
    flag: dict,
    lines: dict[int, dict],
    secondary_member_id: str,
    control: int,
    created: date,
) -> str:
    """The 837P interchange to the secondary payer. ``lines`` maps line number -> the primary's answer
    (``paid_amount``, ``procedure_code``, ``modifiers``, ``units``,
    ``adjustments``: [{group_code, reason_code, amount}])."""
    primary_x12_id = flag["primary_payer_x12_id"] or flag["primary_payer_id"]
    paid_on = flag["primary_payment_date"].strftime("%Y%m%d")
    # relationship: the patient's relationship to the primary subscriber, from 2000B SBR02 ("18" self) or,
    # for a dependent child (SBR02 empty), the 2000C PAT01 (e.g. "19" child).
    state = {"line": 0, "cob_written": False, "subscriber": None, "primary_filing": None, "relationship": None}

    def line_adjudication(number: int) -> list[list[str]]:
        answer = lines.get(number)
        if answer is None:
            return []
        procedure = ":".join(
            ["HC", answer["procedure_code"], *[m for m in (answer.get("modifiers") or "").split("|") if m][:4]]
        )
        return [
            ["SVD", primary_x12_id, _amount(answer["paid_amount"]), procedure, "", _units(answer["units"])],
            *_cas_segments(answer["adjustments"]),
            ["DTP", "573", "D8", paid_on],
        ]

    def other_payer_loops() -> list[list[str]]:
        last, first, member = state["subscriber"]
        return [
            ["SBR", "P", state["relationship"] or "18", "", "", "", "", "", "", state["primary_filing"]],  # 2320
            ["AMT", "D", _amount(sum((Decimal(a["paid_amount"]) for a in lines.values()), Decimal("0.00")))],
            ["OI", "", "", "Y", "", "", "Y"],
            ["NM1", "IL", "1", last, first, "", "", "", "MI", member],  # 2330A
            [
                "NM1",
                "PR",
                "2",
                (flag["primary_payer_name"] or primary_x12_id).upper()[:60],
                "",
                "",
                "",
                "",
                "PI",
                primary_x12_id,
            ],  # 2330B
        ]

    def edit(seg: list[str]) -> list[list[str]]:
        if seg[0] == "SBR":
            state["primary_filing"] = seg[9] if len(seg) > 9 else "CI"
            state["relationship"] = seg[2] if len(seg) > 2 and seg[2] else None
            return [["SBR", "S", *seg[2:9], flag["secondary_filing_indicator"] or "CI"]]
        if seg[0] == "PAT" and len(seg) > 1 and seg[1]:
            state["relationship"] = seg[1]
            return [seg]
        if seg[0] == "NM1" and seg[1] == "IL":
            state["subscriber"] = (seg[3], seg[4] if len(seg) > 4 else "", seg[9])
            return [[*seg[:9], secondary_member_id]]
        if seg[0] == "NM1" and seg[1] == "PR":
            return [
                [
                    "NM1",
                    "PR",
                    "2",
                    (flag["payer_name"] or "").upper()[:60],
                    "",
                    "",
                    "",
                    "",
                    "PI",
                    flag["secondary_payer_x12_id"] or flag["payer_id"],
                ]
            ]
        if seg[0] == "CLM":
            facility = (seg[5].split(":") + ["", "", ""])[:3]
            facility[2] = "1"
            return [[*seg[:5], ":".join(facility), *seg[6:]]]
        if seg[0] == "REF" and seg[1] == "F8":
            return []
        if seg[0] == "LX":
            out = [] if state["cob_written"] else other_payer_loops()
            state["cob_written"] = True
            out += line_adjudication(state["line"])
            state["line"] += 1
            return [*out, seg]
        return [seg]

    return claim_837.rebuild(
        claim_x12,
        billing_x12,
        control,
        created,
        f"S{control:07d}",
        edit,
        finish=lambda: line_adjudication(state["line"]),
    )


def draft_actions(
    flag_rows: list[dict],
    claim_texts: dict[str, tuple[str, str]],
    answers: dict[str, dict[int, dict]],
    member_ids: dict[str, str],
    location_names: dict[str, str],
    control_numbers: dict[str, int],
) -> list[DraftAction]:
    """One secondary 837P per flag whose submitted claim text, primary answer and secondary member id are on file.
    `control_numbers`: each flag's interchange control number (Ledger.control_numbers)."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        claim_id = row["claim_id"]
        member_id = member_ids.get(row["secondary_coverage_id"])
        if claim_id not in claim_texts or not answers.get(claim_id) or not member_id:
            continue
        claim_x12, billing_x12 = claim_texts[claim_id]
        control = control_numbers[str(row["flag_id"])]
        envelope_date = claim_837.drafted_envelope_date(row)
        text = build_secondary(claim_x12, billing_x12, row, answers[claim_id], member_id, control, envelope_date)
        location_name = location_names.get(row["location_id"], row["location_id"])
        payer_name = row.get("payer_name") or row["payer_id"]
        checklist = [
            ChecklistItem(
                item="Primary payer's adjudication attached (2320/2330 and 2430 per line)",
                present=True,
                detail=f"{row.get('primary_payer_name')} paid {format_money(row['primary_paid_amount'])} on "
                f"{jsonable(row['primary_payment_date'])}",
            ),
            ChecklistItem(
                item="Secondary coverage verified for the date of service (eligibility check)", present=False
            ),
        ]
        drafts.append(
            DraftAction(
                flag_id=row["flag_id"],
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row["payer_id"],
                patient_id=row.get("patient_id"),
                title=(
                    f"Secondary claim {claim_id} to {payer_name}: {format_money(row['dollars_at_risk'])} patient "
                    f"responsibility after primary {row['primary_payer_id']} ({location_name})"
                )[:200],
                recipient=f"{payer_name} via the clearinghouse (837P, secondary)",
                body=text,
                checklist=checklist,
                evidence=[
                    {
                        k: jsonable(row.get(k))
                        for k in (
                            "claim_id",
                            "service_date",
                            "primary_payer_id",
                            "primary_claim_control_number",
                            "primary_payment_date",
                            "primary_paid_amount",
                            "dollars_at_risk",
                            "payer_id",
                            "due_date",
                        )
                    }
                ],
                dollars_at_stake=cents(row["dollars_at_risk"]),
                due_date=row.get("due_date"),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=sorted({*claim_837.phi_terms(claim_x12), member_id}),
                public_terms=[location_name, payer_name],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the claim text, the primary's answer per line with its adjustments and the secondary
    member id come from the declared packet models, the control numbers from the ledger's allocator."""
    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in ctx.packet("packet_claim_x12")}
    answers: dict[str, dict[int, dict]] = {}
    for line in sorted(ctx.packet("packet_secondary_claim_lines"), key=lambda r: (r["claim_id"], r["line_number"])):
        answers.setdefault(line["claim_id"], {})[line["line_number"]] = {**line, "adjustments": []}
    by_remit_line = {a["latest_remit_line_id"]: a for lines in answers.values() for a in lines.values()}
    for adjustment in sorted(ctx.packet("packet_secondary_claim_adjustments"), key=lambda r: r["remit_adjustment_id"]):
        if adjustment["remit_line_id"] in by_remit_line:
            by_remit_line[adjustment["remit_line_id"]]["adjustments"].append(adjustment)
    member_ids = {r["coverage_id"]: r["member_id"] for r in ctx.packet("packet_secondary_coverages")}
    return draft_actions(
        rows,
        texts,
        answers,
        member_ids,
        ctx.location_names(),
        ctx.control_numbers(str(r["flag_id"]) for r in rows),
    )
