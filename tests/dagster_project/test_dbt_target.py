"""Each run of the dbt asset writes its artifacts to the one dbt/target/last_run folder: dbt/target does
not grow by a folder per run (dagster-dbt's default), and dbt is started through the launcher."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets.dbt import build_dbt_assets
from dagster_project.dbt_project import DBT_DIR, RUN_TARGET_PATH, TETHERED_DBT, dbt_cli_resource, dbt_project
from dagster_project.dbt_tethered import LAUNCH_FILE
from dagster_project.resources import WarehouseResource


def test_two_runs_of_the_dbt_asset_reuse_one_target_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    dbt_models = build_dbt_assets()
    resource = dbt_cli_resource()
    assert resource.dbt_executable == str(TETHERED_DBT)
    # One tiny seed, so the test builds in seconds; the asset runs dbt exactly as the daily job does.
    [seed] = [key for key in dbt_models.keys if key.path[-1] == "leak_value_assumptions"]
    target = DBT_DIR / "target"
    before = set(target.iterdir()) if target.exists() else set()
    run_ids = []
    (RUN_TARGET_PATH / "run_results.json").unlink(missing_ok=True)
    for write_artifacts in (False, True):  # dbt's JSON artifacts: by default not written (RCM_DBT_WRITE_ARTIFACTS)
        monkeypatch.setenv("RCM_DBT_WRITE_ARTIFACTS", str(write_artifacts).lower())
        result = dg.materialize(
            [dbt_models], selection=[seed], resources={"dbt": resource, "warehouse": WarehouseResource()}
        )
        assert result.success
        run_ids.append(result.run_id)
        assert (RUN_TARGET_PATH / "partial_parse.msgpack").is_file()  # the next build still starts from it
        assert (RUN_TARGET_PATH / "run_results.json").is_file() is write_artifacts
    assert "leak_value_assumptions" in (RUN_TARGET_PATH / "run_results.json").read_text()
    assert set(target.iterdir()) - before <= {RUN_TARGET_PATH, DBT_DIR / LAUNCH_FILE}
    assert not [p for p in target.iterdir() if any(run_id[:7] in p.name for run_id in run_ids)]


def test_the_dbt_resource_starts_no_dbt_to_learn_its_version(monkeypatch):
    # `dbt --version` would start a dbt and ask PyPI for newer releases on every run.
    import dagster_dbt.core.resource as dagster_dbt_resource
    from dbt.version import __version__ as installed

    def refuse(*args, **kwargs):
        raise AssertionError(f"started {args[0]}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", refuse)
    assert str(dbt_cli_resource()._cli_version) == installed


def test_the_dbt_resource_builds_no_dbt_adapter_in_the_run_process(monkeypatch):
    # dagster-dbt would parse the profile, the project and every macro in the run process on each run, for
    # row counts and column metadata the pipeline never fetches.
    import dagster_dbt.core.resource as dagster_dbt_resource
    import dbt.adapters.factory

    registered = []
    started = {}

    def capture(**kwargs):
        started.update(kwargs)
        return "started"

    # dagster-dbt swallows any error of its adapter set-up, so record the call instead of raising in it.
    monkeypatch.setattr(dbt.adapters.factory, "register_adapter", lambda *args, **kwargs: registered.append(args))
    monkeypatch.setattr(dagster_dbt_resource.DbtCliInvocation, "run", capture)
    invocation = dbt_cli_resource().cli(["build"], manifest=dbt_project().manifest_path, target_path=RUN_TARGET_PATH)
    assert invocation == "started"
    assert started["args"][1:2] == ["build"] and started["adapter"] is None
    assert registered == []


def test_the_manifest_parse_leaves_the_next_build_nothing_to_parse(tmp_path, monkeypatch):
    # The parse Dagster's definitions run for a stale manifest uses the build's vars and target folder, so the
    # build that follows finds dbt's partial-parse file current instead of parsing the whole project again.
    import json

    from dbt.cli.main import dbtRunner

    from core.settings import get_settings
    from dagster_project.dbt_project import build_vars, parse_for_the_next_build

    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    (RUN_TARGET_PATH / "partial_parse.msgpack").unlink(missing_ok=True)
    project = dbt_project()
    parse_for_the_next_build(project)
    assert (
        json.loads(project.manifest_path.read_text())["nodes"]
        == json.loads((RUN_TARGET_PATH / "manifest.json").read_text())["nodes"]
    )
    events = []
    build_like = [
        "parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet",
        "--vars", json.dumps(build_vars(get_settings().warehouse_path)), "--target-path", str(RUN_TARGET_PATH),
    ]  # fmt: skip
    assert dbtRunner(callbacks=[lambda event: events.append(event.info.name)]).invoke(build_like).success
    assert "PartialParsingSkipParsing" in events
