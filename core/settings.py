"""Every setting, read from the environment and validated in one place (pydantic-settings), never at import time.

Each block is a `_FromEnvironment` model whose fields name their variable (`validation_alias`) and say what they
expect (`description`); its `get_*` accessor loads it through `_load`, so a bad value stops the program with the
variable's name and what it expects (`SettingsError`) instead of failing later on a page or mid-run. Empty
variables count as unset. `check_start` loads every block and checks the inbox folder and the ledger an entry
point is about to use, before any work starts.

`.env.example` lists the same variables with their defaults; keep the two in step.
"""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the program cannot use; the message names the variable and what it expects."""


class _FromEnvironment(BaseSettings):
    """A block of settings read from RCM_* variables (each field's `validation_alias`); empty means unset."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True, env_ignore_empty=True)


Block = TypeVar("Block", bound=BaseModel)


def _load(block: type[Block], **values) -> Block:
    """The block as the environment (and `values`) give it, or a SettingsError naming each bad variable."""
    try:
        return block(**values)
    except ValidationError as exc:
        raise SettingsError("; ".join(_explain(block, error) for error in exc.errors())) from None


def _explain(block: type[BaseModel], error) -> str:
    fields = block.model_fields
    where = str(error["loc"][0]) if error["loc"] else ""
    field = fields.get(where) or next((f for f in fields.values() if f.validation_alias == where), None)
    variable = (field.validation_alias if field is not None else None) or where or block.__name__
    got = f" (got {error['input']!r})" if isinstance(error.get("input"), str | int | float) else ""
    if error["type"] == "value_error":  # a validator's own sentence, already naming the variable
        return str(error["ctx"]["error"])
    if field is not None and field.description:
        return f"{variable} must be {field.description}{got}"
    return f"{variable}: {error['msg']}{got}"


def _absolute(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def _path(name: str, default: Path) -> Path:
    """A path setting outside a block (relative paths are relative to the project folder)."""
    value = os.environ.get(name)
    return _absolute(Path(value) if value else default)


# The data folder's layout: each path has its own variable; unset, it lies under RCM_DATA_DIR.
_DATA_DIR_DEFAULTS = {
    "RCM_INBOX_DIR": "inbox",
    "RCM_QUARANTINE_DIR": "quarantine",
    "RCM_OUTBOX_DIR": "outbox",
    "RCM_DUCKDB_PATH": "warehouse/rcm.duckdb",
    "RCM_SERVING_POINTER": "warehouse/serving.json",
}
_FOLDER = "a folder path"


class Settings(_FromEnvironment):
    data_dir: Path = Field(PROJECT_ROOT / "data", validation_alias="RCM_DATA_DIR", description=_FOLDER)
    inbox_dir: Path = Field(validation_alias="RCM_INBOX_DIR", description=_FOLDER)
    quarantine_dir: Path = Field(validation_alias="RCM_QUARANTINE_DIR", description=_FOLDER)
    outbox_dir: Path = Field(validation_alias="RCM_OUTBOX_DIR", description=_FOLDER)
    warehouse_path: Path = Field(validation_alias="RCM_DUCKDB_PATH", description="a file path")
    serving_pointer: Path = Field(validation_alias="RCM_SERVING_POINTER", description="a file path")
    ledger_url: str = Field(
        validation_alias="RCM_LEDGER_URL",
        description="a SQLAlchemy database URL such as sqlite:////srv/rcm/ledger.sqlite or postgresql://...",
    )
    as_of_date: date = Field(
        default_factory=date.today, validation_alias="RCM_AS_OF_DATE", description="a date as YYYY-MM-DD"
    )
    session_timeout_minutes: int = Field(
        30, ge=1, validation_alias="RCM_SESSION_TIMEOUT_MINUTES", description="a whole number of minutes, 1 or more"
    )
    demo_password: str = Field("demo-ot-2026", validation_alias="RCM_DEMO_PASSWORD")
    validate_x12_with_pyx12: bool = Field(False, validation_alias="RCM_X12_PYX12_VALIDATION", description="on or off")
    # Scheduling: offer window, attendance policy, no-show / late-cancel fee policy.
    scheduling_offer_window_minutes: int = Field(
        30, ge=1, validation_alias="RCM_SCHEDULING_OFFER_WINDOW_MINUTES", description="a whole number, 1 or more"
    )
    scheduling_attendance_min_rate: float = Field(
        0.85, ge=0, le=1, validation_alias="RCM_SCHEDULING_ATTENDANCE_MIN_RATE", description="a rate from 0 to 1"
    )
    scheduling_attendance_window_days: int = Field(
        60, ge=1, validation_alias="RCM_SCHEDULING_ATTENDANCE_WINDOW_DAYS", description="a whole number, 1 or more"
    )
    scheduling_attendance_min_visits: int = Field(
        4, ge=1, validation_alias="RCM_SCHEDULING_ATTENDANCE_MIN_VISITS", description="a whole number, 1 or more"
    )
    # off | no_show | no_show_and_late_cancel; emitters/missed_visit_fee.py checks the policy and the amount.
    scheduling_no_show_fee_policy: str = Field("off", validation_alias="RCM_SCHEDULING_NO_SHOW_FEE_POLICY")
    scheduling_no_show_fee_amount: str = Field("25.00", validation_alias="RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT")
    # Claims: alert this many days before a claim's timely-filing deadline.
    claims_timely_filing_lead_days: int = Field(
        30, ge=0, validation_alias="RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS", description="a whole number, 0 or more"
    )
    # Patient statements print who to call about the bill: the practice's name (empty = the clinic's name),
    # the billing office's phone and the billing contact's name or title.
    statement_practice_name: str = Field("", validation_alias="RCM_STATEMENT_PRACTICE_NAME")
    statement_billing_phone: str = Field(
        "(512) 555-0100", min_length=7, validation_alias="RCM_STATEMENT_BILLING_PHONE", description="a phone number"
    )
    statement_billing_contact: str = Field(
        "the billing office", min_length=1, validation_alias="RCM_STATEMENT_BILLING_CONTACT"
    )
    # The zone people read times in when a location carries none of its own (IANA name).
    group_time_zone: str = Field("America/New_York", validation_alias="RCM_GROUP_TIME_ZONE")
    # A signed-in session ends this long after sign-in whatever the activity (the cookie's lifetime too).
    session_max_hours: int = Field(
        12, ge=1, validation_alias="RCM_SESSION_MAX_HOURS", description="a whole number of hours, 1 or more"
    )

    @model_validator(mode="before")
    @classmethod
    def _layout_under_the_data_folder(cls, data: dict) -> dict:
        # Values arrive keyed by variable (from the environment) or by field name (from code): use variables.
        data = {(cls.model_fields[k].validation_alias if k in cls.model_fields else k): v for k, v in data.items()}
        data_dir = _absolute(Path(data.get("RCM_DATA_DIR") or PROJECT_ROOT / "data"))
        for variable, under in _DATA_DIR_DEFAULTS.items():
            data.setdefault(variable, data_dir / under)
        data.setdefault("RCM_LEDGER_URL", f"sqlite:///{data_dir / 'ledger' / 'ledger.sqlite'}")
        return data

    @field_validator("data_dir", "inbox_dir", "quarantine_dir", "outbox_dir", "warehouse_path", "serving_pointer")
    @classmethod
    def _relative_to_the_project(cls, path: Path) -> Path:
        return _absolute(path)

    @field_validator("ledger_url")
    @classmethod
    def _a_database_url(cls, url: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except ArgumentError:
            raise ValueError(
                "RCM_LEDGER_URL must be a SQLAlchemy database URL such as sqlite:////srv/rcm/ledger.sqlite"
            ) from None
        return url

    @field_validator("scheduling_no_show_fee_policy")
    @classmethod
    def _lower_case(cls, policy: str) -> str:
        return policy.lower()

    @field_validator("group_time_zone")
    @classmethod
    def _iana_zone(cls, name: str) -> str:
        return _time_zone(name)

    @property
    def snapshots_dir(self) -> Path:
        return self.serving_pointer.parent / "snapshots"


def get_settings() -> Settings:
    return _load(Settings)


def check_start(*, needs_inbox: bool) -> Settings:
    """Before an entry point does any work: every settings block loads, the ledger can be reached (a wrong URL
    must not start a new, empty ledger) and, for a pipeline run, the inbox folder exists (a wrong path must not
    look like a quiet day with zero files). Raises SettingsError naming the variable."""
    settings = check_settings()
    if needs_inbox:
        require_inbox(settings)
    _check_ledger_reachable(settings.ledger_url)
    return settings


def require_inbox(settings: Settings) -> None:
    """The inbox folder must exist: a wrong path must not look like a quiet day with zero files."""
    if not settings.inbox_dir.is_dir():
        raise SettingsError(
            f"RCM_INBOX_DIR must be an existing folder: {settings.inbox_dir} does not exist (set RCM_INBOX_DIR, "
            "or RCM_DATA_DIR, to the folder the extracts are delivered to)"
        )


def check_settings() -> Settings:
    """Every settings block loads (the Dagster code location calls this when it loads its definitions)."""
    settings = get_settings()
    for accessor in (
        get_front_office_settings,
        get_nppes_settings,
        get_delivery_settings,
        get_sftp_mailbox_settings,
        get_srfax_settings,
        get_twilio_settings,
        get_board_settings,
        get_adapter_settings,
        get_audit_settings,
        get_orchestration_settings,
        get_account_settings,
        get_eligibility_270_settings,
        get_warehouse_engine_settings,
        get_warehouse_settings,
    ):
        try:
            accessor()
        except SettingsError:
            raise
        except ValueError as exc:  # a block still validated by hand: its message names the variable
            raise SettingsError(str(exc)) from None
    return settings


def _check_ledger_reachable(url: str) -> None:
    """A SQLite ledger set explicitly must lie in an existing folder (the default one is created on first use);
    any other database must answer a connection."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        folder = Path(database).parent
        if os.environ.get("RCM_LEDGER_URL") and database not in ("", ":memory:") and not folder.is_dir():
            raise SettingsError(
                f"RCM_LEDGER_URL must name a ledger in an existing folder: {folder} does not exist "
                "(a typo here would start a new, empty ledger)"
            )
        return
    try:
        engine = sa.create_engine(parsed)
    except ImportError as exc:
        raise SettingsError(f"RCM_LEDGER_URL names a database whose driver is not installed ({exc.name})") from None
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise SettingsError(f"RCM_LEDGER_URL cannot be reached: {shown} ({type(exc).__name__})") from None
    finally:
        engine.dispose()


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
# disagree. Eligibility windows and note-signing windows are per payer: seeds
# dbt/seeds/front_office_eligibility_rules.csv and dbt/seeds/front_office_note_signing_windows.csv.
FRONT_OFFICE_DEFAULTS: dict[str, int] = {
    "RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS": 1,
    "RCM_ELIGIBILITY_LOOKAHEAD_HOURS": 72,
    "RCM_NOTE_AUDIT_LOOKBACK_DAYS": 14,
}
_ZERO_OR_MORE = "zero or more"


class FrontOfficeSettings(_FromEnvironment):
    # a referral must get its first response within this
    referral_first_response_business_days: int = Field(
        FRONT_OFFICE_DEFAULTS["RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS"],
        ge=0,
        validation_alias="RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS",
        description=_ZERO_OR_MORE,
    )
    # the sweep covers visits starting within this after the as-of date
    eligibility_lookahead_hours: int = Field(
        FRONT_OFFICE_DEFAULTS["RCM_ELIGIBILITY_LOOKAHEAD_HOURS"],
        ge=0,
        validation_alias="RCM_ELIGIBILITY_LOOKAHEAD_HOURS",
        description=_ZERO_OR_MORE,
    )
    # the note audit covers visits of the last this many days
    note_audit_lookback_days: int = Field(
        FRONT_OFFICE_DEFAULTS["RCM_NOTE_AUDIT_LOOKBACK_DAYS"],
        ge=0,
        validation_alias="RCM_NOTE_AUDIT_LOOKBACK_DAYS",
        description=_ZERO_OR_MORE,
    )


def get_front_office_settings() -> FrontOfficeSettings:
    return _load(FrontOfficeSettings)


def dbt_vars() -> dict[str, str | int | float]:
    """The dbt vars that are settings, for `dbt build --vars`.

    Each is declared once with its default in dbt/dbt_project.yml; dbt reads no rule setting from the
    environment itself, so this is the one place a value reaches the rules from. The as-of date is not
    among them: it changes every day, and changed vars make dbt parse the whole project again (see
    dbt_environment).
    """
    settings = get_settings()
    front_office = get_front_office_settings()
    return {
        "scheduling_attendance_min_rate": settings.scheduling_attendance_min_rate,
        "scheduling_attendance_window_days": settings.scheduling_attendance_window_days,
        "scheduling_attendance_min_visits": settings.scheduling_attendance_min_visits,
        "referral_first_response_business_days": front_office.referral_first_response_business_days,
        "eligibility_lookahead_hours": front_office.eligibility_lookahead_hours,
        "note_audit_lookback_days": front_office.note_audit_lookback_days,
        "claims_timely_filing_lead_days": settings.claims_timely_filing_lead_days,
    }


def dbt_environment() -> dict[str, str]:
    """What the dbt process gets in its own environment (never this process's): the as-of date this run
    resolved, which dbt/macros/as_of_date.sql reads only while a node runs. The date is resolved here, once,
    so dbt and the emitters agree on it even when the run crosses midnight."""
    return {"RCM_AS_OF_DATE": get_settings().as_of_date.isoformat()}


# Credentialing: the optional NPPES NPI Registry lookup, off by default.
class NppesSettings(_FromEnvironment):
    # look every provider's NPI up in the public NPPES registry (outbound HTTPS)
    enabled: bool = Field(False, validation_alias="RCM_NPPES_LOOKUP", description="on or off")
    # the NPI Registry API endpoint (version 2.1 JSON)
    url: str = Field("https://npiregistry.cms.hhs.gov/api/", validation_alias="RCM_NPPES_URL")
    timeout_seconds: float = Field(
        5, gt=0, validation_alias="RCM_NPPES_TIMEOUT_SECONDS", description="a number of seconds above 0"
    )
    # extra attempts after a failed one (timeouts, connection errors, 5xx, 429)
    retries: int = Field(2, ge=0, validation_alias="RCM_NPPES_RETRIES", description="a whole number, 0 or more")


def get_nppes_settings() -> NppesSettings:
    return _load(NppesSettings)


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
class BoardSettings(_FromEnvironment):
    # a draft above this is never bulk-approved
    bulk_approve_max_dollars: Decimal = Field(
        Decimal("100.00"),
        ge=0,
        validation_alias="RCM_BOARD_BULK_APPROVE_MAX_DOLLARS",
        description="an amount in dollars, 0 or more",
    )
    # types that may be bulk-approved ("a,b"; unset: each type's own declaration in emitters.registry)
    low_risk_action_types: frozenset[str] = Field(
        default_factory=lambda: _registry_low_risk_types(), validation_alias="RCM_BOARD_LOW_RISK_ACTION_TYPES"
    )
    page_size: int = Field(50, ge=1, validation_alias="RCM_BOARD_PAGE_SIZE", description="a whole number, 1 or more")

    @field_validator("low_risk_action_types", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return frozenset(t.strip() for t in value.split(",") if t.strip())
        return value


def _registry_low_risk_types() -> frozenset[str]:
    from emitters.registry import low_risk_action_types  # declared per action type

    return low_risk_action_types()


def get_board_settings() -> BoardSettings:
    return _load(BoardSettings)


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


class AdapterSettings(_FromEnvironment):
    # none | webpt | generic (the generic CSV mapping)
    ehr_adapter: Literal["none", "webpt", "generic_csv"] = Field(
        "none", validation_alias="RCM_EHR_ADAPTER", description="one of none, webpt, generic"
    )
    credentialing_adapter: Literal["none", "caqh_proview"] = Field(
        "none", validation_alias="RCM_CREDENTIALING_ADAPTER", description="one of none, caqh_proview"
    )
    # vendor files land in <this>/<system>/ (the SFTP folder); unset: <RCM_DATA_DIR>/adapter_inbox
    adapter_inbox_dir: Path = Field(validation_alias="RCM_ADAPTER_INBOX_DIR", description=_FOLDER)
    # <RCM_DATA_DIR>/adapters/<system>/: accumulated state and the gap report
    adapter_state_dir: Path

    @field_validator("ehr_adapter", "credentialing_adapter", mode="before")
    @classmethod
    def _lower_case(cls, value):
        value = value.lower() if isinstance(value, str) else value
        return "generic_csv" if value == "generic" else value

    @field_validator("adapter_inbox_dir")
    @classmethod
    def _relative_to_the_project(cls, path: Path) -> Path:
        return _absolute(path)

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ehr_adapter, self.credentialing_adapter) if s != "none")


def get_adapter_settings() -> AdapterSettings:
    data_dir = get_settings().data_dir
    inbox = os.environ.get("RCM_ADAPTER_INBOX_DIR") or data_dir / "adapter_inbox"
    return _load(AdapterSettings, adapter_inbox_dir=inbox, adapter_state_dir=data_dir / "adapters")


# -- Audit trail: the HMAC key of the ledger's audit chain and the append-only anchor file -----------------
# Both live outside the ledger database. Keep the key file on a different disk or secret store than the
# ledger and back it up separately: without it the chain cannot be verified, with it anyone can rewrite it.
class AuditSettings(_FromEnvironment):
    key_file: Path = Field(validation_alias="RCM_AUDIT_KEY_FILE", description="a file path")  # created on first use
    # one JSON line per anchored chain head, only ever appended to
    anchor_file: Path = Field(validation_alias="RCM_AUDIT_ANCHOR_FILE", description="a file path")

    @field_validator("key_file", "anchor_file")
    @classmethod
    def _relative_to_the_project(cls, path: Path) -> Path:
        return _absolute(path)


def get_audit_settings() -> AuditSettings:
    data_dir = _path("RCM_DATA_DIR", PROJECT_ROOT / "data")
    return _load(
        AuditSettings,
        key_file=os.environ.get("RCM_AUDIT_KEY_FILE") or data_dir / "secrets" / "audit.key",
        anchor_file=os.environ.get("RCM_AUDIT_ANCHOR_FILE") or data_dir / "ledger" / "audit-anchors.jsonl",
    )


# -- Orchestration: the dispatch sensor, serving snapshots kept, and which dbt the pipeline starts ----------
class OrchestrationSettings(_FromEnvironment):
    # the approved-actions sensor looks at the ledger this often
    dispatch_sensor_interval_seconds: int = Field(
        45, ge=10, validation_alias="RCM_DISPATCH_SENSOR_INTERVAL_SECONDS", description="10 or more seconds"
    )
    # complete snapshots kept on disk, the published one and the one before included
    serving_snapshots_kept: int = Field(
        3,
        ge=2,
        validation_alias="RCM_SERVING_SNAPSHOTS_KEPT",
        description="2 or more (the published snapshot and the one before it, which a dashboard session may "
        "still be reading)",
    )
    # the dbt the pipeline starts: the one installed beside this interpreter unless set
    dbt_executable: str = Field(default_factory=lambda: _dbt_beside_python(), validation_alias="RCM_DBT_EXECUTABLE")
    # what the nightly build writes to dbt's log file (target/last_run/dbt.log); dbt's own default, debug, writes
    # every query of every node: about 20 MB and 2-3 s of the build at 50 clinics. Set debug to trace a failure.
    dbt_file_log_level: Literal["debug", "info", "warn", "error", "none"] = Field(
        "info", validation_alias="RCM_DBT_FILE_LOG_LEVEL", description="debug, info, warn, error or none"
    )
    # dbt's JSON artifacts: without --no-write-json a build writes manifest.json twice (after parsing and at the
    # end, about 5 MB each) and run_results.json, 1-2.7 s of a demo build, and nothing of the pipeline reads them
    # (Dagster takes each node's result from dbt's event stream, partial parsing keeps its own file).
    dbt_write_artifacts: bool = Field(
        False,
        validation_alias="RCM_DBT_WRITE_ARTIFACTS",
        description="true: the build writes dbt's manifest.json and run_results.json to dbt/target/last_run",
    )


def _dbt_beside_python() -> str:
    import shutil
    import sys

    # Beside the interpreter first, so the pipeline finds dbt without an activated virtualenv.
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


def get_orchestration_settings() -> OrchestrationSettings:
    return _load(OrchestrationSettings)


# -- Accounts: demo or production mode, sign-in throttling, invitation codes ---------------------------------
# Production (the default) refuses the shared demo password everywhere (sign-in, setting a password) and the
# demo seed; `make demo` sets RCM_MODE=demo. The dashboard's bind address is the Makefile's ADDRESS (127.0.0.1).


class AccountSettings(_FromEnvironment):
    mode: Literal["demo", "production"] = Field(
        "production", validation_alias="RCM_MODE", description="demo or production"
    )
    # the seeded demo users' shared password (demo mode only); the same variable as Settings.demo_password
    demo_password: str = Field("demo-ot-2026", validation_alias="RCM_DEMO_PASSWORD")
    # then that source is locked out of that user
    max_failures_per_user_and_source: int = Field(
        5, ge=1, validation_alias="RCM_SIGN_IN_MAX_FAILURES", description="a whole number, 1 or more"
    )
    # then that source is locked out entirely
    max_failures_per_source: int = Field(
        20, ge=1, validation_alias="RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE", description="a whole number, 1 or more"
    )
    # failures older than this no longer count
    failure_window_minutes: int = Field(
        15, ge=1, validation_alias="RCM_SIGN_IN_WINDOW_MINUTES", description="a whole number of minutes, 1 or more"
    )
    # how long an invitation or reset code works
    invitation_hours: int = Field(
        72, ge=1, validation_alias="RCM_INVITATION_HOURS", description="a whole number of hours, 1 or more"
    )
    # the base of invitation links shown to administrators
    dashboard_url: str = Field("http://localhost:8501", validation_alias="RCM_DASHBOARD_URL")

    @field_validator("mode", mode="before")
    @classmethod
    def _lower_case(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("dashboard_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @property
    def demo(self) -> bool:
        return self.mode == "demo"


def get_account_settings() -> AccountSettings:
    return _load(AccountSettings)


# -- X12 270 eligibility batches (dagster_project/assets/eligibility_270.py) -----------------------------------
# Off until RCM_ELIGIBILITY_270_SUBMITTER_ID is set. The batch goes into the clearinghouse upload folder
# (RCM_CLEARINGHOUSE_UPLOAD_DIR), the one the SFTP mailbox uploads from.
_X12_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -.")
_X12_TEXT = "letters, digits, spaces, '-' and '.' only, without leading or trailing spaces"


class Eligibility270Settings(_FromEnvironment):
    submitter_name: str = Field(
        min_length=1, max_length=60, validation_alias="RCM_ELIGIBILITY_270_SUBMITTER_NAME", description=_X12_TEXT
    )  # the group
    submitter_id: str = Field(
        min_length=1, max_length=15, validation_alias="RCM_ELIGIBILITY_270_SUBMITTER_ID", description=_X12_TEXT
    )  # ISA06 / GS02
    receiver_id: str = Field(
        min_length=1, max_length=15, validation_alias="RCM_ELIGIBILITY_270_RECEIVER_ID", description=_X12_TEXT
    )  # the clearinghouse: ISA08 / GS03
    # 9 digits; the originator in TRN03 and REF*TJ of the information receiver
    group_tin: str = Field(validation_alias="RCM_GROUP_TIN", description="the group's 9-digit tax id")
    # the group's type-2 NPI, the information receiver (NM1*1P)
    group_npi: str = Field(validation_alias="RCM_GROUP_NPI", description="a 10-digit NPI")
    usage: Literal["P", "T"] = Field(
        "P", validation_alias="RCM_ELIGIBILITY_270_USAGE", description="P (production) or T (test)"
    )  # ISA15
    upload_dir: Path = Field(validation_alias="RCM_CLEARINGHOUSE_UPLOAD_DIR", description=_FOLDER)

    @field_validator("submitter_name", "submitter_id", "receiver_id")
    @classmethod
    def _plain_x12_text(cls, value: str, info) -> str:
        # X12 delimiters (* ~ : ^) or other punctuation in an envelope id would break every file we write.
        if not set(value) <= _X12_ID_CHARS or value != value.strip():
            variable = cls.model_fields[info.field_name].validation_alias
            raise ValueError(f"{variable} must use {_X12_TEXT}")
        return value

    @field_validator("usage", mode="before")
    @classmethod
    def _upper_case(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("group_tin")
    @classmethod
    def _nine_digits(cls, value: str) -> str:
        digits = value.replace("-", "")
        if not (digits.isdigit() and len(digits) == 9):
            raise ValueError("RCM_GROUP_TIN must be the group's 9-digit tax id (e.g. 74-1234567)")
        return digits

    @field_validator("group_npi")
    @classmethod
    def _valid_npi(cls, value: str) -> str:
        from dagster_project.npi import is_valid_npi

        if not is_valid_npi(value):
            raise ValueError("RCM_GROUP_NPI must be a 10-digit NPI with a valid check digit")
        return value


def get_eligibility_270_settings() -> Eligibility270Settings | None:
    """None when RCM_ELIGIBILITY_270_SUBMITTER_ID is not set (no 270 batches are written)."""
    if not os.environ.get("RCM_ELIGIBILITY_270_SUBMITTER_ID"):
        return None
    upload_dir = _path("RCM_CLEARINGHOUSE_UPLOAD_DIR", get_settings().outbox_dir / "clearinghouse_batches")
    return _load(Eligibility270Settings, upload_dir=upload_dir)


# -- Warehouse engine: DuckDB's memory ceiling and worker threads, for every process that opens the warehouse,
# and dbt's checkpoint threshold --
# The dbt profile (dbt/profiles.yml `settings:`, through --vars), the loader's and publish's connections all read
# memory_limit and threads, so one process never takes more than memory_limit for DuckDB's buffers (it spills to
# `<warehouse>.tmp/` past it).
DUCKDB_MEMORY_LIMIT_DEFAULT = "2GB"  # dbt/profiles.yml repeats it for a dbt started by hand: keep in step
# DuckDB checkpoints (writes its write-ahead log into the file) whenever the log passes this size; its own default,
# 16MB, checkpointed a 50 x 36 warehouse many times during one night's dbt build. At 1GB the build checkpoints once,
# when dbt closes the file (the log reached 174 MB that night). dbt only: the loader keeps DuckDB's 16MB, since
# uncheckpointed rows stay in its memory (a 50 x 36 first ingest peaked at 3.1 GB at 1GB, 2.4 GB at 16MB).
# dbt/profiles.yml repeats it: keep in step.
DUCKDB_CHECKPOINT_THRESHOLD_DEFAULT = "1GB"
_SIZE = re.compile(r"\d+(\.\d+)?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", flags=re.IGNORECASE)


class WarehouseEngineSettings(_FromEnvironment):
    memory_limit: str = Field(
        DUCKDB_MEMORY_LIMIT_DEFAULT,
        validation_alias="RCM_DUCKDB_MEMORY_LIMIT",
        description="a size such as 2GB or 512MB",
    )
    threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        validation_alias="RCM_DUCKDB_THREADS",
        description="1 or more",
    )

    checkpoint_threshold: str = Field(
        DUCKDB_CHECKPOINT_THRESHOLD_DEFAULT,
        validation_alias="RCM_DUCKDB_CHECKPOINT_THRESHOLD",
        description="a size such as 1GB or 16MB",
    )

    @field_validator("memory_limit", "checkpoint_threshold")
    @classmethod
    def _a_size(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip().replace(" ", "")
        if not _SIZE.fullmatch(value):
            field = cls.model_fields[info.field_name]
            raise ValueError(f"{field.validation_alias} must be {field.description} (got {value!r})")
        return value

    def duckdb_config(self) -> dict[str, str | int]:
        """The `config` for duckdb.connect() (the checkpoint threshold is dbt's alone)."""
        return {"memory_limit": self.memory_limit, "threads": self.threads}

    def dbt_profile_vars(self) -> dict[str, str | int]:
        """The --vars dbt/profiles.yml reads these from (the environment is never changed for dbt)."""
        return {
            "duckdb_memory_limit": self.memory_limit,
            "duckdb_threads": self.threads,
            "duckdb_checkpoint_threshold": self.checkpoint_threshold,
        }


def get_warehouse_engine_settings() -> WarehouseEngineSettings:
    return _load(WarehouseEngineSettings)


# -- Warehouse ---------------------------------------------------------------------------------------------------
# DuckDB (one file, embedded) is the default; PostgreSQL is the server warehouse a data team grows into.
# dbt/profiles.yml reads the same variables (RCM_WAREHOUSE picks its target).
class WarehouseSettings(_FromEnvironment):
    kind: Literal["duckdb", "postgres"] = Field(
        "duckdb", validation_alias="RCM_WAREHOUSE", description="duckdb or postgres"
    )
    # a host name, or a unix-socket directory (starts with /)
    pg_host: str = Field("localhost", validation_alias="RCM_PG_HOST")
    pg_port: int = Field(5432, ge=1, le=65535, validation_alias="RCM_PG_PORT", description="a port number")
    pg_user: str = Field("rcm", validation_alias="RCM_PG_USER")
    pg_password: SecretStr = Field(SecretStr(""), validation_alias="RCM_PG_PASSWORD")
    pg_database: str = Field("rcm", validation_alias="RCM_PG_DATABASE")

    @field_validator("kind", mode="before")
    @classmethod
    def _lower_case(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def pg_conninfo(self) -> str:
        """libpq keyword/value connection string (psycopg)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.pg_host,
            port=self.pg_port,
            user=self.pg_user,
            password=self.pg_password.get_secret_value() or None,
            dbname=self.pg_database,
        )


def get_warehouse_settings() -> WarehouseSettings:
    return _load(WarehouseSettings)
