"""Clearinghouse acknowledgements end to end: generated 999 and 277CA files -> ingest -> dbt -> rejection drafts.

The generator answers each of its 837P files with a 999 and a 277CA and plants rejections (ground truth
``acknowledgements``): one file rejected whole by its 999, a few claims rejected by the 277CA, and a claim
rejected, sent again and accepted. The flagged claims must be exactly the planted rejections; the claim
rejected then accepted must not be flagged and carries the accepted resubmission's date.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pipeline


def _truth(pipeline) -> dict:
    return pipeline.truth["acknowledgements"]


def test_acknowledgement_files_load_and_none_is_quarantined(pipeline):
    con = pipeline.snapshot()
    statuses = dict(
        con.execute(
            "select status, count(*) from ingest_file_ledger where file_name like '%.999' "
            "or file_name like '%.277' group by status"
        ).fetchall()
    )
    assert statuses.keys() == {"loaded"} and statuses["loaded"] > 2


def test_flagged_claims_are_exactly_the_planted_rejections(pipeline):
    truth = _truth(pipeline)
    assert truth["rejected_999_file"] and {r["source"] for r in truth["rejected_claims"]} == {"999", "277CA"}
    con = pipeline.snapshot()
    flagged = dict(
        con.execute("select claim_id, rejection_source from flag_claims_rejected_at_clearinghouse").fetchall()
    )
    assert flagged == {r["claim_id"]: r["source"] for r in truth["rejected_claims"]}


def test_a_claim_rejected_then_accepted_on_resubmission_is_not_flagged_and_dates_its_acceptance(pipeline):
    [claim_id] = _truth(pipeline)["rejected_then_accepted"]
    con = pipeline.snapshot()
    row = con.execute(
        "select is_rejection_open, rejection_count, submission_count, accepted_date, "
        "first_rejected_date from fct_claim_acknowledgements where claim_id = ?",
        [claim_id],
    ).fetchone()
    is_open, rejections, submissions, accepted_date, first_rejected = row
    assert (is_open, rejections, submissions) == (False, 1, 2)
    assert accepted_date > first_rejected


def test_accepted_claims_have_an_accepted_date_and_rejected_ones_none(pipeline):
    rejected = {r["claim_id"] for r in _truth(pipeline)["rejected_claims"]}
    con = pipeline.snapshot()
    rows = con.execute(
        "select claim_id, acknowledgement_status, accepted_date from fct_claim_acknowledgements where is_submitted"
    ).fetchall()
    assert {c for c, status, _ in rows if status == "rejected"} == rejected
    assert all(accepted is not None for c, status, accepted in rows if status == "accepted")
    assert all(accepted is None for c, _, accepted in rows if c in rejected)
    assert sum(status == "accepted" for _, status, _ in rows) > len(rejected)


def test_one_billing_draft_per_rejection_and_a_second_run_drafts_nothing(pipeline):
    planted = len(_truth(pipeline)["rejected_claims"])
    first = pipeline.metadata(pipeline.first, "claim_rejection_fix_drafts")
    second = pipeline.metadata(pipeline.second, "claim_rejection_fix_drafts")
    assert first["drafted"] == first["flag_rows"] == planted
    assert second["drafted"] == 0 and second["unchanged"] == planted

    from core.settings import get_settings
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.upsert_user("ack_billing", "pw-123456", "billing", ["*"], "Acknowledgement Billing")
    drafts = ledger.list_actions(ledger.authenticate("ack_billing", "pw-123456"), action_types=["claim_rejection_fix"])
    assert len(drafts) == planted
    assert all("Why it was rejected:" in d["body"] and "Correct:" in d["body"] for d in drafts)
    member_id_error = [d for d in drafts if "NM109 in loop 2010: Invalid Code Value" in d["body"]]
    assert len(member_id_error) == sum(r["source"] == "999" for r in _truth(pipeline)["rejected_claims"])
