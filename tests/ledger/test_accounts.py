"""Accounts: demo vs production mode, the first administrator (ledger and CLI), invitations, resets, each person's
own password and its rule, the TOTP second factor, and throttling per (username, source) and per source."""

from __future__ import annotations

import io
import sqlite3

import pyotp
import pytest

from ledger import InvalidTransition, PermissionDenied, password_problem
from ledger.cli import main as ledger_cli

DEMO_PASSWORD = "shared-demo-pw-2026"
GOOD_PASSWORD = "maple kettle orbit 42"
KNOWN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def production(monkeypatch):
    monkeypatch.setenv("RCM_MODE", "production")
    monkeypatch.setenv("RCM_DEMO_PASSWORD", DEMO_PASSWORD)


def _events(ledger, event_type=None):
    with ledger.engine.connect() as conn:
        rows = conn.exec_driver_sql("select event_type, actor, detail_json from audit_events order by event_id").all()
    return [r for r in rows if event_type is None or r[0] == event_type]


def _all_stored_text(tmp_path) -> str:
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    text = []
    for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
        text += [repr(row) for row in db.execute(f"select * from {table}")]
    db.close()
    return "\n".join(text)


# ----- demo vs production -----------------------------------------------------------------------------


def test_demo_password_is_refused_outside_demo_mode_and_accepted_in_it(ledger, monkeypatch):
    with pytest.raises(ValueError, match="RCM_MODE=demo"):
        ledger.upsert_user("director", DEMO_PASSWORD, "director", ["*"], "Director")
    with pytest.raises(ValueError, match="RCM_MODE=demo"):
        ledger.add_user_if_missing("director", DEMO_PASSWORD, "director", ["*"], "Director", actor="t")
    monkeypatch.setenv("RCM_MODE", "demo")
    ledger.upsert_user("director", DEMO_PASSWORD, "director", ["*"], "Director")
    assert ledger.authenticate("director", DEMO_PASSWORD) is not None
    monkeypatch.setenv("RCM_MODE", "production")  # the same ledger moved to production: the shared password dies
    assert ledger.sign_in("director", DEMO_PASSWORD, source="ip:10.0.0.1").status == "failed"
    assert "demo password outside demo mode" in _events(ledger, "sign_in_failed")[-1][2]


def test_unknown_mode_is_a_clear_error(monkeypatch):
    from core.settings import get_account_settings

    monkeypatch.setenv("RCM_MODE", "staging")
    with pytest.raises(ValueError, match="RCM_MODE must be demo or production"):
        get_account_settings()


def test_add_user_if_missing_never_overwrites(ledger, users, password):
    assert ledger.add_user_if_missing("fd_l01", "other password 1", "admin", ["*"], "X", actor="t") is False
    assert ledger.authenticate("fd_l01", password).role == "front_desk"
    assert ledger.add_user_if_missing("newbie", "other password 1", "billing", ["*"], "New", actor="t") is True
    assert ledger.authenticate("newbie", "other password 1").role == "billing"


# ----- the password rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("elevenchars", "at least 12"),
        ("twelve chars", None),
        ("x" * 257, "at most 256"),
        ("my name is Alice ok", "username"),
        (DEMO_PASSWORD, "demo password"),
        ("Password 1234", "too common"),
        ("aaaaaaaaaaaaaa", "too common"),
        ("ababababababab", "too common"),
    ],
)
def test_password_rule(password, problem):
    found = password_problem(password, username="alice", demo_password=DEMO_PASSWORD)
    assert (found is None) if problem is None else (problem in found)


# ----- the first administrator ------------------------------------------------------------------------


def test_first_admin_only_while_no_enabled_admin_exists(ledger):
    assert not ledger.has_enabled_admin()
    with pytest.raises(ValueError, match="at least 12"):
        ledger.create_first_admin("root", "Root", "short")
    admin = ledger.create_first_admin("root", "Root Admin", GOOD_PASSWORD)
    assert admin.role == "admin" and admin.sees_all_locations and ledger.has_enabled_admin()
    assert ledger.authenticate("root", GOOD_PASSWORD) == admin
    with pytest.raises(InvalidTransition, match="already exists"):
        ledger.create_first_admin("root2", "Second", GOOD_PASSWORD)
    assert [e[1] for e in _events(ledger, "first_admin_created")] == ["root"]


