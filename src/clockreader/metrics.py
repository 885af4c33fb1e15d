"""How good is a clock reader: the seed's metrics, the field's, and an error analysis.

Functions take ``(y_true, y_pred)`` as minute-of-12h indices (0..719), scikit-learn style.

* Seed (the student project's test program): scikit-learn ``classification_report`` over the 144
  five-minute classes, and a score of 1 per fully right reading, 0.5 when exactly one hand is right.
* Field (Yang et al., "It's About Time", CVPR 2022): top-1 within +-1 minute (circular over 12 h), hour
  accuracy, minute accuracy (+-1), top-3 within +-1.
* Errors: absolute error quantiles, hand swaps, a misplaced 12 (dial read rotated by 90/180/270 degrees),
  mirror-like readings, off-by-one-hour near the full hour, calibration (expected calibration error).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .time import CLASS_NAMES_144, MINUTES_12H, circular_diff, index720_to_index144


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64) % MINUTES_12H


def abs_error(y_true, y_pred) -> np.ndarray:
    """Circular absolute error in minutes over 12 hours (12:59 vs 1:00 -> 1)."""
    return circular_diff(_arr(y_true), _arr(y_pred)).astype(np.int64)


def hour_right(y_true, y_pred) -> np.ndarray:
    return _arr(y_true) // 60 == _arr(y_pred) // 60


def minute_right(y_true, y_pred, tolerance: int = 1) -> np.ndarray:
    """Minute hand right: minutes within ``tolerance`` (circular over 60)."""
    return circular_diff(_arr(y_true) % 60, _arr(y_pred) % 60, 60) <= tolerance


def seed_score(y_true, y_pred, tolerance: int = 1, five_minute: bool = False) -> float:
    """The seed's score in percent: 1 per fully right reading, 0.5 when exactly one hand is right.

    With ``five_minute`` the minute hand is right when the 5-minute class agrees (for 5-minute labels).
    """
    t, p = _arr(y_true), _arr(y_pred)
    h = hour_right(t, p)
    m = (t % 60) // 5 == (p % 60) // 5 if five_minute else minute_right(t, p, tolerance)
    return float(np.mean(np.where(h & m, 1.0, np.where(h ^ m, 0.5, 0.0))) * 100) if len(t) else 0.0


def seed_report(y_true, y_pred) -> tuple[str, dict]:
    """scikit-learn's classification report over the 144 five-minute classes (text and dict)."""
    from sklearn.metrics import classification_report

    t, p = index720_to_index144(_arr(y_true)), index720_to_index144(_arr(y_pred))
    labels = sorted(set(np.atleast_1d(t).tolist()) | set(np.atleast_1d(p).tolist()))
    names = [CLASS_NAMES_144[i] for i in labels]
    kw = dict(labels=labels, target_names=names, zero_division=0)
    return classification_report(t, p, digits=3, **kw), classification_report(t, p, output_dict=True, **kw)


def _angle_close(a, b, tol) -> np.ndarray:
    return circular_diff(np.asarray(a, float), np.asarray(b, float), 360.0) <= tol


def error_kinds(y_true, y_pred) -> dict[str, np.ndarray]:
    """Boolean masks of typical failures (only among wrong readings, error > 1 minute)."""
    t, p = _arr(y_true), _arr(y_pred)
    wrong = abs_error(t, p) > 1
    th, tm = t * 0.5, (t % 60) * 6.0
    ph, pm = p * 0.5, (p % 60) * 6.0
    # a swap reads the long hand as the hour: its hour lands within one hour-step of the long hand
    swap = _angle_close(ph, tm, 30) & _angle_close(pm, th, 12)
    mirror = _angle_close(ph, (360 - th) % 360, 15) & _angle_close(pm, (360 - tm) % 360, 12)
    rotated = np.zeros(len(t), bool)
    for k in (90, 180, 270):
        rotated |= _angle_close(ph, (th + k) % 360, 15) & _angle_close(pm, (tm + k) % 360, 12)
    near_full = ((t % 60) >= 50) | ((t % 60) <= 10)
    off_hour = (np.abs(abs_error(t, p) - 60) <= 1) & near_full
    return {"hand_swap": wrong & swap, "rotated_12": wrong & rotated & ~swap, "mirror": wrong & mirror & ~swap,
            "off_by_one_hour_near_full_hour": wrong & off_hour}


def expected_calibration_error(confidence, correct, bins: int = 10) -> float:
    """ECE: the mean gap between confidence and accuracy over equal-width confidence bins."""
    c, ok = np.asarray(confidence, float), np.asarray(correct, float)
    if not len(c):
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(c, edges[1:-1]), 0, bins - 1)
    return float(sum(abs(c[idx == b].mean() - ok[idx == b].mean()) * (idx == b).mean() for b in range(bins) if (idx == b).any()))


def evaluate(y_true, y_pred, top3=None, confidence=None, unsure=None, groups=None, tolerance: int = 1) -> dict:
    """Every figure for one set of readings. ``top3``: (N, 3) best readings; ``groups``: a label per image."""
    t, p = _arr(y_true), _arr(y_pred)
    n = len(t)
    err = abs_error(t, p)
    ok = err <= tolerance
    out: dict = {"count": int(n)}
    if n == 0:
        return out
    t144, p144 = index720_to_index144(t), index720_to_index144(p)
    out["seed"] = {
        "accuracy_5min_class": float(np.mean(np.atleast_1d(t144) == np.atleast_1d(p144))),
        "score": seed_score(t, p, tolerance),
        "macro_f1": seed_report(t, p)[1]["macro avg"]["f1-score"],
        "weighted_f1": seed_report(t, p)[1]["weighted avg"]["f1-score"],
    }
    out["field"] = {
        "top1_within_1min": float(ok.mean()),
        "hour_accuracy": float(hour_right(t, p).mean()),
        "minute_accuracy": float(minute_right(t, p, tolerance).mean()),
    }
    if top3 is not None:
        top3 = _arr(top3)
        out["field"]["top3_within_1min"] = float((abs_error(np.repeat(t[:, None], top3.shape[1], 1), top3) <= tolerance).any(1).mean())
    out["errors"] = {
        "median_minutes": float(np.median(err)), "mean_minutes": float(err.mean()),
        "p90_minutes": float(np.percentile(err, 90)),
        **{k: int(v.sum()) for k, v in error_kinds(t, p).items()},
    }
    if confidence is not None:
        out["calibration"] = {"ece": expected_calibration_error(confidence, ok),
                              "mean_confidence": float(np.mean(confidence))}
    if unsure is not None:
        u = np.asarray(unsure, bool)
        out["unsure"] = {"count": int(u.sum()),
                         "accuracy_of_sure": float(ok[~u].mean()) if (~u).any() else None}
    if groups is not None:
        by = defaultdict(list)
        for i, g in enumerate(groups):
            by[str(g)].append(i)
        out["groups"] = {g: {"count": len(ix), "top1_within_1min": float(ok[ix].mean()),
                             "correct": int(ok[ix].sum()), "hour_accuracy": float(hour_right(t[ix], p[ix]).mean()),
                             "seed_score": seed_score(t[ix], p[ix], tolerance)}
                         for g, ix in sorted(by.items())}
    return out
