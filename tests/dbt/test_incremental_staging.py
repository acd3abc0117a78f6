"""A new day on a built warehouse, built incrementally, gives the same rows as a full rebuild.

The staging models over append-only raw tables (visits, appointments, charge lines, claims, remits,
acknowledgements, timesheets) are incremental: a run re-ranks only the keys delivered or superseded since
the last build. The claim models (int_claim_lines_submitted, int_claim_lines_priced) are incremental by
claim, and so is int_remit_lines_posted by the claim its remits answer: a run recomputes only the claims whose
inputs changed; the claim audit (fct_claim_audit_failures) recomputes every claim of the patients they touch; the
acknowledgement events and fct_claim_acknowledgements recompute the claims whose 999s, 277CAs or 837Ps changed.
This builds a small generated data set with part of every such table held back, then delivers "the next day":
the held-back rows (among them every remit of a claim built on day one: a late remit), later versions of rows
already loaded (visits; a coverage now with another payer; a provider with another credential; a fee-schedule
rate), and corrections that supersede whole files (an appointments file; a claims file, whose claims must
vanish). The incremental run must leave every staging, intermediate and mart relation with exactly the rows a
--full-refresh build of the same raw data has.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from core.settings import dbt_vars
from dagster_project.assets.build_fingerprint import build_fingerprint, needs_full_refresh, record_fingerprint
from tests.dbt.conftest import GENERATED_AS_OF, load_generated_delivery

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt"
AS_OF = GENERATED_AS_OF
# raw table -> its incremental staging model
INCREMENTAL = {
    "raw_ehr.visits": "stg_ehr__visits",
    "raw_ehr.appointments": "stg_ehr__appointments",
    "raw_ehr.charge_lines": "stg_ehr__charge_lines",
    "raw_clearinghouse.claim_headers": "stg_clearinghouse__claim_headers",
    "raw_clearinghouse.claim_lines": "stg_clearinghouse__claim_lines",
    "raw_clearinghouse.remit_claims": "stg_clearinghouse__remit_claims",
    "raw_clearinghouse.remit_lines": "stg_clearinghouse__remit_lines",
    "raw_clearinghouse.remit_adjustments": "stg_clearinghouse__remit_adjustments",
    "raw_clearinghouse.claim_acks": "stg_clearinghouse__claim_acks",
    "raw_clearinghouse.claim_ack_statuses": "stg_clearinghouse__claim_ack_statuses",
    "raw_payroll.timesheets": "stg_payroll__timesheets",
}
NEXT_DAY_SHA = "d" * 64
EXTRA_SHA = "e" * 64  # a day-one appointments file the next day's correction supersedes
CORRECTION_SHA = "c" * 64
EXTRA_CLAIMS_SHA = "f" * 64  # a day-one claims file the next day's correction supersedes
CLAIMS_CORRECTION_SHA = "b" * 64


def _dbt(run_dir: Path, warehouse: Path, *args: str, project_dir: Path = DBT_DIR) -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("RCM_DUCKDB_PATH", str(warehouse))
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--exclude-resource-type",
                "test",
                "unit_test",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(DBT_DIR),
                "--target-path",
                str(run_dir / "target"),
                "--log-path",
                str(run_dir / "logs"),
                "--vars",
                f'{{"as_of_date": "{AS_OF}"}}',
                *args,
            ]
        )
    finally:
        mp.undo()
    assert result.success, result.exception


def _hold_back_a_day(con) -> str:
    """Take a quarter of every incremental raw table out; the next day delivers it (and more).

    Day one also gets a second appointments file: 10 appointments of its own and a later version of 10
    others, and a second claims file with 5 claims of its own, which the next day's corrections supersede.
    Returns the claim whose every remit is held back."""
    con.execute(
        "insert into raw_ehr.appointments select * replace ('appointments_extra.csv' as _file_name, "
        "? as _file_sha256, _loaded_at + interval 1 hour as _loaded_at, "
        "case when row_number() over (order by appointment_id) <= 10 then appointment_id || '-EXTRA' "
        "else appointment_id end as appointment_id, 'cancelled' as status) "
        "from raw_ehr.appointments order by appointment_id limit 20",
        [EXTRA_SHA],
    )
    # Five claims of their own in a second claims file (new claim ids, the lines of five real claims).
    extra = "select claim_id from raw_clearinghouse.claim_headers order by claim_id limit 5"
    for raw in ("raw_clearinghouse.claim_headers", "raw_clearinghouse.claim_lines"):
        ids = "claim_record_id || '-EXTRA' as claim_record_id, claim_id || '-EXTRA' as claim_id"
        if raw.endswith("claim_lines"):
            ids += ", claim_line_id || '-EXTRA' as claim_line_id"
        con.execute(
            f"insert into {raw} select * replace ({ids}, 'claims_extra.837' as _file_name, ? as _file_sha256, "
            f"_loaded_at + interval 1 hour as _loaded_at) from {raw} where claim_id in ({extra})",
            [EXTRA_CLAIMS_SHA],
        )
    con.execute("create schema held")
    for raw in INCREMENTAL:
        held = "held." + raw.replace(".", "__")
        con.execute(f"create table {held} as select * from {raw} where hash(_file_name, _line_number) % 4 = 0")
        con.execute(f"delete from {raw} where hash(_file_name, _line_number) % 4 = 0")
    # Every remit of one claim built on day one arrives the next day.
    late = con.execute(
        "select min(claim_id) from raw_clearinghouse.remit_claims where claim_id in (select h.claim_id from "
        "raw_clearinghouse.claim_headers h join raw_clearinghouse.claim_lines l using (claim_record_id) "
        "where coalesce(h.payer_sequence, 'P') = 'P')"
    ).fetchone()[0]
    remit_claims = "select remit_claim_id from raw_clearinghouse.remit_claims where claim_id = ?"
    for raw in ("remit_adjustments", "remit_lines", "remit_claims"):
        where = f"remit_claim_id in ({remit_claims})"
        con.execute(
            f"insert into held.raw_clearinghouse__{raw} select * from raw_clearinghouse.{raw} where {where}",
            [late],
        )
        con.execute(f"delete from raw_clearinghouse.{raw} where {where}", [late])
    return late


def _deliver_next_day(con) -> dict[str, str]:
    """Held-back rows, a later version of some loaded rows, and corrections superseding two files.

    Returns the coverage now with another payer and the provider now with another credential."""
    later = con.execute("select max(_loaded_at) + interval 1 day from raw_ehr.visits").fetchone()[0]
    for raw in INCREMENTAL:
        held = "held." + raw.replace(".", "__")
        con.execute(f"insert into {raw} select * replace (? as _loaded_at) from {held}", [later])
    # Later versions of 20 visits already built (now without an authorization number): the newest wins.
    con.execute(
        "insert into raw_ehr.visits select * replace ('visits_next_day.csv' as _file_name, ? as _file_sha256, "
        "? as _loaded_at, cast(null as varchar) as authorization_number) from raw_ehr.visits where _loaded_at < ? "
        "order by visit_id limit 20",
        [NEXT_DAY_SHA, later, later],
    )
    # A correction supersedes day one's extra appointments file: its own keys vanish, the others fall back.
    con.execute(
        "insert into ingest.file_supersessions values (?, 'appointments_extra.csv', ?, "
        "'appointments_extra_corrected.csv', 'ehr', 'appointments', ?)",
        [EXTRA_SHA, CORRECTION_SHA, later],
    )
    con.execute(
        "insert into ingest.file_supersessions values (?, 'claims_extra.837', ?, 'claims_extra.correction.837', "
        "'clearinghouse', null, ?)",
        [EXTRA_CLAIMS_SHA, CLAIMS_CORRECTION_SHA, later],
    )
    # Coverages and providers are re-delivered whole: one coverage of a claimed visit now names another payer,
    # one provider of a claimed visit now holds the other credential.
    claimed_visits = (
        "select * from raw_ehr.visits where claim_id in (select claim_id from raw_clearinghouse.claim_headers) "
        "order by visit_id limit 1"
    )
    coverage_id, provider_id = con.execute(f"select coverage_id, provider_id from ({claimed_visits})").fetchone()
    day_one_payer = con.execute(
        "select payer_id from raw_ehr.coverages where coverage_id = ? order by _loaded_at desc limit 1", [coverage_id]
    ).fetchone()[0]
    con.execute(
        "insert into raw_ehr.coverages select c.* replace (o.payer_id as payer_id, o.payer_name as payer_name, "
        "o.payer_type as payer_type, ? as _loaded_at) from raw_ehr.coverages c, "
        "(select * from raw_ehr.coverages where payer_id <> (select payer_id from raw_ehr.coverages "
        "where coverage_id = ?) order by coverage_id limit 1) o where c.coverage_id = ?",
        [later, coverage_id, coverage_id],
    )
    con.execute(
        "insert into raw_ehr.providers select * replace (case credential_type when 'OTR' then 'COTA' else 'OTR' end "
        "as credential_type, ? as _loaded_at) from raw_ehr.providers where provider_id = ?",
        [later, provider_id],
    )
    # The fee schedule is re-delivered whole, one rate changed.
    con.execute(
        "insert into raw_contracts.fee_schedules select * replace (case when row_number() over "
        "(order by payer_id, cpt_code, modifier, effective_date) = 1 then allowed_amount + 1 else allowed_amount "
        "end as allowed_amount, 'fee_schedules_next_day.csv' as _file_name, ? as _loaded_at) "
        "from raw_contracts.fee_schedules",
        [later],
    )
    return {"coverage_id": coverage_id, "day_one_payer_id": day_one_payer, "provider_id": provider_id}


def _relations(con) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts') order by 1, 2"
        ).fetchall()
    ]


@pytest.fixture(scope="module")
def next_day_builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    incremental = tmp / "incremental.duckdb"
    load_generated_delivery(tmp, incremental)
    with duckdb.connect(str(incremental)) as con:
        late_remit_claim = _hold_back_a_day(con)
    _dbt(tmp / "day_one", incremental)
    with duckdb.connect(str(incremental)) as con:
        day_one = {
            "built_from_extra": con.execute(
                "select count(*) from staging.stg_ehr__appointments where source_file_sha256 = ?", [EXTRA_SHA]
            ).fetchone()[0],
            "extra_claim_lines": con.execute(
                "select count(*) from intermediate.int_claim_lines_submitted where claim_id like '%-EXTRA'"
            ).fetchone()[0],
            "late_remit_claim": late_remit_claim,
            "late_remit_claim_remitted": con.execute(
                "select bool_or(is_remitted) from intermediate.int_claim_lines_submitted where claim_id = ?",
                [late_remit_claim],
            ).fetchone()[0],
            "fee_schedule_rates": con.execute(
                "select count(*), sum(expected_allowed_amount) from intermediate.int_claim_lines_priced"
            ).fetchone(),
        }
        day_one |= _deliver_next_day(con)
        con.execute("drop schema held cascade")
        con.execute("checkpoint")  # the full rebuild starts from a copy of this file
    full = tmp / "full.duckdb"
    shutil.copyfile(incremental, full)
    _dbt(tmp / "next_day", incremental)
    _dbt(tmp / "full_refresh", full, "--full-refresh")
    return incremental, full, day_one, tmp


def _fingerprints(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per relation, its row count and the sum of its rows' hashes: equal multisets of rows, equal pairs."""
    with duckdb.connect(str(warehouse)) as con:
        return {
            relation: con.execute(f"select count(*), sum(hash(r)::hugeint) from {relation} as r").fetchone()
            for relation in _relations(con)
        }


