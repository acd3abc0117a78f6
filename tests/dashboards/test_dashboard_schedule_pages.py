"""AppTest of the schedule page on the tiny snapshot (L01/L02, as of 2026-03-02) plus the scheduling marts."""

from __future__ import annotations

import duckdb
import pytest

SCHEDULING_SQL = """
create table fct_open_slots as select * from (values
  ('S-L01-1', 'L01', 'PR1', 'Ada North', 'ot_peds', date '2026-03-03', 'Tue', 9, 540, 60, 'cancellation', 'AP-1',
   3, 2, 'W-11', 'W-12', cast(null as varchar), cast(null as varchar), cast(null as varchar)),
  ('S-L01-2', 'L01', 'PR1', 'Ada North', 'ot_peds', date '2026-03-04', 'Wed', 14, 840, 60, 'unbooked', null,
   3, 0, null, null, null, 'no_authorization_left', 'No authorization left for the waiting children'),
  ('S-L01-3', 'L01', 'PR1', 'Ada North', 'ot_peds', date '2026-03-20', 'Fri', 9, 540, 60, 'unbooked', null,
   3, 1, 'W-13', null, null, null, null),
  ('S-L02-1', 'L02', 'PR2', 'Cy East', 'ot_peds', date '2026-03-05', 'Thu', 10, 600, 60, 'unbooked', null,
   0, 0, null, null, null, 'no_child_waiting_at_location', 'No child waiting at this location')
) t(slot_id, location_id, provider_id, provider_name, service_line, slot_date, weekday, slot_hour, slot_start_minute,
    slot_minutes, slot_state, missed_appointment_id, waiting_at_location, valid_match_count, top_waitlist_id,
    second_waitlist_id, third_waitlist_id, no_match_reason, no_match_reason_text);
alter table fct_open_slots add column as_of_date date default date '2026-03-02';

create table fct_waitlist_slot_matches as select * from (values
  ('S-L01-1', 'L01', 'W-11', 1, true, 40, 'ot_peds', cast(null as varchar), cast(null as varchar)),
  ('S-L01-1', 'L01', 'W-12', 2, true, 55, 'ot_peds', 'afternoon preferred (slot at 09:00)', null),
  ('S-L01-1', 'L01', 'W-14', null, false, 90, 'ot_peds', null,
   'therapist not credentialed with the child''s payer on the slot date; no authorization left on the slot date'),
  ('S-L02-1', 'L02', 'W-21', null, false, 10, 'feeding', null, 'waits for feeding, the slot is ot_peds')
) t(slot_id, location_id, waitlist_id, match_rank, is_valid_match, days_waiting, service_line, preference_misses,
    exclusion_reasons);

create table fct_schedule_gaps as select * from (values
  ('L01', 'PR1', 'P-AET', 'Tue', 9, 10, 7, 1, 1, 1, 0.0),
  ('L01', 'PR1', 'P-MCD', 'Wed', 14, 10, 8, 1, 0, 1, 0.0),
  ('L01', 'PR1', '(none)', 'Fri', 16, 0, 0, 0, 0, 0, 3.0),
  ('L02', 'PR2', 'P-AET', 'Thu', 10, 20, 18, 1, 0, 1, 1.0)
) t(location_id, provider_id, payer_id, weekday, local_hour, booked_count, kept_count, cancelled_count,
    late_cancelled_count, no_show_count, idle_hours);

create table fct_attendance_policy as select * from (values
  ('PT-101', 'L01', 'P-AET', 0.70, 0.85, 60, true),
  ('PT-102', 'L01', 'P-MCD', 0.90, 0.85, 60, false),
  ('PT-201', 'L02', 'P-AET', 0.95, 0.85, 60, false)
) t(patient_id, location_id, payer_id, attendance_rate, policy_min_rate, policy_window_days, is_below_policy);

create table fct_schedule_lost_revenue_monthly as select location_id, cast(month_start as date) as month_start,
  missed_visits, refilled_visits, cast(lost_revenue as decimal(12,2)) as lost_revenue from (values
  ('L01', '2026-01-01', 4, 1, 240.00),
  ('L01', '2026-02-01', 3, 2, 80.00),
  ('L02', '2026-02-01', 2, 0, 190.00)
) t(location_id, month_start, missed_visits, refilled_visits, lost_revenue);

create table fct_booking_checks as select appointment_id, patient_id, location_id, provider_id, payer_id,
  cast(visit_date as date) as visit_date, credential_check, authorization_check, alternative_provider_id,
  is_mismatch, cast(dollars_at_risk as decimal(12,2)) as dollars_at_risk from (values
  ('AP-21', 'PT-101', 'L01', 'PR1', 'P-AET', '2026-03-09', 'ok', 'beyond_authorized_count', null, true, 80.00),
  ('AP-22', 'PT-102', 'L01', 'PR1', 'P-MCD', '2026-03-10', 'ok', 'ok', null, false, 70.00),
  ('AP-91', 'PT-201', 'L02', 'PR2', 'P-AET', '2026-03-11', 'provider_not_enrolled', 'ok', 'PR3', true, 95.00)
) t(appointment_id, patient_id, location_id, provider_id, payer_id, visit_date, credential_check,
    authorization_check, alternative_provider_id, is_mismatch, dollars_at_risk);

create table fct_open_plans_without_future_visit as select patient_id, plan_of_care_id, location_id,
  last_provider_id, cast(last_kept_visit_date as date) as last_kept_visit_date, days_since_last_kept_visit,
  cast(plan_end_date as date) as plan_end_date, frequency_per_week, weeks_at_risk,
  cast(dollars_at_risk as decimal(12,2)) as dollars_at_risk from (values
  ('PT-103', 'POC-103-1', 'L01', 'PR1', '2026-02-20', 10, '2026-05-01', 2, 4, 640.00),
  ('PT-104', 'POC-104-1', 'L01', null, null, null, '2026-03-02', 2, 1, 160.00),
  ('PT-202', 'POC-202-2', 'L02', 'PR2', '2026-02-25', 5, '2026-04-01', 3, 4, 1140.00)
) t(patient_id, plan_of_care_id, location_id, last_provider_id, last_kept_visit_date, days_since_last_kept_visit,
    plan_end_date, frequency_per_week, weeks_at_risk, dollars_at_risk);
"""


