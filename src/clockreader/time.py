"""Clock time as a value: 12-hour readings, class indices, hand angles and circular distances.

Conventions (used everywhere in clockreader):

* ``hour`` is 1..12, ``minute`` 0..59, ``second`` 0..59 (optional, float allowed).
* ``index720`` is the minute of the 12-hour cycle, 0..719, with 12:00 -> 0 and 1:00 -> 60.
* ``index144`` is the seed's 5-minute class, 0..143, in the Kaggle "TIME" order ``1-00 .. 12-55``
  (hour 1 first, 12 last), named ``H-MM`` (hour unpadded, minute two digits).
* Angles are degrees clockwise from 12 o'clock, in [0, 360).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import InvalidTimeError

MINUTES_12H = 720
_PARSE_RE = re.compile(r"^\s*(\d{1,2})\s*[-_:.h]\s*(\d{1,2})(?:\s*[-_:.]\s*(\d{1,2}))?\s*$")


@dataclass(frozen=True, order=True)
class ClockTime:
    """A reading of an analog clock: hour 1-12, minute 0-59, optional second 0-60 (exclusive)."""

    hour: int
    minute: int
    second: float = 0.0

    def __post_init__(self):
        if not (isinstance(self.hour, (int, np.integer)) and 1 <= self.hour <= 12):
            raise InvalidTimeError(f"The 'hour' of ClockTime must be an int in [1, 12]. Got {self.hour!r} instead.")
        if not (isinstance(self.minute, (int, np.integer)) and 0 <= self.minute <= 59):
            raise InvalidTimeError(f"The 'minute' of ClockTime must be an int in [0, 59]. Got {self.minute!r} instead.")
        if not (0 <= float(self.second) < 60):
            raise InvalidTimeError(f"The 'second' of ClockTime must be in [0, 60). Got {self.second!r} instead.")
        object.__setattr__(self, "hour", int(self.hour))
        object.__setattr__(self, "minute", int(self.minute))

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def from_index720(cls, index: int, second: float = 0.0) -> "ClockTime":
        """Build from the minute of the 12-hour cycle (any int; wrapped modulo 720)."""
        index = int(index) % MINUTES_12H
        hour = index // 60
        return cls(12 if hour == 0 else hour, index % 60, second)

    @classmethod
    def from_index144(cls, index: int) -> "ClockTime":
        """Build from a seed 5-minute class index 0..143 (``1-00`` is 0, ``12-55`` is 143)."""
        if not 0 <= int(index) < 144:
            raise InvalidTimeError(f"A 5-minute class index must be in [0, 143]. Got {index!r} instead.")
        return cls(int(index) // 12 + 1, (int(index) % 12) * 5)

    @classmethod
    def from_minutes(cls, minutes: float) -> "ClockTime":
        """Build from fractional minutes since 12:00 (wrapped modulo 720); seconds kept."""
        minutes = float(minutes) % MINUTES_12H
        whole = int(minutes)
        second = round((minutes - whole) * 60, 6)
        if second >= 60:
            whole, second = whole + 1, 0.0
        return cls.from_index720(whole, second)

    @classmethod
    def from_24h(cls, hour: int, minute: int, second: float = 0.0) -> "ClockTime":
        """Build from a 0-23 hour (0 and 12 both read 12 on a dial)."""
        if not 0 <= int(hour) <= 24:
            raise InvalidTimeError(f"A 24-hour 'hour' must be in [0, 24]. Got {hour!r} instead.")
        h = int(hour) % 12
        return cls(12 if h == 0 else h, minute, second)

    @classmethod
    def parse(cls, text: str) -> "ClockTime":
        """Parse ``H-MM``, ``H_MM``, ``H:MM`` (optionally ``:SS``); hour 0-12 (0 means 12).

        >>> ClockTime.parse("3-25")
        ClockTime(hour=3, minute=25, second=0.0)
        >>> ClockTime.parse("0:05").hour
        12
        """
        m = _PARSE_RE.match(str(text))
        if not m:
            raise InvalidTimeError(
                f"Cannot parse {text!r} as a clock time: expected H-MM, H_MM or H:MM (e.g. 3-25, 10:08)."
            )
        hour, minute = int(m.group(1)), int(m.group(2))
        second = float(m.group(3)) if m.group(3) else 0.0
        if hour > 12 or minute > 59 or second >= 60:
            raise InvalidTimeError(f"Cannot parse {text!r} as a clock time: hour must be 0-12 and minute 0-59.")
        return cls(12 if hour == 0 else hour, minute, second)

    # --- views --------------------------------------------------------------------------------
    @property
    def index720(self) -> int:
        """Minute of the 12-hour cycle, 0..719 (12:00 -> 0)."""
        return (self.hour % 12) * 60 + self.minute

    @property
    def index144(self) -> int:
        """The seed's 5-minute class 0..143 (``1-00`` -> 0); minutes are floored to the 5-minute step."""
        return (self.hour - 1) * 12 + self.minute // 5

    @property
    def minutes(self) -> float:
        """Fractional minutes since 12:00, 0 <= m < 720."""
        return self.index720 + self.second / 60.0

    @property
    def class_name(self) -> str:
        """The Kaggle TIME folder name of the 5-minute class, e.g. ``3-25``."""
        return class_name_144(self.index144)

    @property
    def hour_angle(self) -> float:
        """Hour hand angle in degrees clockwise from 12: 30*h + 0.5*m (+ seconds)."""
        return (self.minutes * 0.5) % 360.0

    @property
    def minute_angle(self) -> float:
        """Minute hand angle in degrees clockwise from 12: 6 per minute (+ seconds)."""
        return ((self.minute + self.second / 60.0) * 6.0) % 360.0

    @property
    def second_angle(self) -> float:
        """Second hand angle in degrees clockwise from 12."""
        return (float(self.second) * 6.0) % 360.0

    def __str__(self) -> str:
        return f"{self.hour}:{self.minute:02d}"


def class_name_144(index: int) -> str:
    """Name of a 5-minute class index 0..143, e.g. 0 -> ``1-00``, 143 -> ``12-55``."""
    return f"{index // 12 + 1}-{(index % 12) * 5:02d}"


CLASS_NAMES_144: tuple[str, ...] = tuple(class_name_144(i) for i in range(144))


def index720_to_index144(index720: np.ndarray | int) -> np.ndarray | int:
    """Map minute-of-12h indices to the seed's 5-minute classes (vectorised)."""
    idx = np.asarray(index720) % MINUTES_12H
    hour = idx // 60
    hour = np.where(hour == 0, 12, hour)
    out = (hour - 1) * 12 + (idx % 60) // 5
    return int(out) if np.ndim(out) == 0 else out


def circular_diff(a: np.ndarray | float, b: np.ndarray | float, period: float = MINUTES_12H) -> np.ndarray | float:
    """Absolute circular difference between ``a`` and ``b`` (minutes over 12 h by default).

    >>> circular_diff(719, 0)   # 11:59 vs 12:00
    1
    >>> circular_diff(30, 690)  # 12:30 vs 11:30
    60
    """
    d = np.abs(np.asarray(a) - np.asarray(b)) % period
    out = np.minimum(d, period - d)
    return out.item() if np.ndim(out) == 0 else out


def time_distance(a: ClockTime, b: ClockTime) -> float:
    """Circular distance in minutes between two readings over 12 hours (12:59 vs 1:00 -> 1)."""
    return float(circular_diff(a.minutes, b.minutes))