def test_first_admin_path_reopens_only_if_every_admin_is_disabled(ledger, users):
    assert ledger.has_enabled_admin()
    ledger.upsert_user("admin", "whatever pw 1", "admin", ["*"], "Admin", disabled=True)
    assert not ledger.has_enabled_admin()


def test_cli_create_admin_reads_the_password_from_stdin_and_closes(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    args = ["create-admin", "--url", url, "--username", "root", "--display-name", "Root Admin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert ledger_cli(args) == 1
    assert "at least 12" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD_PASSWORD + "\n"))
    assert ledger_cli(args) == 0
    from ledger import Ledger

    assert Ledger(url).authenticate("root", GOOD_PASSWORD).role == "admin"
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD_PASSWORD + "\n"))
    assert ledger_cli([*args[:4], "other", "--display-name", "Other"]) == 1
    assert "already exists" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # there is no way to pass the password as an argument
        ledger_cli([*args, "--password", GOOD_PASSWORD])


# ----- invitations and resets -------------------------------------------------------------------------


def test_invitation_creates_an_account_the_invitee_finishes(ledger, users, clock, tmp_path):
    issued = ledger.invite_user(users["admin"], "newbie", "New Person", "billing", ["L01"])
    assert issued.purpose == "invitation" and issued.expires_at > clock()
    assert ledger.sign_in("newbie", "", source="ip:1").status == "failed"  # no usable password yet
    listed = {u["username"]: u for u in ledger.list_users(users["admin"])}
    assert listed["newbie"]["password_set"] is False and listed["fd_l01"]["password_set"] is True
    with pytest.raises(ValueError, match="username"):
        ledger.set_password_with_code(issued.code, "newbie forever 99")  # the rule applies
    assert ledger.set_password_with_code(issued.code, GOOD_PASSWORD) == "newbie"
    user = ledger.authenticate("newbie", GOOD_PASSWORD)
    assert user.role == "billing" and user.locations == frozenset({"L01"})
    with pytest.raises(ValueError, match="not valid"):
        ledger.set_password_with_code(issued.code, "another good one 7")  # one time only
    assert _events(ledger)[-1][:2] == ("account_code_refused", "anonymous")
    stored = _all_stored_text(tmp_path)
    assert issued.code not in stored and GOOD_PASSWORD not in stored
    assert [d for t, _, d in _events(ledger) if "newbie" in d and t == "user_invited"]


def test_invitation_expires(ledger, users, clock, monkeypatch):
    monkeypatch.setenv("RCM_INVITATION_HOURS", "2")
    issued = ledger.invite_user(users["admin"], "late", "Late Person", "billing", ["*"])
    clock.advance(hours=2, seconds=1)
    with pytest.raises(ValueError, match="not valid"):
        ledger.set_password_with_code(issued.code, GOOD_PASSWORD)


def test_only_admins_invite_and_only_inside_their_locations(ledger, users):
    with pytest.raises(PermissionDenied):
        ledger.invite_user(users["director"], "x", "X", "billing", ["*"])
    admin_l01 = ledger.upsert_user("admin_l01", "a-long-test-password", "admin", ["L01"], "Admin L01")
    with pytest.raises(PermissionDenied):
        ledger.invite_user(admin_l01, "x", "X", "billing", ["L02"])
    with pytest.raises(ValueError, match="taken"):
        ledger.invite_user(users["admin"], "fd_l01", "Dup", "billing", ["L01"])
    assert ledger.invite_user(admin_l01, "x", "X", "front_desk", ["L01"]).username == "x"


def test_reset_stops_the_old_password_and_supersedes_earlier_codes(ledger, users, password, tmp_path):
    first = ledger.reset_password(users["admin"], "fd_l01")
    assert ledger.authenticate("fd_l01", password) is None  # the old password stopped working at once
    second = ledger.reset_password(users["admin"], "fd_l01")
    with pytest.raises(ValueError, match="not valid"):
        ledger.set_password_with_code(first.code, GOOD_PASSWORD)
    ledger.set_password_with_code(second.code, GOOD_PASSWORD)
    assert ledger.authenticate("fd_l01", GOOD_PASSWORD) is not None
    details = " ".join(d for _, _, d in _events(ledger))
    assert first.code not in details and second.code not in details and GOOD_PASSWORD not in details
    with pytest.raises(PermissionDenied):
        ledger.reset_password(users["fd_l02"], "fd_l01")