@pytest.fixture
def schedule_snapshot(snapshot):
    with duckdb.connect(str(snapshot)) as con:
        con.execute(SCHEDULING_SQL)
    return snapshot


@pytest.mark.parametrize("who", ["director", "billing", "frontdesk_l01"])
def test_schedule_page_renders_for_each_role(schedule_snapshot, ledger, app_test, who, request):
    at = app_test("schedule", user=request.getfixturevalue(who)).run()
    assert not at.exception
    assert at.title[0].value == "Schedule"


def test_schedule_page_for_a_director_shows_every_location(
    schedule_snapshot, ledger, app_test, director, rendered_text
):
    at = app_test("schedule", user=director).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # S-L01-3 is on 2026-03-20, outside this week; AP-22 passes both checks.
    assert metrics == {
        "Open slots this week": "3",
        "Open slots with a match": "1",
        "Booking mismatches ahead": "2",
        "Dollars at risk ahead": "$175.00",
    }
    slots = at.dataframe[0].value.set_index("Slot ID")
    assert slots.loc["S-L01-1", "Ranked matches"] == "1. W-11 → 2. W-12"
    assert slots.loc["S-L01-2", "Ranked matches"] == "No match: No authorization left for the waiting children"
    assert slots.loc["S-L02-1", "Ranked matches"] == "No match: No child waiting at this location"
    assert "S-L01-3" not in slots.index
    families = at.dataframe[1].value  # the first slot is chosen: every family waiting for it, with why
    assert list(families.iloc[:, 0]) == ["1", "2", "excluded"]
    assert list(families.iloc[:, 1]) == ["W-11", "W-12", "W-14"]
    assert families.iloc[0, 3] == "none: fits every preference"
    assert families.iloc[1, 3] == "afternoon preferred (slot at 09:00)"
    assert families.iloc[2, 4].startswith("therapist not credentialed with the child's payer")
    rates = at.dataframe[2].value.set_index("Location")
    assert rates.loc["L01", "Booked"] == 20
    assert rates.loc["L01", "Kept"] == "75.0%" and rates.loc["L01", "No-show"] == "10.0%"
    assert rates.loc["L01", "Late cancelled (<24 h)"] == "5.0%" and rates.loc["L01", "Cancelled"] == "10.0%"
    assert rates.loc["L01", "Kept vs policy"] == "⛔ Below" and rates.loc["L02", "Kept vs policy"] == "✅ Meets"
    assert rates.loc["L01", "Children below policy"] == "1 of 2"
    assert rates.loc["L01", "Idle therapist hours"] == 3.0
    assert "Attendance policy: at least 85% of visits kept over 60 days" in rendered_text(at)
    lost = at.dataframe[3].value
    assert len(lost) == 3 and float(lost["Lost revenue"].sum()) == 510.0
    mismatches = at.dataframe[4].value.set_index("Appointment")
    assert set(mismatches.index) == {"AP-21", "AP-91"}
    assert mismatches.loc["AP-21", "Problem"] == "Beyond the authorized count"
    assert mismatches.loc["AP-91", "Problem"] == "Therapist not credentialed for the payer"
    assert mismatches.loc["AP-91", "Alternative therapist"] == "PR3"
    unbooked = at.dataframe[5].value
    assert list(unbooked["Plan of care"]) == ["POC-202-2", "POC-103-1", "POC-104-1"]  # most money first
    assert "3 children in care have no visit booked" in rendered_text(at)
    assert "$1,940.00 of planned visits" in rendered_text(at)


