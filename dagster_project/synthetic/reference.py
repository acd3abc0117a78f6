"""Fixed reference values the synthetic group is built from (all invented, none from a real clinic).

Payer types and rules (re-auth lead days, authorization, GO modifier) are read from the dbt seed
``payer_rules.csv``; the generator needs the lead days only to place planted leaks and near-misses on the
right side of each payer's deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import seed_values


@dataclass(frozen=True)
class PayerRef:
    payer_id: str
    payer_name: str
    payer_type: str
    x12_payer_id: str
    plan_name: str
    claim_filing_indicator: str  # 835 CLP06
    needs_authorization: bool
    needs_go_modifier: bool
    reauth_lead_days: int
    auth_unit_type: str  # usual unit type of this payer's authorizations
    fee_factor: Decimal  # share of the commercial base rate this payer allows

    @property
    def is_medicaid(self) -> bool:
        return self.payer_type.startswith("medicaid")


def _payer(
    payer_id: str,
    payer_name: str,
    x12_payer_id: str,
    plan_name: str,
    claim_filing_indicator: str,
    auth_unit_type: str,
    fee_factor: str,
) -> PayerRef:
    """A synthetic payer; its type and rules (authorization, GO modifier, re-auth lead days) come from the
    dbt seed payer_rules.csv, so the generator plants leaks against the values the marts use."""
    return PayerRef(
        payer_id,
        payer_name,
        seed_values.payer_type(payer_id),
        x12_payer_id,
        plan_name,
        claim_filing_indicator,
        seed_values.requires_authorization(payer_id),
        seed_values.requires_discipline_modifier(payer_id),
        seed_values.reauth_lead_days(payer_id),
        auth_unit_type,
        Decimal(fee_factor),
    )


PAYERS: tuple[PayerRef, ...] = (
    _payer("TXMCO1", "Lone Star Kids Health Plan", "LSKHP", "STAR Kids", "MC", "visits", "0.62"),
    _payer("TXMCO2", "Bluebonnet Community Care", "BBCC1", "STAR Health", "MC", "visits", "0.60"),
    _payer("TXMCO3", "Gulf Coast Children's Health", "GCCH1", "CHIP Plus", "MC", "visits", "0.64"),
    _payer("TXMFFS", "Texas Medicaid FFS", "TXMCD", "Texas Medicaid", "MC", "visits", "0.56"),
    _payer("COMM1", "Acme Commercial PPO", "ACME1", "Acme PPO Gold", "12", "visits", "1.00"),
    _payer("COMM2", "Summit Health HMO", "SUMHM", "Summit HMO Select", "HM", "visits", "0.92"),
    _payer("TRICARE", "TRICARE East", "TRIEA", "TRICARE Prime", "CH", "units", "0.80"),
)
PAYERS_BY_ID = {p.payer_id: p for p in PAYERS}

# Mirrors dbt/seeds/claim_assistant_modifiers.csv: the modifier a payer type wants on a line an occupational
# therapy assistant furnished; Texas Medicaid's own letters are not recorded, so its lines carry none.
ASSISTANT_MODIFIER_BY_PAYER_TYPE = {"medicare": "CO", "medicare_advantage": "CO", "commercial": "CO", "tricare": "CO"}

# Primary payer mix by patient (about 65% Medicaid managed care, 5% FFS, 22% commercial, 8% TRICARE).
PAYER_MIX: tuple[tuple[str, int], ...] = (
    ("TXMCO1", 24),
    ("TXMCO2", 22),
    ("TXMCO3", 19),
    ("TXMFFS", 5),
    ("COMM1", 12),
    ("COMM2", 10),
    ("TRICARE", 8),
)

EVAL_CODES = ("97165", "97166", "97167")
REEVAL_CODE = "97168"
GROUP_CODE = "97150"
TIMED_CODES = ("97530", "97110", "97112", "97535", "97533")
AUTH_CPT_CODES = "97530|97110|97112|97535|97533|97150"
EVAL_MINUTES = {"97165": 30, "97166": 45, "97167": 60, "97168": 30}

# The group's chargemaster (price per unit), above every contracted rate but CONTRACT_RATE_OVERRIDES.
CHARGEMASTER: dict[str, Decimal] = {
    "97165": Decimal("240.00"),
    "97166": Decimal("265.00"),
    "97167": Decimal("295.00"),
    "97168": Decimal("170.00"),
    "97530": Decimal("72.00"),
    "97110": Decimal("62.00"),
    "97112": Decimal("66.00"),
    "97535": Decimal("64.00"),
    "97533": Decimal("78.00"),
    "97140": Decimal("64.00"),  # manual therapy: billed only with the NCCI pair plant (claims_ncci.py)
    "97150": Decimal("48.00"),
}
# Contract rates that differ from base x fee_factor. Acme's group rate is above the group's charge for 97150, so
# Acme allows the lesser: the billed charge.
CONTRACT_RATE_OVERRIDES: dict[tuple[str, str], Decimal] = {("COMM1", "97150"): Decimal("52.00")}
# Modifier-specific contract rates, as a share of the payer's plain rate: TRICARE's contract pays a line an
# occupational therapy assistant furnished (CO) at 85%.
CONTRACT_MODIFIER_SHARES: dict[str, dict[str, Decimal]] = {"TRICARE": {"CO": Decimal("0.85")}}


def modifier_rate(payer_id: str, modifier: str, plain_rate: Decimal) -> Decimal | None:
    """The payer's contract rate for a line carrying ``modifier``; None when its contract has no such row."""
    share = CONTRACT_MODIFIER_SHARES.get(payer_id, {}).get(modifier)
    return None if share is None else (plain_rate * share).quantize(Decimal("0.01"), ROUND_HALF_UP)


