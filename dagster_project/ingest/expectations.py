"""Great Expectations suites for the tabular extracts, run on each entity's current rows.

pydantic already checks every cell on the way in; these suites check what one row cannot see:
codes unique where the business needs them (one claim per visit, one NPI per provider), ranges between
columns, and plausibility (share of rows in range) that warns rather than blocks. Results become Dagster
asset checks.
Only counts and expectation names leave this module, never values (they can be identifiers).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime
from functools import lru_cache


def _defer_scipy_stats() -> None:
    """Let ``scipy.stats`` load on its first use instead of with Great Expectations. GX imports it for the one
    expectation it needs it for (KL divergence), which no suite here uses, and it was about 0.85 s of GX's
    2.3 s import in every run. The standard library's lazy loader: the module is executed, whole, the first
    time anything reads from it, so an expectation that does need it still works."""
    if "scipy.stats" in sys.modules:
        return
    spec = importlib.util.find_spec("scipy.stats")
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scipy.stats"] = module
    spec.loader.exec_module(module)
    sys.modules["scipy"].stats = module


_defer_scipy_stats()

import great_expectations as gx  # noqa: E402 - after scipy.stats is deferred
import great_expectations.execution_engine.pandas_execution_engine as gx_pandas_engine  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from dagster_project.contracts import Contract  # noqa: E402
from dagster_project.ingest.raw_schema import raw_table  # noqa: E402
from dagster_project.ingest.suite_results import SuiteResult  # noqa: E402

E = gx.expectations

# Beyond keys: what a billing coordinator would call "this extract is wrong", per entity.
# Each entry: (expectation class, its arguments, severity) where severity "error" blocks trust, "warn" asks a look.
_EXTRA: dict[str, list[tuple[type, dict, str]]] = {
    "locations": [
        (E.ExpectTableRowCountToBeBetween, {"min_value": 1}, "error"),
        (E.ExpectColumnValuesToBeUnique, {"column": "facility_npi"}, "warn"),
    ],
    "providers": [(E.ExpectColumnValuesToBeUnique, {"column": "npi"}, "error")],
    "patients": [
        (
            E.ExpectColumnValuesToBeBetween,
            {"column": "date_of_birth", "min_value": datetime(1995, 1, 1), "mostly": 0.99},
            "warn",
        )
    ],
    "coverages": [
        (E.ExpectCompoundColumnsToBeUnique, {"column_list": ["patient_id", "priority", "effective_date"]}, "warn")
    ],
    "appointments": [
        (
            E.ExpectColumnValuesToBeBetween,
            {"column": "duration_minutes", "min_value": 15, "max_value": 120, "mostly": 0.98},
            "warn",
        ),
        (
            E.ExpectColumnPairValuesAToBeGreaterThanB,
            {"column_A": "scheduled_start_at", "column_B": "booked_at", "or_equal": True, "mostly": 0.99},
            "warn",
        ),
    ],
    "visits": [
        (E.ExpectColumnValuesToBeUnique, {"column": "claim_id"}, "error"),
        (E.ExpectColumnValuesToBeUnique, {"column": "appointment_id"}, "error"),
    ],
    "charge_lines": [
        (E.ExpectColumnValuesToBeBetween, {"column": "units", "min_value": 0, "max_value": 8, "mostly": 0.99}, "warn")
    ],
    "authorizations": [
        (E.ExpectCompoundColumnsToBeUnique, {"column_list": ["payer_id", "authorization_number"]}, "error"),
        (
            E.ExpectColumnPairValuesAToBeGreaterThanB,
            {"column_A": "end_date", "column_B": "start_date", "or_equal": True},
            "error",
        ),
    ],
    "plans_of_care": [
        (
            E.ExpectColumnPairValuesAToBeGreaterThanB,
            {"column_A": "end_date", "column_B": "start_date", "or_equal": True},
            "error",
        )
    ],
    "credentials": [
        (
            E.ExpectColumnPairValuesAToBeGreaterThanB,
            {"column_A": "expiration_date", "column_B": "issued_date", "or_equal": True},
            "error",
        )
    ],
    "fee_schedules": [
        (E.ExpectColumnValuesToBeBetween, {"column": "allowed_amount", "min_value": 0, "max_value": 2000}, "warn")
    ],
    "timesheets": [
        (
            E.ExpectColumnPairValuesAToBeGreaterThanB,
            {"column_A": "pay_period_end", "column_B": "work_date", "or_equal": True},
            "error",
        )
    ],
}


def _key_expectations(contract: type[Contract]) -> list[tuple[type, dict, str]]:
    # No uniqueness of the key itself: the current rows are the latest delivered row per key (current_rows_sql),
    # so it could never fail, and it was the dearest expectation on the big entities (a second of a 50-clinic night).
    # A key column that may be empty (fee_schedules.modifier) is not required to be filled.
    required = [c for c in contract.__primary_key__ if contract.model_fields[c].is_required()]
    return [(E.ExpectColumnValuesToNotBeNull, {"column": c}, "error") for c in required]


@lru_cache(maxsize=1)
def _context():
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    # Great Expectations fingerprints every pandas batch (a hash of every cell, then md5) into batch metadata
    # this project never reads: about 45% of a suite's CPU on 50 clinics' visits. It skips that for frames at or
    # above HASH_THRESHOLD bytes, its one switch for it (tests/ingest/test_expectations.py pins it).
    gx_pandas_engine.HASH_THRESHOLD = 0
    return ctx


def _describe(cfg) -> str:
    kwargs = cfg.kwargs
    pair = [kwargs[k] for k in ("column_A", "column_B") if kwargs.get(k)]
    columns = kwargs.get("column") or kwargs.get("column_list") or pair or "table"
    return f"{cfg.type}({columns})"


def _columns_used(expectations) -> list[str]:
    used = []
    for _, kwargs, _ in expectations:
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                used.append(kwargs[key])
        used.extend(kwargs.get("column_list", []))
    return list(dict.fromkeys(used))


def current_rows_sql(contract: type[Contract], columns: list[str] | None = None) -> str:
    """The latest delivered row per key, superseded files left out: the rule staging applies (only ``columns``
    when given)."""
    key = ", ".join(contract.__primary_key__)
    cols = ", ".join(f'"{c}"' for c in (columns or contract.model_fields))
    return (
        f"select {cols} from {raw_table(contract)} "
        "where _file_sha256 not in (select superseded_sha256 from ingest.file_supersessions) "
        f"qualify row_number() over ("
        f"partition by {key} order by _loaded_at desc, _file_name desc, _line_number desc) = 1"
    )


def validate_entity(con, contract: type[Contract]) -> SuiteResult:
    entity = contract.__entity__
    expectations = [*_key_expectations(contract), *_EXTRA.get(entity, [])]
    # Only the columns the suite reads: converting a whole wide table to pandas was most of its cost.
    frame = con.execute(current_rows_sql(contract, _columns_used(expectations))).df()
    result = SuiteResult(entity, len(frame))
    if frame.empty and entity != "locations":
        return result  # nothing delivered yet is not a data-quality failure
    ctx = _context()
    name = f"{contract.__source__}__{entity}"
    try:
        batch_definition = ctx.data_sources.get(name).get_asset(entity).get_batch_definition("current")
    except (KeyError, ValueError):
        batch_definition = (
            ctx.data_sources.add_pandas(name)
            .add_dataframe_asset(entity)
            .add_batch_definition_whole_dataframe("current")
        )
    severity = {}
    suite = gx.ExpectationSuite(name=f"{name}__{len(frame)}")
    for expectation_class, kwargs, level in expectations:
        added = suite.add_expectation(expectation_class(**kwargs))
        severity[_describe(added.configuration)] = level
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(suite)
    for item in outcome.results:
        if item.success:
            continue
        described = _describe(item.expectation_config)
        count = item.result.get("unexpected_count")
        if count is not None:
            text = f"{described}: {count} unexpected"
        else:  # the expectation itself raised (wrong type, missing column): say so rather than hide it
            raised = (item.exception_info or {}).get("exception_message") or "could not be evaluated"
            text = f"{described}: could not be evaluated ({str(raised)[:200]})"
        (result.failed_errors if severity.get(described) == "error" else result.failed_warnings).append(text)
    return result
