"""Claims payment drafts: secondary 837P claims carrying the primary's adjudication (validated by pyx12),
underpayment dispute letters citing the contract line, and timely-filing alerts; titles carry no PHI."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from core.approval_date import APPROVAL_DATE, date_on_approval
from dagster_project.ingest.x12.claim_837 import parse_837_file
from dagster_project.ingest.x12.validate import validate_with_pyx12
from dashboards.data import approval_date_note
from emitters import secondary_claim, timely_filing_alert, underpayment_dispute
from emitters.registry import approver_roles

FIXTURE = Path(__file__).resolve().parents[1] / "ingest" / "x12" / "fixtures" / "claims_clean_5010.837"


def _texts(index: int = 0):
    parsed = parse_837_file(FIXTURE)
    return parsed.tables["claim_headers"][index]["claim_x12"], parsed.tables["claim_transactions"][0]["billing_x12"]


SECONDARY_FLAG = {
    "flag_id": "s-1",
    "claim_id": "CL0100001",
    "location_id": "L01",
    "patient_id": "P1",
    "payer_id": "COMM2",
    "payer_name": "Summit Health HMO",
    "secondary_payer_x12_id": "SUMHM",
    "secondary_filing_indicator": "CI",
    "secondary_coverage_id": "C2",
    "primary_payer_id": "TXMCO1",
    "primary_payer_name": "Synthetic MCO One",
    "primary_payer_x12_id": "SYNMC",
    "primary_claim_control_number": "ICN-1",
    "primary_payment_date": date(2026, 11, 20),
    "primary_paid_amount": Decimal("100.00"),
    "dollars_at_risk": Decimal("25.00"),
    "service_date": date(2026, 11, 2),
    "due_date": date(2027, 2, 18),
}
ANSWERS = {
    1: {
        "paid_amount": Decimal("75.00"),
        "procedure_code": "97530",
        "modifiers": "GO",
        "units": Decimal("2.00"),
        "adjustments": [
            {"group_code": "CO", "reason_code": "45", "amount": Decimal("44.00")},
            {"group_code": "PR", "reason_code": "2", "amount": Decimal("25.00")},
        ],
    },
    2: {
        "paid_amount": Decimal("25.00"),
        "procedure_code": "97110",
        "modifiers": "GO",
        "units": 1,
        "adjustments": [{"group_code": "CO", "reason_code": "45", "amount": Decimal("37.00")}],
    },
}


def test_secondary_claim_carries_the_primary_adjudication_and_pyx12_accepts_it(tmp_path):
    (draft,) = secondary_claim.draft_actions(
        [SECONDARY_FLAG],
        {"CL0100001": _texts()},
        {"CL0100001": ANSWERS},
        {"C2": "SECMEM77"},
        {"L01": "North"},
        {"s-1": 4711},
    )
    path = tmp_path / "secondary.837"
    path.write_text(draft.body, encoding="ascii")
    assert validate_with_pyx12(path) == []
    body = draft.body
    assert "SBR*S*18*******CI~" in body and "NM1*PR*2*SUMMIT HEALTH HMO*****PI*SUMHM~" in body
    assert "NM1*IL*1*CHILD*SYNTH****MI*SECMEM77~" in body
    # 2320/2330A/2330B: the primary's subscriber, what it paid, and who it is; then 2430 per line
    assert (
        "SBR*P*18*******MC~\nAMT*D*100.00~\nOI***Y***Y~\nNM1*IL*1*CHILD*SYNTH****MI*SYN000001~\n"
        "NM1*PR*2*SYNTHETIC MCO ONE*****PI*SYNMC~\nLX*1~" in body
    )
    assert "SVD*SYNMC*75.00*HC:97530:GO**2~\nCAS*CO*45*44.00~\nCAS*PR*2*25.00~\nDTP*573*D8*20261120~\nLX*2~" in body
    assert body.rstrip().split("\n")[-5:-3] == ["CAS*CO*45*37.00~", "DTP*573*D8*20261120~"]
    # The interchange number is the one the ledger allocated to this flag (ISA13, GS06, GE02, IEA02).
    assert "*000004711*0*P*:~" in body and "GS*HC*" in body and "GE*1*4711~" in body and "IEA*1*000004711~" in body
    reread = parse_837_file(path)
    (header,) = reread.tables["claim_headers"]
    assert (header["payer_sequence"], header["claim_frequency_code"]) == ("S", "1")
    assert draft.action_type == "secondary_claim" and draft.assigned_role == "billing"
    assert {"SECMEM77", "SYN000001", "SYNTH"} <= set(draft.phi_terms)
    assert draft.dollars_at_stake == Decimal("25.00") and draft.due_date == date(2027, 2, 18)


def test_a_secondary_837p_is_drafted_with_its_date_of_service_and_dated_the_day_it_is_approved(tmp_path):
    (draft,) = secondary_claim.draft_actions(
        [SECONDARY_FLAG], {"CL0100001": _texts()}, {"CL0100001": ANSWERS}, {"C2": "SECMEM77"}, {}, {"s-1": 8}
    )
    drafted = draft.body.split("\n")
    # No date of the night in the draft: the next night drafts the same text, so its inputs say it is unchanged.
    assert drafted[0].split("*")[9] == "261102" and drafted[1].split("*")[4] == "20261102"
    note = approval_date_note(draft.body)
    assert note == "The file's envelope dates (ISA, GS and BHT) become the date you approve it."

    approved = date_on_approval(draft.body, date(2026, 12, 4)).split("\n")
    changed = [(before, after) for before, after in zip(drafted, approved, strict=True) if before != after]
    assert [after.split("*")[0] for _, after in changed] == ["ISA", "GS", "BHT"]
    assert approved[0].split("*")[9] == "261204" and len(approved[0]) == len(drafted[0])  # ISA keeps its width
    assert [after.split("*")[4] for _, after in changed[1:]] == ["20261204", "20261204"]
    assert "DTP*573*D8*20261120~" in approved  # the primary's payment date is data, never the approval day
    path = tmp_path / "approved.837"
    path.write_text("\n".join(approved), encoding="ascii")
    assert validate_with_pyx12(path) == []


def test_a_letter_that_starts_like_an_envelope_keeps_its_text_and_gets_its_date():
    letter = "ISABEL'S KIDS THERAPY, AUSTIN " * 5 + f"\nStatement date: {APPROVAL_DATE}\nDear family,"
    assert date_on_approval(letter, date(2026, 12, 4)) == letter.replace(APPROVAL_DATE, "December 4, 2026")


def test_a_dependent_childs_relationship_to_the_primary_subscriber_is_carried_to_2320():
    """A child on a parent's plan: 2000B SBR02 is empty and 2000C PAT01 says 19 (child); 2320 SBR02 must too."""
    claim_x12, billing_x12 = _texts()
    assert "SBR*P*18*" in claim_x12
    dependent = claim_x12.replace("SBR*P*18*", "SBR*P**", 1).replace("CLM*", "PAT*19~\nCLM*", 1)
    (draft,) = secondary_claim.draft_actions(
        [SECONDARY_FLAG],
        {"CL0100001": (dependent, billing_x12)},
        {"CL0100001": ANSWERS},
        {"C2": "SECMEM77"},
        {},
        {"s-1": 5},
    )
    assert "SBR*P*19*******MC~\nAMT*D*100.00~" in draft.body
    assert "SBR*P*18*" not in draft.body


