"""277CA claim acknowledgments (005010X214) -> ``raw_clearinghouse.claim_ack*`` rows.

After the 999 says a file was readable, the clearinghouse (and later the payer) answers each claim in a
277CA: accepted into adjudication (STC category A1/A2) or rejected (A3/A4/A6/A7/A8, ...) with a status
code saying why and the entity it is about. The hierarchy is information source (HL 20, the
clearinghouse or payer, with the dates it received and processed the claims), information receiver
(HL 21), billing provider (HL 19) and one patient level (HL PT) per claim: TRN*2 is our patient control
number (CLM01), REF*1K the payer's claim control number, DTP*472 the service dates, STC the claim's
status(es), and SVC/STC under it the service lines' own statuses.

One row per claim (its first STC's first status composite on it) and one row per status composite
(STC01, STC10, STC11) of the claim and of its lines. Status codes are kept as delivered; their meaning
(and whether they accept or reject) comes from a dbt seed, where an unknown code gets the outcome
``review``. The patient's name (NM1*QC) is not kept.
"""

from __future__ import annotations

from typing import Any

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.reader_base import MONEY_READER, BodyReader, X12Reader
from dagster_project.ingest.x12.values import known_d8
from dagster_project.ingest.x12_tables import MONEY

CLAIM_ACK_TABLES: dict[str, dict[str, str]] = {
    "claim_acks": {
        "claim_ack_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>-<HL01>
        "interchange_control_number": "VARCHAR",  # ISA13 of the 277CA
        "transaction_control_number": "VARCHAR",  # ST02 of the 277CA
        "information_source_entity_code": "VARCHAR",  # 2100A NM101: AY clearinghouse | PR payer
        "information_source_name": "VARCHAR",  # 2100A NM103
        "information_source_identifier": "VARCHAR",  # 2100A NM109
        "received_date": "DATE",  # 2200A DTP*050: when the source received the claims
        "process_date": "DATE",  # 2200A DTP*009: when it processed them
        "billing_provider_npi": "VARCHAR",  # 2100C NM1*85 NM109 (XX)
        "patient_control_number": "VARCHAR",  # 2200D TRN02 = our CLM01
        "payer_claim_control_number": "VARCHAR",  # 2200D REF*1K
        "clearinghouse_trace_number": "VARCHAR",  # 2200D REF*D9
        "status_category_code": "VARCHAR",  # first STC01-1 (A1 acknowledged/receipt, A3 returned as unprocessable, ...)
        "status_code": "VARCHAR",  # first STC01-2 (health care claim status code)
        "status_entity_code": "VARCHAR",  # first STC01-3: who it is about (85 billing provider, QC patient, ...)
        "status_effective_date": "DATE",  # first STC02
        "action_code": "VARCHAR",  # first STC03 (WQ accepted, U rejected)
        "total_charge_amount": MONEY,  # first STC04
        "service_from_date": "DATE",  # 2200D DTP*472
        "service_to_date": "DATE",
        "status_count": "INTEGER",  # status composites of the claim and its lines
        "segment_position": "INTEGER",  # HL segment ordinal in the file
    },
    "claim_ack_statuses": {
        "claim_ack_status_id": "VARCHAR",  # <claim_ack_id>-<status ordinal>
        "claim_ack_id": "VARCHAR",
        "status_level": "VARCHAR",  # 'claim' (2200D) | 'line' (2220D)
        "line_ordinal": "INTEGER",  # SVC ordinal within the claim (line level only)
        "procedure_code": "VARCHAR",  # SVC01-2 (line level only)
        "line_item_control_number": "VARCHAR",  # 2220D REF*FJ = our REF*6R
        "composite_position": "INTEGER",  # 1, 10 or 11: which STC element
        "status_category_code": "VARCHAR",
        "status_code": "VARCHAR",
        "status_entity_code": "VARCHAR",
        "status_effective_date": "DATE",  # STC02
    },
}

STATUS_COMPOSITES = (1, 10, 11)  # STC01, STC10, STC11
SOURCE_DATE_COLUMNS = {"050": "received_date", "009": "process_date"}  # DTP qualifiers of loop 2200A
CLAIM_REF_COLUMNS = {"1K": "payer_claim_control_number", "D9": "clearinghouse_trace_number"}


