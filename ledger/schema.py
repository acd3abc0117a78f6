"""The ledger's tables and indexes, the engine (SQLite in WAL mode by default, any SQLAlchemy URL), and the
fixed-width time format every table stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

actions = sa.Table(
    "actions",
    metadata,
    sa.Column("action_id", sa.String(32), primary_key=True),
    sa.Column("flag_id", sa.String(128), nullable=False, unique=True),
    sa.Column("action_type", sa.String(64), nullable=False),
    sa.Column("location_id", sa.String(64), nullable=False),
    sa.Column("payer_id", sa.String(64)),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("original_body", sa.Text, nullable=False),
    sa.Column("checklist_json", sa.Text, nullable=False),
    sa.Column("evidence_json", sa.Text, nullable=False),
    # Text, not a float: money keeps its cents exactly on every backend; read back as Decimal.
    sa.Column("dollars_at_stake", sa.String(32), nullable=False),
    sa.Column("due_date", sa.Date),
    sa.Column("assigned_role", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("snoozed_until", sa.Date),
    sa.Column("phi_terms_json", sa.Text, nullable=False, server_default="[]"),
    # {kind, id, address_sha256} of a fax or text recipient (emitters.models.RecipientRef); NULL for other types
    sa.Column("recipient_ref_json", sa.Text),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    # The last pipeline run that drafted, refreshed, reopened or auto-resolved the row; a run that found its flag
    # unchanged leaves the row alone.
    sa.Column("last_seen_run_id", sa.String(128)),
    # SHA-256 of the inputs the draft was made from (emitters.changes): a run skips flags whose inputs match.
    sa.Column("input_hash", sa.String(64)),
    sa.Index("ix_actions_type_status", "action_type", "status"),
    sa.Index("ix_actions_location_status", "location_id", "status"),
)

# prev_hash / event_hash hold HMAC-SHA256 values (hex) for events from `audit_chain_keyed_from` on, plain
# SHA-256 before it (a ledger created before the chain was keyed and migrated with `python -m ledger migrate`).
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("occurred_at", sa.String(32), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("actor_role", sa.String(32)),
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id")),
    sa.Column("location_id", sa.String(64)),
    sa.Column("detail_json", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("event_hash", sa.String(64), nullable=False, unique=True),
    sa.Index("ix_audit_actor_type_time", "actor", "event_type", "occurred_at"),
    sa.Index("ix_audit_action", "action_id"),
    sqlite_autoincrement=True,
)

# Facts about the ledger itself: its random id (named in every anchor line) and where the keyed chain starts.
ledger_meta = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(128), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("locations_json", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

# A separate table, not a column of `actions`: an existing ledger gains it through create_all, no migration.
action_assignments = sa.Table(
    "action_assignments",
    metadata,
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id"), primary_key=True),
    sa.Column("assignee", sa.String(128), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("assigned_by", sa.String(128), nullable=False),
    sa.Column("assigned_at", sa.String(32), nullable=False),
    sa.Index("ix_action_assignments_assignee", "assignee"),
)

# One number per flag for good, from one sequence: a redraft of the same flag keeps its number and no two
# outgoing 837Ps share one (clearinghouses reject a repeated ISA13).
interchange_control_numbers = sa.Table(
    "interchange_control_numbers",
    metadata,
    sa.Column("control_number", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flag_id", sa.String(64), nullable=False, unique=True),
)

# One row each time the dispatcher starts sending an action over a webhook (see ledger/delivery_attempts.py).
delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id"), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("idempotency_key", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),  # HTTP requests made
    sa.Column("http_status", sa.Integer),
    sa.Column("error", sa.Text),  # short; never the body or the receiver's answer
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32)),
    sa.Index("ix_delivery_attempts_action", "action_id", "attempt_id"),
    sqlite_autoincrement=True,
)

# Approved actions the dispatcher refused to send (approval not verified, changed since approval, replay, approver
# no longer allowed), and a trail that does not verify: one row each, listed until a person acknowledges it.
dispatch_alerts = sa.Table(
    "dispatch_alerts",
    metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id")),  # None: about the whole trail
    sa.Column("location_id", sa.String(64)),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("audit_event_id", sa.Integer, nullable=False),
    sa.Column("raised_at", sa.String(32), nullable=False),
    sa.Column("acknowledged_by", sa.String(128)),
    sa.Column("acknowledged_at", sa.String(32)),
    sa.Index("ix_dispatch_alerts_open", "acknowledged_at", "raised_at"),
    sqlite_autoincrement=True,
)

# Named leases with an expiry, taken in a write transaction: one dispatcher at a time, on SQLite and PostgreSQL.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
)

# Accounts (ledger/accounts.py, ledger/sign_in.py): separate tables, so an existing ledger gains them through
# create_all with no migration. One row per user who ever set a password or a second factor.
account_security = sa.Table(
    "account_security",
    metadata,
    sa.Column("username", sa.String(128), sa.ForeignKey("users.username"), primary_key=True),
    sa.Column("password_set_at", sa.String(32)),  # None: invited or reset, waiting for the person's own password
    sa.Column("totp_secret_encrypted", sa.Text),  # Fernet token; None: no second factor
    sa.Column("totp_pending_encrypted", sa.Text),  # set up but not confirmed with a code yet
    sa.Column("totp_last_step", sa.Integer),  # the 30-second step of the last accepted code (no replays)
)

# One-time invitation and password-reset codes: only their SHA-256 is stored; used or superseded codes stay.
account_codes = sa.Table(
    "account_codes",
    metadata,
    sa.Column("code_sha256", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(128), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),  # invitation | reset
    sa.Column("issued_by", sa.String(128), nullable=False),
    sa.Column("issued_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
    sa.Column("closed_at", sa.String(32)),  # used, or superseded by a newer code for the same user
    sa.Index("ix_account_codes_user", "username", "closed_at"),
)

# Failed sign-ins by typed username and source (client IP, else the browser session): the throttle's counter.
# Not the record of them (that is the audit trail): an administrator's unlock deletes a user's rows.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(128), nullable=False),  # as typed: unknown names count the same
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("occurred_at", sa.String(32), nullable=False),
    sa.Index("ix_sign_in_failures_user_source", "username", "source", "occurred_at"),
    sa.Index("ix_sign_in_failures_source", "source", "occurred_at"),
    sqlite_autoincrement=True,
)

# Signed-in dashboard sessions behind the browser's session cookie (ledger/sign_in.py). Only the SHA-256 of the
# session's random id is stored; sign-out, inactivity, the absolute lifetime or a disabled account end a session,
# and ended rows stay.
sign_in_sessions = sa.Table(
    "sign_in_sessions",
    metadata,
    sa.Column("session_sha256", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(128), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("issued_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),  # absolute: no activity extends it
    sa.Column("last_active_at", sa.String(32), nullable=False),
    sa.Column("ended_at", sa.String(32)),
    sa.Column("ended_reason", sa.String(32)),  # the audit event that ended it (sign_out, session_expired, ...)
    sa.Index("ix_sign_in_sessions_user", "username", "ended_at"),
)

# Indexes the board's queue and stats queries use; created on existing ledgers too.
BOARD_INDEXES = (
    sa.Index("ix_actions_status_created", actions.c.status, actions.c.created_at),
    sa.Index("ix_actions_payer_status", actions.c.payer_id, actions.c.status),
    sa.Index("ix_audit_type_time", audit_events.c.event_type, audit_events.c.occurred_at),
)

SQLITE_APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
)

POSTGRESQL_APPEND_ONLY_TRIGGER = (
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$""",
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
)
# Writers take this transaction-scoped advisory lock on PostgreSQL, as BEGIN IMMEDIATE does on SQLite: two writers
# never read the same chain head and both append to it. Any constant works; this one names the ledger.
POSTGRESQL_WRITER_LOCK = 0x1ED6E5