def test_secondary_claim_is_skipped_without_a_member_id_or_the_primary_answer():
    args = ({"CL0100001": _texts()}, {"CL0100001": ANSWERS}, {"C2": "SECMEM77"}, {}, {"s-1": 1})
    assert secondary_claim.draft_actions([{**SECONDARY_FLAG, "secondary_coverage_id": "C9"}], *args) == []
    assert secondary_claim.draft_actions([SECONDARY_FLAG], args[0], {}, *args[2:]) == []


def test_replacement_claim_becomes_an_original_claim_to_the_secondary(tmp_path):
    (draft,) = secondary_claim.draft_actions(
        [{**SECONDARY_FLAG, "claim_id": "CL0100002"}],
        {"CL0100002": _texts(1)},
        {"CL0100002": {1: {**ANSWERS[1], "procedure_code": "97165", "modifiers": "GO|95", "units": 1}}},
        {"C2": "SECMEM77"},
        {},
        {"s-1": 2},
    )
    assert ":B:1*" in draft.body and "REF*F8" not in draft.body and "SVD*SYNMC*75.00*HC:97165:GO:95**1~" in draft.body
    path = tmp_path / "secondary2.837"
    path.write_text(draft.body, encoding="ascii")
    assert validate_with_pyx12(path) == []


UNDERPAID = {
    "flag_id": "u-1",
    "claim_id": "CL0100001",
    "line_number": 1,
    "line_control_number": "V1-1",
    "location_id": "L01",
    "patient_id": "P1",
    "payer_id": "TXMCO1",
    "payer_name": "Test MCO One",
    "payer_claim_control_number": "ICN-9",
    "service_date": date(2026, 10, 2),
    "procedure_code": "97530",
    "modifiers": "GO",
    "billed_units": 2,
    "payment_date": date(2026, 10, 20),
    "contracted_rate_per_unit": Decimal("40.00"),
    "fee_schedule_effective_date": date(2026, 1, 1),
    "fee_schedule_termination_date": None,
    "contracted_allowed_amount": Decimal("80.00"),
    "paid_allowed_amount": Decimal("68.00"),
    "net_paid_amount": Decimal("68.00"),
    "dollars_at_risk": Decimal("12.00"),
    "underpayment_dispute_days": 120,
    "due_date": date(2027, 2, 17),
}


