"""Denial work drafts (claims area): corrected 837P claims validated by pyx12, appeal letters from chart
data with the payer's deadline, and follow-ups; titles carry no PHI."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.ingest.x12.claim_837 import parse_837_file
from dagster_project.ingest.x12.validate import validate_with_pyx12
from emitters import appeal_letter, corrected_claim, denial_followup, medicare_reopening, retro_auth_request

FIXTURE = Path(__file__).resolve().parents[1] / "ingest" / "x12" / "fixtures" / "claims_clean_5010.837"


def _texts():
    parsed = parse_837_file(FIXTURE)
    header = parsed.tables["claim_headers"][0]
    return header["claim_x12"], parsed.tables["claim_transactions"][0]["billing_x12"]


FLAG = {
    "flag_id": "d-1",
    "claim_id": "CL0100001",
    "route": "corrected_claim",
    "location_id": "L01",
    "patient_id": "P1",
    "payer_id": "TXMCO1",
    "payer_name": "Test MCO One",
    "payer_claim_control_number": "ICN-555",
    "correction_method": "replacement",
    "carcs": "97",
    "service_date": date(2026, 11, 2),
    "denial_date": date(2026, 11, 20),
    "dollars_at_risk": Decimal("62.00"),
    "due_date": date(2027, 2, 5),
    "days_left": 71,
    "action_note": "Corrected claim with XU",
    "denial_categories": "bundling",
}
DENIED = {
    "claim_id": "CL0100001",
    "line_number": 2,
    "procedure_code": "97110",
    "modifiers": "GO",
    "denial_carc": "97",
    "remark_codes": "M15",
    "denial_category": "bundling",
    "billed_units": 1,
    "documented_minutes": 15,
    "carc_description": "Included in another service",
}


THERAPY = Path(__file__).resolve().parent / "fixtures" / "therapy_claims_5010.837"


def _therapy_texts():
    """A claim with the segments real therapy claims carry: DTP*454/304, REF*9F/G1/EA, NTE, three HI codes,
    a named referring provider; line 1 (97530) was sent without GO."""
    parsed = parse_837_file(THERAPY)
    header = parsed.tables["claim_headers"][0]
    return header["claim_x12"], parsed.tables["claim_transactions"][0]["billing_x12"]


def _write(tmp_path, body):
    path = tmp_path / "drafted.837"
    path.write_text(body, encoding="ascii")
    return path


def _claim_segment_ids(body):
    segs = [s.strip() for s in body.split("~") if s.strip()]
    start = next(i for i, s in enumerate(segs) if s.startswith("CLM*"))
    end = next(i for i, s in enumerate(segs) if s.startswith("NM1*DN"))
    return ["*".join(s.split("*")[:2]) for s in segs[start:end]]


def test_replacement_applies_the_missing_go_and_puts_f8_in_implementation_guide_order(tmp_path):
    flag = {**FLAG, "carcs": "4"}
    line = {
        **DENIED,
        "line_number": 1,
        "procedure_code": "97530",
        "modifiers": None,
        "denial_carc": "4",
        "remark_codes": None,
    }
    (draft,) = corrected_claim.draft_actions(
        [flag],
        {"CL0100001": [line]},
        {"CL0100001": _therapy_texts()},
        {"L01": "North"},
        {flag["flag_id"]: 12},
    )
    path = _write(tmp_path, draft.body)
    assert validate_with_pyx12(path) == []
    reread = parse_837_file(path)
    assert reread.issues == []
    (header,) = reread.tables["claim_headers"]
    assert (header["claim_frequency_code"], header["payer_claim_control_number"]) == ("7", "ICN-555")
    assert [line["modifiers"] for line in reread.tables["claim_lines"]] == ["GO", "GO"]
    # 2300 order: DTP, then REF*9F, G1, F8, EA, then NTE and HI; the referring provider keeps its name
    assert _claim_segment_ids(draft.body) == [
        "CLM*CL0100001",
        "DTP*454",
        "DTP*304",
        "REF*9F",
        "REF*G1",
        "REF*F8",
        "REF*EA",
        "NTE*ADD",
        "HI*ABK:F82",
    ]
    assert "NM1*DN*1*RIVERA*ANA****XX*1912301953~" in draft.body
    assert draft.title.startswith("Corrected claim CL0100001") and "SYN000001" not in draft.title
    assert not [c for c in draft.checklist if c.required and not c.present]


def test_a_correction_the_data_cannot_make_is_a_required_item_not_a_restated_claim(tmp_path):
    (draft,) = corrected_claim.draft_actions(
        [FLAG],
        {"CL0100001": [{**DENIED, "denial_carc": "16"}]},
        {"CL0100001": _therapy_texts()},
        {},
        {FLAG["flag_id"]: 13},
    )
    (required,) = [c for c in draft.checklist if c.required]
    assert not required.present and required.detail == "line 2: CARC 16, M15"
    assert validate_with_pyx12(_write(tmp_path, draft.body)) == []


def _corrected(tmp_path, lines, **flag):
    """The one corrected-claim draft of the therapy claim for these denied lines, after pyx12 accepts it."""
    row = {**FLAG, **flag}
    (draft,) = corrected_claim.draft_actions(
        [row], {"CL0100001": lines}, {"CL0100001": _therapy_texts()}, {}, {row["flag_id"]: 21}
    )
    path = _write(tmp_path, draft.body)
    assert validate_with_pyx12(path) == []
    reread = parse_837_file(path)
    assert reread.issues == []
    return draft, reread


def _segments(body):
    return [s.strip() for s in body.split("~") if s.strip()]


def test_units_denial_bills_the_units_the_minutes_support_and_rescales_the_charges(tmp_path):
    # line 1 (97530) billed 2 units at 144.00; the minutes support 3 (M53: invalid units of service)
    line = {
        **DENIED,
        "line_number": 1,
        "procedure_code": "97530",
        "modifiers": None,
        "billed_units": 2,
        "denial_carc": "16",
        "remark_codes": "M53",
        "supported_units": 3,
    }
    draft, reread = _corrected(tmp_path, [line], carcs="16")
    first, second = reread.tables["claim_lines"]
    assert (first["units"], first["charge_amount"]) == (3, Decimal("216.00"))
    assert (second["units"], second["charge_amount"]) == (1, Decimal("62.00"))
    assert reread.tables["claim_headers"][0]["total_charge_amount"] == Decimal("278.00")
    assert "line 1: 3 units at 216.00 (was 2 at 144.00)" in [c.item for c in draft.checklist]
    assert not [c for c in draft.checklist if c.required and not c.present]


def test_units_denial_without_linked_minutes_stays_a_required_item(tmp_path):
    line = {**DENIED, "denial_carc": "16", "remark_codes": "M53", "supported_units": None}
    draft, reread = _corrected(tmp_path, [line], carcs="16")
    assert [ln["units"] for ln in reread.tables["claim_lines"]] == [2, 1]
    (required,) = [c for c in draft.checklist if c.required and not c.present]
    assert required.detail == "line 2: units: no documented minutes link to this line"


def test_authorization_denial_on_one_line_puts_the_authorization_in_force_on_that_line(tmp_path):
    line = {**DENIED, "denial_carc": "284", "remark_codes": None, "service_authorization_number": "AUTH-9"}
    draft, reread = _corrected(tmp_path, [line], carcs="284")
    segs = _segments(draft.body)
    line_2 = segs.index("LX*2")
    assert segs[line_2 : line_2 + 5] == [
        "LX*2",
        "SV1*HC:97110:GO*62.00*UN*1***1",
        "DTP*472*D8*20261102",
        "REF*G1*AUTH-9",
        "REF*6R*VS-1-2",
    ]
    assert "REF*G1*AUTH-1" in segs  # the other line keeps the claim's authorization
    assert [ln["authorization_number"] for ln in reread.tables["claim_lines"]] == [None, "AUTH-9"]
    assert not [c for c in draft.checklist if c.required and not c.present]


def test_authorization_denial_on_every_line_replaces_the_claims_ref_g1_in_guide_order(tmp_path):
    auth = {"denial_carc": "296", "remark_codes": None, "service_authorization_number": "AUTH-9"}
    lines = [{**DENIED, "line_number": n, **auth} for n in (1, 2)]
    draft, reread = _corrected(tmp_path, lines, carcs="296")
    assert _claim_segment_ids(draft.body)[3:6] == ["REF*9F", "REF*G1", "REF*F8"]
    assert "REF*G1*AUTH-9" in _segments(draft.body) and "AUTH-1" not in draft.body
    assert reread.tables["claim_headers"][0]["authorization_number"] == "AUTH-9"
    assert "REF*G1 prior authorization AUTH-9 (was AUTH-1)" in [c.item for c in draft.checklist]


def test_authorization_on_every_line_moves_a_line_override_into_the_claims_ref_g1(tmp_path):
    # CL0100002 (a replacement already: REF*F8*ICN-77) has its one line's authorization in 2400 only
    parsed = parse_837_file(THERAPY)
    texts = {
        "CL0100002": (
            parsed.tables["claim_headers"][1]["claim_x12"],
            parsed.tables["claim_transactions"][0]["billing_x12"],
        )
    }
    row = {**FLAG, "claim_id": "CL0100002", "carcs": "284", "payer_claim_control_number": "ICN-78"}
    line = {
        **DENIED,
        "claim_id": "CL0100002",
        "line_number": 1,
        "procedure_code": "97165",
        "denial_carc": "284",
        "remark_codes": None,
        "service_authorization_number": "AUTH-9",
    }
    (draft,) = corrected_claim.draft_actions([row], {"CL0100002": [line]}, texts, {}, {"d-1": 3})
    path = _write(tmp_path, draft.body)
    assert validate_with_pyx12(path) == []
    segs = _segments(draft.body)
    clm = next(i for i, s in enumerate(segs) if s.startswith("CLM*CL0100002"))
    assert segs[clm + 1 : clm + 4] == ["REF*G1*AUTH-9", "REF*F8*ICN-78", "HI*ABK:F840"]
    assert "AUTH-LINE" not in draft.body and "ICN-77" not in draft.body
    assert not [c for c in draft.checklist if c.required and not c.present]


def test_authorization_denial_with_none_in_force_or_the_same_number_is_left_to_a_person(tmp_path):
    none_in_force = {**DENIED, "denial_carc": "284", "remark_codes": None, "service_authorization_number": None}
    draft, _ = _corrected(tmp_path, [none_in_force], carcs="284")
    (required,) = [c for c in draft.checklist if c.required and not c.present]
    assert "none approved" in required.detail
    lines = [{**none_in_force, "line_number": n, "service_authorization_number": "AUTH-1"} for n in (1, 2)]
    draft, _ = _corrected(tmp_path, lines, carcs="284")
    (required,) = [c for c in draft.checklist if c.required and not c.present]
    assert required.detail.startswith("line 1: the claim already carries prior authorization number AUTH-1")


def test_a_payer_without_replacements_gets_a_void_and_a_new_claim_in_one_interchange(tmp_path):
    line = {
        **DENIED,
        "line_number": 1,
        "procedure_code": "97530",
        "modifiers": None,
        "denial_carc": "4",
        "remark_codes": None,
    }
    draft, reread = _corrected(tmp_path, [line], carcs="4", correction_method="void_and_new")
    void, new = reread.tables["claim_headers"]
    assert (void["claim_frequency_code"], void["payer_claim_control_number"]) == ("8", "ICN-555")
    assert (new["claim_frequency_code"], new["payer_claim_control_number"]) == ("1", None)
    modifiers = [(ln["claim_record_id"], ln["line_number"], ln["modifiers"]) for ln in reread.tables["claim_lines"]]
    assert [m[2] for m in modifiers] == [None, "GO", "GO", "GO"]  # the void as sent, the new one corrected
    assert draft.title.startswith("Void and new claim CL0100001")
    assert "837P void and new claim" in draft.recipient


def test_a_bundled_code_the_note_documents_separately_gets_the_payers_distinct_service_modifier(tmp_path):
    line = {**DENIED, "denial_carc": "236", "is_documented_separately": True, "distinct_service_modifier": "XU"}
    draft, reread = _corrected(tmp_path, [line], carcs="236")
    assert [ln["modifiers"] for ln in reread.tables["claim_lines"]] == [None, "GO|XU"]
    assert "line 2: modifier XU added" in [c.item for c in draft.checklist]
    assert not [c for c in draft.checklist if c.required and not c.present]


def test_a_bundled_code_without_documented_separate_time_is_left_to_a_person(tmp_path):
    line = {**DENIED, "denial_carc": "97", "is_documented_separately": False, "distinct_service_modifier": "XU"}
    draft, reread = _corrected(tmp_path, [line], carcs="97")
    assert [ln["modifiers"] for ln in reread.tables["claim_lines"]] == [None, "GO"]
    (required,) = [c for c in draft.checklist if c.required and not c.present]
    assert "no separate time block or session" in required.detail


def test_ma130_is_a_new_claim_frequency_1_without_f8(tmp_path):
    flag = {**FLAG, "route": "new_claim", "carcs": "16"}
    line = {**DENIED, "denial_carc": "16", "remark_codes": "MA130"}
    (draft,) = corrected_claim.draft_actions(
        [flag], {"CL0100001": [line]}, {"CL0100001": _therapy_texts()}, {}, {flag["flag_id"]: 14}
    )
    path = _write(tmp_path, draft.body)
    assert validate_with_pyx12(path) == []
    (header,) = parse_837_file(path).tables["claim_headers"]
    assert header["claim_frequency_code"] == "1" and "REF*F8" not in draft.body
    assert draft.title.startswith("New claim CL0100001")


def test_medicare_corrections_are_reopenings_not_837s_but_medicare_new_claims_are_837s():
    medicare = {**FLAG, "payer_type": "medicare", "correction_method": "reopening"}
    texts = {"CL0100001": _therapy_texts()}
    assert corrected_claim.draft_actions([medicare], {}, texts, {}, {"d-1": 1}) == []
    (new,) = corrected_claim.draft_actions([{**medicare, "route": "new_claim"}], {}, texts, {}, {"d-1": 1})
    assert ":B:1*" in new.body


REOPENING_GOLDEN = """Medicare Part B clerical reopening request
Enter in the MAC provider portal (reopenings), or send on the MAC's reopening form.