def make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "begin")
        def _on_begin_postgresql(connection):
            if connection.get_execution_options().get("ledger_write", False):
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POSTGRESQL_WRITER_LOCK})")

        return engine
    if engine.dialect.name != "sqlite":
        return engine
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN, so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # BEGIN IMMEDIATE for writers: two processes (pipeline, dashboard) never both read the chain head
        # and then fail to upgrade their lock; the second waits busy_timeout instead.
        immediate = connection.get_execution_options().get("ledger_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_schema(writer: sa.Engine) -> None:
    """Create missing tables, the append-only triggers (SQLite, PostgreSQL) and the board's indexes; safe to
    repeat."""
    with writer.begin() as conn:
        create_schema_in(conn)


def create_schema_in(conn: sa.Connection) -> None:
    """`create_schema` inside the caller's transaction (ledger/migrate.py creates and fills a ledger in one)."""
    metadata.create_all(conn, checkfirst=True)
    _add_missing_columns(conn)
    if conn.dialect.name == "sqlite":
        for ddl in SQLITE_APPEND_ONLY_TRIGGERS:
            conn.exec_driver_sql(ddl)
    if conn.dialect.name == "postgresql":
        for ddl in POSTGRESQL_APPEND_ONLY_TRIGGER:
            conn.exec_driver_sql(ddl)
    for index in BOARD_INDEXES:
        index.create(conn, checkfirst=True)


# Nullable columns added after the first release: a ledger created before them gains them on open.
ADDED_COLUMNS = {"actions": ("recipient_ref_json", "input_hash")}


def _add_missing_columns(conn: sa.Connection) -> None:
    inspector = sa.inspect(conn)
    for table_name, names in ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table_name)}
        for name in names:
            if name not in present:
                column = metadata.tables[table_name].c[name]
                conn.exec_driver_sql(
                    f"ALTER TABLE {table_name} ADD COLUMN {name} {column.type.compile(dialect=conn.dialect)}"
                )


def iso(moment: datetime) -> str:
    # Fixed width, so ISO strings compare in time order inside SQL.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fetch_action(conn: sa.Connection, action_id: str):
    return conn.execute(sa.select(actions).where(actions.c.action_id == action_id)).first()
