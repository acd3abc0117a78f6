"""AppTest of the intake funnel and eligibility pages on the tiny snapshot (L01/L02) plus the area's marts."""

from __future__ import annotations

import pytest

FRONT_OFFICE_SQL = """
create table fct_referral_funnel as select * from (values
  ('L01', 'physician_fax', 10, 9, 8, 1, 6, 3, 2, 20.5, 0.6000, date '2026-03-02'),
  ('L01', 'parent_phone', 5, 5, 5, 0, 4, 1, 1, 3.0, 0.8000, date '2026-03-02'),
  ('L02', 'school_district', 2, 1, 0, 1, 0, 2, 2, 40.0, 0.0000, date '2026-03-02')
) t(location_id, channel, referrals_received, referrals_responded, responded_on_time, responses_overdue,
    evaluations_scheduled, open_referrals, open_with_missing_items, avg_hours_to_first_response, conversion_rate,
    as_of_date);

create table fct_referral_pipeline as select * from (values
  ('RF-L01-1', 'L01', 'L01', 'physician_fax', 'packet_pending', timestamp '2026-02-20 15:00',
   timestamp '2026-02-20 17:00', timestamp '2026-02-23 15:00', false, 1, 'school_iep', false,
   cast(null as timestamp), true),
  ('RF-L02-7', 'L02', 'L02', 'school_district', 'new', timestamp '2026-02-25 15:00', cast(null as timestamp),
   timestamp '2026-02-26 15:00', true, 2, 'insurance_card|physician_order', false, cast(null as timestamp), true)
) t(referral_id, location_id, preferred_location_id, channel, status, received_at, first_response_at,
    first_response_due_at, is_first_response_overdue, items_missing_count, missing_items, is_evaluation_scheduled,
    evaluation_scheduled_at, is_open);

create table fct_eligibility_sweep as select * from (values
  ('AP-L01-1', 'L01', date '2026-03-03', timestamp '2026-03-03 15:00', 'TXMCO1', 'Lone Star', 720,
   timestamp '2026-01-20 22:00', 'x12_271', 'active', false, true, 'stale_check',
   'The last check is older than the payer window of 720 hours; and '
   || 'Medicaid: recheck eligibility the morning of the visit', 88.50),
  ('AP-L01-2', 'L01', date '2026-03-03', timestamp '2026-03-03 16:00', 'TXMCO1', 'Lone Star', 24,
   timestamp '2026-03-01 22:00', 'csv', 'active', false, false, cast(null as varchar), cast(null as varchar), 60.00),
  ('AP-L02-9', 'L02', date '2026-03-04', timestamp '2026-03-04 15:00', 'COMM2', 'Summit HMO', 168,
   cast(null as timestamp), cast(null as varchar), cast(null as varchar), false, true, 'no_check',
   'No eligibility check on file for this visit', 75.00)
) t(appointment_id, location_id, appointment_date, scheduled_start_at, payer_id, payer_name, eligibility_window_hours,
    last_checked_at, last_check_source, last_check_status, is_check_current, is_check_due, check_due_reason,
    check_due_reason_text, expected_visit_amount);

create table flag_coverage_changes as select * from (values
  ('PT-L02-3', 'L02', 'Lone Star', timestamp '2026-03-01 22:00', 'coverage inactive; authorization no longer valid',
   'PA-77', timestamp '2026-03-04 15:00', 75.00)
) t(patient_id, location_id, payer_name, checked_at, flag_reasons, invalidated_authorization_numbers, next_visit_at,
    dollars_at_risk);

create table fct_plan_of_care_followups as select * from (values
  ('POC-L01-1', 'L01', 'TXMCO1', 'active', date '2026-01-10', date '2026-01-12', 8, cast(null as integer), false, 131,
   false, 51, true, 6, true, true),
  ('POC-L01-2', 'L01', 'TXMCO1', 'active', date '2026-02-20', date '2026-02-21', 1, cast(null as integer), false, 170,
   false, 10, false, cast(null as integer), true, true),
  ('POC-L01-3', 'L01', 'COMM1', 'active', date '2026-01-05', date '2026-01-06', 9, cast(null as integer), false,
   cast(null as integer), false, cast(null as integer), false, cast(null as integer), false, false),
  ('POC-L02-4', 'L02', 'COMM2', 'active', date '2025-09-01', date '2025-09-02', 30, 10, true, -2,
   true, cast(null as integer), false, cast(null as integer), false, false)
) t(plan_of_care_id, location_id, payer_id, plan_status, evaluation_date, plan_start_date, visits_since_progress_point,
    progress_report_every_visits, is_progress_report_due, days_to_recert, is_recert_due, signature_age_days,
    is_signature_overdue, signature_follow_up_number, is_pcp_order_unsigned, is_signature_outstanding);
"""


