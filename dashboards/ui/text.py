"""How values read on a page, in one place: column labels, enumerated values, money, rates, dates and local times,
and data-derived text made inert for Markdown-rendering elements.

A page never shows a raw column name, a snake_case value, `None`, `NaN`, `NaT`, a midnight `00:00:00` or a UTC
time: every table goes through `people_frame` (via `dashboards.ui.table`), every figure through the helpers here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from core.money import format_money
from core.settings import get_settings
from core.vocabulary import ROLE_LABELS, STATUS_LABELS, leak_areas
from dashboards import data
from dashboards.markdown_text import plain

__all__ = [
    "COLUMN_LABELS",
    "column_label",
    "detail_text",
    "payer_label",
    "short_clinic_name",
    "format_date",
    "format_datetime",
    "format_money",
    "money_delta",
    "percent",
    "people_frame",
    "plain",
    "value_label",
]

MISSING = "—"  # what an empty cell or an unmeasured figure reads as

# Column -> label, for the columns whose mechanical label would read badly. Any other column is labelled by
# `column_label`'s rule (underscores to spaces, "id" to "ID", first letter capital), so none is ever raw.
COLUMN_LABELS: dict[str, str] = {
    "action_id": "Action ID",
    "action_type": "Type",
    "alternative_provider_id": "Alternative therapist",
    "appointment_id": "Appointment",
    "approved_quantity": "Approved",
    "assigned_role": "Worked by (role)",
    "authorization_check": "Authorization check",
    "authorization_id": "Authorization",
    "authorization_number": "Auth number",
    "avg_hours_to_first_response": "Average hours to first response",
    "billed_units": "Billed units",
    "claim_charge_amount": "Claim charge",
    "charge_amount": "Charge",
    "claim_count": "Claims",
    "claim_id": "Claim",
    "clean_claim_count": "Clean claims",
    "clean_claim_rate": "Clean-claim rate",
    "conversion_rate": "Conversion",
    "created_at": "Drafted",
    "days_to_expiry": "Days to expiry",
    "denial_carc": "Denial code (CARC)",
    "detail_json": "Detail",
    "discrepancy_type": "Discrepancy",
    "dollars_at_risk": "Dollars at risk",
    "dollars_at_stake": "Dollars at stake",
    "due_date": "Due",
    "event_date": "Date",
    "event_hash": "Event hash",
    "event_id": "Event",
    "failed_claim_count": "Claims failing a rule",
    "file_name": "File",
    "file_sha256": "File fingerprint (SHA-256)",
    "flag_reasons": "Why it was flagged",
    "hours_difference": "Hours difference",
    "http_status": "HTTP status",
    "is_below_target": "Below target",
    "is_exception": "Exception",
    "leak_area": "Leak area",
    "leak_reason": "Reason",
    "leaked_amount": "Dollars leaked",
    "line_number": "Line",
    "location_id": "Location",
    "location_name": "Clinic",
    "net_paid_amount": "Paid (net)",
    "occurred_at": "When",
    "paid_worked_hours": "Paid hours worked",
    "payer_id": "Payer",
    "payer_name": "Payer",
    "plan_of_care_id": "Plan of care",
    "procedure_code": "CPT",
    "productivity_target_units_per_hour": "Target (units per hour)",
    "projected_exhaustion_date": "Projected to run out",
    "provider_id": "Therapist",
    "provider_name": "Therapist",
    "quarantined_at": "Quarantined",
    "received_at": "Received",
    "record_id": "Record",
    "record_type": "Record type",
    "remaining_quantity": "Remaining",
    "rows_loaded": "Rows loaded",
    "rows_quarantined": "Rows quarantined",
    "rule_name": "Rule",
    "scheduled_quantity": "Scheduled",
    "scheduled_start_at": "Visit starts",
    "units_per_paid_hour": "Units per paid hour",
    "used_quantity": "Used",
    "visit_id": "Visit",
    "work_status": "Being worked",
}

_ACRONYMS = {
    "id": "ID",
    "npi": "NPI",
    "cpt": "CPT",
    "carc": "CARC",
    "rarc": "RARC",
    "poc": "plan of care",
    "ehr": "EHR",
    "pto": "PTO",
    "sha256": "SHA-256",
    "http": "HTTP",
    "url": "URL",
    "x12": "X12",
}
# A snake_case value (an enumeration code) as opposed to an id, a file name or a sentence.
_SNAKE_VALUE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")  # letters only: usernames like frontdesk_l01 stay
_MONEY_WORDS = ("dollars", "amount", "revenue", "charges", "paid")
_TIMESTAMP_SUFFIXES = ("_at",)


def _words(name: str) -> str:
    words = [_ACRONYMS.get(word, word) for word in name.split("_") if word]
    if words and words[0] not in ("is", "has"):
        text = " ".join(words)
    else:  # is_flagged -> "Flagged", has_appeal_rights -> "Appeal rights"
        text = " ".join(words[1:]) or " ".join(words)
    return text[:1].upper() + text[1:]


def column_label(name: object) -> str:
    """The label a person reads for a column: the shared map, else its words in sentence case."""
    text = str(name)
    return COLUMN_LABELS.get(text) or (_words(text) if "_" in text or text.islower() else text)


# A snake_case word inside a sentence (a column named by a reason), not part of a file name such as era_1_2.835.
_SNAKE_IN_TEXT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.[A-Za-z0-9])")


def readable_reason(text: object) -> object:
    """A machine-written reason with the columns it names in words ("duration_minutes is not a whole number"
    -> "Duration minutes is not a whole number"); file names and everything else unchanged."""
    if not isinstance(text, str):
        return text
    return _SNAKE_IN_TEXT.sub(lambda m: column_label(m.group(0)), text)


def value_label(value: object) -> object:
    """An enumeration code in words (statuses, leak areas, roles, action types, any snake_case code);
    anything else unchanged."""
    if not isinstance(value, str):
        return value
    if "|" in value and all(_SNAKE_VALUE.match(part) for part in value.split("|")):
        return ", ".join(str(value_label(part)) for part in value.split("|"))  # a pipe-separated code list
    if value.startswith("role: "):  # the queue's "worked by" when nobody is assigned
        return f"{value_label(value[6:])} (role)"
    if value in STATUS_LABELS:
        return STATUS_LABELS[value]
    areas = leak_areas()
    if value in areas:
        return areas[value]
    if value in ROLE_LABELS:
        return ROLE_LABELS[value]
    if _SNAKE_VALUE.match(value):
        named = data.action_type_label(value)
        return named if named != value.replace("_", " ").capitalize() else _words(value)
    return value


def payer_label(name: object) -> object:
    """A payer name in one casing whatever the extract used: 'AETNA BETTER HEALTH' and 'aetna better health'
    read 'Aetna Better Health'; short all-capital words (BCBS, UHC) stay capitals; mixed case is kept."""
    if not isinstance(name, str) or not (name.isupper() or name.islower()):
        return name
    return " ".join(word if word.isupper() and len(word) <= 4 else word.capitalize() for word in name.split())


def detail_text(detail_json: object) -> str:
    """An audit event's JSON detail as 'Label: value · Label: value' (empty values left out)."""
    import json

    try:
        detail = json.loads(detail_json) if isinstance(detail_json, str) else detail_json
    except ValueError:
        return str(detail_json)
    if not isinstance(detail, dict):
        return MISSING if detail is None else str(detail)
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(value_label(v)) for v in value)
        elif isinstance(value, dict):
            value = detail_text(value)
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        parts.append(f"{column_label(key)}: {value_label(value)}")
    return " · ".join(parts) or MISSING