def test_incremental_run_after_a_new_day_equals_a_full_rebuild(next_day_builds):
    incremental, full, _, _ = next_day_builds
    built_incrementally, rebuilt = _fingerprints(incremental), _fingerprints(full)
    assert len(rebuilt) > 100
    assert sum(count for count, _ in rebuilt.values()) > 10_000
    assert sorted(built_incrementally) == sorted(rebuilt)
    assert {r: v for r, v in built_incrementally.items() if rebuilt[r] != v} == {}


def test_the_next_day_was_built_incrementally_and_its_changes_arrived(next_day_builds):
    incremental, _, day_one, tmp = next_day_builds
    built_from_extra = day_one["built_from_extra"]
    # dbt's delete+insert runs only on an existing table, in incremental mode: the next day took that path.
    compiled = tmp / "next_day" / "target" / "run" / "ot_revenue_leaks" / "models" / "staging" / "ehr"
    assert "delete from" in (compiled / "stg_ehr__visits.sql").read_text()
    with duckdb.connect(str(incremental), read_only=True) as con:
        latest_visits = con.execute(
            "select count(*) from staging.stg_ehr__visits "
            "where source_file_sha256 = ? and authorization_number is null",
            [NEXT_DAY_SHA],
        ).fetchone()[0]
        from_superseded, extra_keys = con.execute(
            "select count(*) filter (where source_file_sha256 = ?), count(*) filter (where appointment_id like "
            "'%-EXTRA') from staging.stg_ehr__appointments",
            [EXTRA_SHA],
        ).fetchone()
        held_back_arrived = con.execute(
            "select count(*) from staging.stg_ehr__visits where loaded_at = "
            "(select max(_loaded_at) from raw_ehr.visits)"
        ).fetchone()[0]
    assert latest_visits == 20
    assert built_from_extra > 0  # day one built the extra file's rows ...
    assert (from_superseded, extra_keys) == (0, 0)  # ... and the correction took them all out again
    assert held_back_arrived > 20