@pytest.fixture
def fo_snapshot(add_marts):
    return add_marts(FRONT_OFFICE_SQL)


def test_intake_page_shows_the_funnel_for_all_locations(fo_snapshot, ledger, open_page, director, rendered_text):
    at = open_page("intake", director, "Intake funnel")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Referrals received": "17",
        "Evaluations booked": "10 (59%)",
        "Answered on time": "13 of 17",
        "Overdue first responses": "2",
    }
    funnel = at.dataframe[0].value
    assert set(funnel["Channel"]) == {"Physician fax", "Parent phone call", "School district"}
    text = rendered_text(at)
    assert "RF-L01-1" in text and "RF-L02-7" in text


def test_intake_page_is_scoped_to_the_users_location(fo_snapshot, ledger, open_page, frontdesk_l01, rendered_text):
    at = open_page("intake", frontdesk_l01)
    text = rendered_text(at)
    assert "RF-L01-1" in text and "RF-L02-7" not in text
    assert {m.label: m.value for m in at.metric}["Referrals received"] == "15"


def test_intake_location_filter(fo_snapshot, ledger, app_test, director, rendered_text):
    at = app_test("intake", user=director).run()
    at.multiselect(key="intake_filter_locations").select("L02").run()
    text = rendered_text(at)
    assert "RF-L02-7" in text and "RF-L01-1" not in text


def test_eligibility_page_lists_checks_due_and_coverage_changes(
    fo_snapshot, ledger, open_page, director, rendered_text
):
    at = open_page("eligibility", director)
    assert {m.label: m.value for m in at.metric} == {
        "Visits in the lookahead": "3",
        "Checks due now": "2",
        "Coverage changes": "1",
    }
    due = at.dataframe[0].value
    assert list(due["Appointment"]) == ["AP-L01-1", "AP-L02-9"]
    # Both reasons of a Medicaid visit with a stale check show, in words, not only the first.
    assert dict(zip(due["Appointment"], due["Reason"], strict=True)) == {
        "AP-L01-1": "The last check is older than the payer window of 720 hours; and "
        "Medicaid: recheck eligibility the morning of the visit",
        "AP-L02-9": "No eligibility check on file for this visit",
    }
    assert "PA-77" in rendered_text(at)


def test_eligibility_page_is_scoped_to_the_users_location(fo_snapshot, ledger, open_page, frontdesk_l01, rendered_text):
    at = open_page("eligibility", frontdesk_l01)
    text = rendered_text(at)
    assert "AP-L01-1" in text and "AP-L02-9" not in text and "PT-L02-3" not in text
    assert {m.label: m.value for m in at.metric}["Coverage changes"] == "0"


@pytest.mark.parametrize("page", ["intake", "eligibility"])
def test_front_office_pages_say_so_when_nothing_is_published(env, ledger, open_page, director, page):
    at = open_page(page, director)
    assert "No data has been published yet" in at.info[0].value


def test_eligibility_page_lists_plan_of_care_followups_in_scope(
    fo_snapshot, ledger, app_test, open_page, director, frontdesk_l01
):
    at = open_page("eligibility", director)
    plans = next(df.value for df in at.dataframe if "Plan of care" in df.value.columns)
    assert list(plans["Plan of care"]) == ["POC-L01-1", "POC-L01-2", "POC-L02-4"]  # overdue, then oldest signature
    scoped = app_test("eligibility", user=frontdesk_l01).run()
    plans = next(df.value for df in scoped.dataframe if "Plan of care" in df.value.columns)
    assert list(plans["Plan of care"]) == ["POC-L01-1", "POC-L01-2"]
