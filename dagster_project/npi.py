"""NPI check digit (CMS "Requirements for NPI Check Digit").

The tenth digit of an NPI is a Luhn mod-10 check digit computed as if the card-issuer prefix 80840
were in front of the nine base digits. The prefix always contributes 24 to the Luhn sum, so it is
added as a constant instead of being prepended (see docs/domain-reference.md section 5).
Hand-written because it is ten lines and no maintained library is pinned in the stack.
"""

from __future__ import annotations

_PREFIX_80840_LUHN_SUM = 24


def npi_check_digit(first9: str) -> str:
    """The check digit for the first nine digits of an NPI."""
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError("an NPI base is exactly nine digits")
    total = _PREFIX_80840_LUHN_SUM
    # The check digit will be appended on the right, so the rightmost base digit is doubled.
    for position, char in enumerate(reversed(first9)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_npi(npi: str) -> bool:
    """True for ten digits starting with 1 or 2 whose last digit is the right check digit."""
    if not isinstance(npi, str) or len(npi) != 10 or not npi.isdigit() or npi[0] not in "12":
        return False
    return npi_check_digit(npi[:9]) == npi[9]
