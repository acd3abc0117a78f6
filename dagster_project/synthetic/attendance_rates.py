"""How often a booked visit is kept, cancelled with notice, late-cancelled (< 24 h) or a no-show: the one
place the generator's attendance rates live.

Source: docs/domain-reference.md section 8 (Kalb et al., 43,504 appointments at an outpatient pediatric
center): 9% initial / 15% follow-up no-show, 11% / 10% cancellation; Medicaid
predicts no-shows. The target is "around 10% initial, 15% follow-up, higher on Medicaid". With the
generator's payer mix (70% Medicaid) the rates below average about 10% initial and 15% follow-up no-shows.
The split of cancellations into with-notice and late (< 24 h) is not in the source: a synthetic choice.

Missed visits cluster in some families (the source's predictors are family-level: Medicaid, wait time), so
each family gets a miss factor: most families miss half as often as the average, a few three times as
often (the factors average 1, so the rates above hold overall). Without it nearly every child would fall
under an 85% attendance policy at a 15% no-show rate. Within the policy's last 60 days the generator keeps
every family but the planted one inside the policy (scheduling.keep_families_inside_policy turns the oldest
misses that would bring a family near it into cancellations with notice), so the rates above are those of
the history before that window.

"Initial" is the first treatment visit of an episode (the evaluation itself is written as kept: a missed
evaluation is rebooked until it happens, and only that one is in the extract).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class MissRates:
    no_show: float
    cancelled: float  # with 24 hours' notice or more
    late_cancelled: float  # under 24 hours' notice


# (initial, follow-up) by Medicaid / other payers.
INITIAL = {
    True: MissRates(no_show=0.11, cancelled=0.08, late_cancelled=0.03),
    False: MissRates(no_show=0.075, cancelled=0.08, late_cancelled=0.03),
}
FOLLOW_UP = {
    True: MissRates(no_show=0.165, cancelled=0.07, late_cancelled=0.03),
    False: MissRates(no_show=0.12, cancelled=0.07, late_cancelled=0.03),
}

# (share of families, factor on no-show and late-cancel rates); the shares x factors average 1.0.
FAMILY_MISS_FACTORS = ((0.8, 0.5), (0.2, 3.0))

# Notice given by a cancellation, in hours before the visit (uniform in these ranges).
CANCEL_NOTICE_HOURS = (25, 160)
LATE_CANCEL_NOTICE_HOURS = (1, 23)


def family_miss_factor(family_key: str) -> float:
    """A family's factor on the no-show and late-cancel rates, from its own random stream (drawing it from
    the generator's stream would shift every later draw)."""
    pick = random.Random(f"attendance:{family_key}").random()
    for share, factor in FAMILY_MISS_FACTORS:
        if pick < share:
            return factor
        pick -= share
    return FAMILY_MISS_FACTORS[-1][1]


def final_status(rng: random.Random, medicaid: bool, initial: bool = False, family_factor: float = 1.0) -> str:
    """The outcome of a past visit: one draw, so the random stream does not depend on the rates."""
    rates = (INITIAL if initial else FOLLOW_UP)[medicaid]
    no_show, late = rates.no_show * family_factor, rates.late_cancelled * family_factor
    r = rng.random()
    if r < no_show:
        return "no_show"
    if r < no_show + rates.cancelled:
        return "cancelled"
    if r < no_show + rates.cancelled + late:
        return "late_cancelled"
    return "arrived"
