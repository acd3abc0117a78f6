"""docs/contracts.md is generated from the pydantic contracts and must not go stale."""

from dagster_project.contracts import CONTRACTS
from dagster_project.contracts.docs import DOC_PATH, render


def test_contracts_doc_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m dagster_project.contracts.docs"


def test_every_contract_is_documented_with_its_columns():
    text = render()
    for contract in CONTRACTS:
        assert f"### `{contract.__entity__}.csv`" in text
        for column in contract.model_fields:
            assert f"| `{column}` |" in text
