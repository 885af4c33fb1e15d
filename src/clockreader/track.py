"""A clock's track through a video: time advances at a steady rate, so a robust line that wraps at 12 h
fits the frames' readings, and the line's reading is steadier than any one frame's.

It's About Time (Yang, Xie and Zisserman, CVPR 2022) labels video frames this way: a RANSAC over
frame index -> minutes keeps the readings that agree with one steady line. Here:

* hypotheses come from pairs of readings a few samples apart (and a stopped clock, rate 0); a pair
  fixes the rate only up to whole turns of the dial (``(d + 720 k) / frames``), so every turn that keeps
  the clock under half a turn per sample is tried;
* a hypothesis scores the readings within ``tolerance`` minutes of it, circular over 12 h;
* the best is refined by least squares on its inliers, unwrapped about the line, and inliers re-chosen.

Written here rather than with scikit-learn's ``RANSACRegressor`` because the residual is circular over
12 hours and a pair of readings defines the rate only up to whole turns; ``RANSACRegressor`` fits a line to
unwrapped targets, and unwrapping noisy readings first is exactly what fails on a bad frame. It also keeps
the read path free of scikit-learn. Rates are clock minutes per frame; a clock is assumed to turn less than
half the dial (6 h) between two sampled frames.

>>> import numpy as np
>>> f = np.arange(0, 100, 10)
>>> m = (700 + 2.0 * f) % 720
>>> t = fit_track(f, m)
>>> round(t.rate, 3), round(t.start), t.steady
(2.0, 700, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .time import MINUTES_12H, ClockTime

MAX_PAIR_GAP = 8        # hypotheses from pairs of readings at most this many samples apart
MAX_HYPOTHESES = 4000   # pairs sampled (seeded) beyond this
MIN_INLIER_SHARE = 0.5  # a track is steady when at least this share of the readings agree with it ...
MIN_INLIERS = 3         # ... and at least this many


def _wrap(d: np.ndarray) -> np.ndarray:
    """Signed circular difference in [-360, 360) minutes."""
    return (np.asarray(d, float) + MINUTES_12H / 2) % MINUTES_12H - MINUTES_12H / 2


@dataclass
class Track:
    """``minutes(frame) = start + rate * frame`` (mod 720), fitted to a video's readings."""

    start: float                 # clock minutes (0-720) at frame 0
    rate: float                  # clock minutes per frame
    inliers: np.ndarray          # (N,) bool: the readings within ``tolerance`` of the line
    residuals: np.ndarray        # (N,) signed minutes, reading - line
    tolerance: float
    steady: bool                 # enough readings agree for the line to be trusted
    fps: float | None = None
    frames: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    @property
    def inlier_share(self) -> float:
        return float(self.inliers.mean()) if len(self.inliers) else 0.0

    @property
    def rate_per_second(self) -> float | None:
        """Clock minutes per second of video (1/60 for a clock filmed in real time)."""
        return None if not self.fps else self.rate * self.fps

    def minutes_at(self, frame) -> np.ndarray:
        return (self.start + self.rate * np.asarray(frame, float)) % MINUTES_12H

    def time_at(self, frame: int) -> ClockTime:
        return ClockTime.from_index720(int(np.floor(self.minutes_at(frame) + 0.5)) % MINUTES_12H)

    def summary(self) -> str:
        if not self.steady:
            return (f"no steady track fits: at best {int(self.inliers.sum())} of {len(self.inliers)} readings "
                    f"({100 * self.inlier_share:.0f}%) lie on one line within {self.tolerance:g} min")
        per_s = f", {self.rate_per_second:.4g} min per second of video" if self.rate_per_second is not None else ""
        return (f"steady track: {self.time_at(0)} at frame 0, {self.rate:.4g} clock min per frame{per_s}; "
                f"{int(self.inliers.sum())} of {len(self.inliers)} readings ({100 * self.inlier_share:.0f}%) within "
                f"{self.tolerance:g} min, rms {self.rms:.2f} min")

    @property
    def rms(self) -> float:
        r = self.residuals[self.inliers]
        return float(np.sqrt(np.mean(r ** 2))) if len(r) else float("nan")

    def to_dict(self) -> dict:
        return {
            "steady": self.steady, "start": str(self.time_at(0)), "start_minutes": round(float(self.start), 3),
            "rate_minutes_per_frame": round(float(self.rate), 6),
            "rate_minutes_per_second": None if self.rate_per_second is None else round(float(self.rate_per_second), 6),
            "inliers": int(self.inliers.sum()), "readings": len(self.inliers), "inlier_share": round(self.inlier_share, 4),
            "rms_minutes": None if not self.inliers.any() else round(self.rms, 3), "tolerance_minutes": self.tolerance,
        }


