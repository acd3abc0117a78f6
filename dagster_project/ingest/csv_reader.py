"""Read one delivered CSV against its contract: good rows out as one typed frame, every bad row with its reason.

Three steps. Split the text into records (natively when the file has no quoting, otherwise with the
standard library's csv module, which handles quoting and embedded newlines). Validate every record at
once with the column-wise form of the contract (``vectorised.py``). Pass only the records it does not
accept through the pydantic contract itself, which gives the reason a person reads (line and column,
never the value). What is written here is the bookkeeping: which line, which column, why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl
from pydantic import ValidationError

from dagster_project.contracts import Contract
from dagster_project.ingest.vectorised import compile_contract

# Characters the native split cannot mirror the csv module on: quoting, NUL and separators Python counts
# as whitespace; also a carriage return that does not end a line. Files holding one take the csv module.
_NEEDS_CSV_MODULE = ('"', "\x00", "\x1c", "\x1d", "\x1e", "\x1f")


def _splits_natively(text: str) -> bool:
    # Plain substring scans: one regex over a whole file took seconds on large extracts.
    return not any(ch in text for ch in _NEEDS_CSV_MODULE) and text.count("\r") == text.count("\r\n")


class FileRejected(Exception):
    """The whole file cannot be trusted (encoding, header); nothing from it is loaded."""


@dataclass
class CsvReadResult:
    header: list[str]
    frame: pl.DataFrame  # valid rows in line order: the contract's columns (raw-table types) and _line_number
    rejected: list[tuple[int, list[str], str]] = field(default_factory=list)  # (line, cells, reason), by line


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


# A header cell is named in a reason only when it looks like a column name; anything else (a date, a
# phone number, a person's name with a space) may be a data row's value and is named by position.
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _check_header(header: list[str], file_name: str, contract: type[Contract]) -> None:
    expected = list(contract.model_fields)
    where = f"{file_name}: line 1: header does not match the {contract.__entity__} contract: "
    if not set(header) & set(expected):
        raise FileRejected(
            where + f"none of its {len(header)} cells names a column of the contract; a file must start with "
            "its header line (is the header missing?)"
        )
    required = [name for name, f in contract.model_fields.items() if f.is_required()]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in required if c not in header]
    unknown = [
        h if _COLUMN_NAME.fullmatch(h) else f"#{i} (not a column name)"
        for i, h in enumerate(header, start=1)
        if h not in expected
    ]
    problems = []
    if duplicated:
        problems.append(f"duplicated column(s) {', '.join(duplicated)}")
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if problems:
        raise FileRejected(where + "; ".join(problems))


def _wrong_width(file_name: str, line: int, expected: int, found: int) -> str:
    return f"{file_name}: line {line}: expected {expected} fields, found {found}"


def _split_natively(text: str, header: list[str], file_name: str):
    """Records of an unquoted file, one per physical line: (cells frame, rejected), or None when a line
    is longer than the csv module would read (it would say so, so let it)."""
    lines = (
        pl.DataFrame({"line": pl.Series([text]).str.split("\n").explode()})
        .with_row_index("_line_number", offset=1)
        .slice(1)
    )
    # Bytes bound characters from above: count characters only when the byte count says it may matter.
    if (
        lines.height
        and lines["line"].str.len_bytes().max() >= csv.field_size_limit()
        and lines["line"].str.len_chars().max() >= csv.field_size_limit()
    ):
        return None
    if "\r" in text:
        lines = lines.with_columns(pl.col("line").str.strip_suffix("\r"))
    blank = pl.col("line").str.contains(r"^[\s,]*$")  # the csv module's "no cell has text"
    lines = lines.filter(~blank).with_columns(
        pl.col("_line_number").cast(pl.Int64), _fields=pl.col("line").str.count_matches(",", literal=True) + 1
    )
    width = len(header)
    rejected = [
        (line, cells.split(","), _wrong_width(file_name, line, width, found))
        for line, cells, found in lines.filter(pl.col("_fields") != width)
        .select("_line_number", "line", "_fields")
        .iter_rows()
    ]
    cells = (
        lines.filter(pl.col("_fields") == width)
        .select("_line_number", pl.col("line").str.split_exact(",", width - 1).struct.rename_fields(header))
        .unnest("line")
    )
    return cells, rejected


def well_formed_lines(reader, width: int, file_name: str, rejected: list) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank line of a ``csv.reader`` with ``width`` cells; an unreadable
    or wrong-width line goes to ``rejected`` as (line, cells, reason)."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            rejected.append((reader.line_num, [], f"{file_name}: line {reader.line_num}: unreadable CSV ({exc})"))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank line: nothing to load, nothing lost
        if len(cells) != width:
            rejected.append((line, cells, _wrong_width(file_name, line, width, len(cells))))
            continue
        yield line, cells


def _split_with_csv_module(reader, header: list[str], file_name: str):
    columns: list[list[str]] = [[] for _ in header]
    line_numbers: list[int] = []
    rejected = []
    for line, cells in well_formed_lines(reader, len(header), file_name, rejected):
        line_numbers.append(line)
        for column, cell in zip(columns, cells, strict=False):
            column.append(cell)
    frame = pl.DataFrame(
        {
            "_line_number": pl.Series(line_numbers, dtype=pl.Int64),
            **{h: pl.Series(col, dtype=pl.Utf8) for h, col in zip(header, columns, strict=False)},
        }
    )
    return frame, rejected


def _explain(contract: type[Contract], header: list[str], flagged: pl.DataFrame, file_name: str):
    """The rows the column-wise check did not accept, through the contract: (accepted dumps, rejected)."""
    accepted, rejected = [], []
    for line, *cells in flagged.select("_line_number", *header).iter_rows():
        try:
            model = contract.model_validate(dict(zip(header, cells, strict=False)))
        except ValidationError as exc:
            rejected.append((line, list(cells), f"{file_name}: line {line}: {_describe(exc)}"))
            continue
        accepted.append({**model.model_dump(), "_line_number": line})
    return accepted, rejected


def _duplicate_keys(
    contract: type[Contract], rows: pl.DataFrame, cells: pl.DataFrame, header: list[str], file_name: str
):
    """A key seen on an earlier valid line of the same file: (rows without them, rejected)."""
    key = list(contract.__primary_key__)
    if not rows.select(key).is_duplicated().any():
        return rows, []
    rows = rows.with_columns(_first=pl.col("_line_number").min().over(key))
    repeated = rows.filter(pl.col("_line_number") != pl.col("_first"))
    first_seen = dict(repeated.select("_line_number", "_first").iter_rows())
    repeated_cells = cells.filter(pl.col("_line_number").is_in(list(first_seen))).select("_line_number", *header)
    rejected = [
        (
            line,
            list(values),
            f"{file_name}: line {line}: duplicate key {'/'.join(key)} (first seen on line {first_seen[line]})",
        )
        for line, *values in repeated_cells.iter_rows()
    ]
    return rows.filter(pl.col("_line_number") == pl.col("_first")).drop("_first"), rejected


def read_contract_csv(data: bytes, file_name: str, contract: type[Contract]) -> CsvReadResult:
    text = _decode(data, file_name)
    native = _splits_natively(text)
    if native:  # the header is the first physical line; no need to copy the text into a StringIO
        end = text.find("\n")
        reader = csv.reader([text if end < 0 else text[: end + 1]] if text else [])
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [contract.__header_aliases__.get(h.strip(), h.strip()) for h in next(reader)]
    except StopIteration:
        raise FileRejected(f"{file_name}: the file is empty (no header line)") from None
    except csv.Error as exc:
        raise FileRejected(f"{file_name}: line 1: unreadable header ({exc})") from None
    _check_header(header, file_name, contract)

    split = _split_natively(text, header, file_name) if native else None
    if split is None and native:  # a line too long for the csv module: let it say so
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
    cells, rejected = split or _split_with_csv_module(reader, header, file_name)

    compiled = compile_contract(contract)
    good, flagged = compiled.split(cells)
    accepted, explained = _explain(contract, header, flagged, file_name)
    if accepted:
        schema = {**compiled.schema(), "_line_number": pl.Int32}
        good = pl.concat([good, pl.DataFrame(accepted, schema=schema, strict=False)])
    rows, duplicates = _duplicate_keys(contract, good.sort("_line_number"), cells, header, file_name)
    rejected = sorted([*rejected, *explained, *duplicates], key=lambda r: r[0])
    return CsvReadResult(header=header, frame=rows, rejected=rejected)
