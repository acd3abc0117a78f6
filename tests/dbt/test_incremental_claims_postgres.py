"""The incremental claim models take their incremental path on PostgreSQL too (temporary table of the claims to
rebuild, delete, delete+insert), and rebuild exactly the claims that changed."""

from __future__ import annotations

from datetime import date

import duckdb
import psycopg
import pytest

from dagster_project.ingest.loader import load_source
from dagster_project.warehouse import get_warehouse
from tests.dbt.conftest import invoke_dbt

AS_OF = "2026-11-26"
CLAIM_MODELS = ("int_claim_lines_submitted", "int_claim_lines_priced", "int_remit_lines_posted")
SOURCES = ("ehr", "credentialing", "payroll", "contracts", "clearinghouse")


def _contents(pg) -> dict[str, tuple]:
    """Per model, its row count and an order-independent digest of its rows."""
    return {
        model: pg.execute(
            f"select count(*), sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint) from intermediate.{model} t"
        ).fetchone()
        for model in CLAIM_MODELS
    }


def test_an_incremental_run_on_postgresql_rebuilds_the_claims_it_lost(postgres_cluster, tmp_path):
    from dagster_project.synthetic import GeneratorConfig, generate

    generate(
        GeneratorConfig(
            seed=11,
            anchor_date=date.fromisoformat(AS_OF),
            locations=2,
            months=3,
            future_weeks=2,
            out=tmp_path / "inbox",
            ground_truth=tmp_path / "truth.json",
        )
    )
    warehouse = tmp_path / "rcm.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for source in SOURCES:
            load_source(con, source, tmp_path / "inbox", tmp_path / "quarantine")
    postgres_cluster.create_database("incremental_claims")
    dsn = postgres_cluster.dsn("incremental_claims")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in postgres_cluster.warehouse_env("incremental_claims").items():
            mp.setenv(name, value)
        get_warehouse(warehouse).prepare_models()
        select = ("--select", "+int_remit_lines_posted")
        built = invoke_dbt("run", *select, warehouse=warehouse, work_dir=tmp_path / "first", as_of=AS_OF)
        assert built.success, built.exception
        with psycopg.connect(dsn, autocommit=True) as pg:
            before = _contents(pg)
            assert all(count > 100 for count, _ in before.values())
            # Stale rows where a claim was: its recorded payer no longer matches its coverage, its price and
            # its posted remit lines are gone.
            claim_id = pg.execute(
                "select min(claim_id) from intermediate.int_remit_lines_posted where claim_line_id is not null"
            ).fetchone()[0]
            pg.execute(
                "update intermediate.int_claim_lines_submitted set payer_id = 'STALE', payer_name = 'stale' "
                "where claim_id = %s",
                [claim_id],
            )
            for model in CLAIM_MODELS[1:]:
                pg.execute(f"delete from intermediate.{model} where claim_id = %s", [claim_id])
        again = invoke_dbt("run", "--select", *CLAIM_MODELS, warehouse=warehouse, work_dir=tmp_path / "next")
        assert again.success, again.exception
    compiled = tmp_path / "next" / "target" / "compiled" / "ot_revenue_leaks" / "models" / "intermediate" / "claims"
    for model in CLAIM_MODELS:
        assert "claims_to_rebuild__" + model in (compiled / f"{model}.sql").read_text()
    with psycopg.connect(dsn) as pg:
        assert _contents(pg) == before
