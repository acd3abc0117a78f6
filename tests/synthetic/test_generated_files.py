"""The generated extracts: deterministic, valid against their contracts, valid and balanced 835s."""

import csv
import filecmp
import io
import re
from decimal import Decimal
from pathlib import Path

import pyx12.params
import pyx12.x12n_document

from dagster_project.contracts import CONTRACTS
from dagster_project.npi import is_valid_npi

from .conftest import run


def _all_files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_arguments_give_identical_bytes(tmp_path):
    first, _ = run(tmp_path, "one")
    second, _ = run(tmp_path, "two")
    a, b = first.out.parent, second.out.parent
    files = _all_files(a)
    assert files == _all_files(b)
    assert len(files) > 20
    match, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []


def test_another_seed_gives_other_data(tmp_path):
    first, _ = run(tmp_path, "one")
    other, _ = run(tmp_path, "other", seed=12)
    assert (first.out / "ehr" / "appointments.csv").read_bytes() != (
        other.out / "ehr" / "appointments.csv"
    ).read_bytes()


def test_every_csv_row_validates_against_its_contract(generated):
    config, _ = generated
    for contract in CONTRACTS:
        path = config.out / contract.__source__ / f"{contract.__entity__}.csv"
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = [contract.__header_aliases__.get(cell, cell) for cell in reader.fieldnames]  # SAM's own header
            assert header == list(contract.model_fields), path
            rows = [contract.model_validate(dict(zip(header, row.values(), strict=True))) for row in reader]
        assert rows, f"{path} is empty"
        keys = [tuple(getattr(r, k) for k in contract.__primary_key__) for r in rows]
        assert len(keys) == len(set(keys)), f"duplicate primary keys in {path}"


