"""The clearinghouse's answers to the generated 837P files: one 999 per file and one 277CA per accepted file.

Written after the 837P and 835 files, from what those files say (read back with the ingest readers, so the
acknowledgements name exactly the GS06/ST02 and CLM01 values that were sent). Most claims are accepted
(999 IK5*A, 277CA STC A2:20). Planted, with their ground truth under ``acknowledgements``:

- ``rejected_999_file``: one 837P file whose claims have no 835 answer yet is rejected whole by its 999
  (IK3/IK4 naming an invalid member id element); it gets no 277CA, so every claim in it is rejected
  (its claims may also carry another area's plant: no other rule reads acknowledgements).
- ``rejected_277ca``: a few unanswered claims in other files, each rejected by the 277CA with its own
  category and status code.
- ``rejected_then_accepted``: a paid claim the first 277CA rejected, sent again in a new 837P
  (``claims_resubmitted_*.edi``: ingest routes files by content, and the first-submission checks of the
  claims area read ``*.837`` only) that the next 999 and 277CA accept: it must not be flagged.

The single-claim plants leave alone the claims any other plant uses (audit problems, denials,
underpayments, reversals, secondary claims, claim holds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12 import parse_x12
from emitters.claim_837 import rebuild

from .claims import CLEARINGHOUSE_ID, CLEARINGHOUSE_NAME
from .reference import GROUP_X12_ID

ACK_SUFFIXES = (".999", ".277")
RESUBMITTED_PREFIX = "claims_resubmitted_"
FIRST_ACK_CONTROL = 7001
FIRST_RESUBMISSION_CONTROL = 9001
# (category, status, entity) of the planted 277CA rejections, in turn.
REJECTIONS_277CA = (("A7", "562", "85"), ("A6", "164", "IL"), ("A3", "21", "85"))
NEAR_MISS_REJECTION = ("A7", "145", "82")
ACCEPTED = ("A2", "20", "PR")
REJECTED_277CA_PER_RUN = 3
NEAR_MISSES_PER_RUN = 1


@dataclass
class _SentClaim:
    claim_id: str
    charge: Decimal
    first_day: date
    last_day: date
    claim_x12: str


@dataclass
class _SentFile:
    name: str
    group_control: str  # GS06
    transaction_control: str  # ST02
    created: date  # BHT04
    billing_npi: str
    billing_x12: str
    claims: list[_SentClaim] = field(default_factory=list)


def write_acknowledgements(out_dir: Path, truth: dict, seed: int, anchor: date) -> int:
    """Write the 999 and 277CA files for every 837P in ``out_dir``, record the plants; return the file count."""
    for old in [*out_dir.glob("*.999"), *out_dir.glob("*.277"), *out_dir.glob(f"{RESUBMITTED_PREFIX}*")]:
        old.unlink()
    sent = _read_sent(out_dir)
    remitted = _remitted_claims(out_dir)
    taken = _claims_other_plants_use(truth)
    rng = random.Random(f"{seed}:acknowledgements")

    rejected_file = _pick_rejected_file(sent, remitted)
    unanswered = [
        c.claim_id
        for f in sent
        if f is not rejected_file
        for c in f.claims
        if c.claim_id not in remitted and c.claim_id not in taken
    ]
    picked = sorted(rng.sample(unanswered, min(REJECTED_277CA_PER_RUN, len(unanswered))))
    rejected = dict(zip(picked, REJECTIONS_277CA[: len(picked)], strict=True))
    settled = [
        c.claim_id
        for f in sent
        if f is not rejected_file and f.created <= anchor - timedelta(days=10)
        for c in f.claims
        if c.claim_id in remitted and c.claim_id not in taken
    ]
    near_misses = set(rng.sample(sorted(settled), min(NEAR_MISSES_PER_RUN, len(settled))))

    control = FIRST_ACK_CONTROL
    files = 0
    for sent_file in sent:
        acked = min(sent_file.created, anchor)
        stem = Path(sent_file.name).stem
        is_rejected = sent_file is rejected_file
        _write(out_dir / f"ack_{stem}.999", _ack_999(sent_file, acked, control, rejected=is_rejected))
        control, files = control + 1, files + 1
        if is_rejected:
            continue
        statuses = {
            c.claim_id: rejected.get(c.claim_id) or (NEAR_MISS_REJECTION if c.claim_id in near_misses else ACCEPTED)
            for c in sent_file.claims
        }
        _write(
            out_dir / f"ack_{stem}.277",
            _ack_277(sent_file, sent_file.claims, statuses, min(acked + timedelta(days=1), anchor), control),
        )
        control, files = control + 1, files + 1

    resubmission = FIRST_RESUBMISSION_CONTROL
    for sent_file in sent:
        for claim in sent_file.claims:
            if claim.claim_id not in near_misses:
                continue
            sent_again = sent_file.created + timedelta(days=3)
            text = rebuild(
                claim.claim_x12,
                sent_file.billing_x12,
                resubmission,
                sent_again,
                f"R{resubmission:07d}",
                lambda seg: [seg],
            )
            name = f"{RESUBMITTED_PREFIX}{claim.claim_id.lower()}.edi"
            _write(out_dir / name, text)
            again = _SentFile(
                name, str(resubmission), "0001", sent_again, sent_file.billing_npi, sent_file.billing_x12, [claim]
            )
            _write(out_dir / f"ack_{Path(name).stem}.999", _ack_999(again, sent_again, control, rejected=False))
            _write(
                out_dir / f"ack_{Path(name).stem}.277",
                _ack_277(again, [claim], {claim.claim_id: ACCEPTED}, sent_again + timedelta(days=1), control + 1),
            )
            control, resubmission, files = control + 2, resubmission + 1, files + 2

    rejected_whole = rejected_file.claims if rejected_file else []
    truth["acknowledgements"] = {
        "rejected_999_file": rejected_file.name if rejected_file else None,
        "rejected_claims": sorted(
            [{"claim_id": c.claim_id, "source": "999", "code": "R"} for c in rejected_whole]
            + [{"claim_id": claim, "source": "277CA", "code": ":".join(codes)} for claim, codes in rejected.items()],
            key=lambda r: r["claim_id"],
        ),
        "rejected_then_accepted": sorted(near_misses),
    }
    return files


# -- what was sent --------------------------------------------------------------------------------------


def _read_sent(out_dir: Path) -> list[_SentFile]:
    sent = []
    for path in sorted(out_dir.glob("claims_*.837")):
        result = parse_x12(path.read_bytes(), path.name)
        tables = result.tables
        lines: dict[str, list[date]] = {}
        for line in tables["claim_lines"]:
            lines.setdefault(line["claim_record_id"], []).append(line["service_date"])
        for txn in tables["claim_transactions"]:
            sent_file = _SentFile(
                path.name,
                txn["group_control_number"],
                txn["transaction_control_number"],
                txn["created_date"],
                txn["billing_provider_npi"],
                txn["billing_x12"],
            )
            for header in tables["claim_headers"]:
                if header["claim_transaction_id"] == txn["claim_transaction_id"]:
                    days = lines[header["claim_record_id"]]
                    sent_file.claims.append(
                        _SentClaim(
                            header["claim_id"], header["total_charge_amount"], min(days), max(days), header["claim_x12"]
                        )
                    )
            sent.append(sent_file)
    return sent


def _remitted_claims(out_dir: Path) -> set[str]:
    claims = set()
    for path in sorted(out_dir.glob("*.835")):
        claims.update(c["claim_id"] for c in parse_x12(path.read_bytes(), path.name).tables.get("remit_claims", []))
    return claims


def _claims_other_plants_use(truth: dict) -> set[str]:
    taken = set()
    for rows in truth.get("claims", {}).values():
        if isinstance(rows, list):
            taken.update(r["claim_id"] for r in rows if isinstance(r, dict) and "claim_id" in r)
    for hold in truth.get("credentialing", {}).get("claim_holds", []):
        taken.update(hold["claim_ids"])
    return taken


def _pick_rejected_file(sent: list[_SentFile], remitted: set[str]) -> _SentFile | None:
    """The smallest file none of whose claims has an 835 answer (latest first on a tie). Its claims may carry
    another area's plant: that area's flag does not depend on acknowledgements."""
    eligible = [f for f in sent if f.claims and not any(c.claim_id in remitted for c in f.claims)]
    if not eligible:
        return None
    return min(eligible, key=lambda f: (len(f.claims), -f.created.toordinal(), f.name))


# -- writing --------------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="ascii")


def _envelope(functional_id: str, implementation: str, created: date, control: int, body: list[str]) -> str:
    isa = "*".join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            CLEARINGHOUSE_ID.ljust(15),
            "ZZ",
            GROUP_X12_ID.ljust(15),
            created.strftime("%y%m%d"),
            "0800",
            "^",
            "00501",
            f"{control:09d}",
            "0",
            "P",
            ":",
        ]
    )
    gs = "*".join(
        [
            "GS",
            functional_id,
            CLEARINGHOUSE_ID,
            GROUP_X12_ID,
            created.strftime("%Y%m%d"),
            "0800",
            str(control),
            "X",
            implementation,
        ]
    )
    st = [f"ST*{body[0]}*0001*{implementation}", *body[1:]]
    st.append(f"SE*{len(st) + 1}*0001")
    segments = [isa, gs, *st, f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "".join(segment + "~\n" for segment in segments)


def _patient_name(claim_x12: str) -> str:
    """2100D NM1*QC from the claim's subscriber (the child holds the coverage: subscriber = patient)."""
    subscriber = next(s.split("*") for s in claim_x12.split("~") if s.strip().startswith("NM1*IL*"))
    subscriber = [part.strip() for part in subscriber] + [""] * 10
    return f"NM1*QC*1*{subscriber[3]}*{subscriber[4]}****MI*{subscriber[9]}"