Provider: SYNTHETIC THERAPY GROUP
Billing NPI: 1234567893
Tax identification number: 741234567
Rendering NPI: 1558598797
Beneficiary: Zzcanary Child
Medicare beneficiary identifier: 1EG4TE5MK73
Internal control number (ICN): ICN-555
Our claim number: CL0100001
Date of service: 2026-11-02
Initial determination dated: 2026-11-20

Correction requested:
  - Line 1, 97530, 2 units: add modifier GO (services under an outpatient occupational therapy plan of care)
  - Line 2, 97110 (modifiers GO), 1 unit: [write the corrected value]

Contact: Billing office, North
"""


def test_medicare_reopening_request_golden_text():
    flag = {
        **FLAG,
        "payer_type": "medicare",
        "payer_name": "Medicare Part B",
        "carcs": "4|16",
        "correction_method": "reopening",
    }
    lines = [
        {
            **DENIED,
            "line_number": 1,
            "procedure_code": "97530",
            "modifiers": None,
            "billed_units": 2,
            "denial_carc": "4",
        },
        {**DENIED, "denial_carc": "16"},
    ]
    patients = {"P1": {"first_name": "Zzcanary", "last_name": "Child", "member_id": "1EG4TE5MK73"}}
    (draft,) = medicare_reopening.draft_actions(
        [flag], {"CL0100001": lines}, {"CL0100001": _therapy_texts()}, patients, {"L01": "North"}
    )
    assert draft.body == REOPENING_GOLDEN
    assert draft.title == "Medicare reopening: claim CL0100001 (CARC 4|16) by 2027-02-05 (North)"
    assert [(c.item, c.present, c.required) for c in draft.checklist] == [
        ("Beneficiary name and Medicare identifier on file", True, True),
        ("Write the correction for each line marked in the request", False, True),
    ]
    assert {"Zzcanary", "1EG4TE5MK73"} <= set(draft.phi_terms)
    assert (
        medicare_reopening.draft_actions(
            [{**flag, "payer_type": "commercial", "correction_method": "replacement"}],
            {},
            {"CL0100001": _therapy_texts()},
            patients,
            {},
        )
        == []
    )


GOLDEN = Path(__file__).resolve().parent / "golden"
APPEAL_PATIENTS = {
    "P1": {"first_name": "Zzcanary", "last_name": "Child", "date_of_birth": date(2019, 1, 1), "member_id": "SYN000001"}
}
# The plan in force on the date of service (2026-11-02), cited instead of any newer plan.
APPEAL_PLANS = {
    "d-1": {
        "plan_of_care_id": "POC1",
        "evaluation_date": date(2026, 9, 1),
        "frequency_per_week": 2,
        "duration_weeks": 12,
        "start_date": date(2026, 9, 2),
        "end_date": date(2026, 11, 25),
        "physician_signed_date": date(2026, 9, 5),
        "functional_goals": "Goal one|Goal two",
    }
}
APPEAL_VISITS = {"d-1": [date(2026, 9, 3), date(2026, 11, 2), date(2026, 11, 16)]}  # the last one is after the DOS
APPEAL_LOCATIONS = {
    "L01": {"location_name": "North", "address_line": "1 Test St", "city": "Austin", "state": "TX", "zip": "78701"}
}
NECESSITY = {
    **DENIED,
    "denial_carc": "50",
    "remark_codes": "N115",
    "carc_description": "These are non-covered services because this is not deemed a 'medical necessity' by the payer.",
}
TIMELY = {
    **DENIED,
    "denial_carc": "29",
    "remark_codes": None,
    "carc_description": "The time limit for filing has expired.",
}


def _appeal(payer_type, payer_name, line, **extra):
    flag = {
        **FLAG,
        "route": "appeal",
        "carcs": line["denial_carc"],
        "payer_type": payer_type,
        "payer_name": payer_name,
        "accepted_date": date(2026, 11, 3),
        **extra,
    }
    (draft,) = appeal_letter.draft_actions(
        [flag],
        {"CL0100001": [line]},
        APPEAL_PATIENTS,
        APPEAL_PLANS,
        APPEAL_VISITS,
        {"CL0100001": _therapy_texts()},
        APPEAL_LOCATIONS,
    )
    return draft


def _required_open(draft):
    return [c.item for c in draft.checklist if c.required and not c.present]


def test_medical_necessity_appeal_for_a_medicaid_child_cites_epsdt_and_the_plan_in_force_golden():
    draft = _appeal("medicaid_mco", "Test MCO One", NECESSITY)
    assert draft.body == (GOLDEN / "appeal_medicaid.txt").read_text()
    assert draft.title == "Appeal claim CL0100001 (CARC 50) to Test MCO One by 2027-02-05 (North)"
    assert _required_open(draft) == [
        "Letter signed by the billing lead or the treating therapist",
        "Treatment notes of the date of service and the latest progress report attached",
    ]
    assert set(draft.phi_terms) == {"Zzcanary", "Child", "2019-01-01", "SYN000001"} and "Zzcanary" not in draft.title


def test_medicare_first_level_is_a_redetermination_without_epsdt_golden():
    draft = _appeal("medicare", "Medicare Part B", NECESSITY)
    assert draft.body == (GOLDEN / "appeal_medicare.txt").read_text()
    assert draft.title.startswith("Redetermination claim CL0100001")


def test_timely_filing_appeal_cites_the_clearinghouse_acceptance_golden():
    draft = _appeal("commercial", "Acme Commercial PPO", TIMELY)
    assert draft.body == (GOLDEN / "appeal_timely.txt").read_text()
    (proof,) = [c for c in draft.checklist if "acceptance report" in c.item]
    assert proof.required and not proof.present and "2026-11-03" in proof.detail


def test_timely_filing_without_an_acceptance_is_never_an_appeal():
    with pytest.raises(ValueError, match="write-off review"):
        _appeal("commercial", "Acme Commercial PPO", TIMELY, accepted_date=None)


def test_timely_filing_without_proof_is_a_write_off_review_for_the_billing_lead_golden():
    flag = {
        **FLAG,
        "route": "write_off_review",
        "carcs": "29",
        "payer_name": "Acme Commercial PPO",
        "accepted_date": None,
        "filing_limit_date": date(2027, 1, 31),
        "action_note": (
            "No clearinghouse acceptance inside the filing limit to prove timely submission: "
            "the billing lead reviews the write-off"
        ),
    }
    (draft,) = denial_followup.draft_actions(
        [flag], {"CL0100001": [{**TIMELY, "denial_category": "timely_filing"}]}, {"L01": "North"}
    )
    assert draft.body == (GOLDEN / "write_off_timely.txt").read_text()
    assert draft.title == "Write-off review for the billing lead: claim CL0100001 (CARC 29) (North)"
    assert draft.recipient == "Billing team" and draft.assigned_role == "billing"
    assert [(c.required, c.present) for c in draft.checklist][0] == (True, False)


def test_appeal_letters_carry_nothing_internal():
    for draft in (_appeal("medicaid_mco", "Test MCO One", NECESSITY), _appeal("commercial", "Acme", TIMELY)):
        lowered = draft.body.lower()
        assert "deadline" not in lowered and "attach " not in lowered and "x12" not in lowered
        assert "2027-02-05" not in draft.body  # the due date we track stays off the letter


def test_followups_name_the_route_and_skip_other_routes():
    flags = [
        {**FLAG, "flag_id": "a", "route": "write_off_review", "carcs": "197"},
        {**FLAG, "flag_id": "b", "route": "appeal"},
        {**FLAG, "flag_id": "c", "route": "retro_auth_request", "carcs": "197"},
    ]
    drafts = denial_followup.draft_actions(
        flags, {"CL0100001": [{**DENIED, "denial_carc": "197", "denial_category": "auth"}]}, {}
    )
    assert [d.flag_id for d in drafts] == ["a"]
    assert drafts[0].title.startswith("Write-off review for the billing lead: claim CL0100001")
    assert [(c.present, c.required) for c in drafts[0].checklist] == [(False, True), (False, False)]
    assert drafts[0].body.splitlines()[6] == "Deadline: 2027-02-05" and "Filing limit" not in drafts[0].body


def test_every_route_without_a_document_of_its_own_gets_a_followup_and_unknown_carcs_are_reviewed():
    routes = [
        "referral_fix",
        "unit_reduction",
        "ncci_review",
        "out_of_network",
        "bill_secondary_or_write_off",
        "send_records",
        "review",
    ]
    flags = [{**FLAG, "flag_id": route, "route": route} for route in routes]
    drafts = denial_followup.draft_actions(flags, {"CL0100001": [DENIED]}, {})
    assert sorted(d.flag_id for d in drafts) == sorted(routes)
    ncci = next(d for d in drafts if d.flag_id == "ncci_review")
    assert ncci.checklist[0].required and "time blocks" in ncci.checklist[0].item
    assert "corrected claim with 59 (this payer's" in ncci.checklist[1].item  # no seed row: 59
    review = next(d for d in drafts if d.flag_id == "review")
    assert review.title.startswith("Classify an unknown denial reason")


def test_ncci_followup_names_the_payers_distinct_service_modifier_and_what_to_verify():
    flag = {**FLAG, "route": "ncci_review", "distinct_service_modifier": "XU"}
    (draft,) = denial_followup.draft_actions([flag], {"CL0100001": [DENIED]}, {})
    verify, send = draft.checklist
    assert verify.required and "separate, non-overlapping time blocks" in verify.item
    assert not send.required and send.item.startswith("Only if documented: send a corrected claim with XU")


MISSING_AUTH = {
    **DENIED,
    "denial_carc": "197",
    "remark_codes": None,
    "denial_category": "auth",
    "carc_description": "Precertification/authorization/notification/pre-treatment absent.",
}


def _retro_auth(line, payer_type="medicaid_mco"):
    flag = {**FLAG, "route": "retro_auth_request", "carcs": line["denial_carc"], "payer_type": payer_type}
    (draft,) = retro_auth_request.draft_actions(
        [flag, {**flag, "flag_id": "other", "route": "write_off_review"}],
        {"CL0100001": [line]},
        APPEAL_PATIENTS,
        APPEAL_PLANS,
        APPEAL_VISITS,
        {"CL0100001": _therapy_texts()},
        APPEAL_LOCATIONS,
    )
    return draft


def test_retro_authorization_request_cites_the_chart_in_force_on_the_dos_golden():
    draft = _retro_auth(MISSING_AUTH)
    assert draft.body == (GOLDEN / "retro_auth_medicaid.txt").read_text()
    assert draft.title == (
        "Retro-authorization request: claim CL0100001 (CARC 197) to Test MCO One by 2027-02-05 (North)"
    )
    assert draft.recipient == "Test MCO One Utilization Management"
    assert _required_open(draft) == [
        "Letter signed by the billing lead or the treating therapist",
        "Treatment notes of the date of service and the latest progress report attached",
    ]
    assert {"Zzcanary", "SYN000001", "F82"} <= set(draft.phi_terms) and "F82" not in draft.title
    lowered = draft.body.lower()
    assert "deadline" not in lowered and "attach " not in lowered and "2027-02-05" not in draft.body


def test_units_over_the_authorization_ask_to_extend_the_one_in_force():
    over = {
        **MISSING_AUTH,
        "denial_carc": "198",
        "service_authorization_number": "AUTH-1",
        "service_authorization_start_date": date(2026, 9, 1),
        "service_authorization_end_date": date(2026, 11, 30),
    }
    draft = _retro_auth(over, payer_type="commercial")
    assert "Re: Request for an authorization extension" in draft.body
    assert "delivered under authorization AUTH-1\n(2026-09-01 to 2026-11-30)" in draft.body
    assert "EPSDT" not in draft.body
    assert draft.title.startswith("Authorization extension: claim CL0100001 (CARC 198)")


@pytest.fixture(scope="module")
def planted_ncci(tmp_path_factory):
    """The generator's NCCI plant documented in separate time blocks: its facts, its 837P claim as submitted and
    that claim's lines (line number -> code, modifiers)."""
    import json

    from dagster_project.synthetic import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("ncci")
    config = GeneratorConfig(
        seed=11,
        anchor_date=date(2026, 11, 26),
        locations=1,
        months=3,
        future_weeks=1,
        out=out / "inbox",
        ground_truth=out / "truth.json",
    )
    generate(config)
    truth = json.loads(config.ground_truth.read_text())["claims"]["ncci_distinct_service"]
    (plant,) = [p for p in truth if p["documentation"] == "separate_time_blocks"]
    for path in sorted((config.out / "clearinghouse").glob("*.837")):
        parsed = parse_837_file(path)
        for header in parsed.tables["claim_headers"]:
            if header["claim_id"] == plant["claim_id"]:
                (transaction,) = [
                    t
                    for t in parsed.tables["claim_transactions"]
                    if t["claim_transaction_id"] == header["claim_transaction_id"]
                ]
                sent = {
                    ln["line_number"]: (ln["procedure_code"], ln["modifiers"])
                    for ln in parsed.tables["claim_lines"]
                    if ln["claim_record_id"] == header["claim_record_id"]
                }
                return plant, header["claim_x12"], transaction["billing_x12"], sent
    raise AssertionError(f"{plant['claim_id']}: no 837P claim")