_GENERIC_NAME_WORDS = {
    "pediatric",
    "paediatric",
    "occupational",
    "therapy",
    "therapies",
    "clinic",
    "center",
    "centre",
    "kids",
    "children's",
    "ot",
    "of",
    "the",
    "and",
    "&",
    "-",
    "·",
}


def short_clinic_name(name: object) -> str:
    """A clinic's distinguishing words for chart labels ('Northside Pediatric Therapy Clinic' -> 'Northside');
    the full name is shown on hover. A name of generic words only is kept whole."""
    text = str(name)
    words = [w for w in text.split() if w.lower() not in _GENERIC_NAME_WORDS]
    return " ".join(words) if words else text


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or get_settings().group_time_zone)


def format_date(value, *, missing: str = MISSING) -> str:
    """'Mar 2, 2026'; `missing` for None, NaN and NaT."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return missing
    stamp = pd.Timestamp(value)
    return f"{stamp:%b} {stamp.day}, {stamp.year}"


def format_datetime(value, time_zone: str | None = None, *, missing: str = MISSING) -> str:
    """'Mar 2, 2026, 1:30 AM EST' in the location's zone (the group's default zone without one). A timestamp
    without a zone is UTC (raw tables and the ledger store UTC)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return missing
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    local = stamp.tz_convert(_zone(time_zone))
    hour = local.hour % 12 or 12
    return f"{format_date(local)}, {hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"


