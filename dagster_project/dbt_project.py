"""The one dbt project object Dagster uses."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtProject

from core.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    # `dagster dev` regenerates the manifest itself; a plain `dagster job execute` or a test run has
    # none yet on a fresh checkout, or an old one after a model changed (dagster-dbt then fails on
    # nodes it does not know), so parse here when needed (parse reads no data, opens no warehouse).
    project.prepare_if_dev()
    if _manifest_is_stale(project.manifest_path):
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet"]
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return project


def _manifest_is_stale(manifest_path) -> bool:
    if not manifest_path.exists():
        return True
    built = manifest_path.stat().st_mtime
    sources = (p for pattern in ("*.sql", "*.yml", "*.yaml", "*.csv", "*.md")
               for p in DBT_DIR.rglob(pattern) if not {"target", "logs"} & set(p.relative_to(DBT_DIR).parts))
    return any(p.stat().st_mtime > built for p in sources)
