"""A probe, not a product path (docs/history.md, "Choice rule for the hands' masks", 2026-12-03): would a decode that
allows for the two hands being swapped read more coco-clocks under the protocol?

    python scripts/swap_decode_probe.py [--model M.onnx] [DATASET]

Each reading t is scored by the mixture (1 - eps) p_direct(t) + eps p_swap(t): p_direct is the joint decode's
(``clockreader.decode.joint_log_probs``), p_swap the heads' mass of the swapped hands (both normalised over the 720 readings) (the hour head read at the
minute hand's angle, the minute head at the hour hand's), and the reading is the one with the most mass within a
minute, as ``decode`` ranks them. Prints the count within 1 minute for each eps (eps 0 is the reader as it reads).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from clockreader.decode import _log_softmax, joint_log_probs
from clockreader.evaluate import load_test_set, protocol_crop
from clockreader.runtime.reader import load_reader
from clockreader.time import circular_diff

COCO = Path(__file__).resolve().parents[2] / "shared" / "data" / "coco-clocks"


def swap_mixture(logits: np.ndarray, eps: float) -> np.ndarray:
    """(N, 780) logits (the points' votes in) -> (N, 720) log-masses of the mixture of direct and swapped hands."""
    direct = joint_log_probs(logits)
    if not eps:
        return direct
    lh, lm = _log_softmax(logits[:, :720].astype(np.float64)), _log_softmax(logits[:, 720:].astype(np.float64))
    t = np.arange(720)
    # the minute hand's angle in hour bins, the hour hand's in minute bins; normalised over the 720 readings as direct is
    swap = _log_softmax(lh[:, (t % 60) * 12] + lm[:, t // 12])
    return np.logaddexp(np.log1p(-eps) + direct, np.log(eps) + swap)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", default=str(COCO))
    ap.add_argument("--model")
    a = ap.parse_args()
    items = load_test_set(a.dataset)
    logits = load_reader(a.model, threads=2).image_logits([protocol_crop(it) for it in items])
    truth = np.array([it.time.index720 for it in items])
    for eps in (0, 0.02, 0.05, 0.1, 0.2, 0.3):
        p = np.exp(swap_mixture(logits, eps))
        best = (p + np.roll(p, 1, 1) + np.roll(p, -1, 1)).argmax(1)
        print(f"eps {eps:<4}: {int((circular_diff(best, truth) <= 1).sum())}/{len(items)} within 1 minute under the protocol")


if __name__ == "__main__":
    main()
