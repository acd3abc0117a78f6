"""Accounts in the dashboard (AppTest): the first-administrator form, demo password refused in production, lockout
per source, invitation links, the second factor at sign-in, the admin and "My account" pages, the expiry watcher
that clears the screen, and the demo seed that never undoes an administrator."""

from __future__ import annotations

import dataclasses
import json
import time

import pyotp
import pytest

from dashboards import seed_demo_users

NEW_PASSWORD = "maple kettle orbit 42"
KNOWN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _ledger():
    from core.settings import get_settings
    from ledger import Ledger

    return Ledger(get_settings().ledger_url)


def _sign_in(at, username, password):
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="sign_in_submit").click().run()


def _enable_totp(ledger, username):
    """Turn the second factor on with a known secret, confirmed with the previous step's code, so the current
    step's code is still unused for the sign-in that follows."""
    ledger.begin_second_factor(username, secret=KNOWN_SECRET)
    ledger.confirm_second_factor(username, pyotp.TOTP(KNOWN_SECRET).at(time.time() - 30))


# ----- first administrator ------------------------------------------------------------------------------


def test_first_admin_form_then_gone_for_good(env, monkeypatch, app_test):
    monkeypatch.setenv("RCM_MODE", "production")
    at = app_test().run()
    assert at.title[0].value == "Create the first administrator"
    at.text_input(key="first_admin_username").input("root")
    at.text_input(key="first_admin_display_name").input("Root Admin")
    at.text_input(key="first_admin_password").input("short")
    at.text_input(key="first_admin_password_again").input("short")
    at.button(key="first_admin_submit").click().run()
    assert "at least 12" in at.error[0].value and not _ledger().has_enabled_admin()
    for key, value in (
        ("first_admin_username", "root"),
        ("first_admin_display_name", "Root Admin"),
        ("first_admin_password", NEW_PASSWORD),
        ("first_admin_password_again", NEW_PASSWORD),
    ):
        at.text_input(key=key).input(value)
    at.button(key="first_admin_submit").click().run()
    assert not at.exception
    assert at.title[0].value == "Sign in" and "Administrator root created" in at.success[0].value
    fresh = app_test().run()  # any later visitor: the form is gone
    assert fresh.title[0].value == "Sign in"
    assert not [t for t in fresh.text_input if t.key == "first_admin_username"]
    _sign_in(fresh, "root", NEW_PASSWORD)
    assert fresh.session_state["user"].role == "admin"


# ----- sign-in: demo mode, lockout per source, second factor ----------------------------------------------


def test_demo_password_refused_at_sign_in_in_production(snapshot, ledger, app_test, password, monkeypatch):
    monkeypatch.setenv("RCM_MODE", "production")  # `password` is RCM_DEMO_PASSWORD
    at = _sign_in(app_test().run(), "frontdesk_l01", password)
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert "user" not in at.session_state


@pytest.fixture
def client_ip(monkeypatch):
    """The client IP address st.context reports (a real server reads it from the connection)."""
    from streamlit.runtime.context import ContextProxy

    address = {"ip": None}
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: address["ip"]))
    return address


def test_lockout_from_one_source_leaves_the_admin_free_elsewhere(snapshot, ledger, app_test, password, client_ip):
    client_ip["ip"] = "203.0.113.9"
    attacker = app_test().run()
    for _ in range(4):
        _sign_in(attacker, "admin", "guess")
        assert [e.value for e in attacker.error] == ["Wrong username or password."]
    _sign_in(attacker, "admin", "guess")
    assert [e.value for e in attacker.error] == ["Too many attempts. Try again in 15 minutes."]
    _sign_in(attacker, "admin", password)  # even the right password, from this source
    assert "user" not in attacker.session_state
    unknown = [_sign_in(attacker, "nobody-here", "guess") for _ in range(5)][-1]
    assert [e.value for e in unknown.error] == ["Too many attempts. Try again in 15 minutes."]
    client_ip["ip"] = "192.0.2.7"
    admin = _sign_in(app_test().run(), "admin", password)  # the admin, from somewhere else
    assert not admin.exception and admin.session_state["user"].username == "admin"
    sources = {
        d["source"]
        for d in (
            json.loads(e["detail_json"])
            for e in ledger.audit_events(
                admin.session_state["user"], limit=100, event_types=["sign_in_failed", "sign_in"]
            )
        )
    }
    assert sources == {"ip:203.0.113.9", "ip:192.0.2.7"}


