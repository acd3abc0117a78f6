"""The whole flow on a small generated dataset: generator -> Dagster job (ingest, dbt build, emitter,
publish, dispatch) -> ledger -> approval -> outbox.

It checks the flag mart against the generator's ground truth (every planted authorization leak found,
nothing else), that bad deliveries are quarantined with reasons while good data loads, that a second
run drafts nothing new, and that only an approved action reaches the outbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.assets.dbt import seed_tables
from dagster_project.dbt_project import dbt_project
from dagster_project.warehouse import DuckDBWarehouse, get_warehouse
from tests.ledger.helpers import shown_body_sha256

pytestmark = pytest.mark.pipeline
SEEDS = {path.stem for path in (Path(__file__).resolve().parents[2] / "dbt" / "seeds").rglob("*.csv")}


def test_flag_mart_finds_every_planted_auth_leak_and_nothing_else(pipeline):
    con = pipeline.snapshot()
    flags = (
        "is_in_last_two_visits",
        "is_expiring_within_lead_time",
        "is_projected_to_exhaust_before_end",
        "has_visits_scheduled_beyond_auth",
    )
    rows = con.execute(
        "select authorization_id, flag_reasons, approved_quantity, used_quantity, cast(end_date as varchar), "
        + ", ".join(flags)
        + " from flag_auths_needing_reauth"
    ).fetchall()
    flagged = {r[0]: r for r in rows}
    planted = {leak["authorization_id"]: leak for leak in pipeline.truth["auth_leaks"]}
    near_misses = {m["authorization_id"] for m in pipeline.truth["auth_near_misses"]}

    assert planted, "the generator planted nothing"
    assert set(flagged) - set(planted) == set(), "flagged but not planted"
    assert set(planted) - set(flagged) == set(), "planted but not flagged"
    assert not near_misses & set(flagged)
    reason_words = {
        "in_last_two_visits": "in the last two visits",
        "expiring_within_lead_time": "re-auth lead time",
        "projected_to_exhaust_before_end": "projected to run out",
        "scheduled_beyond_auth": "booked visits not covered",
    }
    for auth_id, leak in planted.items():
        _, reasons, approved, used, end_date, *tripped = flagged[auth_id]
        # Exactly the flags the plant was built to trip, on the quantities and dates it set up.
        assert sorted(reason for reason, on in zip(reason_words, tripped, strict=True) if on) == leak["meant_to_trip"]
        for reason in leak["meant_to_trip"]:
            assert reason_words[reason] in reasons.lower(), (auth_id, reasons)
        planted_used = leak["planted"].get("units_billed", leak["planted"]["kept_visits"])
        assert (approved, used, end_date) == (leak["planted"]["approved"], planted_used, leak["planted"]["end_date"])


def test_unauthorized_visits_are_exactly_the_planted_ones_each_with_one_review_draft(pipeline):
    con = pipeline.snapshot()
    rows = con.execute(
        "select visit_id, unauthorized_reason, location_id, claim_id, is_claim_submitted, dollars_at_risk"
        " from flag_unauthorized_visits"
    ).fetchall()
    planted = {p["visit_id"]: p for p in pipeline.truth["unauthorized_visits"]}
    assert {p["planted_reason"] for p in planted.values()} == {"authorization_ended", "wrong_service"}
    assert {r[0]: r[1] for r in rows} == {visit_id: p["planted_reason"] for visit_id, p in planted.items()}
    for visit_id, _, location_id, claim_id, is_submitted, dollars in rows:
        assert (location_id, claim_id) == (planted[visit_id]["location_id"], planted[visit_id]["claim_id"])
        assert is_submitted and dollars > 0  # the planted visits' claims went out weeks ago
    first = pipeline.metadata(pipeline.first, "unauthorized_visit_review_drafts")
    second = pipeline.metadata(pipeline.second, "unauthorized_visit_review_drafts")
    assert first["drafted"] == first["flag_rows"] == len(planted)
    assert second["drafted"] == 0 and second["unchanged"] == len(planted)
    assert set(first["flags_by_location"]) == {p["location_id"] for p in planted.values()}


def test_bad_input_is_quarantined_with_reasons_while_good_data_loads(pipeline):
    con = pipeline.snapshot()
    reasons = [r[0] for r in con.execute("select reason from ingest_quarantine").fetchall()]
    assert any(r.startswith("appointments_late.csv: line 2: duration_minutes") for r in reasons), reasons
    assert any("truncated.835" in r or "segment" in r.lower() for r in reasons), reasons
    statuses = dict(con.execute("select file_name, status from ingest_file_ledger").fetchall())
    assert statuses["truncated.835"] == "rejected"
    assert statuses["appointments_late.csv"] == "loaded_with_rejects"
    assert "patients_resent.csv" not in statuses  # same bytes as patients.csv: a no-op
    assert con.execute("select count(*) from fct_authorization_burndown").fetchone()[0] > 0
    quarantined = list((pipeline.root / "quarantine" / "clearinghouse").glob("*truncated.835*"))
    assert quarantined


def test_generated_extracts_pass_every_great_expectations_suite(pipeline):
    evaluations = pipeline.first.get_asset_check_evaluations()
    ge = [e for e in evaluations if e.check_name == "great_expectations_suite"]
    from dagster_project.contracts import CONTRACTS

    assert len(ge) == len(CONTRACTS)  # one suite per CSV contract
    assert [e.asset_key for e in ge if not e.passed] == []


def test_every_flag_has_one_draft_and_a_second_run_drafts_nothing(pipeline):
    first = pipeline.metadata(pipeline.first, "reauth_packet_drafts")
    second = pipeline.metadata(pipeline.second, "reauth_packet_drafts")
    assert first["drafted"] == first["flag_rows"] == len(pipeline.truth["auth_leaks"])
    assert second["drafted"] == 0 and second["auto_resolved"] == 0
    assert second["unchanged"] == first["flag_rows"]
    locations = {leak["location_id"] for leak in pipeline.truth["auth_leaks"]}
    assert set(first["flags_by_location"]) == locations


def test_the_second_run_leaves_the_seeds_as_loaded_and_still_publishes(pipeline):
    """The first run is a full build (no fingerprint yet): it loads the seeds. The second has the same rules, so
    dbt leaves the seeds (and the data tests on them) out, Dagster reports no seed, and the serving snapshot,
    which depends on every other dbt asset, is still published from the second run's marts."""

    def materialized(result) -> set[str]:
        return {event.asset_key.path[-1] for event in result.get_asset_materialization_events()}

    def seeds_checked(result) -> int:
        return sum(
            1 for event in result.get_asset_check_evaluations() if event.asset_key.path[-1] in SEEDS and event.passed
        )

    first, second = materialized(pipeline.first), materialized(pipeline.second)
    assert first >= SEEDS and seeds_checked(pipeline.first) > 0
    assert not SEEDS & second and seeds_checked(pipeline.second) == 0
    assert {"serving_snapshot", "fct_claim_audit_failures", "flag_auths_needing_reauth"} <= second
    assert pipeline.second.success
    assert (
        pipeline.metadata(pipeline.second, "serving_snapshot")["snapshot_path"]
        == json.loads((pipeline.root / "warehouse" / "serving.json").read_text())["snapshot_path"]
    )


