"""Every setting, read from the environment when asked for (never at import time).

`.env.example` lists the same variables with their defaults; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

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
    # Claims: alert this many days before a claim's timely-filing deadline.
    claims_timely_filing_lead_days: int = 30

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
        claims_timely_filing_lead_days=int(os.environ.get("RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS", "30")),
    )


# -- Front office (referrals, eligibility sweep, note audit) ----------------------------------------
# dbt gets the same values as vars (dbt_vars below), so the rules and the dashboard's labels can never
# disagree. Eligibility windows are per payer: seed dbt/seeds/front_office_eligibility_rules.csv.
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


def dbt_vars() -> dict[str, str | int | float]:
    """The dbt vars that are settings, for `dbt build --vars`.

    Each is declared once with its default in dbt/dbt_project.yml; dbt reads no rule setting from the
    environment itself, so this is the one place a value reaches the rules from.
    """
    settings = get_settings()
    front_office = get_front_office_settings()
    return {
        "as_of_date": settings.as_of_date.isoformat(),
        "scheduling_attendance_min_rate": settings.scheduling_attendance_min_rate,
        "scheduling_attendance_window_days": settings.scheduling_attendance_window_days,
        "scheduling_attendance_min_visits": settings.scheduling_attendance_min_visits,
        "referral_first_response_business_days": front_office.referral_first_response_business_days,
        "note_signing_window_hours": front_office.note_signing_window_hours,
        "eligibility_lookahead_hours": front_office.eligibility_lookahead_hours,
        "note_audit_lookback_days": front_office.note_audit_lookback_days,
        "claims_timely_filing_lead_days": settings.claims_timely_filing_lead_days,
    }


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


# -- Delivery channels (issue 7): HTTP webhooks per channel; the outbox folder when none is set ------------
# Validated with pydantic so a typo in a URL or a negative timeout stops the dispatcher at start, not mid-send.
WebhookChannel = Literal["fax", "text", "email", "clearinghouse"]
WEBHOOK_CHANNELS: tuple[str, ...] = get_args(WebhookChannel)


class DeliverySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    endpoints: dict[WebhookChannel, HttpUrl] = {}  # only the configured ones
    # action type -> channel, over emitters/channels.py's defaults; "file" sends a type to data/outbox
    channel_overrides: dict[str, WebhookChannel | Literal["file"]] = {}
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10)  # HTTP tries per send, the first one included
    backoff_base_seconds: float = Field(default=1.0, ge=0)  # wait base * 2**(n-1) before try n+1 (capped)
    auth_token: SecretStr | None = None  # sent as "Authorization: Bearer ..." when set

    @field_validator("endpoints")
    @classmethod
    def _https_except_on_this_machine(cls, endpoints):
        # Bodies carry PHI and the bearer token rides along: plain http only to a receiver on this machine.
        for channel, url in endpoints.items():
            if url.scheme != "https" and url.host not in ("localhost", "127.0.0.1", "::1", "[::1]"):
                raise ValueError(f"RCM_DELIVERY_{channel.upper()}_URL must use https (http only for localhost)")
        return endpoints

    @field_validator("channel_overrides", mode="before")
    @classmethod
    def _parse_overrides(cls, value):
        # "slot_offer=email, attendance_letter=file" in the environment
        if isinstance(value, str):
            pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise ValueError("RCM_DELIVERY_CHANNEL_MAP must look like 'action_type=channel,action_type=channel'")
            return {key.strip(): channel.strip().lower() for key, channel in pairs}
        return value


def get_delivery_settings() -> DeliverySettings:
    def env(name: str) -> str | None:
        return os.environ.get(name) or None

    values: dict = {
        "endpoints": {channel: url for channel in WEBHOOK_CHANNELS
                      if (url := env(f"RCM_DELIVERY_{channel.upper()}_URL"))},
        "channel_overrides": env("RCM_DELIVERY_CHANNEL_MAP") or {},
        "auth_token": env("RCM_DELIVERY_AUTH_TOKEN"),
    }
    for field_name, variable in (("connect_timeout_seconds", "RCM_DELIVERY_CONNECT_TIMEOUT_SECONDS"),
                                 ("read_timeout_seconds", "RCM_DELIVERY_READ_TIMEOUT_SECONDS"),
                                 ("max_attempts", "RCM_DELIVERY_MAX_ATTEMPTS"),
                                 ("backoff_base_seconds", "RCM_DELIVERY_BACKOFF_BASE_SECONDS")):
        if (raw := env(variable)) is not None:
            values[field_name] = raw
    return DeliverySettings(**values)


# -- Approval board (issue 7): bulk approval of low-risk drafts and the queue's page size ---------------
@dataclass(frozen=True)
class BoardSettings:
    bulk_approve_max_dollars: Decimal  # a draft above this is never bulk-approved
    low_risk_action_types: frozenset[str]  # types that may be bulk-approved (default: emitters.roles)
    page_size: int  # queue rows per page


def get_board_settings() -> BoardSettings:
    from emitters.roles import LOW_RISK_ACTION_TYPES  # the default list lives next to the approver roles

    types = os.environ.get("RCM_BOARD_LOW_RISK_ACTION_TYPES")
    max_dollars = Decimal(os.environ.get("RCM_BOARD_BULK_APPROVE_MAX_DOLLARS") or "100.00")
    page_size = int(os.environ.get("RCM_BOARD_PAGE_SIZE") or 50)
    if max_dollars < 0 or page_size < 1:
        raise ValueError("RCM_BOARD_BULK_APPROVE_MAX_DOLLARS must be >= 0 and RCM_BOARD_PAGE_SIZE >= 1")
    return BoardSettings(
        bulk_approve_max_dollars=max_dollars,
        low_risk_action_types=(frozenset(t.strip() for t in types.split(",") if t.strip()) if types is not None
                               else LOW_RISK_ACTION_TYPES),
        page_size=page_size,
    )
