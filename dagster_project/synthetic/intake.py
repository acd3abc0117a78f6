"""Referrals, intake packets and the waitlist of a location (plausible, valid rows; no leaks planted here yet)."""

from __future__ import annotations

from datetime import date, timedelta

from .clinic import local_to_utc
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


def _channel(rng) -> str:
    return rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]


def _documents(writers, referral_id: str, received: date, rng, complete: bool, age: int, anchor: date) -> None:
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


def _referral(writers, referral_id, patient_id, loc_id, received_day, rng, status, physician_npi) -> None:
    channel = _channel(rng)
    received_at = local_to_utc(received_day, rng.randint(8, 17), rng.randrange(60))
    first_response = received_at + timedelta(hours=rng.randint(1, 52)) if status != "new" else None
    writers["referrals"].write(
        {
            "referral_id": referral_id,
            "patient_id": patient_id,
            "location_id": loc_id,
            "channel": channel,
            "received_at": received_at,
            "first_response_at": first_response,
            "referring_provider_npi": physician_npi if channel == "physician_fax" else None,
            "referring_provider_name": f"Dr. {rng.choice(LAST_NAMES)}" if channel == "physician_fax" else None,
            "referring_provider_fax": fictional_fax(physician_npi) if channel == "physician_fax" else None,
            "status": status,
        }
    )


def write_intake(writers, location, kids, providers, rng, anchor: date, history_start: date, factory) -> None:
    loc_id = location["location_id"]
    count = 0
    for kid in kids:
        received = kid.eval_date - timedelta(days=rng.randint(10, 40))
        if received < history_start - timedelta(days=30) or received >= anchor:
            continue
        count += 1
        referral_id = f"RF-{loc_id}-{count:05d}"
        status = "evaluation_scheduled" if kid.eval_date >= anchor else "closed"
        _referral(writers, referral_id, kid.patient_id, loc_id, received, rng, status, kid.physician_npi)
        _documents(writers, referral_id, received, rng, True, (received - kid.dob).days // 365, anchor)
    # Children waiting for a slot: registered patients with a referral in progress and a waitlist entry.
    for w in range(rng.randint(4, 10)):
        start = anchor + timedelta(days=60)
        waiting = factory.make(start, start + timedelta(days=120), 2, (0, 2), 9, 45, providers[0], providers[0])
        count += 1
        referral_id = f"RF-{loc_id}-{count:05d}"
        received = anchor - timedelta(days=rng.randint(3, 60))
        _referral(
            writers,
            referral_id,
            waiting.patient_id,
            loc_id,
            received,
            rng,
            rng.choice(("new", "contacted", "packet_pending", "packet_pending")),
            waiting.physician_npi,
        )
        _documents(writers, referral_id, received, rng, False, (received - waiting.dob).days // 365, anchor)
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
                "effective_date": min(waiting.coverage_start, received),
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
                "added_date": received + timedelta(days=rng.randint(0, 3)),
                "preferred_days": "|".join(WEEKDAYS[d] for d in days) if rng.random() < 0.85 else None,
                "preferred_time": rng.choice(("morning", "afternoon", "afternoon", "evening", "any")),
                "preferred_provider_id": rng.choice(providers).provider_id if rng.random() < 0.3 else None,
                "status": "waiting",
            }
        )
