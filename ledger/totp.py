"""Time-based one-time codes (RFC 6238, via pyotp) as a second sign-in factor.

Secrets are stored encrypted (Fernet) under a key derived with HKDF from the ledger's audit key, which lives
outside the database; a copy of the database alone does not give anyone's second factor. A secret is shown once,
while it is being set up, and never logged. Each accepted code's 30-second step is remembered, so a code cannot be
used twice (also not an earlier code of the same window).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import InvalidTransition
from .schema import account_security, users

ISSUER = "OT revenue leaks"
STEP_SECONDS = 30
ACCEPTED_DRIFT_STEPS = 1  # a code of the previous or next 30-second step still counts (phone clocks drift)


def secret_box(audit_key: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"rcm ledger: totp secrets v1").derive(audit_key)
    return Fernet(base64.urlsafe_b64encode(key))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (within the drift) whose code this is, or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - ACCEPTED_DRIFT_STEPS, current + ACCEPTED_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@dataclass(frozen=True)
class TotpEnrolment:
    """What the person scans or types into an authenticator app; shown once, while setting up."""

    secret: str
    provisioning_uri: str

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


class SecondFactor:
    """Ledger methods to set up, confirm and remove a person's TOTP second factor (mixed into Ledger)."""

    def _secret_box(self) -> Fernet:
        return secret_box(self._audit_key)

    def has_second_factor(self, username: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(account_security.c.totp_secret_encrypted).where(account_security.c.username == username)
            ).first()
        return row is not None and row.totp_secret_encrypted is not None

    def begin_second_factor(self, username: str, *, secret: str | None = None) -> TotpEnrolment:
        """A new secret for this user, pending until `confirm_second_factor` sees a code from it. `secret` lets a
        test pick a known one; the dashboard never passes it."""
        secret = secret or pyotp.random_base32()
        with self._writer.begin() as conn:
            if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first() is None:
                raise ValueError(f"no user {username!r}")
            self._ensure_security_row(conn, username)
            conn.execute(
                account_security.update()
                .where(account_security.c.username == username)
                .values(totp_pending_encrypted=self._secret_box().encrypt(secret.encode()).decode())
            )
            self._append_event(conn, "second_factor_setup_started", username)
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
        return TotpEnrolment(secret=secret, provisioning_uri=uri)

    def confirm_second_factor(self, username: str, code: str) -> None:
        """Turn the pending secret on once a code from it checks out; raises ValueError when it does not."""
        with self._writer.begin() as conn:
            row = conn.execute(sa.select(account_security).where(account_security.c.username == username)).first()
            if row is None or row.totp_pending_encrypted is None:
                raise InvalidTransition("start setting up the second factor first")
            secret = self._secret_box().decrypt(row.totp_pending_encrypted.encode()).decode()
            step = matching_step(secret, code, self._now())
            if step is None:
                self._append_event(conn, "second_factor_setup_failed", username)
            else:
                conn.execute(
                    account_security.update()
                    .where(account_security.c.username == username)
                    .values(
                        totp_secret_encrypted=row.totp_pending_encrypted,
                        totp_pending_encrypted=None,
                        totp_last_step=step,
                    )
                )
                self._append_event(conn, "second_factor_enabled", username)
        if step is None:  # raised after the failed attempt's audit event has committed
            raise ValueError("That code does not match. Check the phone's clock and type the current code.")

    def disable_second_factor(self, username: str, current_password: str) -> None:
        """Remove the person's own second factor; their current password is required."""
        with self._writer.begin() as conn:
            matches = self._password_matches(conn, username, current_password)
            if matches:
                self._clear_second_factor(conn, username)
                self._append_event(conn, "second_factor_disabled", username)
            else:
                self._append_event(
                    conn, "second_factor_change_refused", username, detail={"reason": "wrong current password"}
                )
        if not matches:  # raised after the refusal's audit event has committed
            raise ValueError("The current password is not right.")

    def _clear_second_factor(self, conn: sa.Connection, username: str) -> None:
        conn.execute(
            account_security.update()
            .where(account_security.c.username == username)
            .values(totp_secret_encrypted=None, totp_pending_encrypted=None, totp_last_step=None)
        )

    def _check_second_factor(self, conn: sa.Connection, username: str, code: str) -> str | None:
        """None when the code is good and not used before (and remember it); else why it was refused."""
        row = conn.execute(sa.select(account_security).where(account_security.c.username == username)).first()
        if row is None or row.totp_secret_encrypted is None:
            return "no second factor set up"
        secret = self._secret_box().decrypt(row.totp_secret_encrypted.encode()).decode()
        step = matching_step(secret, code, self._now())
        if step is None:
            return "wrong second-factor code"
        if row.totp_last_step is not None and step <= row.totp_last_step:
            return "second-factor code already used"
        conn.execute(
            account_security.update().where(account_security.c.username == username).values(totp_last_step=step)
        )
        return None
