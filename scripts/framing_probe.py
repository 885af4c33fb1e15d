"""Probe (issue 24): does reading each located clock in several framings, and keeping the surest, read more real
clocks end to end than today's one framing? Reads every located box of coco-clocks, real-clocks photos and
time-lapse videos 2 and 4 (every 5th frame) in several framings, saves every view's logits, then scores
selection rules offline against today's read path (``ClockReader._plan`` + ``read_many``'s surest-first).

    python scripts/framing_probe.py [--model M.onnx] --out runs/probe-bundled.npy
    python scripts/framing_probe.py --score runs/probe-bundled.npy

A probe, not a product path: a rule that wins goes into the read path under a rule fixed before measuring.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from clockreader.decode import decode
from clockreader.evaluate import load_test_set
from clockreader.evaluate_video import read_video_set
from clockreader.geometry import context_box
from clockreader.images import draft_scale, load_image
from clockreader.runtime.locator import crop_with_margin
from clockreader.runtime.reader import ClockReader, _fills_frame
from clockreader.time import ClockTime, circular_diff
from clockreader.video import iter_frames

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FRAMINGS = ("m15", "m05", "m30", "sq", "x-", "x+", "y-", "y+")


def framed(im, box, name):
    """One framing of a located box, cut as the read path cuts it (:func:`crop_with_margin`), or the protocol's square."""
    if name == "sq":
        return im.crop(context_box(box, im.width, im.height))
    x0, y0, x1, y1 = (float(v) for v in box)
    dx = {"x-": -0.08, "x+": 0.08}.get(name, 0.0) * (x1 - x0)
    dy = {"y-": -0.08, "y+": 0.08}.get(name, 0.0) * (y1 - y0)
    return crop_with_margin(im, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), {"m05": 0.05, "m30": 0.30}.get(name, 0.15))


def probe_image(reader: ClockReader, image) -> dict:
    """Every view's logits: (B, F, 780) for B located boxes in F framings, the whole photo's (780,), and whether
    the top box fills the frame (today's ``auto`` then reads the whole photo alone)."""
    im = load_image(image, draft_size=1024)
    dets = reader.locator.locate(im)
    sx, sy = draft_scale(im)
    boxes = [np.divide(d.box, [sx, sy, sx, sy]) for d in dets]
    whole = reader.image_logits([im])[0]
    if not boxes:
        return {"views": np.zeros((0, len(FRAMINGS), whole.shape[-1]), np.float32), "whole": whole, "fills": False}
    crops = [framed(im, b, f) for b in boxes for f in FRAMINGS]
    out = np.concatenate([reader.image_logits(crops[i:i + 16]) for i in range(0, len(crops), 16)])
    return {"views": out.reshape(len(boxes), len(FRAMINGS), -1).astype(np.float32), "whole": whole,
            "fills": bool(_fills_frame(boxes[0], im))}


def collect(model, out: Path, frames: slice, threads: int | None = None):
    reader = ClockReader(model, threads)
    sets = {}
    sets["coco"] = [(it.name, it.time.index720, it.load) for it in load_test_set(str(SHARED / "coco-clocks"))]
    sets["rc-photos"] = [(it.name, it.time.index720, it.load) for it in load_test_set(str(SHARED / "real-clocks"))
                         if it.extra.get("kind") == "photo"]
    records = {}
    for name, items in sets.items():
        records[name] = [dict(name=n, truth=t, **probe_image(reader, load())) for n, t, load in tqdm(items, desc=name)]
    for v in read_video_set(SHARED / "timelapse"):
        if v.path.name not in ("clock_video_2.mp4", "clock_video_4.mp4"):
            continue
        recs = []
        for index, _, image in tqdm(iter_frames(v.path, every=None, frames=frames), desc=v.path.name):
            if index in v.truth:
                recs.append(dict(name=f"{v.path.name}:{index}", truth=v.truth[index].index720, **probe_image(reader, image)))
        records[v.path.stem] = recs
    np.save(out, np.array(records, dtype=object), allow_pickle=True)


def _reading(logits):
    best, conf, _ = decode(logits[None], top_k=1)
    return int(best[0]), float(conf[0])


def choose(rec, rule: str):
    """The index720 a rule reads for one image."""
    whole = _reading(rec["whole"])
    views = rec["views"]
    if not len(views) or rec["fills"]:
        return whole[0]
    if rule == "today":
        per_box = [_reading(v[0]) for v in views]
    elif rule == "surest-framing":
        per_box = [max((_reading(f) for f in v), key=lambda r: r[1]) for v in views]
    elif rule == "prob-mean":   # each box's framings' probabilities averaged (a vote, not a product)
        per_box = []
        for v in views:
            ph = np.exp(v[:, :720] - np.logaddexp.reduce(v[:, :720], axis=-1, keepdims=True))
            per_box.append((int(ph.mean(0).argmax()), float(ph.mean(0).max())))
    elif rule.startswith("subset:"):
        keep = [FRAMINGS.index(f) for f in rule.split(":")[1].split(",")]
        per_box = [max((_reading(v[k]) for k in keep), key=lambda r: r[1]) for v in views]
    else:
        raise ValueError(rule)
    best = max(per_box, key=lambda r: r[1])
    return (whole if whole[1] > best[1] else best)[0]


def oracle(rec) -> bool:
    cands = [rec["whole"], *rec["views"].reshape(-1, rec["whole"].shape[-1])]
    return any(circular_diff(_reading(c)[0], rec["truth"]) <= 2 for c in cands)


def score(path: Path, rules):
    records = np.load(path, allow_pickle=True).item()
    table = {}
    for name, recs in records.items():
        tol = 2 if name.startswith("clock_video") else 1
        row = {r: int(sum(circular_diff(choose(x, r), x["truth"]) <= tol for x in recs)) for r in rules}
        row["oracle"] = int(sum(oracle(x) for x in recs))
        row["n"] = len(recs)
        table[name] = row
    print(json.dumps(table, indent=1))
    return table


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--score", type=Path)
    ap.add_argument("--frames", default="::5")
    ap.add_argument("--threads", type=int)
    a = ap.parse_args()
    if a.score:
        score(a.score, ["today", "surest-framing", "prob-mean", "subset:m15,sq", "subset:m15,m30", "subset:m15,m05,m30"])
    else:
        from clockreader.video import parse_frames

        a.out.parent.mkdir(parents=True, exist_ok=True)
        collect(a.model, a.out, parse_frames(a.frames), a.threads)
