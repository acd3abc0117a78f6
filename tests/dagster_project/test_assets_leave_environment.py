"""No asset changes the process environment: settings reach dbt and the resources as arguments (dbt
--vars, the launch file, dg.EnvVar), so a run leaves os.environ exactly as it found it."""

from __future__ import annotations

import os

import dagster as dg
import duckdb
import pytest

from dagster_project.assets.dbt import build_dbt_assets
from dagster_project.assets.emitters import build_emitter_assets
from dagster_project.assets.ingest import ingest_assets
from dagster_project.assets.serving import build_serving_assets
from dagster_project.dbt_project import dbt_cli_resource
from dagster_project.resources import WarehouseResource, pipeline_resources
from emitters.registry import ACTION_TYPES


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    """The pipeline's assets and resources over a data dir of its own, configured only by RCM_* variables."""
    warehouse = tmp_path / "warehouse" / "rcm.duckdb"
    (tmp_path / "inbox").mkdir()  # empty: a quiet day, not a missing folder
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("RCM_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")
    # the embedded warehouse, whatever a session-wide pipeline fixture of another test module pointed dbt at
    monkeypatch.setenv("RCM_WAREHOUSE", "duckdb")
    return {**pipeline_resources(), "dbt": dbt_cli_resource()}, warehouse


def _materialise(assets: list[dg.AssetsDefinition], resources: dict, **kwargs) -> None:
    environment = dict(os.environ)
    result = dg.materialize(assets, resources=resources, **kwargs)
    assert result.success
    assert dict(os.environ) == environment, f"{[a.node_def.name for a in assets]} changed os.environ"


def test_the_resources_read_their_settings_through_env_vars(pipeline):
    resources, warehouse = pipeline
    assert isinstance(resources["warehouse"].path, dg.EnvVar)
    assert resources["warehouse"].path.env_var_name == "RCM_DUCKDB_PATH"
    assert resources["ledger"].url.env_var_name == "RCM_LEDGER_URL"
    assert WarehouseResource(path="").resolved_path == warehouse  # unset field: the settings value


def test_materialising_the_assets_leaves_os_environ_unchanged(pipeline):
    resources, warehouse = pipeline
    for assets_def in ingest_assets():  # an empty inbox: each source loads nothing and checks its tables
        _materialise([assets_def], resources)

    # dbt through the launcher, exactly as the daily job starts it: one tiny seed keeps it to seconds.
    dbt_models = build_dbt_assets()
    seed = next(key for key in dbt_models.keys if key.path[-1] == "leak_value_assumptions")
    _materialise([dbt_models], resources, selection=[seed])
    with duckdb.connect(str(warehouse), read_only=True) as con:  # dbt wrote where the settings point
        assert con.execute("select count(*) from reference.leak_value_assumptions").fetchone()[0] > 0

    with duckdb.connect(str(warehouse)) as con:  # every flag mart, empty: each emitter runs and drafts nothing
        con.execute("create schema if not exists marts")
        for model in sorted({model for declared in ACTION_TYPES.values() for model in declared.inputs}):
            con.execute(f"create table marts.{model} (flag_id varchar)")
    emitters = build_emitter_assets(dbt_models)
    for emitter in emitters:
        _materialise([emitter], resources)
    serving_snapshot, outbox_dispatch = build_serving_assets([dbt_models, *emitters])
    _materialise([serving_snapshot], resources)
    _materialise([outbox_dispatch], resources)
