"""Every setting, read from the environment when asked for (never at import time).

`.env.example` lists the same variables with their defaults; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox_dir: Path
    quarantine_dir: Path
    outbox_dir: Path
    warehouse_path: Path
    serving_pointer: Path
    ledger_url: str
    as_of_date: date
    session_timeout_minutes: int
    demo_password: str
    validate_x12_with_pyx12: bool

    @property
    def snapshots_dir(self) -> Path:
        return self.serving_pointer.parent / "snapshots"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else PROJECT_ROOT / path


def get_settings() -> Settings:
    data_dir = _path("RCM_DATA_DIR", PROJECT_ROOT / "data")
    as_of = os.environ.get("RCM_AS_OF_DATE")
    ledger_default = f"sqlite:///{data_dir / 'ledger' / 'ledger.sqlite'}"
    return Settings(
        data_dir=data_dir,
        inbox_dir=_path("RCM_INBOX_DIR", data_dir / "inbox"),
        quarantine_dir=_path("RCM_QUARANTINE_DIR", data_dir / "quarantine"),
        outbox_dir=_path("RCM_OUTBOX_DIR", data_dir / "outbox"),
        warehouse_path=_path("RCM_DUCKDB_PATH", data_dir / "warehouse" / "rcm.duckdb"),
        serving_pointer=_path("RCM_SERVING_POINTER", data_dir / "warehouse" / "serving.json"),
        ledger_url=os.environ.get("RCM_LEDGER_URL") or ledger_default,
        as_of_date=date.fromisoformat(as_of) if as_of else date.today(),
        session_timeout_minutes=int(os.environ.get("RCM_SESSION_TIMEOUT_MINUTES", "30")),
        demo_password=os.environ.get("RCM_DEMO_PASSWORD", "demo-ot-2026"),
        validate_x12_with_pyx12=os.environ.get("RCM_X12_PYX12_VALIDATION", "off").lower() in ("1", "on", "true"),
    )
