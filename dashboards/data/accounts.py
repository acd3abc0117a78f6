"""Account administration and a person's own account (password, second factor), through the ledger's
accounts API. The ledger re-checks every right itself; these only pass the signed-in user along."""

from __future__ import annotations

import io

from core.settings import get_account_settings
from ledger import PASSWORD_RULE, InvalidTransition, PermissionDenied  # noqa: F401  (PASSWORD_RULE: re-exported by dashboards.data)

# Why an account change was refused, in the ledger's words (a person reads them as they are).
AccountRefused = (PermissionDenied, InvalidTransition, ValueError)


def ledger():
    # Late import: auth imports Streamlit, which tests of the data layer need not load.
    from dashboards.auth import ledger as book

    return book()


def users_with_status(admin) -> list[dict]:
    """The users this administrator manages, each with password_set, second_factor and locked."""
    book = ledger()
    locked = book.locked_usernames()
    return [{**person, "locked": person["username"] in locked} for person in book.list_users(admin)]


def invitation_link(code: str) -> str:
    return f"{get_account_settings().dashboard_url}/?code={code}"


def invite_user(admin, username: str, display_name: str, role: str, locations) -> object:
    return ledger().invite_user(admin, username, display_name, role, locations)


def reset_password(admin, username: str, *, remove_second_factor: bool) -> object:
    return ledger().reset_password(admin, username, remove_second_factor=remove_second_factor)


def unlock_user(admin, username: str) -> int:
    return ledger().unlock_user(admin, username)


def account_status(user) -> dict:
    return ledger().account_status(user.username)


def change_own_password(user, current_password: str, new_password: str) -> None:
    ledger().change_password(user.username, current_password, new_password)


def begin_second_factor(user):
    return ledger().begin_second_factor(user.username)


def confirm_second_factor(user, code: str) -> None:
    ledger().confirm_second_factor(user.username, code)


def disable_second_factor(user, current_password: str) -> None:
    ledger().disable_second_factor(user.username, current_password)


def qr_code_png(text: str) -> bytes:
    """A QR code of the authenticator provisioning URI, as PNG bytes (segno, no image library needed)."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()
