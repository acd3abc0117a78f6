"""Credentialing and payroll, end to end on the shared pipeline run: every planted credential, enrollment,
supervision and payroll problem is found, and nothing else (ground truth key "credentialing")."""

from __future__ import annotations

import pytest

from dagster_project.npi import is_valid_npi

DRAFT_ASSETS = {
    "credential_renewal_drafts": "flag_credential_renewals",
    "enrollment_followup_drafts": "flag_enrollment_followups",
    "claim_hold_notice_drafts": "flag_claims_on_enrollment_holds",
    "provider_record_fix_drafts": "flag_provider_record_fixes",
    "payroll_discrepancy_drafts": "flag_payroll_discrepancies",
}


@pytest.fixture(scope="module")
def truth(pipeline):
    return pipeline.truth["credentialing"]


@pytest.fixture(scope="module")
def snap(pipeline):
    con = pipeline.snapshot()
    yield con
    con.close()


def _set(con, sql: str) -> set[tuple]:
    return {tuple(str(v) for v in row) for row in con.execute(sql).fetchall()}


def test_reminder_tiers_match_the_ground_truth(snap, truth):
    found = _set(snap, "select provider_id, credential_type, reminder_tier from flag_credential_renewals")
    expected = {(r["provider_id"], r["credential_type"], r["reminder_tier"]) for r in truth["credential_reminders"]}
    assert found == expected
    # Every planted tier is among them, each at its planted distance from the as-of date.
    tiers = {
        "tier_90": "90_days",
        "tier_30": "30_days",
        "tier_30_compliance": "30_days",
        "caqh_lapses_next_week": "7_days",
        "expired": "expired",
    }
    planted = [p for p in truth["plants"] if p["kind"] in tiers]
    assert {tiers[p["kind"]] for p in planted} == {"90_days", "30_days", "7_days", "expired"}
    for p in planted:
        row = snap.execute(
            "select reminder_tier, days_to_expiry from flag_credential_renewals "
            "where provider_id = ? and credential_type = ?",
            [p["provider_id"], p["credential_type"]],
        ).fetchone()
        assert row == (tiers[p["kind"]], p["days_to_expiry"])


def _near_misses(truth, kind: str) -> list[dict]:
    misses = [m for m in truth["near_misses"] if m["kind"] == kind]
    assert misses, kind
    return misses


def test_near_miss_at_91_days_is_in_the_matrix_but_not_flagged(snap, truth):
    for miss in _near_misses(truth, "near_miss"):
        row = snap.execute(
            "select reminder_tier, days_to_expiry from fct_credential_matrix "
            "where provider_id = ? and credential_type = ?",
            [miss["provider_id"], miss["credential_type"]],
        ).fetchone()
        assert row == ("current", 91)


def test_near_miss_hours_exactly_at_the_tolerance_are_not_flagged(snap, truth):
    for miss in _near_misses(truth, "hours_at_tolerance"):
        row = snap.execute(
            "select cast(hours_difference as varchar), is_flagged from fct_payroll_reconciliation "
            "where provider_id = ? and cast(work_date as varchar) = ?",
            [miss["provider_id"], miss["work_date"]],
        ).fetchone()
        assert row == (miss["hours_difference"], False)


def test_near_miss_visits_booked_from_the_effective_date_on_are_billable(snap, truth):
    for miss in _near_misses(truth, "booked_from_effective_date"):
        rows = snap.execute(
            "select cast(appointment_date as varchar), can_bill_on_visit_date from fct_scheduled_visit_billing "
            "where provider_id = ? and payer_id = ?",
            [miss["provider_id"], miss["payer_id"]],
        ).fetchall()
        assert min(day for day, _ in rows) == miss["first_booked_date"]
        assert all(can_bill for _, can_bill in rows)


def test_enrollment_followups_match_the_ground_truth(snap, truth):
    rows = snap.execute(
        "select provider_id, location_id, payer_id, has_pending_enrollment, "
        "has_unbillable_scheduled_visits from flag_enrollment_followups"
    ).fetchall()
    found = {
        (
            p,
            loc,
            payer,
            tuple(r for r, on in (("enrollment_pending", pend), ("scheduled_visits_not_billable", unb)) if on),
        )
        for p, loc, payer, pend, unb in rows
    }
    expected = {
        (r["provider_id"], r["location_id"], r["payer_id"], tuple(r["reasons"])) for r in truth["enrollment_followups"]
    }
    assert found == expected
    # A CAQH lapse is a compliance task (a renewal reminder), never "cannot bill": its visits stay billable.
    caqh = [p for p in truth["plants"] if p["kind"] == "caqh_lapses_next_week"]
    assert caqh and not any(
        f[0] == p["provider_id"] and "scheduled_visits_not_billable" in f[3] for f in found for p in caqh
    )


