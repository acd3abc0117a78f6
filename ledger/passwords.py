"""The password rule every person-chosen password meets (first administrator, invitation, reset, change).

Length over composition rules (NIST SP 800-63B 5.1.1.2): at least 12 characters, not built on the username,
not the shared demo password, not one of the passwords attackers try first.
"""

from __future__ import annotations

import hmac

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 hashes any length; this only keeps a pasted document out of the form

PASSWORD_RULE = (
    f"At least {MIN_LENGTH} characters. Not your username, not the demo password, not a common password. "
    "A few unrelated words make a good one."
)

# Lowercased; compared after lowercasing and stripping spaces, so "Password 1234" is refused too.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "111111111111",
        "000000000000",
        "123123123123",
        "password1234",
        "password12345",
        "password123456",
        "password1!",
        "passw0rd1234",
        "p@ssw0rd1234",
        "qwertyuiop12",
        "qwerty123456",
        "qwertyuiop123",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "abc123456789",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "changeme1234",
        "administrator",
        "admin1234567",
        "adminadmin12",
        "trustno11234",
        "sunshine1234",
        "football1234",
        "baseball1234",
        "princess1234",
        "dragon123456",
        "monkey123456",
        "starwars1234",
        "superman1234",
        "whatever1234",
        "therapy12345",
        "therapist123",
        "occupational",
        "occupationaltherapy",
        "pediatrics123",
        "clinic123456",
        "correcthorsebatterystaple",
        "demo-ot-2026",
    }
)


def password_problem(password: str, *, username: str, demo_password: str) -> str | None:
    """Why this password is refused, in a sentence for the form; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    folded = password.lower().replace(" ", "")
    if username and username.lower() in folded:
        return "The password must not contain the username."
    if hmac.compare_digest(password.encode(), demo_password.encode()):
        return "The demo password cannot be anyone's own password."
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return "That password is too common; choose another."
    return None


def check_password(password: str, *, username: str, demo_password: str) -> None:
    """Raise ValueError with the reason when the password breaks the rule."""
    if problem := password_problem(password, username=username, demo_password=demo_password):
        raise ValueError(problem)
