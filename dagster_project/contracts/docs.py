"""Write docs/contracts.md from the pydantic contracts: `python -m dagster_project.contracts.docs`.

The models are the source of truth; the table is generated so it can never disagree with them
(a test fails when the committed file is stale).
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path

from dagster_project.contracts import CONTRACTS
from dagster_project.ingest.raw_schema import column_types

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"

_HEADER = """# Extract contracts

Generated from `dagster_project/contracts/` by `python -m dagster_project.contracts.docs`; do not edit by hand.

Each file is UTF-8 CSV with a header line, delivered to `data/inbox/<source>/<entity>.csv` (or
`<entity>_<anything>.csv`). Dates are `YYYY-MM-DD`; timestamps ISO 8601 (UTC, or with an offset, which
is converted to UTC); booleans `true`/`false`; lists inside a cell are pipe-separated (`97530|97110`);
an empty cell is a missing value. Amounts and hours are plain decimals: no exponent notation (`1e5`), no
`NaN` or `Infinity`, no more decimal places than the column has (`12.500` is refused for money), and
never negative; each money column has a plausibility cap (`le`). Unknown columns are rejected (the whole file is quarantined with the
reason); a bad row is quarantined with its line number and reason while the good rows load. The same
file delivered twice (same bytes) is recognised by its SHA-256 and changes nothing. A file left in the inbox
is not read again on later nights while its name, size and modification time stay as they were.

Clearinghouse remittances are X12 835 5010 files (`data/inbox/clearinghouse/*.835`); their loaded
tables are described in `dagster_project/ingest/x12_tables.py`.
"""  # noqa: E501  (the text of the committed docs/contracts.md; reflowing it would change that file)


def _allowed(annotation) -> str:
    for arg in typing.get_args(annotation) or ():
        found = _allowed(arg)
        if found:
            return found
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(annotation))
    return ""


def _nested_metadata(annotation) -> list:
    found = []
    if typing.get_origin(annotation) is typing.Annotated:
        found.extend(typing.get_args(annotation)[1:])
    for arg in typing.get_args(annotation) or ():
        found.extend(_nested_metadata(arg))
    return found


def _rule(field) -> str:
    parts = []
    allowed = _allowed(field.annotation)
    if allowed:
        parts.append(allowed)
    for meta in [*field.metadata, *_nested_metadata(field.annotation)]:
        item_pattern = getattr(getattr(meta, "func", None), "item_pattern", None)
        if item_pattern:
            parts.append(f"pipe-separated items matching `{item_pattern}`")
        if getattr(getattr(meta, "func", None), "decimal_places", None) is not None:
            parts.append("plain decimal")
        for attr in ("pattern", "ge", "gt", "le", "lt", "min_length", "max_length", "max_digits", "decimal_places"):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{attr} `{value}`")
    if field.description:
        parts.append(field.description)
    return "; ".join(parts)


def render() -> str:
    out = [_HEADER]
    for source in dict.fromkeys(c.__source__ for c in CONTRACTS):
        out.append(f"\n## Source `{source}`\n")
        for contract in (c for c in CONTRACTS if c.__source__ == source):
            out.append(
                f"\n### `{contract.__entity__}.csv`\n\n{contract.__doc_purpose__} "
                f"Key: {', '.join(f'`{k}`' for k in contract.__primary_key__)}.\n"
            )
            out.append("\n| column | type | required | rule |\n|---|---|---|---|\n")
            types = column_types(contract)
            for name, field in contract.model_fields.items():
                required = "yes" if field.is_required() else "no"
                out.append(f"| `{name}` | {types[name].lower()} | {required} | {_rule(field)} |\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.contracts.docs",
        description="Write docs/contracts.md from the pydantic contracts.",
    )
    parser.parse_args(argv)
    DOC_PATH.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC_PATH}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
