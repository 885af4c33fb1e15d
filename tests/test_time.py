import pytest
from hypothesis import given
from hypothesis import strategies as st

from clockreader.errors import InvalidTimeError
from clockreader.time import (CLASS_NAMES_144, ClockTime, circular_diff, class_name_144, index720_to_index144,
                              time_distance)

hours = st.integers(1, 12)
minutes = st.integers(0, 59)


@given(st.integers(0, 719))
def test_index720_round_trip(i):
    assert ClockTime.from_index720(i).index720 == i


@given(hours, minutes)
def test_parse_round_trip_all_separators(h, m):
    t = ClockTime(h, m)
    for sep in "-_:":
        assert ClockTime.parse(f"{h}{sep}{m:02d}") == t


@given(st.integers(0, 143))
def test_index144_round_trip_and_names(i):
    t = ClockTime.from_index144(i)
    assert t.index144 == i
    assert t.class_name == CLASS_NAMES_144[i] == class_name_144(i)
    assert index720_to_index144(t.index720) == i


def test_class_names_follow_the_time_dataset():
    assert CLASS_NAMES_144[0] == "1-00" and CLASS_NAMES_144[-1] == "12-55" and CLASS_NAMES_144[29] == "3-25"
    assert len(set(CLASS_NAMES_144)) == 144


def test_12_is_minute_zero_and_0_parses_as_12():
    assert ClockTime(12, 0).index720 == 0
    assert ClockTime(1, 0).index720 == 60
    assert ClockTime.parse("0:05") == ClockTime(12, 5)
    assert ClockTime.from_24h(0, 30) == ClockTime.from_24h(12, 30) == ClockTime(12, 30)
    assert ClockTime.from_24h(15, 10) == ClockTime(3, 10)


def test_wrap_at_12_59_and_11_59():
    assert ClockTime.from_index720(ClockTime(12, 59).index720 + 1) == ClockTime(1, 0)
    assert ClockTime.from_index720(ClockTime(11, 59).index720 + 1) == ClockTime(12, 0)
    assert time_distance(ClockTime(12, 59), ClockTime(1, 0)) == 1
    assert time_distance(ClockTime(11, 59), ClockTime(12, 0)) == 1
    assert time_distance(ClockTime(6, 0), ClockTime(12, 0)) == 360


@given(st.integers(0, 719), st.integers(0, 719))
def test_circular_diff_is_symmetric_and_bounded(a, b):
    d = circular_diff(a, b)
    assert d == circular_diff(b, a) and 0 <= d <= 360
    assert (d == 0) == (a == b)


def test_hand_angles():
    t = ClockTime(3, 30)
    assert t.minute_angle == 180 and t.hour_angle == 105
    assert ClockTime(12, 0).hour_angle == 0
    assert ClockTime(9, 45, 30).minute_angle == pytest.approx(273)


@pytest.mark.parametrize("bad", ["", "3", "13:00", "3:60", "abc", "3:5:99", "-1:00", "3/25"])
def test_parse_rejects_with_clear_message(bad):
    with pytest.raises(InvalidTimeError, match="expected H-MM|hour must be"):
        ClockTime.parse(bad)


@pytest.mark.parametrize("h,m", [(0, 0), (13, 0), (5, 60), (5, -1)])
def test_out_of_range_values(h, m):
    with pytest.raises(InvalidTimeError, match="must be an int in"):
        ClockTime(h, m)
