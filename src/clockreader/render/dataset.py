"""Write rendered clocks as datasets, and render the standard synthetic test split.

``write_time_layout`` writes the Kaggle "TIME - Image Dataset-Classification" layout the seed trained on:
``train/ valid/ test/`` with 144 class folders ``H-MM/``, a ``clocks.csv`` (``class index,filepaths,
labels,data set``; labels as ``H_MM``) and, beside it, ``truth.jsonl`` with each image's full truth.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from ..time import CLASS_NAMES_144, ClockTime
from .scene import RenderedClock, render_clock

SPLITS = ("train", "valid", "test")
TEST_RENDER_SIZE = 160  # pixels of the standard synthetic test split (``synthetic:N:SEED``)


def synthetic_test_clocks(n: int, seed: int, size: int = TEST_RENDER_SIZE) -> Iterator[RenderedClock]:
    """``n`` clocks with times spread evenly over 12 hours (``synthetic:1440:2024`` gives 10 per
    5-minute class), clock i seeded by (seed, i)."""
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        t = ClockTime.from_minutes((i + rng.random()) * 720.0 / n)
        yield render_clock(rng, size=size, time=t)


def write_time_layout(out: str | Path, per_class: int, size: int = 224, seed: int = 0,
                      fractions: tuple[float, float, float] = (0.8, 0.1, 0.1), progress: bool = True) -> Path:
    """Render ``per_class`` clocks for each of the 144 five-minute classes into ``out`` (TIME layout)."""
    from tqdm.auto import tqdm

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out}: folder exists and is not empty; choose a new OUT (nothing is overwritten)")
    if not 1 <= per_class <= 100_000:
        raise ValueError(f"The 'per_class' parameter must be an int in [1, 100000]. Got {per_class!r} instead.")
    bounds = np.cumsum(np.asarray(fractions) / np.sum(fractions)) * per_class
    rows, truth = [], []
    with tqdm(total=144 * per_class, desc="rendering clocks", unit="img", disable=not progress) as bar:
        for cls in range(144):
            name = CLASS_NAMES_144[cls]
            base = ClockTime.from_index144(cls)
            for k in range(per_class):
                split = SPLITS[int(np.searchsorted(bounds, k, side="right"))]
                rng = np.random.default_rng([seed, cls, k])
                t = ClockTime.from_minutes(base.index720 + rng.uniform(0, 5))
                s = render_clock(rng, size=size, time=t)
                rel = Path(split) / name / f"{cls:03d}_{k:05d}.jpg"
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                s.image.save(out / rel, quality=92)
                rows.append([cls, rel.as_posix(), name.replace("-", "_"), split])
                truth.append({"filepaths": rel.as_posix(), **s.truth()})
                bar.update()
    with (out / "clocks.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["class index", "filepaths", "labels", "data set"])
        w.writerows(rows)
    with (out / "truth.jsonl").open("w") as fh:
        for t in truth:
            fh.write(json.dumps(t) + "\n")
    return out


def preview_sheet(count: int = 64, seed: int = 0, size: int = 128, columns: int = 8, full_rotation: bool = False) -> Image.Image:
    """A contact sheet of ``count`` rendered clocks with their times (clock i seeded by (seed, i))."""
    from .sheet import contact_sheet

    samples = [render_clock(np.random.default_rng([seed, i]), size=size, full_rotation=full_rotation) for i in range(count)]
    caps = [f"{s.time.hour}:{s.time.minute:02d}:{int(s.time.second):02d}" for s in samples]
    return contact_sheet([s.image for s in samples], caps, columns=columns, cell=size)
