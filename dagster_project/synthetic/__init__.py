"""Synthetic extracts for a pediatric OT group, with planted authorization leaks and their ground truth.

Entry point: ``python -m dagster_project.synthetic`` (see __main__) or ``generate(GeneratorConfig(...))``.
"""

from .generator import GeneratorConfig, generate

__all__ = ["GeneratorConfig", "generate"]
