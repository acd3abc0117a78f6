"""AppTest of the claim audit page (claims area) on the tiny snapshot (L01/L02) plus the area's marts."""

from __future__ import annotations

import pytest

CLAIMS_SQL = """
create table fct_claim_clean_rate as select * from (values
  ('L01', 'P-AET', 'Aetna Kids', date '2026-02-01', 40, 38, 2, 310.00, 0.95, 0.95),
  ('L01', 'P-MCD', 'State Medicaid', date '2026-02-01', 60, 60, 0, 0.00, 1.0, 0.95),
  ('L02', 'P-AET', 'Aetna Kids', date '2026-02-01', 50, 45, 5, 900.00, 0.90, 0.95)
) t(location_id, payer_id, payer_name, service_month, claim_count, clean_claim_count, failed_claim_count,
    failed_charge_amount, clean_claim_rate, benchmark_rate);

create table fct_claim_audit_failures as select * from (values
  ('CL-L01-1', 1, 'L01', 'P-AET', 'Aetna Kids', date '2026-02-26', '97530', 'GP', 2, 144.00, '11',
   'discipline_modifier', 'GP is the physical therapy modifier; an OT line takes GO',
   'Replace GP with GO', false, 'PT-101'),
  ('CL-L01-2', 1, 'L01', 'P-AET', 'Aetna Kids', date '2026-02-02', '97110', 'GO', 3, 186.00, '11',
   'units_exceed_minutes', 'Bills 3 units; the documented 30 minutes support 2', 'Bill 2 units', true, 'PT-102'),
  ('CL-L02-1', 2, 'L02', 'P-AET', 'Aetna Kids', date '2026-02-27', '97530', 'GO', 1, 72.00, '11',
   'code_pair_without_modifier', '97530 is the column-2 code of an NCCI pair with 97140',
   'Add 59 or XU to 97530', false, 'PT-201')
) t(claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, modifiers, units,
    charge_amount, place_of_service, rule_name, failure_detail, fix, is_remitted, patient_id);

-- Claim level, priced: CL-L01-1's 97530 with CO at 85% (2 x 34.00), CL-L02-1's at the plain rate; CL-L01-2 is answered.
create table flag_claim_audit_failures as select * from (values
  ('CL-L01-1', 'L01', 'P-AET', 68.00),
  ('CL-L02-1', 'L02', 'P-AET', 40.00)
) t(claim_id, location_id, payer_id, dollars_at_risk);

create table fct_visit_claim_reconciliation as select * from (values
  ('V-1', 'CL-L01-1', 'L01', date '2026-02-26', 'arrived', 'awaiting_payment', false, 144.00, 144.00, 0.00, null::date),
  ('V-2', 'CL-L01-3', 'L01', date '2026-02-20', 'arrived', 'billed_no_claim', true, 72.00, null, 0.00, null::date),
  ('V-3', 'CL-L02-4', 'L02', date '2026-02-10', 'cancelled', 'payment_on_voided_visit', true, 72.00, 72.00, 50.00,
   date '2026-02-25')
) t(visit_id, claim_id, location_id, service_date, appointment_status, reconciliation_status, is_exception,
    charge_amount, claim_charge_amount, net_paid_amount, latest_payment_date);

create table fct_unbalanced_remits as select * from (values
  ('era_l02.835', '0007', date '2026-02-25', 'Aetna Kids', 'L02', 'CL-L02-4', 1, 'line',
   'SVC02 charge - line CAS adjustments = SVC03 paid', 60.00, 70.00, 10.00)
) t(source_file_name, transaction_control_number, payment_date, payer_name, location_id, claim_id, line_number,
    balancing_rule, rule_text, expected_amount, reported_amount, difference_amount);

-- An 835 line whose claim the EHR has not delivered yet: no location.
create table fct_unmatched_remits as select * from (values
  ('era0227.835', date '2026-02-27', 'PCN-991', 'CL-L09-9', date '2026-02-20', '97530', 'GO', 2, 144.00, 0.00)
) t(source_file_name, payment_date, payer_claim_control_number, claim_id, service_date, procedure_code, modifiers,
    units_paid, charge_amount, paid_amount);
"""


@pytest.fixture
def claims_snapshot(add_marts):
    return add_marts(CLAIMS_SQL)


def test_claim_audit_page_shows_rates_and_open_failures_for_all_locations(
    claims_snapshot, ledger, open_page, director, rendered_text
):
    at = open_page("claims", director, "Claim audit")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Clean-claim rate": "95.3%",
        "Claims audited": "150",
        "Claims to fix": "2",
        "At risk on those claims": "$108.00",  # the priced amounts the Overview counts, not the $216.00 billed
        "Balancing failures": "1",
        "Unmatched payment lines": "1",
    }
    by_location = at.dataframe[0].value.set_index("Clinic")
    meets = next(c for c in by_location.columns if c.startswith("Meets the"))
    assert list(by_location[meets]) == ["Yes", "No"]  # L01 meets the benchmark, L02 does not
    text = rendered_text(at)
    assert "CL-L01-1" in text and "CL-L02-1" in text and "Replace GP with GO" in text
    assert "CL-L01-2" not in text.split("Claim lines failing a rule")[-1]  # already answered by an 835
    assert "PT-101" not in text  # no patient reference on screen
    assert "Billed no claim" in text and "Payment on voided visit" in text
    assert "era_l02.835" in text and "SVC02 charge - line CAS adjustments" in text
    assert "era0227.835" in text and "CL-L09-9" in text  # the payment that matches no claim, for every location


