import pytest

from dagster_project.synthetic.units import assign_timed_units, total_timed_units


@pytest.mark.parametrize(
    "minutes, units", [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5)]
)
def test_total_minutes_to_units_at_the_edges(minutes, units):
    assert total_timed_units(minutes) == units


def test_single_code_edges():
    assert assign_timed_units([("97530", 7)]) == [0]
    assert assign_timed_units([("97530", 8)]) == [1]
    assert assign_timed_units([("97530", 22)]) == [1]
    assert assign_timed_units([("97530", 23)]) == [2]


def test_two_short_codes_together_bill_one_unit_of_the_longer():
    assert assign_timed_units([("97530", 5), ("97110", 4)]) == [1, 0]
    assert assign_timed_units([("97530", 3), ("97110", 7)]) == [0, 1]
    assert assign_timed_units([("97530", 4), ("97110", 3)]) == [0, 0]  # 7 minutes in total: nothing billable


def test_leftover_unit_goes_to_the_code_with_most_remaining_minutes():
    # 33 + 7 = 40 minutes -> 3 units; 97530 has 2 whole units, 7 > 3 remaining minutes gives 97110 the third.
    assert assign_timed_units([("97530", 33), ("97110", 7)]) == [2, 1]
    # 24 + 20 = 44 -> 3 units: 1 + 1 whole, the leftover to 97530 (9 remaining) over 97110 (5).
    assert assign_timed_units([("97530", 24), ("97110", 20)]) == [2, 1]


def test_units_never_exceed_the_total():
    for a in range(0, 40):
        for b in range(0, 40):
            units = assign_timed_units([("97530", a), ("97110", b)])
            assert sum(units) == total_timed_units(a + b)
