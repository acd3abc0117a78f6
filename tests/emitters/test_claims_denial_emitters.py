"""Denial work drafts (claims area): corrected 837P claims validated by pyx12, appeal letters from chart
data with the payer's deadline, and follow-ups; titles carry no PHI."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12.claim_837 import parse_837_file
from dagster_project.ingest.x12.validate import validate_with_pyx12
from emitters import appeal_letter, corrected_claim, denial_followup

FIXTURE = Path(__file__).resolve().parents[1] / "ingest" / "x12" / "fixtures" / "claims_clean_5010.837"


def _texts():
    parsed = parse_837_file(FIXTURE)
    header = parsed.tables["claim_headers"][0]
    return header["claim_x12"], parsed.tables["claim_transactions"][0]["billing_x12"]


FLAG = {"flag_id": "d-1", "claim_id": "CL0100001", "route": "corrected_claim", "location_id": "L01",
        "patient_id": "P1", "payer_id": "TXMCO1", "payer_name": "Test MCO One",
        "payer_claim_control_number": "ICN-555", "carcs": "97", "service_date": date(2026, 11, 2),
        "denial_date": date(2026, 11, 20), "dollars_at_risk": Decimal("62.00"), "due_date": date(2027, 2, 5),
        "days_left": 71, "action_note": "Corrected claim with XU", "denial_categories": "bundling"}
DENIED = {"claim_id": "CL0100001", "line_number": 2, "procedure_code": "97110", "modifiers": "GO",
          "denial_carc": "97", "remark_codes": "M15", "denial_category": "bundling", "billed_units": 1,
          "documented_minutes": 15, "carc_description": "Included in another service"}


def test_corrected_claim_is_a_pyx12_valid_replacement_with_f8_and_xu(tmp_path):
    (draft,) = corrected_claim.draft_actions([FLAG], {"CL0100001": [DENIED]}, {"CL0100001": _texts()},
                                             {"L01": "North"}, date(2026, 11, 26), {FLAG["flag_id"]: 12})
    path = tmp_path / "corrected.837"
    path.write_text(draft.body, encoding="ascii")
    assert validate_with_pyx12(path) == []
    reread = parse_837_file(path)
    assert reread.issues == []
    (header,) = reread.tables["claim_headers"]
    assert (header["claim_frequency_code"], header["payer_claim_control_number"]) == ("7", "ICN-555")
    assert [l["modifiers"] for l in reread.tables["claim_lines"]] == ["GO", "GO|XU"]
    assert draft.action_type == "corrected_claim" and draft.assigned_role == "billing"
    assert "SYN000001" in draft.phi_terms and "SYN000001" not in draft.title
    assert any("separate time blocks" in c.item and not c.present for c in draft.checklist)


def test_no_xu_when_the_denied_code_had_no_billable_block_of_its_own():
    short = {**DENIED, "documented_minutes": 7}
    (draft,) = corrected_claim.draft_actions([FLAG], {"CL0100001": [short]}, {"CL0100001": _texts()}, {},
                                             date(2026, 11, 26), {FLAG["flag_id"]: 13})
    assert ":XU" not in draft.body and ":B:7*" in draft.body


def test_appeal_letter_carries_chart_data_and_deadline_but_the_title_no_phi():
    flag = {**FLAG, "route": "appeal", "carcs": "50"}
    line = {**DENIED, "denial_carc": "50", "remark_codes": "N115", "carc_description": "Not medically necessary"}
    patients = {"P1": {"first_name": "Zzcanary", "last_name": "Child", "date_of_birth": date(2019, 1, 1),
                       "member_id": "SYN000001"}}
    plans = {"P1": {"evaluation_date": date(2026, 9, 1), "frequency_per_week": 2, "duration_weeks": 12,
                    "plan_start_date": date(2026, 9, 2), "plan_end_date": date(2026, 11, 25),
                    "physician_signed_date": date(2026, 9, 5), "functional_goals": "Goal one|Goal two"}}
    visits = {"P1": [date(2026, 9, 3), date(2026, 11, 2)]}
    (draft,) = appeal_letter.draft_actions([flag], {"CL0100001": [line]}, patients, plans, visits, {"L01": "North"},
                                           date(2026, 11, 26))
    assert "Appeal deadline: 2027-02-05" in draft.body and "Goal two" in draft.body
    assert "2 kept visits on record, from 2026-09-03 to 2026-11-02" in draft.body
    assert "Zzcanary" in draft.body and "Zzcanary" not in draft.title
    assert set(draft.phi_terms) == {"Zzcanary", "Child", "2019-01-01", "SYN000001"}
    assert [c.present for c in draft.checklist] == [True, True, False, True]


def test_followups_name_the_route_and_skip_other_routes():
    flags = [{**FLAG, "flag_id": "a", "route": "retro_auth_or_write_off", "carcs": "197"},
             {**FLAG, "flag_id": "b", "route": "appeal"}]
    drafts = denial_followup.draft_actions(flags, {"CL0100001": [{**DENIED, "denial_carc": "197",
                                                                   "denial_category": "auth"}]}, {})
    assert [d.flag_id for d in drafts] == ["a"]
    assert drafts[0].title.startswith("Retro-auth or write off: claim CL0100001")
    assert "Deadline: 2027-02-05 (71 days left)" in drafts[0].body
