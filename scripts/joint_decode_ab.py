"""A/B for issue 24, item 2's decoding: read a ``+hands8`` model (``clockreader train --hands``) from its bins alone,
or jointly with its points: the hands' tip angles about the predicted centre, measured from the predicted 12
o'clock, add ``k * cos(bin angle - tip angle)`` to each head's logits (``clockreader.decode.hand_votes``) before the
usual joint decoding. ``k`` is chosen on renders (never on a real set): write it into the model's spec as
``points_weight``, and the reader decodes that way.

    python scripts/joint_decode_ab.py runs/hands1/model.onnx

Reads coco-clocks under It's About Time's protocol (box + 20% context) and real-clocks whole (``--locate never``,
the model alone: the points are the model's, so the locator is left out of this comparison).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from clockreader.decode import decode, hand_votes
from clockreader.evaluate import load_test_set, protocol_crop
from clockreader.preprocess import prepare
from clockreader.render import render_clock
from clockreader.runtime.reader import ClockReader
from clockreader.time import circular_diff

GRID = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)


def outputs(reader: ClockReader, images: list) -> tuple[np.ndarray, np.ndarray]:
    parts = [reader._outputs(np.stack([prepare(im, reader.spec) for im in images[i:i + 16]])) for i in range(0, len(images), 16)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def score(logits, points, truth, k, tolerance=1) -> int:
    got = decode(hand_votes(logits, points, k))[0]
    return int((circular_diff(got, truth) <= tolerance).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--renders", type=int, default=400, help="rendered clocks k is chosen on (seeds 70000...)")
    args = ap.parse_args()
    reader = ClockReader(args.model, locator=None)
    reader.spec.points_weight = 0.0  # the bins alone; the votes are added here, for each k
    if reader.spec.layout != "hour720+minute60+hands8":
        raise SystemExit(f"{args.model}: layout {reader.spec.layout}; this compares a +hands8 model's decodings")
    size = reader.spec.input_size
    sets = {}
    renders = [render_clock(70_000 + i, size=size, turned=0.3) for i in range(args.renders)]
    sets["renders"] = ([r.image for r in renders], np.array([r.time.index720 for r in renders]), 1)
    coco = load_test_set("../shared/data/coco-clocks")
    sets["coco protocol"] = ([protocol_crop(it) for it in coco], np.array([it.time.index720 for it in coco]), 1)
    rc = load_test_set("../shared/data/real-clocks")
    sets["real-clocks whole"] = ([reader.load(it.load()) for it in rc], np.array([it.time.index720 for it in rc]), 1)
    results = {}
    for name, (images, truth, tol) in sets.items():
        logits, points = outputs(reader, images)
        results[name] = {str(k): score(logits, points, truth, k, tol) for k in GRID}
        results[name]["count"] = len(truth)
    best = max(GRID, key=lambda k: results["renders"][str(k)])
    print(f"k chosen on {args.renders} renders: {best}")
    for name, r in results.items():
        print(f"  {name:<20} bins alone {r['0.0']}/{r['count']}   with the points (k={best}) {r[str(best)]}/{r['count']}   "
              + "  ".join(f"k={k}: {r[str(k)]}" for k in GRID[1:]))
    print(json.dumps({"chosen_k": best, "results": results}))


if __name__ == "__main__":
    main()
