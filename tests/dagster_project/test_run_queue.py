"""The committed instance settings let one warehouse writer and one dispatcher run at a time.

Runs are queued with the tags the real jobs carry, and Dagster's own run-queue daemon (the code that
`dagster-daemon` runs) decides which to launch under the committed dagster.yaml; the launcher is
Dagster's test launcher, which records launches instead of starting processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import EmptyWorkspaceTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "dagster_project" / "instance" / "dagster.yaml"


@pytest.fixture
def queue(tmp_path, make_run, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # the committed settings keep event logs under it
    config = yaml.safe_load(TEMPLATE.read_text())
    config["run_launcher"] = {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    with (
        DagsterInstance.from_config(str(tmp_path)) as instance,
        create_test_daemon_workspace_context(EmptyWorkspaceTarget(), instance) as workspace,
    ):
        daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)

        def drain() -> None:
            list(daemon.run_iteration(workspace))

        def queued(job_name: str) -> str:
            return make_run(instance, job_name, DagsterRunStatus.QUEUED, _job_tags(job_name)).run_id

        yield instance, drain, queued


def _job_tags(name: str) -> dict[str, str]:
    from dagster_project.definitions import defs

    return dict(defs.resolve_job_def(name).tags)


def _finish(instance, run_id: str) -> None:
    run = instance.get_run_by_id(run_id)
    instance.report_dagster_event(
        DagsterEvent(event_type_value=DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name), run_id=run_id
    )


def _status(instance, run_id: str) -> DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def test_runs_submitted_together_start_one_after_another(queue):
    instance, drain, queued = queue
    daily, dispatch, second_daily = (queued("daily_leak_job"), queued("dispatch_job"), queued("daily_leak_job"))
    drain()
    assert [_status(instance, r) for r in (daily, dispatch, second_daily)] == [
        DagsterRunStatus.STARTING,
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.QUEUED,
    ]
    drain()  # nothing else starts while the first is in progress
    assert _status(instance, dispatch) == DagsterRunStatus.QUEUED

    _finish(instance, daily)
    drain()
    assert [_status(instance, r) for r in (dispatch, second_daily)] == [
        DagsterRunStatus.STARTING,
        DagsterRunStatus.QUEUED,
    ]
    _finish(instance, dispatch)
    drain()
    assert _status(instance, second_daily) == DagsterRunStatus.STARTING


def test_two_dispatch_runs_never_overlap(queue):
    instance, drain, queued = queue
    first, second = queued("dispatch_job"), queued("dispatch_job")
    drain()
    assert (_status(instance, first), _status(instance, second)) == (DagsterRunStatus.STARTING, DagsterRunStatus.QUEUED)


def test_the_jobs_carry_the_tags_the_queue_limits():
    limits = {
        limit["key"]: limit["limit"]
        for limit in yaml.safe_load(TEMPLATE.read_text())["concurrency"]["runs"]["tag_concurrency_limits"]
    }
    assert limits == {"rcm/warehouse_writer": 1, "rcm/dispatcher": 1}
    assert set(_job_tags("daily_leak_job")) >= set(limits)
    assert "rcm/dispatcher" in _job_tags("dispatch_job")


def test_make_copies_the_committed_instance_settings_into_dagster_home(tmp_path):
    home = tmp_path / "home"
    subprocess.run(
        ["make", "-s", f"DAGSTER_HOME={home}", f"{home}/dagster.yaml"],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (home / "dagster.yaml").read_text() == TEMPLATE.read_text()
