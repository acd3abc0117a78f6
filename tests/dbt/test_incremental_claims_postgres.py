"""The incremental claim models take their incremental path on PostgreSQL too (temporary table of the claims to
rebuild, delete, delete+insert), and a next day built so equals a full rebuild."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from dagster_project.warehouse import get_warehouse
from tests.dbt.conftest import GENERATED_AS_OF, invoke_dbt, load_generated_delivery

AS_OF = GENERATED_AS_OF
CLAIM_MODELS = {
    "int_claim_lines_submitted": "intermediate",
    "int_claim_lines_priced": "intermediate",
    "int_remit_lines_posted": "intermediate",
    "fct_remit_line_positions": "marts",  # incremental from int_remit_lines_posted's claim-change log
    "fct_claim_audit_failures": "marts",  # incremental by patient, from both claim models' logs and copies
}
SELECT = ("--select", "+fct_remit_line_positions", "+fct_claim_audit_failures")


def _contents(pg) -> dict[str, tuple]:
    """Per model, its row count and an order-independent digest of its rows."""
    return {
        model: pg.execute(
            f"select count(*), sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint) from {schema}.{model} t"
        ).fetchone()
        for model, schema in CLAIM_MODELS.items()
    }


def test_an_incremental_run_on_postgresql_equals_a_full_rebuild(postgres_cluster, tmp_path):
    warehouse = tmp_path / "rcm.duckdb"
    load_generated_delivery(tmp_path, warehouse)
    postgres_cluster.create_database("incremental_claims")
    dsn = postgres_cluster.dsn("incremental_claims")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in postgres_cluster.warehouse_env("incremental_claims").items():
            mp.setenv(name, value)
        get_warehouse(warehouse).prepare_models()
        first = ("build", "--exclude-resource-type", "test", "unit_test", *SELECT)
        built = invoke_dbt(*first, warehouse=warehouse, work_dir=tmp_path / "first", as_of=AS_OF)
        assert built.success, built.exception
        with psycopg.connect(dsn) as pg:
            before = _contents(pg)
        # every claim model holds rows; the audit holds one per failing line and rule (a few of every line)
        assert all(count > 100 for model, (count, _) in before.items() if model != "fct_claim_audit_failures")
        assert before["fct_claim_audit_failures"][0] > 0
        # The next day: one claimed visit's coverage re-delivered with another payer.
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                "insert into raw_ehr.coverages select c.* replace (o.payer_id as payer_id, o.payer_name as "
                "payer_name, o.payer_type as payer_type, c._loaded_at + interval 1 day as _loaded_at) "
                "from raw_ehr.coverages c, (select * from raw_ehr.coverages order by payer_id desc limit 1) o "
                "where c.coverage_id = (select min(v.coverage_id) from raw_ehr.visits v join "
                "raw_clearinghouse.remit_claims r using (claim_id) join raw_ehr.coverages c2 using (coverage_id) "
                "where c2.payer_id <> o.payer_id)"
            )
            # and one authorization on a claim now denied (the claim audit reads it by value)
            con.execute(
                "insert into raw_ehr.authorizations select * replace ('denied' as status, _loaded_at + interval 1 day "
                "as _loaded_at) from raw_ehr.authorizations where authorization_id = (select min(a.authorization_id) "
                "from raw_ehr.authorizations a join raw_ehr.visits v on v.patient_id = a.patient_id and "
                "v.authorization_number = a.authorization_number where v.claim_id is not null)"
            )
        get_warehouse(warehouse).prepare_models()
        models = SELECT
        again = invoke_dbt("run", *models, warehouse=warehouse, work_dir=tmp_path / "next")
        assert again.success, again.exception
        with psycopg.connect(dsn) as pg:
            incremental = _contents(pg)
        full = invoke_dbt("run", *models, "--full-refresh", warehouse=warehouse, work_dir=tmp_path / "full")
        assert full.success, full.exception
        with psycopg.connect(dsn) as pg:
            rebuilt = _contents(pg)
    compiled = tmp_path / "next" / "target" / "compiled" / "ot_revenue_leaks" / "models"
    for model, schema in CLAIM_MODELS.items():
        (path,) = (compiled / schema).rglob(f"{model}.sql")
        assert "claims_to_rebuild__" + model in path.read_text()
    assert incremental == rebuilt
    assert incremental["int_claim_lines_submitted"] != before["int_claim_lines_submitted"]
    assert incremental["fct_claim_audit_failures"] != before["fct_claim_audit_failures"]
