"""Source-system adapters: a vendor's export, described by one mapping file, becomes contract CSVs.

A mapping file (``mappings/<system>.yml``) names the delivered tables (file name, unique id, delivery
semantics) and, per contract entity, where each contract column comes from. ``run_adapter`` applies the
deliveries to the adapter's own state (so updates, removals and rolling windows never lose history),
maps that state onto the contracts and writes complete CSVs into the inbox for the ordinary ingest.
Nothing here imports Dagster.
"""

from .mapping import MappingError, SourceMapping, load_mapping, mapping_path
from .runner import AdapterReport, run_adapter

__all__ = ["AdapterReport", "MappingError", "SourceMapping", "load_mapping", "mapping_path", "run_adapter"]
