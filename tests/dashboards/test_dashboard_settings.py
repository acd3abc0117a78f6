"""A bad setting stops the dashboard before it shows anything, without a path or a traceback for the person
looking at it; the server's log names the variable."""

from __future__ import annotations

import logging


def test_a_bad_setting_shows_a_plain_message_and_logs_the_variable(env, app_test, rendered_text, monkeypatch, caplog):
    monkeypatch.setenv("RCM_AS_OF_DATE", "26/11/2026")
    with caplog.at_level(logging.ERROR):
        at = app_test().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The dashboard is not set up correctly. Ask your administrator: the server's log names the setting."
    ]
    text = rendered_text(at)
    assert "Sign in" not in [t.value for t in at.title] and str(env) not in text and "RCM_" not in text
    assert "RCM_AS_OF_DATE must be a date as YYYY-MM-DD" in caplog.text