def test_the_claim_models_took_the_next_days_changes(next_day_builds):
    incremental, _, day_one, tmp = next_day_builds
    # The next day took the incremental path: only the claims to rebuild were selected, then delete+insert.
    target = tmp / "next_day" / "target"
    for folder, model in (
        ("intermediate/claims", "int_claim_lines_submitted"),
        ("intermediate/claims", "int_claim_lines_priced"),
        ("intermediate/claims", "int_remit_lines_posted"),
        ("marts/claims", "fct_claim_audit_failures"),
        ("marts/acknowledgements", "fct_claim_acknowledgements"),
        ("marts/claims", "fct_underpayments"),
    ):
        path = Path("ot_revenue_leaks", "models", folder, f"{model}.sql")
        assert "claims_to_rebuild__" + model in (target / "compiled" / path).read_text()
        assert "delete from" in (target / "run" / path).read_text()
    with duckdb.connect(str(incremental), read_only=True) as con:

        def one(sql: str, *params):
            return con.execute(sql, list(params)).fetchone()

        late_remitted = one(
            "select bool_and(is_remitted) from intermediate.int_claim_lines_submitted where claim_id = ?",
            day_one["late_remit_claim"],
        )[0]
        extra_lines = one("select count(*) from intermediate.int_claim_lines_submitted where claim_id like '%-EXTRA'")
        extra_priced = one("select count(*) from intermediate.int_claim_lines_priced where claim_id like '%-EXTRA'")
        payers = one(
            "select count(distinct s.payer_id), min(s.payer_id = c.payer_id), min(s.payer_id) from "
            "intermediate.int_claim_lines_submitted s join staging.stg_ehr__coverages c using (coverage_id) "
            "where s.coverage_id = ?",
            day_one["coverage_id"],
        )
        credentials = one(
            "select min(s.provider_credential_type = p.credential_type) from "
            "intermediate.int_claim_lines_submitted s join staging.stg_ehr__providers p using (provider_id) "
            "where s.provider_id = ?",
            day_one["provider_id"],
        )
        rates = one("select count(*), sum(expected_allowed_amount) from intermediate.int_claim_lines_priced")
    assert day_one["late_remit_claim_remitted"] is False and late_remitted is True
    assert day_one["extra_claim_lines"] > 0 and (extra_lines, extra_priced) == ((0,), (0,))
    assert payers[:2] == (1, True) and payers[2] != day_one["day_one_payer_id"]
    assert credentials == (True,)
    assert rates != day_one["fee_schedule_rates"]


