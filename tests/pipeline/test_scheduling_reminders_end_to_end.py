"""48-hour visit reminders on the shared generated run: exactly the booked visits of the two local days after
the as-of date (computed here from the generated CSVs and the clinics' time zones), one draft per visit,
nothing new on the second run, and no family text carries a child's name, member id or diagnosis."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emitters.family_messages import assert_minimum_necessary

pytestmark = pytest.mark.pipeline


def _rows(pipeline, name: str) -> list[dict]:
    with (pipeline.root / "inbox" / "ehr" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _expected_reminders(pipeline, as_of: date) -> set[str]:
    zones = {loc["location_id"]: ZoneInfo(loc["time_zone"]) for loc in _rows(pipeline, "locations")}
    expected = set()
    for appt in _rows(pipeline, "appointments"):
        if appt["status"] != "scheduled":
            continue
        start = datetime.fromisoformat(appt["scheduled_start_at"].replace("Z", "+00:00"))
        local_day = start.astimezone(zones[appt["location_id"]]).date()
        if as_of + timedelta(days=1) <= local_day < as_of + timedelta(days=3):
            expected.add(appt["appointment_id"])
    return expected


def test_reminders_are_exactly_the_booked_visits_of_the_next_48_hours(pipeline):
    con = pipeline.snapshot()
    rows = con.execute(
        "select appointment_id, as_of_date, visit_date, authorization_id, approved_quantity, "
        "remaining_after_visit, is_last_authorized_visit from flag_visit_reminders"
    ).fetchall()
    as_of = rows[0][1]
    published = json.loads((pipeline.root / "warehouse" / "serving.json").read_text())
    assert str(as_of) == published["as_of_date"]
    found = [r[0] for r in rows]
    assert len(found) == len(set(found))
    expected = _expected_reminders(pipeline, as_of)
    assert expected, "the generated data has no visit in the next 48 hours"
    assert set(found) == expected
    assert all(as_of + timedelta(days=1) <= r[2] <= as_of + timedelta(days=2) for r in rows)
    # A visit inside its authorization's count leaves nothing negative; one outside has no remainder.
    for r in rows:
        assert r[5] is None or r[5] >= 0, r
        assert not r[6] or r[3] is not None, r
    # Visits the booking check says are beyond or outside the authorization are never called "the last one".
    beyond = {
        a
        for (a,) in con.execute(
            "select appointment_id from fct_booking_checks where authorization_check <> 'ok'"
        ).fetchall()
    }
    assert not {r[0] for r in rows if r[6]} & beyond


def test_one_reminder_draft_per_visit_without_identifiers(pipeline):
    import sqlalchemy as sa

    from core.settings import get_settings
    from ledger import Ledger, actions

    first = pipeline.metadata(pipeline.first, "visit_reminder_drafts")
    second = pipeline.metadata(pipeline.second, "visit_reminder_drafts")
    mart = pipeline.snapshot().execute("select count(*) from flag_visit_reminders").fetchone()[0]
    assert first["drafted"] == first["drafts"] == mart > 0
    assert second["drafted"] == 0 and second["auto_resolved"] == 0
    ledger = Ledger(get_settings().ledger_url)
    with ledger.engine.connect() as conn:
        drafts = conn.execute(
            sa.select(actions.c.flag_id, actions.c.patient_id, actions.c.body, actions.c.title).where(
                actions.c.action_type == "visit_reminder"
            )
        ).fetchall()
    assert len(drafts) == len({d[0] for d in drafts}) == mart
    member_ids: dict[str, list[str]] = {}
    for coverage in _rows(pipeline, "coverages"):
        member_ids.setdefault(coverage["patient_id"], []).append(coverage["member_id"])
    names = {p["patient_id"]: f"{p['first_name']} {p['last_name']}" for p in _rows(pipeline, "patients")}
    for _, patient_id, body, title in drafts:
        identifiers = [*member_ids.get(patient_id, []), names.get(patient_id, "")]
        assert_minimum_necessary(body, identifiers)
        assert_minimum_necessary(title, identifiers)
