"""The correction a denied claim line asks for, decided from the denial and the chart (packet_denied_lines):
one definition for the 837P a corrected claim rebuilds and for the Medicare reopening request.

- A missing discipline modifier (CARC 4 on a line without GO/GN/GP): GO on OT codes, GN on the
  SLP-delivered 92526/92610 (CMS therapy modifiers).
- Units (remark M53, "missing/incomplete/invalid days or units of service"): the units the documented
  minutes support under the payer's unit method (int_claim_line_supported_units).
- The authorization (CARC 284/296, remarks M62/N54): the approved authorization in force on the date of
  service for the line's code (macro service_authorization_cte), in REF*G1.
- An NCCI / bundling denial (CARC 97/231/234/236) the note documents as a distinct service (separate time
  blocks or a separate session, fct_denials.is_documented_separately): the payer's distinct-service
  modifier (claim_payer_correction_rules: 59, XU, XE, XS or XP) on the denied column-2 code.

What the data cannot decide (no minutes, no authorization in force, any other denial reason) is left for a
person: ``undecided`` says what, and the drafts turn it into a required checklist item.
"""

from __future__ import annotations

from dataclasses import dataclass

# Codes a speech-language pathologist's plan of care covers: GN, not GO (CMS therapy modifiers).
SLP_CODES = frozenset({"92526", "92610"})
DISCIPLINE_MODIFIERS = frozenset({"GO", "GN", "GP"})
DISCIPLINE_CARCS = frozenset({"4"})
UNIT_REMARKS = frozenset({"M53"})
AUTHORIZATION_CARCS = frozenset({"284", "296"})
AUTHORIZATION_REMARKS = frozenset({"M62", "N54"})
NCCI_CARCS = frozenset({"97", "231", "234", "236"})
DISTINCT_SERVICE_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})


def discipline_modifier(procedure_code: str) -> str:
    return "GN" if procedure_code in SLP_CODES else "GO"


@dataclass(frozen=True)
class Correction:
    """What to change on one denied line; ``undecided`` names what a person must still decide."""

    line_number: int
    procedure_code: str
    add_modifier: str | None = None
    units: int | None = None
    authorization_number: str | None = None
    undecided: str | None = None

    @property
    def is_decided(self) -> bool:
        return self.undecided is None

    def describe(self) -> list[str]:
        """The corrections in the words a payer's reopening clerk or a coordinator reads."""
        said = []
        if self.add_modifier in DISCIPLINE_MODIFIERS:
            plan = "speech-language pathology" if self.add_modifier == "GN" else "occupational therapy"
            said.append(f"add modifier {self.add_modifier} (services under an outpatient {plan} plan of care)")
        elif self.add_modifier:
            said.append(f"add modifier {self.add_modifier} (a distinct service: separate time block or session)")
        if self.units is not None:
            plural = "" if self.units == 1 else "s"
            said.append(f"bill {self.units} unit{plural} (the units the documented minutes support)")
        if self.authorization_number:
            said.append(f"prior authorization number {self.authorization_number} (in force on the date of service)")
        return said


def _remarks(line: dict) -> set[str]:
    return set((line.get("remark_codes") or "").split("|")) - {""}


def correction_of(line: dict) -> Correction:
    """The correction ``line`` (a packet_denied_lines row) asks for, as far as the data decides it."""
    carc = str(line.get("denial_carc") or "")
    remarks = _remarks(line)
    modifiers = set((line.get("modifiers") or "").split("|")) - {""}
    base = {"line_number": int(line["line_number"]), "procedure_code": line["procedure_code"]}
    if carc in DISCIPLINE_CARCS and not modifiers & DISCIPLINE_MODIFIERS:
        if len(modifiers) >= 4:
            wanted = discipline_modifier(line["procedure_code"])
            return Correction(**base, undecided=f"no room for {wanted} (four modifiers already)")
        return Correction(**base, add_modifier=discipline_modifier(line["procedure_code"]))
    if carc in NCCI_CARCS:
        return _distinct_service(line, modifiers, base)
    if remarks & UNIT_REMARKS:
        supported = line.get("supported_units")
        if supported is None or supported != supported:  # NaN from pandas
            return Correction(**base, undecided="units: no documented minutes link to this line")
        if int(supported) < 1:
            return Correction(**base, undecided="units: the documented minutes support no unit (write the line off)")
        if line.get("billed_units") is not None and int(supported) == int(line["billed_units"]):
            return Correction(**base, undecided=f"units: the documented minutes support the {int(supported)} billed")
        return Correction(**base, units=int(supported))
    if carc in AUTHORIZATION_CARCS or remarks & AUTHORIZATION_REMARKS:
        number = line.get("service_authorization_number")
        if not number or number != number:
            return Correction(**base, undecided="authorization: none approved for the code is in force on the DOS")
        return Correction(**base, authorization_number=str(number))
    codes = ", ".join([f"CARC {carc}", *sorted(remarks)])
    return Correction(**base, undecided=codes)


def _distinct_service(line: dict, modifiers: set[str], base: dict) -> Correction:
    wanted = line.get("distinct_service_modifier") or "59"
    if not line.get("is_documented_separately"):
        return Correction(
            **base,
            undecided="bundled: the note documents no separate time block or session for this code (check it)",
        )
    if modifiers & DISTINCT_SERVICE_MODIFIERS:
        return Correction(**base, undecided="bundled although the line carries a distinct-service modifier")
    if len(modifiers) >= 4:
        return Correction(**base, undecided=f"no room for {wanted} (four modifiers already)")
    return Correction(**base, add_modifier=wanted)
