"""``clockreader read``: expand the inputs, read them (:meth:`ClockReader.read_many`), print lines / JSON / CSV,
annotate. One answer per input (its best clock; ``--all``: every clock found); every row has a ``status``
(ok, unsure, no clock, error); a bad input is its own error row and the batch goes on. Videos are read frame
by frame (one row per frame as it is read) and end with the clock's steady track."""

from __future__ import annotations

import csv
import glob
import json
import os
import sys
from pathlib import Path

from .errors import ClockReaderError
from .images import IMAGE_EXTENSIONS
from .video import VIDEO_EXTENSIONS, is_video

CSV_HEADER = ["path", "status", "time", "hour", "minute", "confidence", "unsure", "x0", "y0", "x1", "y1",
              "alternatives", "error", "frame", "t"]
JPEG = (".jpg", ".jpeg")


def expand_inputs(inputs: list[str]) -> list[tuple[str, object, Path | None]]:
    """(name, source, path relative to the folder it was found in) triples: files, folders (recursive,
    image and video extensions), globs, ``-`` for stdin. A name that matches nothing is kept, so that it is
    reported as an error in its place; so is a folder without images (its source is the error)."""
    out: list[tuple[str, object, Path | None]] = []
    for arg in inputs:
        if arg == "-":
            out.append(("-", sys.stdin.buffer.read(), None))
            continue
        p = Path(arg)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)
            if not files:
                out.append((arg, ClockReaderError(f"{arg}: no images or videos in this folder"), None))
            out.extend((str(f), f, f.relative_to(p)) for f in files)
        elif not p.exists() and glob.has_magic(arg):
            found = [m for m in sorted(glob.glob(arg, recursive=True)) if Path(m).is_file()]
            out.extend((m, Path(m), None) for m in found)
            if not found:
                out.append((arg, ClockReaderError(f"{arg}: no file matches"), None))
        else:
            out.append((arg, p, None))
    return out


def check_annotate_dir(folder: Path) -> str | None:
    """Why ``--annotate DIR`` cannot be written to, or None; checked before anything is read."""
    if folder.is_symlink() and not folder.exists():
        return f"--annotate {folder}: a dangling symbolic link"
    if folder.exists() and not folder.is_dir():
        return f"--annotate {folder}: exists and is not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"--annotate {folder}: cannot create it ({e.strerror})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"--annotate {folder}: not writable"
    return None


def annotated_path(folder: Path, name: str, rel: Path | None) -> Path:
    """Where an input's annotated copy goes: its place under the folder it was found in (or its file name),
    JPEG kept as JPEG, anything else as PNG."""
    rel = rel if rel is not None else Path(Path(name).name if name != "-" else "stdin")
    ext = rel.suffix.lower() if rel.suffix.lower() in JPEG else ".png"
    return folder / rel.parent / f"{rel.stem}.annotated{ext}"


def write_annotated(folder: Path, target: Path, image) -> None:
    """Write ``image`` to ``target`` inside ``folder``, never over an existing file or through a link."""
    parent = target.parent
    existing = parent
    while not existing.exists() and existing != folder:   # the nearest folder that is there already ...
        existing = existing.parent
    if existing.is_symlink() or not existing.resolve().is_relative_to(folder.resolve()):   # ... must lie inside DIR
        raise ClockReaderError(f"{target}: outside --annotate {folder}; not written")
    parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise ClockReaderError(f"{target}: exists; not overwritten") from None
    except OSError as e:
        raise ClockReaderError(f"{target}: cannot write ({e.strerror})") from None
    with os.fdopen(fd, "wb") as fh:
        image.save(fh, format="JPEG" if target.suffix in JPEG else "PNG", **({"quality": 92} if target.suffix in JPEG else {}))


class Printer:
    """Prints rows as text, JSON lines or CSV, and counts them for the summary."""

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.counts = {"ok": 0, "unsure": 0, "no clock": 0, "error": 0}
        self.writer = csv.writer(sys.stdout) if fmt == "csv" else None
        if self.writer:
            self.writer.writerow(CSV_HEADER)

    def row(self, name: str, row: dict, where: dict | None = None, count: bool = True) -> None:
        """Print one row; ``count``: it is an input's answer (its first row; a video counts once, at its end)."""
        if count:
            self.counts[row["status"]] += 1
        where = where or {}
        if self.fmt == "json":
            print(json.dumps({"path": name, **where, **row}))
        elif self.writer:
            box = row["box"] or ["", "", "", ""]
            unsure = "" if row["unsure"] is None else str(row["unsure"]).lower()
            self.writer.writerow([name, row["status"], row["time"] or "", "" if row["hour"] is None else row["hour"],
                                  "" if row["minute"] is None else row["minute"],
                                  "" if row["confidence"] is None else f"{row['confidence']:.4f}", unsure, *box,
                                  json.dumps(row["alternatives"]), row["error"] or "",
                                  where.get("frame", ""), "" if where.get("t") is None else where["t"]])
        elif row["status"] == "error":
            print(f"clockreader read: {row['error']}", file=sys.stderr)
        else:
            at = "" if "frame" not in where else f" frame {where['frame']}" + ("" if where.get("t") is None else f" ({where['t']:.2f} s)")
            if row["status"] == "no clock":
                print(f"{name}{at}  no clock  (the best guess {row['confidence']:.2f} sure of nothing)")
                return
            flag = "  unsure" if row["unsure"] else ""
            box = "  box " + ",".join(str(round(v)) for v in row["box"]) if row["box"] else ""
            print(f"{name}{at}  {row['time']}  (confidence {row['confidence']:.2f}){flag}{box}")

    def summary(self) -> str:
        c = self.counts
        return f"{c['ok'] + c['unsure']} read, {c['unsure']} unsure, {c['no clock']} no clock, {c['error']} failed"


