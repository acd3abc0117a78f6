"""Optional NPPES NPI Registry lookup (API version 2.1) through httpx.

Off by default (setting RCM_NPPES_LOOKUP). For each provider NPI it asks the registry for the record and
compares name, status and taxonomy (225X... is occupational therapy, 224Z... the assistant). Only provider
NPIs and names (staff, public registry data) leave the building; never patient data.

The registry is outside our control: every request has a timeout, failed attempts (timeouts, connection
errors, 5xx and 429) are retried with a short backoff, and a registry that stays unreachable gives the
status 'unreachable' for the rest of the run instead of raising, so the pipeline never fails on it.
An NPI that fails the check digit is never sent ('invalid_check_digit').
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from dagster_project.npi import is_valid_npi

OT_TAXONOMY_PREFIXES = ("225X", "224Z")
STATUSES = ("match", "name_mismatch", "not_ot_taxonomy", "inactive", "not_found", "invalid_check_digit", "unreachable")


class RegistryUnavailable(Exception):
    """The registry did not answer after every retry."""


@dataclass(frozen=True)
class NppesRecord:
    number: str
    first_name: str
    last_name: str
    status: str  # "A" = active
    primary_taxonomy: str | None
    primary_taxonomy_desc: str | None


@dataclass(frozen=True)
class RegistryCheck:
    provider_id: str
    npi: str
    status: str  # one of STATUSES
    registry_name: str | None = None
    registry_taxonomy: str | None = None


class NppesClient:
    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 5.0,
        retries: int = 2,
        backoff_seconds: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds), transport=transport, headers={"Accept": "application/json"}
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _get(self, params: dict) -> dict:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff_seconds * (2 ** (attempt - 1)))
            try:
                response = self.client.get(self.url, params=params)
            except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
                last = exc
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = RuntimeError(f"registry answered HTTP {response.status_code}")
                continue
            if response.status_code >= 400:  # a request the registry refuses will not succeed on retry
                raise RegistryUnavailable(f"NPPES registry refused the request: HTTP {response.status_code}")
            try:
                return response.json()
            except ValueError as exc:
                last = exc
                continue
        raise RegistryUnavailable(f"NPPES registry unavailable after {self.retries + 1} attempts: {last}")

    def lookup(self, npi: str) -> NppesRecord | None:
        """The registry record of one NPI, or None when the registry has no such number."""
        payload = self._get({"number": npi, "version": "2.1"})
        for result in payload.get("results") or []:
            if str(result.get("number")) != npi:
                continue
            basic = result.get("basic") or {}
            taxonomies = result.get("taxonomies") or []
            primary = next((t for t in taxonomies if t.get("primary")), taxonomies[0] if taxonomies else None)
            return NppesRecord(
                number=npi,
                first_name=str(basic.get("first_name") or ""),
                last_name=str(basic.get("last_name") or ""),
                status=str(basic.get("status") or ""),
                primary_taxonomy=primary.get("code") if primary else None,
                primary_taxonomy_desc=primary.get("desc") if primary else None,
            )
        return None


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def check_providers(providers: Iterable[dict], client: NppesClient) -> list[RegistryCheck]:
    """Check each provider ({provider_id, npi, first_name, last_name}) against the registry.

    Never raises for the registry: once it is unreachable, the remaining providers are 'unreachable' too
    (no point waiting out every timeout again)."""
    checks: list[RegistryCheck] = []
    reachable = True
    for p in sorted(providers, key=lambda r: r["provider_id"]):
        npi = str(p["npi"])
        if not is_valid_npi(npi):
            checks.append(RegistryCheck(p["provider_id"], npi, "invalid_check_digit"))
            continue
        if not reachable:
            checks.append(RegistryCheck(p["provider_id"], npi, "unreachable"))
            continue
        try:
            record = client.lookup(npi)
        except RegistryUnavailable:
            reachable = False
            checks.append(RegistryCheck(p["provider_id"], npi, "unreachable"))
            continue
        if record is None:
            checks.append(RegistryCheck(p["provider_id"], npi, "not_found"))
            continue
        name = f"{record.first_name} {record.last_name}".strip()
        if record.status != "A":
            status = "inactive"
        elif not (_same(record.first_name, p["first_name"]) and _same(record.last_name, p["last_name"])):
            status = "name_mismatch"
        elif not (record.primary_taxonomy or "").startswith(OT_TAXONOMY_PREFIXES):
            status = "not_ot_taxonomy"
        else:
            status = "match"
        checks.append(RegistryCheck(p["provider_id"], npi, status, name, record.primary_taxonomy))
    return checks
