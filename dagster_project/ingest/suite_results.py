"""Each entity's Great Expectations result, kept with what it was computed from, so a suite runs again only
when its entity's current rows can have changed.

A suite reads every current row of its entity (codes unique where the business needs them, shares of plausible
values), so it costs as much on a quiet day as on the first. Its result depends only on the entity's raw rows
(append-only: their count and newest load time say whether any arrived), on which files were superseded, and on
the suites themselves (expectations.py and the Great Expectations version). When none of these changed since the stored
result, that result stands; Great Expectations, seconds to import, is not even loaded when no entity changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path

from dagster_project.contracts import Contract
from dagster_project.ingest.quarantine import now_utc
from dagster_project.ingest.raw_schema import raw_table

RESULTS_DDL = """
create schema if not exists ingest;
create table if not exists ingest.suite_results (
    entity varchar primary key,
    computed_from varchar not null,
    rows_checked bigint not null,
    failed_errors varchar not null,    -- JSON list of expectation names with counts, never values
    failed_warnings varchar not null,
    validated_at timestamp not null
);
"""


@dataclass
class SuiteResult:
    entity: str
    rows_checked: int
    failed_errors: list[str] = field(default_factory=list)
    failed_warnings: list[str] = field(default_factory=list)
    validated_this_run: bool = True

    @property
    def passed(self) -> bool:
        return not self.failed_errors


@cache
def _suites_version() -> str:
    suites = Path(__file__).with_name("expectations.py").read_bytes()
    return hashlib.sha256(suites + version("great_expectations").encode()).hexdigest()[:16]


def _computed_from(con, contract: type[Contract]) -> str:
    rows, newest = con.execute(f"select count(*), max(_loaded_at) from {raw_table(contract)}").fetchone()
    (superseded,) = con.execute("select count(*) from ingest.file_supersessions").fetchone()
    return f"rows={rows};newest={newest};superseded={superseded};suites={_suites_version()}"


def current_suite_result(con, contract: type[Contract]) -> SuiteResult:
    """The suite's result on ``contract``'s current rows: the stored one while they are unchanged, else run now
    and stored."""
    con.execute(RESULTS_DDL)
    entity = contract.__entity__
    computed_from = _computed_from(con, contract)
    stored = con.execute(
        "select rows_checked, failed_errors, failed_warnings from ingest.suite_results "
        "where entity = ? and computed_from = ?",
        [entity, computed_from],
    ).fetchone()
    if stored:
        rows, errors, warnings = stored
        return SuiteResult(entity, rows, json.loads(errors), json.loads(warnings), validated_this_run=False)

    from dagster_project.ingest.expectations import validate_entity  # Great Expectations: seconds to import

    result = validate_entity(con, contract)
    con.execute("delete from ingest.suite_results where entity = ?", [entity])
    con.execute(
        "insert into ingest.suite_results values (?, ?, ?, ?, ?, ?)",
        [
            entity,
            computed_from,
            result.rows_checked,
            json.dumps(result.failed_errors),
            json.dumps(result.failed_warnings),
            now_utc(),
        ],
    )
    return result
