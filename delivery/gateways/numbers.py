"""Recipient numbers, looked up when the action is sent and checked before anything leaves.

The gateway asks a resolver (given at construction) for the destination, so the number is the one in the
latest extracts, not the one the draft was written with. A refusal says what is wrong with the number
and never repeats it: reasons reach the ledger and the board.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# payload (action_id, action_type, location_id, channel) -> the destination on file, or None when there is none
RecipientResolver = Callable[[Mapping[str, Any]], "str | None"]

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# North American Numbering Plan: area code and exchange both start 2-9.
NANP_TEN_DIGITS = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")
FAX_FORMATTING = re.compile(r"[\s().-]")


class Unsendable(ValueError):
    """This action cannot go out through this gateway as it is; the reason is safe for the ledger."""


class RecipientRefused(Unsendable):
    """The destination is missing or malformed; the message never echoes the number."""


def _lookup(resolver: RecipientResolver, payload: Mapping[str, Any], what: str) -> str:
    try:
        value = resolver(payload)
    except RecipientRefused:
        raise  # the resolver's own reason (no recipient named, number changed since approval, ...)
    except Exception as exc:  # a broken lookup is a refusal of this action, not a crash of the whole run
        raise RecipientRefused(f"the {what} lookup failed ({type(exc).__name__})") from None
    if value is None or not str(value).strip():
        raise RecipientRefused(f"no {what} on file for this recipient")
    return str(value).strip()


def resolve_fax_number(resolver: RecipientResolver, payload: Mapping[str, Any]) -> str:
    """The recipient's fax as 10 NANP digits; '(312) 555-0147', '312.555.0147' and '+1 312 555 0147' pass."""
    digits = FAX_FORMATTING.sub("", _lookup(resolver, payload, "fax number"))
    if digits.startswith("+1"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not NANP_TEN_DIGITS.match(digits):
        raise RecipientRefused("the fax number on file is not a 10-digit North American number")
    return digits


def resolve_text_number(resolver: RecipientResolver, payload: Mapping[str, Any]) -> str:
    """The recipient's mobile number, exactly E.164 ('+13125550147'): a text to a guessed number is worse than none."""
    number = _lookup(resolver, payload, "mobile number")
    if not E164.match(number):
        raise RecipientRefused("the mobile number on file is not in E.164 form (+ country code and digits)")
    return number
