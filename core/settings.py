"""Every setting, read from the environment when asked for (never at import time).

`.env.example` lists the same variables with their defaults; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    # Scheduling: offer window, attendance policy, no-show / late-cancel fee policy.
    scheduling_offer_window_minutes: int = 30
    scheduling_attendance_min_rate: float = 0.85
    scheduling_attendance_window_days: int = 60
    scheduling_attendance_min_visits: int = 4
    scheduling_no_show_fee_policy: str = "off"
    scheduling_no_show_fee_amount: str = "25.00"
    # Claims: alert this many days before a claim's timely-filing deadline.
    claims_timely_filing_lead_days: int = 30
    # The zone people read times in when a location carries none of its own (IANA name).
    group_time_zone: str = "America/New_York"

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
        group_time_zone=_time_zone(os.environ.get("RCM_GROUP_TIME_ZONE", "America/New_York")),
    )


def _time_zone(name: str) -> str:
    """An IANA zone name, checked at start-up so a typo names the variable instead of failing on a page."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"RCM_GROUP_TIME_ZONE: {name!r} is not an IANA time zone (e.g. America/Chicago)") from exc
    return name


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


# Credentialing: the optional NPPES NPI Registry lookup, off by default.
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


# -- Delivery channels: HTTP webhooks per channel; the outbox folder when none is set ----------------------
# Validated with pydantic so a typo in a URL or a negative timeout stops the dispatcher at start, not mid-send.
WebhookChannel = Literal["fax", "text", "email", "clearinghouse"]
WEBHOOK_CHANNELS: tuple[str, ...] = get_args(WebhookChannel)


class DeliverySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    endpoints: dict[WebhookChannel, HttpUrl] = {}  # only the configured ones
    # action type -> channel, over delivery/channels.py's defaults; "file" sends a type to data/outbox
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
        "endpoints": {
            channel: url for channel in WEBHOOK_CHANNELS if (url := env(f"RCM_DELIVERY_{channel.upper()}_URL"))
        },
        "channel_overrides": env("RCM_DELIVERY_CHANNEL_MAP") or {},
        "auth_token": env("RCM_DELIVERY_AUTH_TOKEN"),
    }
    for field_name, variable in (
        ("connect_timeout_seconds", "RCM_DELIVERY_CONNECT_TIMEOUT_SECONDS"),
        ("read_timeout_seconds", "RCM_DELIVERY_READ_TIMEOUT_SECONDS"),
        ("max_attempts", "RCM_DELIVERY_MAX_ATTEMPTS"),
        ("backoff_base_seconds", "RCM_DELIVERY_BACKOFF_BASE_SECONDS"),
    ):
        if (raw := env(variable)) is not None:
            values[field_name] = raw
    return DeliverySettings(**values)


# -- Approval board: bulk approval of low-risk drafts and the queue's page size -------------------------
@dataclass(frozen=True)
class BoardSettings:
    bulk_approve_max_dollars: Decimal  # a draft above this is never bulk-approved
    low_risk_action_types: frozenset[str]  # types that may be bulk-approved (default: emitters.registry)
    page_size: int  # queue rows per page


def get_board_settings() -> BoardSettings:
    from emitters.registry import low_risk_action_types  # declared per action type

    types = os.environ.get("RCM_BOARD_LOW_RISK_ACTION_TYPES")
    max_dollars = Decimal(os.environ.get("RCM_BOARD_BULK_APPROVE_MAX_DOLLARS") or "100.00")
    page_size = int(os.environ.get("RCM_BOARD_PAGE_SIZE") or 50)
    if max_dollars < 0 or page_size < 1:
        raise ValueError("RCM_BOARD_BULK_APPROVE_MAX_DOLLARS must be >= 0 and RCM_BOARD_PAGE_SIZE >= 1")
    return BoardSettings(
        bulk_approve_max_dollars=max_dollars,
        low_risk_action_types=(
            frozenset(t.strip() for t in types.split(",") if t.strip())
            if types is not None
            else low_risk_action_types()
        ),
        page_size=page_size,
    )


