"""Missed-visit fees on the shared generated run: the candidates are exactly last week's no-shows and late
cancels of children not on Medicaid (computed here from the generated CSVs), no fee is drafted while the
group's policy is off (the default), and turning the policy on never drafts one for a Medicaid patient."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.settings import get_settings
from dagster_project.assets.emitter_support import query_rows
from emitters.missed_visit_fee import draft_missed_visit_fees

pytestmark = pytest.mark.pipeline


def _rows(pipeline, name: str) -> list[dict]:
    with (pipeline.root / "inbox" / "ehr" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _medicaid_on(coverages: list[dict], patient_id: str, day: date) -> bool:
    """Whether any coverage in force that day, of any rank (Medicaid as secondary too), is Medicaid."""
    return any(
        c["patient_id"] == patient_id
        and c["is_medicaid"].lower() == "true"
        and date.fromisoformat(c["effective_date"]) <= day
        and (not c["termination_date"] or date.fromisoformat(c["termination_date"]) >= day)
        for c in coverages
    )


def _last_weeks_misses(pipeline, as_of: date) -> tuple[set[str], set[str]]:
    """(misses of children not on Medicaid, misses of children on Medicaid) in as_of - 6 .. as_of."""
    zones = {loc["location_id"]: ZoneInfo(loc["time_zone"]) for loc in _rows(pipeline, "locations")}
    coverages = _rows(pipeline, "coverages")
    expected, medicaid = set(), set()
    for appt in _rows(pipeline, "appointments"):
        if appt["status"] not in ("no_show", "late_cancelled"):
            continue
        start = datetime.fromisoformat(appt["scheduled_start_at"].replace("Z", "+00:00"))
        day = start.astimezone(zones[appt["location_id"]]).date()
        if as_of - timedelta(days=7) < day <= as_of:
            on_medicaid = _medicaid_on(coverages, appt["patient_id"], day)
            (medicaid if on_medicaid else expected).add(appt["appointment_id"])
    return expected, medicaid


def test_fee_candidates_are_last_weeks_misses_of_children_not_on_medicaid(pipeline):
    con = pipeline.snapshot()
    rows = query_rows(con, "select * from flag_missed_visit_fees")
    assert rows, "the generated data has no fee candidate"
    assert not any(r["is_medicaid"] for r in rows)
    as_of = rows[0]["as_of_date"]
    expected, medicaid = _last_weeks_misses(pipeline, as_of)
    assert {r["appointment_id"] for r in rows} == expected
    assert medicaid, "the run has Medicaid misses last week, so leaving them out is exercised"


def test_no_fee_is_drafted_while_the_policy_is_off_and_never_for_medicaid_when_on(pipeline):
    policy = get_settings().scheduling_no_show_fee_policy
    first = pipeline.metadata(pipeline.first, "missed_visit_fee_drafts")
    assert first["fee_policy"] == policy
    rows = query_rows(pipeline.snapshot(), "select * from flag_missed_visit_fees")
    if policy == "off":
        assert first["drafts"] == 0 and first["flag_rows"] == len(rows) > 0
    # The same rows with the policy on: every candidate, and a Medicaid row slipped in is still refused.
    medicaid = {**rows[0], "flag_id": "medicaid-probe", "appointment_id": "AP-MEDICAID-PROBE", "is_medicaid": True}
    drafts = draft_missed_visit_fees([*rows, medicaid], "no_show_and_late_cancel", "25.00")
    assert {d.flag_id for d in drafts} == {r["flag_id"] for r in rows}
    no_shows = draft_missed_visit_fees(rows, "no_show", "25.00")
    assert {d.flag_id for d in no_shows} == {r["flag_id"] for r in rows if r["miss_type"] == "no_show"}