# ----- own password -----------------------------------------------------------------------------------


def test_change_own_password_needs_the_current_one_and_the_rule(ledger, users, password):
    with pytest.raises(ValueError, match="current password"):
        ledger.change_password("fd_l01", "wrong", GOOD_PASSWORD)
    with pytest.raises(ValueError, match="demo password"):
        ledger.change_password("fd_l01", password, DEMO_PASSWORD)
    ledger.change_password("fd_l01", password, GOOD_PASSWORD)
    assert ledger.authenticate("fd_l01", password) is None
    assert ledger.authenticate("fd_l01", GOOD_PASSWORD) is not None
    assert [e[0] for e in _events(ledger)][-3:] == ["password_changed", "sign_in_failed", "sign_in"]
    assert "password_change_refused" in [e[0] for e in _events(ledger)]


# ----- second factor ----------------------------------------------------------------------------------


def _enable_totp(ledger, clock, username="fd_l01"):
    enrolment = ledger.begin_second_factor(username, secret=KNOWN_SECRET)
    assert "otpauth://totp/" in enrolment.provisioning_uri and enrolment.grouped_secret.startswith("JBSW Y3DP")
    with pytest.raises(ValueError, match="does not match"):
        ledger.confirm_second_factor(
            username, "000000" if pyotp.TOTP(KNOWN_SECRET).at(clock()) != "000000" else "111111"
        )
    assert not ledger.has_second_factor(username)
    assert _events(ledger)[-1][0] == "second_factor_setup_failed"
    ledger.confirm_second_factor(username, pyotp.TOTP(KNOWN_SECRET).at(clock()))
    assert ledger.has_second_factor(username)
    clock.advance(seconds=30)  # the confirming code's step is used up


def test_second_factor_sign_in_and_replay(ledger, users, password, clock, tmp_path):
    _enable_totp(ledger, clock)
    assert ledger.authenticate("fd_l01", password) is None  # the password alone is no longer enough
    step_one = ledger.sign_in("fd_l01", password, source="ip:1")
    assert step_one.status == "second_factor" and step_one.user is None
    code = pyotp.TOTP(KNOWN_SECRET).at(clock())
    done = ledger.complete_second_factor("fd_l01", step_one.challenge, code, source="ip:1")
    assert done.status == "ok" and done.user.username == "fd_l01"
    again = ledger.sign_in("fd_l01", password, source="ip:1")
    replay = ledger.complete_second_factor("fd_l01", again.challenge, code, source="ip:1")
    assert replay.status == "failed"
    assert "already used" in _events(ledger, "sign_in_failed")[-1][2]
    earlier = pyotp.TOTP(KNOWN_SECRET).at(clock().timestamp() - 30)  # inside the drift, but before the used one
    assert ledger.complete_second_factor("fd_l01", again.challenge, earlier, source="ip:1").status == "failed"
    clock.advance(seconds=30)
    fresh = pyotp.TOTP(KNOWN_SECRET).at(clock())
    assert ledger.complete_second_factor("fd_l01", again.challenge, fresh, source="ip:1").status == "ok"
    stored = _all_stored_text(tmp_path)
    assert KNOWN_SECRET not in stored and fresh not in " ".join(d for _, _, d in _events(ledger))


def test_second_factor_challenge_is_bound_to_the_user_and_expires(ledger, users, password, clock):
    _enable_totp(ledger, clock)
    _enable_totp(ledger, clock, username="fd_l02")
    challenge = ledger.sign_in("fd_l01", password, source="ip:1").challenge
    code = pyotp.TOTP(KNOWN_SECRET).at(clock())
    assert ledger.complete_second_factor("fd_l02", challenge, code, source="ip:1").status == "failed"
    assert ledger.complete_second_factor("fd_l01", challenge + "0", code, source="ip:1").status == "failed"
    clock.advance(minutes=5, seconds=1)
    code = pyotp.TOTP(KNOWN_SECRET).at(clock())
    assert ledger.complete_second_factor("fd_l01", challenge, code, source="ip:1").status == "failed"


