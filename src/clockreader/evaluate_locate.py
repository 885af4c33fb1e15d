"""How well the locator finds clocks: recall and precision at IoU >= 0.5 on synthetic scenes; end-to-end
reading of the clocks in synthetic scenes (what ``clockreader read`` does to a wide photo) against reading
each clock from its true box; and real clock photos pasted into larger real backgrounds at known boxes,
with end-to-end reading accuracy on those composites compared with reading the original photos."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from .datasets import read_dataset
from .images import load_image
from .runtime.locator import ClockLocator
from .geometry import box_iou
from .render.scenes import render_scene, scene_band
from .time import circular_diff


def _match(dets, truth: np.ndarray, iou: float) -> tuple[int, int, int]:
    boxes = np.array([d.box for d in dets]).reshape(-1, 4)
    matched, tp = set(), 0
    for b in boxes:
        if len(truth):
            ious = box_iou(b, truth)[0]
            j = int(ious.argmax())
            if ious[j] >= iou and j not in matched:
                matched.add(j)
                tp += 1
    return tp, len(boxes) - tp, len(truth) - len(matched)


def synthetic_scene_figures(locator: ClockLocator, n: int = 300, seed: int = 4242, size: int = 384, iou: float = 0.5) -> dict:
    """Recall / precision on ``n`` scenes rendered at ``size`` px (clocks 0.3-85% of the area)."""
    tp = fp = fn = 0
    empty_with_box = 0
    for i in range(n):
        s = render_scene(np.random.default_rng([seed, i]), size)
        dets = locator.locate(s.image)
        a, b, c = _match(dets, s.boxes, iou)
        tp, fp, fn = tp + a, fp + b, fn + c
        empty_with_box += int(len(s.boxes) == 0 and len(dets) > 0)
    return {"scenes": n, "clocks": tp + fn, "recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1),
            "scenes_without_clocks_given_a_box": empty_with_box}


THRESHOLD_SEED = 777  # the scenes a locator's score threshold is chosen on (its figures use seed 4242)
THRESHOLD_GRID = tuple(round(0.2 + 0.05 * k, 2) for k in range(13))  # 0.2 ... 0.8


def choose_score_threshold(locator: ClockLocator, n: int = 200, seed: int = THRESHOLD_SEED, size: int = 384,
                           iou: float = 0.5, grid: tuple[float, ...] = THRESHOLD_GRID, stage: str = "alone") -> dict:
    """The heatmap score threshold with the best F1 (recall and precision at IoU >= ``iou``) on ``n``
    synthetic scenes of their own seed, found through the locator's own views and merge, for one stage of
    ``locate`` given the stages before it: ``alone``, ``locator``'s own; ``small``, its small-clock
    locator's, added to its boxes; ``zoom``, the small-clock locator's in the zoomed search's windows
    (its ``zoom_threshold``), added to both; ``grid``, ``locator``'s own in the grid look's windows (its
    ``zoom_threshold``), added to all three. Returns the threshold and the whole sweep."""
    if stage not in ("alone", "small", "zoom", "grid"):
        raise ValueError(f"The 'stage' parameter must be alone, small, zoom or grid. Got {stage!r} instead.")
    counts = {t: [0, 0, 0] for t in grid}  # true positives, false positives, missed clocks
    for i in range(n):
        s = render_scene(np.random.default_rng([seed, i]), size)
        if stage == "alone":
            fixed, dets = [], locator.locate_alone(s.image, threshold=min(grid))
        else:
            fixed = locator.locate_alone(s.image)
            if stage == "small":
                dets = locator.small_extra(s.image, fixed, threshold=min(grid))
            else:
                extra, hints = locator.small_and_hints(s.image, fixed)  # one pass of the small-clock locator for both
                fixed = fixed + extra
                if stage == "zoom":
                    dets = locator.zoom_extra(s.image, fixed, threshold=min(grid), hints=hints)
                else:
                    fixed = fixed + locator.zoom_extra(s.image, fixed, hints=hints)
                    wanted = locator.grid_wanted(s.image, fixed)   # as ``locate`` takes it
                    dets = locator.grid_extra(s.image, fixed, threshold=min(grid)) if wanted else []
        # greedy merging keeps the same boxes above t whether t filters before or after it, nearly: ``_outer`` may
        # drop a sure small box inside a weak big one at a low t, so the low end of the sweep is approximate
        for t in grid:
            a, b, c = _match(fixed + [d for d in dets if d.score >= t], s.boxes, iou)
            counts[t] = [counts[t][0] + a, counts[t][1] + b, counts[t][2] + c]
    sweep = {}
    for t, (tp, fp, fn) in counts.items():
        r, p = tp / max(tp + fn, 1), tp / max(tp + fp, 1)
        sweep[f"{t:.2f}"] = {"recall": r, "precision": p, "f1": 2 * r * p / max(r + p, 1e-9)}
    best = max(grid, key=lambda t: sweep[f"{t:.2f}"]["f1"])
    return {"threshold": best, "scenes": n, "seed": seed, "size": size, "sweep": sweep}


# clock side / image side: tiny < 0.15 <= small < 0.25 <= medium < 0.45 <= large
SIDE_BINS = {"tiny": 0.15, "small": 0.25, "medium": 0.45, "large": math.inf}


def _side_bin(box: np.ndarray, short_side: int) -> str:
    side = max(box[2] - box[0], box[3] - box[1]) / short_side
    return next(name for name, top in SIDE_BINS.items() if side < top)


def scene_reading_figures(reader, n: int = 100, seed: int = 5151, size: int = 768, iou: float = 0.5, progress: bool = False,
                          aspect: float = 1.0) -> dict:
    """Read every clock in ``n`` synthetic scenes as ``clockreader read`` does (``read_all``, ``locate="auto"``).

    A clock counts as read when a reading whose box overlaps its true box (IoU >= ``iou``) is within ±1
    minute. Each clock is also read from its true box (with the locator's margin), which separates what
    the locator loses from what the reader loses. Figures are given by the clock's side relative to the
    image's short side (:data:`SIDE_BINS`: tiny < 0.15 <= small < 0.25 <= medium < 0.45 <= large). ``aspect``
    other than 1 reads the band of each scene with that width / height (``scene_band``; scenes whose band
    would cut a clock are skipped).
    """
    from tqdm.auto import tqdm

    from .runtime.reader import auto_view

    rows = []  # (bin, found, read end to end, read from the true box)
    for i in tqdm(range(n), desc="scenes", unit="scene", disable=not progress):
        s = render_scene(np.random.default_rng([seed, i]), size)
        if aspect != 1.0:
            s = scene_band(s, aspect)
        if s is None or not len(s.boxes):
            continue
        readings = reader.read_all(s.image, locate="auto")
        boxed = [r for r in readings if r.box is not None]
        direct = reader.read_batch([auto_view(s.image, b) for b in s.boxes])
        for b, t, d in zip(s.boxes, s.times, direct):
            ious = box_iou(np.array([r.box for r in boxed]), b)[:, 0] if boxed else np.zeros(0)
            found = bool(len(ious)) and ious.max() >= iou
            hit = found and circular_diff(boxed[int(ious.argmax())].time.index720, t.index720) <= 1
            rows.append((_side_bin(b, min(s.image.size)), found, hit, circular_diff(d.time.index720, t.index720) <= 1))

    def figures(sel):
        k = max(len(sel), 1)
        return {"clocks": len(sel), "found": sum(r[1] for r in sel) / k, "read_within_1min": sum(r[2] for r in sel) / k,
                "read_from_true_box": sum(r[3] for r in sel) / k}

    out = {"scenes": n, "size": size, "aspect": aspect, **figures(rows)}
    out["by_clock_side"] = {name: figures([r for r in rows if r[0] == name]) for name in SIDE_BINS}
    return out


def real_composite_figures(locator: ClockLocator, reader, real_dir: str, seed: int = 7, size: int = 768, iou: float = 0.5,
                           sides: tuple[float, ...] = (0.2, 0.3, 0.45)) -> dict:
    """Paste each real clock image into a packaged background photo at a known box, its long side one of
    ``sides`` of the background's (drawn at random); find and read it."""
    from .render.backgrounds import photo_backgrounds

    pool = photo_backgrounds()
    rng = np.random.default_rng(seed)
    items = read_dataset(real_dir)
    found = read_direct = read_composite = 0
    per_scale: dict[str, list[int]] = {}
    for it in items:
        clock = load_image(it.path)
        frac = float(rng.choice(sides))  # clock side relative to the background side
        bg = (pool[int(rng.integers(len(pool)))] if pool else Image.new("RGB", (512, 512), (128, 128, 128))).resize((size, size))
        side = int(frac * size)
        scale = side / max(clock.size)
        w, h = max(8, int(clock.width * scale)), max(8, int(clock.height * scale))
        x0, y0 = int(rng.integers(0, size - w)), int(rng.integers(0, size - h))
        bg = bg.copy()
        bg.paste(clock.resize((w, h), Image.BILINEAR), (x0, y0))
        truth = np.array([[x0, y0, x0 + w, y0 + h]], float)
        dets = locator.locate(bg)
        hit = _match(dets, truth, iou)[0] > 0
        found += hit
        per_scale.setdefault(f"{frac:.2f}", []).append(int(hit))
        direct = reader.read(clock)
        read_direct += circular_diff(direct.time.index720, it.time.index720) <= 1
        readings = reader.read_all(bg, locate="always")
        best = max(readings, key=lambda r: (box_iou(np.array(r.box), truth)[0, 0] if r.box else 0.0, r.confidence))
        read_composite += circular_diff(best.time.index720, it.time.index720) <= 1
    n = len(items)
    return {"images": n, "found_at_iou_0.5": found / n, "found_by_clock_side": {k: sum(v) / len(v) for k, v in sorted(per_scale.items())},
            "read_within_1min_original": read_direct / n, "read_within_1min_composite": read_composite / n}


HOLD_OUT = 5  # photos whose file name hashes to 0 mod this are never trained on: the held-out fifth of real boxes


def held_out(path: str) -> bool:
    """Whether a real photo is in the held-out fifth (a stable CRC32 of its file name, not Python's salted hash)."""
    import zlib
    from pathlib import Path

    return zlib.crc32(Path(path).name.encode()) % HOLD_OUT == 0


def read_boxes(source: str) -> dict[str, np.ndarray]:
    """Labelled clock boxes by image: a labelled set with ``x0,y0,x1,y1`` columns (``coco-clocks``) or a CSV of
    ``path,x0,y0,x1,y1`` rows, several per image allowed (``unlabelled-real/boxes.csv``); a folder stands for
    its ``labels.csv`` or ``boxes.csv``. Paths are resolved against the CSV's folder."""
    import csv
    from pathlib import Path

    from .datasets import BOX_COLUMNS, box_from_row
    from .errors import DatasetError

    p = Path(source)
    if p.is_dir():
        p = next((p / n for n in ("labels.csv", "boxes.csv") if (p / n).is_file()), p / "labels.csv")
    if not p.is_file():
        raise DatasetError(f"{source}: no labels.csv or boxes.csv with x0,y0,x1,y1 columns")
    out: dict[str, list] = {}
    with p.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        if not {"path", *BOX_COLUMNS} <= set(rows.fieldnames or []):
            raise DatasetError(f"{p}: needs columns path,x0,y0,x1,y1 for the locator's figures on real boxes")
        for line, row in enumerate(rows, start=2):
            box = box_from_row(row, f"{p}:{line}")
            if box is not None:
                out.setdefault(str(p.parent / row["path"]), []).append(box)
    if not out:
        raise DatasetError(f"{p}: no boxes")
    return {k: np.array(v, float) for k, v in out.items()}


def real_box_figures(locator: ClockLocator, source: str, iou: float = 0.5, progress: bool = False,
                     held_out_only: bool = False) -> dict:
    """The locators on real photos with hand-labelled boxes, read at full resolution (boxes in the photo's
    pixels): recall and precision at IoU >= ``iou``, and how often the best box (the one ``read`` reads) is a
    labelled clock. Precision is a lower bound where photos hold clocks nobody boxed (the sets say so)."""
    from tqdm.auto import tqdm

    from .errors import ClockReaderError

    boxes = read_boxes(source)
    if held_out_only:   # the fifth that `train-locator --real-boxes` never trains on
        boxes = {p: b for p, b in boxes.items() if held_out(p)}
    tp = fp = fn = best_ok = no_box = failed = 0
    for path, truth in tqdm(boxes.items(), desc="locating", unit="img", disable=not progress):
        try:
            im = load_image(path)
        except ClockReaderError:
            failed += 1
            continue
        dets = locator.locate(im)
        a, b, c = _match(dets, truth, iou)
        tp, fp, fn = tp + a, fp + b, fn + c
        no_box += not dets
        best_ok += bool(dets) and float(box_iou(np.array(dets[0].box), truth).max()) >= iou
    n = len(boxes) - failed
    return {"source": str(source), "held_out_only": held_out_only, "images": n, "clocks": tp + fn, "failed_to_load": failed, "iou": iou,
            "recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1), "found": tp, "boxes_given": tp + fp,
            "best_box_is_labelled": best_ok / max(n, 1), "best_box_is_labelled_count": best_ok, "images_without_a_box": no_box}
