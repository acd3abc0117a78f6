"""People: the User shape, argon2id password hashes, the first administrator, invitations and password resets
(one-time codes), each person's own password, and user administration. Sign-in is in sign_in.py, the second
factor in totp.py.

RCM_MODE=production (the default) refuses the shared demo password wherever a password is set or checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from pydantic import BaseModel, ConfigDict, Field

from core.settings import get_account_settings
from core.vocabulary import ALL_LOCATIONS, ROLES, Role

from .audit import canonical_json
from .errors import InvalidTransition, PermissionDenied
from .passwords import check_password
from .schema import account_codes, account_security, iso, users
from .sign_in import verify_password

USER_ADMIN_ROLES = frozenset({"admin"})
CODE_PURPOSES = ("invitation", "reset")


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
    return User(
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        locations=frozenset(json.loads(row.locations_json)),
    )


@dataclass(frozen=True)
class IssuedCode:
    """A one-time invitation or reset code: shown once to the administrator, stored only as its SHA-256."""

    username: str
    purpose: str
    code: str
    expires_at: datetime


def _code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _manages(admin: User, locations: Iterable[str]) -> bool:
    """Whether an admin may see and change a user with these locations: all-locations admins manage everyone,
    a scoped admin only users every location of whom is theirs (never an all-locations user)."""
    return admin.sees_all_locations or set(locations) <= set(admin.locations) - {ALL_LOCATIONS}


class Accounts:
    """Ledger methods for users and passwords; mixed into Ledger (uses its engine, clock, hasher and audit)."""

    # ----- provisioning by code or script (demo seed, tests, the CLI) ----------------------------------

    def upsert_user(
        self,
        username: str,
        password: str,
        role: str,
        locations: Iterable[str],
        display_name: str,
        *,
        disabled: bool = False,
        actor: str = "system:admin",
    ) -> User:
        """Create or update a user; the password is stored only as an argon2 hash. Audited (no password).
        Outside demo mode the shared demo password is refused."""
        if not password:
            raise ValueError("a password is required")
        self._refuse_demo_password(password)
        user = User(username=username, display_name=display_name, role=role, locations=frozenset(locations))
        values = {
            "display_name": display_name,
            "role": role,
            "locations_json": canonical_json(sorted(user.locations)),
            "password_hash": self._hasher.hash(password),
            "disabled": disabled,
        }
        with self._writer.begin() as conn:
            before = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if before is None:
                conn.execute(users.insert().values(username=username, created_at=self._now_iso(), **values))
            else:
                conn.execute(users.update().where(users.c.username == username).values(**values))
            self._mark_password_set(conn, username)
            self._append_event(
                conn,
                "user_created" if before is None else "user_updated",
                actor,
                detail={
                    "username": username,
                    "role": role,
                    "locations": sorted(user.locations),
                    "disabled": disabled,
                    "previous_role": before.role if before else None,
                    "previous_locations": json.loads(before.locations_json) if before else None,
                },
            )
        return user

    def add_user_if_missing(
        self, username: str, password: str, role: str, locations: Iterable[str], display_name: str, *, actor: str
    ) -> bool:
        """Create the user only when the username is new (True); an existing user keeps everything an
        administrator or the person changed (False)."""
        self._refuse_demo_password(password)
        user = User(username=username, display_name=display_name, role=role, locations=frozenset(locations))
        with self._writer.begin() as conn:
            if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first() is not None:
                return False
            self._insert_user(conn, user, self._hasher.hash(password))
            self._mark_password_set(conn, username)
            self._append_event(
                conn,
                "user_created",
                actor,
                detail={"username": username, "role": role, "locations": sorted(user.locations), "disabled": False},
            )
        return True

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

    # ----- the first administrator --------------------------------------------------------------------

    def has_enabled_admin(self) -> bool:
        with self.engine.connect() as conn:
            return self._enabled_admin_count(conn) > 0

    def create_first_admin(self, username: str, display_name: str, password: str) -> User:
        """The first administrator of an empty (admin-less) ledger, with access to every location. Refused
        once any enabled administrator exists, so this path closes for good after it is used."""
        username = username.strip()
        if not username or not display_name.strip():
            raise ValueError("a username and a display name are required")
        self._check_new_password(username, password)
        user = User(
            username=username, display_name=display_name.strip(), role="admin", locations=frozenset({ALL_LOCATIONS})
        )
        with self._writer.begin() as conn:
            if self._enabled_admin_count(conn) > 0:
                raise InvalidTransition("an administrator already exists; ask them for an invitation")
            if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first() is not None:
                raise ValueError(f"the username {username!r} is taken")
            self._insert_user(conn, user, self._hasher.hash(password))
            self._mark_password_set(conn, username)
            self._append_event(conn, "first_admin_created", username, actor_role="admin", detail={"username": username})
        return user

    # ----- invitations and resets: one-time codes ------------------------------------------------------

    def invite_user(
        self, actor: User, username: str, display_name: str, role: str, locations: Iterable[str]
    ) -> IssuedCode:
        """Create an account without a usable password and a one-time invitation code the invitee uses to set
        their own. Administrators only, inside their locations; audited without the code."""
        username = username.strip()
        if not username or not display_name.strip():
            raise ValueError("a username and a display name are required")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        wanted = sorted(set(locations))
        if not wanted:
            raise ValueError("a user needs at least one location (or '*' for all)")
        user = User(username=username, display_name=display_name.strip(), role=role, locations=frozenset(wanted))
        with self._writer.begin() as conn:
            admin = self._user_admin(conn, actor)
            if not _manages(admin, wanted):
                raise PermissionDenied("an administrator invites only users inside their own locations")
            if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first() is not None:
                raise ValueError(f"the username {username!r} is taken")
            self._insert_user(conn, user, self._unusable_password_hash())
            conn.execute(account_security.insert().values(username=username, password_set_at=None))
            issued = self._issue_code(conn, username, "invitation", admin.username)
            self._append_event(
                conn,
                "user_invited",
                admin.username,
                actor_role=admin.role,
                detail={"username": username, "role": role, "locations": wanted, "expires_at": iso(issued.expires_at)},
            )
        return issued

    def reset_password(self, actor: User, username: str, *, remove_second_factor: bool = False) -> IssuedCode:
        """The old password stops working at once; a new one-time code lets the person set a new one.
        `remove_second_factor` also removes a lost authenticator. Administrators only; audited without the code."""
        with self._writer.begin() as conn:
            admin = self._user_admin(conn, actor)
            self._managed_row(conn, admin, username)
            conn.execute(
                users.update().where(users.c.username == username).values(password_hash=self._unusable_password_hash())
            )
            self._ensure_security_row(conn, username)
            conn.execute(
                account_security.update().where(account_security.c.username == username).values(password_set_at=None)
            )
            if remove_second_factor:
                self._clear_second_factor(conn, username)
            issued = self._issue_code(conn, username, "reset", admin.username)
            self._append_event(
                conn,
                "password_reset_issued",
                admin.username,
                actor_role=admin.role,
                detail={
                    "username": username,
                    "second_factor_removed": remove_second_factor,
                    "expires_at": iso(issued.expires_at),
                },
            )
        return issued

    def set_password_with_code(self, code: str, password: str) -> str:
        """Redeem an invitation or reset code: set the person's own password (the password rule applies) and
        close the code. Returns the username. Unknown, used and expired codes all get the same answer."""
        refusal = "That code is not valid (it may be used, replaced by a newer one, or expired). Ask an administrator."
        with self._writer.begin() as conn:
            row = conn.execute(
                sa.select(account_codes).where(account_codes.c.code_sha256 == _code_digest(code))
            ).first()
            if row is None or row.closed_at is not None or row.expires_at <= self._now_iso():
                self._append_event(
                    conn,
                    "account_code_refused",
                    "anonymous",
                    detail={"reason": "unknown" if row is None else "used or expired"},
                )
                row = None
        if row is None:  # raised after the refusal's audit event has committed
            raise ValueError(refusal)
        self._check_new_password(row.username, password)
        with self._writer.begin() as conn:
            row = conn.execute(
                sa.select(account_codes).where(
                    account_codes.c.code_sha256 == row.code_sha256, account_codes.c.closed_at.is_(None)
                )
            ).first()
            if row is None:  # redeemed by someone else in between
                raise ValueError(refusal)
            conn.execute(
                users.update().where(users.c.username == row.username).values(password_hash=self._hasher.hash(password))
            )
            self._mark_password_set(conn, row.username)
            conn.execute(
                account_codes.update()
                .where(account_codes.c.code_sha256 == row.code_sha256)
                .values(closed_at=self._now_iso())
            )
            self._append_event(conn, "password_set", row.username, detail={"by": row.purpose})
            return row.username

    # ----- each person's own password ------------------------------------------------------------------

    def change_password(self, username: str, current_password: str, new_password: str) -> None:
        """The person changes their own password; the current one is required and the password rule applies."""
        with self._writer.begin() as conn:  # the refusal is recorded, so it commits before the error is raised
            matches = self._password_matches(conn, username, current_password)
            if not matches:
                self._append_event(
                    conn, "password_change_refused", username, detail={"reason": "wrong current password"}
                )
        if not matches:
            raise ValueError("The current password is not right.")
        self._check_new_password(username, new_password)
        with self._writer.begin() as conn:
            conn.execute(
                users.update().where(users.c.username == username).values(password_hash=self._hasher.hash(new_password))
            )
            self._mark_password_set(conn, username)
            self._append_event(conn, "password_changed", username)

    def account_status(self, username: str) -> dict:
        """Whether the person has set their own password and turned the second factor on."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(account_security).where(account_security.c.username == username)).first()
        return {
            "password_set": row is None or row.password_set_at is not None,
            "second_factor": row is not None and row.totp_secret_encrypted is not None,
        }

    # ----- shared helpers ------------------------------------------------------------------------------

    def _refuse_demo_password(self, password: str) -> None:
        settings = get_account_settings()
        if not settings.demo and hmac.compare_digest(password.encode(), settings.demo_password.encode()):
            raise ValueError("the shared demo password is accepted only when RCM_MODE=demo")

    def _check_new_password(self, username: str, password: str) -> None:
        check_password(password, username=username, demo_password=get_account_settings().demo_password)

    def _password_matches(self, conn: sa.Connection, username: str, password: str, *, row=None) -> bool:
        """Whether the password is this enabled user's; an unknown user costs the same time as a known one."""
        row = row if row is not None else conn.execute(sa.select(users).where(users.c.username == username)).first()
        stored = row.password_hash if row is not None else _dummy_hash(self._hasher)
        return verify_password(self._hasher, stored, password) and row is not None and not row.disabled

    def _unusable_password_hash(self) -> str:
        # A real argon2 hash of a secret nobody knows: signing in costs the same time and always fails.
        return self._hasher.hash(secrets.token_urlsafe(32))

    def _insert_user(self, conn: sa.Connection, user: User, password_hash: str) -> None:
        conn.execute(
            users.insert().values(
                username=user.username,
                display_name=user.display_name,
                role=user.role,
                locations_json=canonical_json(sorted(user.locations)),
                password_hash=password_hash,
                created_at=self._now_iso(),
                disabled=False,
            )
        )

    def _ensure_security_row(self, conn: sa.Connection, username: str) -> None:
        exists = conn.execute(
            sa.select(account_security.c.username).where(account_security.c.username == username)
        ).first()
        if exists is None:
            conn.execute(account_security.insert().values(username=username, password_set_at=self._now_iso()))

    def _mark_password_set(self, conn: sa.Connection, username: str) -> None:
        self._ensure_security_row(conn, username)
        conn.execute(
            account_security.update()
            .where(account_security.c.username == username)
            .values(password_set_at=self._now_iso())
        )

    def _issue_code(self, conn: sa.Connection, username: str, purpose: str, issued_by: str) -> IssuedCode:
        """A new code for the user; any earlier open code of theirs stops working."""
        now = self._now()
        conn.execute(
            account_codes.update()
            .where(account_codes.c.username == username, account_codes.c.closed_at.is_(None))
            .values(closed_at=iso(now))
        )
        code = secrets.token_urlsafe(18)
        expires_at = now + timedelta(hours=get_account_settings().invitation_hours)
        conn.execute(
            account_codes.insert().values(
                code_sha256=_code_digest(code),
                username=username,
                purpose=purpose,
                issued_by=issued_by,
                issued_at=iso(now),
                expires_at=iso(expires_at),
            )
        )
        return IssuedCode(username=username, purpose=purpose, code=code, expires_at=expires_at)

    def _enabled_admin_count(self, conn: sa.Connection) -> int:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(users)
            .where(users.c.role.in_(sorted(USER_ADMIN_ROLES)), users.c.disabled == sa.false())
        ).scalar_one()

    def _managed_row(self, conn: sa.Connection, admin: User, username: str):
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            raise ValueError(f"no user {username!r}")
        if not _manages(admin, json.loads(row.locations_json)):
            raise PermissionDenied("an administrator manages only users inside their own locations")
        return row

    # ----- user administration: role, locations, enabled; admins only ---------------------------------

    def _user_admin(self, conn: sa.Connection, actor: User) -> User:
        stored = fetch_user(conn, actor.username)
        if stored is None or stored.role not in USER_ADMIN_ROLES:
            raise PermissionDenied("only administrators may list or change users")
        return stored

    def list_users(self, actor: User) -> list[dict]:
        """The users this admin manages (every user for an all-locations admin; else those whose locations all
        lie inside the admin's) with role, locations, whether disabled, whether they have set their own password
        and turned the second factor on (never a password hash or a secret)."""
        with self.engine.connect() as conn:
            admin = self._user_admin(conn, actor)
            rows = conn.execute(
                sa.select(
                    users.c.username,
                    users.c.display_name,
                    users.c.role,
                    users.c.locations_json,
                    users.c.disabled,
                    account_security.c.username.label("security_row"),
                    account_security.c.password_set_at,
                    account_security.c.totp_secret_encrypted,
                )
                .select_from(users.outerjoin(account_security, account_security.c.username == users.c.username))
                .order_by(users.c.username)
            )
            listed = [
                {
                    "username": r.username,
                    "display_name": r.display_name,
                    "role": r.role,
                    "locations": json.loads(r.locations_json),
                    "disabled": bool(r.disabled),
                    "password_set": r.security_row is None or r.password_set_at is not None,
                    "second_factor": r.totp_secret_encrypted is not None,
                }
                for r in rows
            ]
        return [u for u in listed if _manages(admin, u["locations"])]

    def change_user(self, actor: User, username: str, *, role: str, locations: Iterable[str], disabled: bool) -> dict:
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
            loses_admin = (
                before["role"] in USER_ADMIN_ROLES
                and not before["disabled"]
                and (role not in USER_ADMIN_ROLES or disabled)
            )
            if loses_admin:
                other_admins = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(users)
                    .where(
                        users.c.role.in_(sorted(USER_ADMIN_ROLES)),
                        users.c.disabled == sa.false(),
                        users.c.username != username,
                    )
                ).scalar_one()
                if other_admins == 0:
                    raise InvalidTransition("this is the last enabled administrator; make another one first")
            conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(role=role, locations_json=canonical_json(wanted_locations), disabled=bool(disabled))
            )
            self._append_event(
                conn,
                "role_changed",
                admin.username,
                actor_role=admin.role,
                detail={"username": username, "before": before, "after": after},
            )
            return after
