from __future__ import annotations

import pytest
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.test_utils import create_run_for_test


@pytest.fixture
def make_run():
    """A run of `job_name` in `status` with `tags`, as the UI, a schedule or a sensor would submit it."""

    def make(instance, job_name: str, status, tags: dict[str, str]):
        origin = RemoteJobOrigin(
            RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("dagster_project.definitions"), "__repository__"),
            job_name,
        )
        return create_run_for_test(instance, job_name=job_name, status=status, tags=tags, remote_job_origin=origin)

    return make
