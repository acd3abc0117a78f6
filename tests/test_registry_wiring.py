"""Every registered action type is wired end to end: its emitter asset is in the Definitions with exactly its
declared inputs as deps, someone can approve it, its channel routes, its exposure is declared, its flag and
packet models are in the dbt manifest (with its dollars column) and its leak area is in the seed."""

from __future__ import annotations

import json
import re

import dagster as dg
import pytest
import yaml

from core.settings import PROJECT_ROOT, DeliverySettings
from core.vocabulary import ROLES, leak_areas
from delivery.channels import ChannelRouter
from emitters.registry import ACTION_TYPES, EXPOSURES_FILE, exposures_yaml

TYPES = sorted(ACTION_TYPES)


@pytest.fixture(scope="module")
def asset_graph():
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest(asset_graph) -> dict:  # loading the Definitions parses the dbt project when the manifest is stale
    from dagster_project.dbt_project import dbt_project

    return json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def models(manifest) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


@pytest.fixture(scope="module")
def exposures() -> dict[str, dict]:
    return {e["name"]: e for e in yaml.safe_load(EXPOSURES_FILE.read_text(encoding="utf-8"))["exposures"]}


def test_there_is_a_declaration_for_every_type_the_emitters_draft():
    assert len(ACTION_TYPES) == 34


@pytest.mark.parametrize("name", TYPES)
def test_emitter_asset_exists_and_depends_on_exactly_the_declared_inputs(name, asset_graph):
    declared = ACTION_TYPES[name]
    node = asset_graph.get(dg.AssetKey(declared.emitter_asset))
    sharing = [t for t in ACTION_TYPES.values() if t.emitter_asset == declared.emitter_asset]
    expected = {dg.AssetKey(["marts", model]) for t in sharing for model in t.inputs}
    assert set(node.parent_keys) == expected


@pytest.mark.parametrize("name", TYPES)
def test_someone_with_a_known_role_can_approve(name):
    roles = ACTION_TYPES[name].approver_roles
    assert roles and roles <= set(ROLES)


@pytest.mark.parametrize("name", TYPES)
def test_channel_resolves_in_the_router(name):
    declared = ACTION_TYPES[name]
    router = ChannelRouter.from_settings(
        DeliverySettings(
            endpoints={
                channel: f"https://{channel}.example.org/hook" for channel in ("fax", "text", "email", "clearinghouse")
            }
        )
    )
    route = router.route(name)
    assert route.channel == declared.channel
    assert (route.url is None) == (declared.channel == "file")


@pytest.mark.parametrize("name", TYPES)
def test_exposure_is_declared_on_its_inputs(name, exposures):
    exposure = exposures[f"{name}_emitter"]
    assert exposure["depends_on"] == [f"ref('{model}')" for model in ACTION_TYPES[name].inputs]
    assert exposure["label"] == ACTION_TYPES[name].human_name and exposure["owner"]["name"]


@pytest.mark.parametrize("name", TYPES)
def test_flag_and_packet_models_are_in_the_manifest_with_the_dollars_column(name, models):
    declared = ACTION_TYPES[name]
    for model in declared.inputs:
        assert model in models, f"{name}: {model} is not a dbt model"
        assert models[model]["original_file_path"].startswith("models/marts/actions/")
    if declared.dollars_field:
        assert declared.dollars_field in models[declared.flag_model]["raw_code"]


@pytest.mark.parametrize("name", TYPES)
def test_leak_area_is_in_the_seed(name):
    assert ACTION_TYPES[name].leak_area in leak_areas()


def test_committed_exposures_file_is_current():
    assert EXPOSURES_FILE.read_text(encoding="utf-8") == exposures_yaml(), (
        "dbt/models/marts/actions/_action_exposures.yml is stale: run python -m emitters.registry exposures"
    )


def test_every_emitter_asset_the_pipeline_tests_name_is_generated():
    """Renaming an emitter asset silently breaks the area end-to-end tests, which take minutes to run."""
    named = {
        match
        for path in (PROJECT_ROOT / "tests" / "pipeline").glob("*.py")
        for match in re.findall(r"\"([a-z_]+_drafts)\"", path.read_text(encoding="utf-8"))
    }
    assert named and named <= {declared.emitter_asset for declared in ACTION_TYPES.values()}