def test_a_seed_edit_rebuilds_everything_through_the_build_fingerprint(next_day_builds, tmp_path):
    """The claim models cannot see a changed rule: after a seed edit, an incremental build would keep yesterday's
    prices; the orchestrator's fingerprint rule asks for a full rebuild instead."""
    incremental, _, _, _ = next_day_builds
    project = tmp_path / "dbt"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    seed = project / "seeds" / "claim_payment_policies.csv"
    # Medicaid managed care now applies the multiple-procedure reduction, each further unit at 50%.
    seed.write_text(seed.read_text().replace("medicaid_mco,,false,100,", "medicaid_mco,,true,50,"), encoding="utf-8")
    stale, rebuilt = tmp_path / "stale.duckdb", tmp_path / "rebuilt.duckdb"
    for warehouse in (stale, rebuilt):
        shutil.copyfile(incremental, warehouse)
        record_fingerprint(warehouse, build_fingerprint(DBT_DIR, dbt_vars(), "duckdb"))  # the last build's rules
    assert needs_full_refresh(rebuilt, build_fingerprint(project, dbt_vars(), "duckdb"))
    _dbt(tmp_path / "stale_run", stale, project_dir=project)
    _dbt(tmp_path / "full_run", rebuilt, "--full-refresh", project_dir=project)
    priced = "select count(*), sum(expected_allowed_amount) from intermediate.int_claim_lines_priced"
    totals = {}
    for name, warehouse in (("before", incremental), ("stale", stale), ("rebuilt", rebuilt)):
        with duckdb.connect(str(warehouse)) as con:
            totals[name] = con.execute(priced).fetchone()
    assert totals["stale"] == totals["before"]  # incremental alone: no claim's data changed, nothing repriced
    assert totals["rebuilt"][0] == totals["before"][0] and totals["rebuilt"][1] < totals["before"][1]


