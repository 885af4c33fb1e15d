"""The result of reading one clock, :class:`Reading`, and the one JSON/CSV row schema built from it:
``Reading.to_dict()`` for a clock, :func:`error_dict` for an input that could not be read, :func:`rows_for` for
one input's result. ``read``, ``batch``, ``test`` and the server all write these rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ClockReaderError
from ..time import ClockTime


@dataclass
class Reading:
    """One clock reading. ``confidence`` is the model's probability that the reading is right to +-1 min."""

    hour: int
    minute: int
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    unsure: bool = False
    box: tuple[float, float, float, float] | None = None
    clock_found: bool = True   # False: the locators found no clock and the model is unsure of the whole photo

    @property
    def status(self) -> str:
        """``ok``, ``unsure`` (a clock, read with low confidence) or ``no clock`` (nothing that looks like one)."""
        return "no clock" if not self.clock_found else "unsure" if self.unsure else "ok"

    @property
    def time(self) -> ClockTime:
        return ClockTime(self.hour, self.minute)

    def __str__(self) -> str:
        return f"{self.hour}:{self.minute:02d}"

    def to_dict(self) -> dict:
        """The one JSON/CSV schema of a reading (``error`` rows: :func:`error_dict`). A ``no clock`` row gives no time."""
        if not self.clock_found:
            return {"status": self.status, "time": None, "hour": None, "minute": None, "confidence": round(self.confidence, 4),
                    "alternatives": [], "box": None, "unsure": True}
        return {
            "status": self.status, "time": str(self), "hour": self.hour, "minute": self.minute, "confidence": round(self.confidence, 4),
            "alternatives": [{"time": t, "confidence": round(c, 4)} for t, c in self.alternatives],
            "box": None if self.box is None else [round(float(v), 1) for v in self.box],
            "unsure": self.unsure,
        }


def rows_for(result, all_clocks: bool = False) -> list[dict]:
    """The JSON/CSV rows (``Reading.to_dict`` plus ``error``) of one input's :meth:`ClockReader.read_many`
    result: its best clock (the one read most surely, as :func:`read_time` gives), or with ``all_clocks``
    every clock found; an input that could not be read gives one :func:`error_dict` row."""
    if isinstance(result, ClockReaderError):
        return [error_dict(str(result))]
    return [{**r.to_dict(), "error": None} for r in (result if all_clocks else result[:1])]


def error_dict(message: str) -> dict:
    """The row of an input that could not be read, in :meth:`Reading.to_dict`'s schema."""
    return {"status": "error", "time": None, "hour": None, "minute": None, "confidence": None, "alternatives": [],
            "box": None, "unsure": None, "error": message}
