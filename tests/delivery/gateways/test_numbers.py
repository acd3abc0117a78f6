"""Recipient numbers: the formats the extracts carry, and refusals that never repeat the number."""

from __future__ import annotations

import pytest

from delivery.gateways.numbers import RecipientRefused, resolve_fax_number, resolve_text_number


@pytest.mark.parametrize(
    "on_file", ["3125550147", "(312) 555-0147", "312.555.0147", "+1 312 555 0147", "1-312-555-0147", " 312 555 0147 "]
)
def test_fax_numbers_in_common_spellings_become_ten_digits(on_file):
    assert resolve_fax_number(lambda _p: on_file, {}) == "3125550147"


@pytest.mark.parametrize(
    "on_file",
    ["312555014", "31255501477", "0125550147", "3121550147", "2-312-555-0147", "312-555-O147", "+44 20 7946 0958"],
)
def test_fax_numbers_that_are_not_nanp_are_refused_without_echoing(on_file):
    with pytest.raises(RecipientRefused) as refused:
        resolve_fax_number(lambda _p: on_file, {})
    assert str(refused.value) == "the fax number on file is not a 10-digit North American number"


@pytest.mark.parametrize("on_file", ["+13125550147", "+442079460958", "+61412345678"])
def test_text_numbers_must_be_e164(on_file):
    assert resolve_text_number(lambda _p: on_file, {}) == on_file


@pytest.mark.parametrize("on_file", ["13125550147", "+1 312 555 0147", "+1312555014700000", "+0123456789", "+1234567"])
def test_text_numbers_not_e164_are_refused_without_echoing(on_file):
    with pytest.raises(RecipientRefused) as refused:
        resolve_text_number(lambda _p: on_file, {})
    assert on_file.strip("+") not in str(refused.value)


def test_the_resolver_is_given_the_payload():
    seen = []
    resolve_text_number(lambda payload: seen.append(payload) or "+13125550147", {"action_id": "a1"})
    assert seen == [{"action_id": "a1"}]
