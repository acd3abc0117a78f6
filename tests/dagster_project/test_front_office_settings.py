"""The front-office settings: Python and dbt read the same variables with the same defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import FRONT_OFFICE_DEFAULTS, get_front_office_settings

ROOT = Path(__file__).resolve().parents[2]


def test_dbt_macro_defaults_match_the_python_defaults():
    macro = (ROOT / "dbt/macros/env_int_setting.sql").read_text()
    dbt_defaults = {name: int(value) for name, value in re.findall(r"'(RCM_[A-Z_]+)': (\d+)", macro)}
    for name, value in FRONT_OFFICE_DEFAULTS.items():
        assert dbt_defaults[name] == value, name


def test_env_example_lists_every_front_office_setting():
    example = (ROOT / ".env.example").read_text()
    for name, value in FRONT_OFFICE_DEFAULTS.items():
        assert f"{name}={value}" in example


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("RCM_NOTE_SIGNING_WINDOW_HOURS", "24")
    monkeypatch.delenv("RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS", raising=False)
    settings = get_front_office_settings()
    assert settings.note_signing_window_hours == 24
    assert settings.referral_first_response_business_days == 1
    monkeypatch.setenv("RCM_ELIGIBILITY_LOOKAHEAD_HOURS", "-3")
    with pytest.raises(ValueError):
        get_front_office_settings()
