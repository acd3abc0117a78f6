"""Ingest: detect, validate and load delivered files; quarantine what is bad. No Dagster imports here."""
