"""The session survives a reload (AppTest): a sign-in writes the signed session cookie, a new Streamlit session
with that cookie is signed in (and a deep link opens its card), a tampered or ended one gets the sign-in form and
the cookie is cleared, and sign-out ends the session in the ledger."""

from __future__ import annotations

import pytest

from dashboards.auth import SESSION_COOKIE
from dashboards.markdown_text import plain


@pytest.fixture
def browser_cookies(monkeypatch):
    """The cookies st.context reports (a real server reads them from the page's request)."""
    from streamlit.runtime.context import ContextProxy

    jar: dict[str, str] = {}
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: dict(jar)))
    return jar


def _sign_in(at, username, password):
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="sign_in_submit").click().run()


def _cookie_scripts(at, rendered_text) -> list[str]:
    return [line for line in rendered_text(at).splitlines() if "document.cookie" in line]


def test_sign_in_writes_a_strict_expiring_cookie_holding_the_session_token(
    snapshot, ledger, app_test, password, browser_cookies, rendered_text
):
    at = _sign_in(app_test().run(), "billing", password)
    token = at.session_state["session_token"]
    (script,) = _cookie_scripts(at, rendered_text)
    assert f"{SESSION_COOKIE}={token}" in script and "SameSite=Strict" in script
    assert "Max-Age=43200" in script  # the default 12-hour lifetime
    assert ledger.resume_session(token).username == "billing"
    at.run()
    assert _cookie_scripts(at, rendered_text) == []  # written once, not on every rerun


def test_a_reload_with_the_cookie_is_signed_in(snapshot, ledger, app_test, password, browser_cookies):
    first = _sign_in(app_test().run(), "director", password)
    browser_cookies[SESSION_COOKIE] = first.session_state["session_token"]
    reloaded = app_test().run()  # a new Streamlit session: empty session state, the browser's cookie
    assert not reloaded.exception
    assert reloaded.session_state["user"].username == "director"
    assert all(t.value != "Sign in" for t in reloaded.title)


def test_a_deep_link_in_a_new_tab_opens_the_card(snapshot, ledger, app_test, frontdesk_l01, browser_cookies):
    from ledger import User

    reader = User(username="x", display_name="x", role="admin", locations=frozenset({"*"}))
    card = next(a for a in ledger.list_actions(reader, statuses=["open"]) if a["flag_id"] == "flag-l01-b")
    browser_cookies[SESSION_COOKIE] = ledger.open_session(frontdesk_l01)
    tab = app_test("board")
    tab.query_params["action"] = card["action_id"]
    tab.run()
    assert not tab.exception
    assert tab.session_state["user"].username == "frontdesk_l01"
    assert tab.subheader[0].value == plain(card["title"])


@pytest.mark.parametrize("damage", ["signature", "expiry", "garbage"])
def test_a_tampered_cookie_gets_the_sign_in_form_and_is_cleared(
    snapshot, ledger, app_test, director, browser_cookies, rendered_text, damage
):
    token = ledger.open_session(director)
    session_id, expires, mac = token.split(".")
    browser_cookies[SESSION_COOKIE] = {
        "signature": f"{session_id}.{expires}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        "expiry": f"{session_id}.{int(expires) + 86400}.{mac}",
        "garbage": "not-a-token",
    }[damage]
    at = app_test().run()
    assert "user" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in"]
    (script,) = _cookie_scripts(at, rendered_text)
    assert f"{SESSION_COOKIE}=; Path=/; Max-Age=0" in script


def test_an_expired_session_gets_the_sign_in_form(snapshot, ledger, app_test, director, browser_cookies, monkeypatch):
    from datetime import timedelta

    from ledger import Ledger

    clock_at = {"now": None}
    token = ledger.open_session(director)
    issued = ledger._now()
    clock_at["now"] = issued + timedelta(minutes=31)  # past RCM_SESSION_TIMEOUT_MINUTES=30 without activity
    monkeypatch.setattr(Ledger, "_now", lambda self: clock_at["now"])
    browser_cookies[SESSION_COOKIE] = token
    at = app_test().run()
    assert "user" not in at.session_state and [t.value for t in at.title] == ["Sign in"]


def test_sign_out_ends_the_session_server_side_and_clears_the_cookie(
    snapshot, ledger, app_test, password, browser_cookies, rendered_text
):
    at = _sign_in(app_test().run(), "billing", password)
    token = at.session_state["session_token"]
    browser_cookies[SESSION_COOKIE] = token
    at.sidebar.button(key="sign_out_button").click().run()
    assert "user" not in at.session_state and [t.value for t in at.title] == ["Sign in"]
    (script,) = _cookie_scripts(at, rendered_text)
    assert "Max-Age=0" in script
    assert ledger.resume_session(token) is None  # a copy of the cookie elsewhere no longer works
    other_tab = app_test().run()
    assert "user" not in other_tab.session_state
    events = ledger.audit_events(ledger.get_user("admin"), limit=20, event_types=["sign_out"])
    assert [e["actor"] for e in events] == ["billing"]


def test_a_session_ended_in_another_tab_signs_this_one_out(snapshot, ledger, app_test, password, browser_cookies):
    at = _sign_in(app_test().run(), "director", password)
    ledger.end_session(at.session_state["session_token"])  # signed out in another tab
    at.run()
    assert "user" not in at.session_state and [t.value for t in at.title] == ["Sign in"]