# -- Clearinghouse SFTP mailbox and the named fax / text gateways (delivery/gateways) -----------------------
# Each is off until its account is configured. Secrets come from the environment or from a file named by
# <VARIABLE>_FILE (a mounted secret), never from a committed file. Timeouts and retries are the delivery
# block's (RCM_DELIVERY_*), so every outbound channel backs off the same way.
def _secret(name: str) -> SecretStr | None:
    if value := os.environ.get(name):
        return SecretStr(value)
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return SecretStr(Path(path).read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise ValueError(f"{name}_FILE names a file that cannot be read ({type(exc).__name__})") from None
    return None


class SftpMailboxSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str = Field(min_length=1)  # RCM_CLEARINGHOUSE_SFTP_USER
    key_file: Path | None = None  # private key (OpenSSH/PEM); its passphrase in RCM_CLEARINGHOUSE_SFTP_KEY_PASSPHRASE
    key_passphrase: SecretStr | None = None
    password: SecretStr | None = None  # when the clearinghouse issues a password instead of a key
    known_hosts_file: Path | None = None  # OpenSSH known_hosts holding the server's key, or ...
    host_key_fingerprint: str | None = None  # ... its SHA256 fingerprint as `ssh-keygen -lf` prints it
    remote_inbound_dir: str = "inbound"  # where we put claims and 270 batches for the clearinghouse
    remote_outbound_dir: str = "outbound"  # where the clearinghouse leaves 835, 999, 277CA and 271 files
    remote_archive_dir: str | None = None  # picked-up files are moved here on the server when set
    # A file changed less than this long ago may still be being written (servers that write in place): next run.
    settle_seconds: int = Field(default=60, ge=0)
    local_upload_dir: Path  # batch files (270s) waiting to go up; the dispatcher sends claims directly
    local_inbox_dir: Path  # data/inbox/clearinghouse
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10)
    backoff_base_seconds: float = Field(default=1.0, ge=0)

    @field_validator("host_key_fingerprint")
    @classmethod
    def _sha256_fingerprint(cls, value):
        if value is not None and not value.startswith("SHA256:"):
            raise ValueError("RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT must look like 'SHA256:...'")
        return value

    def model_post_init(self, _context) -> None:
        # An SFTP session without a pinned host key would hand claims (PHI) to whoever answers on the port.
        if (self.known_hosts_file is None) == (self.host_key_fingerprint is None):
            raise ValueError(
                "set exactly one of RCM_CLEARINGHOUSE_SFTP_KNOWN_HOSTS and RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT"
            )
        if self.key_file is None and self.password is None:
            raise ValueError("set RCM_CLEARINGHOUSE_SFTP_KEY_FILE or RCM_CLEARINGHOUSE_SFTP_PASSWORD")


def get_sftp_mailbox_settings() -> SftpMailboxSettings | None:
    """None when RCM_CLEARINGHOUSE_SFTP_HOST is not set (the mailbox is off)."""
    if not (host := os.environ.get("RCM_CLEARINGHOUSE_SFTP_HOST")):
        return None
    settings, delivery = get_settings(), get_delivery_settings()
    values: dict = {
        "host": host,
        "username": os.environ.get("RCM_CLEARINGHOUSE_SFTP_USER") or "",
        "key_passphrase": _secret("RCM_CLEARINGHOUSE_SFTP_KEY_PASSPHRASE"),
        "password": _secret("RCM_CLEARINGHOUSE_SFTP_PASSWORD"),
        "host_key_fingerprint": os.environ.get("RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT") or None,
        "remote_archive_dir": os.environ.get("RCM_CLEARINGHOUSE_SFTP_ARCHIVE_DIR") or None,
        "local_upload_dir": _path("RCM_CLEARINGHOUSE_UPLOAD_DIR", settings.outbox_dir / "clearinghouse_batches"),
        "local_inbox_dir": settings.inbox_dir / "clearinghouse",
        "timeout_seconds": delivery.read_timeout_seconds,
        "max_attempts": delivery.max_attempts,
        "backoff_base_seconds": delivery.backoff_base_seconds,
    }
    for field_name, variable in (
        ("port", "RCM_CLEARINGHOUSE_SFTP_PORT"),
        ("settle_seconds", "RCM_CLEARINGHOUSE_SFTP_SETTLE_SECONDS"),
        ("remote_inbound_dir", "RCM_CLEARINGHOUSE_SFTP_INBOUND_DIR"),
        ("remote_outbound_dir", "RCM_CLEARINGHOUSE_SFTP_OUTBOUND_DIR"),
    ):
        if raw := os.environ.get(variable):
            values[field_name] = raw
    for field_name, variable in (
        ("key_file", "RCM_CLEARINGHOUSE_SFTP_KEY_FILE"),
        ("known_hosts_file", "RCM_CLEARINGHOUSE_SFTP_KNOWN_HOSTS"),
    ):
        if os.environ.get(variable):
            values[field_name] = _path(variable, PROJECT_ROOT)
    return SftpMailboxSettings(**values)