def _pay_a_cent_more(warehouse: Path, claim_rank: int) -> str:
    """A later delivery of one remitted claim's 835 lines, each paid a cent more; returns the claim."""
    with duckdb.connect(str(warehouse)) as con:
        claim = con.execute(
            "select claim_id from (select distinct c.claim_id from raw_clearinghouse.remit_claims c join "
            "raw_clearinghouse.remit_lines l using (remit_claim_id) where c.claim_id is not null) "
            "order by claim_id limit 1 offset ?",
            [claim_rank],
        ).fetchone()[0]
        con.execute(
            "insert into raw_clearinghouse.remit_lines select l.* replace (l.paid_amount + 0.01 as paid_amount, "
            "l._loaded_at + interval 2 day as _loaded_at) from raw_clearinghouse.remit_lines l "
            "join raw_clearinghouse.remit_claims c using (remit_claim_id) where c.claim_id = ?",
            [claim],
        )
    return claim


def _claim_change_log(warehouse: Path) -> tuple[list[tuple], int]:
    """int_remit_lines_posted's claim-change log (build number, claims, claims left unnamed) and the build
    number fct_remit_line_positions read last."""
    with duckdb.connect(str(warehouse)) as con:
        log = con.execute(
            "select build_number, count(claim_id), count(*) - count(claim_id) from "
            "incremental_state.int_remit_lines_posted__claim_changes group by 1 order by 1"
        ).fetchall()
        (read,) = con.execute(
            "select build_number from incremental_state."
            "int_remit_lines_posted__claim_changes__read_by_fct_remit_line_positions"
        ).fetchone()
    return log, read


def _positions(warehouse: Path) -> tuple[int, int]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute("select count(*), sum(hash(r)::hugeint) from marts.fct_remit_line_positions as r").fetchone()


def test_a_claim_model_catches_up_on_the_upstream_builds_it_missed(next_day_builds, tmp_path):
    """fct_remit_line_positions is incremental by claim from int_remit_lines_posted's claim-change log. Built after
    two upstream builds it did not see, it takes both builds' claims; after an upstream full rebuild it takes every
    claim; each time it equals a full rebuild of itself and remembers the newest build it read."""
    incremental, _, _, _ = next_day_builds
    behind = tmp_path / "behind.duckdb"
    shutil.copyfile(incremental, behind)
    before = _positions(behind)
    log, read = _claim_change_log(behind)
    assert read == log[-1][0]  # the next day's build read the log to its end

    def positions_now_and_rebuilt(step: str) -> tuple[tuple, tuple]:
        _dbt(tmp_path / step, behind, "--select", "fct_remit_line_positions")
        rebuilt = tmp_path / f"{step}_full.duckdb"
        with duckdb.connect(str(behind)) as con:
            con.execute("checkpoint")  # the copy must have what dbt left in the write-ahead log
        shutil.copyfile(behind, rebuilt)
        _dbt(tmp_path / f"{step}_full", rebuilt, "--select", "fct_remit_line_positions", "--full-refresh")
        return _positions(behind), _positions(rebuilt)

    # Two incremental upstream builds, each with one claim paid a cent more, before the reader runs.
    first, second = _pay_a_cent_more(behind, 0), _pay_a_cent_more(behind, 1)
    _dbt(tmp_path / "upstream_1", behind, "--select", "+int_remit_lines_posted")
    _pay_a_cent_more(behind, 1)
    _dbt(tmp_path / "upstream_2", behind, "--select", "+int_remit_lines_posted")
    missed, _ = _claim_change_log(behind)
    assert [(number - read, claims, unnamed) for number, claims, unnamed in missed[-2:]] == [(1, 2, 0), (2, 1, 0)]
    caught_up, rebuilt = positions_now_and_rebuilt("reader")
    assert caught_up == rebuilt and caught_up != before
    compiled = tmp_path / "reader" / "target" / "compiled" / "ot_revenue_leaks" / "models" / "marts" / "claims"
    assert "claims_to_rebuild__fct_remit_line_positions" in (compiled / "fct_remit_line_positions.sql").read_text()
    assert _claim_change_log(behind)[1] == missed[-1][0]
    assert {first, second} <= _claims_logged(behind, after=read)

    # An upstream full rebuild: one row for every claim, numbered after the last; the reader takes every claim.
    _pay_a_cent_more(behind, 2)
    _dbt(tmp_path / "upstream_full", behind, "--select", "+int_remit_lines_posted", "--full-refresh")
    restarted, _ = _claim_change_log(behind)
    assert restarted == [(missed[-1][0] + 1, 0, 1)]
    after_full, rebuilt = positions_now_and_rebuilt("reader_after_full")
    assert after_full == rebuilt and after_full != caught_up
    assert _claim_change_log(behind)[1] == restarted[0][0]


