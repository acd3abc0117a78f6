"""Read one delivered CSV against its contract: good rows out, every bad row with its reason.

The standard library's csv module does the parsing (quoting, embedded newlines); pydantic does the
typing. What is written here is only the bookkeeping a person needs: which line, which column, why.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import ValidationError

from dagster_project.contracts import Contract


class FileRejected(Exception):
    """The whole file cannot be trusted (encoding, header); nothing from it is loaded."""


@dataclass
class CsvReadResult:
    header: list[str]
    rows: list[dict] = field(default_factory=list)  # validated, typed, with "_line_number"
    rejected: list[tuple[int, list[str], str]] = field(default_factory=list)  # (line, cells, reason)


def _decode(data: bytes, file_name: str) -> str:
    try:
        # utf-8-sig strips a byte-order mark, which Excel-made exports often carry.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRejected(
            f"{file_name}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-export the file as UTF-8"
        ) from None


def _describe(error: ValidationError) -> str:
    # Column names and the rule broken, never the input value (it may be PHI).
    parts = []
    for err in error.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def read_contract_csv(data: bytes, file_name: str, contract: type[Contract]) -> CsvReadResult:
    text = _decode(data, file_name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRejected(f"{file_name}: the file is empty (no header line)") from None
    except csv.Error as exc:
        raise FileRejected(f"{file_name}: line 1: unreadable header ({exc})") from None

    expected = list(contract.model_fields)
    required = [name for name, f in contract.model_fields.items() if f.is_required()]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in expected]
    problems = []
    if duplicated:
        problems.append(f"duplicated column(s) {', '.join(duplicated)}")
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if problems:
        raise FileRejected(
            f"{file_name}: line 1: header does not match the {contract.__entity__} contract: " + "; ".join(problems)
        )

    result = CsvReadResult(header=header)
    seen_keys: dict[tuple, int] = {}
    key_columns = contract.__primary_key__
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.rejected.append((reader.line_num, [], f"{file_name}: line {reader.line_num}: unreadable CSV ({exc})"))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank line: nothing to load, nothing lost
        if len(cells) != len(header):
            result.rejected.append(
                (line, cells, f"{file_name}: line {line}: expected {len(header)} fields, found {len(cells)}")
            )
            continue
        raw = {h: c for h, c in zip(header, cells)}
        try:
            model = contract.model_validate(raw)
        except ValidationError as exc:
            result.rejected.append((line, cells, f"{file_name}: line {line}: {_describe(exc)}"))
            continue
        row = model.model_dump()
        key = tuple(row[k] for k in key_columns)
        if key in seen_keys:
            result.rejected.append(
                (line, cells, f"{file_name}: line {line}: duplicate key {'/'.join(key_columns)} "
                 f"(first seen on line {seen_keys[key]})")
            )
            continue
        seen_keys[key] = line
        row["_line_number"] = line
        result.rows.append(row)
    return result
