"""Raw tables that 835 remittances load into (schema ``raw_clearinghouse``); other X12 readers
register theirs in ``dagster_project/ingest/x12/readers.py``.

One row per transaction (ST/SE), claim (CLP), service line (SVC), adjustment (CAS, unpivoted: one row
per group/reason/amount) and provider-level adjustment (PLB pair). Money is DECIMAL; the parser keeps
it as Decimal end to end and refuses (quarantines) an amount the column cannot hold exactly.
"""

from __future__ import annotations

MONEY = "DECIMAL(12, 2)"  # what staging and the marts expect: cents
QUANTITY = "DECIMAL(9, 2)"  # units and other counts
# The envelope identifiers a transaction-level table keeps (BodyReader.new_row fills them).
ENVELOPE_COLUMNS: dict[str, str] = {
    "interchange_sender_id": "VARCHAR",  # ISA06
    "interchange_control_number": "VARCHAR",  # ISA13
    "group_control_number": "VARCHAR",  # GS06
    "transaction_control_number": "VARCHAR",  # ST02
    "implementation_version": "VARCHAR",  # ST03, else GS08
}

REMIT_TABLES: dict[str, dict[str, str]] = {
    "remit_transactions": {
        "remit_transaction_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>
        **ENVELOPE_COLUMNS,
        "handling_code": "VARCHAR",  # BPR01
        "payment_amount": MONEY,  # BPR02
        "credit_debit_flag": "VARCHAR",  # BPR03
        "payment_method": "VARCHAR",  # BPR04
        "payment_date": "DATE",  # BPR16
        "trace_number": "VARCHAR",  # TRN02
        "payer_identifier": "VARCHAR",  # TRN03
        "production_date": "DATE",  # DTM*405
        "payer_name": "VARCHAR",  # N1*PR
        "payer_id": "VARCHAR",  # REF*2U under N1*PR, else N1*PR04
        "payee_name": "VARCHAR",  # N1*PE
        "payee_npi": "VARCHAR",  # N1*PE*..*XX
    },
    "remit_claims": {
        "remit_claim_id": "VARCHAR",  # <remit_transaction_id>-<CLP ordinal>
        "remit_transaction_id": "VARCHAR",
        "claim_id": "VARCHAR",  # CLP01 = 837 CLM01
        "claim_status_code": "VARCHAR",  # CLP02
        "charge_amount": MONEY,  # CLP03
        "paid_amount": MONEY,  # CLP04
        "patient_responsibility_amount": MONEY,  # CLP05
        "claim_filing_indicator": "VARCHAR",  # CLP06
        "payer_claim_control_number": "VARCHAR",  # CLP07
        "place_of_service": "VARCHAR",  # CLP08
        "claim_frequency_code": "VARCHAR",  # CLP09
        "patient_member_id": "VARCHAR",  # NM1*QC NM109 (PHI)
        "rendering_npi": "VARCHAR",  # NM1*82 NM109
        "statement_from_date": "DATE",  # DTM*232
        "statement_to_date": "DATE",  # DTM*233
        "remark_codes": "VARCHAR",  # claim-level RARCs: MOA03-07 and MIA05/20-24, pipe-separated
        "segment_position": "INTEGER",  # CLP segment ordinal in the file (for error reports)
    },
    "remit_lines": {
        "remit_line_id": "VARCHAR",  # <remit_claim_id>-<SVC ordinal>
        "remit_claim_id": "VARCHAR",
        "line_number": "INTEGER",  # SVC ordinal within the claim, from 1
        "procedure_code": "VARCHAR",  # SVC01-2
        "modifiers": "VARCHAR",  # SVC01-3..6, pipe-separated
        "charge_amount": MONEY,  # SVC02
        "paid_amount": MONEY,  # SVC03
        "revenue_code": "VARCHAR",  # SVC04
        "units_paid": QUANTITY,  # SVC05 (default 1)
        "original_procedure_code": "VARCHAR",  # SVC06-2
        "original_units": QUANTITY,  # SVC07
        "service_date": "DATE",  # DTM*472 (or 150)
        "line_control_number": "VARCHAR",  # REF*6R
        "allowed_amount": MONEY,  # AMT*B6
        "remark_codes": "VARCHAR",  # LQ*HE, pipe-separated
    },
    "remit_adjustments": {
        "remit_adjustment_id": "VARCHAR",  # <remit_claim_id or remit_line_id>-<CAS ordinal>-<triplet>
        "remit_claim_id": "VARCHAR",
        "remit_line_id": "VARCHAR",  # null for claim-level CAS
        "adjustment_level": "VARCHAR",  # 'claim' | 'line'
        "group_code": "VARCHAR",  # CAS01
        "reason_code": "VARCHAR",  # CARC
        "amount": MONEY,
        "quantity": QUANTITY,
    },
    "remit_provider_adjustments": {
        "remit_provider_adjustment_id": "VARCHAR",
        "remit_transaction_id": "VARCHAR",
        "provider_identifier": "VARCHAR",  # PLB01
        "fiscal_period_date": "DATE",  # PLB02
        "reason_code": "VARCHAR",  # PLB03-1
        "reference_identifier": "VARCHAR",  # PLB03-2
        "amount": MONEY,  # positive reduces the payment
    },
}


def create_x12_tables(con) -> None:
    """Every raw_clearinghouse table of every registered X12 reader; a column added to a reader's table
    since the warehouse was made is added to the existing table (null for the rows loaded before)."""
    from dagster_project.ingest.raw_schema import LINEAGE_COLUMNS
    from dagster_project.ingest.x12.readers import all_x12_tables

    con.execute("create schema if not exists raw_clearinghouse")
    for table, columns in all_x12_tables().items():
        cols = {**columns, **LINEAGE_COLUMNS}
        ddl = ", ".join(f'"{name}" {sql}' for name, sql in cols.items())
        con.execute(f"create table if not exists raw_clearinghouse.{table} ({ddl})")
        for name, sql in columns.items():
            con.execute(f'alter table raw_clearinghouse.{table} add column if not exists "{name}" {sql}')
