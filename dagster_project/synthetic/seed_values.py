"""Rule values the generator shares with the dbt project, read from the seed CSVs in dbt/seeds.

The seeds are the one source: a group that changes a payer's unit method, an eligibility window or a
credential cycle changes it there, and the generator plants its leaks against the same value the marts use.
Each reader is cached; a missing seed or column fails naming the file.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from core.settings import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "dbt" / "seeds"


class SeedError(ValueError):
    """A seed the generator reads is missing, lacks a column or holds a value it cannot use."""


@cache
def _rows(name: str, *columns: str) -> tuple[dict[str, str], ...]:
    path: Path = SEEDS_DIR / f"{name}.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SeedError(f"{path}: missing column(s) {', '.join(missing)}")
            return tuple(reader)
    except FileNotFoundError as exc:
        raise SeedError(f"{path}: seed not found") from exc


def _int(name: str, row_number: int, column: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise SeedError(
            f"{SEEDS_DIR / name}.csv line {row_number}: {column} must be a whole number, got {value!r}"
        ) from exc


def _true(value: str) -> bool:
    return value.strip().lower() == "true"


# -- payer_rules.csv -----------------------------------------------------------------------------------------


@cache
def _payer_rule(payer_id: str) -> tuple[int, dict[str, str]]:
    rows = _rows(
        "payer_rules",
        "payer_id",
        "payer_type",
        "reauth_lead_days",
        "unit_method",
        "discipline_modifier_required",
        "requires_authorization",
    )
    for number, row in enumerate(rows, start=2):
        if row["payer_id"] == payer_id:
            return number, row
    raise SeedError(f"{SEEDS_DIR / 'payer_rules.csv'}: no row for payer {payer_id}")


def payer_type(payer_id: str) -> str:
    return _payer_rule(payer_id)[1]["payer_type"]


def reauth_lead_days(payer_id: str) -> int:
    number, row = _payer_rule(payer_id)
    return _int("payer_rules", number, "reauth_lead_days", row["reauth_lead_days"])


def timely_filing_days(payer_id: str) -> int:
    """The payer's claim filing limit: its payer_rules row, else its payer type's payer_type_defaults row."""
    lookups = (("payer_rules", "payer_id", payer_id), ("payer_type_defaults", "payer_type", payer_type(payer_id)))
    for name, key, value in lookups:
        for number, row in enumerate(_rows(name, key, "timely_filing_days"), start=2):
            if row[key] == value and row["timely_filing_days"]:
                return _int(name, number, "timely_filing_days", row["timely_filing_days"])
    raise SeedError(f"{SEEDS_DIR / 'payer_type_defaults.csv'}: no timely_filing_days for payer {payer_id}")


def requires_authorization(payer_id: str) -> bool:
    return _true(_payer_rule(payer_id)[1]["requires_authorization"])


def requires_discipline_modifier(payer_id: str) -> bool:
    return _true(_payer_rule(payer_id)[1]["discipline_modifier_required"])


@cache
def per_code_payers() -> frozenset[str]:
    """Payers that count each timed code on its own (unit_method per_code) instead of the CMS total."""
    return frozenset(
        row["payer_id"] for row in _rows("payer_rules", "payer_id", "unit_method") if row["unit_method"] == "per_code"
    )


# -- claims seeds ----------------------------------------------------------------------------------------------


@cache
def telehealth_95_payer_types() -> frozenset[str]:
    """Payer types whose current telehealth policy (no end date) requires modifier 95."""
    rows = _rows("claim_telehealth_policies", "payer_type", "effective_to", "required_modifier")
    return frozenset(row["payer_type"] for row in rows if not row["effective_to"] and row["required_modifier"] == "95")


@cache
def secondary_filing_days(payer_type: str) -> int:
    """Days after the primary's payment a secondary claim to this payer type is due."""
    rows = _rows("claim_payer_type_policies", "payer_type", "secondary_filing_days")
    for number, row in enumerate(rows, start=2):
        if row["payer_type"] == payer_type:
            return _int("claim_payer_type_policies", number, "secondary_filing_days", row["secondary_filing_days"])
    raise SeedError(f"{SEEDS_DIR / 'claim_payer_type_policies.csv'}: no row for payer type {payer_type}")


@cache
def correction_rule(payer_id: str) -> dict[str, str]:
    """claim_payer_correction_rules.csv: the payer's own row, else its payer type's (how it takes a corrected
    claim, which distinct-service modifier it wants)."""
    rows = _rows(
        "claim_payer_correction_rules", "payer_type", "payer_id", "correction_method", "distinct_service_modifier"
    )
    own = [r for r in rows if r["payer_id"] == payer_id]
    by_type = [r for r in rows if not r["payer_id"] and r["payer_type"] == payer_type(payer_id)]
    for row in own or by_type:
        return row
    raise SeedError(f"{SEEDS_DIR / 'claim_payer_correction_rules.csv'}: no row for payer {payer_id} or its payer type")


