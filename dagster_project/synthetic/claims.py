"""837P claims for every billed visit (but a few held back), and the pre-submission audit problems planted in them.

Every kept appointment becomes one claim (CLM01 = the visit's claim id, one 2400 line per charge line,
REF*6R = ``<visit_id>-<line>``) written to ``clearinghouse/claims_<location>_<week>.837``. The claims a
payer has not answered yet (no 835 before the anchor date) are the ones still "before submission":
planted problems go there, and only into the 837P (the EHR extract stays as documented), so no other
area's rule sees them. Each plant and the audit rows it must produce go to the ground truth under
``claims``.

One plant lives in the EHR extract instead: an assistant's share of a line (``add`` returns the assistant
minutes the charge line records). An occupational therapy assistant furnished just over 10% of a timed line
an OTR rendered, and the 837P line carries no CO: CMS wants CO on it whoever rendered the claim.

A few answered visits are billed with an NCCI pair instead (claims_ncci.py: the payer's CO-236, and the time
blocks or separate-session marker their notes document).

Every claim carries what real therapy claims do: DTP*454 (initial treatment: the evaluation), DTP*304 (the
referring physician last saw the child), the referring physician's name and NPI, an NTE and every diagnosis
in HI.

Planting uses its own random stream (``<seed>:claims:<location>``), so the rest of the data set is the
same with or without this module. Seed values (which payers want modifier 95 on telehealth,
which payers count units per code) are read from dbt/seeds through seed_values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dagster_project.npi import npi_check_digit

from . import seed_values
from .claims_ncci import NcciPlants
from .claims_remits import RemitMix, filing_deadline
from .reference import (
    ASSISTANT_MODIFIER_BY_PAYER_TYPE,
    CHARGEMASTER,
    FIRST_NAMES,
    GROUP_TIN,
    GROUP_X12_ID,
    TIMED_CODES,
    physician_name,
)
from .x12_837 import BillingProvider, Claim, ClaimLine, render_interchange

CLEARINGHOUSE_ID = "AVAILITYCH"
CLEARINGHOUSE_NAME = "STATEWIDE CLEARINGHOUSE"
EVALUATION_CODES = ("97165", "97166", "97167", "97168")
# From the seeds: payer types whose telehealth lines carry modifier 95; payers that count each timed code alone.
TELEHEALTH_95_PAYER_TYPES = seed_values.telehealth_95_payer_types()
TELEHEALTH_POS = frozenset({"02", "10"})
UNSUBMITTED_PER_LOCATION = 3  # billed visits whose claim never reached the clearinghouse
PER_CODE_PAYERS = seed_values.per_code_payers()
# Payer types whose assistant modifier is CO (claim_assistant_modifiers): where the assistant-share plant goes.
CO_PAYER_TYPES = frozenset(t for t, modifier in ASSISTANT_MODIFIER_BY_PAYER_TYPE.items() if modifier == "CO")
ASSISTANT_SHARE_PLANT = "assistant_share_over_10_percent"
CLAIM_NOTE = "OUTPATIENT OCCUPATIONAL THERAPY UNDER A CERTIFIED PLAN OF CARE"

# The audit rules a plant trips, as named by dbt/models/marts/claims/fct_claim_audit_failures.
PLANT_KINDS = (
    "discipline_modifier_missing",
    "discipline_modifier_pt_instead_of_ot",
    "assistant_modifier_missing",
    "units_over_minutes",
    "code_pair_without_modifier",
    "second_evaluation_same_day",
    "add_on_without_primary",
    "authorization_missing",
    "diagnosis_not_on_authorization",
    "rendering_npi_invalid",
    "rendering_not_enrolled",
    "telehealth_modifier_missing",
)


@dataclass
class _Pending:
    claim: Claim
    location_id: str
    payer_id: str
    payer_type: str
    needs_go: bool
    needs_auth: bool
    is_cota: bool
    remitted: bool


@dataclass
class ClaimSpool:
    seed: int
    anchor: date
    by_location: dict[str, list[_Pending]] = field(default_factory=dict)
    billing: dict[str, BillingProvider] = field(default_factory=dict)
    assistant_shares: list[dict] = field(default_factory=list)  # ground truth of the EHR plant
    ncci: NcciPlants = None  # NCCI pairs and their CO-236 denials (claims_ncci.py), set in __post_init__
    remits: RemitMix = None  # the 835 side (claims_remits.py), set in __post_init__

    def __post_init__(self):
        self.ncci = NcciPlants(self.anchor)
        self.remits = RemitMix(self.seed, self.anchor, ncci=self.ncci)

    def add_location(self, location: dict) -> None:
        self.billing[location["location_id"]] = BillingProvider(
            location["location_name"],
            location["facility_npi"],
            GROUP_TIN,
            location["address_line"],
            location["city"],
            location["state"],
            location["zip"] + "0001",
        )

    def add(
        self, location: dict, kid, appt, pos: str, authorization_number: str | None, remitted: bool
    ) -> dict[int, int]:
        """Spool the visit's claim; return the assistant minutes to record on its charge lines where the
        assistant-share plant falls on it (line number -> minutes), else nothing. The NCCI plant may rewrite
        ``appt.lines`` first (the caller writes the charge lines from them afterwards)."""
        payer = kid.payer
        self.ncci.consider(location["location_id"], kid, appt, pos, remitted)
        telehealth_95 = pos in TELEHEALTH_POS and payer.payer_type in TELEHEALTH_95_PAYER_TYPES
        codes = [c.replace(".", "") for c in kid.diagnosis_codes.split("|")]
        lines = []
        for n, (cpt, modifiers, _, units) in enumerate(appt.lines, start=1):
            mods = list(modifiers) + (["95"] if telehealth_95 else [])
            lines.append(
                ClaimLine(
                    cpt,
                    mods,
                    CHARGEMASTER[cpt] * units,
                    units,
                    appt.day,
                    f"{appt.visit_id}-{n}",
                    list(range(1, min(len(codes), 4) + 1)),
                )
            )
        claim = Claim(
            claim_id=appt.claim_id,
            place_of_service=pos,
            frequency_code="1",
            filing_indicator=payer.claim_filing_indicator,
            payer_name=payer.payer_name,
            payer_x12_id=payer.x12_payer_id,
            member_id=kid.member_id,
            patient_last=kid.last_name,
            patient_first=kid.first_name,
            patient_dob=kid.dob,
            patient_sex=kid.sex,
            patient_address=f"{100 + int(kid.patient_id[-3:])} Mesquite Ln",
            patient_city=location["city"],
            patient_state="TX",
            patient_zip=kid.zip,
            diagnosis_codes=codes,
            rendering_npi=appt.provider.npi,
            rendering_last=appt.provider.last_name,
            rendering_first=appt.provider.first_name,
            referring_npi=kid.physician_npi,
            referring_last=physician_name(kid.physician_npi).removeprefix("Dr. "),
            referring_first=FIRST_NAMES[int(kid.physician_npi) // 7 % len(FIRST_NAMES)],
            initial_treatment_date=kid.eval_date,
            last_seen_date=kid.eval_date - timedelta(days=7 + int(kid.physician_npi) % 21),
            note=CLAIM_NOTE,
            lines=lines,
            authorization_number=authorization_number,
        )
        self.by_location.setdefault(location["location_id"], []).append(
            _Pending(
                claim,
                location["location_id"],
                payer.payer_id,
                payer.payer_type,
                payer.needs_go_modifier,
                payer.needs_authorization,
                appt.provider.credential_type == "COTA",
                remitted,
            )
        )
        return self._assistant_share(location["location_id"], appt, payer, remitted)

    def _assistant_share(self, location_id: str, appt, payer, remitted: bool) -> dict[int, int]:
        """The first unanswered claim of each location an OTR rendered for a payer that takes CO, whose
        first line is timed: an assistant furnished the fewest whole minutes over 10% of it."""
        if (
            remitted
            or appt.provider.credential_type == "COTA"
            or payer.payer_type not in CO_PAYER_TYPES
            or any(s["location_id"] == location_id for s in self.assistant_shares)
        ):
            return {}
        cpt, modifiers, minutes, _ = appt.lines[0]
        if cpt not in TIMED_CODES or minutes < 10 or "CO" in modifiers:
            return {}
        assistant = minutes // 10 + 1  # the least over 10%: 10 x assistant > minutes
        self.assistant_shares.append(
            {
                "claim_id": appt.claim_id,
                "location_id": location_id,
                "payer_id": payer.payer_id,
                "plant": ASSISTANT_SHARE_PLANT,
                "failures": [{"line_number": 1, "rule": "assistant_modifier"}],
                "documented_minutes": minutes,
                "assistant_minutes": assistant,
                "rendering_credential": appt.provider.credential_type,
            }
        )
        return {1: assistant}

    # -- planting --------------------------------------------------------------------------------
    def plant(self, avoid: frozenset[str] = frozenset()) -> list[dict]:
        """avoid: claims another area already planted a problem on (two plants on one claim hide each other)."""
        truth = [dict(s) for s in self.assistant_shares if s["claim_id"] not in avoid]
        avoid = avoid | {s["claim_id"] for s in self.assistant_shares}
        for location_id in sorted(self.by_location):
            rng = random.Random(f"{self.seed}:claims:{location_id}")
            pending = [p for p in self.by_location[location_id] if not p.remitted and p.claim.claim_id not in avoid]
            rng.shuffle(pending)
            used: set[str] = set()
            for kind in PLANT_KINDS:
                for p in pending:
                    if p.claim.claim_id in used:
                        continue
                    failures = _PLANTERS[kind](p, rng)
                    if failures is not None:
                        used.add(p.claim.claim_id)
                        truth.append(
                            {
                                "claim_id": p.claim.claim_id,
                                "location_id": location_id,
                                "payer_id": p.payer_id,
                                "plant": kind,
                                "failures": failures,
                            }
                        )
                        break
        truth.sort(key=lambda r: (r["claim_id"], r["plant"]))
        return truth

    def hold_back(self, planted: set[str]) -> list[dict]:
        """Leave a few unanswered, unplanted claims per location out of the 837P files: visits billed in the
        EHR that never reached the clearinghouse (reconciliation: billed_no_claim; timely-filing alerts, which
        the recorded filing deadline places inside or outside the lead window)."""
        held = []
        for location_id in sorted(self.by_location):
            rng = random.Random(f"{self.seed}:claims_unsubmitted:{location_id}")
            candidates = sorted(
                (p for p in self.by_location[location_id] if not p.remitted and p.claim.claim_id not in planted),
                key=lambda p: p.claim.claim_id,
            )
            chosen = rng.sample(candidates, min(UNSUBMITTED_PER_LOCATION, len(candidates)))
            for p in chosen:
                held.append(
                    {
                        "claim_id": p.claim.claim_id,
                        "location_id": location_id,
                        "payer_id": p.payer_id,
                        "service_date": p.claim.lines[0].service_date.isoformat(),
                        "filing_deadline": filing_deadline(p.payer_id, p.claim.lines[0].service_date).isoformat(),
                    }
                )
            chosen_ids = {p.claim.claim_id for p in chosen}
            self.by_location[location_id] = [
                p for p in self.by_location[location_id] if p.claim.claim_id not in chosen_ids
            ]
        return sorted(held, key=lambda h: h["claim_id"])

    def finish(self, out_dir: Path) -> int:
        """Write one 837P file per (location, week of service); return the number of files."""
        out_dir.mkdir(parents=True, exist_ok=True)
        files = 0
        control = 5000
        for location_id in sorted(self.by_location):
            weeks: dict[date, list[Claim]] = {}
            for p in self.by_location[location_id]:
                day = p.claim.lines[0].service_date
                weeks.setdefault(day - timedelta(days=day.weekday()), []).append(p.claim)
            for week, claims in sorted(weeks.items()):
                control += 1
                created = min(week + timedelta(days=7), self.anchor)
                text = render_interchange(
                    GROUP_X12_ID,
                    CLEARINGHOUSE_ID,
                    CLEARINGHOUSE_NAME,
                    created,
                    control,
                    self.billing[location_id],
                    claims,
                )
                (out_dir / f"claims_{location_id.lower()}_{week:%Y%m%d}.837").write_text(text, encoding="ascii")
                files += 1
        return files


def _lines(p: _Pending, rule: str, indexes) -> list[dict]:
    return [{"line_number": i + 1, "rule": rule} for i in indexes]


def _auth_lines(p: _Pending) -> list[int]:
    return [i for i, line in enumerate(p.claim.lines) if line.cpt_code not in EVALUATION_CODES]


def _discipline_missing(p: _Pending, rng) -> list[dict] | None:
    line = p.claim.lines[0]
    if not p.needs_go or "GO" not in line.modifiers:
        return None
    line.modifiers.remove("GO")
    return _lines(p, "discipline_modifier", [0])


def _discipline_pt(p: _Pending, rng) -> list[dict] | None:
    line = p.claim.lines[0]
    if not p.needs_go or "GO" not in line.modifiers:
        return None
    line.modifiers[line.modifiers.index("GO")] = "GP"
    return _lines(p, "discipline_modifier", [0])


def _assistant_missing(p: _Pending, rng) -> list[dict] | None:
    line = p.claim.lines[0]
    if not p.is_cota or "CO" not in line.modifiers:
        return None
    line.modifiers.remove("CO")
    return _lines(p, "assistant_modifier", [0])


def _units_over(p: _Pending, rng) -> list[dict] | None:
    line = p.claim.lines[0]
    if line.cpt_code not in TIMED_CODES or line.units >= 3:
        return None  # stays under every per-day unit limit, so only the minutes rule trips
    line.units += 1
    line.charge = CHARGEMASTER[line.cpt_code] * line.units
    return _lines(p, "units_exceed_minutes", [0])


def _code_pair(p: _Pending, rng) -> list[dict] | None:
    # 97140 (column 1) with 97530 (column 2, modifier indicator 1): 97530 needs 59/XU. Only on a payer
    # without authorization, so the new code does not also fall outside an authorization's CPT list.
    codes = [line.cpt_code for line in p.claim.lines]
    if p.needs_auth or "97530" not in codes or len(codes) < 2:
        return None
    other = next((i for i, c in enumerate(codes) if c in TIMED_CODES and c != "97530"), None)
    if other is None:
        return None
    p.claim.lines[other].cpt_code = "97140"
    return _lines(p, "code_pair_without_modifier", [codes.index("97530")])


def _second_evaluation(p: _Pending, rng) -> list[dict] | None:
    evals = [i for i, line in enumerate(p.claim.lines) if line.cpt_code in EVALUATION_CODES]
    if not evals:
        return None
    first = p.claim.lines[evals[0]]
    extra = "97166" if first.cpt_code != "97166" else "97165"
    number = len(p.claim.lines) + 1
    p.claim.lines.append(
        ClaimLine(
            extra,
            list(first.modifiers),
            CHARGEMASTER[extra],
            1,
            first.service_date,
            f"{first.line_control_number.rsplit('-', 1)[0]}-{number}",
            list(first.diagnosis_pointers),
        )
    )
    return _lines(p, "one_evaluation_per_day", [number - 1])


def _add_on_alone(p: _Pending, rng) -> list[dict] | None:
    line = p.claim.lines[0]
    if p.needs_auth or line.cpt_code not in TIMED_CODES or line.units > 1:
        return None
    line.cpt_code = "97130"  # cognitive intervention, each additional 15 min, without 97129
    return _lines(p, "add_on_without_primary", [0])


def _authorization_missing(p: _Pending, rng) -> list[dict] | None:
    if not p.needs_auth or p.claim.authorization_number is None or not _auth_lines(p):
        return None
    p.claim.authorization_number = None
    return _lines(p, "authorization_not_active", _auth_lines(p))


def _diagnosis_off_auth(p: _Pending, rng) -> list[dict] | None:
    if not p.needs_auth or p.claim.authorization_number is None or not _auth_lines(p):
        return None
    p.claim.diagnosis_codes[0] = "F802"  # mixed receptive-expressive language disorder: on no authorization
    return _lines(p, "diagnosis_not_on_authorization", _auth_lines(p))


def _npi_invalid(p: _Pending, rng) -> list[dict] | None:
    npi = p.claim.rendering_npi
    p.claim.rendering_npi = npi[:9] + str((int(npi[9]) + 1) % 10)  # a keying error in the check digit
    return _lines(p, "rendering_npi_invalid", range(len(p.claim.lines)))


def _not_enrolled(p: _Pending, rng) -> list[dict] | None:
    base = "1" + f"{rng.randrange(10**8):08d}"
    p.claim.rendering_npi = base + npi_check_digit(base)  # a valid NPI no enrolled provider holds
    return _lines(p, "rendering_not_enrolled", range(len(p.claim.lines)))


def _telehealth_95(p: _Pending, rng) -> list[dict] | None:
    if p.payer_type not in TELEHEALTH_95_PAYER_TYPES or p.claim.place_of_service != "11":
        return None
    if any(line.cpt_code in EVALUATION_CODES for line in p.claim.lines):
        return None
    p.claim.place_of_service = "10"  # billed as telehealth in the home, without modifier 95
    return _lines(p, "telehealth_place_of_service", range(len(p.claim.lines)))


_PLANTERS = {
    "discipline_modifier_missing": _discipline_missing,
    "discipline_modifier_pt_instead_of_ot": _discipline_pt,
    "assistant_modifier_missing": _assistant_missing,
    "units_over_minutes": _units_over,
    "code_pair_without_modifier": _code_pair,
    "second_evaluation_same_day": _second_evaluation,
    "add_on_without_primary": _add_on_alone,
    "authorization_missing": _authorization_missing,
    "diagnosis_not_on_authorization": _diagnosis_off_auth,
    "rendering_npi_invalid": _npi_invalid,
    "rendering_not_enrolled": _not_enrolled,
    "telehealth_modifier_missing": _telehealth_95,
}


def write_claims(spool: ClaimSpool, out_dir: Path, truth: dict) -> int:
    """Plant the audit problems, write the 837P files, record the ground truth; return the file count."""
    # Claims the credentialing area holds for enrollment already fail rendering_not_enrolled: plant elsewhere.
    held = frozenset(c for h in truth.get("credentialing", {}).get("claim_holds", []) for c in h["claim_ids"])
    plants = spool.plant(avoid=held)
    truth["claims"] = {
        "audit_plants": plants,
        "audit_rules_not_planted": ["kx_modifier"],
        "unsubmitted_claims": spool.hold_back({p["claim_id"] for p in plants}),
    }
    files = spool.finish(out_dir)
    spool.remits.finish(out_dir)
    truth["claims"].update(spool.remits.truth())
    truth["claims"]["ncci_distinct_service"] = spool.ncci.truth()
    return files


def per_code_units(minutes_by_code: list[tuple[str, int]]) -> list[int]:
    """Units when the payer counts each timed code on its own: floor((minutes + 7) / 15) from 8 minutes."""
    return [(m + 7) // 15 if m >= 8 else 0 for _, m in minutes_by_code]


__all__ = ["ClaimSpool", "write_claims", "per_code_units", "PER_CODE_PAYERS", "PLANT_KINDS", "ASSISTANT_SHARE_PLANT"]