def _rows(config, source, entity):
    with (config.out / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_npis_are_valid_and_unique(generated):
    config, _ = generated
    providers = _rows(config, "ehr", "providers")
    locations = _rows(config, "ehr", "locations")
    npis = [p["npi"] for p in providers] + [loc["facility_npi"] for loc in locations]
    assert all(is_valid_npi(n) for n in npis)
    assert len(set(npis)) == len(npis)
    assert all(is_valid_npi(v["rendering_npi"]) for v in _rows(config, "ehr", "visits"))


def test_cotas_are_supervised_by_an_otr_at_their_location(generated):
    config, _ = generated
    providers = {p["provider_id"]: p for p in _rows(config, "ehr", "providers")}
    cotas = [p for p in providers.values() if p["credential_type"] == "COTA"]
    for cota in cotas:
        supervisor = providers[cota["supervising_provider_id"]]
        assert supervisor["credential_type"] == "OTR"
        assert supervisor["primary_location_id"] == cota["primary_location_id"]


def test_charge_lines_follow_the_8_minute_rule_and_modifiers(generated):
    import json

    from dagster_project.synthetic.claims import ASSISTANT_SHARE_PLANT, PER_CODE_PAYERS
    from dagster_project.synthetic.reference import ASSISTANT_MODIFIER_BY_PAYER_TYPE, PAYERS_BY_ID
    from dagster_project.synthetic.units import total_timed_units

    config, _ = generated
    visits = {v["visit_id"]: v for v in _rows(config, "ehr", "visits")}
    coverages = {c["coverage_id"]: c for c in _rows(config, "ehr", "coverages")}
    providers = {p["provider_id"]: p for p in _rows(config, "ehr", "providers")}
    timed = {"97530", "97110", "97112", "97535", "97533"}
    plants = json.loads(Path(config.ground_truth).read_text())["claims"]["audit_plants"]
    # the claims area's one EHR plant: an assistant's share of an OTR's line (its ground truth has the minutes)
    shares = {p["claim_id"]: p["assistant_minutes"] for p in plants if p["plant"] == ASSISTANT_SHARE_PLANT}
    by_visit: dict[str, list] = {}
    for line in _rows(config, "ehr", "charge_lines"):
        by_visit.setdefault(line["visit_id"], []).append(line)
    for visit_id, lines in by_visit.items():
        minutes = sum(int(charge["minutes"]) for charge in lines if charge["cpt_code"] in timed)
        units = sum(int(charge["units"]) for charge in lines if charge["cpt_code"] in timed)
        visit = visits[visit_id]
        payer = coverages[visit["coverage_id"]]["payer_id"]
        if payer in PER_CODE_PAYERS:  # payer_rules.csv unit_method = per_code: each code on its own
            assert units == sum(
                total_timed_units(int(charge["minutes"])) for charge in lines if charge["cpt_code"] in timed
            )
        else:
            assert units == total_timed_units(minutes), visit_id
        is_cota = providers[visit["provider_id"]]["credential_type"] == "COTA"
        # the payer's assistant modifier (claim_assistant_modifiers.csv): CO, or none recorded for Texas Medicaid
        takes_co = ASSISTANT_MODIFIER_BY_PAYER_TYPE.get(PAYERS_BY_ID[payer].payer_type) == "CO"
        for line in lines:
            mods = line["modifiers"].split("|") if line["modifiers"] else []
            assert ("GO" in mods) == (payer != "COMM1")
            assert ("CO" in mods) == (is_cota and takes_co)
            # an assistant-rendered visit records the assistant's minutes on every line
            if is_cota:
                assert line["assistant_minutes"] == line["minutes"]
            elif visit["claim_id"] in shares and line["line_number"] == "1":
                assert int(line["assistant_minutes"]) == shares[visit["claim_id"]]
            else:
                assert not line["assistant_minutes"]


def _segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def _money(value: str) -> Decimal:
    return Decimal(value or "0")


def test_835s_balance(generated):
    config, _ = generated
    files = sorted((config.out / "clearinghouse").glob("*.835"))
    assert len(files) > 10
    claims_seen = statuses = 0
    for path in files:
        segs = _segments(path.read_text(encoding="ascii"))
        transaction_paid = bpr = None
        claim = None

        def close_claim(claim, path):
            if claim is not None:
                assert claim["charge"] - claim["cas"] == claim["paid"], (path.name, claim)
                assert claim["svc_paid"] == claim["paid"]

        st_start = 0
        for i, seg in enumerate(segs):
            tag = seg[0]
            if tag == "ST":
                st_start, transaction_paid = i, Decimal("0")
            elif tag == "BPR":
                bpr = -_money(seg[2]) if seg[3] == "D" else _money(seg[2])  # D: the payer debits the provider
            elif tag == "CLP":
                close_claim(claim, path)
                claim = {
                    "charge": _money(seg[3]),
                    "paid": _money(seg[4]),
                    "cas": Decimal("0"),
                    "svc_paid": Decimal("0"),
                }
                transaction_paid += claim["paid"]
                claims_seen += 1
                statuses += seg[2] == "4"
            elif tag == "SVC":
                line = {"charge": _money(seg[2]), "paid": _money(seg[3]), "cas": Decimal("0")}
                claim["svc_paid"] += line["paid"]
            elif tag == "CAS":
                amounts = sum(_money(seg[j]) for j in range(3, len(seg), 3))
                line["cas"] += amounts
                claim["cas"] += amounts
            elif tag == "PLB":  # provider-level adjustments (claims area's correction ERAs) reduce the payment
                close_claim(claim, path)
                claim = None
                transaction_paid -= sum(_money(seg[j]) for j in range(4, len(seg), 2))
            elif tag in ("REF",) and seg[1] == "6R":
                assert line["charge"] - line["cas"] == line["paid"], (path.name, seg)
            elif tag == "SE":
                close_claim(claim, path)
                claim = None
                assert int(seg[1]) == i - st_start + 1
                assert bpr == transaction_paid
    assert claims_seen > 100
    assert statuses > 0, "expected a few denied claims"


def _pyx12_errors(path: Path) -> list[str]:
    html = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, html, None)
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', html.getvalue()) + re.findall(r"ERROR[^<]*", html.getvalue())
    return [] if ok else (errors or ["pyx12 reported the file invalid"])


def test_sample_of_835s_pass_pyx12(generated):
    config, _ = generated
    files = sorted((config.out / "clearinghouse").glob("*.835"))
    # Every payer, and the largest files (most segment variety), are checked.
    by_payer = {}
    for path in files:
        by_payer.setdefault(path.name.split("_")[1], path)
    sample = set(by_payer.values()) | set(sorted(files, key=lambda p: -p.stat().st_size)[:3])
    assert len(by_payer) == 7
    for path in sorted(sample):
        assert _pyx12_errors(path) == [], path.name


def test_claim_level_ma130_plant_is_an_moa_that_pyx12_accepts(generated):
    import json

    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["claims"]["denials"]
    planted = {d["claim_id"] for d in truth if d["claim_rarcs"] == ["MA130"]}
    assert planted, "no claim-level MA130 planted"
    assert all(d["carc"] == "16" and d["rarcs"] == [] for d in truth if d["claim_id"] in planted)
    carrying = [
        path
        for path in sorted((config.out / "clearinghouse").glob("*.835"))
        if any(f"CLP*{claim_id}*4*" in path.read_text(encoding="ascii") for claim_id in planted)
    ]
    assert carrying
    for path in carrying:
        text = path.read_text(encoding="ascii")
        assert "MOA***MA130~" in text
        assert _pyx12_errors(path) == [], path.name
