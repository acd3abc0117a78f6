"""Scheduling on the shared generated run: every planted gap, match, no-match, booking mismatch and
attendance problem is found, and nothing else; the booking check agrees with the authorization area;
the emitters draft one offer per slot at most and nothing new on the second run."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.pipeline


def _slot_key(row) -> tuple:
    return (row["location_id"], row["provider_id"], str(row["slot_date"]), int(row["hour"]))


def test_every_open_slot_is_found_and_nothing_else(pipeline):
    con = pipeline.snapshot()
    found = {
        (r[0], r[1], str(r[2]), r[3])
        for r in con.execute("select location_id, provider_id, slot_date, slot_hour from fct_open_slots").fetchall()
    }
    expected = {_slot_key(s) for s in pipeline.truth["scheduling"]["open_slots"]}
    assert expected, "the generator planted no open slots"
    assert found == expected


def test_planted_matches_rank_first_planted_exclusions_and_no_matches_say_why(pipeline):
    con = pipeline.snapshot()
    rows = {
        (r[0], r[1], str(r[2]), r[3]): (r[4], r[5])
        for r in con.execute(
            "select location_id, provider_id, slot_date, slot_hour, top_waitlist_id, no_match_reason "
            "from fct_open_slots"
        ).fetchall()
    }
    truth = pipeline.truth["scheduling"]
    assert truth["planted_matches"] and truth["planted_no_matches"]
    for planted in truth["planted_matches"]:
        assert rows[_slot_key(planted)] == (planted["top_waitlist_id"], None), planted
    for planted in truth["planted_no_matches"]:
        assert rows[_slot_key(planted)] == (None, planted["reason"]), planted
    # The planted family excluded from the matched slots: credentialed and fitting every preference, but no
    # authorization covers the visit, and the scheduler is told so in words.
    matches = {
        (r[0], r[1], str(r[2]), r[3], r[4]): r[5:]
        for r in con.execute(
            "select location_id, provider_id, slot_date, cast(floor(slot_start_minute / 60) as integer), waitlist_id,"
            " is_valid_match, is_credentialed, is_authorized, is_preference_fit, exclusion_reasons"
            " from fct_waitlist_slot_matches"
        ).fetchall()
    }
    for planted in truth["planted_matches"]:
        for excluded in planted["excluded"]:
            valid, credentialed, authorized, fits, reasons = matches[(*_slot_key(planted), excluded["waitlist_id"])]
            assert (valid, credentialed, authorized, fits) == (False, True, False, True), planted
            assert reasons == "no authorization with visits left covers that date and service", planted


def test_booking_mismatches_are_exactly_the_planted_ones_and_agree_with_the_auth_area(pipeline):
    con = pipeline.snapshot()
    flags = con.execute(
        "select appointment_id, credential_check, authorization_check, patient_id from flag_booking_mismatches"
    ).fetchall()
    truth = pipeline.truth["scheduling"]
    credential = {r[0] for r in flags if r[1] != "ok"}
    assert credential == {m["appointment_id"] for m in truth["booking_mismatches"]}
    # Authorization mismatches: the visits the authorization area counts as booked beyond its count or end
    # date, patient by patient, and only on the planted authorization leaks that book beyond the auth.
    by_patient = Counter(r[3] for r in flags if r[2] != "ok")
    burndown = dict(
        con.execute(
            "select patient_id, sum(scheduled_beyond_count) from fct_authorization_burndown "
            "where has_visits_scheduled_beyond_auth group by patient_id"
        ).fetchall()
    )
    assert dict(by_patient) == {k: int(v) for k, v in burndown.items()}
    planted_beyond = {
        leak["patient_id"] for leak in pipeline.truth["auth_leaks"] if "scheduled_beyond_auth" in leak["meant_to_trip"]
    }
    assert set(by_patient) == planted_beyond
    booking_flags = con.execute("select count(*) from fct_booking_checks where is_mismatch").fetchone()[0]
    assert booking_flags == len(flags)  # what the at-risk summary counts under credentialing


def test_attendance_letters_are_exactly_the_children_under_policy(pipeline):
    con = pipeline.snapshot()
    found = {r[0] for r in con.execute("select patient_id from flag_attendance_letters").fetchall()}
    assert found == {a["patient_id"] for a in pipeline.truth["scheduling"]["attendance_below_policy"]}


def test_children_with_an_open_plan_and_nothing_booked_are_exactly_the_expected_ones(pipeline):
    con = pipeline.snapshot()
    found = {
        r[0]: (r[1], float(r[2]))
        for r in con.execute(
            "select patient_id, location_id, dollars_at_risk from flag_patients_to_schedule"
        ).fetchall()
    }
    truth = pipeline.truth["scheduling"]["open_plan_no_future_visit"]
    planted = {t["patient_id"] for t in truth if t["planted"]}
    assert len(planted) == len({t["location_id"] for t in truth if t["planted"]}) >= 2, "one plant per location"
    assert set(found) == {t["patient_id"] for t in truth}
    assert all(found[t["patient_id"]][0] == t["location_id"] for t in truth)
    assert all(found[p][1] > 0 for p in planted)
    # Their cancelled hours in the booking window are open slots like any other cancellation (the UTC date
    # of a late-afternoon visit can be the next day, so the first two days are left out of the check).
    after = (date.fromisoformat(pipeline.truth["anchor_date"]) + timedelta(days=1)).isoformat()
    with (pipeline.root / "inbox" / "ehr" / "appointments.csv").open(newline="") as handle:
        cancelled = {
            r["appointment_id"]
            for r in csv.DictReader(handle)
            if r["patient_id"] in planted and r["status"] == "cancelled" and r["scheduled_start_at"][:10] > after
        }
    offered = {
        r[0]
        for r in con.execute(
            "select missed_appointment_id from fct_open_slots where slot_state = 'cancellation'"
        ).fetchall()
    }
    assert cancelled and cancelled <= offered
    first, second = (pipeline.metadata(run, "schedule_patient_drafts") for run in (pipeline.first, pipeline.second))
    assert first["drafted"] == first["drafts"] == len(found)
    assert second["drafted"] == 0 and second["auto_resolved"] == 0


def test_emitters_draft_one_offer_per_slot_and_nothing_new_on_the_second_run(pipeline):
    import sqlalchemy as sa

    from core.settings import get_settings
    from ledger import Ledger, actions

    for asset in ("slot_offer_drafts", "booking_alert_drafts", "attendance_letter_drafts"):
        first, second = pipeline.metadata(pipeline.first, asset), pipeline.metadata(pipeline.second, asset)
        assert first["drafted"] == first["drafts"] > 0, asset
        assert second["drafted"] == 0 and second["auto_resolved"] == 0, asset
    ledger = Ledger(get_settings().ledger_url)
    with ledger.engine.connect() as conn:
        evidence = [
            json.loads(r[0])[0]
            for r in conn.execute(
                sa.select(actions.c.evidence_json).where(
                    actions.c.action_type == "slot_offer", actions.c.status.in_(["open", "snoozed", "approved"])
                )
            )
        ]
    per_slot = Counter(e["slot_id"] for e in evidence)
    assert per_slot and max(per_slot.values()) == 1
    assert all(e["match_rank"] == 1 for e in evidence)
    mismatches = pipeline.snapshot().execute("select count(*) from flag_booking_mismatches").fetchone()[0]
    assert pipeline.metadata(pipeline.first, "booking_alert_drafts")["drafts"] == mismatches
