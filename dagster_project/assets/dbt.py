"""All dbt models, seeds and tests as one Dagster multi-asset; dbt tests become asset checks."""

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from pydantic import Field

from core.settings import dbt_environment, dbt_vars, get_orchestration_settings, get_warehouse_settings
from dagster_project.assets.build_fingerprint import (
    build_fingerprint,
    forget_fingerprint,
    needs_full_refresh,
    record_fingerprint,
)
from dagster_project.dbt_project import RUN_TARGET_PATH, build_vars, dbt_project, tether_dbt_to_this_process
from dagster_project.resources import WarehouseResource
from dagster_project.warehouse import get_warehouse

# The Dagster group of the dbt seeds (reference data: code lists, payer rules, thresholds).
SEED_GROUP = "reference"


class LayerTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folder (staging, intermediate, marts/<area>); never a hard-coded path."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "seed":
            return SEED_GROUP
        if len(fqn) >= 3 and fqn[1] == "marts":
            return f"marts_{fqn[2]}"
        return fqn[1] if len(fqn) >= 2 else "dbt"


class DbtBuildConfig(dg.Config):
    """Run options a person can set in the launchpad."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental models from every delivered row. The build does this by itself when a "
            "seed, macro, model or dbt var changed since the last successful build; set it to force one."
        ),
    )


def dbt_build_args(warehouse_path: Path, *, full_refresh: bool = False, load_seeds: bool = True) -> list[str]:
    # Unit tests check rule logic on fixtures, not the day's data: CI runs them (tests/dbt), and the
    # daily build skips them (dagster-dbt maps them inconsistently to asset checks, dagster #34080).
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(build_vars(warehouse_path))]
    orchestration = get_orchestration_settings()
    args += ["--log-level-file", orchestration.dbt_file_log_level]
    if not orchestration.dbt_write_artifacts:
        args.append("--no-write-json")
    if not load_seeds and not full_refresh:
        # The seeds are in the build fingerprint: a night whose fingerprint is unchanged has them as the last full
        # build loaded and tested them. Leaving them out leaves out every data test that reads one (dbt's eager
        # indirect selection), the three on marts included; those marts' values change only with their SQL.
        args += ["--exclude", "resource_type:seed"]
    return [*args, "--full-refresh"] if full_refresh else args


def full_rebuild_reason(
    *, asked: bool, rules_changed: bool, missing_seed_tables: Callable[[], list[str]]
) -> str | None:
    """Why this build must rebuild everything, in words for the run's log; None: build incrementally."""
    if asked:
        return "asked for in the run's config"
    if rules_changed:
        return "seeds, macros, models or dbt vars changed since the last successful build (or none is recorded)"
    # The record says the last build ran these rules, but the warehouse may no longer hold what it built (deleted
    # or replaced while the record beside it stayed): the nightly build would leave the missing seeds out.
    if missing := missing_seed_tables():
        return f"the warehouse lacks {len(missing)} of the seed tables the last build loaded (deleted or replaced?)"
    return None


def seed_tables(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, table) of every seed, as the manifest the build runs with names them."""
    nodes = json.loads(Path(manifest_path).read_text())["nodes"].values()
    return sorted((node["schema"], node["alias"]) for node in nodes if node["resource_type"] == "seed")


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=LayerTranslator())
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
    ):
        # A server warehouse gets this run's raw tables first (ingest always lands in the DuckDB file).
        target = get_warehouse(warehouse.resolved_path)
        copied = target.prepare_models()
        if copied:
            context.log.info(f"raw tables copied to the warehouse: {len(copied)} tables, {sum(copied.values())} rows")
        # A killed run must not leave dbt holding the warehouse lock; dbt gets this run's as-of date.
        tether_dbt_to_this_process(Path(dbt.project_dir), environment=dbt_environment())
        # The incremental models see changed data, not changed rules: new rules rebuild everything.
        fingerprint = build_fingerprint(Path(dbt.project_dir), dbt_vars(), get_warehouse_settings().kind)
        reason = full_rebuild_reason(
            asked=config.full_refresh,
            rules_changed=needs_full_refresh(warehouse.resolved_path, fingerprint),
            missing_seed_tables=lambda: target.missing_tables(seed_tables(project.manifest_path)),
        )
        full_refresh = reason is not None
        if full_refresh:
            context.log.info(f"full rebuild: {reason}")
            forget_fingerprint(warehouse.resolved_path)
        # A person who picks assets to build (a subset) gets the seeds they picked; the nightly build loads them
        # only with a full rebuild (the fingerprint holds them). Seeds left alone are not reported materialized.
        load_seeds = full_refresh or context.is_subset
        args = dbt_build_args(warehouse.resolved_path, full_refresh=full_refresh, load_seeds=load_seeds)
        if not load_seeds:
            context.log.info("seeds unchanged since the last full build: not reloaded")
        yield from dbt.cli(args, context=context, target_path=RUN_TARGET_PATH).stream()
        if not context.is_subset:  # a build of some models leaves the others on the rules they were built with
            record_fingerprint(warehouse.resolved_path, fingerprint)

    return dbt_models
