"""Sign-in (password, then the second factor when set up), the first administrator, invitation and reset codes,
the signed-in user in session state, inactivity timeout and sign-out.

Users, password hashes, codes and second factors live in the action ledger (`Ledger.sign_in`); this module only
keeps the resulting `User` in `st.session_state` and signs it out after `session_timeout_minutes` of inactivity
(HIPAA 164.312(a): automatic logoff); a watcher re-runs the page when that happens, so nothing stays on screen.

A reload or a new tab starts a new Streamlit session with an empty `st.session_state`. So that it does not ask for
the password again, a sign-in also opens a ledger session and puts its signed token in a cookie; a new Streamlit
session reads it back (`st.context.cookies`) and resumes the ledger session when it is still live. Streamlit can
only read cookies, so the cookie is written by a two-line script on the next page (`send_cookie_change`).
docs/security.md ("Dashboard sessions") says why this design and what it does not protect against.
The small functions at the end are the ledger calls the "Users and roles" and "My account" pages make.
"""

from __future__ import annotations

import hashlib
import json
import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.settings import get_settings
from ledger import PASSWORD_RULE, InvalidTransition

USER_KEY = "user"
LAST_ACTIVE_KEY = "last_active_at"
SIGNED_OUT_REASON_KEY = "signed_out_reason"
SECOND_FACTOR_KEY = "pending_second_factor"  # {"username", "challenge"} between the password and the code
EXPIRY_CHECK_SECONDS = 15  # how often an open page checks whether the session has expired
SESSION_COOKIE = "rcm_session"
SESSION_TOKEN_KEY = "session_token"  # noqa: S105 (a session-state key) the ledger session's token, as in the cookie
REFUSED_TOKEN_KEY = "refused_session_token"  # noqa: S105 a cookie the ledger refused: not asked again this session
COOKIE_CHANGE_KEY = "pending_cookie_change"  # a token to write, or "" to clear the cookie, on the next page
# Kept when the pages' state is dropped: who is signed in and the session behind the cookie.
SESSION_KEYS = (USER_KEY, LAST_ACTIVE_KEY, SESSION_TOKEN_KEY, REFUSED_TOKEN_KEY, COOKIE_CHANGE_KEY)


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
    """The signed-in user, or None. Resumes the session named by the browser's cookie (a reload, a new tab);
    signs out (and says why) after too long without activity or once the session ended elsewhere."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        return _resume_from_cookie()
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
    token = st.session_state.get(SESSION_TOKEN_KEY)
    if token is not None and not ledger().touch_session(token):
        sign_out(reason="Your session ended. Please sign in again.", event_type="session_ended")
        return None
    st.session_state[LAST_ACTIVE_KEY] = now
    return _follow_stored_user(user)


def _resume_from_cookie():
    token = st.context.cookies.get(SESSION_COOKIE)
    if not isinstance(token, str) or not token or token == st.session_state.get(REFUSED_TOKEN_KEY):
        return None
    user = ledger().resume_session(token)
    if user is None:  # tampered with, expired, ended or idle too long: the sign-in form, and forget the cookie
        st.session_state[REFUSED_TOKEN_KEY] = token
        st.session_state[COOKIE_CHANGE_KEY] = ""
        return None
    st.session_state[USER_KEY] = user
    st.session_state[SESSION_TOKEN_KEY] = token
    st.session_state[LAST_ACTIVE_KEY] = time.time()
    return user


def send_cookie_change() -> None:
    """Write (after a sign-in) or clear (after a sign-out or a refused token) the session cookie in the browser.

    Called on every run; does nothing unless a change is pending. The token is JSON-quoted into a fixed script,
    and it only ever holds URL-safe base64, digits, hex and dots, so no page content reaches the script."""
    change = st.session_state.pop(COOKIE_CHANGE_KEY, None)
    if change is None:
        return
    max_age = get_settings().session_max_hours * 3600 if change else 0
    # SameSite=Strict: never sent with a request another site starts; Secure whenever the page is served over TLS.
    cookie = f"{SESSION_COOKIE}={change}; Path=/; Max-Age={max_age}; SameSite=Strict"
    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    st.html(f"<script>document.cookie = {json.dumps(cookie)} + {secure};</script>", unsafe_allow_javascript=True)


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
        if key not in SESSION_KEYS:
            del st.session_state[key]


def sign_out(*, reason: str | None = None, event_type: str = "sign_out") -> None:
    user = st.session_state.pop(USER_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)
    token = st.session_state.pop(SESSION_TOKEN_KEY, None)
    _forget_page_state()  # the next person at this browser starts from nothing the last one prepared
    if token is not None:
        ledger().end_session(token, event_type)  # server-side: the token stops working in every tab
        st.session_state[REFUSED_TOKEN_KEY] = token
        st.session_state[COOKIE_CHANGE_KEY] = ""
    if reason:
        st.session_state[SIGNED_OUT_REASON_KEY] = reason
    if user is not None:
        _record(event_type, user.username, user.role)


def request_source() -> str:
    """Who is knocking, for throttling: the client's IP address; behind a proxy on this machine, the address
    the proxy appended last to X-Forwarded-For; else (a browser on this machine) the browser session."""
    ip = st.context.ip_address
    if not isinstance(ip, str):  # None for a connection from this machine
        forwarded = st.context.headers.get("X-Forwarded-For")
        ip = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else None
    if ip:
        return f"ip:{ip}"
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else "none"
    return "session:" + hashlib.sha256(session_id.encode()).hexdigest()[:16]  # never the session id itself


def sign_in_form() -> None:
    """The sign-in screen: the first-administrator form while the ledger has no enabled administrator; else the
    password form, then the second-factor form, and the form to redeem an invitation or reset code."""
    book = ledger()
    if not book.has_enabled_admin():
        first_admin_form()
        return
    st.title("Sign in")
    reason = st.session_state.pop(SIGNED_OUT_REASON_KEY, None)
    if reason:
        st.warning(reason)
    flash = st.session_state.pop("sign_in_flash", None)
    if flash:
        st.success(flash)
    if st.session_state.get(SECOND_FACTOR_KEY):
        _second_factor_form()
        return
    # clear_on_submit: the typed password must not linger in the session's widget state.
    with st.form("sign_in_form", clear_on_submit=True):
        username = st.text_input("Username", key="sign_in_username")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", key="sign_in_submit")
    code_from_link = st.query_params.get("code", "")
    with st.expander("Set your password with an invitation or reset code", expanded=bool(code_from_link)):
        _redeem_code_form(code_from_link)
    if not submitted:
        return
    # The ledger audits sign-ins and failures itself and throttles repeated failures.
    _handle(book.sign_in(username.strip(), password, source=request_source()), username.strip())


def _handle(result, username: str) -> None:
    if result.status == "ok":
        st.session_state.pop(SECOND_FACTOR_KEY, None)
        token = ledger().open_session(result.user)
        st.session_state[USER_KEY] = result.user
        st.session_state[SESSION_TOKEN_KEY] = token
        st.session_state[COOKIE_CHANGE_KEY] = token
        st.session_state[LAST_ACTIVE_KEY] = time.time()
        st.rerun()
    elif result.status == "second_factor":
        st.session_state[SECOND_FACTOR_KEY] = {"username": username, "challenge": result.challenge}
        st.rerun()
    elif result.status == "locked":
        # The same for every username, known or not: it names the lockout and reveals nothing else.
        st.session_state.pop(SECOND_FACTOR_KEY, None)
        st.error(f"Too many attempts. Try again in {result.retry_minutes} minutes.")
    elif st.session_state.get(SECOND_FACTOR_KEY):
        st.error("That code is not right (or more than 5 minutes passed since the password). Try again.")
    else:
        st.error("Wrong username or password.")


def _second_factor_form() -> None:
    pending = st.session_state[SECOND_FACTOR_KEY]
    st.info("Type the 6-digit code from your authenticator app.")
    with st.form("second_factor_form", clear_on_submit=True):
        code = st.text_input("Authentication code", max_chars=7, key="second_factor_code")
        submitted = st.form_submit_button("Verify", key="second_factor_submit")
    if st.button("Start over", key="second_factor_cancel"):
        st.session_state.pop(SECOND_FACTOR_KEY, None)
        st.rerun()
    if submitted:
        _handle(
            ledger().complete_second_factor(pending["username"], pending["challenge"], code, source=request_source()),
            pending["username"],
        )


def _redeem_code_form(code_from_link: str) -> None:
    st.caption(f"Password rule: {PASSWORD_RULE}")
    with st.form("redeem_code_form", clear_on_submit=True):
        code = st.text_input("Invitation or reset code", value=code_from_link, type="password", key="redeem_code")
        password = st.text_input("New password", type="password", key="redeem_password")
        again = st.text_input("New password again", type="password", key="redeem_password_again")
        submitted = st.form_submit_button("Set my password", key="redeem_submit")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ.")
        return
    try:
        username = ledger().set_password_with_code(code, password)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.query_params.pop("code", None)
    st.session_state["sign_in_flash"] = f"Password set for {username}. Sign in now."
    st.rerun()


def first_admin_form() -> None:
    """Shown only while the ledger has no enabled administrator (a fresh production install); gone for good
    once one exists. `python -m ledger create-admin` does the same from a terminal."""
    st.title("Create the first administrator")
    st.write("No administrator exists yet. The person who creates this account invites everyone else.")
    st.caption(f"Password rule: {PASSWORD_RULE}")
    with st.form("first_admin_form", clear_on_submit=True):
        username = st.text_input("Username", key="first_admin_username")
        display_name = st.text_input("Display name", key="first_admin_display_name")
        password = st.text_input("Password", type="password", key="first_admin_password")
        again = st.text_input("Password again", type="password", key="first_admin_password_again")
        submitted = st.form_submit_button("Create administrator", key="first_admin_submit")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ.")
        return
    try:
        ledger().create_first_admin(username, display_name, password)
    except (InvalidTransition, ValueError) as exc:
        st.error(f"Not created: {exc}")
        return
    st.session_state["sign_in_flash"] = f"Administrator {username.strip()} created. Sign in now."
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
    with st.sidebar:
        _expiry_watcher()


@st.fragment(run_every=EXPIRY_CHECK_SECONDS)
def _expiry_watcher() -> None:
    """Re-runs the whole app once the inactivity timeout has passed, so the page is replaced by the sign-in
    screen even when nobody clicks. Only reads the clock: its own runs are not activity."""
    last_active = st.session_state.get(LAST_ACTIVE_KEY)
    timeout_seconds = get_settings().session_timeout_minutes * 60
    if (
        st.session_state.get(USER_KEY) is not None
        and last_active is not None
        and time.time() - last_active > timeout_seconds
    ):
        st.rerun()  # the app's run signs out in current_user() and shows the sign-in form
