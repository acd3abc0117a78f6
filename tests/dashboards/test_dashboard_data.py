"""The data layer (dashboards/data/) on its own: scoping in SQL, filters, the no-snapshot path,
minimum-necessary columns."""

from __future__ import annotations

import json

import pytest

from dashboards import data


def test_front_desk_sees_only_its_location_in_every_snapshot_query(snapshot, frontdesk_l01):
    assert set(data.locations(frontdesk_l01)["location_id"]) == {"L01"}
    assert set(data.leak_summary(frontdesk_l01)["location_id"]) == {"L01"}
    assert set(data.authorization_burndown(frontdesk_l01)["location_id"]) == {"L01"}
    assert set(data.payers(frontdesk_l01)["payer_id"]) == {"P-AET", "P-MCD"}  # not L02's P-BLU


def test_asking_for_another_locations_rows_returns_nothing(snapshot, frontdesk_l01):
    assert data.authorization_burndown(frontdesk_l01, location_ids=["L02"]).empty
    assert data.authorization(frontdesk_l01, "A-L02-1") is None
    assert data.authorization(frontdesk_l01, "A-L01-1")["authorization_number"] == "AUTHN-1001"


def test_group_wide_user_sees_every_location(snapshot, director):
    assert set(data.locations(director)["location_id"]) == {"L01", "L02"}
    assert set(data.authorization_burndown(director)["location_id"]) == {"L01", "L02"}


def test_location_values_are_parameters_not_sql(snapshot, make_user):
    sneaky = make_user("sneaky", "front_desk", {"L01' or '1'='1"})
    assert data.leak_summary(sneaky).empty
    assert data.authorization_burndown(sneaky).empty


def test_user_without_locations_sees_nothing(snapshot, make_user):
    assert data.authorization_burndown(make_user("nobody", "front_desk", set())).empty


def test_burndown_filters_by_flag_payer_and_flagged(snapshot, director):
    beyond = data.authorization_burndown(director, flags=["has_visits_scheduled_beyond_auth"])
    assert list(beyond["authorization_id"]) == ["A-L02-1"]
    last_two = data.authorization_burndown(director, flags=["is_in_last_two_visits"])
    assert set(last_two["authorization_id"]) == {"A-L01-1", "A-L02-1"}
    assert set(data.authorization_burndown(director, payer_ids=["P-MCD"])["authorization_id"]) == {"A-L01-2"}
    assert set(data.authorization_burndown(director, flagged_only=True)["authorization_id"]) == {"A-L01-1", "A-L02-1"}


def test_burndown_is_sorted_by_money_at_risk(snapshot, director):
    frame = data.authorization_burndown(director)
    assert list(frame["authorization_id"][:2]) == ["A-L02-1", "A-L01-1"]


def test_unknown_flag_name_is_refused_not_interpolated(snapshot, director):
    with pytest.raises(ValueError, match="unknown flag columns"):
        data.authorization_burndown(director, flags=["true) or (1=1"])


def test_phi_packet_fields_never_reach_the_dashboard(snapshot, director, canary_name):
    detail = data.authorization(director, "A-L02-1")
    assert detail["flag_reasons"].startswith("In the last two visits")
    assert not {"patient_first_name", "patient_last_name", "patient_date_of_birth", "member_id"} & set(detail)
    assert canary_name not in json.dumps(detail, default=str)


def test_no_pointer_means_no_snapshot_with_a_readable_message(env, director):
    with pytest.raises(data.NoSnapshot, match="No data has been published yet"):
        data.leak_summary(director)


def test_pointer_to_a_missing_file_means_no_snapshot(env, director):
    (env / "warehouse" / "serving.json").write_text(json.dumps({"snapshot_path": str(env / "gone.duckdb")}))
    with pytest.raises(data.NoSnapshot, match="missing"):
        data.leak_summary(director)


def test_never_opens_the_pipelines_working_file(env, snapshot, director, monkeypatch):
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(snapshot))  # pretend the pointer names the working file
    with pytest.raises(data.NoSnapshot, match="working warehouse"):
        data.leak_summary(director)


def test_snapshot_is_opened_read_only(snapshot, director):
    import duckdb

    # A writer holding the file would block a read-write open; a read-only open must still work while
    # another read-only reader is connected, and must not be able to write.
    with duckdb.connect(str(snapshot), read_only=True):
        assert not data.leak_summary(director).empty


def test_quarantine_is_for_group_wide_users(snapshot, director, frontdesk_l01):
    assert list(data.quarantine(director)["reason"]) == ["date_of_service is not a date"]
    assert len(data.file_ledger(director)) == 2
    with pytest.raises(data.NotAllowed):
        data.quarantine(frontdesk_l01)
    with pytest.raises(data.NotAllowed):
        data.file_ledger(frontdesk_l01)


