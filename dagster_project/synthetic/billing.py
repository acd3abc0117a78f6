"""What was billed for each kept appointment (visit + charge lines) and how the payer paid it (835 claims)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from .claims import PER_CODE_PAYERS, per_code_units
from .model import Appt, Kid
from .reference import (
    ASSISTANT_MODIFIER_BY_PAYER_TYPE,
    CHARGEMASTER,
    COMMERCIAL_BASE_RATE,
    CONTRACT_MODIFIER_SHARES,
    CONTRACT_RATE_OVERRIDES,
    EVAL_MINUTES,
    GROUP_CODE,
    PAYERS,
    REEVAL_CODE,
    TIMED_CODES,
    PayerRef,
    modifier_rate,
)
from .units import assign_timed_units
from .x12_835 import RemitClaim, RemitLine

CENT = Decimal("0.01")


def fee_schedule(payer: PayerRef) -> dict[str, Decimal]:
    return {
        cpt: CONTRACT_RATE_OVERRIDES.get((payer.payer_id, cpt))
        or (base * payer.fee_factor).quantize(CENT, ROUND_HALF_UP)
        for cpt, base in COMMERCIAL_BASE_RATE.items()
    }


def modifier_fee_schedules(payer: PayerRef) -> dict[str, dict[str, Decimal]]:
    """modifier -> cpt -> the contract's rate for a line carrying that modifier (fee_schedules.csv rows)."""
    plain = FEES[payer.payer_id]
    return {
        modifier: {cpt: modifier_rate(payer.payer_id, modifier, rate) for cpt, rate in plain.items()}
        for modifier in CONTRACT_MODIFIER_SHARES.get(payer.payer_id, {})
    }


FEES = {p.payer_id: fee_schedule(p) for p in PAYERS}


def _timed_split(total: int, rng: random.Random) -> list[tuple[str, int]]:
    primary = "97533" if rng.random() < 0.2 else "97530"
    others = [c for c in TIMED_CODES if c != primary]
    count = rng.choices((1, 2, 3), weights=(3, 5, 2))[0] if total >= 30 else 1
    codes = [primary] + rng.sample(others, count - 1)
    if count == 1:
        return [(primary, total)]
    minutes = [0] * count
    rest = total
    for i in range(count - 1, 0, -1):  # secondary codes get 8-20 minutes each, the primary the rest
        minutes[i] = rng.randint(8, min(20, max(8, rest // (i + 1))))
        rest -= minutes[i]
    minutes[0] = rest
    return list(zip(codes, minutes, strict=False))


def session_lines(appt: Appt, kid: Kid, rng: random.Random) -> list[tuple[str, list[str], int, int]]:
    """Charge lines (cpt, modifiers, minutes, units) of a kept appointment, units by the 8-minute rule."""
    modifiers = ["GO"] if kid.payer.needs_go_modifier else []
    assistant_modifier = ASSISTANT_MODIFIER_BY_PAYER_TYPE.get(kid.payer.payer_type)
    if appt.provider.credential_type == "COTA" and assistant_modifier:
        modifiers = modifiers + [assistant_modifier]  # furnished by an occupational therapy assistant
    if appt.kind == "evaluation":
        return [(kid.eval_code, modifiers, EVAL_MINUTES[kid.eval_code], 1)]
    lines: list[tuple[str, list[str], int, int]] = []
    timed_total = appt.duration - rng.randint(0, 7)
    if appt.kind == "re_evaluation":
        lines.append((REEVAL_CODE, modifiers, EVAL_MINUTES[REEVAL_CODE], 1))
        timed_total -= EVAL_MINUTES[REEVAL_CODE]
    elif rng.random() < 0.03:
        return [(GROUP_CODE, modifiers, appt.duration, 1)]  # group session, untimed
    split = _timed_split(timed_total, rng)
    # The payer's unit method (payer_rules.csv unit_method): CMS total minutes, or each code on its own.
    count = per_code_units if kid.payer.payer_id in PER_CODE_PAYERS else assign_timed_units
    units = count(split)
    if 0 in units:  # fold a code that earns no unit into the primary code, as documentation would
        split = [(split[0][0], sum(m for _, m in split))]
        units = count(split)
    lines += [(cpt, modifiers, minutes, u) for (cpt, minutes), u in zip(split, units, strict=False)]
    return lines


def charge(cpt: str, units: int) -> Decimal:
    return CHARGEMASTER[cpt] * units


def adjudicate(kid: Kid, appt: Appt, rng: random.Random, payer_claim_number: str, rendering) -> RemitClaim:
    """The payer's answer: the lesser of the charge and contracted rate x units, CO-45 for the rest, some patient
    share and denials."""
    payer = kid.payer
    fees = FEES[payer.payer_id]
    denied_claim = rng.random() < 0.02
    denied_line = (
        None if denied_claim or len(appt.lines) < 2 or rng.random() >= 0.03 else rng.randrange(len(appt.lines))
    )
    coinsurance = payer.payer_id == "COMM1" and rng.random() < 0.6
    copay_left = Decimal("25.00") if payer.payer_id == "COMM2" and rng.random() < 0.7 else Decimal("0.00")
    lines = []
    for index, (cpt, modifiers, _, units) in enumerate(appt.lines):
        billed = charge(cpt, units)
        line_control = f"{appt.visit_id}-{index + 1}"
        if denied_claim or index == denied_line:
            reason = ("50" if payer.payer_id == "COMM1" else "197") if denied_claim else "198"
            remarks = [] if payer.payer_id == "COMM1" else ["M62"]
            lines.append(
                RemitLine(
                    cpt,
                    modifiers,
                    billed,
                    Decimal("0.00"),
                    units,
                    appt.day,
                    line_control,
                    Decimal("0.00"),
                    [("CO", reason, billed)],
                    remarks,
                )
            )
            continue
        allowed = min(billed, fees[cpt] * units)
        adjustments = [("CO", "45", billed - allowed)] if billed > allowed else []
        patient = Decimal("0.00")
        if coinsurance:
            patient = (allowed * Decimal("0.20")).quantize(CENT, ROUND_HALF_UP)
            adjustments.append(("PR", "2", patient))
        elif copay_left > 0:
            patient = min(copay_left, allowed)
            copay_left -= patient
            adjustments.append(("PR", "3", patient))
        lines.append(
            RemitLine(cpt, modifiers, billed, allowed - patient, units, appt.day, line_control, allowed, adjustments)
        )
    return RemitClaim(
        claim_id=appt.claim_id,
        status_code="4" if denied_claim else "1",
        filing_indicator=payer.claim_filing_indicator,
        payer_claim_number=payer_claim_number,
        place_of_service="11",
        member_id=kid.member_id,
        patient_last=kid.last_name.upper(),
        patient_first=kid.first_name.upper(),
        rendering_npi=rendering.npi,
        rendering_last=rendering.last_name.upper(),
        rendering_first=rendering.first_name.upper(),
        date_of_service=appt.day,
        lines=lines,
    )
