"""Every dbt var is declared once, with its default, in dbt_project.yml; settings reach dbt as vars, except the
as-of date, which reaches dbt in its environment so that a new day does not invalidate dbt's partial parsing."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.settings import FRONT_OFFICE_DEFAULTS, dbt_environment, dbt_vars, get_settings

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
SQL_AND_YAML = [
    path
    for folder in ("models", "macros", "data-tests", "seeds")
    for path in sorted((DBT_DIR / folder).rglob("*"))
    if path.suffix in (".sql", ".yml", ".md")
]
VAR_CALL = re.compile(r"\bvar\(\s*(['\"])(\w+)\1\s*(,)?")
ENV_VAR_CALL = re.compile(r"\benv_var\(")
ENV_INT_SETTING = re.compile(r"env_int_setting\(\s*'(RCM_\w+)'\s*\)")


def _declared_vars() -> dict:
    return yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())["vars"]


def _uses(pattern: re.Pattern) -> list[tuple[str, int, re.Match]]:
    found = []
    for path in SQL_AND_YAML:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found.extend((f"{path.relative_to(DBT_DIR)}:{number}", number, m) for m in pattern.finditer(line))
    return found


def test_the_scan_sees_the_project_vars():
    names = {m.group(2) for _, _, m in _uses(VAR_CALL)}
    assert {"as_of_date", "scheduling_lookback_days", "leak_summary_months"} <= names


def test_every_var_used_is_declared_in_dbt_project_yml():
    declared = _declared_vars()
    undeclared = [(where, m.group(2)) for where, _, m in _uses(VAR_CALL) if m.group(2) not in declared]
    undeclared += [
        (where, m.group(1)) for where, _, m in _uses(ENV_INT_SETTING) if m.group(1)[4:].lower() not in declared
    ]
    assert undeclared == []


def test_no_model_or_macro_repeats_a_default():
    with_default = [where for where, _, m in _uses(VAR_CALL) if m.group(3)]
    assert with_default == [], "pass no default to var(): declare it in dbt_project.yml"
    # Rules read no environment variable: settings arrive as vars (profiles.yml is the other env_var user).
    # The one exception is the as-of date, read by its macro while a node runs (never while dbt parses).
    assert [where.split(":")[0] for where, _, _ in _uses(ENV_VAR_CALL)] == ["macros/as_of_date.sql"]


def test_settings_passed_to_dbt_are_declared_with_the_same_defaults(monkeypatch):
    for name in [
        "RCM_AS_OF_DATE",
        "RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS",
        *FRONT_OFFICE_DEFAULTS,
        "RCM_SCHEDULING_ATTENDANCE_MIN_RATE",
        "RCM_SCHEDULING_ATTENDANCE_WINDOW_DAYS",
        "RCM_SCHEDULING_ATTENDANCE_MIN_VISITS",
    ]:
        monkeypatch.delenv(name, raising=False)
    declared = _declared_vars()
    passed = dbt_vars()
    assert set(passed) <= set(declared)
    assert passed == {name: declared[name] for name in passed}
    assert dbt_environment() == {"RCM_AS_OF_DATE": get_settings().as_of_date.isoformat()}


def test_a_setting_in_the_environment_reaches_dbt(monkeypatch):
    monkeypatch.setenv("RCM_NOTE_AUDIT_LOOKBACK_DAYS", "21")
    monkeypatch.setenv("RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS", "80")
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")
    passed = dbt_vars()
    assert (passed["note_audit_lookback_days"], passed["claims_timely_filing_lead_days"]) == (21, 80)
    assert "as_of_date" not in passed  # a new day must not change dbt's vars (see test_as_of_date_channel)
    assert dbt_environment() == {"RCM_AS_OF_DATE": "2026-03-02"}
