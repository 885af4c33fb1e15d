"""Two readers' pseudo-labels, agreed (issue 24, item 1: "a second model"): the photos both kept within
``AGREE_MINUTES`` of each other (the first reader's label and view) and the first reader's video frames.

    python scripts/agree_labels.py runs/pseudo3-E2 runs/pseudo3-bundled --out runs/pseudo3
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

from clockreader.pseudo import AGREE_MINUTES
from clockreader.time import ClockTime, circular_diff


def rows(folder: Path) -> list[dict]:
    with (folder / "labels.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def minute720(r: dict) -> int:
    return ClockTime(int(r["hour"]), int(r["minute"])).index720


def agree(first: Path, second: Path, out: Path) -> dict:
    if out.exists():
        raise FileExistsError(f"{out} exists; choose another --out")
    other = {r["source"]: minute720(r) for r in rows(second) if r["kind"] == "pseudo photo"}
    ours = rows(first)
    kept = [r for r in ours if r["kind"] != "pseudo photo"
            or (r["source"] in other and circular_diff(minute720(r), other[r["source"]]) <= AGREE_MINUTES)]
    (out / "images").mkdir(parents=True)
    for r in kept:
        shutil.copy2(first / r["path"], out / r["path"])
    with (out / "labels.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(kept[0]))
        w.writeheader()
        w.writerows(kept)
    counts = {"frames": sum(r["kind"] == "pseudo video" for r in kept), "photos": sum(r["kind"] == "pseudo photo" for r in kept),
              "first_photos": sum(r["kind"] == "pseudo photo" for r in ours), "second_photos": len(other)}
    print(counts)
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    agree(a.first, a.second, a.out)
