"""The mapping file format, validated with pydantic.

One YAML file per source system. A bad file stops with one error naming the file and the key path
(``webpt.yml: entities.appointments.columns.status.map: ...``), never half-way through a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dagster_project.contracts import CONTRACTS, Contract

MAPPINGS_DIR = Path(__file__).parent / "mappings"


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Strict):
    """A rolling delivery window: rows outside it are simply not delivered, never removed."""

    column: str
    days_back: int = Field(ge=0)
    days_forward: int = Field(ge=0)


class DeliveredTable(_Strict):
    """One table the system delivers, one CSV per delivery named ``<file>.csv`` or ``<file>_<suffix>.csv``."""

    file: str = Field(min_length=1)
    unique_id: list[str] = Field(min_length=1)
    # incremental: rows are new/updated/removed by the change flag and absence means nothing;
    # snapshot: every delivery is the whole table (absence means removed).
    delivery: Literal["incremental", "snapshot"]
    change_flag: str | None = None
    window: Window | None = None
    columns: list[str] = Field(min_length=1)
    # True when the table and column names were confirmed from the vendor's public documentation.
    confirmed: bool = False
    inferred_columns: list[str] = []  # columns of a confirmed table that are not on its public page
    description: str = ""

    @model_validator(mode="after")
    def _keys_are_columns(self):
        missing = [
            c for c in [*self.unique_id, *([self.change_flag] if self.change_flag else [])] if c not in self.columns
        ]
        if missing:
            raise ValueError(f"unique_id/change_flag column(s) {missing} are not in columns")
        if self.change_flag and self.delivery != "incremental":
            raise ValueError("change_flag only makes sense with delivery: incremental")
        if unknown := [c for c in self.inferred_columns if c not in self.columns]:
            raise ValueError(f"inferred_columns {unknown} are not in columns")
        if self.window and self.window.column not in self.columns:
            raise ValueError(f"window column {self.window.column!r} is not in columns")
        return self


class Lookup(_Strict):
    """Take ``column`` from delivered ``table`` where its ``key`` equals this row's ``via`` column.
    (Not ``on``: YAML reads a bare ``on`` as true.)"""

    table: str
    key: str
    via: str
    column: str


class Condition(_Strict):
    column: str
    in_: list[str] | None = Field(default=None, alias="in")
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self):
        if (self.in_ is None) == (self.present is None):
            raise ValueError("give exactly one of 'in' (a list of values) or 'present' (true/false)")
        return self


class Sequence(_Strict):
    """1, 2, 3, ... within each group of ``within``, in the order of ``order_by`` (e.g. line numbers)."""

    within: list[str] = Field(min_length=1)
    order_by: str


SOURCE_KINDS = ("column", "constant", "concat", "lookup", "coalesce", "minutes_between", "sequence", "gap")


class FieldSpec(_Strict):
    """Where one contract column comes from. Exactly one source of SOURCE_KINDS."""

    column: str | None = None
    constant: str | None = None
    concat: list[str] | None = None
    separator: str = " "
    lookup: Lookup | None = None
    coalesce: list[FieldSpec] | None = None
    minutes_between: list[str] | None = Field(default=None, min_length=2, max_length=2)
    sequence: Sequence | None = None
    gap: str | None = None  # not delivered by the system: the reason, shown in the gap report
    # Transforms applied to the source value, in this order.
    map: dict[str, str] | None = None  # value map; a value not in it becomes empty and is counted
    parse: Literal["date", "timestamp"] | None = None  # with the table's date/datetime format
    format: str | None = None  # overrides the mapping's date_format / datetime_format
    only_when: Condition | None = None  # empty unless the row meets the condition
    note: str | None = None  # what a reader must know (an approximation, a supplied value)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value):
        # "status: appointment_status" is short for {column: appointment_status}
        return {"column": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one_source(self):
        sources = [name for name in SOURCE_KINDS if getattr(self, name) is not None]
        if len(sources) != 1:
            raise ValueError(f"give exactly one source of {', '.join(SOURCE_KINDS)} (got {sources or 'none'})")
        if self.gap is not None and any(getattr(self, k) is not None for k in ("map", "parse", "only_when")):
            raise ValueError("a gap has no transforms")
        return self

    @field_validator("map", mode="before")
    @classmethod
    def _map_keys_are_text(cls, value):
        # YAML reads 1: x as an int key; delivered cells are text.
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value

    def source_columns(self) -> list[str]:
        """Columns of the entity's own table this field reads."""
        cols = [*([self.column] if self.column else []), *(self.concat or []), *(self.minutes_between or [])]
        if self.sequence:
            cols.extend([*self.sequence.within, self.sequence.order_by])
        if self.lookup:
            cols.append(self.lookup.via)
        if self.only_when:
            cols.append(self.only_when.column)
        for inner in self.coalesce or []:
            cols.extend(inner.source_columns())
        return cols

    def lookups(self) -> list[Lookup]:
        found = [self.lookup] if self.lookup else []
        for inner in self.coalesce or []:
            found.extend(inner.lookups())
        return found

    @property
    def kind(self) -> str:
        if self.gap is not None:
            return "gap"
        if self.constant is not None:
            return "supplied"
        return "delivered"


