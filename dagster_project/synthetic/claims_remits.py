"""The realistic 835 mix of the claims area: planted denials with their RARCs, underpayments below the
contracted rate, lines paid below the plain rate as the contract says (an assistant-rate line, a
multiple-procedure reduction, a charge below the fee schedule), a reversal and correction with
provider-level adjustments, a re-sent ERA, and once per location a commercial plan's not-covered denial
(CO-96) on a child whose secondary coverage is Medicaid (``payer_of_last_resort``: bill Medicaid with the
primary's adjudication, never the family). The NCCI pairs' CO-236 denials are claims_ncci.py's: no other plant
falls on those claims. Also once per location, a planted patient share (deductible PR-1,
coinsurance PR-2, copay PR-3) on the first line of a paid claim: on a child with no other coverage and a
primary that is not Medicaid (``patient_statements``: a statement to the family), and on a child whose
secondary is Medicaid (``patient_shares_medicaid_secondary``: never a statement, the secondary claim); and a
copay (PR-3) the 835 leaves on a child whose primary is Medicaid (``patient_shares_medicaid_primary``: Medicaid's
payment is payment in full, so a write-off review for the billing lead, never the family).

The foundation's ``billing.adjudicate`` answers every remitted claim (contracted rate, CO-45, patient
share, a few natural denials). ``RemitMix.answer`` then changes some of those answers, claim by claim
as they are made, with its own random stream (``<seed>:remits:<location>``), so the rest of the data
set is the same with or without it. Every denied line that ends up in an 835 (the natural ones too) and
every underpaid line is written to the ground truth under ``claims``, and so is every line paid below the
plain rate as its contract says (``contract_pricing``: the facts planted, which must not read as underpaid).
A claim answered CO-16 with MA130 (unprocessable: never filed) is recorded with the filing deadline its new
claim has (``unprocessable_claims``: the date of service + the payer's seeded filing limit).
On a child with secondary coverage, an answer keeps a patient share (the secondary's to bill) only when it was
paid with SECONDARY_SHARE_MARGIN_DAYS to spare inside the secondary's filing window; older answers are paid in
full. ``secondary_claims_due`` is the list of answers left with a share, as they were set up.

Extra files (written by ``finish``): one ERA per location carrying a reversal (CLP02 = 22) of an earlier
payment, its corrected claim and PLB adjustments; and one ERA delivered a second time with other bytes
(CR/LF line ends), which the warehouse must recognise on ISA06/ISA13/GS06/ST02/TRN02.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from . import seed_values
from .claims_ncci import NcciPlants
from .reference import CONTRACT_MODIFIER_SHARES, GROUP_X12_ID, modifier_rate
from .x12_835 import (
    RemitClaim,
    RemitPayee,
    RemitPayer,
    _money,
    _seg,
    interchange_header,
    interchange_trailer,
    render,
    transaction_segments,
)

CENT = Decimal("0.01")
# Planted denial kinds: (CARC, group, RARCs, scope). scope "claim" denies every line, "line" the last line;
# "claim_remark" denies every line and puts the RARCs in the claim's MOA instead of each line's LQ.
DENIAL_KINDS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "auth_absent_197": ("197", "CO", ("M62",), "claim"),
    "auth_exceeded_198": ("198", "CO", ("N362",), "line"),
    "medical_necessity_50": ("50", "CO", ("N115",), "claim"),
    "bundled_97": ("97", "CO", ("M15",), "line"),
    "missing_info_16": ("16", "CO", ("MA130", "M51"), "claim"),
    "timely_filing_29": ("29", "CO", (), "claim"),
    "other_payer_22": ("22", "CO", ("N4",), "claim"),
    "wrong_payer_109": ("109", "CO", (), "claim"),
    "rendering_not_eligible_185": ("185", "CO", ("N290",), "claim"),
    "not_certified_on_date_b7": ("B7", "CO", (), "claim"),
    # Answered at claim level only: CLP02 = 4, one claim CAS, no service lines.
    "not_eligible_dependent_32_claim_level": ("32", "CO", (), "claim_level"),
    # A CARC the seeds do not classify: worked as a review, never counted as a denial.
    "unclassified_272": ("272", "CO", (), "line"),
    "referral_absent_288": ("288", "CO", (), "claim"),
    "units_over_maximum_151": ("151", "CO", ("N362",), "line"),
}
# Planted once per location on a child whose secondary coverage is Medicaid (the payer of last resort): the
# commercial primary denies the claim as not covered (CO-96, N130 "consult plan benefit documents").
LAST_RESORT_DENIAL = ("96", "CO", ("N130",), "claim")
# Planted once per location besides the sequence above: CO-16 with MA130 only in the claim's MOA.
CLAIM_REMARK_DENIAL = ("16", "CO", ("MA130",), "claim_remark")
CLAIM_REMARK_SLOT = 20  # on the first eligible claim of a location whose ordinal is this past a multiple of 37
DENIAL_SPACING = 37  # every 37th eligible answered claim of a location gets the next planted kind
UNDERPAY_SHARE = Decimal("0.85")  # paid allowed at 85% of the contracted rate
# The planted patient share on a line: a fixed deductible and copay, coinsurance at this share of the allowed.
PLANTED_DEDUCTIBLE = Decimal("20.00")
PLANTED_COPAY = Decimal("15.00")
PLANTED_COINSURANCE_SHARE = Decimal("0.10")
RECENT_DAYS = 55  # plants go to claims answered within this many days of the anchor date (still workable)
# A child with secondary coverage keeps a patient share (the secondary's to bill) only on answers paid at least
# this many days inside the secondary's filing window; older answers are paid in full, so none sits at its edge.
SECONDARY_SHARE_MARGIN_DAYS = 5


@dataclass
class _Location:
    rng: random.Random
    eligible: int = 0
    next_kind: int = 0
    underpaid: int = 0
    claim_remark_planted: bool = False
    last_resort_planted: bool = False
    statement_planted: bool = False
    medicaid_share_planted: bool = False
    medicaid_primary_share_planted: bool = False
    contract_plants: set[str] = field(default_factory=set)  # contract-pricing kinds planted here
    reversal: tuple | None = None  # (claim, payer, payee, payment_date) of the claim to reverse later


@dataclass
class RemitMix:
    seed: int
    anchor: date
    locations: dict[str, _Location] = field(default_factory=dict)
    denials: list[dict] = field(default_factory=list)
    underpayments: list[dict] = field(default_factory=list)
    contract_pricing: list[dict] = field(default_factory=list)
    reversals: list[dict] = field(default_factory=list)
    # claim_id -> a primary answer that leaves a share for the patient's secondary coverage to bill
    secondary_shares: dict[str, dict] = field(default_factory=dict)
    last_resort: list[dict] = field(default_factory=list)  # not-covered denials on a child with Medicaid secondary
    ncci: NcciPlants | None = None  # the NCCI pairs' CO-236 denials (claims_ncci.py), outside the sequence below
    statements: list[dict] = field(default_factory=list)  # planted patient shares a statement goes to the family for
    medicaid_shares: list[dict] = field(default_factory=list)  # planted patient shares on a Medicaid-secondary child
    # claims answered as unprocessable (CO-16 with MA130: not filed, a new claim is due) and their filing deadlines
    unprocessable: list[dict] = field(default_factory=list)
    medicaid_primary_shares: list[dict] = field(default_factory=list)  # planted copays on a Medicaid-primary child

    def _location(self, location_id: str) -> _Location:
        if location_id not in self.locations:
            self.locations[location_id] = _Location(random.Random(f"{self.seed}:remits:{location_id}"))
        return self.locations[location_id]

    def answer(
        self,
        location_id: str,
        claim: RemitClaim,
        payer: RemitPayer,
        payee: RemitPayee,
        payer_id: str,
        payment_date: date,
        contracted: dict[str, Decimal],
        secondary_payer_id: str | None = None,
    ) -> None:
        """Change the payer's answer to ``claim`` in place when a plant falls on it; record the truth."""
        loc = self._location(location_id)
        if secondary_payer_id is not None and not self._share_left_for_secondary(payment_date, secondary_payer_id):
            _paid_in_full(claim)
        natural_denial = any(
            grp == "CO" and reason in ("50", "197", "198")
            for line in claim.lines
            for grp, reason, _ in line.adjustments
        )
        recent = (self.anchor - payment_date).days <= RECENT_DAYS
        if self.ncci is not None and self.ncci.deny(claim, natural_denial):
            pass  # an NCCI pair's claim: no other plant falls on it
        elif (
            recent
            and not natural_denial
            and not loc.last_resort_planted
            and secondary_payer_id is not None
            and seed_values.payer_type(secondary_payer_id).startswith("medicaid")
        ):
            # outside the planted sequence below: not counted as eligible, the other plants fall on the other claims
            loc.last_resort_planted = self._deny(claim, LAST_RESORT_DENIAL)
            self.last_resort.append(
                {
                    "claim_id": claim.claim_id,
                    "location_id": location_id,
                    "primary_payer_id": payer_id,
                    "secondary_payer_id": secondary_payer_id,
                    "carc": LAST_RESORT_DENIAL[0],
                    "denied_amount": str(claim.charge),
                    "primary_payment_date": payment_date.isoformat(),
                }
            )
        elif recent and not natural_denial:
            loc.eligible += 1
            if loc.eligible % DENIAL_SPACING == 0 and loc.next_kind < len(DENIAL_KINDS):
                kind = list(DENIAL_KINDS)[loc.next_kind]
                if self._deny(claim, DENIAL_KINDS[kind]):
                    loc.next_kind += 1
            elif loc.eligible % DENIAL_SPACING == CLAIM_REMARK_SLOT and not loc.claim_remark_planted:
                loc.claim_remark_planted = self._deny(claim, CLAIM_REMARK_DENIAL)
            elif (
                loc.eligible % DENIAL_SPACING == 4
                and loc.underpaid < 2
                and payer_id != "COMM1"
                and seed_values.fee_schedule_disputable(payer_id)  # a published FFS fee schedule is not disputed
                and _plain_priced(claim, payer_id)
            ):
                loc.underpaid += 1
                self._underpay(claim, contracted)
            elif (
                loc.reversal is None
                and loc.eligible % DENIAL_SPACING == 6
                and claim.paid > 0
                and (self.anchor - payment_date).days > 30
                and _plain_priced(claim, payer_id)
            ):
                loc.reversal = (claim, payer, payee, payment_date, payer_id)
            elif not self._plant_share(loc, location_id, claim, payer_id, payment_date, secondary_payer_id):
                self._price_by_contract(loc, location_id, claim, payer_id, contracted)
        if secondary_payer_id is not None and claim.patient_responsibility > 0:  # the share this answer was given
            self.secondary_shares[claim.claim_id] = {
                "claim_id": claim.claim_id,
                "location_id": location_id,
                "primary_payer_id": payer_id,
                "secondary_payer_id": secondary_payer_id,
                "payment_date": payment_date,
                "claim": claim,
            }
        self._record_charge_below_fee_schedule(location_id, claim, payer_id, contracted)
        self._record_unprocessable(location_id, claim, payer_id)
        for index, line in enumerate(claim.lines, start=1):
            denial = [(g, r, a) for g, r, a in line.adjustments if not (g == "CO" and r == "45") and g != "PR"]
            if denial and line.paid == 0:
                group, reason, amount = denial[0]
                self.denials.append(
                    {
                        "claim_id": claim.claim_id,
                        "line_number": index,
                        "location_id": location_id,
                        "payer_id": payer_id,
                        "group_code": group,
                        "carc": reason,
                        "rarcs": list(line.remark_codes),
                        "claim_rarcs": list(claim.remark_codes),
                        "amount": str(amount),
                        "payment_date": payment_date.isoformat(),
                        "planted": not natural_denial,
                        "adjudicated_at_claim_level": claim.adjudicated_at_claim_level,
                    }
                )

    def _record_unprocessable(self, location_id: str, claim: RemitClaim, payer_id: str) -> None:
        """A claim the payer answered CO-16 with MA130 was never filed: record the deadline its new claim has."""
        if not any(
            reason == "16" and "MA130" in [*line.remark_codes, *claim.remark_codes]
            for line in claim.lines
            for _, reason, _ in line.adjustments
        ):
            return
        self.unprocessable.append(
            {
                "claim_id": claim.claim_id,
                "location_id": location_id,
                "payer_id": payer_id,
                "service_date": claim.date_of_service.isoformat(),
                "filing_deadline": filing_deadline(payer_id, claim.date_of_service).isoformat(),
            }
        )

    def _plant_share(
        self,
        loc: _Location,
        location_id: str,
        claim: RemitClaim,
        payer_id: str,
        payment_date: date,
        secondary_payer_id: str | None,
    ) -> bool:
        """Once per location each, on a claim no other plant took (so the planted sequence stays where it is): a
        patient share on a child with no other coverage and a primary that is not Medicaid (the family's
        statement), one on a child whose secondary is Medicaid (never the family's), and a copay on a child whose
        primary is Medicaid (never the family's either: a write-off review)."""
        if not _share_fits(claim):
            return False
        if secondary_payer_id is None and seed_values.payer_type(payer_id).startswith("medicaid"):
            if loc.medicaid_primary_share_planted:
                return False
            loc.medicaid_primary_share_planted = True
            self.medicaid_primary_shares.append(self._plant_medicaid_primary_copay(location_id, claim, payer_id))
            return True
        if secondary_payer_id is None:
            if loc.statement_planted:
                return False
            loc.statement_planted = True
            self.statements.append(self._plant_patient_share(location_id, claim, payer_id, payment_date))
            return True
        if loc.medicaid_share_planted or not seed_values.payer_type(secondary_payer_id).startswith("medicaid"):
            return False
        loc.medicaid_share_planted = True
        self.medicaid_shares.append(
            self._plant_patient_share(location_id, claim, payer_id, payment_date)
            | {"secondary_payer_id": secondary_payer_id}
        )
        return True

    @staticmethod
    def _plant_patient_share(location_id: str, claim: RemitClaim, payer_id: str, payment_date: date) -> dict:
        """The claim's patient share becomes a planted deductible, coinsurance and copay on its first line (the
        payer pays the rest of each line's allowed amount); returns the facts planted."""
        for other in claim.lines[1:]:
            other.adjustments = [(g, r, a) for g, r, a in other.adjustments if g != "PR"]
            other.paid = other.allowed
        line = claim.lines[0]
        coinsurance = (line.allowed * PLANTED_COINSURANCE_SHARE).quantize(CENT, ROUND_HALF_UP)
        shares = [("PR", "1", PLANTED_DEDUCTIBLE), ("PR", "2", coinsurance), ("PR", "3", PLANTED_COPAY)]
        line.adjustments = [(g, r, a) for g, r, a in line.adjustments if g != "PR"] + shares
        line.paid = line.allowed - sum((a for _, _, a in shares), Decimal("0.00"))
        return {
            "claim_id": claim.claim_id,
            "location_id": location_id,
            "payer_id": payer_id,
            "line_number": 1,
            "deductible": str(PLANTED_DEDUCTIBLE),
            "coinsurance": str(coinsurance),
            "copay": str(PLANTED_COPAY),
            "patient_responsibility": str(claim.patient_responsibility),
            "family_paid": "0.00",
            "primary_payment_date": payment_date.isoformat(),
        }

    @staticmethod
    def _plant_medicaid_primary_copay(location_id: str, claim: RemitClaim, payer_id: str) -> dict:
        """A copay (PR-3) the Medicaid payer's 835 leaves on the claim's first line, the only patient share on the
        claim (the payer pays the rest of each line's allowed amount); returns the facts planted."""
        for line in claim.lines:
            line.adjustments = [(g, r, a) for g, r, a in line.adjustments if g != "PR"]
            line.paid = line.allowed
        line = claim.lines[0]
        line.adjustments.append(("PR", "3", PLANTED_COPAY))
        line.paid = line.allowed - PLANTED_COPAY
        return {
            "claim_id": claim.claim_id,
            "location_id": location_id,
            "payer_id": payer_id,
            "line_number": 1,
            "copay": str(PLANTED_COPAY),
            "patient_responsibility": str(claim.patient_responsibility),
            "service_date": claim.lines[0].service_date.isoformat(),
        }

    def _deny(self, claim: RemitClaim, kind: tuple[str, str, tuple[str, ...], str]) -> bool:
        carc, group, rarcs, scope = kind
        if scope == "line" and len(claim.lines) < 2:
            return False
        targets = claim.lines[-1:] if scope == "line" else claim.lines
        for line in targets:
            line.adjustments = [(group, carc, line.charge)]
            line.paid = Decimal("0.00")
            line.allowed = Decimal("0.00")
            line.remark_codes = [] if scope == "claim_remark" else list(rarcs)
        if scope == "claim_remark":
            claim.remark_codes = list(rarcs)
        if scope in ("claim", "claim_level", "claim_remark"):
            claim.status_code = "4"
        claim.adjudicated_at_claim_level = scope == "claim_level"
        return True

    def _price_by_contract(
        self, loc: _Location, location_id: str, claim: RemitClaim, payer_id: str, contracted: dict[str, Decimal]
    ) -> None:
        """Once per location and kind, pay a line as its contract says rather than at the plain rate: an
        assistant line at the contract's modifier rate, or a multiple-unit line under the payer's
        multiple-procedure reduction (the day's first unit in full, each further unit at the seed's share, CO-59)."""
        if any(line.paid <= 0 for line in claim.lines):
            return
        if "assistant_rate" not in loc.contract_plants:
            for index, line in enumerate(claim.lines, start=1):
                modifier = next((m for m in line.modifiers if m in CONTRACT_MODIFIER_SHARES.get(payer_id, {})), None)
                if modifier is None:
                    continue
                rate = modifier_rate(payer_id, modifier, contracted[line.cpt_code])
                self._reprice(line, rate * line.units, [])
                loc.contract_plants.add("assistant_rate")
                self.contract_pricing.append(
                    self._pricing_fact("assistant_rate", location_id, claim, index, payer_id)
                    | {"modifier": modifier, "contract_rate_per_unit": str(rate)}
                )
                return
        percent = seed_values.mppr_subsequent_unit_percent(payer_id)
        if "mppr" not in loc.contract_plants and percent is not None and len(claim.lines) == 1:
            line = claim.lines[0]
            if line.units < 2 or not _plain_priced_line(line, payer_id):
                return
            rate = contracted[line.cpt_code]
            allowed = (rate + rate * percent / 100 * (line.units - 1)).quantize(CENT, ROUND_HALF_UP)
            self._reprice(line, allowed, [("CO", "59", rate * line.units - allowed)])
            loc.contract_plants.add("mppr")
            self.contract_pricing.append(
                self._pricing_fact("mppr", location_id, claim, 1, payer_id)
                | {"units": line.units, "co59_amount": str(rate * line.units - allowed)}
            )

    @staticmethod
    def _reprice(line, allowed: Decimal, reductions: list[tuple[str, str, Decimal]]) -> None:
        """The line allowed ``allowed``: the payer's reductions, CO-45 for the rest of the charge, the patient's
        share kept (no more than the allowed amount)."""
        patient = min(sum((a for g, _, a in line.adjustments if g == "PR"), Decimal("0.00")), allowed)
        kept = [(g, r, a) for g, r, a in line.adjustments if g == "PR"]
        contractual = line.charge - allowed - sum((a for _, _, a in reductions), Decimal("0.00"))
        line.allowed = allowed
        line.paid = allowed - patient
        line.adjustments = reductions + ([("CO", "45", contractual)] if contractual > 0 else []) + kept

    def _record_charge_below_fee_schedule(
        self, location_id: str, claim: RemitClaim, payer_id: str, contracted: dict[str, Decimal]
    ) -> None:
        """A paid line whose charge is below the payer's rate x units (a contract rate above the chargemaster)."""
        for index, line in enumerate(claim.lines, start=1):
            if line.paid > 0 and line.charge < contracted[line.cpt_code] * line.units:
                self.contract_pricing.append(
                    self._pricing_fact("billed_below_fee_schedule", location_id, claim, index, payer_id)
                    | {"fee_schedule_amount": str(contracted[line.cpt_code] * line.units)}
                )

    @staticmethod
    def _pricing_fact(kind: str, location_id: str, claim: RemitClaim, index: int, payer_id: str) -> dict:
        line = claim.lines[index - 1]
        return {
            "kind": kind,
            "claim_id": claim.claim_id,
            "line_number": index,
            "location_id": location_id,
            "payer_id": payer_id,
            "billed": str(line.charge),
            "paid_allowed": str(line.allowed),
        }

    def _underpay(self, claim: RemitClaim, contracted: dict[str, Decimal]) -> None:
        line = claim.lines[0]
        expected = contracted[line.cpt_code] * line.units
        allowed = (expected * UNDERPAY_SHARE).quantize(CENT, ROUND_HALF_UP)
        patient = sum((a for g, _, a in line.adjustments if g == "PR"), Decimal("0.00"))
        patient = min(patient, allowed)
        line.allowed = allowed
        line.paid = allowed - patient
        line.adjustments = [("CO", "45", line.charge - allowed)] + [
            (g, r, a) for g, r, a in line.adjustments if g == "PR"
        ]
        self.underpayments.append(
            {
                "claim_id": claim.claim_id,
                "line_number": 1,
                "cpt_code": line.cpt_code,
                "units": line.units,
                "expected_allowed": str(expected),
                "paid_allowed": str(allowed),
                "variance": str(expected - allowed),
            }
        )

    # -- extra files -----------------------------------------------------------------------------
    def finish(self, out_dir: Path) -> int:
        """Write the reversal/correction ERAs and the re-sent duplicate ERA; return the number of files."""
        files = 0
        control = 8000
        for location_id in sorted(self.locations):
            loc = self.locations[location_id]
            if loc.reversal is None:
                continue
            claim, payer, payee, paid_on, payer_id = loc.reversal
            control += 1
            when = min(paid_on + timedelta(days=21), self.anchor - timedelta(days=1))
            reversal = _reversed(claim)
            corrected = _corrected(claim)
            plb = [("L6", f"INT{control}", Decimal("-1.25")), ("WO", claim.payer_claim_number, Decimal("10.00"))]
            segs = _transaction_with_plb(
                "0001", payer, payee, when, f"{payer.x12_payer_id}R{control}", [reversal, corrected], payee.npi, plb
            )
            text = render(
                interchange_header(payer.x12_payer_id, GROUP_X12_ID, when, control)
                + segs
                + interchange_trailer(1, control)
            )
            (out_dir / f"era_{payer_id.lower()}_{when:%Y%m%d}_correction_{location_id.lower()}.835").write_text(
                text, encoding="ascii"
            )
            files += 1
            last = corrected.lines[-1]
            self.underpayments.append(
                {
                    "claim_id": claim.claim_id,
                    "line_number": len(corrected.lines),
                    "cpt_code": last.cpt_code,
                    "units": last.units,
                    "expected_allowed": str(last.allowed + Decimal("5.00")),
                    "paid_allowed": str(last.allowed),
                    "variance": "5.00",
                }
            )
            if claim.claim_id in self.secondary_shares:  # the corrected answer is now the primary's latest payment
                self.secondary_shares[claim.claim_id].update(payment_date=when, claim=corrected)
            self.reversals.append(
                {
                    "claim_id": claim.claim_id,
                    "location_id": location_id,
                    "payer_id": payer_id,
                    "original_paid": str(claim.paid),
                    "corrected_paid": str(corrected.paid),
                    "net_paid": str(corrected.paid),
                    "provider_adjustments": [[c, r, str(a)] for c, r, a in plb],
                }
            )
        originals = sorted(p for p in out_dir.glob("era_*.835") if "_correction_" not in p.name)
        if originals:
            source = originals[len(originals) // 2]
            resent = source.read_text(encoding="ascii").replace("~\n", "~\r\n")
            (out_dir / f"{source.stem}_resent.835").write_text(resent, encoding="ascii", newline="")
            self.resent = {"file": f"{source.stem}_resent.835", "original": source.name}
            files += 1
        return files

    def truth(self) -> dict:
        return {
            "denials": sorted(self.denials, key=lambda d: (d["claim_id"], d["line_number"])),
            "underpayments": sorted(self.underpayments, key=lambda u: u["claim_id"]),
            "contract_pricing": sorted(self.contract_pricing, key=lambda p: (p["claim_id"], p["line_number"])),
            "reversals": sorted(self.reversals, key=lambda r: r["claim_id"]),
            "resent_era": getattr(self, "resent", None),
            "denial_kinds_planted": sorted(DENIAL_KINDS),
            "secondary_claims_due": self._secondary_claims_due(),
            "payer_of_last_resort": sorted(self.last_resort, key=lambda d: d["claim_id"]),
            "patient_statements": sorted(self.statements, key=lambda d: d["claim_id"]),
            "patient_shares_medicaid_secondary": sorted(self.medicaid_shares, key=lambda d: d["claim_id"]),
            "unprocessable_claims": sorted(self.unprocessable, key=lambda d: d["claim_id"]),
            "patient_shares_medicaid_primary": sorted(self.medicaid_primary_shares, key=lambda d: d["claim_id"]),
        }

    def _share_left_for_secondary(self, payment_date: date, secondary_payer_id: str) -> bool:
        """Whether an answer paid on ``payment_date`` may leave a share for the secondary: only when paid
        SECONDARY_SHARE_MARGIN_DAYS or more inside the secondary's filing window on the anchor date."""
        window = seed_values.secondary_filing_days(seed_values.payer_type(secondary_payer_id))
        return (self.anchor - payment_date).days <= window - SECONDARY_SHARE_MARGIN_DAYS

    def _secondary_claims_due(self) -> list[dict]:
        """The primary answers set up with a share for the patient's secondary coverage (a natural copay or
        coinsurance kept, or a planted share), as last paid (the generator sends no secondary claims); every
        one was paid inside the secondary's filing window by construction. Not-covered denials planted for
        Medicaid as secondary are in ``payer_of_last_resort``."""
        return [
            {k: record[k] for k in ("claim_id", "location_id", "primary_payer_id", "secondary_payer_id")}
            | {
                "primary_paid": str(record["claim"].paid),
                "patient_responsibility": str(record["claim"].patient_responsibility),
                "primary_payment_date": record["payment_date"].isoformat(),
            }
            for record in sorted(self.secondary_shares.values(), key=lambda r: r["claim_id"])
        ]


def filing_deadline(payer_id: str, service_date: date) -> date:
    """The last day the payer accepts the claim as timely: the date of service + its seeded filing limit."""
    return service_date + timedelta(days=seed_values.timely_filing_days(payer_id))


def _share_fits(claim: RemitClaim) -> bool:
    """Every line paid, and the first line's allowed amount leaves the payer something after the planted share."""
    first = claim.lines[0]
    planted = PLANTED_DEDUCTIBLE + PLANTED_COPAY + first.allowed * PLANTED_COINSURANCE_SHARE
    return all(line.paid > 0 for line in claim.lines) and first.allowed > planted


def _paid_in_full(claim: RemitClaim) -> None:
    """The payer pays each line's whole allowed amount: no patient share is left on the answer."""
    for line in claim.lines:
        if any(g == "PR" for g, _, _ in line.adjustments):
            line.adjustments = [(g, r, a) for g, r, a in line.adjustments if g != "PR"]
            line.paid = line.allowed


def _plain_priced_line(line, payer_id: str) -> bool:
    """No modifier-specific contract rate prices the line."""
    return not any(m in CONTRACT_MODIFIER_SHARES.get(payer_id, {}) for m in line.modifiers)


def _plain_priced(claim: RemitClaim, payer_id: str) -> bool:
    """The contract pays every line of the claim its plain rate x units: no modifier-specific rate and no
    multiple-procedure reduction (so an underpayment's expected amount is the plain rate x units)."""
    return seed_values.mppr_subsequent_unit_percent(payer_id) is None and all(
        _plain_priced_line(line, payer_id) for line in claim.lines
    )


def _reversed(claim: RemitClaim) -> RemitClaim:
    lines = [
        replace(
            line,
            charge=-line.charge,
            paid=-line.paid,
            allowed=-line.allowed,
            units=-line.units,
            adjustments=[(g, r, -a) for g, r, a in line.adjustments],
            remark_codes=[],
        )
        for line in claim.lines
    ]
    return replace(claim, status_code="22", lines=lines, remark_codes=[])


def _corrected(claim: RemitClaim) -> RemitClaim:
    """The payer's re-adjudication: the last line's allowed is cut by 5.00 (a recoupment of part of it)."""
    lines = [replace(line, adjustments=list(line.adjustments)) for line in claim.lines]
    last = lines[-1]
    cut = min(Decimal("5.00"), last.paid)
    last.paid -= cut
    last.allowed -= cut
    last.adjustments = [(g, r, a + cut) if (g, r) == ("CO", "45") else (g, r, a) for g, r, a in last.adjustments]
    return replace(claim, status_code="1", lines=lines)


def _transaction_with_plb(st_control, payer, payee, when, trace, claims, provider_id, plb) -> list[str]:
    segs = transaction_segments(st_control, payer, payee, when, trace, claims)
    segs = segs[:-1]  # drop SE; PLB goes at the end of the transaction
    total = sum((c.paid for c in claims), Decimal("0.00")) - sum((a for _, _, a in plb), Decimal("0.00"))
    d8 = when.strftime("%Y%m%d")
    segs[1] = _seg(
        "BPR",
        "I" if total <= 0 else "C",
        _money(abs(total)),
        "D" if total < 0 else "C",
        "NON" if total <= 0 else "CHK",
        *[""] * 11,
        d8,
    )
    parts = ["PLB", provider_id, f"{when.year}1231"]
    for code, reference, amount in plb:
        parts += [f"{code}:{reference}", _money(amount)]
    segs.append(_seg(*parts))
    segs.append(_seg("SE", str(len(segs) + 1), st_control))
    return segs
