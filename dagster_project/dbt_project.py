"""The one dbt project object Dagster uses, and how the pipeline starts dbt."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dbt.version import __version__ as dbt_core_version
from packaging import version

from core.settings import (
    PROJECT_ROOT,
    dbt_vars,
    get_orchestration_settings,
    get_settings,
    get_warehouse_engine_settings,
)
from dagster_project.dbt_tethered import LAUNCH_FILE

DBT_DIR = PROJECT_ROOT / "dbt"
# Dagster starts this launcher as "dbt": it ties dbt's life to the run process (see the module).
TETHERED_DBT = Path(__file__).with_name("dbt_tethered.py")
# dagster-dbt would write target/<step>-<run>-<uuid>/ for every run; runs never overlap (the run queue),
# so every run writes its artifacts and dbt.log (rotated by dbt at 10 MB) to this one folder instead.
RUN_TARGET_PATH = DBT_DIR / "target" / "last_run"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    # A fresh checkout has no manifest, and one older than a model makes dagster-dbt fail on nodes it
    # does not know, so parse here when needed (parse reads no data, opens no warehouse); in-process, so
    # no dbt on PATH is needed. This also serves `dagster dev`: dagster-dbt's own prepare_if_dev() would
    # start whatever `dbt` is on PATH, which is none when the virtualenv is not activated.
    if _manifest_is_stale(project.manifest_path):
        parse_for_the_next_build(project)
    return project


def build_vars(warehouse_path: Path) -> dict:
    """The --vars of every dbt build the pipeline starts: the settings that are dbt vars, the warehouse path and
    DuckDB's memory limit and threads (connection settings profiles.yml reads; the path absolute, as dbt-duckdb
    resolves a relative one against its working directory). Every value is the same from one night to the next,
    so dbt's partial parse stays valid; the as-of date, which is not, reaches dbt through its environment."""
    return {
        **dbt_vars(),
        "warehouse_path": str(warehouse_path.resolve()),
        **get_warehouse_engine_settings().dbt_profile_vars(),
    }


def parse_for_the_next_build(project: DbtProject) -> None:
    # One parse serves Dagster and the next build: parsed with the build's vars into the build's target folder,
    # dbt's partial-parse file there is current, so the build does not parse the whole project again (about
    # 4.5 s of a first demo run); the manifest is then copied whole (os.replace) to where Dagster reads it.
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet",
         "--vars", json.dumps(build_vars(get_settings().warehouse_path)), "--target-path", str(RUN_TARGET_PATH)]
    )  # fmt: skip
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    copying = project.manifest_path.with_name("manifest.json.partial")
    shutil.copyfile(RUN_TARGET_PATH / "manifest.json", copying)
    os.replace(copying, project.manifest_path)


def _manifest_is_stale(manifest_path) -> bool:
    if not manifest_path.exists():
        return True
    built = manifest_path.stat().st_mtime
    sources = (
        p
        for pattern in ("*.sql", "*.yml", "*.yaml", "*.csv", "*.md")
        for p in DBT_DIR.rglob(pattern)
        if not {"target", "logs"} & set(p.relative_to(DBT_DIR).parts)
    )
    return any(p.stat().st_mtime > built for p in sources)


class PipelineDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs it pays on every run, both private methods of
    dagster-dbt (a test pins each, so an upgrade that renames them fails loudly):

    - `dbt --version`, started only to tell dbt-core from dbt Fusion; it also asks PyPI for newer releases of
      dbt and of each adapter (three requests, a second's timeout each on a machine without internet, and a
      dbt start-up). The pipeline runs dbt-core, the one installed with dagster-dbt (requirements.lock pins
      both), so its version is read here.
    - a dbt adapter built inside the run process (profile, project and every macro parsed: about 1.5 CPU s),
      which dagster-dbt uses only to fetch row counts or column metadata after a model builds. The pipeline
      asks for neither, so no adapter is built.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(dbt_core_version)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_cli_resource() -> DbtCliResource:
    return PipelineDbtCliResource(project_dir=dbt_project(), dbt_executable=str(TETHERED_DBT))


def tether_dbt_to_this_process(project_dir: Path, environment: Mapping[str, str] | None = None) -> None:
    """Tell the launcher which dbt to start, which process it belongs to and what to add to dbt's
    environment, in the launch file of the dbt project (see dbt_tethered.py). Call it in the process that
    starts dbt, right before; this process's environment stays as it is."""
    launch_file = project_dir / LAUNCH_FILE
    launch_file.parent.mkdir(parents=True, exist_ok=True)
    request = {
        "dbt_executable": get_orchestration_settings().dbt_executable,
        "parent_pid": os.getpid(),
        "environment": dict(environment or {}),
    }
    launch_file.write_text(json.dumps(request), encoding="utf-8")


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(
        description="Parse the dbt project (`make manifest`) when its manifest is older than the project: with the "
        "daily build's vars and target folder, then copied to where Dagster reads it."
    ).parse_args()
    dbt_project()
