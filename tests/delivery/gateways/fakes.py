"""Local fakes of the SRFax and Twilio APIs (httpx MockTransport): they keep what they took, so tests check
what the provider received, not what the gateway believes it did. `script` answers successive send
requests: "ok", an HTTP status (nothing taken), ("taken", status) = take it then answer that status,
"timeout_after" = take it and never answer (read timeout), "connect_timeout" = nothing reaches the API."""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs

import httpx


def _form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode(), keep_blank_values=True).items()}


class ScriptedApi:
    def __init__(self):
        self.script: list = []
        self.send_requests: list[dict] = []  # every send request's form
        self.lookups = 0  # status / listing requests
        self.lookup_script: list = []  # answers for lookups: "ok" or an HTTP status
        self.transport = httpx.MockTransport(self.handle)

    def _send(self, request: httpx.Request, take) -> httpx.Response:
        form = _form(request)
        self.send_requests.append(form)
        answer = self.script.pop(0) if self.script else "ok"
        if answer == "connect_timeout":
            raise httpx.ConnectTimeout("no route", request=request)
        if answer == "timeout_after":
            take(form)
            raise httpx.ReadTimeout("no answer", request=request)
        if isinstance(answer, tuple):
            take(form)
            return httpx.Response(answer[1], request=request)
        if answer != "ok":
            return httpx.Response(answer, json={"code": 20429, "message": "busy"}, request=request)
        return take(form)

    def _lookup_allowed(self, request) -> httpx.Response | None:
        self.lookups += 1
        answer = self.lookup_script.pop(0) if self.lookup_script else "ok"
        return None if answer == "ok" else httpx.Response(answer, request=request)


class FakeSrfax(ScriptedApi):
    """SRF_SecWebSvc.php: Queue_Fax and Get_Fax_Outbox."""

    def __init__(self):
        super().__init__()
        self.queued: list[dict] = []  # faxes the account really has, each with FaxDetailsID and AccountCode
        self.ids = itertools.count(40_000_001)
        self.refuse_with: str | None = None  # Queue_Fax answers {"Status": "Failed", "Result": this}

    def handle(self, request: httpx.Request) -> httpx.Response:
        form = _form(request)
        if form.get("access_pwd") != "fax-secret":
            return httpx.Response(200, json={"Status": "Failed", "Result": "Invalid Access Code / Password"})
        if form["action"] == "Queue_Fax":
            if self.refuse_with:
                self.send_requests.append(form)
                return httpx.Response(200, json={"Status": "Failed", "Result": self.refuse_with})
            return self._send(request, self._take)
        if form["action"] == "Get_Fax_Outbox":
            if (refused := self._lookup_allowed(request)) is not None:
                return refused
            return httpx.Response(
                200,
                json={
                    "Status": "Success",
                    "Result": [
                        {
                            "FileName": f"20260302140000-1234-56_1|{fax['id']}",
                            "SentStatus": "In Progress",
                            "AccountCode": fax["sAccountCode"],
                            "ToFaxNumber": fax["sToFaxNumber"],
                        }
                        for fax in self.queued
                    ],
                },
            )
        return httpx.Response(200, json={"Status": "Failed", "Result": "Invalid action"})

    def _take(self, form: dict) -> httpx.Response:
        fax = {**form, "id": str(next(self.ids))}
        self.queued.append(fax)
        return httpx.Response(200, json={"Status": "Success", "Result": fax["id"]})

    def document(self, fax: dict) -> str:
        return base64.b64decode(fax["sFileContent_1"]).decode("utf-8")


class FakeTwilio(ScriptedApi):
    """/2010-04-01/Accounts/{sid}/Messages.json: create (POST) and list (GET, optional To / From filters)."""

    def __init__(self, account_sid: str, auth_token: str):
        super().__init__()
        self.account_sid = account_sid
        self.auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.messages: list[dict] = []
        self.ids = itertools.count(1)
        self.error: tuple[int, int, str] | None = None  # (HTTP status, Twilio code, message) for every create
        self.lookup_params: list[dict] = []  # query parameters of every list request

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != self.auth:
            return httpx.Response(401, json={"code": 20003, "message": "Authenticate"})
        if request.url.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return httpx.Response(404, json={"code": 20404, "message": "not found"})
        if request.method == "GET":
            if (refused := self._lookup_allowed(request)) is not None:
                return refused
            wanted = dict(request.url.params)
            self.lookup_params.append(wanted)
            listed = [
                m
                for m in reversed(self.messages)
                if ("To" not in wanted or m["to"] == wanted["To"])
                and ("From" not in wanted or m["from"] == wanted["From"])
            ]
            return httpx.Response(200, json={"messages": listed[: int(wanted.get("PageSize", 50))]})
        if self.error:
            status, code, message = self.error
            self.send_requests.append(_form(request))
            return httpx.Response(status, json={"code": code, "message": message, "status": status})
        return self._send(request, self._take)

    def _take(self, form: dict) -> httpx.Response:
        message = {
            "sid": f"SM{next(self.ids):032x}",
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "queued",
            "date_created": format_datetime(datetime.now(UTC), usegmt=True),
        }
        self.messages.append(message)
        return httpx.Response(201, text=json.dumps(message), headers={"Content-Type": "application/json"})