def _claims_logged(warehouse: Path, after: int) -> set[str]:
    with duckdb.connect(str(warehouse)) as con:
        return {
            claim
            for (claim,) in con.execute(
                "select claim_id from incremental_state.int_remit_lines_posted__claim_changes where build_number > ?",
                [after],
            ).fetchall()
        }


def _change_what_the_claim_audit_reads(con, later) -> dict[str, str]:
    """The claim audit's by-value inputs, re-delivered with one change each: an authorization a clean claim line
    carries is now denied, and a rendering NPI of clean lines is no longer enrolled with any payer.

    Returns the two claim lines that must now fail (authorization_not_active, rendering_not_enrolled)."""
    clean = (
        "select s.claim_line_id, s.patient_id, s.authorization_number, s.rendering_npi from "
        "intermediate.int_claim_lines_submitted s where not exists (select 1 from marts.fct_claim_audit_failures f "
        "where f.claim_line_id = s.claim_line_id and f.rule_name in "
        "('authorization_not_active', 'rendering_npi_invalid', 'rendering_not_enrolled'))"
    )
    auth_line, patient_id, authorization_number = con.execute(
        f"select clean.claim_line_id, clean.patient_id, clean.authorization_number from ({clean}) as clean "
        "join intermediate.int_claim_lines_submitted s using (claim_line_id) where s.requires_authorization and "
        "not s.is_evaluation order by clean.claim_line_id limit 1"
    ).fetchone()
    con.execute(
        "insert into raw_ehr.authorizations select * replace ('denied' as status, ? as _loaded_at) "
        "from raw_ehr.authorizations where patient_id = ? and authorization_number = ?",
        [later, patient_id, authorization_number],
    )
    # an NPI that never rendered for that patient, so each change alone must bring its own patients
    npi_line, npi = con.execute(
        f"select claim_line_id, rendering_npi from ({clean}) as clean where rendering_npi not in (select "
        "rendering_npi from intermediate.int_claim_lines_submitted where patient_id = ? and rendering_npi is not "
        "null) order by claim_line_id limit 1",
        [patient_id],
    ).fetchone()
    con.execute(
        "insert into raw_credentialing.payer_enrollments select e.* replace ('pending' as status, "
        "? as _loaded_at) from raw_credentialing.payer_enrollments e join staging.stg_ehr__providers p "
        "using (provider_id) where p.npi = ?",
        [later, npi],
    )
    return {"unauthorized_line": auth_line, "unenrolled_line": npi_line}


def _audit(warehouse: Path) -> tuple[tuple[int, int], dict[str, set[str]]]:
    """The claim audit's fingerprint (row count, hash sum) and each claim line's failed rules."""
    with duckdb.connect(str(warehouse)) as con:
        fingerprint = con.execute(
            "select count(*), sum(hash(r)::hugeint) from marts.fct_claim_audit_failures as r"
        ).fetchone()
        rules: dict[str, set[str]] = {}
        for line, rule in con.execute("select claim_line_id, rule_name from marts.fct_claim_audit_failures").fetchall():
            rules.setdefault(line, set()).add(rule)
    return fingerprint, rules


def _a_day_built_both_ways(
    incremental: Path, tmp_path: Path, name: str, change, select: str
) -> tuple[Path, Path, dict]:
    """A copy of the next day's warehouse, `change(con, later)` applied to its raw rows (returning what it changed),
    then `select` built incrementally on it and with --full-refresh on a copy: (incremental, full, changed)."""
    day, full = tmp_path / f"{name}.duckdb", tmp_path / f"{name}_full.duckdb"
    shutil.copyfile(incremental, day)
    with duckdb.connect(str(day)) as con:
        later = con.execute("select max(_loaded_at) + interval 2 day from raw_ehr.visits").fetchone()[0]
        changed = change(con, later)
        con.execute("checkpoint")
    shutil.copyfile(day, full)
    _dbt(tmp_path / name, day, "--select", select)
    _dbt(tmp_path / f"{name}_full", full, "--select", select, "--full-refresh")
    return day, full, changed