class SrfaxSettings(BaseModel):
    """SRFax (srfax.com) Queue_Fax account: the sending number and the account's API credentials."""

    model_config = ConfigDict(frozen=True)

    url: HttpUrl = "https://secure.srfax.com/SRF_SecWebSvc.php"
    access_id: str = Field(pattern=r"^\d+$")  # the account number
    access_pwd: SecretStr
    caller_id: str = Field(pattern=r"^\d{10}$")  # the group's own fax number, 10 digits
    sender_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


def get_srfax_settings() -> SrfaxSettings | None:
    """None when RCM_SRFAX_ACCESS_ID is not set (faxes go over the webhook or to the outbox)."""
    if not (access_id := os.environ.get("RCM_SRFAX_ACCESS_ID")):
        return None
    values: dict = {
        "access_id": access_id,
        "access_pwd": _secret("RCM_SRFAX_ACCESS_PWD"),
        "caller_id": os.environ.get("RCM_SRFAX_CALLER_ID") or "",
        "sender_email": os.environ.get("RCM_SRFAX_SENDER_EMAIL") or "",
    }
    if url := os.environ.get("RCM_SRFAX_URL"):
        values["url"] = url
    return SrfaxSettings(**values)


class TwilioSettings(BaseModel):
    """Twilio Programmable Messaging account: texts go from one number or one Messaging Service."""

    model_config = ConfigDict(frozen=True)

    api_base: HttpUrl = "https://api.twilio.com"
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr
    from_number: str | None = Field(default=None, pattern=r"^\+[1-9]\d{7,14}$")  # E.164
    messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")

    def model_post_init(self, _context) -> None:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("set exactly one of RCM_TWILIO_FROM_NUMBER and RCM_TWILIO_MESSAGING_SERVICE_SID")


def get_twilio_settings() -> TwilioSettings | None:
    """None when RCM_TWILIO_ACCOUNT_SID is not set (texts go over the webhook or to the outbox)."""
    if not (account_sid := os.environ.get("RCM_TWILIO_ACCOUNT_SID")):
        return None
    values: dict = {
        "account_sid": account_sid,
        "auth_token": _secret("RCM_TWILIO_AUTH_TOKEN"),
        "from_number": os.environ.get("RCM_TWILIO_FROM_NUMBER") or None,
        "messaging_service_sid": os.environ.get("RCM_TWILIO_MESSAGING_SERVICE_SID") or None,
    }
    if api_base := os.environ.get("RCM_TWILIO_API_BASE"):
        values["api_base"] = api_base
    return TwilioSettings(**values)


def get_gateway_state_url() -> str:
    """Where the gateways remember what they sent and fetched: the ledger's database unless set."""
    return os.environ.get("RCM_GATEWAY_STATE_URL") or get_settings().ledger_url


# -- Source-system adapters: vendor exports mapped onto the extract contracts (dagster_project/adapters) ----
EHR_ADAPTERS = ("none", "webpt", "generic_csv")
CREDENTIALING_ADAPTERS = ("none", "caqh_proview")