def percent(value) -> str:
    """'12.5%' for a rate between 0 and 1; 'not measured' when it was not."""
    return "not measured" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"


def money_delta(now, before, *, against: str = "last month") -> str | None:
    """'+$12.00 vs last month' (or '-$...'); None when either side was not measured or nothing changed (a
    metric shows no arrow for no change)."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    change = round(float(now) - float(before), 2)
    if change == 0:
        return None
    return f"{'-' if change < 0 else '+'}{format_money(abs(change))} vs {against}"


def _is_money(column: str) -> bool:
    return any(word in column for word in _MONEY_WORDS) and not column.startswith(("is_", "has_"))


def _is_rate(column: str) -> bool:
    return column.endswith("_rate") and not column.startswith("burn_rate")


def _is_timestamp(column: str, series: pd.Series) -> bool:
    if column.endswith(_TIMESTAMP_SUFFIXES):
        return True
    values = series.dropna()
    if values.empty or not pd.api.types.is_datetime64_any_dtype(series):
        return False
    stamps = pd.to_datetime(values)
    return bool((stamps != stamps.dt.normalize()).any())


def people_frame(
    frame: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    labels: dict[str, str] | None = None,
    zones: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """`frame` as a person reads it, with the `column_config` for `st.dataframe`.

    Columns are chosen (`columns`, in order) and labelled (`labels`, then `COLUMN_LABELS`, then the rule);
    money stays a number shown in dollars, rates in percent (text where a value is missing, so no cell reads
    None); dates read 'Mar 2, 2026', times read in the row's location zone (`zones`: location id -> IANA
    name); true/false read Yes/No; enumeration codes read in words; empty cells read '—'.
    """
    shown = frame[list(columns)] if columns is not None else frame
    out = pd.DataFrame(index=shown.index)
    config: dict = {}
    zone_per_row = (
        shown["location_id"].map(zones or {})
        if "location_id" in shown
        else pd.Series(None, index=shown.index, dtype=object)
    )
    for column in shown.columns:
        series = shown[column]
        label = (labels or {}).get(column) or column_label(column)
        if label in out.columns:  # two source columns with one label (payer id and payer name): keep the first
            continue
        present = series.dropna().tolist()
        if pd.api.types.is_bool_dtype(series) or (present and all(isinstance(v, bool) for v in present)):
            out[label] = series.map(lambda v: MISSING if v is None or pd.isna(v) else ("Yes" if v else "No"))
        elif _is_money(column) and _numeric(series):
            numbers = pd.to_numeric(series, errors="coerce").astype(float)
            if numbers.isna().any():
                out[label] = numbers.map(lambda v: format_money(v, missing=MISSING))
            else:
                out[label] = numbers
                config[label] = {"type": "money"}
        elif _is_rate(column) and _numeric(series):
            out[label] = pd.to_numeric(series, errors="coerce").map(lambda v: MISSING if pd.isna(v) else percent(v))
        elif _is_timestamp(column, series):
            out[label] = [
                format_datetime(v, z if isinstance(z, str) else None)
                for v, z in zip(series, zone_per_row, strict=False)
            ]
        elif pd.api.types.is_datetime64_any_dtype(series) or (
            present and all(isinstance(v, date | datetime | pd.Timestamp) for v in present)
        ):
            out[label] = series.map(format_date)
        elif pd.api.types.is_numeric_dtype(series):
            if series.isna().any():
                out[label] = series.map(lambda v: MISSING if pd.isna(v) else _number(v))
            else:
                out[label] = series
        elif column.endswith("_json"):
            out[label] = series.map(detail_text)
        elif column == "payer_name":
            out[label] = series.map(lambda v: MISSING if v is None or pd.isna(v) else payer_label(v))
        else:
            out[label] = series.map(
                lambda v: (
                    MISSING if v is None or (not isinstance(v, str | list | dict) and pd.isna(v)) else value_label(v)
                )
            )
    for label in out.columns:  # one type per text column (Arrow refuses a column mixing text and other values)
        if out[label].dtype == object:
            out[label] = out[label].map(str)
    return out.reset_index(drop=True), config


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.to_numeric(series.dropna(), errors="coerce").notna().all()


def _number(value) -> str:
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"