def test_ledger_actions_are_scoped_and_sorted_by_money_then_due_date(ledger, director, frontdesk_l01):
    assert {a["location_id"] for a in data.actions(frontdesk_l01)} == {"L01"}
    mine = data.actions(frontdesk_l01)
    assert [a["dollars_at_stake"] for a in mine] == sorted((a["dollars_at_stake"] for a in mine), reverse=True)
    everyone = data.actions(director)
    assert everyone[0]["location_id"] == "L02"  # 960 dollars first
    assert len(data.top_open_actions(director, limit=2)) == 2


def test_decision_block_reason(ledger, director, frontdesk_l01):
    card = data.actions(frontdesk_l01)[0]
    assert data.decision_block_reason(frontdesk_l01, card) is None
    assert "director" in data.decision_block_reason(director, card)
    data.approve(frontdesk_l01, card["action_id"], data.body_sha256(card["body"]))
    decided = data.action(frontdesk_l01, card["action_id"])
    assert "approved" in data.decision_block_reason(frontdesk_l01, decided)


def test_reject_needs_a_reason(ledger, frontdesk_l01):
    card = data.actions(frontdesk_l01)[0]
    with pytest.raises(ValueError, match="A reason is required to reject a draft"):
        data.reject(frontdesk_l01, card["action_id"], "   ")
    assert data.action(frontdesk_l01, card["action_id"])["status"] == "open"


def test_audit_trail_is_for_directors_and_admins(ledger, director, frontdesk_l01):
    assert isinstance(data.audit_trail(director), list)
    with pytest.raises(data.NotAllowed):
        data.audit_trail(frontdesk_l01)
    with pytest.raises(data.NotAllowed):
        data.verify_audit_chain(frontdesk_l01)


def test_an_export_of_several_locations_is_audited_out_of_sight_of_a_director_of_one(ledger, director, make_user):
    director_l01 = make_user("director_l01", "director", {"L01"})
    data.record_view(
        director,
        event_type="export",
        location_id=None,
        detail={"what": "approval board queue", "file_name": "q.csv", "row_count": 3, "location_ids": ["L01", "L02"]},
    )
    data.record_view(
        director,
        event_type="export",
        location_id="L01",
        detail={"what": "approval board queue", "file_name": "l01.csv", "row_count": 2, "location_ids": ["L01"]},
    )
    seen_by_l01 = [e["detail"]["file_name"] for e in data.audit_trail(director_l01, event_types=["export"])]
    assert seen_by_l01 == ["l01.csv"]
    assert sorted(e["detail"]["file_name"] for e in data.audit_trail(director, event_types=["export"])) == [
        "l01.csv",
        "q.csv",
    ]


def test_approve_is_refused_when_the_text_shown_is_not_the_text_stored(ledger, frontdesk_l01, billing):
    from ledger import InvalidTransition

    card = data.actions(frontdesk_l01)[0]
    shown = data.body_sha256(card["body"])
    ledger.edit_draft(billing, card["action_id"], card["body"] + " Updated.")
    with pytest.raises(InvalidTransition, match="changed since it was shown"):
        data.approve(frontdesk_l01, card["action_id"], shown)
    assert data.action(frontdesk_l01, card["action_id"])["status"] == "open"


def test_scoped_query_applies_scope_once_and_refuses_a_query_without_it(snapshot, director, frontdesk_l01):
    from dashboards.data.scope import scoped_query

    sql = "select location_id from fct_authorization_burndown where {scope} and payer_id = $payer"
    assert set(scoped_query(frontdesk_l01, sql, {"payer": "P-AET"})["location_id"]) == {"L01"}
    assert set(scoped_query(director, sql, {"payer": "P-AET"}, chosen_locations=["L02"])["location_id"]) == {"L02"}
    assert scoped_query(frontdesk_l01, sql, {"payer": "P-AET"}, chosen_locations=["L02"]).empty  # narrows only
    with pytest.raises(ValueError, match="must contain"):
        scoped_query(director, "select * from fct_authorization_burndown")
    with pytest.raises(ValueError, match="reserved"):
        scoped_query(frontdesk_l01, sql, {"payer": "P-AET", "scope_location_0": "L02"})
    with pytest.raises(data.NotAllowed):
        scoped_query(frontdesk_l01, "select * from ingest_quarantine", location_column=None)


def test_a_mart_the_snapshot_lacks_is_named_not_a_crash(snapshot, director):
    with pytest.raises(data.MartMissing, match="no monthly leak figures yet"):
        data.leak_monthly(director)
    with pytest.raises(data.MartMissing, match="Re-run the pipeline"):
        data.credential_matrix(director)


def test_action_type_and_leak_area_labels(snapshot):
    assert data.action_type_label("reauth_packet") == "Re-authorization packet"  # the registry's human name
    assert data.action_type_label("retired_type") == "Retired type"  # an unknown type still reads as words
    assert data.leak_area_label("claims_denials") == "Claims and denials"  # from the leak-areas seed
    assert next(iter(data.leak_areas())) == "authorizations"