@dataclass(frozen=True)
class AdapterSettings:
    ehr_adapter: str  # RCM_EHR_ADAPTER: none | webpt | generic (the generic CSV mapping)
    credentialing_adapter: str  # RCM_CREDENTIALING_ADAPTER: none | caqh_proview
    adapter_inbox_dir: Path  # RCM_ADAPTER_INBOX_DIR: vendor files land in <this>/<system>/ (the SFTP folder)
    adapter_state_dir: Path  # <RCM_DATA_DIR>/adapters/<system>/: accumulated state and the gap report

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ehr_adapter, self.credentialing_adapter) if s != "none")


def get_adapter_settings() -> AdapterSettings:
    data_dir = get_settings().data_dir
    ehr = (os.environ.get("RCM_EHR_ADAPTER") or "none").lower()
    ehr = "generic_csv" if ehr == "generic" else ehr
    credentialing = (os.environ.get("RCM_CREDENTIALING_ADAPTER") or "none").lower()
    if ehr not in EHR_ADAPTERS:
        raise ValueError(f"RCM_EHR_ADAPTER must be one of none, webpt, generic (got {ehr!r})")
    if credentialing not in CREDENTIALING_ADAPTERS:
        raise ValueError(f"RCM_CREDENTIALING_ADAPTER must be one of {', '.join(CREDENTIALING_ADAPTERS)}")
    return AdapterSettings(
        ehr_adapter=ehr,
        credentialing_adapter=credentialing,
        adapter_inbox_dir=_path("RCM_ADAPTER_INBOX_DIR", data_dir / "adapter_inbox"),
        adapter_state_dir=data_dir / "adapters",
    )


# -- Audit trail: the HMAC key of the ledger's audit chain and the append-only anchor file -----------------
# Both live outside the ledger database. Keep the key file on a different disk or secret store than the
# ledger and back it up separately: without it the chain cannot be verified, with it anyone can rewrite it.
@dataclass(frozen=True)
class AuditSettings:
    key_file: Path  # created on first use (0600) with a random 256-bit key
    anchor_file: Path  # one JSON line per anchored chain head, only ever appended to


def get_audit_settings() -> AuditSettings:
    data_dir = _path("RCM_DATA_DIR", PROJECT_ROOT / "data")
    return AuditSettings(
        key_file=_path("RCM_AUDIT_KEY_FILE", data_dir / "secrets" / "audit.key"),
        anchor_file=_path("RCM_AUDIT_ANCHOR_FILE", data_dir / "ledger" / "audit-anchors.jsonl"),
    )


# -- Orchestration: the dispatch sensor, serving snapshots kept, and which dbt the pipeline starts ----------
@dataclass(frozen=True)
class OrchestrationSettings:
    dispatch_sensor_interval_seconds: int  # the approved-actions sensor looks at the ledger this often
    serving_snapshots_kept: int  # complete snapshots kept on disk, the published one and the one before included
    dbt_executable: str  # the dbt the pipeline starts: the one installed beside this interpreter unless set


def get_orchestration_settings() -> OrchestrationSettings:
    import shutil
    import sys

    interval = int(os.environ.get("RCM_DISPATCH_SENSOR_INTERVAL_SECONDS") or 45)
    kept = int(os.environ.get("RCM_SERVING_SNAPSHOTS_KEPT") or 3)
    if interval < 10:
        raise ValueError("RCM_DISPATCH_SENSOR_INTERVAL_SECONDS must be 10 or more")
    if kept < 2:
        raise ValueError(
            "RCM_SERVING_SNAPSHOTS_KEPT must be 2 or more (the published snapshot and the one before it, "
            "which a dashboard session may still be reading)"
        )
    # Beside the interpreter first, so the pipeline finds dbt without an activated virtualenv.
    beside = Path(sys.executable).parent / "dbt"
    dbt = os.environ.get("RCM_DBT_EXECUTABLE") or (str(beside) if beside.exists() else shutil.which("dbt") or "dbt")
    return OrchestrationSettings(
        dispatch_sensor_interval_seconds=interval, serving_snapshots_kept=kept, dbt_executable=dbt
    )