def test_disable_second_factor_needs_the_password_and_reset_can_remove_it(ledger, users, password, clock):
    _enable_totp(ledger, clock)
    with pytest.raises(ValueError, match="current password"):
        ledger.disable_second_factor("fd_l01", "wrong")
    assert _events(ledger)[-1][0] == "second_factor_change_refused" and ledger.has_second_factor("fd_l01")
    ledger.disable_second_factor("fd_l01", password)
    assert ledger.authenticate("fd_l01", password) is not None
    _enable_totp(ledger, clock)
    issued = ledger.reset_password(users["admin"], "fd_l01", remove_second_factor=True)
    ledger.set_password_with_code(issued.code, GOOD_PASSWORD)
    assert ledger.authenticate("fd_l01", GOOD_PASSWORD) is not None
    assert (
        ledger.list_users(users["admin"])[[u["username"] for u in ledger.list_users(users["admin"])].index("fd_l01")][
            "second_factor"
        ]
        is False
    )


# ----- throttling ------------------------------------------------------------------------------------


def test_failures_from_one_source_do_not_lock_the_admin_out_elsewhere(ledger, users, password, clock):
    for _ in range(5):
        result = ledger.sign_in("admin", "guess", source="ip:203.0.113.9")
        clock.advance(minutes=1)
    assert result.status == "locked" and result.retry_minutes == 11  # the fifth failure names the lockout
    assert ledger.sign_in("admin", password, source="ip:203.0.113.9").status == "locked"
    assert ledger.sign_in("admin", password, source="ip:192.0.2.7").status == "ok"
    assert "admin" in ledger.locked_usernames()


def test_lockout_reads_the_same_for_unknown_usernames(ledger, users):
    results = [[ledger.sign_in(name, "guess", source="ip:9") for _ in range(6)][-1] for name in ("admin", "nobody")]
    assert [(r.status, r.retry_minutes, r.user, r.challenge) for r in results] == [("locked", 15, None, None)] * 2


def test_one_source_failing_across_many_usernames_is_locked_out_entirely(ledger, users, password, monkeypatch):
    monkeypatch.setenv("RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE", "6")
    for name in ("a", "b", "c", "d", "e", "f"):
        ledger.sign_in(name, "guess", source="ip:9")
    assert ledger.sign_in("billing", password, source="ip:9").status == "locked"
    assert ledger.sign_in("billing", password, source="ip:10").status == "ok"


def test_admin_unlock_clears_the_failures(ledger, users, password):
    for _ in range(5):
        ledger.sign_in("fd_l01", "guess", source="ip:9")
    with pytest.raises(PermissionDenied):
        ledger.unlock_user(users["director"], "fd_l01")
    assert ledger.unlock_user(users["admin"], "fd_l01") == 5
    assert "fd_l01" not in ledger.locked_usernames()
    assert ledger.sign_in("fd_l01", password, source="ip:9").status == "ok"
    assert '"failures_cleared":5' in _events(ledger, "account_unlocked")[-1][2].replace(" ", "")


def test_env_example_lists_the_account_settings_with_their_defaults(monkeypatch):
    from pathlib import Path

    from core.settings import get_account_settings

    for name in (
        "RCM_MODE",
        "RCM_DEMO_PASSWORD",
        "RCM_SIGN_IN_MAX_FAILURES",
        "RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE",
        "RCM_SIGN_IN_WINDOW_MINUTES",
        "RCM_INVITATION_HOURS",
        "RCM_DASHBOARD_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    listed = dict(line.split("=", 1) for line in example.splitlines() if line.startswith("RCM_"))
    defaults = get_account_settings()
    assert listed["RCM_MODE"] == defaults.mode == "production"
    assert listed["RCM_DEMO_PASSWORD"] == defaults.demo_password
    assert int(listed["RCM_SIGN_IN_MAX_FAILURES"]) == defaults.max_failures_per_user_and_source
    assert int(listed["RCM_SIGN_IN_MAX_FAILURES_PER_SOURCE"]) == defaults.max_failures_per_source
    assert int(listed["RCM_SIGN_IN_WINDOW_MINUTES"]) == defaults.failure_window_minutes
    assert int(listed["RCM_INVITATION_HOURS"]) == defaults.invitation_hours
    assert listed["RCM_DASHBOARD_URL"] == defaults.dashboard_url
