"""From model logits to clock readings, in NumPy (shared by training metrics and the runtime).

Output layout ``hour720+minute60``: the network scores the hour hand's position in 720 bins (the minute
of 12 hours it points at) and the minute hand in 60 bins. A reading t in 0..719 is decoded jointly,

    log p(t) = log p_hour(t) + log p_minute(t mod 60),

so the hour always agrees with where the hour hand stands: at 2:58 the hour hand is just short of 3,
which the hour head sees, and 3:58 (an hour hand near 4) scores low even if "3" is the nearest numeral.
The minute head is shared by all 12 hours, so it learns from 12x more examples per bin than a plain
720-way classifier would. The same decoding gives the seed's 144 five-minute classes.
"""

from __future__ import annotations

import numpy as np

from .time import MINUTES_12H, circular_diff

NUM_OUTPUTS = 780
DIAL_OUTPUTS = 8  # layout ``...+dial8``: the dial's quarter points (12, 3, 6, 9 o'clock) as x, y in [-1, 1];
# ``...+hands8``: its centre, 12 o'clock, hour-hand tip and minute-hand tip, the same way


def split_outputs(out: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A reader network's (N, 780) or (N, 788) output -> (N, 780) reading logits and (N, 4, 2) points (the
    layout's ``dial8`` or ``hands8``: x, y scaled to [-1, 1] over the model input; None for a model without them)."""
    out = np.asarray(out)
    if out.ndim != 2 or out.shape[1] not in (NUM_OUTPUTS, NUM_OUTPUTS + DIAL_OUTPUTS):
        raise ValueError(f"reader outputs must have shape (N, {NUM_OUTPUTS}) or (N, {NUM_OUTPUTS + DIAL_OUTPUTS}). Got {out.shape} instead.")
    dial = out[:, NUM_OUTPUTS:].reshape(len(out), 4, 2) if out.shape[1] > NUM_OUTPUTS else None
    return out[:, :NUM_OUTPUTS], dial


def tip_angles(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4, 2) ``hands8`` points (centre, 12 o'clock, hour tip, minute tip) -> each hand's angle in degrees,
    clockwise from the predicted 12 about the predicted centre (image y points down)."""
    points = np.asarray(points, np.float64)

    def angle(p):
        d = p - points[:, 0]
        return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))
    twelve = angle(points[:, 1])
    return (angle(points[:, 2]) - twelve) % 360, (angle(points[:, 3]) - twelve) % 360


_BIN_ANGLES = (np.radians((np.arange(720) + 0.5) * 0.5), np.radians((np.arange(60) + 0.5) * 6.0))  # hour, minute bins' centres


def hand_votes(logits: np.ndarray, points: np.ndarray, weight: float) -> np.ndarray:
    """Decode the bins jointly with a ``+hands8`` model's points: each hand's tip angle adds
    ``weight * cos(bin angle - tip angle)`` to its head's logits (a von Mises vote; a bin's angle is its centre's).
    ``weight`` 0 leaves the logits as they are."""
    logits = np.asarray(logits, np.float32)
    if not weight:
        return logits
    hour, minute = tip_angles(points)
    out = np.array(logits, np.float64)
    out[:, :720] += weight * np.cos(_BIN_ANGLES[0][None] - np.radians(hour)[:, None])
    out[:, 720:] += weight * np.cos(_BIN_ANGLES[1][None] - np.radians(minute)[:, None])
    return out.astype(np.float32)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def joint_log_probs(logits: np.ndarray) -> np.ndarray:
    """(N, 780) logits -> (N, 720) normalised log-probabilities of each minute of 12 hours."""
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2 or logits.shape[1] != NUM_OUTPUTS:
        raise ValueError(f"logits must have shape (N, {NUM_OUTPUTS}). Got {logits.shape} instead.")
    lh = _log_softmax(logits[:, :720])
    lm = _log_softmax(logits[:, 720:])
    joint = lh + np.tile(lm, (1, 12))
    return _log_softmax(joint)


def decode(logits: np.ndarray, top_k: int = 3, min_separation: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode a batch.

    Returns ``(index720, confidence, alternatives)``: (N,) the minute-of-12h with the most probability
    mass within +-1 minute of it, (N,) that mass (the confidence), and (N, top_k-1, 2) next best readings as
    ``[index720, confidence]`` at least ``min_separation`` minutes away from better ones.
    """
    p = np.exp(joint_log_probs(logits))
    n = len(p)
    # probability within +-1 minute: the mass a +-1-minute reading would be right with
    pw = p + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1)
    best = np.empty(n, np.int64)
    conf = np.empty(n)
    alts = np.zeros((n, max(top_k - 1, 0), 2))
    for i in range(n):
        # rank by the +-1-minute mass: the reading most likely to be right to the minute; masses equal to
        # 1e-9 (a sum's rounding) go to the minute with more mass of its own, not to whatever order the
        # platform's sort leaves ties in (numpy's AVX-512 argsort and its fallback differ)
        order = np.lexsort((-p[i], -np.round(pw[i], 9)))
        chosen: list[int] = []
        for t in order:
            if all(circular_diff(t, c) >= min_separation for c in chosen):
                chosen.append(int(t))
                if len(chosen) == top_k:
                    break
        best[i] = chosen[0]
        conf[i] = min(pw[i, chosen[0]], 1.0)
        for j, t in enumerate(chosen[1:]):
            alts[i, j] = (t, min(pw[i, t], 1.0))
    return best, conf, alts


def top_k_indices(logits: np.ndarray, k: int = 3) -> np.ndarray:
    """(N, k) most likely minute-of-12h readings, best first (for top-k metrics)."""
    lp = joint_log_probs(logits)
    return np.argsort(-lp, axis=1)[:, :k]


def soft_targets(minutes: np.ndarray, sigma_hour: float = 4.0, sigma_minute: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Circular Gaussian targets for the two heads from exact (fractional) minutes since 12:00.

    Bin ``t`` stands for readings in [t, t+1), so its centre is t + 0.5. Returns (N, 720) and (N, 60).
    """
    minutes = np.asarray(minutes, np.float64)[:, None]
    d_h = circular_diff(np.arange(720)[None] + 0.5, minutes, MINUTES_12H)
    d_m = circular_diff(np.arange(60)[None] + 0.5, minutes % 60, 60)
    th = np.exp(-0.5 * (d_h / sigma_hour) ** 2)
    tm = np.exp(-0.5 * (d_m / sigma_minute) ** 2)
    return th / th.sum(1, keepdims=True), tm / tm.sum(1, keepdims=True)
