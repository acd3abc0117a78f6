"""The one dbt project object Dagster uses."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtProject

from dagster_project.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    # `dagster dev` regenerates the manifest itself; a plain `dagster job execute` or a test run on a
    # fresh checkout has none yet, so parse once here (parse reads no data and opens no warehouse).
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet"]
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return project