def test_claims_before_the_effective_date_stay_held_even_once_it_has_come(snap, truth):
    rows = snap.execute(
        "select provider_id, location_id, payer_id, hold_status, cast(release_date as varchar) "
        "from flag_claims_on_enrollment_holds"
    ).fetchall()
    assert {r[:4] for r in rows} == {
        (h["provider_id"], h["location_id"], h["payer_id"], h["hold_status"]) for h in truth["claim_holds"]
    }
    planted = {p["provider_id"]: p for p in truth["plants"] if p["kind"].startswith("claims_")}
    assert {p["kind"] for p in planted.values()} == {"claims_held_until_enrollment", "claims_released_today"}
    for provider_id, _, _, status, release in rows:
        if provider_id in planted:
            # every planted date of service is before the effective date: held, never released by that date
            assert release == planted[provider_id]["effective_date"] and status == "hold"
    held = _set(snap, "select provider_id, claim_id from fct_claim_enrollment_holds")
    assert held == {(h["provider_id"], c) for h in truth["claim_holds"] for c in h["claim_ids"]}


def test_provider_record_fixes_match_the_ground_truth(snap, truth):
    found = _set(snap, "select provider_id, issue from flag_provider_record_fixes")
    expected = {(r["provider_id"], "invalid_npi") for r in truth["invalid_npis"]} | {
        (r["provider_id"], "cota_without_supervising_otr") for r in truth["supervision_gaps"]
    }
    assert found == expected
    assert any(p["kind"] == "cota_without_supervising_otr" for p in truth["plants"])


def test_sql_and_python_npi_check_digits_agree_on_every_provider(snap):
    rows = snap.execute("select npi, is_npi_valid from fct_provider_identity").fetchall()
    assert rows and all(is_valid_npi(npi) == valid for npi, valid in rows)
    assert any(not valid for _, valid in rows)


def test_payroll_discrepancies_match_the_ground_truth(snap, truth):
    found = _set(
        snap,
        "select provider_id, cast(work_date as varchar), discrepancy_type "
        "from fct_payroll_reconciliation where is_flagged",
    )
    expected = {(r["provider_id"], r["work_date"], r["discrepancy_type"]) for r in truth["payroll_discrepancies"]}
    assert found == expected
    assert {p["kind"] for p in truth["plants"]} >= {
        "sessions_without_hours",
        "hours_without_sessions",
        "hours_over_tolerance",
    }
    periods = _set(snap, "select provider_id, cast(pay_period_start as varchar) from flag_payroll_discrepancies")
    assert periods == {(r["provider_id"], r["pay_period_start"]) for r in truth["payroll_discrepancies"]}


def test_every_flag_is_drafted_once_and_the_second_run_drafts_nothing(pipeline, snap):
    for asset, mart in DRAFT_ASSETS.items():
        count = snap.execute(f"select count(*) from {mart}").fetchone()[0]
        first = pipeline.metadata(pipeline.first, asset)
        second = pipeline.metadata(pipeline.second, asset)
        assert count > 0, mart
        assert first["flag_rows"] == count and first["drafted"] == count, asset
        assert second["drafted"] == 0 and second["unchanged"] == count, asset


def test_credentialing_leak_summary_counts_held_claims(snap):
    rows = snap.execute(
        "select location_id, flagged_count, dollars_at_risk from fct_location_leak_summary "
        "where leak_area = 'credentialing' order by location_id"
    ).fetchall()
    held = dict(
        snap.execute(
            "select location_id, sum(contracted_amount) from fct_claim_enrollment_holds "
            "where hold_status = 'hold' group by location_id"
        ).fetchall()
    )
    assert len(rows) == 3
    assert any(flagged > 0 for _, flagged, _ in rows)
    for location_id, _, dollars in rows:
        assert dollars >= held.get(location_id, 0)


def test_exclusion_screening_finds_the_planted_listings_on_both_lists_and_not_the_near_misses(snap, truth):
    found = _set(snap, "select provider_id, exclusion_list, match_basis from fct_exclusion_screening")
    assert found == {(m["provider_id"], m["exclusion_list"], m["match_basis"]) for m in truth["exclusion_matches"]}
    assert {m["exclusion_list"] for m in truth["exclusion_near_misses"]} == {"oig_leie", "sam"}
    assert not {m["provider_id"] for m in truth["exclusion_near_misses"]} & {p for p, _, _ in found}
    flagged = _set(snap, "select provider_id from flag_exclusion_matches")
    assert flagged == {(m["provider_id"],) for m in truth["exclusion_matches"]}


def test_tasks_due_the_day_they_are_found_carry_the_run_s_date(pipeline, snap):
    """An exclusion match and a provider-record fix have no due date in their rows: the run that first drafts
    them dates them with its as-of date (ActionType.due_days_after_raised) and the second run leaves it."""
    from core.settings import get_settings
    from emitters.drafting import PIPELINE_READER
    from ledger import Ledger
    from tests.pipeline.conftest import AS_OF

    actions = Ledger(get_settings().ledger_url).list_actions(
        PIPELINE_READER, action_types=["exclusion_task", "provider_record_fix"]
    )
    flagged = snap.execute(
        "select (select count(*) from flag_exclusion_matches) + (select count(*) from flag_provider_record_fixes)"
    ).fetchone()[0]
    assert flagged and len(actions) == flagged
    assert {action["due_date"].isoformat() for action in actions} == {AS_OF}
    assert pipeline.metadata(pipeline.second, "exclusion_task_drafts")["drafted"] == 0
