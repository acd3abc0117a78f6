"""`dbt docs generate` runs on the warehouse the shared build made (conftest.py), and the documentation it
produces is complete: every model says what one row is, every source has freshness, and every column of a
fact or dimension mart has a description (shared ones come from the doc blocks in dbt/models/docs.md)."""

from __future__ import annotations

import json

import pytest

from tests.dbt.conftest import invoke_dbt


@pytest.fixture(scope="session")
def docs(dbt_build):
    _, warehouse, tmp = dbt_build
    result = invoke_dbt("docs", "generate", warehouse=warehouse, work_dir=tmp)
    assert result.success, result.exception
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    catalog = json.loads((tmp / "target" / "catalog.json").read_text())
    return manifest, catalog


def _models(manifest):
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def _fact_and_dimension_marts(manifest):
    return [
        node
        for node in _models(manifest)
        if node["fqn"][1] == "marts" and node["fqn"][2] != "actions" and node["name"].startswith(("fct_", "dim_"))
    ]


def _undescribed_columns(node, catalog) -> list[str]:
    built = catalog["nodes"][node["unique_id"]]["columns"]
    documented = {name.lower(): column["description"].strip() for name, column in node["columns"].items()}
    return [name for name in built if not documented.get(name.lower())]


def test_every_model_says_what_one_row_is(docs):
    manifest, _ = docs
    wrong = [node["name"] for node in _models(manifest) if not node["description"].startswith("One row per ")]
    assert wrong == []


def test_every_source_has_freshness_on_the_load_time(docs):
    manifest, _ = docs
    # Ingest's own bookkeeping (which file replaced which) is not a delivery: it says so in its meta instead.
    deliveries = [s for s in manifest["sources"].values() if not s.get("meta", {}).get("not_a_delivery")]
    assert len(deliveries) < len(manifest["sources"]) or not any(
        s["source_name"] == "ingest" for s in manifest["sources"].values()
    )
    missing = [
        source["unique_id"]
        for source in deliveries
        if source["loaded_at_field"] != "_loaded_at"
        or not (source["freshness"] or {}).get("warn_after", {}).get("count")
        or not (source["freshness"] or {}).get("error_after", {}).get("count")
    ]
    assert manifest["sources"] and missing == []


def test_fact_and_dimension_columns_are_described(docs):
    manifest, catalog = docs
    marts = _fact_and_dimension_marts(manifest)
    missing = {node["name"]: _undescribed_columns(node, catalog) for node in marts}
    assert len(marts) >= 30  # every fct_/dim_ model outside marts/actions, as built
    assert {name: columns for name, columns in missing.items() if columns} == {}


def test_shared_columns_render_their_doc_block(docs):
    manifest, catalog = docs
    monthly = manifest["nodes"]["model.ot_revenue_leaks.fct_location_leak_monthly"]
    assert monthly["columns"]["location_id"]["description"].startswith("The clinic location")
    assert (
        "rule_name, rule_version and the business key"
        in manifest["docs"]["doc.ot_revenue_leaks.flag_id"]["block_contents"]
    )
    # The catalog saw the built tables (docs generate ran against the warehouse, not an empty catalog).
    assert "leak_area_label" in catalog["nodes"][monthly["unique_id"]]["columns"]