def test_the_generators_ncci_pair_documented_separately_is_redrafted_with_the_payers_seeded_modifier(
    tmp_path, planted_ncci
):
    """97530 denied CO-236 beside 97140, the note showing separate time blocks: the payer (Acme, which takes no
    replacements) gets the processed claim voided and a new claim with its seeded modifier on the 97530 line only."""
    from dagster_project.synthetic import seed_values

    plant, claim_x12, billing_x12, sent = planted_ncci
    rule = seed_values.correction_rule(plant["payer_id"])
    flag = {
        **FLAG,
        "claim_id": plant["claim_id"],
        "payer_id": plant["payer_id"],
        "payer_name": "Acme Commercial PPO",
        "correction_method": rule["correction_method"],
        "carcs": "236",
    }
    line = {
        **DENIED,
        "claim_id": plant["claim_id"],
        "line_number": plant["line_number"],
        "procedure_code": plant["cpt_code"],
        "modifiers": sent[plant["line_number"]][1],
        "denial_carc": "236",
        "remark_codes": "M80",
        "is_documented_separately": True,
        "distinct_service_modifier": plant["distinct_service_modifier"],
    }
    (draft,) = corrected_claim.draft_actions(
        [flag],
        {plant["claim_id"]: [line]},
        {plant["claim_id"]: (claim_x12, billing_x12)},
        {},
        {"d-1": 21},
    )
    path = _write(tmp_path, draft.body)
    assert validate_with_pyx12(path) == []
    reread = parse_837_file(path)
    assert [h["claim_frequency_code"] for h in reread.tables["claim_headers"]] == ["8", "1"]
    void, new = reread.tables["claim_headers"]
    by_claim = {
        record: {
            ln["line_number"]: (ln["procedure_code"], ln["modifiers"])
            for ln in reread.tables["claim_lines"]
            if ln["claim_record_id"] == record
        }
        for record in (void["claim_record_id"], new["claim_record_id"])
    }
    modifier = plant["distinct_service_modifier"]
    assert modifier == "59"  # Acme's own correction-rules row, not the commercial XU
    assert by_claim[void["claim_record_id"]] == sent  # voided as it was sent
    code, billed = sent[plant["line_number"]]
    corrected = f"{billed}|{modifier}" if billed else modifier  # after the modifiers billed
    assert by_claim[new["claim_record_id"]] == {**sent, plant["line_number"]: (code, corrected)}
    assert (code, sent[plant["column_1_line_number"]][0]) == ("97530", "97140")
    assert f"line {plant['line_number']}: modifier {modifier} added" in [c.item for c in draft.checklist]
    assert not [c for c in draft.checklist if c.required and not c.present]
    assert draft.title.startswith(f"Void and new claim {plant['claim_id']} (CARC 236)")