def test_source_falls_back_to_the_browser_session_without_an_ip(snapshot, ledger, app_test, client_ip):
    at = _sign_in(app_test().run(), "admin", "guess")
    failed = ledger.audit_events(ledger.get_user("admin"), limit=1, event_types=["sign_in_failed"])[0]
    source = json.loads(failed["detail_json"])["source"]
    assert source.startswith("session:") and "test session id" not in source and not at.exception


def test_sign_in_asks_for_the_second_factor(snapshot, ledger, app_test, password):
    _enable_totp(ledger, "frontdesk_l01")
    at = _sign_in(app_test().run(), "frontdesk_l01", password)
    assert "user" not in at.session_state
    assert "authenticator app" in at.info[0].value
    at.text_input(key="second_factor_code").input("000000" if pyotp.TOTP(KNOWN_SECRET).now() != "000000" else "111111")
    at.button(key="second_factor_submit").click().run()
    assert "not right" in at.error[0].value and "user" not in at.session_state
    at.text_input(key="second_factor_code").input(pyotp.TOTP(KNOWN_SECRET).now())
    at.button(key="second_factor_submit").click().run()
    assert not at.exception and at.session_state["user"].username == "frontdesk_l01"
    assert "pending_second_factor" not in at.session_state


def test_invitation_link_lets_the_invitee_set_a_password(snapshot, ledger, app_test, make_user):
    issued = ledger.invite_user(make_user("admin", "admin", {"*"}), "newbie", "New Person", "billing", ["L01"])
    at = app_test()
    at.query_params["code"] = issued.code
    at.run()
    assert at.text_input(key="redeem_code").value == issued.code
    at.text_input(key="redeem_password").input(NEW_PASSWORD)
    at.text_input(key="redeem_password_again").input(NEW_PASSWORD)
    at.button(key="redeem_submit").click().run()
    assert not at.exception and "Password set for newbie" in at.success[0].value
    _sign_in(at, "newbie", NEW_PASSWORD)
    assert at.session_state["user"].username == "newbie"


# ----- the admin page ------------------------------------------------------------------------------------


def test_admin_invites_resets_and_unlocks_and_codes_show_once(snapshot, ledger, app_test, make_user, password):
    admin = make_user("admin", "admin", {"*"})
    at = app_test("admin", user=admin).run()
    at.text_input(key="admin_invite_username").input("newbie")
    at.text_input(key="admin_invite_display_name").input("New Person")
    at.selectbox(key="admin_invite_role").set_value("billing")
    at.multiselect(key="admin_invite_locations").set_value(["L01"])
    at.button(key="admin_invite_submit").click().run()
    assert not at.exception
    code = at.code[0].value
    assert "Invitation for newbie" in at.success[0].value and f"?code={code}" in at.code[1].value
    assert ledger.set_password_with_code(code, NEW_PASSWORD) == "newbie"
    at.run()
    assert not at.code  # shown once
    for _ in range(5):
        ledger.sign_in("frontdesk_l01", "guess", source="ip:203.0.113.9")
    at.run()
    at.selectbox(key="admin_user").set_value("frontdesk_l01").run()
    table = at.dataframe[0].value.set_index("username")
    assert bool(table.loc["frontdesk_l01", "locked"]) and not bool(table.loc["director", "locked"])
    at.button(key="admin_unlock").click().run()
    assert "Unlocked frontdesk_l01" in at.success[0].value
    assert ledger.sign_in("frontdesk_l01", password, source="ip:203.0.113.9").status == "ok"
    at.selectbox(key="admin_user").set_value("frontdesk_l01").run()
    at.button(key="admin_reset_password").click().run()
    assert "Password reset for frontdesk_l01" in at.success[0].value
    assert ledger.authenticate("frontdesk_l01", password) is None  # the old password stopped working
    ledger.set_password_with_code(at.code[0].value, NEW_PASSWORD)
    assert ledger.authenticate("frontdesk_l01", NEW_PASSWORD) is not None
    details = " ".join(e["detail_json"] for e in ledger.audit_events(admin, limit=1000))
    assert code not in details and NEW_PASSWORD not in details


# ----- My account ----------------------------------------------------------------------------------------


