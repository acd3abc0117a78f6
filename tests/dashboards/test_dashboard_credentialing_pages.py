"""AppTest of the credentialing and payroll pages on the tiny snapshot (L01/L02) plus the area's marts."""

from __future__ import annotations

import pytest

CREDENTIALING_SQL = """
create table fct_credential_matrix as select * from (values
  ('P1', 'Ada North', 'OTR', 'L01', 'state_license', 'TX-1', 'TX', date '2026-05-01', 60, '90_days', true, null),
  ('P1', 'Ada North', 'OTR', 'L01', 'caqh_attestation', null, null, date '2026-03-05', 3, '7_days', true, null),
  ('P2', 'Cy East', 'COTA', 'L02', 'cpr_bls', null, null, date '2026-02-20', -10, 'expired', false, null),
  ('P2', 'Cy East', 'COTA', 'L02', 'state_license', 'TX-2', 'TX', date '2027-05-01', 425, 'current', true, null)
) t(provider_id, provider_name, provider_discipline, location_id, credential_type, credential_number, issuing_state,
    rule_expiry_date, days_to_expiry, reminder_tier, required_for_billing, renewal_link);

create table fct_provider_payer_enrollments as select * from (values
  ('P1', 'Ada North', 'L01', 'P-AET', 'Aetna Kids', 'enrolled', date '2024-01-01', cast(null as date), true,
   cast(null as varchar)),
  ('P2', 'Cy East', 'L02', 'P-AET', 'Aetna Kids', 'pending', cast(null as date), cast(null as date), false,
   'enrollment_pending')
) t(provider_id, provider_name, location_id, payer_id, payer_name, enrollment_status, effective_date, termination_date,
    can_bill_today, blocking_reason);

create table fct_scheduled_visit_billing as select * from (values
  ('AP-9', 'P2', 'L02', 'P-AET', date '2026-03-04', 'enrollment_pending', false, 95.00)
) t(appointment_id, provider_id, location_id, payer_id, appointment_date, blocking_reason, can_bill_on_visit_date,
    dollars_at_risk);

create table flag_claims_on_enrollment_holds as select * from (values
  ('P2', 'Cy East', 'L02', 'Aetna Kids', 'hold', date '2026-03-15', 3, 3, 240.00)
) t(provider_id, provider_name, location_id, payer_name, hold_status, release_date, held_claim_count,
    before_effective_count, dollars_at_risk);

create table fct_payroll_reconciliation as select * from (values
  ('P1', 'L01', date '2026-02-27', date '2026-02-16', date '2026-03-01', date '2026-03-06',
   'hours_over_tolerance', 4, 3.00, 4.50, 1.50, true),
  ('P2', 'L02', date '2026-02-26', date '2026-02-16', date '2026-03-01', date '2026-03-06',
   'sessions_without_hours', 3, 2.25, 0.00, -2.25, true)
) t(provider_id, location_id, work_date, pay_period_start, pay_period_end, payroll_run_date, discrepancy_type,
    session_count, session_hours, clinical_hours, hours_difference, is_flagged);

create table fct_payroll_productivity as select * from (values
  ('P1', 'Ada North', 'L01', date '2026-02-16', date '2026-03-01', 90, 40.00, 2.25, 2.50, true),
  ('P2', 'Cy East', 'L02', date '2026-02-16', date '2026-03-01', 120, 40.00, 3.00, 2.50, false)
) t(provider_id, provider_name, location_id, pay_period_start, pay_period_end, billed_units, paid_worked_hours,
    units_per_paid_hour, productivity_target_units_per_hour, is_below_target);
"""


@pytest.fixture
def cred_snapshot(add_marts):
    return add_marts(CREDENTIALING_SQL)


def test_credentialing_page_shows_traffic_lights_for_all_locations(
    cred_snapshot, ledger, open_page, director, rendered_text
):
    at = open_page("credentialing", director, "Credentialing")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Credentials needing action": "3",
        "Expired or missing": "1",
        "Booked visits not billable": "1",
        "Claims on hold": "3",
    }
    matrix = at.dataframe[0].value.set_index("Therapist")
    assert matrix.loc["Ada North", "Caqh attestation"] == "🔴 Within 7 days (3 days left)"
    assert matrix.loc["Ada North", "State license"] == "🟡 Within 90 days (60 days left)"
    assert matrix.loc["Cy East", "Cpr bls"] == "🔴 Expired (-10 days left)"
    assert matrix.loc["Cy East", "State license"] == "🟢 Current"
    enrollments = at.dataframe[1].value.set_index("Therapist")
    payer = next(c for c in enrollments.columns if c not in ("Location",) and "Aetna" in c or c == "P-AET")
    assert enrollments.loc["Ada North", payer] == "✅ Can bill"
    assert enrollments.loc["Cy East", payer] == "⛔ Cannot bill: Enrollment pending"
    assert "AP-9" in rendered_text(at)


def test_credentialing_page_is_scoped_to_the_users_location(
    cred_snapshot, ledger, open_page, frontdesk_l01, rendered_text
):
    at = open_page("credentialing", frontdesk_l01)
    text = rendered_text(at)
    assert "Ada North" in text and "Cy East" not in text and "AP-9" not in text
    assert {m.label: m.value for m in at.metric}["Claims on hold"] == "0"


def test_credentialing_location_filter(cred_snapshot, ledger, app_test, director, rendered_text):
    at = app_test("credentialing", user=director).run()
    at.multiselect(key="cred_filter_locations").select("L02").run()
    text = rendered_text(at)
    assert "Cy East" in text and "Ada North" not in text


def test_payroll_page_for_a_director(cred_snapshot, ledger, open_page, director, rendered_text):
    at = open_page("payroll", director)
    text = rendered_text(at)
    assert "Hours differ over the tolerance" in text and "Sessions, no clinical hours" in text
    assert {m.label: m.value for m in at.metric}["Therapist pay periods below target"] == "1 of 2"


def test_payroll_page_refuses_front_desk(cred_snapshot, ledger, open_page, frontdesk_l01, rendered_text):
    at = open_page("payroll", frontdesk_l01)
    assert "for directors and administrators" in at.warning[0].value
    assert "Ada North" not in rendered_text(at)


def test_payroll_data_access_refuses_other_roles(cred_snapshot, billing):
    from dashboards import data

    with pytest.raises(data.NotAllowed):
        data.payroll_discrepancies(billing)