def _hypotheses(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(rates, intercepts) of the candidate lines through pairs of readings (and a stopped clock)."""
    n = len(x)
    i, j = [], []
    for g in range(1, min(MAX_PAIR_GAP, n - 1) + 1):
        i.append(np.arange(n - g)); j.append(np.arange(g, n))
    i, j = np.concatenate(i), np.concatenate(j)
    if len(i) > MAX_HYPOTHESES:
        keep = rng.choice(len(i), MAX_HYPOTHESES, replace=False)
        i, j = i[keep], j[keep]
    dx = x[j] - x[i]
    step = float(np.median(np.diff(x)))
    d = _wrap(y[j] - y[i])
    rates, starts = [np.zeros(n)], [y]       # rate 0 through every reading: a stopped or barely moving clock
    for k in range(0, MAX_PAIR_GAP // 2 + 2):
        r = (d + MINUTES_12H * k) / dx
        ok = np.abs(r) * step < MINUTES_12H / 2  # under half a turn between samples, else the rate is aliased
        rates.append(r[ok]); starts.append(y[i][ok] - r[ok] * x[i][ok])
    return np.concatenate(rates), np.concatenate(starts)


def fit_track(frames, minutes, tolerance: float = 3.0, fps: float | None = None, seed: int = 0,
              min_share: float = MIN_INLIER_SHARE) -> Track:
    """Fit ``minutes(frame) = start + rate * frame`` (mod 720) to readings (``minutes``: 0-720 of 12 h).

    Returns the best line found; ``steady`` says whether at least ``min_share`` of the readings (and at
    least 3) lie within ``tolerance`` minutes of it. ``fps`` only converts the rate to seconds of video.
    """
    x = np.asarray(frames, float)
    y = np.asarray(minutes, float) % MINUTES_12H
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"fit_track needs two 1-d arrays of one length. Got shapes {x.shape} and {y.shape} instead.")
    n = len(x)
    if n == 0:
        return Track(0.0, 0.0, np.zeros(0, bool), np.zeros(0), tolerance, False, fps, x.astype(int))
    if n == 1:
        return Track(float(y[0]), 0.0, np.ones(1, bool), np.zeros(1), tolerance, False, fps, x.astype(int))
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    rates, starts = _hypotheses(xs, ys, np.random.default_rng(seed))
    best, best_key = 0, (-1, 0.0)
    for lo in range(0, len(rates), 512):  # (H, N) residuals in chunks to bound memory
        res = np.abs(_wrap(ys[None] - (starts[lo:lo + 512, None] + rates[lo:lo + 512, None] * xs[None])))
        inl = res <= tolerance
        count = inl.sum(1)
        err = np.where(inl, res, 0).sum(1)
        for h in np.flatnonzero(count == count.max()):
            key = (int(count[h]), -float(err[h]))
            if key > best_key:
                best, best_key = lo + h, key
    rate, start = float(rates[best]), float(starts[best])
    for _ in range(3):  # least squares on the inliers, unwrapped about the current line
        res = _wrap(y - (start + rate * x))
        inl = np.abs(res) <= tolerance
        if inl.sum() < 2 or np.ptp(x[inl]) == 0:
            break
        yu = start + rate * x[inl] + res[inl]
        rate, start = (float(v) for v in np.polyfit(x[inl], yu, 1))
    res = _wrap(y - (start + rate * x))
    inl = np.abs(res) <= tolerance
    steady = bool(inl.sum() >= MIN_INLIERS and inl.mean() >= min_share)
    return Track(start % MINUTES_12H, rate, inl, res, tolerance, steady, fps, x.astype(int))


__all__ = ["Track", "fit_track"]
