"""Referrals, intake packets and the waitlist of a location, and the ground truth of the front-office referral
rules, recorded as each row is written.

Every answered referral carries its first response, so only a referral written ``new`` (never answered) can be
overdue. Per location the first child on the waitlist is planted ``unanswered``: received a week or more before
the extract, past any one-business-day target; the second is the near miss ``unanswered_within_target``:
received at 16:00 local on the clinic day before the extract, so its target (one clinic day later) has not
passed at 00:00 local on the extract day. Every other waitlist referral has been answered.

Every intake item written ``requested`` or ``missing`` on an open referral is recorded with the channel it was
set up to be chased by: the physician order by fax, family items by a nudge, prior therapy records and the
school IEP by a records request once the family's signed release is in (until then it is recorded as waiting
for the release, a near miss).
"""

from __future__ import annotations

from datetime import date, timedelta

from .clinic import is_clinic_day, local_to_utc
from .reference import LAST_NAMES, fictional_fax

CHANNELS = (("physician_fax", 45), ("parent_phone", 25), ("online_form", 20), ("school_district", 10))
DOCUMENT_TYPES = (
    "physician_order",
    "insurance_card",
    "developmental_history",
    "sensory_questionnaire",
    "prior_therapy_records",
    "school_iep",
    "release_of_information",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
OPEN_STATUSES = frozenset({"new", "contacted", "packet_pending", "evaluation_scheduled"})
ANSWERED_WAITING_STATUSES = ("contacted", "packet_pending", "packet_pending")
FAMILY_ITEMS = frozenset({"insurance_card", "developmental_history", "sensory_questionnaire", "release_of_information"})
RECORDS_ITEMS = frozenset({"prior_therapy_records", "school_iep"})
RESPONSE_PLANTS = ("unanswered", "unanswered_within_target")  # the first two waitlist referrals of a location
OVERDUE_MIN_DAYS = 7  # a week holds at least two clinic days whatever the holidays: past a one-day target
NEAR_MISS_HOUR = 16  # local wall clock on the clinic day before the extract


def _channel(rng) -> str:
    return rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]


def _documents(writers, referral_id: str, received: date, rng, complete: bool, age: int, anchor: date) -> dict:
    """Write the referral's packet; return each item's status."""
    statuses = {}
    for n, doc_type in enumerate(DOCUMENT_TYPES, start=1):
        requested = received + timedelta(days=rng.randint(0, 2))
        if doc_type == "school_iep" and age < 5 or doc_type == "prior_therapy_records" and rng.random() < 0.5:
            status, requested, got = "not_applicable", None, None
        elif complete or rng.random() < 0.45:
            status, got = "received", requested + timedelta(days=rng.randint(1, 12))
            if got >= anchor:
                status, got = "requested", None
        else:
            status, got = rng.choice(("requested", "requested", "missing")), None
        writers["intake_documents"].write(
            {
                "document_id": f"{referral_id}-D{n}",
                "referral_id": referral_id,
                "document_type": doc_type,
                "status": status,
                "requested_date": requested,
                "received_date": got,
            }
        )
        statuses[doc_type] = status
    return statuses


def _chase_channel(document_type: str, release_received: bool) -> str | None:
    """The channel the missing item was set up for; None while a records item waits for the signed release."""
    if document_type == "physician_order":
        return "physician_fax"
    if document_type in FAMILY_ITEMS:
        return "family_nudge"
    return "records_request" if release_received else None


def _record_missing_items(truth: dict, referral_id: str, status: str, documents: dict) -> None:
    if status not in OPEN_STATUSES:
        return
    release_received = documents["release_of_information"] == "received"
    for document_type, item_status in documents.items():
        if item_status not in ("requested", "missing"):
            continue
        channel = _chase_channel(document_type, release_received)
        item = {"referral_id": referral_id, "document_type": document_type}
        if channel:
            truth["packet_items_missing"].append({**item, "channel": channel})
        else:
            truth["records_waiting_for_release"].append(item)


def _previous_clinic_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_clinic_day(day):
        day -= timedelta(days=1)
    return day


def _referral(
    writers,
    referral_id,
    patient_id,
    location,
    received_day,
    rng,
    status,
    physician_npi,
    hour: int | None = None,
    draw_response: bool | None = None,
) -> None:
    """hour: the planted local hour of arrival (else drawn). draw_response: whether to draw the first response's
    delay from the stream (default: when answered), so a plant leaves the rest of the stream as it was."""
    channel = _channel(rng)
    drawn_hour = rng.randint(8, 17)
    received_at = local_to_utc(
        received_day, drawn_hour if hour is None else hour, rng.randrange(60), location["time_zone"]
    )
    answered_by_draw = status != "new" if draw_response is None else draw_response
    delay = rng.randint(1, 52) if answered_by_draw else 2  # a referral answered without a draw: two hours later
    first_response = received_at + timedelta(hours=delay) if status != "new" else None
    writers["referrals"].write(
        {
            "referral_id": referral_id,
            "patient_id": patient_id,
            "location_id": location["location_id"],
            "channel": channel,
            "received_at": received_at,
            "first_response_at": first_response,
            "referring_provider_npi": physician_npi if channel == "physician_fax" else None,
            "referring_provider_name": f"Dr. {rng.choice(LAST_NAMES)}" if channel == "physician_fax" else None,
            "referring_provider_fax": fictional_fax(physician_npi) if channel == "physician_fax" else None,
            "status": status,
        }
    )


