"""Sensors: the daily job when new files land in the inbox or an adapter's drop folder (off until turned on
in the UI), and a dispatch run whenever people have approved actions that are not sent yet (on by default)."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from core.settings import get_adapter_settings, get_orchestration_settings, get_settings

# Run tags the instance's run queue limits to one run each (dagster_project/instance/dagster.yaml).
WAREHOUSE_WRITER_TAG = "rcm/warehouse_writer"
DISPATCHER_TAG = "rcm/dispatcher"

# Every status of a run that has not finished yet, queued included.
_UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _listing(folder: Path, pattern: str, label: str, skip: Callable[[Path], bool]) -> list[str]:
    """One line per file (name, size, mtime): a changed line is a new or changed file."""
    if not folder.exists():
        return []
    return sorted(
        f"{label}/{p.relative_to(folder)}:{p.stat().st_size}:{int(p.stat().st_mtime)}"
        for p in folder.glob(pattern)
        if p.is_file() and not p.name.startswith(".") and not skip(p)
    )


def watched_files() -> tuple[list[str], list[str]]:
    """The inbox's files and the configured adapters' drop-folder files (the CSVs each adapter reads).

    Contract CSVs an adapter writes into the inbox (`<entity>_<system>.csv`) are left out: they change only
    when that adapter's drop folder did, which is watched, so a run that rewrites them does not wake the
    sensor a second time."""
    adapters = get_adapter_settings()
    written = tuple(f"_{system}.csv" for system in adapters.systems)
    inbox = _listing(get_settings().inbox_dir, "**/*", "inbox", lambda p: p.name.endswith(written))
    dropped = [
        line
        for system in adapters.systems
        for line in _listing(adapters.adapter_inbox_dir / system, "*.csv", f"adapter/{system}", lambda _p: False)
    ]
    return inbox, dropped


def inbox_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Runs the daily job when a file lands in the inbox or in a configured adapter's drop "
        "folder (RCM_ADAPTER_INBOX_DIR/<system>/).",
    )
    def inbox_files(context: dg.SensorEvaluationContext):
        # The file ledger lives in the warehouse, which only the pipeline may open; the sensor keys on
        # (name, size, mtime) instead and lets ingest (and the adapters) decide by content hash what is new.
        inbox, dropped = watched_files()
        fingerprint = hashlib.sha256("\n".join([*inbox, *dropped]).encode()).hexdigest()
        if not (inbox or dropped) or fingerprint == context.cursor:
            return dg.SkipReason("no new files in the inbox or the adapter folders")
        context.update_cursor(fingerprint)
        return dg.RunRequest(
            run_key=fingerprint,
            tags={"trigger": "inbox", "files": str(len(inbox)), "adapter_files": str(len(dropped))},
        )

    return inbox_files


def approved_actions_sensor(job) -> dg.SensorDefinition:
    """Request a run of `job` when the ledger holds approved actions the dispatcher would send now."""

    @dg.sensor(
        job=job,
        minimum_interval_seconds=get_orchestration_settings().dispatch_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Sends what people approved within about a minute: requests a dispatch run when "
        "approved actions wait to be sent and no dispatching run is queued or running.",
    )
    def approved_actions(context: dg.SensorEvaluationContext):
        from dagster_project.resources import LedgerResource

        waiting = context.instance.get_run_records(
            dg.RunsFilter(tags={DISPATCHER_TAG: "true"}, statuses=_UNFINISHED), limit=1
        )
        if waiting:
            return dg.SkipReason(f"run {waiting[0].dagster_run.run_id} is queued or running and will dispatch")
        ledger = LedgerResource().open()
        try:
            ready = actions_ready_to_send(ledger)
        finally:
            ledger.engine.dispose()  # the sensor runs in a long-lived code server: leave no pooled connection
        if not ready:
            return dg.SkipReason("no approved action is waiting to be sent")
        return dg.RunRequest(tags={"trigger": "approved_actions", "approved_actions": str(ready)})

    return approved_actions


def actions_ready_to_send(ledger) -> int:
    """Approved, unsent actions, less those whose last send failed: the dispatcher leaves those for a
    person's Retry on the board, so they must not wake it every minute."""
    from ledger import DELIVERY_FAILED

    failed = {
        action_id
        for action_id, attempt in ledger.pending_delivery_attempts().items()
        if attempt["status"] == DELIVERY_FAILED
    }
    return sum(1 for action in ledger.approved_undispatched() if action["action_id"] not in failed)
