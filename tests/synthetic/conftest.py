from datetime import date

import pytest

from dagster_project.synthetic import GeneratorConfig, generate

ANCHOR = date(2026, 11, 26)


def run(tmp_path, name: str, **overrides):
    out = tmp_path / name
    config = GeneratorConfig(
        seed=11,
        anchor_date=ANCHOR,
        locations=2,
        months=4,
        future_weeks=4,
        out=out / "inbox",
        ground_truth=out / "ground_truth.json",
    )
    config = GeneratorConfig(**{**config.__dict__, **overrides})
    summary = generate(config)
    return config, summary


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """One small generated data set shared by the synthetic tests."""
    config, summary = run(tmp_path_factory.mktemp("synthetic"), "a")
    return config, summary
