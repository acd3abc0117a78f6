"""Turn one entity's mapping into a Polars frame of contract columns, formatted the way the contracts parse.

Every output cell is text (empty = missing). Values a transform could not use (a status not in the value
map, a date in another format) become empty and are counted per column, so ingest quarantines the row
with a reason and the adapter report says how many; the values themselves are never logged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from .mapping import EntityMapping, FieldSpec, Lookup, SourceMapping

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class EntityFrame:
    frame: pl.DataFrame
    unmapped: Counter = field(default_factory=Counter)  # contract column -> cells a transform could not use


class _Builder:
    def __init__(self, mapping: SourceMapping):
        self.mapping = mapping
        self.lookups: dict[Lookup, str] = {}

    def lookup_alias(self, lookup: Lookup) -> str:
        return self.lookups.setdefault(lookup, f"__lookup_{len(self.lookups)}")

    def parsed(self, expr: pl.Expr, spec: FieldSpec) -> pl.Expr:
        if spec.parse == "date":
            fmt = spec.format or self.mapping.date_format
            return expr.str.strptime(pl.Date, fmt, strict=False).dt.strftime("%Y-%m-%d")
        if spec.parse == "timestamp":
            return self.timestamp(expr, spec.format).dt.strftime(UTC_FORMAT)
        return expr

    def timestamp(self, expr: pl.Expr, fmt: str | None) -> pl.Expr:
        # Delivered date-times are wall-clock in the mapping's zone; the contract holds UTC.
        return (
            expr.str.strptime(pl.Datetime("us"), fmt or self.mapping.datetime_format, strict=False)
            .dt.replace_time_zone(self.mapping.timezone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )

    def expr(self, spec: FieldSpec) -> pl.Expr:
        if spec.gap is not None:
            return pl.lit(None, dtype=pl.String)
        if spec.constant is not None:
            value = pl.lit(spec.constant, dtype=pl.String)
        elif spec.column is not None:
            value = pl.col(spec.column)
        elif spec.concat is not None:
            value = pl.concat_str([pl.col(c) for c in spec.concat], separator=spec.separator, ignore_nulls=True)
            value = pl.when(value == "").then(None).otherwise(value)
        elif spec.lookup is not None:
            value = pl.col(self.lookup_alias(spec.lookup))
        elif spec.sequence is not None:
            value = (pl.col(spec.sequence.order_by).rank("ordinal").over(spec.sequence.within)).cast(pl.String)
        elif spec.minutes_between is not None:
            start, end = (self.timestamp(pl.col(c), spec.format) for c in spec.minutes_between)
            value = (end - start).dt.total_minutes().cast(pl.String)
        else:
            value = pl.coalesce([self.expr(inner) for inner in spec.coalesce])
        if spec.map is not None:
            value = value.replace_strict(spec.map, default=None, return_dtype=pl.String)
        value = self.parsed(value, spec)
        if spec.only_when is not None:
            condition = spec.only_when
            test = (
                pl.col(condition.column).is_in(condition.in_)
                if condition.in_ is not None
                else pl.col(condition.column).is_not_null() == condition.present
            )
            value = pl.when(test.fill_null(False)).then(value).otherwise(None)
        return value


def _source_present(spec: FieldSpec, builder: _Builder) -> pl.Expr | None:
    """True where the delivered value exists, so a value lost in a transform can be counted."""
    if spec.gap is not None or spec.constant is not None:
        return None
    if spec.column is not None:
        present = pl.col(spec.column).is_not_null()
    elif spec.lookup is not None:
        present = pl.col(builder.lookup_alias(spec.lookup)).is_not_null()
    elif spec.minutes_between is not None:
        present = pl.all_horizontal([pl.col(c).is_not_null() for c in spec.minutes_between])
    elif spec.concat is not None:
        present = pl.any_horizontal([pl.col(c).is_not_null() for c in spec.concat])
    else:
        return None  # a coalesce falls through to its next source by design
    if spec.only_when is not None:
        condition = spec.only_when
        applies = (
            pl.col(condition.column).is_in(condition.in_)
            if condition.in_ is not None
            else pl.col(condition.column).is_not_null() == condition.present
        )
        present = present & applies.fill_null(False)
    return present


def build_entity(
    mapping: SourceMapping,
    entity: EntityMapping,
    tables: dict[str, pl.DataFrame],
    contract_columns: list[str],
    sort_by: list[str],
) -> EntityFrame:
    builder = _Builder(mapping)
    exprs = {column: builder.expr(entity.columns[column]) for column in contract_columns}
    base = tables[entity.from_]
    for lookup, alias in builder.lookups.items():
        other = (
            tables[lookup.table]
            .select(pl.col(lookup.key).alias("__key"), pl.col(lookup.column).alias(alias))
            .filter(pl.col("__key").is_not_null())
            .unique(subset="__key", keep="first")
        )
        base = base.join(other, left_on=lookup.via, right_on="__key", how="left")
    checks = {
        column: present
        for column in contract_columns
        if (present := _source_present(entity.columns[column], builder)) is not None
    }
    out = base.select(
        *[expr.alias(column) for column, expr in exprs.items()],
        *[(present & exprs[column].is_null()).alias(f"__lost_{column}") for column, present in checks.items()],
    )
    lost = out.select(pl.col(f"__lost_{c}").sum() for c in checks).row(0) if checks else ()
    unmapped = Counter({column: n for column, n in zip(checks, lost, strict=True) if n})
    frame = out.select(contract_columns).sort(sort_by, nulls_last=True)
    return EntityFrame(frame=frame, unmapped=unmapped)
