"""Sign-in, the signed-in user in session state, inactivity timeout and sign-out.

Users and password hashes live in the action ledger (`Ledger.authenticate`); this module only keeps the
resulting `User` in `st.session_state` and signs it out after `session_timeout_minutes` of inactivity
(HIPAA 164.312(a): automatic logoff).
"""

from __future__ import annotations

import time

import streamlit as st

from core.settings import get_settings

USER_KEY = "user"
LAST_ACTIVE_KEY = "last_active_at"
SIGNED_OUT_REASON_KEY = "signed_out_reason"


@st.cache_resource(show_spinner=False)
def _ledger_for(url: str):
    from ledger import Ledger

    return Ledger(url)


def ledger():
    """The action ledger for the configured URL, one instance per URL for the whole server."""
    return _ledger_for(get_settings().ledger_url)


def _record(event_type: str, username: str, role: str | None = None) -> None:
    ledger().record(event_type, username, actor_role=role)


def current_user():
    """The signed-in user, or None. Signs out (and says why) after too long without activity."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        return None
    timeout_seconds = get_settings().session_timeout_minutes * 60
    now = time.time()
    last_active = st.session_state.get(LAST_ACTIVE_KEY, now)
    if now - last_active > timeout_seconds:
        minutes = get_settings().session_timeout_minutes
        sign_out(
            reason=f"You were signed out after {minutes} minutes without activity. Please sign in again.",
            event_type="session_expired",
        )
        return None
    st.session_state[LAST_ACTIVE_KEY] = now
    return _follow_stored_user(user)


def _follow_stored_user(user):
    """The session's user as stored now: an administrator's role or location change applies on the next
    rerun, and a disabled account is signed out (users are never deleted; an unknown one keeps its session)."""
    state, stored = ledger().stored_user_state(user.username)
    if state == "disabled":
        sign_out(reason="Your account was disabled. Ask an administrator.", event_type="session_ended_disabled")
        return None
    if stored is not None and stored != user:
        _forget_page_state()  # exports, cards and lists prepared under the old access must not survive it
        st.session_state[USER_KEY] = stored
        return stored
    return user


def _forget_page_state() -> None:
    """Drop everything the pages keep in the session (prepared exports, fetched cards, pending bulk lists,
    widget values) except who is signed in: none of it may outlive the access it was built under."""
    for key in list(st.session_state.keys()):
        if key not in (USER_KEY, LAST_ACTIVE_KEY):
            del st.session_state[key]


def sign_out(*, reason: str | None = None, event_type: str = "sign_out") -> None:
    user = st.session_state.pop(USER_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)
    _forget_page_state()  # the next person at this browser starts from nothing the last one prepared
    if reason:
        st.session_state[SIGNED_OUT_REASON_KEY] = reason
    if user is not None:
        _record(event_type, user.username, user.role)


def sign_in_form() -> None:
    """The sign-in form; on success stores the user and reruns the app."""
    st.title("Sign in")
    reason = st.session_state.pop(SIGNED_OUT_REASON_KEY, None)
    if reason:
        st.warning(reason)
    # clear_on_submit: the typed password must not linger in the session's widget state.
    with st.form("sign_in_form", clear_on_submit=True):
        username = st.text_input("Username", key="sign_in_username")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", key="sign_in_submit")
    if not submitted:
        return
    # The ledger audits sign-ins and failures itself and throttles repeated failures.
    user = ledger().authenticate(username.strip(), password)
    if user is None:
        # Same message for an unknown user, a wrong password and a throttled account: reveal nothing.
        st.error("Wrong username or password.")
        return
    st.session_state[USER_KEY] = user
    st.session_state[LAST_ACTIVE_KEY] = time.time()
    st.rerun()


def require_user():
    """For every view: the signed-in user, or stop the page with a message."""
    user = current_user()
    if user is None:
        reason = st.session_state.pop(SIGNED_OUT_REASON_KEY, None)
        st.warning(reason or "Please sign in first.")
        st.stop()
    return user


def sidebar(user) -> None:
    """Who is signed in, their scope, and the sign-out button."""
    scope = "all locations" if "*" in user.locations else ", ".join(sorted(user.locations))
    st.sidebar.caption(f"Signed in as {user.display_name} ({user.role.replace('_', ' ')}), {scope}")
    if st.sidebar.button("Sign out", key="sign_out_button"):
        sign_out()
        st.rerun()
