"""The incremental claim models take their incremental path on PostgreSQL too (temporary table of the claims to
rebuild, delete, delete+insert), and rebuild exactly the claims that changed."""

from __future__ import annotations

import psycopg
import pytest

from tests.dbt.conftest import invoke_dbt

CLAIM_MODELS = ("int_claim_lines_submitted", "int_claim_lines_priced")


def _contents(pg) -> dict[str, tuple]:
    """Per model, its row count and an order-independent digest of its rows."""
    return {
        model: pg.execute(
            f"select count(*), sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint) from intermediate.{model} t"
        ).fetchone()
        for model in CLAIM_MODELS
    }


def test_an_incremental_run_on_postgresql_rebuilds_the_claims_it_lost(dbt_build_postgres, postgres_cluster, tmp_path):
    _, dsn, build_dir = dbt_build_postgres
    with psycopg.connect(dsn, autocommit=True) as pg:
        built = _contents(pg)
        assert all(count > 0 for count, _ in built.values())
        # A stale row where a claim was: the claim's recorded payer no longer matches its coverage.
        claim_id = pg.execute("select min(claim_id) from intermediate.int_claim_lines_submitted").fetchone()[0]
        pg.execute(
            "update intermediate.int_claim_lines_submitted set payer_id = 'STALE', payer_name = 'stale' "
            "where claim_id = %s",
            [claim_id],
        )
        pg.execute("delete from intermediate.int_claim_lines_priced where claim_id = %s", [claim_id])
    with pytest.MonkeyPatch.context() as mp:
        for name, value in postgres_cluster.warehouse_env("dbt_build").items():
            mp.setenv(name, value)
        result = invoke_dbt("run", "--select", *CLAIM_MODELS, warehouse=build_dir / "rcm.duckdb", work_dir=tmp_path)
    assert result.success, result.exception
    compiled = tmp_path / "target" / "compiled" / "ot_revenue_leaks" / "models" / "intermediate" / "claims"
    assert "claims_to_rebuild__int_claim_lines_submitted" in (compiled / "int_claim_lines_submitted.sql").read_text()
    with psycopg.connect(dsn) as pg:
        assert _contents(pg) == built