def write_intake(
    writers, location, kids, providers, rng, anchor: date, history_start: date, factory, truth: dict
) -> None:
    """Write the location's referrals, packets and waitlist; add what was set up to
    truth["front_office"]["referrals"]."""
    area = truth.setdefault("front_office", {}).setdefault(
        "referrals",
        {"response_plants": [], "responses_overdue": [], "packet_items_missing": [], "records_waiting_for_release": []},
    )
    loc_id = location["location_id"]
    count = 0
    for kid in kids:
        received = kid.eval_date - timedelta(days=rng.randint(10, 40))
        if received < history_start - timedelta(days=30) or received >= anchor:
            continue
        count += 1
        referral_id = f"RF-{loc_id}-{count:05d}"
        status = "evaluation_scheduled" if kid.eval_date >= anchor else "closed"
        _referral(writers, referral_id, kid.patient_id, location, received, rng, status, kid.physician_npi)
        documents = _documents(writers, referral_id, received, rng, True, (received - kid.dob).days // 365, anchor)
        _record_missing_items(area, referral_id, status, documents)
    # Children waiting for a slot: registered patients with a referral in progress and a waitlist entry.
    for w in range(rng.randint(4, 10)):
        start = anchor + timedelta(days=60)
        waiting = factory.make(start, start + timedelta(days=120), 2, (0, 2), 9, 45, providers[0], providers[0])
        count += 1
        referral_id = f"RF-{loc_id}-{count:05d}"
        # The draws are the same whatever is planted (the waitlist rows after them stay as they were); a plant
        # only overrides the referral's status, arrival and first response. The family joined the waitlist when
        # it first called (``joined``); the near miss's referral itself arrived the clinic day before the extract.
        joined = anchor - timedelta(days=rng.randint(3, 60))
        drawn_status = rng.choice(("new", *ANSWERED_WAITING_STATUSES))
        plant = RESPONSE_PLANTS[w] if w < len(RESPONSE_PLANTS) else None
        status = "new" if plant else ("contacted" if drawn_status == "new" else drawn_status)
        received, hour = joined, None
        if plant == "unanswered":
            received = min(joined, anchor - timedelta(days=OVERDUE_MIN_DAYS))
        elif plant == "unanswered_within_target":
            received, hour = _previous_clinic_day(anchor), NEAR_MISS_HOUR
        _referral(
            writers,
            referral_id,
            waiting.patient_id,
            location,
            received,
            rng,
            status,
            waiting.physician_npi,
            hour,
            draw_response=drawn_status != "new",
        )
        if plant:
            area["response_plants"].append({"referral_id": referral_id, "kind": plant, "received_date": str(received)})
            if plant == "unanswered":
                area["responses_overdue"].append(referral_id)
        documents = _documents(writers, referral_id, received, rng, False, (received - waiting.dob).days // 365, anchor)
        _record_missing_items(area, referral_id, status, documents)
        writers["patients"].write(
            {
                "patient_id": waiting.patient_id,
                "location_id": loc_id,
                "first_name": waiting.first_name,
                "last_name": waiting.last_name,
                "date_of_birth": waiting.dob,
                "sex": waiting.sex,
                "guardian_name": waiting.guardian_name,
                "guardian_phone": waiting.guardian_phone,
                "zip": waiting.zip,
                "primary_care_physician_npi": waiting.physician_npi,
            }
        )
        writers["coverages"].write(
            {
                "coverage_id": waiting.coverage_id,
                "patient_id": waiting.patient_id,
                "payer_id": waiting.payer.payer_id,
                "payer_name": waiting.payer.payer_name,
                "plan_name": waiting.payer.plan_name,
                "payer_type": waiting.payer.payer_type,
                "member_id": waiting.member_id,
                "priority": 1,
                "is_medicaid": waiting.payer.is_medicaid,
                "effective_date": min(waiting.coverage_start, joined),
                "termination_date": None,
            }
        )
        days = sorted(rng.sample(range(5), rng.randint(1, 3)))
        writers["waitlist"].write(
            {
                "waitlist_id": f"WL-{loc_id}-{w + 1:03d}",
                "patient_id": waiting.patient_id,
                "location_id": loc_id,
                "service_line": "ot_peds",
                "payer_id": waiting.payer.payer_id,
                "added_date": joined + timedelta(days=rng.randint(0, 3)),
                "preferred_days": "|".join(WEEKDAYS[d] for d in days) if rng.random() < 0.85 else None,
                "preferred_time": rng.choice(("morning", "afternoon", "afternoon", "evening", "any")),
                "preferred_provider_id": rng.choice(providers).provider_id if rng.random() < 0.3 else None,
                "status": "waiting",
            }
        )