def test_the_manifest_names_every_seed_table_the_build_made_and_a_new_warehouse_has_none(pipeline, tmp_path):
    """What the dbt asset checks before leaving the seeds out: a night on a warehouse that lost them (deleted while
    the fingerprint beside it stayed) must rebuild whole instead of failing on a missing seed."""
    seeds = seed_tables(dbt_project().manifest_path)
    assert {table for _, table in seeds} == SEEDS
    assert get_warehouse(pipeline.root / "warehouse" / "rcm.duckdb").missing_tables(seeds) == []
    assert len(DuckDBWarehouse(tmp_path / "new.duckdb").missing_tables(seeds)) == len(SEEDS)


def test_only_an_approved_action_reaches_the_outbox(pipeline):
    from core.settings import get_settings
    from delivery.dispatcher import dispatch_approved
    from ledger import Ledger

    settings = get_settings()
    ledger = Ledger(settings.ledger_url)
    ledger.upsert_user("fd", "pw-123456", "front_desk", ["*"], "Front Desk")
    user = ledger.authenticate("fd", "pw-123456")
    open_actions = ledger.list_actions(user, statuses=["open"], action_types=["reauth_packet"])
    chosen = open_actions[0]
    ledger.approve(user, chosen["action_id"], expected_body_sha256=shown_body_sha256(ledger, chosen["action_id"]))
    result = dispatch_approved(ledger, settings.outbox_dir)

    # Other tests of this session may have approved and sent their own actions: compare with the ledger.
    written = {p.stem for p in settings.outbox_dir.rglob("*.txt")}
    sent = {a["action_id"] for a in ledger.list_actions(user, statuses=["sent"])}
    still_open = {a["action_id"] for a in ledger.list_actions(user, statuses=["open"])}
    assert result.sent == [chosen["action_id"]]
    assert chosen["action_id"] in written and written == sent
    assert not written & still_open
