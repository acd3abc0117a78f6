"""Mapping files are validated up front: a bad one names the file and the key."""

import pytest
import yaml

from dagster_project.adapters import MappingError, load_mapping, mapping_path


@pytest.mark.parametrize("system", ["webpt", "generic_csv", "caqh_proview"])
def test_shipped_mappings_are_valid(system):
    assert load_mapping(mapping_path(system)).system == system


def _broken(tmp_path, change) -> str:
    raw = yaml.safe_load(mapping_path("webpt").read_text())
    change(raw)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    return str(error.value)


def test_unmapped_contract_column_is_named(tmp_path):
    message = _broken(tmp_path, lambda m: m["entities"]["appointments"]["columns"].pop("status"))
    assert message.startswith("broken.yml: ")
    assert "entities.appointments.columns.status: contract column not mapped" in message


def test_unknown_source_column_is_named(tmp_path):
    message = _broken(tmp_path, lambda m: m["entities"]["appointments"]["columns"].update(patient_id="pt_id"))
    assert "entities.appointments.columns.patient_id: 'pt_id' is not a column of table 'appointments'" in message


def test_field_with_two_sources_is_rejected(tmp_path):
    message = _broken(
        tmp_path,
        lambda m: m["entities"]["appointments"]["columns"].update(patient_id={"column": "patient_id", "constant": "x"}),
    )
    assert "entities.appointments.columns.patient_id" in message and "exactly one source" in message


def test_lookup_into_unknown_table(tmp_path):
    message = _broken(
        tmp_path, lambda m: m["entities"]["visits"]["columns"]["rendering_npi"]["lookup"].update(table="staff")
    )
    assert "entities.visits.columns.rendering_npi.lookup.table: 'staff' is not a table" in message


def test_unknown_time_zone(tmp_path):
    message = _broken(tmp_path, lambda m: m.update(timezone="Mars/Olympus"))
    assert "timezone: unknown IANA time zone 'Mars/Olympus'" in message


def test_not_a_contract_entity(tmp_path):
    message = _broken(tmp_path, lambda m: m["entities"].update(appointment=m["entities"].pop("appointments")))
    assert "entities.appointment: no contract entity 'appointment' in source 'ehr'" in message


def test_unknown_key(tmp_path):
    message = _broken(tmp_path, lambda m: m["tables"]["appointments"].update(uniq=["x"]))
    assert "tables.appointments.uniq: Extra inputs are not permitted" in message


def test_removed_flag_values_required(tmp_path):
    message = _broken(tmp_path, lambda m: m.update(change_flag_values={"new": [1]}))
    assert "change_flag_values: a table has a change_flag" in message


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(MappingError, match="nope.yml: mapping file not found"):
        load_mapping(tmp_path / "nope.yml")
    (tmp_path / "bad.yml").write_text("system: [unclosed\n")
    with pytest.raises(MappingError, match="bad.yml: not valid YAML"):
        load_mapping(tmp_path / "bad.yml")
