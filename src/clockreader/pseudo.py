"""Pseudo-labels for self-training on real clocks (``clockreader pseudo-label SOURCES --out DIR``).

It's About Time (Yang, Xie and Zisserman, CVPR 2022) went from synthetic-only training to reading real
clocks mainly by training on real footage labelled by the model itself, where the labels can be trusted:

* **videos**: time advances steadily, so the track fitted through a video's readings
  (:func:`clockreader.track.fit_track`) labels *every* sampled frame, the misread ones included; only videos
  whose track is clean (``CLEAN_TRACK`` of the readings on it) are kept;
* **photos**: a label is kept only where independent views agree: the clock the locators find, read as
  ``read`` reads it, and the same box cut looser, tighter and shifted; all within ``AGREE_MINUTES`` of each
  other, and the reading's confidence at least ``threshold``.

Each kept view (the crop the reader read) is written to ``DIR/images/`` with ``DIR/labels.csv``
(``path,hour,minute,kind,source,frame,confidence``), a labelled set that ``clockreader train --data DIR`` mixes
with fresh renders. Never give it a set used for validation (``coco-clocks``, ``real-clocks``, or a
time-lapse video kept for validation).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path


from .errors import ClockReaderError
from .images import IMAGE_EXTENSIONS, load_image
from .time import circular_diff
from .video import VIDEO_EXTENSIONS, is_video

log = logging.getLogger(__name__)

CLEAN_TRACK = 0.8      # a video is labelled by its track when this share of its readings lie on it
AGREE_MINUTES = 2      # views of a photo agree when every reading is within this of the main one
# a photo's label is kept when its views agree and the main reading's confidence is at least this; chosen by
# scripts/choose_pseudo_threshold.py on the real validation sets (docs/history.md, "Pseudo-labels")
PHOTO_THRESHOLD = 0.7
PER_CLASS = 8          # photos kept per 5-minute class at most, surest first: product shots pile up at 10:10
VIEW_SIDE = 384        # kept views are stored at most this many pixels a side (twice the reader's 192 px input)
# the other views of a photo's clock: (margin of the box's size on each side, shift as a share of its side)
OTHER_VIEWS = ((0.35, (0.0, 0.0)), (0.05, (0.0, 0.0)), (0.15, (0.06, -0.06)), (0.15, (-0.06, 0.06)))


@dataclass
class PseudoLabel:
    image: object          # PIL image: the view the reader read
    minute720: int
    kind: str              # "video" or "photo"
    source: str
    frame: int | None
    confidence: float


def _cut(im, box, margin: float, shift=(0.0, 0.0)):
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    dx, dy = shift[0] * w, shift[1] * h
    return im.crop((int(max(0, x0 - margin * w + dx)), int(max(0, y0 - margin * h + dy)),
                    int(min(im.width, x1 + margin * w + dx)), int(min(im.height, y1 + margin * h + dy))))


def photo_views(reader, image) -> tuple[object, list, object | None]:
    """(the view ``read`` reads, readings of every view (that one first), the box or None) for one photo."""
    from .runtime.reader import auto_view

    im = load_image(image)   # full resolution: the boxes and the crops in the same pixels
    main = reader.read_all(im, locate="auto")[0]
    if main.box is None:
        return im, [main], None
    view = auto_view(im, main.box)
    others = [_cut(im, main.box, m, s) for m, s in OTHER_VIEWS]
    return view, [main, *reader.readings_from_logits(reader.image_logits(others))], main.box


def label_photo(reader, path, threshold: float = PHOTO_THRESHOLD) -> PseudoLabel | None:
    view, readings, box = photo_views(reader, path)
    main = readings[0]
    if box is None or main.confidence < threshold:
        return None
    m = main.time.index720
    if max(circular_diff(m, r.time.index720) for r in readings[1:]) > AGREE_MINUTES:
        return None
    return PseudoLabel(view, m, "photo", str(path), None, main.confidence)


def label_video(reader, path, frames: slice) -> tuple[list[PseudoLabel], object]:
    """Every sampled frame's view labelled by the video's track; none when the track is not clean."""
    from .runtime.reader import auto_view
    from .track import fit_track
    from .video import iter_frames

    views, idx, read = [], [], []
    for index, _, image in iter_frames(path, every=None, frames=frames):
        r = reader.read_all(image, locate="auto")[0]
        if not r.clock_found:   # no clock seen (hidden, out of frame): neither a reading for the fit nor a view to label
            continue
        views.append(auto_view(image, r.box) if r.box is not None else image)
        idx.append(index); read.append(r)
    track = fit_track(idx, [r.time.index720 for r in read])
    if not track.steady or track.inlier_share < CLEAN_TRACK:
        return [], track
    return [PseudoLabel(v, track.time_at(i).index720, "video", str(path), i, r.confidence)
            for v, i, r in zip(views, idx, read)], track


def cap_per_class(rows: list[dict], cap: int = PER_CLASS) -> list[dict]:
    """``rows`` with at most ``cap`` photo labels per 5-minute class (the most confident kept); video frames all."""
    from .time import ClockTime

    keep, seen = set(), {}
    for i in sorted(range(len(rows)), key=lambda i: -float(rows[i]["confidence"])):
        r = rows[i]
        if r["kind"] == "pseudo photo":
            c = ClockTime(int(r["hour"]), int(r["minute"])).index144
            seen[c] = seen.get(c, 0) + 1
            if seen[c] > cap:
                continue
        keep.add(i)
    return [r for i, r in enumerate(rows) if i in keep]


def expand_sources(sources: list[str]) -> list[Path]:
    out = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS))
        else:
            out.append(p)
    return out


def pseudo_label(sources: list[str], out: str | Path, model=None, frames: slice = slice(0, None, 2),
                 threshold: float = PHOTO_THRESHOLD, progress: bool = True) -> dict:
    """Write the pseudo-labelled views of ``sources`` (videos, photos, folders) to ``out``; return counts."""
    from tqdm.auto import tqdm

    from .runtime.reader import load_reader
    from .time import ClockTime

    out = Path(out)
    if (out / "labels.csv").exists() or (out / "images").exists():
        raise FileExistsError(f"{out} already holds a labelled set; pseudo-label writes a new one (choose another --out)")
    (out / "images").mkdir(parents=True, exist_ok=True)
    reader = load_reader(model)
    files = expand_sources(sources)
    counts = {"photos": 0, "photos_kept": 0, "videos": 0, "videos_kept": 0, "frames_kept": 0, "failed": 0, "tracks": {}}
    rows = []

    def keep(lab: PseudoLabel, name: str):
        im = lab.image.copy()
        im.thumbnail((VIEW_SIDE, VIEW_SIDE))
        im.save(out / "images" / name, quality=92)
        t = ClockTime.from_index720(lab.minute720)
        rows.append({"path": f"images/{name}", "hour": t.hour, "minute": t.minute, "kind": f"pseudo {lab.kind}",
                     "source": lab.source, "frame": "" if lab.frame is None else lab.frame, "confidence": round(lab.confidence, 4)})

    for k, f in enumerate(tqdm(files, desc="pseudo-labelling", unit="file", disable=not progress)):
        try:
            if is_video(f):
                counts["videos"] += 1
                labs, track = label_video(reader, f, frames)
                counts["tracks"][str(f)] = track.to_dict()
                counts["videos_kept"] += bool(labs)
                counts["frames_kept"] += len(labs)
                for lab in labs:
                    keep(lab, f"v{k:04d}_{f.stem}_{lab.frame:05d}.jpg")
            else:
                counts["photos"] += 1
                lab = label_photo(reader, f, threshold)
                if lab is not None:
                    counts["photos_kept"] += 1
                    keep(lab, f"p{k:05d}_{f.stem[:40]}.jpg")
        except ClockReaderError as e:
            counts["failed"] += 1
            log.warning("%s", e)
    capped = cap_per_class(rows)
    counts["photos_capped"] = len(rows) - len(capped)
    for path in {r["path"] for r in rows} - {r["path"] for r in capped}:   # remove the views not kept
        (out / path).unlink(missing_ok=True)
    rows = capped
    with (out / "labels.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, ["path", "hour", "minute", "kind", "source", "frame", "confidence"])
        w.writeheader()
        w.writerows(rows)
    counts["labels"] = len(rows)
    return counts


__all__ = ["AGREE_MINUTES", "CLEAN_TRACK", "PHOTO_THRESHOLD", "label_photo", "label_video", "photo_views", "pseudo_label"]
