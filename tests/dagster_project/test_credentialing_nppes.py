"""The NPPES NPI Registry client against a local fake registry (http.server in a thread) shaped like the
real API v2.1 JSON: results[].number, basic{first_name,last_name,status}, taxonomies[{code,primary,desc}]."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from dagster_project.nppes import NppesClient, RegistryUnavailable, check_providers

REGISTRY = {
    "1234567893": {
        "first_name": "ADA",
        "last_name": "THERAPIST",
        "status": "A",
        "taxonomies": [{"code": "225X00000X", "primary": True, "desc": "Occupational Therapist"}],
    },
    "1558598797": {
        "first_name": "BO",
        "last_name": "OTHER",
        "status": "A",
        "taxonomies": [{"code": "225X00000X", "primary": True, "desc": "Occupational Therapist"}],
    },
    "1912301953": {
        "first_name": "CY",
        "last_name": "PHYSIO",
        "status": "A",
        "taxonomies": [
            {"code": "225100000X", "primary": False, "desc": "Physical Therapist"},
            {"code": "225100000X", "primary": True, "desc": "Physical Therapist"},
        ],
    },
    "1376607150": {
        "first_name": "DEE",
        "last_name": "GONE",
        "status": "D",
        "taxonomies": [{"code": "225X00000X", "primary": True, "desc": "Occupational Therapist"}],
    },
}


class FakeRegistry(BaseHTTPRequestHandler):
    mode = "ok"  # ok | fail_once | always_500 | slow
    calls: list[dict] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        FakeRegistry.calls.append(query)
        if FakeRegistry.mode == "always_500" or (FakeRegistry.mode == "fail_once" and len(FakeRegistry.calls) == 1):
            self.send_response(503)
            self.end_headers()
            return
        if FakeRegistry.mode == "slow":
            time.sleep(0.5)
        entry = REGISTRY.get(query.get("number", ""))
        results = (
            []
            if entry is None
            else [
                {
                    "number": int(query["number"]),
                    "enumeration_type": "NPI-1",
                    "basic": {k: entry[k] for k in ("first_name", "last_name", "status")},
                    "taxonomies": entry["taxonomies"],
                    "addresses": [],
                    "identifiers": [],
                }
            ]
        )
        body = json.dumps({"result_count": len(results), "results": results}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def registry():
    FakeRegistry.mode, FakeRegistry.calls = "ok", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


PROVIDERS = [
    {"provider_id": "P1", "npi": "1234567893", "first_name": "Ada", "last_name": "Therapist"},
    {"provider_id": "P2", "npi": "1558598797", "first_name": "Bo", "last_name": "Different"},
    {"provider_id": "P3", "npi": "1912301953", "first_name": "Cy", "last_name": "Physio"},
    {"provider_id": "P4", "npi": "1376607150", "first_name": "Dee", "last_name": "Gone"},
    {"provider_id": "P5", "npi": "1122334455", "first_name": "Eve", "last_name": "Unknown"},
    {"provider_id": "P6", "npi": "1234567890", "first_name": "Fay", "last_name": "Typo"},
]


def test_lookup_reads_the_v21_record(registry):
    with NppesClient(registry) as client:
        record = client.lookup("1234567893")
        assert (record.first_name, record.last_name, record.status, record.primary_taxonomy) == (
            "ADA",
            "THERAPIST",
            "A",
            "225X00000X",
        )
        assert client.lookup("1122334455") is None
    assert FakeRegistry.calls[0] == {"number": "1234567893", "version": "2.1"}


def test_check_providers_classifies_each_provider(registry):
    with NppesClient(registry, sleep=lambda s: None) as client:
        checks = check_providers(PROVIDERS, client)
    assert [(c.provider_id, c.status) for c in checks] == [
        ("P1", "match"),
        ("P2", "name_mismatch"),
        ("P3", "not_ot_taxonomy"),
        ("P4", "inactive"),
        ("P5", "not_found"),
        ("P6", "invalid_check_digit"),
    ]
    # The invalid NPI never left the building.
    assert "1234567890" not in {c["number"] for c in FakeRegistry.calls}


def test_a_failed_attempt_is_retried(registry):
    FakeRegistry.mode = "fail_once"
    waits = []
    with NppesClient(registry, retries=2, sleep=waits.append) as client:
        assert client.lookup("1234567893").last_name == "THERAPIST"
    assert len(FakeRegistry.calls) == 2 and waits == [0.2]


def test_a_registry_that_keeps_failing_gives_up_after_the_retries(registry):
    FakeRegistry.mode = "always_500"
    with NppesClient(registry, retries=2, sleep=lambda s: None) as client:
        with pytest.raises(RegistryUnavailable):
            client.lookup("1234567893")
        assert len(FakeRegistry.calls) == 3
        checks = check_providers(PROVIDERS, client)
    # Unreachable once: the rest are not tried again; the invalid NPI is still reported as such.
    assert [c.status for c in checks] == ["unreachable"] * 5 + ["invalid_check_digit"]
    assert len(FakeRegistry.calls) == 6


def test_a_slow_registry_times_out_and_the_check_does_not_raise(registry):
    FakeRegistry.mode = "slow"
    with NppesClient(registry, timeout_seconds=0.1, retries=1, sleep=lambda s: None) as client:
        checks = check_providers(PROVIDERS[:2], client)
    assert [c.status for c in checks] == ["unreachable", "unreachable"]


def test_an_unreachable_host_does_not_raise():
    with NppesClient("http://127.0.0.1:9/api/", timeout_seconds=0.5, retries=1, sleep=lambda s: None) as client:
        checks = check_providers(PROVIDERS[:1], client)
    assert [c.status for c in checks] == ["unreachable"]


def test_nppes_setting_is_off_by_default(monkeypatch):
    from core.settings import get_nppes_settings

    monkeypatch.delenv("RCM_NPPES_LOOKUP", raising=False)
    assert get_nppes_settings().enabled is False
    monkeypatch.setenv("RCM_NPPES_LOOKUP", "on")
    monkeypatch.setenv("RCM_NPPES_RETRIES", "4")
    settings = get_nppes_settings()
    assert settings.enabled and settings.retries == 4 and settings.url.startswith("https://npiregistry.cms.hhs.gov")


def test_npi_vectors():
    from dagster_project.npi import is_valid_npi

    assert is_valid_npi("1234567893") and not is_valid_npi("1234567890")
