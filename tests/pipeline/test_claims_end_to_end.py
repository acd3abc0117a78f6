"""Claims area end to end: generated 837P claims -> ingest -> dbt audit marts -> claim fix drafts.

Every planted pre-submission audit problem is found on exactly the planted claim lines and rules, no
other claim line fails, each flagged claim gets one billing draft, and a second run drafts nothing new.

The credentialing area plants claims whose rendering therapist is not yet enrolled with the payer on the
date of service (its ground truth "credentialing.claim_holds"). The audit must flag those too, on every
line, as rendering_not_enrolled: the same fact seen before submission, so they are part of the expected set.
Likewise the authorization area plants kept visits no authorization covers (its ground truth
"unauthorized_visits"): their claims fail authorization_not_active on every line. The NCCI pairs the claims
area billed without a distinct-service modifier ("claims.ncci_distinct_service") were answered by the payer
already: the audit fails them (its audit_failures), but no pre-submission fix is drafted.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest

pytestmark = pytest.mark.pipeline


def _csv(pipeline, entity: str) -> list[dict]:
    with (pipeline.root / "inbox" / "ehr" / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _unsubmitted(pipeline) -> set[str]:
    """Claims the generator held back from the clearinghouse (billed in the EHR, no 837P)."""
    return {u["claim_id"] for u in pipeline.truth["claims"]["unsubmitted_claims"]}


def _held_claims(pipeline) -> dict[str, str]:
    """claim_id -> location_id of the submitted claims the credentialing area planted as held for enrollment."""
    holds = pipeline.truth.get("credentialing", {}).get("claim_holds", [])
    unsubmitted = _unsubmitted(pipeline)
    return {claim_id: h["location_id"] for h in holds for claim_id in h["claim_ids"] if claim_id not in unsubmitted}


def _unauthorized_visit_claims(pipeline) -> dict[str, dict]:
    """claim_id -> planted fact of the kept visits the authorization area planted with no authorization
    covering them: their submitted claims fail authorization_not_active on every line."""
    unsubmitted = _unsubmitted(pipeline)
    planted = pipeline.truth.get("unauthorized_visits", [])
    return {p["claim_id"]: p for p in planted if p["claim_id"] not in unsubmitted}


def _ncci_pairs(pipeline) -> dict[str, dict]:
    """claim_id -> planted fact of the visits billed with an NCCI pair and no distinct-service modifier."""
    return {p["claim_id"]: p for p in pipeline.truth["claims"]["ncci_distinct_service"]}


def _expected(pipeline) -> set[tuple[str, int, str]]:
    plants = pipeline.truth["claims"]["audit_plants"]
    expected = {(p["claim_id"], f["line_number"], f["rule"]) for p in plants for f in p["failures"]}
    for claim_id, p in _ncci_pairs(pipeline).items():
        expected |= {(claim_id, f["line_number"], f["rule"]) for f in p["audit_failures"]}
    for claim_id, p in _unauthorized_visit_claims(pipeline).items():
        expected |= {(claim_id, n, "authorization_not_active") for n in p["claim_line_numbers"]}
    held = _held_claims(pipeline)
    visit_claims = {v["visit_id"]: v["claim_id"] for v in _csv(pipeline, "visits")}
    for line in _csv(pipeline, "charge_lines"):
        claim_id = visit_claims[line["visit_id"]]
        if claim_id in held:
            expected.add((claim_id, int(line["line_number"]), "rendering_not_enrolled"))
    return expected


def _expected_claims(pipeline) -> dict[str, str]:
    """claim_id -> location_id of every claim the audit fails."""
    claims = _held_claims(pipeline)
    claims.update({claim_id: p["location_id"] for claim_id, p in _unauthorized_visit_claims(pipeline).items()})
    claims.update({p["claim_id"]: p["location_id"] for p in pipeline.truth["claims"]["audit_plants"]})
    claims.update({claim_id: p["location_id"] for claim_id, p in _ncci_pairs(pipeline).items()})
    return claims


def _expected_open_claims(pipeline) -> dict[str, str]:
    """claim_id -> location_id of every claim the flag mart must hold: the failing claims not yet answered.
    The unauthorized visits were planted weeks back, so their claims are answered (the authorization area's
    review task works them); so are the NCCI pairs (their denials are worked)."""
    answered = _unauthorized_visit_claims(pipeline) | _ncci_pairs(pipeline)
    return {claim_id: loc for claim_id, loc in _expected_claims(pipeline).items() if claim_id not in answered}


def test_audit_finds_every_planted_problem_and_nothing_else(pipeline):
    con = pipeline.snapshot()
    found = {
        tuple(r)
        for r in con.execute("select claim_id, line_number, rule_name from fct_claim_audit_failures").fetchall()
    }
    expected = _expected(pipeline)
    assert len({p["plant"] for p in pipeline.truth["claims"]["audit_plants"]}) >= 11
    # The assistant's share over 10% of an OTR's line (planted in the EHR charge line) needs CO.
    shares = [p for p in pipeline.truth["claims"]["audit_plants"] if p["plant"] == "assistant_share_over_10_percent"]
    assert shares and all(10 * p["assistant_minutes"] > p["documented_minutes"] for p in shares)
    assert {(p["claim_id"], 1, "assistant_modifier") for p in shares} <= found
    assert found - expected == set(), "failed but not planted"
    assert expected - found == set(), "planted but not found"


def test_flag_mart_has_one_row_per_planted_claim_with_money_and_deadline(pipeline):
    con = pipeline.snapshot()
    rows = con.execute(
        "select claim_id, location_id, rule_names, dollars_at_risk, due_date, as_of_date from flag_claim_audit_failures"
    ).fetchall()
    expected_claims = _expected_open_claims(pipeline)
    assert {r[0] for r in rows} == set(expected_claims)
    rules_by_claim: dict[str, set[str]] = {}
    for claim_id, _, rule in _expected(pipeline):
        rules_by_claim.setdefault(claim_id, set()).add(rule)
    for claim_id, location_id, rule_names, dollars, due, as_of in rows:
        assert location_id == expected_claims[claim_id]
        assert set(rule_names.split("|")) == rules_by_claim[claim_id]
        assert dollars > 0 and due > as_of


def test_clean_claim_rate_counts_every_claim_once(pipeline):
    con = pipeline.snapshot()
    claims, failed = con.execute(
        "select sum(claim_count), sum(failed_claim_count) from fct_claim_clean_rate"
    ).fetchone()
    assert failed == len(_expected_claims(pipeline))
    # one claim per billed visit, the planted ones included, but for those never submitted
    assert claims == len(_csv(pipeline, "visits")) - len(_unsubmitted(pipeline))
    rate = con.execute("select sum(clean_claim_count) * 1.0 / sum(claim_count) from fct_claim_clean_rate").fetchone()[0]
    assert 0.95 < rate < 1
    # The at-risk summary counts each flagged claim under claims and denials, at its claim's location.
    flagged = dict(con.execute("select location_id, count(*) from flag_claim_audit_failures group by 1").fetchall())
    per_location: dict[str, int] = {}
    for location_id in _expected_open_claims(pipeline).values():
        per_location[location_id] = per_location.get(location_id, 0) + 1
    assert flagged == per_location


def test_one_billing_draft_per_flagged_claim_and_a_second_run_drafts_nothing(pipeline):
    first = pipeline.metadata(pipeline.first, "claim_audit_fix_drafts")
    second = pipeline.metadata(pipeline.second, "claim_audit_fix_drafts")
    planted = len(_expected_open_claims(pipeline))
    assert first["drafted"] == first["flag_rows"] == planted
    assert second["drafted"] == 0 and second["auto_resolved"] == 0 and second["unchanged"] == planted

    from core.settings import get_settings
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.upsert_user("claims_billing", "pw-123456", "billing", ["*"], "Claims Billing")
    user = ledger.authenticate("claims_billing", "pw-123456")
    drafts = ledger.list_actions(user, action_types=["claim_audit_fix"])
    assert len(drafts) == planted
    assert all(d["assigned_role"] == "billing" for d in drafts)


def test_837p_files_load_and_none_is_quarantined(pipeline):
    con = pipeline.snapshot()
    statuses = con.execute(
        "select status, count(*) from ingest_file_ledger where file_name like '%.837' group by status"
    ).fetchall()
    assert dict(statuses).keys() == {"loaded"}


def test_denial_aging_finds_every_denied_line_and_nothing_else(pipeline):
    con = pipeline.snapshot()
    denials = pipeline.truth["claims"]["denials"]
    expected = {(d["claim_id"], d["line_number"], d["carc"]) for d in denials}
    found = {tuple(r) for r in con.execute("select claim_id, line_number, denial_carc from fct_denials").fetchall()}
    assert found == expected
    planted_kinds = {d["carc"] for d in denials if d["planted"]}
    assert planted_kinds == {
        "197",
        "198",
        "50",
        "97",
        "16",
        "29",
        "22",
        "109",
        "185",
        "B7",
        "32",
        "272",
        "288",
        "151",
        "236",
        # the payer-of-last-resort plant: a commercial plan's not-covered denial on a child with Medicaid secondary
        "96",
    }
    routes = dict(con.execute("select denial_carc, min(route) from fct_denials group by 1").fetchall())
    assert routes["16"] == "new_claim" and routes["50"] == "appeal"
    assert routes["97"] == "ncci_review" and routes["151"] == "unit_reduction"  # CO-236: see the NCCI test
    assert routes["197"] in ("retro_auth_request", "write_off_review")
    assert routes["109"] == routes["32"] == "rebill_other_payer"
    assert routes["96"] == "bill_secondary_or_write_off"
    # A missing authorization is a retro-authorization request only where the payer grants one (seed).
    retro = dict(
        con.execute("select claim_id, route from fct_denials where denial_carc in ('197', '198', '15')").fetchall()
    )
    grants = {
        r["payer_type"]: r["allows_retro_authorization"] == "true"
        for r in _seed("claim_payer_correction_rules")
        if not r["payer_id"]
    }
    grants |= {
        r["payer_id"]: r["allows_retro_authorization"] == "true"
        for r in _seed("claim_payer_correction_rules")
        if r["payer_id"]
    }
    payers = dict(con.execute("select claim_id, payer_id from fct_denials").fetchall())
    types = dict(con.execute("select claim_id, payer_type from fct_denials").fetchall())
    for claim_id, route in retro.items():
        granted = grants.get(payers[claim_id], grants.get(types[claim_id], False))
        assert route == ("retro_auth_request" if granted else "write_off_review"), claim_id
    # A timely-filing denial is appealed only with a clearinghouse acceptance inside the filing limit.
    for route, proof in con.execute(
        "select route, has_timely_filing_proof from fct_denials where denial_carc = '29'"
    ).fetchall():
        assert route == ("appeal" if proof else "write_off_review")
    assert routes["288"] == "referral_fix" and routes["272"] == "review"
    # A CARC the seeds do not know is worked (review) but is not a classified denial and leaks nothing yet.
    unclassified = {
        tuple(r)
        for r in con.execute("select claim_id, line_number from fct_denials where not is_denial_classified").fetchall()
    }
    assert unclassified == {(d["claim_id"], d["line_number"]) for d in denials if d["carc"] == "272"}
    leaked = {
        r[0] for r in con.execute("select record_id from fct_leak_events where leak_area = 'claims_denials'").fetchall()
    }
    lines_272 = {
        r[0] for r in con.execute("select claim_line_id from fct_denials where denial_carc = '272'").fetchall()
    }
    assert lines_272 and not lines_272 & leaked
    # Claims answered with claim-level CAS and no service lines post a denial on every submitted line.
    claim_level = {
        tuple(r)
        for r in con.execute("select claim_id, line_number from fct_denials where is_claim_level_answer").fetchall()
    }
    assert claim_level == {(d["claim_id"], d["line_number"]) for d in denials if d["adjudicated_at_claim_level"]}
    assert claim_level
    # Every deadline falls on a business day.
    weekend = con.execute(
        "select count(*) from fct_denials where deadline_date is not null and isodow(deadline_date) > 5"
    ).fetchone()[0]
    assert weekend == 0
    no_rights = con.execute(
        "select bool_and(not has_appeal_rights) from fct_denials "
        "where denial_carc = '16' and remark_codes like '%MA130%'"
    ).fetchone()[0]
    assert no_rights is True
    # MA130 sent at claim level (MOA) routes the claim's lines exactly as MA130 in each line's LQ does.
    moa_lines = {(d["claim_id"], d["line_number"]) for d in denials if "MA130" in d["claim_rarcs"]}
    assert moa_lines
    moa_found = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.execute(
            "select claim_id, line_number, route, has_appeal_rights from fct_denials where remark_codes like '%MA130%'"
        ).fetchall()
    }
    assert {key: moa_found.get(key) for key in moa_lines} == dict.fromkeys(moa_lines, ("new_claim", False))


# The generator's NCCI documentation kinds: whether the note shows the column-2 code as a distinct service.
NCCI_DOCUMENTED_SEPARATELY = {"separate_time_blocks": True, "separate_session": True, "overlapping_time_blocks": False}
NCCI_CARCS = ("97", "231", "234", "236")


def _actions(action_type: str) -> list[dict]:
    from core.settings import get_settings
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.upsert_user("claims_ncci", "pw-123456", "billing", ["*"], "Claims NCCI")
    return ledger.list_actions(ledger.authenticate("claims_ncci", "pw-123456"), action_types=[action_type])


def test_ncci_denials_get_the_payers_distinct_service_modifier_only_where_the_note_shows_a_distinct_service(
    pipeline, tmp_path
):
    """A CO-236 on the column-2 code of an NCCI pair becomes a corrected 837P with the payer's seeded
    distinct-service modifier on that line when the note documents separate time blocks or a separate session;
    with overlapping blocks it is a review that says what to verify, and no claim is drafted."""
    planted = {p["claim_id"]: p for p in pipeline.truth["claims"]["ncci_distinct_service"] if p["carc"]}
    assert {p["documentation"] for p in planted.values()} == set(NCCI_DOCUMENTED_SEPARATELY)
    con = pipeline.snapshot()
    found = {
        r[0]: r[1:]
        for r in con.execute(
            "select claim_id, line_number, denial_carc, route, is_documented_separately, distinct_service_modifier "
            f"from fct_denials where denial_carc in {NCCI_CARCS}"
        ).fetchall()
    }
    for claim_id, p in planted.items():
        documented = NCCI_DOCUMENTED_SEPARATELY[p["documentation"]]
        route = "corrected_claim" if documented else "ncci_review"
        assert found[claim_id] == (p["line_number"], "236", route, documented, p["distinct_service_modifier"])
    # nothing else: every CO-236 is a planted pair, and only the planted documentation counts as a distinct service
    assert {c for c, r in found.items() if r[1] == "236"} == set(planted)
    documented_claims = {c for c, p in planted.items() if NCCI_DOCUMENTED_SEPARATELY[p["documentation"]]}
    assert {c for c, r in found.items() if r[3]} == documented_claims

    from dagster_project.ingest.x12.claim_837 import parse_837_file
    from dagster_project.ingest.x12.validate import validate_with_pyx12

    corrected = {c: [a for a in _actions("corrected_claim") if f" {c} " in a["title"]] for c in planted}
    followups = {c: [a for a in _actions("denial_followup") if f" {c} " in a["title"]] for c in planted}
    for claim_id, p in planted.items():
        if claim_id not in documented_claims:
            assert corrected[claim_id] == []  # the modifier is never added without the documentation
            (review,) = followups[claim_id]
            required = [c["item"] for c in review["checklist"] if c["required"] and not c["present"]]
            assert any("non-overlapping time blocks" in item for item in required), required
            continue
        assert followups[claim_id] == []
        (action,) = corrected[claim_id]
        path = tmp_path / f"{action['action_id']}.837"
        path.write_text(action["body"], encoding="ascii")
        assert validate_with_pyx12(path) == [], action["title"]
        # the claim the payer processes next (the replacement, or the new claim after a void) carries the modifier
        sent = [ln for ln in parse_837_file(path).tables["claim_lines"] if ln["claim_id"] == claim_id]
        last = {ln["line_number"]: ln for ln in sent}
        modifiers = (last[p["line_number"]]["modifiers"] or "").split("|")
        assert last[p["line_number"]]["procedure_code"] == p["cpt_code"] and p["distinct_service_modifier"] in modifiers
        assert p["distinct_service_modifier"] not in (last[p["column_1_line_number"]]["modifiers"] or "").split("|")
        items = [c["item"] for c in action["checklist"]]
        assert f"line {p['line_number']}: modifier {p['distinct_service_modifier']} added" in items
        assert not [c for c in action["checklist"] if c["required"] and not c["present"]]


def test_reversals_net_resent_era_is_not_double_posted_and_underpayments_are_exact(pipeline):
    con = pipeline.snapshot()
    truth = pipeline.truth["claims"]
    for reversal in truth["reversals"]:
        net, reversals = con.execute(
            "select sum(net_paid_amount), max(reversal_count) from fct_remit_line_positions where claim_id = ?",
            [reversal["claim_id"]],
        ).fetchone()
        assert (str(net), reversals) == (reversal["net_paid"], 1)
    # The re-sent ERA (other bytes) is recorded as a duplicate delivery and posts nothing twice.
    statuses = dict(con.execute("select file_name, status from ingest_file_ledger").fetchall())
    assert statuses[truth["resent_era"]["file"]] == "duplicate"
    doubled = con.execute(
        "select count(*) from fct_remit_line_positions where remit_line_count > 1 and reversal_count = 0"
    ).fetchone()[0]
    assert doubled == 0
    expected = {(u["claim_id"], u["line_number"]) for u in truth["underpayments"]}
    found = {tuple(r) for r in con.execute("select claim_id, line_number from fct_underpayments").fetchall()}
    assert found == expected
    variances = {
        (r[0], r[1]): str(r[2])
        for r in con.execute("select claim_id, line_number, variance_amount from fct_underpayments").fetchall()
    }
    assert all(variances[(u["claim_id"], u["line_number"])] == u["variance"] for u in truth["underpayments"])


def test_every_open_denial_gets_one_draft_of_its_route(pipeline, tmp_path):
    con = pipeline.snapshot()
    by_route = dict(con.execute("select route, count(*) from flag_denials_to_work group by 1").fetchall())
    first = pipeline.metadata(pipeline.first, "denial_work_drafts")
    second = pipeline.metadata(pipeline.second, "denial_work_drafts")
    medicare_corrections = con.execute(
        "select count(*) from flag_denials_to_work where route = 'corrected_claim' and correction_method = 'reopening'"
    ).fetchone()[0]
    assert (
        first["corrected_claim_drafted"]
        == (by_route.get("corrected_claim", 0) - medicare_corrections + by_route.get("new_claim", 0))
        > 0
    )
    assert first["medicare_reopening_drafted"] == medicare_corrections
    assert first["appeal_letter_drafted"] == by_route.get("appeal", 0) > 0
    assert first["retro_auth_request_drafted"] == by_route.get("retro_auth_request", 0)
    assert first["denial_followup_drafted"] == sum(
        v for k, v in by_route.items() if k not in ("corrected_claim", "new_claim", "appeal", "retro_auth_request")
    )
    assert second["drafted"] == 0

    from core.settings import get_settings
    from dagster_project.ingest.x12.validate import validate_with_pyx12
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.upsert_user("claims_billing2", "pw-123456", "billing", ["*"], "Claims Billing")
    user = ledger.authenticate("claims_billing2", "pw-123456")
    corrected = ledger.list_actions(user, action_types=["corrected_claim"])
    assert corrected
    for action in corrected:
        path = tmp_path / f"{action['action_id']}.837"
        path.write_text(action["body"], encoding="ascii")
        assert validate_with_pyx12(path) == [], action["title"]
        # the segments real therapy claims carry come through the rebuild
        assert all(f"{tag}*" in action["body"] for tag in ("DTP*454", "DTP*304", "NTE*ADD", "NM1*DN*1")), action[
            "title"
        ]
        if action["title"].startswith("New claim"):
            assert ":B:1*" in action["body"] and "REF*F8*" not in action["body"]
        elif action["title"].startswith("Void and new claim"):
            assert ":B:8*" in action["body"] and ":B:1*" in action["body"] and "REF*F8*" in action["body"]
        else:
            assert ":B:7*" in action["body"] and "REF*F8*" in action["body"]


def test_every_posted_remit_line_matches_a_submitted_claim_line(pipeline):
    con = pipeline.snapshot()
    assert con.execute("select count(*) from fct_unmatched_remits").fetchone()[0] == 0
    assert (
        con.execute(
            "select count(*) from fct_remit_line_positions where match_method <> 'line_control_number'"
        ).fetchone()[0]
        == 0
    )


# -- payments: disputes, timely filing, secondary claims, unbalanced remits, reconciliation ----------------


def _seed(name: str) -> list[dict]:
    from pathlib import Path

    with (Path(__file__).resolve().parents[2] / "dbt" / "seeds" / f"{name}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_every_underpaid_line_gets_one_dispute_with_the_contract_line(pipeline):
    con = pipeline.snapshot()
    rows = con.execute(
        "select claim_id, line_number, dollars_at_risk, contracted_rate_per_unit, "
        "fee_schedule_effective_date, due_date, as_of_date from flag_underpayment_disputes"
    ).fetchall()
    truth = {(u["claim_id"], u["line_number"]): u["variance"] for u in pipeline.truth["claims"]["underpayments"]}
    assert {(r[0], r[1]) for r in rows} == set(truth)  # every plant is recent: no dispute window has closed
    for claim_id, line, dollars, rate, effective, due, as_of in rows:
        assert str(dollars) == truth[(claim_id, line)] and rate > 0 and effective is not None and due >= as_of
    first = pipeline.metadata(pipeline.first, "underpayment_dispute_drafts")
    second = pipeline.metadata(pipeline.second, "underpayment_dispute_drafts")
    assert first["drafted"] == len(truth) and second["drafted"] == 0 and second["unchanged"] == len(truth)


def test_timely_filing_alerts_find_unsent_and_rejected_claims_inside_the_lead_window_only(pipeline):
    """The generator records each unfiled claim's filing deadline (unsent, or answered unprocessable); the alert
    covers those whose deadline falls in the lead window this run sets, and no other claim."""
    import os
    from datetime import date

    # The pipeline fixture sets both for the session (conftest.py)
    as_of = date.fromisoformat(os.environ["RCM_AS_OF_DATE"])
    lead = int(os.environ["RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS"])
    truth = pipeline.truth["claims"]
    deadlines = {(u["claim_id"], "not_submitted"): u["filing_deadline"] for u in truth["unsubmitted_claims"]}
    deadlines |= {
        (u["claim_id"], "rejected_not_resubmitted"): u["filing_deadline"] for u in truth["unprocessable_claims"]
    }
    expected = {key for key, due in deadlines.items() if 0 <= (date.fromisoformat(due) - as_of).days <= lead}
    assert {r for _, r in expected} == {"not_submitted", "rejected_not_resubmitted"} and expected != set(deadlines)
    con = pipeline.snapshot()
    found = {tuple(r) for r in con.execute("select claim_id, alert_reason from flag_timely_filing_alerts").fetchall()}
    assert found == expected
    first = pipeline.metadata(pipeline.first, "timely_filing_alert_drafts")
    assert first["drafted"] == len(expected)
    assert pipeline.metadata(pipeline.second, "timely_filing_alert_drafts")["drafted"] == 0


def test_secondary_claims_are_drafted_as_pyx12_valid_837p_with_the_primary_adjudication(pipeline, tmp_path):
    truth = {d["claim_id"]: d for d in pipeline.truth["claims"]["secondary_claims_due"]}
    assert len(truth) >= 3
    # The payer-of-last-resort plants (one per location) add their denied claims to the secondary claims due:
    # the commercial primary paid nothing (CO-96) and Medicaid, the secondary, is billed the denied charge.
    last_resort = {d["claim_id"]: d for d in pipeline.truth["claims"]["payer_of_last_resort"]}
    assert len(last_resort) == len(_csv(pipeline, "locations")) and not set(last_resort) & set(truth)
    con = pipeline.snapshot()
    rows = con.execute(
        "select claim_id, location_id, payer_id, primary_paid_amount, dollars_at_risk from flag_secondary_claims_due"
    ).fetchall()
    assert {r[0] for r in rows} == set(truth) | set(last_resort)
    for claim_id, location_id, payer_id, paid, at_risk in rows:
        if claim_id in last_resort:
            t = last_resort[claim_id]
            assert (location_id, payer_id, paid, str(at_risk)) == (
                t["location_id"],
                t["secondary_payer_id"],
                0,
                t["denied_amount"],
            )
            continue
        t = truth[claim_id]
        assert (location_id, payer_id, str(paid), str(at_risk)) == (
            t["location_id"],
            t["secondary_payer_id"],
            t["primary_paid"],
            t["patient_responsibility"],
        )
    first = pipeline.metadata(pipeline.first, "secondary_claim_drafts")
    assert (
        first["drafted"] == len(truth) + len(last_resort)
        and pipeline.metadata(pipeline.second, "secondary_claim_drafts")["drafted"] == 0
    )

    from core.settings import get_settings
    from dagster_project.ingest.x12.validate import validate_with_pyx12
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.upsert_user("claims_director", "pw-123456", "director", ["*"], "Claims Director")
    user = ledger.authenticate("claims_director", "pw-123456")
    drafts = ledger.list_actions(user, action_types=["secondary_claim"])
    assert len(drafts) == len(truth) + len(last_resort)
    planted = [a for a in drafts if any(f"Secondary claim {c} " in a["title"] for c in last_resort)]
    assert len(planted) == len(last_resort)
    for action in drafts[:5] + planted:
        path = tmp_path / f"{action['action_id']}.837"
        path.write_text(action["body"], encoding="ascii")
        assert validate_with_pyx12(path) == [], action["title"]
        assert "SBR*S*18" in action["body"] and "AMT*D*" in action["body"] and "DTP*573*D8*" in action["body"]
    for action in planted:  # billed to Medicaid (filing indicator MC) with the primary's not-covered denial
        assert "*MC~" in action["body"] and "CAS*CO*96*" in action["body"], action["title"]


def test_a_family_whose_secondary_is_medicaid_is_never_billed(pipeline):
    """Medicaid is the payer of last resort: the planted families (commercial primary, Medicaid secondary)
    get no missed-visit fee candidate (the only charge drafted to a family) and their denial is worked as
    bill-the-secondary."""
    last_resort = {d["claim_id"] for d in pipeline.truth["claims"]["payer_of_last_resort"]}
    patients = {v["patient_id"] for v in _csv(pipeline, "visits") if v["claim_id"] in last_resort}
    assert len(patients) == len(last_resort)
    con = pipeline.snapshot()
    fee_patients = {r[0] for r in con.execute("select patient_id from flag_missed_visit_fees").fetchall()}
    assert not patients & fee_patients
    routes = {
        tuple(r) for r in con.execute("select claim_id, route from fct_denials").fetchall() if r[0] in last_resort
    }
    assert routes == {(c, "bill_secondary_or_write_off") for c in last_resort}


def test_patient_statements_bill_the_planted_share_and_never_a_medicaid_family(pipeline):
    """The planted statement (one per location: a deductible, coinsurance and copay on a child with no other
    coverage) is flagged with exactly those amounts and drafted for the family; the planted share on a child
    whose secondary is Medicaid is never a statement (it goes on the secondary claim), and no statement at all
    goes to a child with Medicaid coverage of any rank."""
    from decimal import Decimal

    truth = pipeline.truth["claims"]
    statements = {p["claim_id"]: p for p in truth["patient_statements"]}
    medicaid = {p["claim_id"]: p for p in truth["patient_shares_medicaid_secondary"]}
    assert len(statements) == len(medicaid) == len(_csv(pipeline, "locations"))
    con = pipeline.snapshot()
    flagged = {
        r[0]: r[1:]
        for r in con.execute(
            "select claim_id, location_id, deductible_amount, coinsurance_amount, copay_amount, family_paid_amount, "
            "dollars_at_risk, has_medicaid from flag_patient_statements_due"
        ).fetchall()
    }
    for claim_id, p in statements.items():
        assert flagged[claim_id] == (
            p["location_id"],
            Decimal(p["deductible"]),
            Decimal(p["coinsurance"]),
            Decimal(p["copay"]),
            Decimal(p["family_paid"]),
            Decimal(p["patient_responsibility"]),
            False,
        )
    assert not set(medicaid) & set(flagged)
    assert not any(row[-1] for row in flagged.values())
    routes = dict(con.execute("select claim_id, balance_route from fct_patient_balances").fetchall())
    assert {routes[c] for c in medicaid} == {"secondary_claim"}
    secondary = {r[0] for r in con.execute("select claim_id from flag_secondary_claims_due").fetchall()}
    assert set(medicaid) <= secondary
    drafted = pipeline.metadata(pipeline.first, "patient_statement_drafts")["drafted"]
    assert drafted == len(flagged) and pipeline.metadata(pipeline.second, "patient_statement_drafts")["drafted"] == 0


def test_medicaid_primary_patient_shares_are_write_off_reviews_never_statements(pipeline):
    """The planted copay on a child whose primary is Medicaid (one per location) is a write-off review for the
    billing lead with exactly the planted amount, drafted once, and never a statement; nothing else is flagged."""
    from decimal import Decimal

    planted = {p["claim_id"]: p for p in pipeline.truth["claims"]["patient_shares_medicaid_primary"]}
    assert len(planted) == len(_csv(pipeline, "locations"))
    con = pipeline.snapshot()
    flagged = {
        r[0]: r[1:]
        for r in con.execute(
            "select claim_id, location_id, payer_id, medicaid_priority, copay_amount, dollars_at_risk, "
            "first_service_date from flag_medicaid_balance_write_offs"
        ).fetchall()
    }
    assert flagged == {
        claim_id: (
            p["location_id"],
            p["payer_id"],
            1,
            Decimal(p["copay"]),
            Decimal(p["patient_responsibility"]),
            date.fromisoformat(p["service_date"]),
        )
        for claim_id, p in planted.items()
    }
    statements = {r[0] for r in con.execute("select claim_id from flag_patient_statements_due").fetchall()}
    assert not statements & set(planted)
    drafts = pipeline.metadata(pipeline.first, "medicaid_balance_write_off_drafts")
    assert drafts["drafted"] == len(planted)
    assert pipeline.metadata(pipeline.second, "medicaid_balance_write_off_drafts")["drafted"] == 0


def test_generated_remits_balance_and_visits_reconcile_but_for_the_unsent_claims(pipeline):
    con = pipeline.snapshot()
    assert con.execute("select count(*) from fct_unbalanced_remits").fetchone()[0] == 0
    exceptions = {
        tuple(r)
        for r in con.execute(
            "select claim_id, reconciliation_status from fct_visit_claim_reconciliation where is_exception"
        ).fetchall()
    }
    assert exceptions == {(c, "billed_no_claim") for c in _unsubmitted(pipeline)}
    statuses = dict(
        con.execute("select reconciliation_status, count(*) from fct_visit_claim_reconciliation group by 1").fetchall()
    )
    assert statuses["paid"] > 0 and statuses["awaiting_payment"] > 0 and statuses["denied"] > 0
    assert sum(statuses.values()) == len(_csv(pipeline, "visits"))


def test_lines_paid_as_their_contract_prices_them_are_not_underpayments(pipeline):
    """The generator pays an assistant line at the contract's CO rate, a multiple-unit line under the payer's
    multiple-procedure reduction (CO-59) and a line billed below the fee schedule at the charge: each is what
    the contract allows, so none is an underpayment, and the expected amount equals what was allowed."""
    planted = pipeline.truth["claims"]["contract_pricing"]
    assert {p["kind"] for p in planted} == {"assistant_rate", "mppr", "billed_below_fee_schedule"}
    con = pipeline.snapshot()
    keys = {(p["claim_id"], p["line_number"]) for p in planted}
    underpaid = {tuple(r) for r in con.execute("select claim_id, line_number from fct_underpayments").fetchall()}
    assert keys and not keys & underpaid
    expected = {
        (r[0], r[1]): str(r[2])
        for r in con.execute(
            "select p.claim_id, p.line_number, p.expected_allowed_amount from fct_remit_line_positions as p"
        ).fetchall()
    }
    allowed = {(p["claim_id"], p["line_number"]): p["paid_allowed"] for p in planted}
    assert {key: expected.get(key) for key in keys} == allowed
    denied = {tuple(r) for r in con.execute("select claim_id, line_number from fct_denials").fetchall()}
    assert not keys & denied  # CO-59 under the payer's reduction is contractual, not a denial