PATIENTS = {
    "u-1": {"first_name": "Ava", "last_name": "Testchild", "date_of_birth": date(2019, 4, 2), "member_id": "M-77"}
}
LETTERHEAD = {
    "L01": {
        "location_name": "North",
        "address_line": "1 Test St",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "facility_npi": "1234567893",
    }
}
GOLDEN = Path(__file__).resolve().parent / "golden"


def _dispute(row: dict, patients: dict = PATIENTS):
    (draft,) = underpayment_dispute.draft_actions([row], patients, LETTERHEAD)
    return draft


def test_dispute_letter_golden_names_the_patient_claim_and_contract_line_and_no_internal_deadline():
    draft = _dispute(UNDERPAID)
    assert draft.body == (GOLDEN / "underpayment_dispute.txt").read_text(encoding="utf-8")
    assert "2027-02-17" not in draft.body and "window" not in draft.body  # our deadline stays on the draft
    assert draft.due_date == date(2027, 2, 17)
    assert draft.dollars_at_stake == Decimal("12.00") and draft.recipient.startswith("Test MCO One")
    assert draft.title.startswith("Dispute underpayment $12.00: claim CL0100001 line 1 97530")
    assert "Ava" not in draft.title and "M-77" not in draft.title
    assert set(draft.phi_terms) == {"Ava", "Testchild", "2019-04-02", "M-77"}
    assert [c.present for c in draft.checklist] == [True, True, True, False]


def test_dispute_letter_shows_the_assistant_rate_and_the_multiple_procedure_split_for_the_units_paid():
    row = {
        **UNDERPAID,
        "modifiers": "GO|CO",
        "billed_units": 3,
        "paid_units": 2,
        "units_reduced": 1,
        "assistant_rate_percent": 85,
        "contracted_rate_per_unit": Decimal("34.00"),
        "applies_mppr": True,
        "full_rate_units": 1,
        "reduced_rate_per_unit": Decimal("27.20"),
        "mppr_subsequent_unit_percent": 80,
    }
    draft = _dispute(row)
    assert "Contracted rate:        $34.00 per unit (85% assistant rate)" in draft.body
    assert "Multiple procedures:    1 unit at $34.00, 1 at $27.20 (80% multiple-procedure rate)" in draft.body
    assert "2 units allowed on your remittance" in draft.body
    assert draft.checklist[-1].item.startswith("Units reduced") and "1 of 3 units" in draft.checklist[-1].detail


def test_dispute_without_a_fee_schedule_line_or_member_id_says_so_in_the_checklist():
    draft = _dispute({**UNDERPAID, "fee_schedule_effective_date": None}, patients={})
    assert "Effective:              unknown" in draft.body and draft.checklist[0].present is False
    patient_item = draft.checklist[2]
    assert patient_item.required and not patient_item.present and "Member id: not on file" in draft.body


def test_timely_filing_alert_says_why_and_by_when():
    row = {
        "flag_id": "t-1",
        "claim_id": "CL0100003",
        "visit_id": "V3",
        "location_id": "L01",
        "patient_id": "P1",
        "payer_id": "TXMCO1",
        "payer_name": "Test MCO One",
        "service_date": date(2026, 9, 1),
        "alert_reason": "rejected_not_resubmitted",
        "carcs": "16",
        "timely_filing_days": 95,
        "lead_days": 30,
        "due_date": date(2026, 12, 5),
        "days_left": 9,
        "dollars_at_risk": Decimal("120.00"),
    }
    (rejected, unsent) = timely_filing_alert.draft_actions(
        [row, {**row, "flag_id": "t-2", "alert_reason": "not_submitted", "carcs": None}], {"L01": "North"}
    )
    assert "rejected as unprocessable (CARC 16)" in rejected.body and "file by 12/05/2026" in rejected.body
    assert "Deadline: 12/05/2026 (alerts start 30 days before)" in rejected.body and "days left" not in rejected.body
    assert rejected.title.startswith("File by 12/05/2026: claim CL0100003")
    # The next night, a day closer to the deadline, drafts the same alert.
    assert timely_filing_alert.draft_actions([{**row, "days_left": 8}], {"L01": "North"}) == [rejected]
    assert "no claim for it has reached the clearinghouse" in unsent.body and "not submitted" in unsent.title
    assert rejected.due_date == date(2026, 12, 5) and rejected.dollars_at_stake == Decimal("120.00")


def test_new_claims_action_types_are_approved_by_billing_or_a_director_only():
    for action_type in ("underpayment_dispute", "timely_filing_alert", "secondary_claim"):
        assert {"billing", "director"} <= approver_roles(action_type)
        assert "front_desk" not in approver_roles(action_type)