def _read_video(printer: Printer, reader, args, name: str, path) -> bool:
    """One row per sampled frame as its model call returns (frames share calls of ``--batch-size`` views), then
    the track; False when the video could not be read whole."""
    from .runtime.reading import error_dict
    from .video import VideoReading, parse_frames, track_of

    frames = parse_frames(args.frames) if args.frames else None
    info, got, error = [], [], None
    try:
        for fr in reader.iter_video(path, every=args.every, frames=frames, locate=args.locate, info=info,
                                    batch_size=args.batch_size):
            got.append(fr)
            printer.row(name, {**fr.reading.to_dict(), "error": None}, {"frame": fr.frame, "t": None if fr.t is None else round(fr.t, 3)},
                        count=False)
            sys.stdout.flush()
    except ClockReaderError as e:
        error = str(e)
    if not got:
        printer.row(name, error_dict(error or f"{name}: no frame was chosen (check --frames / --every)"))
        return False
    fps = info[0].fps if info else None
    video = VideoReading(name, info[0] if info else None, got, track_of(got, fps=fps), error)
    if args.json:
        print(json.dumps({"path": name, **{k: v for k, v in video.to_dict().items() if k != "path"}}))
    else:
        print(f"{name}: {video.track.summary()}", file=sys.stderr if args.csv else sys.stdout)
    if error:
        printer.row(name, error_dict(error))
    else:
        printer.counts["ok"] += 1
    return error is None


def _usage(msg: str) -> int:
    print(f"clockreader read: {msg}", file=sys.stderr)
    return 2


def run_read(args) -> int:
    from tqdm.auto import tqdm

    from .runtime.reader import READ_BATCH, load_reader
    from .runtime.reading import rows_for
    from .video import parse_frames

    if args.batch_size is None:
        args.batch_size = READ_BATCH
    if args.batch_size < 1:
        return _usage(f"--batch-size must be >= 1. Got {args.batch_size} instead.")
    if args.threads is not None and args.threads < 0:
        return _usage(f"--threads must be >= 0 (0: ONNX Runtime's choice). Got {args.threads} instead.")
    if args.every is not None and args.every < 0:
        return _usage(f"--every must be >= 0 seconds. Got {args.every:g} instead.")
    if args.frames:
        try:
            parse_frames(args.frames)
        except ValueError as e:
            return _usage(str(e))
    annotate = Path(args.annotate) if args.annotate else None
    if annotate is not None and (why := check_annotate_dir(annotate)):
        return _usage(why)
    reader = load_reader(args.model, args.threads, locator=args.locator or "default", tta=args.tta, zoom=not args.no_zoom)
    triples = expand_inputs(args.inputs)
    if not triples:
        return _usage("no images or videos found in the given inputs")
    if args.locate != "never":
        _ = reader.locator            # a broken --locator is one line, not one error per input
    printer = Printer("json" if args.json else "csv" if args.csv else "text")
    failed = 0
    bar = tqdm(total=len(triples), unit="input", file=sys.stderr, disable=not (sys.stderr.isatty() and len(triples) > 5))
    for is_vid, run in _runs(triples):   # in input order: runs of photos share model calls, videos one by one
        if is_vid:
            name, src, _ = run[0]
            failed += not _read_video(printer, reader, args, name, src)
            bar.update(1)
            continue
        results = reader.read_many([src for _, src, _ in run], locate=args.locate, batch_size=args.batch_size,
                                   first=not args.all)
        for (name, src, rel), res in zip(run, results):
            bar.update(1)
            rows = rows_for(res, args.all)
            failed += rows[0]["status"] == "error"
            if annotate is not None and not isinstance(res, ClockReaderError):
                rows = _annotate(annotate, name, src, rel, res, rows)
            for k, row in enumerate(rows):
                printer.row(name, row, count=k == 0)
            sys.stdout.flush()
    bar.close()
    if len(triples) > 1:
        print(f"clockreader read: {printer.summary()}", file=sys.stderr)
    return 1 if failed else 0


def _runs(triples):
    """(is a video, inputs) runs in input order: each video alone, consecutive photos together."""
    run: list = []
    for t in triples:
        if isinstance(t[1], Path) and is_video(t[1]):
            if run:
                yield False, run
                run = []
            yield True, [t]
        else:
            run.append(t)
    if run:
        yield False, run


def _annotate(folder: Path, name: str, src, rel, readings, rows: list[dict]) -> list[dict]:
    from .annotate import draw_readings
    from .images import load_image

    target = annotated_path(folder, name, rel)
    try:
        write_annotated(folder, target, draw_readings(load_image(src), readings))
        return [{**r, "annotated": str(target)} for r in rows]
    except ClockReaderError as e:
        print(f"clockreader read: {e}", file=sys.stderr)
        return [{**r, "annotated": None} for r in rows]
