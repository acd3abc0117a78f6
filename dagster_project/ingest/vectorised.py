"""Column-wise validation of a whole CSV extract, generated from its pydantic contract.

pydantic stays the one definition of a valid row. From each contract's fields (type, optionality,
length and pattern constraints, bounds, Literal values, dates, timestamps, decimals with places,
pipe-separated code lists) this module builds Polars expressions that accept a row only when it is
certainly valid and compute the typed values pydantic would produce. Every row an expression does not
accept goes through the contract itself, which either accepts it after all (unusual but valid
spellings: ``+5``, ``2026-08-20T14:00``) or rejects it with today's reason. So the expressions may be
stricter than pydantic, never looser; ``tests/ingest/test_vectorised_equivalence.py`` holds them to it.

What cannot be read off a field (a ``model_validator`` or ``field_validator`` written in Python) has
a column-wise twin in ``_TWINS`` below. A contract validator without a twin is reported by
``compile_contract(...).row_wise_validators`` and sends every row of that entity through pydantic:
slower, never skipped.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

import annotated_types as at
import polars as pl
from pydantic.fields import FieldInfo

from dagster_project.contracts import (
    Appointment,
    Authorization,
    Contract,
    Credential,
    Location,
    ScheduleTemplate,
    VisitNote,
)
from dagster_project.contracts._types import _blank_to_none, _utc
from dagster_project.ingest.raw_schema import polars_schema

# Python's str.strip() (the contracts' blank check) also strips U+001C..U+001F; Polars does not.
# A row holding one is left to pydantic rather than guessed at.
_PYTHON_ONLY_WHITESPACE = r"[\x{1C}-\x{1F}]"

_INT = r"^(0|-?[1-9][0-9]{0,8})$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# A timestamp in the one shape extracts use: date, T or space, hh:mm:ss, optional fraction, optional
# Z or a real-world offset. pydantic takes more shapes; those rows go to it.
_TIMESTAMP = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(\.[0-9]{1,6})?"
    r"(Z|([+-])(0[0-9]|1[0-4]):(00|15|30|45))?$"
)


# Column-wise twins of validators written in Python, on the typed columns. Each must accept only rows
# the validator accepts (the equivalence test tries rows that break each one).
_TWINS: dict[tuple[type[Contract], str], typing.Callable[[], pl.Expr]] = {
    (Appointment, "_cancel_time_matches_status"): lambda: (
        pl.col("status").is_in(["cancelled", "late_cancelled"]) == pl.col("cancelled_at").is_not_null()
    ),
    (Authorization, "_window_is_ordered"): lambda: pl.col("end_date") >= pl.col("start_date"),
    (Credential, "_expires_after_issue"): lambda: pl.col("expiration_date") >= pl.col("issued_date"),
    (ScheduleTemplate, "_times_are_ordered"): lambda: (
        (pl.col("end_time") > pl.col("start_time"))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("effective_date")))
    ),
    (ScheduleTemplate, "_known_zone"): lambda: pl.col("timezone").is_in(sorted(available_timezones())),
    (Location, "_known_zone"): lambda: pl.col("time_zone").is_in(sorted(available_timezones())),
    (VisitNote, "_time_block_is_ordered"): lambda: (
        (pl.col("time_block_start").is_null() == pl.col("time_block_end").is_null())
        & (pl.col("time_block_start").is_null() | (pl.col("time_block_end") > pl.col("time_block_start")))
    ),
}


def _validator_func(contract: type[Contract], name: str):
    decorators = contract.__pydantic_decorators__
    found = decorators.field_validators.get(name) or decorators.model_validators.get(name)
    return found.func if found else None


def _twin(contract: type[Contract], validator: str):
    """The twin of a validator, from the class that declares it: a subclass inherits both, but a
    subclass that redefines the validator under the same name has no twin until it is given one."""
    func = _validator_func(contract, validator)
    return next(
        (
            _TWINS[(c, validator)]
            for c in contract.__mro__
            if (c, validator) in _TWINS and _validator_func(c, validator) is func
        ),
        None,
    )


class NotColumnWise(Exception):
    """A field uses something the generator does not translate; its rows go through pydantic."""


@dataclass(frozen=True)
class _FieldShape:
    base: object  # str, int, bool, date, datetime, Decimal, or a tuple of Literal values
    optional: bool  # Maybe(...): a blank cell is None
    constraints: tuple  # annotated_types / pydantic metadata, outermost first
    item_pattern: str | None  # pipe-separated list of items matching this
    decimal_places: int | None  # plain-decimal text check on the way in


def _shape(field: FieldInfo) -> _FieldShape:
    constraints, item_pattern, places, optional = [], None, None, False
    pending = [field.annotation]
    metadata = list(field.metadata)
    base = None
    while pending:
        annotation = pending.pop()
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            inner, *extra = typing.get_args(annotation)
            metadata.extend(extra)
            pending.append(inner)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise NotColumnWise(f"union {annotation}")
            pending.append(args[0])
        elif origin is typing.Literal:
            values = typing.get_args(annotation)
            if not all(isinstance(v, str) for v in values):
                raise NotColumnWise("non-text Literal")
            base = tuple(values)
        elif annotation in (str, int, bool, date, datetime, Decimal):
            base = annotation
        else:
            raise NotColumnWise(f"type {annotation}")
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            metadata.extend(meta.metadata)
            continue
        func = getattr(meta, "func", None)
        if func is _blank_to_none:
            optional = True
        elif func is _utc:
            pass  # the timestamp expression converts offsets to UTC itself
        elif getattr(func, "item_pattern", None):
            item_pattern = func.item_pattern
        elif getattr(func, "decimal_places", None) is not None:
            places = func.decimal_places
        elif func is not None:
            raise NotColumnWise(f"validator {getattr(func, '__qualname__', func)}")
        else:
            constraints.append(meta)
    if optional != (field.default is None and not field.is_required()):
        raise NotColumnWise("optional column without a blank-to-None default")
    return _FieldShape(base, optional, tuple(constraints), item_pattern, places)


def _bounds(typed: pl.Expr, constraints) -> pl.Expr:
    ok = pl.lit(True)
    for meta in constraints:
        for attr, compare in (("ge", typed.__ge__), ("gt", typed.__gt__), ("le", typed.__le__), ("lt", typed.__lt__)):
            bound = getattr(meta, attr, None)
            if bound is not None:
                ok = ok & compare(pl.lit(bound) if not isinstance(bound, Decimal) else pl.lit(float(bound)))
    return ok


def _constraint_attrs(constraints) -> dict:
    found = {}
    for meta in constraints:
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern", "max_digits", "decimal_places"):
            value = getattr(meta, attr, None)
            if value is not None:
                found[attr] = value
        known = (at.Ge, at.Gt, at.Le, at.Lt, at.MinLen, at.MaxLen)
        if not isinstance(meta, known) and not any(
            getattr(meta, a, None) is not None for a in ("pattern", "max_digits", "decimal_places")
        ):
            raise NotColumnWise(f"constraint {meta!r}")
    return found


def _polars_regex(pattern: str) -> str:
    # The contract's own helpers use Python's re on items; Polars runs Rust's regex. A pattern Rust's
    # engine cannot compile (look-around) makes the column pydantic-only.
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.ComputeError as exc:
        raise NotColumnWise(f"pattern outside Rust regex: {exc}") from None
    return pattern


# The constraints each kind of column translates; any other makes the column pydantic-only.
_UNDERSTOOD: dict[object, set[str]] = {
    str: {"min_length", "max_length", "pattern"},
    int: {"ge", "gt", "le", "lt"},
    Decimal: {"ge", "gt", "le", "lt", "max_digits", "decimal_places"},
}


def _value(name: str, shape: _FieldShape, python_re: bool) -> tuple[pl.Expr, pl.Expr]:
    """(ok, typed) for a non-blank cell of one column."""
    raw = pl.col(name)
    attrs = _constraint_attrs(shape.constraints)
    if python_re and "pattern" in attrs:  # Field patterns run under Python's re semantics, not Polars'
        raise NotColumnWise("pattern under regex_engine='python-re'")
    base = shape.base
    understood = _UNDERSTOOD.get(base if not isinstance(base, tuple) else "Literal", set())
    if (
        set(attrs) - understood
        or (shape.item_pattern and base is not str)
        or (shape.decimal_places is not None and base is not Decimal)
    ):
        raise NotColumnWise(f"{sorted(set(attrs) - understood)} on {base}")
    if isinstance(base, tuple):
        return raw.is_in(list(base)), raw
    if base is str:
        text = raw.str.strip_chars()
        ok = pl.lit(True)
        if "min_length" in attrs:
            ok = ok & (text.str.len_chars() >= attrs["min_length"])
        if "max_length" in attrs:
            ok = ok & (text.str.len_chars() <= attrs["max_length"])
        if "pattern" in attrs:
            ok = ok & text.str.contains(_polars_regex(attrs["pattern"]))
        if shape.item_pattern:
            item = f"(?:{shape.item_pattern})"
            ok = ok & text.str.contains(_polars_regex(f"^{item}(?:\\|{item})*$"))
        return ok, text
    if base is int:
        typed = raw.cast(pl.Int64, strict=False)
        return raw.str.contains(_INT) & _bounds(typed, shape.constraints), typed
    if base is bool:
        return raw.is_in(["true", "false"]), raw == "true"
    if base is date:
        typed = raw.str.to_date("%Y-%m-%d", strict=False)
        return raw.str.contains(_DATE) & (raw.str.slice(0, 4) != "0000") & typed.is_not_null(), typed
    if base is datetime:
        # Fixed positions once the shape is checked: date and time in the first 19 characters, an offset
        # (when there is one) in the last 6; slicing is far cheaper than regex capture groups.
        local = (
            raw.str.slice(0, 19)
            .str.replace(" ", "T", literal=True)
            .str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False)
        )
        micros = raw.str.extract(r"\.([0-9]{1,6})", 1).str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
        tail = raw.str.slice(-6)
        sign = tail.str.slice(0, 1)
        offset = tail.str.slice(1, 2).cast(pl.Int64, strict=False) * 60 + tail.str.slice(4, 2).cast(
            pl.Int64, strict=False
        )
        offset_minutes = pl.when(sign == "-").then(-offset).when(sign == "+").then(offset).otherwise(0)
        typed = local + (micros - offset_minutes * 60_000_000).cast(pl.Duration("us"))
        year = raw.str.slice(0, 4)  # years 0, 1 and 9999 are left to pydantic (UTC shifts can overflow)
        return raw.str.contains(_TIMESTAMP) & (year >= "0002") & (year <= "9998") & typed.is_not_null(), typed
    if base is Decimal:
        places, digits = attrs.get("decimal_places"), attrs.get("max_digits")
        if places is None or digits is None:
            raise NotColumnWise("decimal without max_digits and decimal_places")
        whole = digits - places
        if shape.decimal_places is not None:  # the plain-decimal check may allow fewer places than the type
            places = min(places, shape.decimal_places)
        pattern = f"^-?(0|[1-9][0-9]{{0,{whole - 1}}})(\\.[0-9]{{1,{places}}})?$"
        plain = raw.str.contains(pattern)
        typed = pl.when(plain).then(raw).otherwise(None).str.to_decimal(scale=places)
        return plain & _bounds(typed.cast(pl.Float64), shape.constraints), typed
    raise NotColumnWise(f"type {base}")


@dataclass(frozen=True)
class CompiledContract:
    contract: type[Contract]
    row_wise_validators: tuple[str, ...]  # contract validators with no column-wise form: all rows to pydantic
    field_checks: dict[str, tuple[pl.Expr, pl.Expr] | None]  # None: that field is checked by pydantic only

    def schema(self) -> dict[str, pl.DataType]:
        return polars_schema(self.contract)

    def split(self, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(typed rows that certainly pass the contract, raw rows pydantic must look at).

        ``raw`` holds the file's cells as text (one column per header name) and ``_line_number``;
        the typed frame has the contract's columns (raw-table types) and ``_line_number``.
        """
        schema = self.schema()
        if self.row_wise_validators or any(v is None for v in self.field_checks.values()):
            return pl.DataFrame(schema={**schema, "_line_number": pl.Int32}), raw
        present = set(raw.columns)
        typed, oks = [], []
        for name, (ok, value) in self.field_checks.items():
            if name not in present:  # an optional column left out of the header: its default, None
                typed.append(pl.lit(None, dtype=schema[name]).alias(name))
                continue
            typed.append(value.cast(schema[name], strict=False).alias(name))
            oks.append(ok.fill_null(False))
            oks.append(~pl.col(name).str.contains(_PYTHON_ONLY_WHITESPACE))
        twins = [_twin(self.contract, n)().fill_null(False) for n in _validator_names(self.contract)]
        # One pass reads the text columns (so shared parsing is computed once) and replaces them with
        # typed values; the twins then read the typed values.
        checked = raw.with_columns(*typed, _ok=pl.all_horizontal(oks))
        if twins:
            checked = checked.with_columns(_ok=pl.col("_ok") & pl.all_horizontal(twins))
        ok = checked.get_column("_ok")
        good = checked.filter(ok).select(*schema, pl.col("_line_number").cast(pl.Int32))
        return good, raw.filter(~ok)


def _validator_names(contract: type[Contract]) -> list[str]:
    decorators = contract.__pydantic_decorators__
    return [*decorators.field_validators, *decorators.model_validators]


@cache
def compile_contract(contract: type[Contract]) -> CompiledContract:
    checks: dict[str, tuple[pl.Expr, pl.Expr] | None] = {}
    for name, field in contract.model_fields.items():
        try:
            shape = _shape(field)
            ok, typed = _value(name, shape, contract.model_config.get("regex_engine") == "python-re")
        except NotColumnWise:
            checks[name] = None
            continue
        if shape.optional:
            blank = pl.col(name).str.strip_chars() == ""
            ok, typed = blank | ok, pl.when(blank).then(None).otherwise(typed)
        checks[name] = (ok, typed)
    untwinned = tuple(n for n in _validator_names(contract) if _twin(contract, n) is None)
    return CompiledContract(contract, untwinned, checks)


def row_wise_only(contract: type[Contract]) -> list[str]:
    """What of a contract is checked by pydantic alone (fields and validators), for docs and tests."""
    compiled = compile_contract(contract)
    return [*(n for n, c in compiled.field_checks.items() if c is None), *compiled.row_wise_validators]
