"""Fax an approved action through SRFax's Internet Fax API.

SRFax documents one HTTPS endpoint taking form POSTs, each naming an `action` (srfax.com, Developers ->
Internet Fax API):

- `Queue_Fax`: access_id, access_pwd, sCallerID (our 10-digit fax number), sSenderEmail, sFaxType "SINGLE",
  sToFaxNumber (11 digits: 1 + the NANP number), sResponseFormat "JSON", sAccountCode (our internal reference,
  at most 20 characters), sFileName_1 / sFileContent_1 (the document, base64). Answer:
  {"Status": "Success", "Result": <FaxDetailsID>} or {"Status": "Failed", "Result": "<reason>"}.
- `Get_Fax_Outbox`: sPeriod "RANGE", sStartDate / sEndDate (YYYYMMDD); answers a list of sent faxes with
  their FileName ("<name>|<FaxDetailsID>") and AccountCode.

SRFax takes no idempotency key. We put the first 20 characters of ours in sAccountCode, remember the
FaxDetailsID per key (delivery.gateways.state), and after a timeout or 5xx whose outcome is unknown look the
key up in Get_Fax_Outbox before queueing again (Get_FaxStatus needs the FaxDetailsID we never received, so
the outbox listing is the only lookup that works then). The document is the approved body as a plain-text
attachment, exactly as approved; the fax number comes from the resolver at send time.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .numbers import resolve_fax_number
from .sending import OnceSender, OutcomeUnknown, ProviderRefused

ACCOUNT_CODE_CHARS = 20  # SRFax's limit for sAccountCode
SAFE_FILE_PART = re.compile(r"[^A-Za-z0-9_-]")


def account_code(key: str) -> str:
    return key[:ACCOUNT_CODE_CHARS]


class SrfaxGateway(OnceSender):
    gateway_name = "srfax"
    channel = "fax"

    def __init__(self, settings, **kwargs):
        """settings: core.settings.SrfaxSettings; kwargs: resolver, state, policy (and transport, sleep in tests)."""
        super().__init__(**kwargs)
        self.settings = settings

    @property
    def endpoint_label(self) -> str:
        return str(self.settings.url)

    def _credentials(self) -> dict[str, str]:
        return {
            "access_id": self.settings.access_id,
            "access_pwd": self.settings.access_pwd.get_secret_value(),
            "sResponseFormat": "JSON",
        }

    def destination(self, payload: Mapping[str, Any]) -> str:
        return resolve_fax_number(self.resolver, payload)

    def submit(self, destination: str, payload: Mapping[str, Any], key: str) -> httpx.Response:
        file_name = SAFE_FILE_PART.sub("_", f"{payload['action_type']}_{payload['action_id']}") + ".txt"
        form = {
            "action": "Queue_Fax",
            **self._credentials(),
            "sCallerID": self.settings.caller_id,
            "sSenderEmail": self.settings.sender_email,
            "sFaxType": "SINGLE",
            "sToFaxNumber": f"1{destination}",
            "sAccountCode": account_code(key),
            "sFileName_1": file_name,
            "sFileContent_1": base64.b64encode(payload["body"].encode("utf-8")).decode("ascii"),
        }
        return self.client.post(str(self.settings.url), data=form)

    def accepted_id(self, response: httpx.Response) -> str:
        answer = _json(response)
        if answer.get("Status") == "Success" and str(answer.get("Result", "")).strip():
            return str(answer["Result"]).strip()
        if answer.get("Status") == "Failed":
            raise ProviderRefused(f"SRFax refused the fax: {_masked(answer.get('Result'))}")
        raise OutcomeUnknown("SRFax answered without a status")

    def find_sent(self, destination: str, payload: Mapping[str, Any], key: str, since: datetime) -> str | None:
        # The outbox dates are in the account's time zone: a day either side covers any zone.
        start, end = since.astimezone(UTC).date() - timedelta(days=1), datetime.now(UTC).date() + timedelta(days=1)
        response = self.client.post(
            str(self.settings.url),
            data={
                "action": "Get_Fax_Outbox",
                **self._credentials(),
                "sPeriod": "RANGE",
                "sStartDate": start.strftime("%Y%m%d"),
                "sEndDate": end.strftime("%Y%m%d"),
            },
        )
        response.raise_for_status()
        answer = _json(response)
        if answer.get("Status") != "Success" or not isinstance(answer.get("Result"), list):
            raise OutcomeUnknown("SRFax outbox listing failed")
        for fax in answer["Result"]:
            if fax.get("AccountCode") == account_code(key):
                return str(fax.get("FileName", "")).rpartition("|")[2] or str(fax.get("FileName"))
        return None


def _json(response: httpx.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        raise OutcomeUnknown("SRFax answered with something other than JSON") from None
    if not isinstance(answer, dict):
        raise OutcomeUnknown("SRFax answered with an unexpected shape")
    return answer


def _masked(reason: Any) -> str:
    # SRFax's reasons can quote the number it was given: keep the words, mask every digit.
    return re.sub(r"\d", "#", str(reason or "no reason given"))[:120]