# -- Accounts: demo or production mode, sign-in throttling, invitation codes ---------------------------------
# Production (the default) refuses the shared demo password everywhere (sign-in, setting a password) and the
# demo seed; `make demo` sets RCM_MODE=demo. The dashboard's bind address is the Makefile's ADDRESS (127.0.0.1).
ACCOUNT_MODES = ("demo", "production")


@dataclass(frozen=True)
class AccountSettings:
    mode: str  # RCM_MODE: demo | production
    demo_password: str  # RCM_DEMO_PASSWORD: the seeded demo users' shared password (demo mode only)
    max_failures_per_user_and_source: int  # RCM_SIGN_IN_MAX_FAILURES: then that source is locked out of that user
    max_failures_per_source: int  # RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE: then that source is locked out entirely
    failure_window_minutes: int  # RCM_SIGN_IN_WINDOW_MINUTES: failures older than this no longer count
    invitation_hours: int  # RCM_INVITATION_HOURS: how long an invitation or reset code works
    dashboard_url: str  # RCM_DASHBOARD_URL: the base of invitation links shown to administrators

    @property
    def demo(self) -> bool:
        return self.mode == "demo"


def get_account_settings() -> AccountSettings:
    mode = (os.environ.get("RCM_MODE") or "production").strip().lower()
    if mode not in ACCOUNT_MODES:
        raise ValueError(f"RCM_MODE must be demo or production (got {mode!r})")
    values = {
        name: int(os.environ.get(variable) or default)
        for name, variable, default in (
            ("max_failures_per_user_and_source", "RCM_SIGN_IN_MAX_FAILURES", 5),
            ("max_failures_per_source", "RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE", 20),
            ("failure_window_minutes", "RCM_SIGN_IN_WINDOW_MINUTES", 15),
            ("invitation_hours", "RCM_INVITATION_HOURS", 72),
        )
    }
    if min(values.values()) < 1:
        raise ValueError("RCM_SIGN_IN_MAX_FAILURES*, RCM_SIGN_IN_WINDOW_MINUTES and RCM_INVITATION_HOURS must be >= 1")
    return AccountSettings(
        mode=mode,
        demo_password=get_settings().demo_password,
        dashboard_url=(os.environ.get("RCM_DASHBOARD_URL") or "http://localhost:8501").rstrip("/"),
        **values,
    )


# -- Warehouse --------------------------------------------------------------------------------------
# DuckDB (one file, embedded) is the default; PostgreSQL is the server warehouse a data team grows into.
# dbt/profiles.yml reads the same variables (RCM_WAREHOUSE picks its target).
WAREHOUSES = ("duckdb", "postgres")


@dataclass(frozen=True)
class WarehouseSettings:
    kind: str  # one of WAREHOUSES
    pg_host: str  # a host name, or a unix-socket directory (starts with /)
    pg_port: int
    pg_user: str
    pg_password: str = field(repr=False)
    pg_database: str

    @property
    def pg_conninfo(self) -> str:
        """libpq keyword/value connection string (psycopg)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.pg_host,
            port=self.pg_port,
            user=self.pg_user,
            password=self.pg_password or None,
            dbname=self.pg_database,
        )


def get_warehouse_settings() -> WarehouseSettings:
    kind = (os.environ.get("RCM_WAREHOUSE") or "duckdb").lower()
    if kind not in WAREHOUSES:
        raise ValueError(f"RCM_WAREHOUSE must be one of {', '.join(WAREHOUSES)}, not {kind!r}")
    return WarehouseSettings(
        kind=kind,
        pg_host=os.environ.get("RCM_PG_HOST", "localhost"),
        pg_port=int(os.environ.get("RCM_PG_PORT", "5432")),
        pg_user=os.environ.get("RCM_PG_USER", "rcm"),
        pg_password=os.environ.get("RCM_PG_PASSWORD", ""),
        pg_database=os.environ.get("RCM_PG_DATABASE", "rcm"),
    )
