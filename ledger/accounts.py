"""People: the User shape, argon2id password hashes, sign-in with lockout, and user administration."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field

from core.vocabulary import ALL_LOCATIONS, ROLES, Role

from .audit import canonical_json
from .errors import InvalidTransition, PermissionDenied
from .schema import audit_events, iso, users

SIGN_IN_MAX_FAILURES = 5
SIGN_IN_WINDOW = timedelta(minutes=15)
USER_ADMIN_ROLES = frozenset({"admin"})


class User(BaseModel):
    """A signed-in person. `"*"` in locations means every location of the group."""

    model_config = ConfigDict(frozen=True)

    username: str = Field(min_length=1)
    display_name: str
    role: Role
    locations: frozenset[str]

    @property
    def sees_all_locations(self) -> bool:
        return ALL_LOCATIONS in self.locations

    def can_see(self, location_id: str | None) -> bool:
        if self.sees_all_locations:
            return True
        return location_id is not None and location_id in self.locations


@lru_cache(maxsize=1)
def default_password_hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against for unknown users so a wrong username costs the same time as a wrong password.
    return hasher.hash(uuid.uuid4().hex)


def fetch_user(conn: sa.Connection, username: str) -> User | None:
    """The enabled user as stored now, or None (unknown or disabled)."""
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or row.disabled:
        return None
    return user_from_row(row)


def user_from_row(row) -> User:
    return User(username=row.username, display_name=row.display_name, role=row.role,
                locations=frozenset(json.loads(row.locations_json)))


def _manages(admin: User, locations: Iterable[str]) -> bool:
    """Whether an admin may see and change a user with these locations: all-locations admins manage everyone,
    a scoped admin only users every location of whom is theirs (never an all-locations user)."""
    return admin.sees_all_locations or set(locations) <= set(admin.locations) - {ALL_LOCATIONS}


class Accounts:
    """Ledger methods for users and sign-in; mixed into Ledger (uses its engine, clock, hasher and audit)."""

    def upsert_user(self, username: str, password: str, role: str, locations: Iterable[str], display_name: str,
                    *, disabled: bool = False, actor: str = "system:admin") -> User:
        """Create or update a user; the password is stored only as an argon2 hash. Audited (no password)."""
        if not password:
            raise ValueError("a password is required")
        user = User(username=username, display_name=display_name, role=role, locations=frozenset(locations))
        values = {"display_name": display_name, "role": role, "locations_json": canonical_json(sorted(user.locations)),
                  "password_hash": self._hasher.hash(password), "disabled": disabled}
        with self._writer.begin() as conn:
            before = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if before is None:
                conn.execute(users.insert().values(username=username, created_at=self._now_iso(), **values))
            else:
                conn.execute(users.update().where(users.c.username == username).values(**values))
            self._append_event(conn, "user_created" if before is None else "user_updated", actor, detail={
                "username": username, "role": role, "locations": sorted(user.locations), "disabled": disabled,
                "previous_role": before.role if before else None,
                "previous_locations": json.loads(before.locations_json) if before else None,
            })
        return user

    def get_user(self, username: str) -> User | None:
        """The user, or None when unknown or disabled."""
        with self.engine.connect() as conn:
            return fetch_user(conn, username)

    def stored_user_state(self, username: str) -> tuple[str, User | None]:
        """("active", user as stored now), ("disabled", None) or ("unknown", None): lets a session follow a
        role change or a disabled account at once."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            return "unknown", None
        return ("disabled", None) if row.disabled else ("active", user_from_row(row))

    def authenticate(self, username: str, password: str) -> User | None:
        """Check a password. After SIGN_IN_MAX_FAILURES failures in SIGN_IN_WINDOW, refuse even a right one."""
        hasher = self._hasher
        with self._writer.begin() as conn:
            if self._recent_failures(conn, username) >= SIGN_IN_MAX_FAILURES:
                self._append_event(conn, "sign_in_throttled", username,
                                   detail={"window_minutes": int(SIGN_IN_WINDOW.total_seconds() // 60)})
                return None
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            try:
                verified = hasher.verify(row.password_hash if row is not None else _dummy_hash(hasher), password)
            except (VerificationError, InvalidHashError):
                verified = False
            if row is None or row.disabled or not verified:
                reason = "unknown user" if row is None else ("account disabled" if row.disabled else "wrong password")
                self._append_event(conn, "sign_in_failed", username, actor_role=row.role if row else None,
                                   detail={"reason": reason})
                return None
            if hasher.check_needs_rehash(row.password_hash):
                conn.execute(users.update().where(users.c.username == username)
                             .values(password_hash=hasher.hash(password)))
            self._append_event(conn, "sign_in", username, actor_role=row.role)
            return user_from_row(row)

    def _recent_failures(self, conn: sa.Connection, username: str) -> int:
        """Failed sign-ins of this username inside the window and after its last successful sign-in."""
        since = iso(self._now() - SIGN_IN_WINDOW)
        last_success = conn.execute(
            sa.select(sa.func.max(audit_events.c.occurred_at))
            .where(audit_events.c.actor == username, audit_events.c.event_type == "sign_in",
                   audit_events.c.occurred_at >= since)).scalar()
        return conn.execute(
            sa.select(sa.func.count()).select_from(audit_events)
            .where(audit_events.c.actor == username, audit_events.c.event_type == "sign_in_failed",
                   audit_events.c.occurred_at >= max(since, last_success or since))).scalar_one()

    # ----- user administration: role, locations, enabled; admins only ---------------------------------

    def _user_admin(self, conn: sa.Connection, actor: User) -> User:
        stored = fetch_user(conn, actor.username)
        if stored is None or stored.role not in USER_ADMIN_ROLES:
            raise PermissionDenied("only administrators may list or change users")
        return stored

    def list_users(self, actor: User) -> list[dict]:
        """The users this admin manages (every user for an all-locations admin; else those whose locations all
        lie inside the admin's) with role, locations and whether disabled (never the password hash)."""
        with self.engine.connect() as conn:
            admin = self._user_admin(conn, actor)
            rows = conn.execute(sa.select(users.c.username, users.c.display_name, users.c.role,
                                          users.c.locations_json, users.c.disabled).order_by(users.c.username))
            listed = [{"username": r.username, "display_name": r.display_name, "role": r.role,
                       "locations": json.loads(r.locations_json), "disabled": bool(r.disabled)} for r in rows]
        return [u for u in listed if _manages(admin, u["locations"])]

    def change_user(self, actor: User, username: str, *, role: str, locations: Iterable[str],
                    disabled: bool) -> dict:
        """Change a user's role, locations and enabled state. Audited as `role_changed` (before/after)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        wanted_locations = sorted(set(locations))
        if not wanted_locations:
            raise ValueError("a user needs at least one location (or '*' for all)")
        with self._writer.begin() as conn:
            admin = self._user_admin(conn, actor)
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                raise ValueError(f"no user {username!r}")
            before = {"role": row.role, "locations": json.loads(row.locations_json), "disabled": bool(row.disabled)}
            after = {"role": role, "locations": wanted_locations, "disabled": bool(disabled)}
            if not (_manages(admin, before["locations"]) and _manages(admin, after["locations"])):
                raise PermissionDenied("an administrator manages only users inside their own locations")
            if before == after:
                return after
            loses_admin = before["role"] in USER_ADMIN_ROLES and not before["disabled"] and (
                role not in USER_ADMIN_ROLES or disabled)
            if loses_admin:
                other_admins = conn.execute(sa.select(sa.func.count()).select_from(users).where(
                    users.c.role.in_(sorted(USER_ADMIN_ROLES)), users.c.disabled == sa.false(),
                    users.c.username != username)).scalar_one()
                if other_admins == 0:
                    raise InvalidTransition("this is the last enabled administrator; make another one first")
            conn.execute(users.update().where(users.c.username == username).values(
                role=role, locations_json=canonical_json(wanted_locations), disabled=bool(disabled)))
            self._append_event(conn, "role_changed", admin.username, actor_role=admin.role,
                               detail={"username": username, "before": before, "after": after})
            return after