@cache
def code_pair_modifier_indicator(column_1_code: str, column_2_code: str) -> str | None:
    """claim_code_pair_edits.csv: the pair's modifier indicator (1: a distinct-service modifier bypasses the
    edit), None when the seed holds no such pair."""
    rows = _rows("claim_code_pair_edits", "column_1_code", "column_2_code", "modifier_indicator")
    for row in rows:
        if (row["column_1_code"], row["column_2_code"]) == (column_1_code, column_2_code):
            return row["modifier_indicator"]
    return None


def _payment_policy(payer_id: str, *columns: str) -> tuple[int, dict[str, str]]:
    """claim_payment_policies.csv: (file line number, row) of the payer's own row, else its payer type's."""
    rows = _rows("claim_payment_policies", "payer_type", "payer_id", *columns)
    numbered = list(enumerate(rows, start=2))
    own = [(n, r) for n, r in numbered if r["payer_id"] == payer_id]
    by_type = [(n, r) for n, r in numbered if not r["payer_id"] and r["payer_type"] == payer_type(payer_id)]
    for number, row in own or by_type:
        return number, row
    raise SeedError(f"{SEEDS_DIR / 'claim_payment_policies.csv'}: no row for payer {payer_id} or its payer type")


@cache
def mppr_subsequent_unit_percent(payer_id: str) -> int | None:
    """claim_payment_policies.csv: the share of its rate a therapy unit after the day's first is paid at, for a
    payer that applies the multiple-procedure payment reduction (its own row first, then its type's); None
    when the payer applies none."""
    number, row = _payment_policy(payer_id, "applies_mppr", "mppr_subsequent_unit_percent")
    if not _true(row["applies_mppr"]):
        return None
    return _int("claim_payment_policies", number, "mppr_subsequent_unit_percent", row["mppr_subsequent_unit_percent"])


@cache
def fee_schedule_disputable(payer_id: str) -> bool:
    """claim_payment_policies.csv: whether a payment below the payer's fee schedule can be disputed (Medicare
    and Medicaid fee-for-service publish theirs: not an appealable amount)."""
    return _true(_payment_policy(payer_id, "fee_schedule_disputable")[1]["fee_schedule_disputable"])


# -- front_office seeds -------------------------------------------------------------------------------------------


@cache
def eligibility_window_hours() -> tuple[dict[str, int], dict[str, int]]:
    """(hours by payer type, hours by payer id where a payer overrides its type)."""
    by_type: dict[str, int] = {}
    by_payer: dict[str, int] = {}
    rows = _rows("front_office_eligibility_rules", "payer_type", "payer_id", "eligibility_window_hours")
    for number, row in enumerate(rows, start=2):
        hours = _int(
            "front_office_eligibility_rules", number, "eligibility_window_hours", row["eligibility_window_hours"]
        )
        if row["payer_id"]:
            by_payer[row["payer_id"]] = hours
        else:
            by_type[row["payer_type"]] = hours
    return by_type, by_payer


@cache
def note_signing_window_hours() -> tuple[int, dict[str, int]]:
    """(the default note-signing window in hours, hours by payer id where a payer overrides it)."""
    default: int | None = None
    by_payer: dict[str, int] = {}
    path = SEEDS_DIR / "front_office_note_signing_windows.csv"
    rows = _rows("front_office_note_signing_windows", "payer_id", "signing_window_hours")
    for number, row in enumerate(rows, start=2):
        hours = _int("front_office_note_signing_windows", number, "signing_window_hours", row["signing_window_hours"])
        if row["payer_id"]:
            by_payer[row["payer_id"]] = hours
        elif default is None:
            default = hours
        else:
            raise SeedError(f"{path} line {number}: a second default row (empty payer_id)")
    if default is None:
        raise SeedError(f"{path}: no default row (empty payer_id)")
    return default, by_payer


@cache
def day_of_visit_recheck_payer_types() -> frozenset[str]:
    rows = _rows("front_office_eligibility_rules", "payer_type", "payer_id", "requires_day_of_visit_check")
    return frozenset(
        row["payer_type"] for row in rows if not row["payer_id"] and _true(row["requires_day_of_visit_check"])
    )


@cache
def signature_chase_after_days() -> dict[str, int]:
    """Days after the evaluation a missing plan-of-care signature is chased, by payer type."""
    rows = _rows("front_office_plan_of_care_rules", "payer_type", "payer_id", "signature_chase_after_days")
    return {
        row["payer_type"]: _int(
            "front_office_plan_of_care_rules", number, "signature_chase_after_days", row["signature_chase_after_days"]
        )
        for number, row in enumerate(rows, start=2)
        if not row["payer_id"]
    }


# -- credentialing seeds ------------------------------------------------------------------------------------------


@cache
def credentialing_rules() -> dict[str, str]:
    """The default rule set: lookahead_days, supervision_lookback_days, payroll_tolerance_hours, ..."""
    for row in _rows(
        "credentialing_rules",
        "rule_set",
        "lookahead_days",
        "supervision_lookback_days",
        "payroll_tolerance_hours",
        "payroll_run_lag_days",
    ):
        if row["rule_set"] == "default":
            return row
    raise SeedError(f"{SEEDS_DIR / 'credentialing_rules.csv'}: no 'default' rule set")
