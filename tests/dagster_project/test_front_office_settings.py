"""The front-office settings: read from the environment, listed in .env.example (dbt gets them as vars:
tests/dbt/test_dbt_vars.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import FRONT_OFFICE_DEFAULTS, get_front_office_settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_front_office_setting():
    example = (ROOT / ".env.example").read_text()
    for name, value in FRONT_OFFICE_DEFAULTS.items():
        assert f"{name}={value}" in example


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("RCM_NOTE_AUDIT_LOOKBACK_DAYS", "21")
    monkeypatch.delenv("RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS", raising=False)
    settings = get_front_office_settings()
    assert settings.note_audit_lookback_days == 21
    assert settings.referral_first_response_business_days == 1
    monkeypatch.setenv("RCM_ELIGIBILITY_LOOKAHEAD_HOURS", "-3")
    with pytest.raises(ValueError, match="RCM_ELIGIBILITY_LOOKAHEAD_HOURS must be zero or more"):
        get_front_office_settings()
