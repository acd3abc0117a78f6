"""Turn one entity's mapping into a Polars frame of contract columns, formatted the way the contracts parse.

Every output cell is text (empty = missing). Values a transform could not use (a status not in the value
map, a date in another format) become empty and are counted per column, so ingest quarantines the row
with a reason and the adapter report says how many; the values themselves are never logged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from .mapping import EntityMapping, FieldSpec, Lookup, SourceMapping

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
ZONE_COLUMN = "__zone"


@dataclass
class EntityFrame:
    frame: pl.DataFrame
    unmapped: Counter = field(default_factory=Counter)  # contract column -> cells a transform could not use


class _Builder:
    def __init__(self, mapping: SourceMapping, zones: list[str]):
        self.mapping = mapping
        self.zones = zones  # the location zones the rows carry in ZONE_COLUMN; empty: the mapping's one zone
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
        # Delivered date-times are wall-clock at the row's location (or in the mapping's zone); the contract
        # holds UTC. Polars takes one zone per conversion, so each zone the rows carry gets its own branch.
        naive = expr.str.strptime(pl.Datetime("us"), fmt or self.mapping.datetime_format, strict=False)

        def in_utc(zone: str) -> pl.Expr:
            return naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").dt.convert_time_zone(
                "UTC"
            )

        if not self.zones:
            return in_utc(self.mapping.timezone)
        branches = pl.when(pl.col(ZONE_COLUMN) == self.zones[0]).then(in_utc(self.zones[0]))
        for zone in self.zones[1:]:
            branches = branches.when(pl.col(ZONE_COLUMN) == zone).then(in_utc(zone))
        return branches.otherwise(None)  # a zone that is not an IANA name: empty, and counted as lost

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


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _with_location_zones(
    mapping: SourceMapping, entity: EntityMapping, tables: dict[str, pl.DataFrame]
) -> tuple[pl.DataFrame, list[str]]:
    """The entity's table with each row's location zone in ZONE_COLUMN (the mapping's `zones`, else the
    delivered locations table, else the mapping's `timezone`), and the valid zones found; no zone column when
    the mapping has no location zones or the entity reads no date-times."""
    base = tables[entity.from_]
    spec = mapping.location_timezones
    if spec is None or not entity.parses_timestamps():
        return base, []
    location = pl.col(spec.via).cast(pl.String)
    candidates = []
    if spec.zones:
        candidates.append(location.replace_strict(spec.zones, default=None, return_dtype=pl.String))
    if spec.table is not None:
        delivered = (
            tables[spec.table]
            .select(
                pl.col(spec.key).cast(pl.String).alias("__zone_key"),
                pl.col(spec.column).cast(pl.String).str.strip_chars().alias("__zone_delivered"),
            )
            .filter(pl.col("__zone_key").is_not_null() & (pl.col("__zone_delivered").fill_null("") != ""))
            .unique(subset="__zone_key", keep="first")
        )
        base = base.with_columns(location.alias("__zone_via")).join(
            delivered, left_on="__zone_via", right_on="__zone_key", how="left"
        )
        candidates.append(pl.col("__zone_delivered"))
    candidates.append(pl.lit(mapping.timezone))
    base = base.with_columns(pl.coalesce(candidates).alias(ZONE_COLUMN))
    zones = sorted(zone for zone in base[ZONE_COLUMN].unique().to_list() if zone and _is_zone(zone))
    return base, zones


def build_entity(
    mapping: SourceMapping,
    entity: EntityMapping,
    tables: dict[str, pl.DataFrame],
    contract_columns: list[str],
    sort_by: list[str],
) -> EntityFrame:
    base, zones = _with_location_zones(mapping, entity, tables)
    builder = _Builder(mapping, zones)
    exprs = {column: builder.expr(entity.columns[column]) for column in contract_columns}
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
