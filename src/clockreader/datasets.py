"""Readers for labelled clock images. Every reader yields :class:`LabelledImage` (path, time, extra).

Formats:

* the Kaggle "TIME - Image Dataset-Classification" layout: ``train/ valid/ test/`` with class folders
  ``H-MM/`` (optionally ``clocks.csv``);
* a CSV with ``path,hour,minute`` columns (other columns kept in ``extra``, e.g. ``kind``), such as
  ``real-clocks/labels.csv``; optional ``x0,y0,x1,y1`` columns give the labelled clock's box in the
  image's pixels (``LabelledImage.box``), as in ``coco-clocks/labels.csv``;
* file names ending in ``_H_MM.ext`` (e.g. ``kitchen_10_08.jpg``);
* a folder ``images/`` with ``label.csv`` holding ``hour,minute`` rows in file-name order (hour 0 = 12).

:func:`read_dataset` picks the reader from what it finds.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DatasetError, InvalidTimeError
from .images import IMAGE_EXTENSIONS
from .time import ClockTime

_CLASS_DIR = re.compile(r"^(\d{1,2})-(\d{2})$")
_NAME_TIME = re.compile(r"_(\d{1,2})_(\d{2})$")


BOX_COLUMNS = ("x0", "y0", "x1", "y1")


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    time: ClockTime
    extra: dict = field(default_factory=dict, compare=False)
    box: tuple[float, float, float, float] | None = None  # the labelled clock, x0, y0, x1, y1 in the image's pixels


def box_from_row(row: dict, where: str) -> tuple[float, float, float, float] | None:
    """The ``x0,y0,x1,y1`` box of a CSV row; None when the columns are absent or all empty."""
    vals = [str(row.get(k) or "").strip() for k in BOX_COLUMNS]
    if not any(vals):
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in vals)
    except ValueError:
        raise DatasetError(f"{where}: the box columns x0,y0,x1,y1 must all be numbers, got {','.join(vals)}") from None
    if not (x1 > x0 >= 0 and y1 > y0 >= 0):
        raise DatasetError(f"{where}: the box {x0:g},{y0:g},{x1:g},{y1:g} must have x1 > x0 >= 0 and y1 > y0 >= 0")
    return x0, y0, x1, y1


def _is_image(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS


def time_from_row(row: dict, where: str) -> ClockTime:
    try:
        hour, minute = int(str(row["hour"]).strip()), int(str(row["minute"]).strip())
    except (KeyError, ValueError, TypeError):
        raise DatasetError(f"{where}: 'hour' and 'minute' must be whole numbers, got {row.get('hour')!r}, {row.get('minute')!r}") from None
    try:
        return ClockTime.from_24h(hour, minute) if hour in (0, 24) or hour > 12 else ClockTime(hour, minute)
    except InvalidTimeError as e:
        raise DatasetError(f"{where}: {e}") from None


def read_time_layout(root: str | Path, splits: tuple[str, ...] = ("train", "valid", "test")) -> Iterator[LabelledImage]:
    """The Kaggle TIME layout: ``root/<split>/<H-MM>/*.jpg``; ``extra`` holds the split."""
    root = Path(root)
    found = False
    for split in splits:
        for d in sorted((root / split).glob("*")) if (root / split).is_dir() else []:
            m = _CLASS_DIR.match(d.name)
            if not d.is_dir() or not m:
                continue
            try:
                t = ClockTime(int(m.group(1)), int(m.group(2)))
            except InvalidTimeError as e:
                raise DatasetError(f"{d}: class folder is not a clock time ({e})") from None
            for f in sorted(d.iterdir()):
                if _is_image(f):
                    found = True
                    yield LabelledImage(f, t, {"split": split})
    if not found:
        raise DatasetError(f"{root}: no images in train/valid/test class folders named H-MM")


def read_csv_labels(csv_path: str | Path) -> Iterator[LabelledImage]:
    """A CSV with ``path,hour,minute`` columns (and optionally the box, ``x0,y0,x1,y1``); paths are relative
    to the CSV's folder."""
    csv_path = Path(csv_path)
    try:
        fh = csv_path.open(newline="", encoding="utf-8")
    except OSError as e:
        raise DatasetError(f"{csv_path}: cannot open ({e.strerror})") from None
    with fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not {"path", "hour", "minute"} <= cols:
            raise DatasetError(f"{csv_path}: needs columns path,hour,minute; found {','.join(reader.fieldnames or []) or 'none'}")
        for line, row in enumerate(reader, start=2):
            where = f"{csv_path}:{line}"
            if not row.get("path"):
                raise DatasetError(f"{where}: empty 'path'")
            t = time_from_row(row, where)
            box = box_from_row(row, where)
            extra = {k: v for k, v in row.items() if k not in ("path", "hour", "minute", *BOX_COLUMNS) and k is not None}
            yield LabelledImage(csv_path.parent / row["path"], t, extra, box)


def read_named_files(folder: str | Path) -> Iterator[LabelledImage]:
    """Images whose names end in ``_H_MM`` (hour 0-12, 0 meaning 12), searched recursively."""
    folder = Path(folder)
    found = False
    for f in sorted(folder.rglob("*")):
        if not _is_image(f):
            continue
        m = _NAME_TIME.search(f.stem)
        if not m:
            continue
        try:
            t = ClockTime.parse(f"{m.group(1)}:{m.group(2)}")
        except InvalidTimeError as e:
            raise DatasetError(f"{f}: {e}") from None
        found = True
        yield LabelledImage(f, t, {})
    if not found:
        raise DatasetError(f"{folder}: no images named like name_H_MM.jpg")


def read_images_label_csv(root: str | Path) -> Iterator[LabelledImage]:
    """``root/images/*`` with ``root/label.csv`` of ``hour,minute`` rows in sorted file-name order."""
    root = Path(root)
    images = sorted((p for p in (root / "images").iterdir() if _is_image(p)), key=lambda p: (len(p.stem), p.stem))
    with (root / "label.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"hour", "minute"} <= set(rows[0]):
        raise DatasetError(f"{root / 'label.csv'}: needs columns hour,minute")
    if len(rows) != len(images):
        raise DatasetError(f"{root / 'label.csv'}: {len(rows)} label rows for {len(images)} images in {root / 'images'}")
    for line, (row, img) in enumerate(zip(rows, images), start=2):
        yield LabelledImage(img, time_from_row(row, f"{root / 'label.csv'}:{line}"), {})


def read_dataset(source: str | Path) -> list[LabelledImage]:
    """Read any supported labelled set from a folder or a CSV file (format detected)."""
    p = Path(source)
    if not p.exists():
        raise DatasetError(f"{p}: no such file or folder")
    if p.is_file():
        if p.suffix.lower() != ".csv":
            raise DatasetError(f"{p}: a dataset file must be a .csv with path,hour,minute columns")
        items = list(read_csv_labels(p))
    elif (p / "labels.csv").is_file():
        items = list(read_csv_labels(p / "labels.csv"))
    elif any((p / s).is_dir() for s in ("train", "valid", "test")):
        items = list(read_time_layout(p))
    elif (p / "images").is_dir() and (p / "label.csv").is_file():
        items = list(read_images_label_csv(p))
    else:
        items = list(read_named_files(p))
    if not items:
        raise DatasetError(f"{p}: no labelled images found")
    return items