class EntityMapping(_Strict):
    """One contract entity, built from one delivered table (plus lookups)."""

    source: str
    from_: str = Field(alias="from")
    columns: dict[str, FieldSpec]

    def parses_timestamps(self) -> bool:
        def reads(spec: FieldSpec) -> bool:
            return spec.parse == "timestamp" or spec.minutes_between is not None or any(map(reads, spec.coalesce or []))

        return any(reads(spec) for spec in self.columns.values())


def _iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


class LocationZones(_Strict):
    """Delivered date-times are wall-clock time at the row's location: each row's are converted with its
    location's zone, read from ``column`` of delivered ``table`` (keyed by ``key``) and/or written here under
    ``zones`` (location id -> zone; wins over the table). A row whose location has neither uses the mapping's
    ``timezone``; a delivered zone that is not an IANA name leaves that row's date-times empty (counted)."""

    via: str  # the column of each table naming the row's location (e.g. clinic_id)
    table: str | None = None
    key: str | None = None
    column: str | None = None
    zones: dict[str, str] = {}

    @field_validator("zones", mode="before")
    @classmethod
    def _zones_are_known(cls, value):
        if not isinstance(value, dict):
            return value
        return {str(location): _iana_zone(str(zone)) for location, zone in value.items()}

    @model_validator(mode="after")
    def _table_or_zones(self):
        from_table = [self.table, self.key, self.column]
        if any(v is not None for v in from_table) and not all(v is not None for v in from_table):
            raise ValueError("give table, key and column together (the delivered table holding each zone)")
        if self.table is None and not self.zones:
            raise ValueError("give table/key/column, zones, or both")
        return self


class SourceMapping(_Strict):
    system: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    timezone: str = "UTC"  # the wall-clock zone of delivered date-times without an offset (or location zone)
    location_timezones: LocationZones | None = None
    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    change_flag_values: dict[Literal["new", "updated", "removed"], list[str]] = {}
    tables: dict[str, DeliveredTable]
    entities: dict[str, EntityMapping]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _iana_zone(value)

    @field_validator("change_flag_values", mode="before")
    @classmethod
    def _flag_values_are_text(cls, value):
        return {k: [str(v) for v in vs] for k, vs in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _consistent(self):
        problems: list[str] = []
        if any(t.change_flag for t in self.tables.values()) and not self.change_flag_values.get("removed"):
            problems.append("change_flag_values: a table has a change_flag, so give new/updated/removed values")
        zones = self.location_timezones
        if zones is not None and zones.table is not None:
            zone_table = self.tables.get(zones.table)
            if zone_table is None:
                problems.append(f"location_timezones.table: {zones.table!r} is not a table under tables")
            elif missing := [c for c in (zones.key, zones.column) if c not in zone_table.columns]:
                problems.append(f"location_timezones: {missing} not columns of {zones.table!r}")
        for entity_name, entity in self.entities.items():
            where = f"entities.{entity_name}"
            contract = contract_for(entity.source, entity_name)
            if contract is None:
                problems.append(f"{where}: no contract entity {entity_name!r} in source {entity.source!r}")
                continue
            table = self.tables.get(entity.from_)
            if table is None:
                problems.append(f"{where}.from: {entity.from_!r} is not a table under tables")
                continue
            contract_columns = list(contract.model_fields)
            if zones is not None and entity.parses_timestamps() and zones.via not in table.columns:
                problems.append(
                    f"{where}: reads date-times but table {entity.from_!r} has no {zones.via!r} column "
                    "naming the location whose time zone they are in (location_timezones.via)"
                )
            for column in contract_columns:
                if column not in entity.columns:
                    problems.append(f"{where}.columns.{column}: contract column not mapped (map it or declare a gap)")
            for column, spec in entity.columns.items():
                if column not in contract_columns:
                    problems.append(f"{where}.columns.{column}: not a column of the {entity_name} contract")
                    continue
                for source_column in spec.source_columns():
                    if source_column not in table.columns:
                        problems.append(
                            f"{where}.columns.{column}: {source_column!r} is not a column of table {entity.from_!r}"
                        )
                for lookup in spec.lookups():
                    other = self.tables.get(lookup.table)
                    if other is None:
                        problems.append(f"{where}.columns.{column}.lookup.table: {lookup.table!r} is not a table")
                    elif missing := [c for c in (lookup.key, lookup.column) if c not in other.columns]:
                        problems.append(f"{where}.columns.{column}.lookup: {missing} not columns of {lookup.table!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def contract_for(source: str, entity: str) -> type[Contract] | None:
    return next((c for c in CONTRACTS if c.__source__ == source and c.__entity__ == entity), None)


def mapping_path(system: str) -> Path:
    return MAPPINGS_DIR / f"{system}.yml"


def _location(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))


def load_mapping(path: Path) -> SourceMapping:
    """Read and validate one mapping file; every problem is reported with the file name and key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path.name}: mapping file not found at {path}") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path.name}: expected a mapping at the top level")
    try:
        return SourceMapping.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"{_location(e) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise MappingError(f"{path.name}: {details}") from None
