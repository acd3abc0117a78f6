"""Every setting, read from the environment when asked for (never at import time).

`.env.example` lists the same variables with their defaults; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox_dir: Path
    quarantine_dir: Path
    outbox_dir: Path
    warehouse_path: Path
    serving_pointer: Path
    ledger_url: str
    as_of_date: date
    session_timeout_minutes: int
    demo_password: str
    validate_x12_with_pyx12: bool
    # Scheduling (issue 4): offer window, attendance policy, no-show / late-cancel fee policy.
    scheduling_offer_window_minutes: int = 30
    scheduling_attendance_min_rate: float = 0.85
    scheduling_attendance_window_days: int = 60
    scheduling_attendance_min_visits: int = 4
    scheduling_no_show_fee_policy: str = "off"
    scheduling_no_show_fee_amount: str = "25.00"

    @property
    def snapshots_dir(self) -> Path:
        return self.serving_pointer.parent / "snapshots"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else PROJECT_ROOT / path


def get_settings() -> Settings:
    data_dir = _path("RCM_DATA_DIR", PROJECT_ROOT / "data")
    as_of = os.environ.get("RCM_AS_OF_DATE")
    ledger_default = f"sqlite:///{data_dir / 'ledger' / 'ledger.sqlite'}"
    return Settings(
        data_dir=data_dir,
        inbox_dir=_path("RCM_INBOX_DIR", data_dir / "inbox"),
        quarantine_dir=_path("RCM_QUARANTINE_DIR", data_dir / "quarantine"),
        outbox_dir=_path("RCM_OUTBOX_DIR", data_dir / "outbox"),
        warehouse_path=_path("RCM_DUCKDB_PATH", data_dir / "warehouse" / "rcm.duckdb"),
        serving_pointer=_path("RCM_SERVING_POINTER", data_dir / "warehouse" / "serving.json"),
        ledger_url=os.environ.get("RCM_LEDGER_URL") or ledger_default,
        as_of_date=date.fromisoformat(as_of) if as_of else date.today(),
        session_timeout_minutes=int(os.environ.get("RCM_SESSION_TIMEOUT_MINUTES", "30")),
        demo_password=os.environ.get("RCM_DEMO_PASSWORD", "demo-ot-2026"),
        validate_x12_with_pyx12=os.environ.get("RCM_X12_PYX12_VALIDATION", "off").lower() in ("1", "on", "true"),
        scheduling_offer_window_minutes=int(os.environ.get("RCM_SCHEDULING_OFFER_WINDOW_MINUTES", "30")),
        scheduling_attendance_min_rate=float(os.environ.get("RCM_SCHEDULING_ATTENDANCE_MIN_RATE", "0.85")),
        scheduling_attendance_window_days=int(os.environ.get("RCM_SCHEDULING_ATTENDANCE_WINDOW_DAYS", "60")),
        scheduling_attendance_min_visits=int(os.environ.get("RCM_SCHEDULING_ATTENDANCE_MIN_VISITS", "4")),
        scheduling_no_show_fee_policy=os.environ.get("RCM_SCHEDULING_NO_SHOW_FEE_POLICY", "off").lower(),
        scheduling_no_show_fee_amount=os.environ.get("RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT", "25.00"),
    )


# -- Front office (referrals, eligibility sweep, note audit) ----------------------------------------
# dbt reads the same variables through env_var() with the same defaults (macro front_office_setting),
# so the rules and the dashboard's labels can never disagree. Eligibility windows are per payer: seed
# dbt/seeds/front_office_eligibility_rules.csv.
FRONT_OFFICE_DEFAULTS: dict[str, int] = {
    "RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS": 1,
    "RCM_NOTE_SIGNING_WINDOW_HOURS": 48,
    "RCM_ELIGIBILITY_LOOKAHEAD_HOURS": 72,
    "RCM_NOTE_AUDIT_LOOKBACK_DAYS": 14,
}


@dataclass(frozen=True)
class FrontOfficeSettings:
    referral_first_response_business_days: int  # a referral must get its first response within this
    note_signing_window_hours: int  # a visit note must be signed within this after the visit ends
    eligibility_lookahead_hours: int  # the sweep covers visits starting within this after the as-of date
    note_audit_lookback_days: int  # the note audit covers visits of the last this many days


def get_front_office_settings() -> FrontOfficeSettings:
    def read(name: str) -> int:
        value = int(os.environ.get(name) or FRONT_OFFICE_DEFAULTS[name])
        if value < 0:
            raise ValueError(f"{name} must be zero or more")
        return value

    return FrontOfficeSettings(
        referral_first_response_business_days=read("RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS"),
        note_signing_window_hours=read("RCM_NOTE_SIGNING_WINDOW_HOURS"),
        eligibility_lookahead_hours=read("RCM_ELIGIBILITY_LOOKAHEAD_HOURS"),
        note_audit_lookback_days=read("RCM_NOTE_AUDIT_LOOKBACK_DAYS"),
    )


# Credentialing (issue 5): the optional NPPES NPI Registry lookup, off by default.
@dataclass(frozen=True)
class NppesSettings:
    enabled: bool  # look every provider's NPI up in the public NPPES registry (outbound HTTPS)
    url: str  # the NPI Registry API endpoint (version 2.1 JSON)
    timeout_seconds: float
    retries: int  # extra attempts after a failed one (timeouts, connection errors, 5xx, 429)


def get_nppes_settings() -> NppesSettings:
    retries = int(os.environ.get("RCM_NPPES_RETRIES") or 2)
    timeout = float(os.environ.get("RCM_NPPES_TIMEOUT_SECONDS") or 5)
    if retries < 0 or timeout <= 0:
        raise ValueError("RCM_NPPES_RETRIES must be >= 0 and RCM_NPPES_TIMEOUT_SECONDS > 0")
    return NppesSettings(
        enabled=(os.environ.get("RCM_NPPES_LOOKUP") or "off").lower() in ("1", "on", "true"),
        url=os.environ.get("RCM_NPPES_URL") or "https://npiregistry.cms.hhs.gov/api/",
        timeout_seconds=timeout,
        retries=retries,
    )