# Commercial base allowed amount per unit; each payer allows fee_factor of it.
COMMERCIAL_BASE_RATE: dict[str, Decimal] = {
    "97165": Decimal("128.00"),
    "97166": Decimal("140.00"),
    "97167": Decimal("158.00"),
    "97168": Decimal("92.00"),
    "97530": Decimal("41.50"),
    "97110": Decimal("34.80"),
    "97112": Decimal("37.20"),
    "97535": Decimal("36.40"),
    "97533": Decimal("44.00"),
    "97140": Decimal("33.20"),
    "97150": Decimal("22.60"),
}

ICD10_CODES = ("F82", "R27.8", "F84.0", "R62.50", "F88", "R48.8", "Q90.9")
FUNCTIONAL_GOALS = (
    "Child will don and doff a pullover shirt independently in 4 of 5 trials",
    "Child will copy a triangle with correct closure in 3 of 4 trials",
    "Child will tolerate messy play textures for 5 minutes with no more than 1 verbal cue",
    "Child will use a tripod grasp to write first name legibly on lined paper",
    "Child will manage buttons on a school uniform within 2 minutes",
    "Child will complete a 4-step obstacle course with no loss of balance",
    "Child will self-feed with a spoon spilling less than 25 percent of the meal",
    "Child will transition between classroom activities with 1 or fewer cues",
    "Child will cut along a curved line within 1/4 inch",
    "Child will stay seated for a 10-minute table task using a movement cushion",
)
FIRST_NAMES = (
    "Avery",
    "Blake",
    "Camila",
    "Diego",
    "Elena",
    "Finn",
    "Gianna",
    "Hudson",
    "Isla",
    "Jonah",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Parker",
    "Quinn",
    "Rosa",
    "Santiago",
    "Tessa",
    "Uriel",
    "Valeria",
    "Wyatt",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aria",
    "Mateo",
    "Nora",
    "Ezra",
    "Lucia",
    "Owen",
    "Sofia",
    "Elias",
    "Mila",
    "Leo",
)
LAST_NAMES = (
    "Alvarez",
    "Brooks",
    "Castillo",
    "Dawson",
    "Estrada",
    "Fischer",
    "Garza",
    "Holloway",
    "Ibarra",
    "Jennings",
    "Keller",
    "Lozano",
    "Mendoza",
    "Nguyen",
    "Ortega",
    "Pruitt",
    "Quintero",
    "Ramos",
    "Salinas",
    "Tran",
    "Underwood",
    "Villarreal",
    "Whitaker",
    "Yates",
    "Zamora",
    "Benson",
    "Carver",
    "Delgado",
    "Ellison",
    "Flores",
)
# (city, zip, IANA time zone). El Paso keeps Mountain time, so a default group of seven spans two zones.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("Austin", "78704", "America/Chicago"),
    ("Round Rock", "78664", "America/Chicago"),
    ("El Paso", "79912", "America/Denver"),
    ("Houston", "77008", "America/Chicago"),
    ("Katy", "77494", "America/Chicago"),
    ("Dallas", "75206", "America/Chicago"),
    ("Plano", "75024", "America/Chicago"),
    ("Fort Worth", "76107", "America/Chicago"),
    ("Waco", "76710", "America/Chicago"),
    ("Corpus Christi", "78412", "America/Chicago"),
    ("San Antonio", "78209", "America/Chicago"),
    ("Lubbock", "79424", "America/Chicago"),
    ("McAllen", "78504", "America/Chicago"),
    ("Killeen", "76542", "America/Chicago"),
    ("Temple", "76502", "America/Chicago"),
    ("Frisco", "75034", "America/Chicago"),
    ("Sugar Land", "77479", "America/Chicago"),
    ("Pflugerville", "78660", "America/Chicago"),
)
STREETS = ("Oak", "Pecan", "Main", "Bluebonnet", "Mesquite", "Cedar", "Lamar", "Congress", "Travis", "Guadalupe")
OT_TAXONOMY = "225X00000X"
GROUP_TIN = "741234567"
GROUP_X12_ID = "SUNNYSTEPSOT"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def clinic_holidays(year: int) -> frozenset[date]:
    """Days the clinics are closed (the usual US holidays an outpatient clinic observes)."""
    return frozenset(
        {
            date(year, 1, 1),
            _last_weekday(year, 5, 0),
            date(year, 7, 4),
            _nth_weekday(year, 9, 0, 1),
            _nth_weekday(year, 11, 3, 4),
            date(year, 12, 25),
        }
    )


def fictional_fax(seed: str) -> str:
    """A fax number in the 555-0100..0199 range reserved for fiction, derived from an id (no random draw, so
    adding it to the extracts leaves every other generated value as it was)."""
    return f"(512) 555-01{sum(map(ord, seed)) % 100:02d}"


def physician_name(npi: str) -> str:
    return f"Dr. {LAST_NAMES[int(npi) % len(LAST_NAMES)]}"
