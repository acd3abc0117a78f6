"""What the gateways have sent and fetched, in a small transactional store (the ledger's database by default).

`gateway_sends`: one row per idempotency key (action + approval). A row in state "sending" without a
provider id means a send whose outcome is unknown (a timeout after the request left, a crash): the gateway
asks the provider before it sends again. A row with a provider id is never sent again.

`mailbox_pickups`: one row per remote file fetched, keyed by name, size and modification time, so a file
is fetched once even when the server keeps it. Uploads to the mailbox are sends like any other (provider id =
the remote file name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()

gateway_sends = sa.Table(
    "gateway_sends",
    metadata,
    sa.Column("idempotency_key", sa.String(64), primary_key=True),
    sa.Column("gateway", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # sending | sent
    sa.Column("provider_id", sa.String(64)),  # SRFax FaxDetailsID, Twilio message SID, remote file name
    sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
)

mailbox_pickups = sa.Table(
    "mailbox_pickups",
    metadata,
    sa.Column("remote_name", sa.String(255), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True),
    sa.Column("mtime", sa.BigInteger, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("local_name", sa.String(255), nullable=False),
    sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=False),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SendRecord:
    state: str
    provider_id: str | None
    first_attempt_at: datetime


class GatewayState:
    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_wal)
        metadata.create_all(self.engine)

    # -- sends ------------------------------------------------------------------------------------------
    def send_record(self, key: str) -> SendRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(gateway_sends).where(gateway_sends.c.idempotency_key == key)).first()
        if row is None:
            return None
        return SendRecord(row.state, row.provider_id, _aware(row.first_attempt_at))

    def begin_send(self, key: str, gateway: str) -> SendRecord:
        """Record an attempt before the request leaves (the first one keeps its start time)."""
        now = utc_now()
        with self.engine.begin() as conn:
            updated = conn.execute(
                gateway_sends.update().where(gateway_sends.c.idempotency_key == key).values(last_attempt_at=now)
            ).rowcount
            if not updated:
                conn.execute(
                    gateway_sends.insert().values(
                        idempotency_key=key, gateway=gateway, state="sending", first_attempt_at=now, last_attempt_at=now
                    )
                )
        return self.send_record(key)

    def complete_send(self, key: str, provider_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                gateway_sends.update()
                .where(gateway_sends.c.idempotency_key == key)
                .values(state="sent", provider_id=provider_id, last_attempt_at=utc_now())
            )

    # -- mailbox ----------------------------------------------------------------------------------------
    def picked_up(self) -> set[tuple[str, int, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(mailbox_pickups.c.remote_name, mailbox_pickups.c.size, mailbox_pickups.c.mtime)
            )
            return {(row.remote_name, row.size, row.mtime) for row in rows}

    def record_pickup(self, remote_name: str, size: int, mtime: int, sha256: str, local_name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                mailbox_pickups.insert().values(
                    remote_name=remote_name,
                    size=size,
                    mtime=mtime,
                    sha256=sha256,
                    local_name=local_name,
                    picked_up_at=utc_now(),
                )
            )


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every value written here is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sqlite_wal(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
