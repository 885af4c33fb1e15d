"""Score a model on labelled videos (``clockreader test ../shared/data/timelapse``), per video: the frames'
raw readings and the readings of the steady track fitted through them (:mod:`clockreader.track`).

A video set is a folder with ``videos.csv`` (a ``video`` column naming the files) and ``frames.csv``
(``video, frame, hour, minute[, second]``: the time of every labelled frame, frames numbered from 0 as
decoded). Frames are decoded through the same path as ``clockreader read VIDEO``. Every video is one clock:
report per video, never pooled over frames alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datasets import time_from_row
from .errors import ClockReaderError, DatasetError
from .time import ClockTime, circular_diff


@dataclass
class LabelledVideo:
    path: Path
    truth: dict[int, ClockTime]  # frame index -> time


def is_video_set(source: str | Path) -> bool:
    p = Path(source)
    return p.is_dir() and (p / "videos.csv").is_file() and (p / "frames.csv").is_file()


def read_video_set(source: str | Path) -> list[LabelledVideo]:
    """The videos of a video set, each with its labelled frames."""
    root = Path(source)
    with (root / "videos.csv").open(newline="", encoding="utf-8") as fh:
        names = [r["video"] for r in csv.DictReader(fh) if r.get("video")]
    truth: dict[str, dict[int, ClockTime]] = {n: {} for n in names}
    with (root / "frames.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not {"video", "frame", "hour", "minute"} <= set(reader.fieldnames or []):
            raise DatasetError(f"{root / 'frames.csv'}: needs columns video,frame,hour,minute")
        for line, row in enumerate(reader, start=2):
            where = f"{root / 'frames.csv'}:{line}"
            if row["video"] not in truth:
                raise DatasetError(f"{where}: video {row['video']!r} is not in videos.csv")
            try:
                frame = int(row["frame"])
            except ValueError:
                raise DatasetError(f"{where}: 'frame' must be a whole number, got {row['frame']!r}") from None
            truth[row["video"]][frame] = time_from_row(row, where)
    if not names:
        raise DatasetError(f"{root / 'videos.csv'}: lists no videos")
    return [LabelledVideo(root / n, truth[n]) for n in names]


def run_video_test(source: str | Path, model: str | Path | None = None, tolerance: int = 2, frames: slice | None = None,
                   locate: str = "auto", threads: int | None = None, zoom: bool = True, progress: bool = True,
                   videos: list[str] | None = None, reader=None) -> tuple[dict, list[dict]]:
    """Read the labelled frames of every video (``frames``: a slice of frame indices, default all) and
    score them within ``tolerance`` minutes: raw (each frame alone) and tracked (the steady track's
    reading, or the raw reading where no steady track fits). ``videos``: only these file names.
    Returns (figures, per-frame records)."""
    from tqdm.auto import tqdm

    from .evaluate import load_predictor
    from .video import track_of, video_info

    reader = reader or load_predictor(model, threads, zoom=zoom)
    items = read_video_set(source)
    if videos:
        items = [v for v in items if v.path.name in set(videos)]
        if not items:
            raise DatasetError(f"{source}: none of the videos {', '.join(videos)} is in videos.csv")
    per_video, records = {}, []
    for v in items:
        got, error = [], None
        try:
            info = video_info(v.path)
        except ClockReaderError as e:
            per_video[v.path.name] = {"frames": 0, "error": str(e)}
            continue
        bar = tqdm(total=info.frames or None, desc=v.path.name, unit="frame", disable=not progress, leave=False)
        try:
            for fr in reader.iter_video(v.path, every=None, frames=frames, locate=locate):
                bar.update(1 if frames is None else frames.step)
                if fr.frame in v.truth:
                    got.append(fr)
        except ClockReaderError as e:
            error = str(e)
        bar.close()
        if not got:
            per_video[v.path.name] = {"frames": 0, "error": error or "no labelled frame was read"}
            continue
        idx = np.array([f.frame for f in got])
        read = np.array([f.reading.time.index720 for f in got])
        true = np.array([v.truth[int(i)].index720 for i in idx])
        track = track_of(got, fps=info.fps)   # fitted to the frames where a clock was seen
        tracked = np.array([track.time_at(int(i)).index720 for i in idx]) if track.steady else read
        raw_ok = circular_diff(read, true) <= tolerance
        trk_ok = circular_diff(tracked, true) <= tolerance
        per_video[v.path.name] = {
            "frames": len(got), "raw_correct": int(raw_ok.sum()), "raw_accuracy": round(float(raw_ok.mean()), 4),
            "tracked_correct": int(trk_ok.sum()), "tracked_accuracy": round(float(trk_ok.mean()), 4),
            "median_error_minutes": float(np.median(circular_diff(read, true))),
            "track": track.to_dict(), "error": error,
        }
        for f, t, s, ok in zip(got, true, tracked, raw_ok):
            records.append({"video": v.path.name, "frame": f.frame, "true": str(ClockTime.from_index720(int(t))),
                            "read": str(f.reading), "tracked": str(ClockTime.from_index720(int(s))),
                            "error_minutes": int(circular_diff(f.reading.time.index720, int(t))),
                            "confidence": round(f.reading.confidence, 4)})
    figures = {"source": str(source), "model": str(getattr(reader, "path", model)), "tolerance_minutes": tolerance,
               "locate": locate, "frames": None if frames is None else f"{frames.start}:{frames.stop or ''}:{frames.step}",
               "videos": per_video}
    return figures, records


def format_video_table(fig: dict) -> str:
    lines = [f"clockreader test: {fig['source']}  ({len(fig['videos'])} videos, one clock each; frames {fig['frames'] or 'all'})",
             f"model: {fig['model']}  (--locate {fig['locate']})",
             f"{'video':<22} {'frames':>6}  {'raw within +-' + str(fig['tolerance_minutes']) + ' min':>24}  {'tracked':>18}  track"]
    for name, v in fig["videos"].items():
        if not v["frames"]:
            lines.append(f"{name:<22} {0:>6}  {v['error']}")
            continue
        t = v["track"]
        trk = (f"{t['start']} + {t['rate_minutes_per_frame']:.3f} min/frame, {100 * t['inlier_share']:.0f}% inliers" if t["steady"]
               else f"no steady track ({100 * t['inlier_share']:.0f}% on the best line)")
        lines.append(f"{name:<22} {v['frames']:>6}  {v['raw_correct']:>6}/{v['frames']:<5} {100 * v['raw_accuracy']:6.1f}%      "
                     f"{v['tracked_correct']:>5}/{v['frames']:<5} {100 * v['tracked_accuracy']:5.1f}%  {trk}"
                     + (f"  [{v['error']}]" if v.get("error") else ""))
    return "\n".join(lines)