class ClaimAck277Body(BodyReader):
    """One 277CA transaction: information source, receiver, billing provider, claims and their lines."""

    tables = CLAIM_ACK_TABLES
    count_table = "claim_acks"
    known_segments = frozenset({"BHT", "HL", "NM1", "TRN", "STC", "QTY", "AMT", "REF", "DTP", "SVC"})
    kind = "a 277CA"

    def start(self) -> None:
        version = self.transaction.version
        if version and not version.endswith("X214"):
            self.warning(
                None,
                f"ST03 is {version!r}, not the 277CA guide 005010X214: read as a claim acknowledgment",
                position=self.transaction.start_position,
            )
        self.level = ""
        self.source: dict[str, Any] = {
            "information_source_entity_code": None,
            "information_source_name": None,
            "information_source_identifier": None,
            "received_date": None,
            "process_date": None,
        }
        self.billing_provider_npi: str | None = None
        self.claim: dict[str, Any] | None = None
        self.statuses: list[dict[str, Any]] = []
        self.line: dict[str, Any] | None = None  # procedure code, ordinal, REF*FJ of the open 2220D
        self.line_count = 0
        self.line_first_status = 0  # index in ``statuses`` of the open line's first status

    def on_hl(self, seg: Segment) -> None:
        self.finish_claim()
        e = seg.padded(4)
        self.level = e[3]
        if self.level == "PT":
            row = self.new_row("claim_acks", seg.position)
            row.update(self.source)
            row["claim_ack_id"] = f"{self.key}-{e[1]}"
            row["billing_provider_npi"] = self.billing_provider_npi
            row["segment_position"] = seg.position
            self.claim, self.statuses, self.line, self.line_count = row, [], None, 0
        elif self.level not in ("20", "21", "19"):
            self.warning(seg, f"HL03 level code {self.level!r} is not 20, 21, 19 or PT")

    def on_nm1(self, seg: Segment) -> None:
        e = seg.padded(10)
        if self.level == "20":
            self.source["information_source_entity_code"] = e[1] or None
            self.source["information_source_name"] = e[3] or None
            self.source["information_source_identifier"] = e[9] or None
        elif self.level == "19" and e[1] == "85":
            self.billing_provider_npi = e[9] if e[8] == "XX" else None

    def on_dtp(self, seg: Segment) -> None:
        e = seg.padded(4)
        qualifier = e[1]
        if self.level == "20":
            column = SOURCE_DATE_COLUMNS.get(qualifier)
            if column is not None:
                self.source[column] = self.date(seg, 3, f"DTP*{qualifier} date")
        elif self.claim is not None and self.line is None and qualifier == "472":
            first, _, last = e[3].partition("-")
            self.claim["service_from_date"] = known_d8(first) or self.date(seg, 3, "service date", first)
            self.claim["service_to_date"] = known_d8(last or first) or self.date(seg, 3, "service date", last or first)

    def on_trn(self, seg: Segment) -> None:
        if self.claim is not None and self.claim["patient_control_number"] is None:
            self.claim["patient_control_number"] = seg.element(2) or None

    def on_ref(self, seg: Segment) -> None:
        if self.claim is None:
            return
        e = seg.padded(3)
        qualifier = e[1]
        if self.line is not None:
            if qualifier == "FJ":  # after the line's STC: fill in the statuses already read
                self.line["line_item_control_number"] = e[2] or None
                for status in self.statuses[self.line_first_status :]:
                    status["line_item_control_number"] = self.line["line_item_control_number"]
            return
        column = CLAIM_REF_COLUMNS.get(qualifier)
        if column is not None:
            self.claim[column] = e[2] or None

    def on_svc(self, seg: Segment) -> None:
        if self.claim is None:
            self.error(seg, "SVC service line outside a claim (no HL*PT before it)")
            return
        procedure = self.composite(seg, 1)
        self.line_count += 1
        self.line = {
            "line_ordinal": self.line_count,
            "procedure_code": procedure[1] if len(procedure) > 1 and procedure[1] else None,
            "line_item_control_number": None,
        }
        self.line_first_status = len(self.statuses)

    def on_stc(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None:
            return  # receiver / billing-provider level statuses summarise the batch; the claims carry their own
        e = seg.padded(12)
        effective = known_d8(e[2]) or self.date(seg, 2, "status effective date")
        for position in STATUS_COMPOSITES:
            if position > 1 and not e[position]:
                continue
            parts = self.composite(seg, position) + ["", "", ""]
            category, code, entity = parts[0] or None, parts[1] or None, parts[2] or None
            if category is None:
                self.error(seg, f"STC{position:02d}-1 (claim status category code) is empty")
            status = self.new_row("claim_ack_statuses", seg.position)
            status.update(
                {
                    "claim_ack_status_id": f"{claim['claim_ack_id']}-{len(self.statuses) + 1}",
                    "claim_ack_id": claim["claim_ack_id"],
                    "status_level": "line" if self.line else "claim",
                    "composite_position": position,
                    "status_category_code": category,
                    "status_code": code,
                    "status_entity_code": entity,
                    "status_effective_date": effective,
                }
            )
            if self.line is not None:
                status.update(self.line)
            self.statuses.append(status)
            if self.line is None and claim["status_category_code"] is None and position == 1:
                claim.update(
                    {
                        "status_category_code": category,
                        "status_code": code,
                        "status_entity_code": entity,
                        "status_effective_date": effective,
                        "action_code": e[3] or None,
                        "total_charge_amount": self.decimal(seg, 4, "total claim charge", MONEY_READER),
                    }
                )

    # -- closing ---------------------------------------------------------------------------------
    def finish_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        position = claim["segment_position"]
        if claim["patient_control_number"] is None:
            self.error(
                None,
                "claim (HL*PT) has no TRN*2 patient control number: it cannot be linked to a submitted claim",
                position=position,
            )
        if claim["status_category_code"] is None:
            self.error(None, "claim (HL*PT) has no claim-level STC status", position=position)
        claim["status_count"] = len(self.statuses)
        self.rows["claim_acks"].append(claim)
        self.rows["claim_ack_statuses"].extend(self.statuses)
        self.claim, self.statuses, self.line = None, [], None

    def finish(self) -> None:
        self.finish_claim()


READER = X12Reader("277", "claim_ack_277ca", "HN", ClaimAck277Body)
