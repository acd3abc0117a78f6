"""The Dagster side: settings pick the adapters, ingest depends on them, the asset reports gaps."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

import dagster_project.adapters as adapters
from core.settings import get_adapter_settings
from dagster_project.assets.adapters import adapter_assets, build_adapter_asset
from dagster_project.assets.ingest import ingest_assets

EXAMPLE = Path(adapters.__file__).parent / "examples" / "generic" / "schedule_export_20261126.csv"


def test_settings_default_to_no_adapter_and_reject_unknown(monkeypatch):
    monkeypatch.delenv("RCM_EHR_ADAPTER", raising=False)
    monkeypatch.delenv("RCM_CREDENTIALING_ADAPTER", raising=False)
    assert get_adapter_settings().systems == ()
    monkeypatch.setenv("RCM_EHR_ADAPTER", "generic")
    monkeypatch.setenv("RCM_CREDENTIALING_ADAPTER", "caqh_proview")
    assert get_adapter_settings().systems == ("generic_csv", "caqh_proview")
    monkeypatch.setenv("RCM_EHR_ADAPTER", "raintree")
    with pytest.raises(ValueError, match="RCM_EHR_ADAPTER must be one of none, webpt, generic"):
        get_adapter_settings()


def test_ingest_assets_depend_on_the_configured_adapter(monkeypatch):
    monkeypatch.setenv("RCM_EHR_ADAPTER", "webpt")
    monkeypatch.delenv("RCM_CREDENTIALING_ADAPTER", raising=False)
    assets = adapter_assets(ingest_assets())
    from dagster_project.resources import WarehouseResource

    graph = dg.Definitions(assets=assets, resources={"warehouse": WarehouseResource()}).resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw_ehr", "appointments"])).parent_keys == {dg.AssetKey("adapter_webpt")}
    monkeypatch.setenv("RCM_EHR_ADAPTER", "none")
    keys = {key for a in adapter_assets(ingest_assets()) for key in a.keys}
    assert not any(key.path[0].startswith("adapter_") for key in keys)


def test_adapter_asset_writes_the_inbox_and_reports_gaps(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RCM_INBOX_DIR", raising=False)
    monkeypatch.delenv("RCM_ADAPTER_INBOX_DIR", raising=False)
    (tmp_path / "adapter_inbox" / "generic_csv").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "adapter_inbox" / "generic_csv")
    result = dg.materialize([build_adapter_asset("generic_csv")])
    (event,) = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    assert metadata["files_applied"] == 1 and metadata["rows_new"] == 3
    assert metadata["gaps"]["appointments"]["status"] == "written"
    assert metadata["gaps"]["patients"]["not_delivered"] == "whole entity"
    assert (tmp_path / "inbox" / "ehr" / "appointments_generic_csv.csv").exists()
    assert (tmp_path / "adapters" / "generic_csv" / "gap_report.json").exists()