def test_schedule_page_is_scoped_to_the_front_desks_location(
    schedule_snapshot, ledger, app_test, frontdesk_l01, rendered_text
):
    at = app_test("schedule", user=frontdesk_l01).run()
    assert not at.exception
    text = rendered_text(at)
    assert "S-L01-1" in text and "AP-21" in text
    for other in ("S-L02-1", "AP-91", "Cy East", "L02", "PT-"):
        assert other not in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Booking mismatches ahead"] == "1" and metrics["Dollars at risk ahead"] == "$80.00"
    assert set(at.dataframe[3].value["Location"]) == {"L01"}
    assert set(at.dataframe[5].value["Plan of care"]) == {"POC-103-1", "POC-104-1"}


def test_schedule_page_shows_why_a_family_is_excluded_from_another_slot(schedule_snapshot, ledger, app_test, director):
    at = app_test("schedule", user=director).run()
    at.selectbox(key="schedule_slot_reasons").select("S-L02-1").run()
    assert not at.exception
    families = at.dataframe[1].value
    assert list(families.iloc[:, 0]) == ["excluded"]
    assert families.iloc[0, 4] == "waits for feeding, the slot is ot_peds"


def test_schedule_location_filter(schedule_snapshot, ledger, app_test, director, rendered_text):
    at = app_test("schedule", user=director).run()
    at.multiselect(key="schedule_filter_locations").select("L02").run()
    text = rendered_text(at)
    assert "S-L02-1" in text and "AP-91" in text and "S-L01-1" not in text and "AP-21" not in text


def test_schedule_data_access_is_scoped_in_sql_and_selects_no_patient_fields(
    schedule_snapshot, frontdesk_l01, make_user
):
    from dashboards import data

    nobody = make_user("nobody", "front_desk", set())
    for fetch in (
        data.open_slots_this_week,
        data.schedule_rates,
        data.schedule_lost_revenue_monthly,
        data.booking_mismatches,
        data.open_plans_without_future_visit,
    ):
        frame = fetch(frontdesk_l01)
        assert set(frame["location_id"]) <= {"L01"} and not frame.empty
        assert not {"patient_id", "patient_first_name", "patient_last_name", "member_id"} & set(frame.columns)
        assert fetch(nobody).empty