def test_claim_audit_page_is_scoped_and_filters_by_rule(
    claims_snapshot, ledger, app_test, open_page, frontdesk_l01, director, rendered_text
):
    at = open_page("claims", frontdesk_l01)
    text = rendered_text(at)
    assert "CL-L01-1" in text and "CL-L02-1" not in text
    assert {m.label: m.value for m in at.metric}["Claims audited"] == "100"
    assert "Billed no claim" in text and "Payment on voided visit" not in text and "era_l02.835" not in text
    assert "Every 835 line, claim and transaction in scope balances." in text
    assert "CL-L09-9" not in text and "a user with every location sees them here" in text

    at = app_test("claims", user=director).run()
    at.toggle(key="claims_filter_open").set_value(False).run()
    at.multiselect(key="claims_filter_rules").set_value(["units_exceed_minutes"]).run()
    assert not at.exception
    failures = at.dataframe[-1].value
    assert list(failures["Claim"]) == ["CL-L01-2"]


DENIALS_SQL = """
create table fct_denials as select * from (values
  ('wf-1', 'CL-L01-7', 1, 'L01', 'P-AET', 'Aetna Kids', date '2026-01-20', '97530', 'CO', '50', 'N115',
   'medical_necessity', 'appeal', true, 120.00, date '2026-02-10', 20, '0-30', date '2026-06-10', 100, false, 'PT-101'),
  ('wf-2', 'CL-L01-8', 2, 'L01', 'P-MCD', 'State Medicaid', date '2025-10-01', '97110', 'CO', '197', 'M62', 'auth',
   'retro_auth_request', true, 40.00, date '2025-10-20', 133, '90+', date '2026-01-04', -57, true, 'PT-102'),
  ('wf-3', 'CL-L02-9', 1, 'L02', 'P-AET', 'Aetna Kids', date '2026-02-01', '97530', 'CO', '97', 'M15', 'bundling',
   'corrected_claim', true, 60.00, date '2026-02-20', 10, '0-30', date '2026-05-07', 66, false, 'PT-201')
) t(work_flag_id, claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code,
    denial_group_code, denial_carc, remark_codes, denial_category, route, has_appeal_rights, dollars_at_risk,
    denial_date, days_since_denial, aging_bucket, deadline_date, days_left, is_past_deadline, patient_id);

create table fct_underpayments as select * from (values
  ('CL-L01-5', 1, 'L01', 'P-AET', 'Aetna Kids', date '2026-01-05', '97530', 3, date '2026-01-20', 74.70, 63.50, 11.20)
) t(claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, billed_units,
    payment_date, contracted_allowed_amount, paid_allowed_amount, variance_amount);

create table flag_underpayment_disputes as select * from (values
  ('fu-1', 'CL-L01-5', 1, 'L01', 'Aetna Kids', '97530', 74.70, 63.50, 11.20, date '2026-04-20', 49)
) t(flag_id, claim_id, line_number, location_id, payer_name, procedure_code, contracted_allowed_amount,
    paid_allowed_amount, dollars_at_risk, due_date, days_left);

create table flag_timely_filing_alerts as select * from (values
  ('ft-1', 'CL-L01-TF', 'V-TF', 'L01', 'State Medicaid', date '2025-12-10', 'not_submitted', null, 95, 88.00,
   date '2026-03-15', 13),
  ('ft-2', 'CL-L02-TF', 'V-TF2', 'L02', 'State Medicaid', date '2025-12-12', 'rejected_not_resubmitted', '16', 95,
   60.00, date '2026-03-17', 15)
) t(flag_id, claim_id, visit_id, location_id, payer_name, service_date, alert_reason, carcs, timely_filing_days,
    dollars_at_risk, due_date, days_left);

create table flag_secondary_claims_due as select * from (values
  ('fs-1', 'CL-L02-SC', 'L02', 'Aetna Kids', 'Summit HMO', date '2026-02-20', 100.00, 25.00, date '2026-05-21', 80)
) t(flag_id, claim_id, location_id, primary_payer_name, payer_name, primary_payment_date, primary_paid_amount,
    dollars_at_risk, due_date, days_left);
"""


@pytest.fixture
def denials_snapshot(add_marts):
    return add_marts(DENIALS_SQL)


def test_denials_page_shows_open_denials_by_age_and_underpayments(
    denials_snapshot, ledger, open_page, director, rendered_text
):
    at = open_page("denials", director, "Denials and underpayments")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Denied dollars"] == "$180.00" and metrics["Denied lines"] == "2"
    assert metrics["With a drafted action"] == "0"
    text = rendered_text(at)
    assert "CL-L01-7" in text and "CL-L02-9" in text and "not drafted" in text
    assert "CL-L01-5" in text and "11.2" in text
    assert "PT-101" not in text

    assert "CL-L01-TF" in text and "Rejected not resubmitted" in text and "CL-L02-SC" in text and "Summit HMO" in text
    assert "fu-1" not in text  # flag ids stay off the screen
    disputes = next(d.value for d in at.dataframe if {"Contracted allowed amount", "Days left"} <= set(d.value.columns))
    assert list(disputes["Being worked"]) == ["not drafted"]

    at.toggle(key="denials_filter_open").set_value(False).run()
    assert {m.label: m.value for m in at.metric}["Denied lines"] == "3"


def test_denials_page_is_scoped_to_the_users_locations(
    denials_snapshot, ledger, open_page, frontdesk_l01, rendered_text
):
    at = open_page("denials", frontdesk_l01)
    text = rendered_text(at)
    assert "CL-L01-7" in text and "CL-L02-9" not in text
    assert "CL-L01-TF" in text and "CL-L02-TF" not in text and "CL-L02-SC" not in text
    assert "No patient share is waiting for a secondary claim." in text