def test_the_claim_audit_rebuilds_the_patients_whose_authorizations_or_enrollments_changed(next_day_builds, tmp_path):
    """The claim audit is incremental by patient. A day whose only news is a denied authorization and a lapsed
    enrollment (no claim changed) rebuilds just the patients they touch, and gives what a full rebuild gives."""
    incremental, _, _, _ = next_day_builds
    before, _ = _audit(incremental)
    audited, full, changed = _a_day_built_both_ways(
        incremental, tmp_path, "audit_day", _change_what_the_claim_audit_reads, "+fct_claim_audit_failures"
    )
    (after, rules), (rebuilt, _) = _audit(audited), _audit(full)
    assert after == rebuilt and after != before
    assert "authorization_not_active" in rules[changed["unauthorized_line"]]
    assert "rendering_not_enrolled" in rules[changed["unenrolled_line"]]
    with duckdb.connect(str(audited), read_only=True) as con:
        logged, patients, every_claim = con.execute(
            "select count(distinct claim_id), count(distinct patient_id), (select count(distinct claim_id) from "
            "intermediate.int_claim_lines_submitted) from incremental_state.fct_claim_audit_failures__claim_changes "
            "join intermediate.int_claim_lines_submitted using (claim_id) where build_number = "
            "(select max(build_number) from incremental_state.fct_claim_audit_failures__claim_changes)"
        ).fetchone()
    # the denied authorization's patient and the patients seen by the lapsed NPI: some claims, far from all
    assert 0 < logged < every_claim / 2 and patients >= 2


def _acknowledgements(warehouse: Path) -> tuple[tuple[int, int], dict[str, object]]:
    """fct_claim_acknowledgements' fingerprint (row count, hash sum) and each claim's latest 999 date."""
    with duckdb.connect(str(warehouse)) as con:
        fingerprint = con.execute(
            "select count(*), sum(hash(r)::hugeint) from marts.fct_claim_acknowledgements as r"
        ).fetchone()
        latest_999 = dict(
            con.execute("select claim_id, latest_999_date from marts.fct_claim_acknowledgements").fetchall()
        )
    return fingerprint, latest_999


def _supersede_the_999_answering_most_claims(con, later) -> dict:
    """A correction supersedes the 999 file answering the most claims. Returns its claims."""
    sha, answered = con.execute(
        "select acks.source_file_sha256, count(distinct events.claim_id) "
        "from staging.stg_clearinghouse__implementation_acks as acks "
        "join intermediate.int_claim_acknowledgement_events as events "
        "on events.acknowledgement_id = acks.implementation_ack_id and events.acknowledgement_source = '999' "
        "group by 1 order by 2 desc, 1 limit 1"
    ).fetchone()
    answered_claims = {
        claim
        for (claim,) in con.execute(
            "select distinct events.claim_id from intermediate.int_claim_acknowledgement_events as events "
            "join staging.stg_clearinghouse__implementation_acks as acks "
            "on events.acknowledgement_id = acks.implementation_ack_id and events.acknowledgement_source = '999' "
            "where acks.source_file_sha256 = ?",
            [sha],
        ).fetchall()
    }
    con.execute(
        "insert into ingest.file_supersessions values (?, '999_original.x12', ?, '999_corrected.x12', "
        "'clearinghouse', null, ?)",
        [sha, "9" * 64, later],
    )
    return {"answered": answered, "answered_claims": answered_claims}


def test_claim_acknowledgements_rebuild_the_claims_a_superseded_999_answered(next_day_builds, tmp_path):
    """fct_claim_acknowledgements is incremental by claim. A day whose only news is a correction superseding a 999
    file (no claim delivered) takes that 999 off the claims it answered, the way a full rebuild does, and rebuilds
    only those claims."""
    incremental, _, _, _ = next_day_builds
    before, latest_before = _acknowledgements(incremental)
    acked, full, changed = _a_day_built_both_ways(
        incremental, tmp_path, "acks_day", _supersede_the_999_answering_most_claims, "+fct_claim_acknowledgements"
    )
    answered, answered_claims = changed["answered"], changed["answered_claims"]
    (after, latest_after), (rebuilt, _) = _acknowledgements(acked), _acknowledgements(full)
    assert after == rebuilt and after != before
    assert answered > 0 and len(answered_claims) == answered
    # every claim whose 999 date moved was one the superseded file answered
    moved = {claim for claim, date in latest_after.items() if latest_before.get(claim) != date}
    assert moved and moved <= answered_claims
    with duckdb.connect(str(acked), read_only=True) as con:
        logged, every_claim = con.execute(
            "select count(distinct claim_id), (select count(*) from marts.fct_claim_acknowledgements) "
            "from incremental_state.fct_claim_acknowledgements__claim_changes where build_number = "
            "(select max(build_number) from incremental_state.fct_claim_acknowledgements__claim_changes)"
        ).fetchone()
    # the claims the 999 answered (and any other claim of a transaction with its control numbers), far from all
    assert len(answered_claims) <= logged < every_claim / 2


