import pytest

from dagster_project.npi import is_valid_npi, npi_check_digit


def test_cms_worked_example():
    assert npi_check_digit("123456789") == "3"
    assert is_valid_npi("1234567893")


@pytest.mark.parametrize("npi", ["1558598797", "1912301953", "1376607150", "1122334455"])
def test_known_valid_npis(npi):
    assert is_valid_npi(npi)


@pytest.mark.parametrize("npi", ["1234567890", "9876543210", "123456789", "12345678931", "123456789X", ""])
def test_invalid_npis(npi):
    assert not is_valid_npi(npi)


def test_check_digit_rejects_bad_base():
    with pytest.raises(ValueError, match="an NPI base is exactly nine digits"):
        npi_check_digit("12345678")
