"""999 implementation acknowledgments (005010X231A1) -> ``raw_clearinghouse.implementation_ack*`` rows.

The clearinghouse answers every 837P functional group we send with a 999: AK1 names our group (GS06),
each AK2 one of its transaction sets (ST02) with its outcome in IK5 (accepted, accepted with errors,
rejected), IK3/IK4 what was wrong with a segment or element, and AK9 the outcome of the whole group
(P = partially accepted: some transaction sets rejected). One row per AK2 (with its group's AK9 on it)
and one row per IK3 or IK4 error.

A status code outside the X12 code list is kept as delivered and reported as a warning: the row loads
and staging gives it the outcome ``review``, so a person looks at it instead of it counting as either.
IK404 (a copy of the bad data) is not kept: it can be a member id or a name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.reader_base import BodyReader, X12Reader
from dagster_project.ingest.x12.values import BadValue, parse_d8

IMPLEMENTATION_ACK_TABLES: dict[str, dict[str, str]] = {
    "implementation_acks": {
        "implementation_ack_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>-<AK2 ordinal>
        "interchange_control_number": "VARCHAR",  # ISA13 of the 999
        "transaction_control_number": "VARCHAR",  # ST02 of the 999
        "acknowledged_at_date": "DATE",  # GS04 of the 999
        "acknowledged_functional_id": "VARCHAR",  # AK101 (HC: 837 claims)
        "acknowledged_group_control_number": "VARCHAR",  # AK102 = GS06 of our file
        "acknowledged_group_version": "VARCHAR",  # AK103
        "acknowledged_transaction_set": "VARCHAR",  # AK201 (837)
        "acknowledged_transaction_control_number": "VARCHAR",  # AK202 = ST02 of our file
        "acknowledged_implementation": "VARCHAR",  # AK203 (005010X222A1)
        "transaction_status_code": "VARCHAR",  # IK501: A, E, M, R, W, X
        "transaction_syntax_error_codes": "VARCHAR",  # IK502..IK506, pipe-separated
        "group_status_code": "VARCHAR",  # AK901: A, E, M, P, R, W, X
        "group_transactions_included": "INTEGER",  # AK902
        "group_transactions_received": "INTEGER",  # AK903
        "group_transactions_accepted": "INTEGER",  # AK904
        "group_syntax_error_codes": "VARCHAR",  # AK905..AK909, pipe-separated
        "error_count": "INTEGER",  # IK3 + IK4 segments under the AK2
        "segment_position": "INTEGER",  # AK2 segment ordinal in the file
    },
    "implementation_ack_errors": {
        "implementation_ack_error_id": "VARCHAR",  # <implementation_ack_id>-<error ordinal>
        "implementation_ack_id": "VARCHAR",
        "error_level": "VARCHAR",  # 'segment' (IK3) | 'element' (IK4, under the IK3 before it)
        "segment_id": "VARCHAR",  # IK301: the segment in error in our transaction
        "segment_position_in_transaction": "INTEGER",  # IK302 (ST = 1)
        "loop_id": "VARCHAR",  # IK303 (2010BA, ...)
        "element_position": "INTEGER",  # IK401-1 (element level only)
        "component_position": "INTEGER",  # IK401-2
        "data_element_reference": "VARCHAR",  # IK402
        "error_code": "VARCHAR",  # IK304 (segment level) or IK403 (element level)
    },
}

# X12 code lists (data elements 717 and 715): anything else is kept and reported for review.
TRANSACTION_STATUS_CODES = frozenset({"A", "E", "M", "R", "W", "X"})
GROUP_STATUS_CODES = frozenset({"A", "E", "M", "P", "R", "W", "X"})


class ImplementationAck999Body(BodyReader):
    """One 999 transaction: AK1 group, AK2/IK3/IK4/IK5 per acknowledged transaction set, AK9."""

    tables = IMPLEMENTATION_ACK_TABLES
    count_table = "implementation_acks"
    known_segments = frozenset({"AK1", "AK2", "IK3", "CTX", "IK4", "IK5", "AK9"})
    kind = "a 999"

    def start(self) -> None:
        self.acknowledged_at = self._group_date()
        self.group: dict[str, Any] | None = None  # AK1 values
        self.group_rows: list[dict[str, Any]] = []  # AK2 rows waiting for their AK9
        self.ack: dict[str, Any] | None = None  # the open AK2 row
        self.errors_of_ack: list[dict[str, Any]] = []
        self.segment_error: dict[str, Any] | None = None  # the IK3 an IK4 belongs to
        self.ack_ordinal = 0
        self.ack_has_ik5 = False

    def _group_date(self) -> date | None:
        group = self.transaction.group
        if group is None or not group.created:
            return None
        try:
            return parse_d8(group.created)
        except BadValue as problem:
            self.warning(None, f"GS04 (group date) {problem}", position=group.position)
            return None

    def on_ak1(self, seg: Segment) -> None:
        self.close_ack()
        if self.group is not None:
            self.error(seg, "AK1 before the AK9 of the group acknowledged before it")
        self.group = {
            "acknowledged_functional_id": seg.element(1) or None,
            "acknowledged_group_control_number": seg.element(2) or None,
            "acknowledged_group_version": seg.element(3) or None,
        }
        if not seg.element(2):
            self.error(seg, "AK102 (acknowledged group control number) is empty: nothing to link the 999 to")

    def on_ak2(self, seg: Segment) -> None:
        self.close_ack()
        if self.group is None:
            self.error(seg, "AK2 outside an acknowledged group (no AK1 before it)")
            return
        self.ack_ordinal += 1
        row = self.new_row("implementation_acks", seg.position)
        row.update(self.group)
        row["implementation_ack_id"] = f"{self.key}-{self.ack_ordinal}"
        row["acknowledged_at_date"] = self.acknowledged_at
        row["acknowledged_transaction_set"] = seg.element(1) or None
        row["acknowledged_transaction_control_number"] = seg.element(2) or None
        row["acknowledged_implementation"] = seg.element(3) or None
        row["segment_position"] = seg.position
        if not seg.element(2):
            self.error(seg, "AK202 (acknowledged transaction set control number) is empty")
        self.ack, self.errors_of_ack, self.segment_error, self.ack_has_ik5 = row, [], None, False

    def on_ik3(self, seg: Segment) -> None:
        if self.ack is None:
            self.error(seg, "IK3 outside an acknowledged transaction set (no AK2 before it)")
            return
        row = self._error_row(seg, "segment")
        row["segment_id"] = seg.element(1) or None
        row["segment_position_in_transaction"] = self._integer(seg, 2, "segment position in the transaction set")
        row["loop_id"] = seg.element(3) or None
        row["error_code"] = seg.element(4) or None
        self.segment_error = row

    def on_ik4(self, seg: Segment) -> None:
        if self.ack is None:
            self.error(seg, "IK4 outside an acknowledged transaction set (no AK2 before it)")
            return
        row = self._error_row(seg, "element")
        if self.segment_error is not None:  # the segment the element belongs to
            for column in ("segment_id", "segment_position_in_transaction", "loop_id"):
                row[column] = self.segment_error[column]
        position = self.composite(seg, 1)
        row["element_position"] = self._integer(seg, 1, "element position", position[0])
        if len(position) > 1 and position[1]:
            row["component_position"] = self._integer(seg, 1, "component position", position[1])
        row["data_element_reference"] = seg.element(2) or None
        row["error_code"] = seg.element(3) or None

    def on_ik5(self, seg: Segment) -> None:
        if self.ack is None:
            self.error(seg, "IK5 outside an acknowledged transaction set (no AK2 before it)")
            return
        self.ack_has_ik5 = True
        code = seg.element(1)
        if not code:
            self.error(seg, "IK501 (transaction set acknowledgment code) is empty")
        elif code not in TRANSACTION_STATUS_CODES:
            self.warning(
                seg, f"IK501 {code[:3]!r} is not an X12 acknowledgment code (A, E, M, R, W, X): loaded for review"
            )
        self.ack["transaction_status_code"] = code or None
        self.ack["transaction_syntax_error_codes"] = self._codes(seg, 2, 6)
        self.close_ack()

    def on_ak9(self, seg: Segment) -> None:
        self.close_ack()
        if self.group is None:
            self.error(seg, "AK9 without an AK1 before it")
            return
        code = seg.element(1)
        if not code:
            self.error(seg, "AK901 (functional group acknowledge code) is empty")
        elif code not in GROUP_STATUS_CODES:
            self.warning(
                seg, f"AK901 {code[:3]!r} is not an X12 acknowledge code (A, E, M, P, R, W, X): loaded for review"
            )
        counts = {
            column: self._integer(seg, index, what)
            for index, column, what in (
                (2, "group_transactions_included", "number of transaction sets included"),
                (3, "group_transactions_received", "number of received transaction sets"),
                (4, "group_transactions_accepted", "number of accepted transaction sets"),
            )
        }
        for row in self.group_rows:
            row["group_status_code"] = code or None
            row["group_syntax_error_codes"] = self._codes(seg, 5, 9)
            row.update(counts)
            self.rows["implementation_acks"].append(row)
        self.group, self.group_rows = None, []

    # -- closing ---------------------------------------------------------------------------------
    def close_ack(self) -> None:
        """An AK2 ends at its IK5, or at the next AK2 / AK9 when the IK5 is missing (an error)."""
        if self.ack is None:
            return
        if not self.ack_has_ik5:
            self.error(
                None,
                "AK2 has no IK5 (transaction set response trailer): its outcome is unknown",
                position=self.ack["segment_position"],
            )
        self.ack["error_count"] = len(self.errors_of_ack)
        self.rows["implementation_ack_errors"].extend(self.errors_of_ack)
        self.group_rows.append(self.ack)
        self.ack, self.errors_of_ack, self.segment_error = None, [], None

    def finish(self) -> None:
        self.close_ack()
        if self.group is not None:
            self.error(
                None,
                "acknowledged group has no AK9 (functional group response trailer)",
                position=self.transaction.end_position,
            )
            self.rows["implementation_acks"].extend(self.group_rows)

    # -- values ----------------------------------------------------------------------------------
    def _error_row(self, seg: Segment, level: str) -> dict[str, Any]:
        assert self.ack is not None
        row = self.new_row("implementation_ack_errors", seg.position)
        row["implementation_ack_error_id"] = f"{self.ack['implementation_ack_id']}-{len(self.errors_of_ack) + 1}"
        row["implementation_ack_id"] = self.ack["implementation_ack_id"]
        row["error_level"] = level
        self.errors_of_ack.append(row)
        return row

    def _integer(self, seg: Segment, index: int, what: str, value: str | None = None) -> int | None:
        value = seg.element(index) if value is None else value
        if not value:
            return None
        if value.isdigit():
            return int(value)
        self.error(seg, f"{seg.id}{index:02d} ({what}) is {value[:6]!r}, not a whole number")
        return None

    @staticmethod
    def _codes(seg: Segment, first: int, last: int) -> str | None:
        codes = [seg.element(i) for i in range(first, last + 1) if seg.element(i)]
        return "|".join(codes) or None


READER = X12Reader("999", "implementation_ack_999", "FA", ImplementationAck999Body)
