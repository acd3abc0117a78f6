"""Sign-in: password (argon2id), then the second factor when the person has one, with throttling.

Failures are counted per (typed username, source) and per source, where the source is the client's IP address
(else its browser session). A source that fails too often is locked out of that username, and one that fails
too often overall is locked out entirely, for the rest of the window; nobody elsewhere is affected, so an
attacker cannot lock the administrator out. The answer for a locked source is the same whether the username
exists or not.

A successful sign-in may open a session (`open_session`): a row in the ledger and a signed token for the browser's
cookie, so a reload or a new tab does not ask for the password again. The token is useless without its row: the
ledger ends the session on sign-out, after `RCM_SESSION_TIMEOUT_MINUTES` without activity, at its absolute
lifetime (`RCM_SESSION_MAX_HOURS`), or when the account is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import AccountSettings, get_account_settings, get_settings

from .schema import account_security, iso, parse_iso, sign_in_failures, sign_in_sessions, users

SECOND_FACTOR_WINDOW = timedelta(minutes=5)  # between the right password and the code
SESSION_ACTIVITY_STEP = timedelta(minutes=1)  # last activity is written at most this often (one write per click)


@dataclass(frozen=True)
class SignInResult:
    """ok: `user` is signed in. second_factor: the password was right; pass `challenge` and a code to
    `complete_second_factor`. failed: wrong (say nothing more). locked: try again in `retry_minutes`."""

    status: Literal["ok", "second_factor", "failed", "locked"]
    user: object | None = None
    challenge: str | None = None
    retry_minutes: int | None = None


class SignIn:
    """Ledger methods for signing in and unlocking (mixed into Ledger; uses Accounts' helpers)."""

    def authenticate(self, username: str, password: str, *, source: str = "local"):
        """The user when the password is right and no second factor is set up; else None."""
        result = self.sign_in(username, password, source=source)
        return result.user if result.status == "ok" else None

    def sign_in(self, username: str, password: str, *, source: str) -> SignInResult:
        settings = get_account_settings()
        with self._writer.begin() as conn:
            if locked := self._locked_out(conn, username, source, settings):
                return locked
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            verified = self._password_matches(conn, username, password, row=row)
            reason = (
                "unknown user"
                if row is None
                else "account disabled"
                if row.disabled
                else "wrong password"
                if not verified
                else None
            )
            if (
                reason is None
                and not settings.demo
                and hmac.compare_digest(password.encode(), settings.demo_password.encode())
            ):
                reason = "demo password outside demo mode"
            if reason is not None:
                return self._failed(conn, username, source, settings, reason, row.role if row else None)
            if self._second_factor_enabled(conn, username):
                return SignInResult("second_factor", challenge=self._challenge(username, self._now()))
            if self._hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    users.update().where(users.c.username == username).values(password_hash=self._hasher.hash(password))
                )
            return self._succeeded(conn, row, source, second_factor=False)

    def complete_second_factor(self, username: str, challenge: str, code: str, *, source: str) -> SignInResult:
        """The second step: the challenge from `sign_in` (proves the password was right, minutes ago) and a
        code from the person's authenticator app."""
        settings = get_account_settings()
        with self._writer.begin() as conn:
            if locked := self._locked_out(conn, username, source, settings):
                return locked
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None or row.disabled or not self._challenge_valid(username, challenge):
                return self._failed(
                    conn, username, source, settings, "second-factor step expired or invalid", row.role if row else None
                )
            if refusal := self._check_second_factor(conn, username, code):
                return self._failed(conn, username, source, settings, refusal, row.role)
            return self._succeeded(conn, row, source, second_factor=True)

    def unlock_user(self, actor, username: str) -> int:
        """Forget the failed sign-ins for this username from every source (administrators, audited); returns
        how many were forgotten."""
        with self._writer.begin() as conn:
            admin = self._user_admin(conn, actor)
            self._managed_row(conn, admin, username)
            count = conn.execute(sign_in_failures.delete().where(sign_in_failures.c.username == username)).rowcount
            self._append_event(
                conn,
                "account_unlocked",
                admin.username,
                actor_role=admin.role,
                detail={"username": username, "failures_cleared": count},
            )
            return count

    def locked_usernames(self) -> set[str]:
        """Usernames some source is locked out of right now."""
        settings = get_account_settings()
        since = iso(self._now() - timedelta(minutes=settings.failure_window_minutes))
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sign_in_failures.c.username)
                .where(sign_in_failures.c.occurred_at >= since)
                .group_by(sign_in_failures.c.username, sign_in_failures.c.source)
                .having(sa.func.count() >= settings.max_failures_per_user_and_source)
            )
            return {r.username for r in rows}

    # ----- sessions behind the browser's cookie ------------------------------------------------------

    def open_session(self, user) -> str:
        """Open a session for a user who has just signed in; returns the token for the browser's cookie:
        `<random id>.<expiry, unix seconds>.<HMAC-SHA256>`. The ledger keeps only the id's SHA-256."""
        now = self._now()
        expires = now + timedelta(hours=get_settings().session_max_hours)
        session_id = secrets.token_urlsafe(32)
        with self._writer.begin() as conn:
            conn.execute(
                sign_in_sessions.insert().values(
                    session_sha256=_sha256(session_id),
                    username=user.username,
                    issued_at=iso(now),
                    expires_at=iso(expires),
                    last_active_at=iso(now),
                )
            )
        unsigned = f"{session_id}.{int(expires.timestamp())}"
        return f"{unsigned}.{self._session_mac(unsigned)}"

    def resume_session(self, token: str):
        """The user of a live session (as stored now, so a role change applies), or None: a token that is
        malformed, tampered with or expired, a session that ended or sat idle too long, a disabled account.
        Counts as activity; a resumed session is audited like a sign-in, naming the session, never the token."""
        session_id = self._verified_session_id(token)
        if session_id is None:
            return None
        now = self._now()
        idle = timedelta(minutes=get_settings().session_timeout_minutes)
        digest = _sha256(session_id)
        with self._writer.begin() as conn:
            row = conn.execute(sa.select(sign_in_sessions).where(sign_in_sessions.c.session_sha256 == digest)).first()
            if row is None or row.ended_at is not None:
                return None
            ended = (
                "session_lifetime_over"
                if now >= parse_iso(row.expires_at)
                else "session_expired"
                if now - parse_iso(row.last_active_at) > idle
                else None
            )
            from .accounts import fetch_user

            user = fetch_user(conn, row.username) if ended is None else None
            if ended is None and user is None:
                ended = "session_ended_disabled"
            if ended is not None:
                self._end_session_row(conn, digest, ended)
                return None
            conn.execute(
                sign_in_sessions.update()
                .where(sign_in_sessions.c.session_sha256 == digest)
                .values(last_active_at=iso(now))
            )
            self._append_event(
                conn, "session_resumed", user.username, actor_role=user.role, detail={"session": digest[:16]}
            )
            return user

    def touch_session(self, token: str) -> bool:
        """Record activity on a live session (at most once a minute); False when it is no longer live, so the
        caller signs the person out."""
        session_id = self._verified_session_id(token)
        if session_id is None:
            return False
        now = self._now()
        idle = timedelta(minutes=get_settings().session_timeout_minutes)
        with self._writer.begin() as conn:
            row = conn.execute(
                sa.select(sign_in_sessions).where(sign_in_sessions.c.session_sha256 == _sha256(session_id))
            ).first()
            if (
                row is None
                or row.ended_at is not None
                or now >= parse_iso(row.expires_at)
                or now - parse_iso(row.last_active_at) > idle
            ):
                return False
            if now - parse_iso(row.last_active_at) >= SESSION_ACTIVITY_STEP:
                conn.execute(
                    sign_in_sessions.update()
                    .where(sign_in_sessions.c.session_sha256 == row.session_sha256)
                    .values(last_active_at=iso(now))
                )
            return True

    def end_session(self, token: str, reason: str = "sign_out") -> None:
        """End a session server-side (sign-out, inactivity): its token stops working in every tab at once."""
        session_id = self._verified_session_id(token)
        if session_id is None:
            return
        with self._writer.begin() as conn:
            self._end_session_row(conn, _sha256(session_id), reason)

    def _end_session_row(self, conn, digest: str, reason: str) -> None:
        conn.execute(
            sign_in_sessions.update()
            .where(sign_in_sessions.c.session_sha256 == digest, sign_in_sessions.c.ended_at.is_(None))
            .values(ended_at=self._now_iso(), ended_reason=reason)
        )

    def _session_mac(self, unsigned: str) -> str:
        # stdlib hmac, like the second-factor challenge: one key derived from the audit key (kept outside the
        # database), so nobody who can only read or write the database can mint or alter a token.
        key = hashlib.sha256(b"rcm ledger: session token v1" + self._audit_key).digest()
        return hmac.new(key, unsigned.encode(), hashlib.sha256).hexdigest()

    def _verified_session_id(self, token: str) -> str | None:
        """The session id of a well-formed, correctly signed, unexpired token; None otherwise."""
        unsigned, _, mac = (token or "").rpartition(".")
        session_id, _, expires = unsigned.partition(".")
        if not (session_id and expires.isdigit() and mac):
            return None
        if not hmac.compare_digest(self._session_mac(unsigned), mac):
            return None
        if self._now().timestamp() >= int(expires):
            return None
        return session_id

    # ----- internals ---------------------------------------------------------------------------------

    def _locked_out(self, conn, username: str, source: str, settings: AccountSettings) -> SignInResult | None:
        window = timedelta(minutes=settings.failure_window_minutes)
        since = iso(self._now() - window)
        recent = sign_in_failures.c.occurred_at >= since
        retry_at = None
        for condition, limit in (
            (
                (sign_in_failures.c.username == username) & (sign_in_failures.c.source == source),
                settings.max_failures_per_user_and_source,
            ),
            (sign_in_failures.c.source == source, settings.max_failures_per_source),
        ):
            times = (
                conn.execute(
                    sa.select(sign_in_failures.c.occurred_at)
                    .where(condition, recent)
                    .order_by(sign_in_failures.c.occurred_at)
                )
                .scalars()
                .all()
            )
            if len(times) >= limit:  # locked until enough of these failures have left the window
                lifts = parse_iso(times[len(times) - limit]) + window
                retry_at = max(retry_at or lifts, lifts)
        if retry_at is None:
            return None
        minutes = max(1, math.ceil((retry_at - self._now()).total_seconds() / 60))
        self._append_event(conn, "sign_in_throttled", username, detail={"source": source, "retry_minutes": minutes})
        return SignInResult("locked", retry_minutes=minutes)

    def _failed(self, conn, username, source, settings, reason, role) -> SignInResult:
        forgotten = iso(self._now() - timedelta(minutes=settings.failure_window_minutes))
        conn.execute(sign_in_failures.delete().where(sign_in_failures.c.occurred_at < forgotten))  # keep it small
        conn.execute(sign_in_failures.insert().values(username=username, source=source, occurred_at=self._now_iso()))
        self._append_event(
            conn, "sign_in_failed", username, actor_role=role, detail={"reason": reason, "source": source}
        )
        locked = self._locked_out(conn, username, source, settings)  # this failure may have been the last allowed
        return locked or SignInResult("failed")

    def _succeeded(self, conn, row, source: str, *, second_factor: bool) -> SignInResult:
        conn.execute(
            sign_in_failures.delete().where(
                sign_in_failures.c.username == row.username, sign_in_failures.c.source == source
            )
        )
        self._append_event(
            conn,
            "sign_in",
            row.username,
            actor_role=row.role,
            detail={"source": source, "second_factor": second_factor},
        )
        from .accounts import user_from_row

        return SignInResult("ok", user=user_from_row(row))

    def _second_factor_enabled(self, conn, username: str) -> bool:
        return (
            conn.execute(
                sa.select(account_security.c.username).where(
                    account_security.c.username == username, account_security.c.totp_secret_encrypted.is_not(None)
                )
            ).first()
            is not None
        )

    def _challenge_key(self) -> bytes:
        return hashlib.sha256(b"rcm ledger: sign-in challenge v1" + self._audit_key).digest()

    def _challenge(self, username: str, issued: datetime) -> str:
        stamp = iso(issued)
        mac = hmac.new(self._challenge_key(), f"{username}\n{stamp}".encode(), hashlib.sha256).hexdigest()
        return f"{stamp}|{mac}"

    def _challenge_valid(self, username: str, challenge: str) -> bool:
        stamp, _, _mac = challenge.partition("|")
        try:
            issued = parse_iso(stamp)
        except ValueError:
            return False
        fresh = timedelta(0) <= self._now() - issued <= SECOND_FACTOR_WINDOW
        return fresh and hmac.compare_digest(self._challenge(username, issued), challenge)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verify_password(hasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
