"""The Definitions load, and the asset graph wires ingest -> dbt -> emitter -> publish -> dispatch."""

from __future__ import annotations

import dagster as dg


def test_definitions_load_with_the_jobs_schedules_and_sensor():
    from dagster_project.definitions import defs

    assert defs.resolve_job_def("daily_leak_job") is not None
    assert defs.resolve_job_def("dispatch_job") is not None
    assert {s.name for s in defs.schedules} and {s.name for s in defs.sensors} == {"inbox_files", "approved_actions"}


def test_asset_graph_links_sources_to_ingest_and_flags_to_the_emitter():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    appointments = dg.AssetKey(["raw_ehr", "appointments"])
    assert appointments in keys and dg.AssetKey(["raw_clearinghouse", "remit_claims"]) in keys

    emitter = dg.AssetKey("reauth_packet_drafts")
    flag_parents = graph.get(emitter).parent_keys
    assert any(k.path[-1] == "flag_auths_needing_reauth" for k in flag_parents)

    # The staging model of appointments reads the ingest asset's table (dbt source -> asset key).
    staging = next(k for k in keys if k.path[-1] == "stg_ehr__appointments")
    assert appointments in graph.get(staging).parent_keys

    publish_parents = graph.get(dg.AssetKey("serving_snapshot")).parent_keys
    assert emitter in publish_parents
    assert dg.AssetKey("serving_snapshot") in graph.get(dg.AssetKey("outbox_dispatch")).parent_keys


def test_every_csv_entity_has_a_great_expectations_asset_check():
    from dagster_project.contracts import CONTRACTS
    from dagster_project.definitions import defs

    check_keys = defs.resolve_asset_graph().asset_check_keys
    ge_checked = {k.asset_key for k in check_keys if k.name == "great_expectations_suite"}
    assert ge_checked == {dg.AssetKey([f"raw_{c.__source__}", c.__entity__]) for c in CONTRACTS}