def test_my_account_changes_the_password(snapshot, ledger, app_test, frontdesk_l01, password):
    at = app_test("account", user=frontdesk_l01).run()
    at.text_input(key="account_current_password").input("wrong")
    at.text_input(key="account_new_password").input(NEW_PASSWORD)
    at.text_input(key="account_new_password_again").input(NEW_PASSWORD)
    at.button(key="account_change_password").click().run()
    assert "current password" in at.error[0].value
    at.text_input(key="account_current_password").input(password)
    at.text_input(key="account_new_password").input(NEW_PASSWORD)
    at.text_input(key="account_new_password_again").input(NEW_PASSWORD)
    at.button(key="account_change_password").click().run()
    assert not at.exception and at.success[0].value == "Password changed."
    assert ledger.authenticate("frontdesk_l01", NEW_PASSWORD) is not None
    assert "Password rule: At least 12 characters" in at.caption[1].value


def test_my_account_sets_up_the_second_factor_with_a_confirming_code(snapshot, ledger, app_test, frontdesk_l01):
    at = app_test("account", user=frontdesk_l01).run()
    at.button(key="account_begin_second_factor").click().run()
    enrolment = at.session_state["account_totp_enrolment"]
    assert len(at.get("image")) == 1  # the QR code
    assert at.code[0].value == enrolment.grouped_secret
    at.text_input(key="account_confirm_code").input(
        "000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111"
    )
    at.button(key="account_confirm_second_factor").click().run()
    assert "does not match" in at.error[0].value and not ledger.has_second_factor("frontdesk_l01")
    at.text_input(key="account_confirm_code").input(pyotp.TOTP(enrolment.secret).now())
    at.button(key="account_confirm_second_factor").click().run()
    assert not at.exception and ledger.has_second_factor("frontdesk_l01")
    assert "account_totp_enrolment" not in at.session_state
    assert not at.code and enrolment.secret.replace(" ", "") not in str(at.get("markdown"))  # never shown again


# ----- session expiry ------------------------------------------------------------------------------------


def test_expiry_watcher_replaces_the_page_with_the_sign_in_screen(
    snapshot, ledger, app_test, frontdesk_l01, monkeypatch
):
    """The watcher fragment runs on its own (run_every); simulate its timer firing after the timeout: the
    whole app re-runs and shows the sign-in screen, with nothing of the page left."""
    from streamlit.testing.v1 import local_script_runner

    at = app_test(user=frontdesk_l01).run()
    assert at.title[0].value != "Sign in"
    page_title = at.title[0].value
    watchers = list(at._fragment_storage._fragments)  # the app's fragments: the watcher (and any of the page)
    assert watchers
    original = local_script_runner.RerunData

    def timer_tick(**kwargs):
        return dataclasses.replace(original(**kwargs), fragment_id_queue=list(watchers), is_auto_rerun=True)

    monkeypatch.setattr(local_script_runner, "RerunData", timer_tick)
    idle_since = time.time() - 60
    at.session_state["last_active_at"] = idle_since
    at.run()  # a tick before the timeout: only the watcher ran (a full run would count as activity)
    assert "user" in at.session_state and at.session_state["last_active_at"] == idle_since
    at.session_state["last_active_at"] = time.time() - 31 * 60
    at.run()
    assert "user" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in"]
    assert page_title not in str([e.value for e in at.markdown]) and "30 minutes" in at.warning[0].value


# ----- demo seed -----------------------------------------------------------------------------------------


def test_demo_seed_refused_in_production(env, monkeypatch):
    monkeypatch.setenv("RCM_MODE", "production")
    assert seed_demo_users.main(["--locations", "L01"]) == 2
    assert _ledger().get_user("director") is None


def test_demo_seed_never_undoes_an_admins_changes(snapshot, password, make_user):
    assert seed_demo_users.main([]) == 0
    ledger = _ledger()
    admin = make_user("admin", "admin", {"*"})
    ledger.change_user(admin, "billing", role="director", locations=["L01"], disabled=False)
    ledger.change_user(admin, "credentialing", role="credentialing", locations=["*"], disabled=True)
    ledger.reset_password(admin, "frontdesk_l01")
    assert seed_demo_users.main([]) == 0
    assert ledger.authenticate("billing", password).role == "director"
    assert ledger.get_user("credentialing") is None  # still disabled
    assert ledger.authenticate("frontdesk_l01", password) is None  # the reset stands


# ----- bind address --------------------------------------------------------------------------------------


def test_make_app_binds_to_localhost_unless_told_otherwise():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def streamlit_line(*args):
        out = subprocess.run(
            ["make", "-n", "-s", "-C", str(root), "app", *args], capture_output=True, text=True, check=True
        ).stdout
        return next(line for line in out.splitlines() if "streamlit run" in line)

    assert "--server.address 127.0.0.1" in streamlit_line()
    assert "--server.address 10.1.2.3" in streamlit_line("ADDRESS=10.1.2.3")