def _events(warehouse: Path) -> tuple[tuple[int, int], tuple[int, int]]:
    """Fingerprints (row count, hash sum) of the acknowledgement events and of fct_claim_acknowledgements."""
    with duckdb.connect(str(warehouse)) as con:
        return tuple(
            con.execute(f"select count(*), sum(hash(r)::hugeint) from {relation} as r").fetchone()
            for relation in ("intermediate.int_claim_acknowledgement_events", "marts.fct_claim_acknowledgements")
        )


def _deliver_a_late_transaction_with_the_numbers_of_one_a_999_answered(con, later) -> dict:
    """A late 837P: a copy of a transaction a 999 answered (same control numbers and date, new ids), its claims
    renamed "<claim>-LATE". Returns the 999 and the claims it answered."""
    ack_id, transaction_id = con.execute(
        "select events.acknowledgement_id, headers.claim_transaction_id "
        "from intermediate.int_claim_acknowledgement_events as events "
        "join staging.stg_clearinghouse__claim_headers as headers using (claim_record_id) "
        "where events.acknowledgement_source = '999' order by 1, 2 limit 1"
    ).fetchone()
    first_claims = {
        claim
        for (claim,) in con.execute(
            "select claim_id from intermediate.int_claim_acknowledgement_events where acknowledgement_id = ?",
            [ack_id],
        ).fetchall()
    }
    late_file = ("claims_late.837", "a" * 64)
    con.execute(
        "insert into raw_clearinghouse.claim_transactions select * replace (claim_transaction_id || '-LATE' as "
        "claim_transaction_id, ? as _file_name, ? as _file_sha256, ? as _loaded_at) "
        "from raw_clearinghouse.claim_transactions where claim_transaction_id = ?",
        [*late_file, later, transaction_id],
    )
    con.execute(
        "insert into raw_clearinghouse.claim_headers select * replace (claim_record_id || '-LATE' as "
        "claim_record_id, claim_id || '-LATE' as claim_id, claim_transaction_id || '-LATE' as "
        "claim_transaction_id, ? as _file_name, ? as _file_sha256, ? as _loaded_at) "
        "from raw_clearinghouse.claim_headers where claim_transaction_id = ?",
        [*late_file, later, transaction_id],
    )
    return {"ack_id": ack_id, "first_claims": first_claims}


def test_a_999_moves_to_a_later_delivered_transaction_with_its_control_numbers(next_day_builds, tmp_path):
    """A 999 answers the latest 837P transaction with its control numbers created on or before it. When an 837P
    arrives late carrying a transaction with the same numbers and date as one a 999 already answered, the 999 now
    answers the late one: its claims gain the 999, and the first transaction's claims, which no delivery of that
    day touched, lose it. The incremental build moves it as a full rebuild does."""
    incremental, _, _, _ = next_day_builds
    before = _events(incremental)
    moved, full, changed = _a_day_built_both_ways(
        incremental,
        tmp_path,
        "late_837",
        _deliver_a_late_transaction_with_the_numbers_of_one_a_999_answered,
        "+fct_claim_acknowledgements",
    )
    ack_id, first_claims = changed["ack_id"], changed["first_claims"]
    after = _events(moved)
    assert after == _events(full) and after != before
    with duckdb.connect(str(moved), read_only=True) as con:
        now_answered = {
            claim
            for (claim,) in con.execute(
                "select claim_id from intermediate.int_claim_acknowledgement_events where acknowledgement_id = ?",
                [ack_id],
            ).fetchall()
        }
        rebuilt = con.execute(
            "select count(distinct claim_id) from incremental_state.int_claim_acknowledgement_events__claim_changes "
            "where build_number = (select max(build_number) from "
            "incremental_state.int_claim_acknowledgement_events__claim_changes)"
        ).fetchone()[0]
        every_claim = con.execute(
            "select count(distinct claim_id) from intermediate.int_claim_acknowledgement_events"
        ).fetchone()[0]
    assert first_claims and now_answered == {claim + "-LATE" for claim in first_claims}
    assert rebuilt < every_claim / 2
    # A night with nothing new rebuilds no claim: what counts as new is what loaded after the newest row the last
    # build read (here the late 837P, loaded after every acknowledgement), not after the newest acknowledgement.
    log = "incremental_state.int_claim_acknowledgement_events__claim_changes"
    with duckdb.connect(str(moved)) as con:
        logged_before = con.execute(f"select count(*) from {log}").fetchone()[0]
    _dbt(tmp_path / "quiet_night", moved, "--select", "int_claim_acknowledgement_events")
    with duckdb.connect(str(moved)) as con:
        assert con.execute(f"select count(*) from {log}").fetchone()[0] == logged_before