def _ack_999(sent: _SentFile, acked: date, control: int, *, rejected: bool) -> str:
    body = ["999", f"AK1*HC*{sent.group_control}*005010X222A1", f"AK2*837*{sent.transaction_control}*005010X222A1"]
    if rejected:  # the subscriber's member id (NM109, loop 2010) of the first claim is not a valid value
        body += ["IK3*NM1*17*2010*8", "IK4*9*67*7", "IK5*R*5", "AK9*R*1*1*0"]
    else:
        body += ["IK5*A", "AK9*A*1*1*1"]
    return _envelope("FA", "005010X231A1", acked, control, body)


def _ack_277(
    sent: _SentFile, claims: list[_SentClaim], statuses: dict[str, tuple[str, str, str]], acked: date, control: int
) -> str:
    day = acked.strftime("%Y%m%d")
    received = min(sent.created, acked).strftime("%Y%m%d")
    total = sum((c.charge for c in claims), Decimal("0"))
    body = [
        "277",
        f"BHT*0085*08*CA{control:07d}*{day}*0800*TH",
        "HL*1**20*1",
        f"NM1*AY*2*{CLEARINGHOUSE_NAME}*****46*{CLEARINGHOUSE_ID}",
        f"TRN*1*ACK{control}",
        f"DTP*050*D8*{received}",
        f"DTP*009*D8*{day}",
        "HL*2*1*21*1",
        f"NM1*41*2*SUBMITTER*****46*{GROUP_X12_ID}",
        f"TRN*2*B{control:07d}",
        f"STC*A1:19:PR*{day}*WQ*{total:.2f}",
        "HL*3*2*19*1",
        f"NM1*85*2*BILLING PROVIDER*****XX*{sent.billing_npi}",
        "TRN*1*0",
        f"STC*A1:19:PR**WQ*{total:.2f}",
    ]  # STC02 is not used at the billing provider level
    for number, claim in enumerate(claims, start=4):
        category, status, entity = statuses[claim.claim_id]
        action = "WQ" if (category, status, entity) == ACCEPTED else "U"
        span = (
            f"RD8*{claim.first_day:%Y%m%d}-{claim.last_day:%Y%m%d}"
            if claim.first_day != claim.last_day
            else f"D8*{claim.first_day:%Y%m%d}"
        )
        body += [
            f"HL*{number}*3*PT",
            _patient_name(claim.claim_x12),
            f"TRN*2*{claim.claim_id}",
            f"STC*{category}:{status}:{entity}*{day}*{action}*{claim.charge:.2f}",
        ]
        if action == "WQ":
            body.append(f"REF*1K*PCN{control}{number:04d}")
        body += [f"REF*D9*CH{control}{number:04d}", f"DTP*472*{span}"]
    return _envelope("HN", "005010X214", acked, control, body)
