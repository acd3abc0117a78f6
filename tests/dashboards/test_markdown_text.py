"""Data shown in Markdown-rendering elements appears as written (no images, links or emphasis from data)."""

from __future__ import annotations

import pytest

from dashboards.markdown_text import plain


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("![x](https://host/pixel.png)", r"\!\[x\]\(https\://host/pixel\.png\)"),
        ("**Aetna** _Kids_", r"\*\*Aetna\*\* \_Kids\_"),
        ("Re-auth: auth PA-1 (L01)", r"Re\-auth\: auth PA\-1 \(L01\)"),
        ("<img src=x>", r"\<img src=x\>"),
        ("plain words", "plain words"),
    ],
)
def test_plain_escapes_what_markdown_would_interpret(raw, shown):
    assert plain(raw) == shown


def test_a_card_title_from_the_data_is_shown_literally_on_the_board(snapshot, ledger, app_test, director):
    from emitters.models import DraftAction

    ledger.sync_drafts(
        "reauth_packet",
        [
            DraftAction(
                flag_id="flag-md",
                action_type="reauth_packet",
                location_id="L01",
                payer_id="P-AET",
                patient_id="PT-md",
                title="Re-auth for ![x](https://host/pixel.png)",
                recipient="**UM**",
                body="Body.",
                dollars_at_stake="9999.00",
                due_date=None,
                assigned_role="front_desk",
            )
        ],
        run_id="test-md",
    )
    at = app_test("board", user=director).run()
    assert not at.exception
    assert at.subheader[0].value == plain("Re-auth for ![x](https://host/pixel.png)")
