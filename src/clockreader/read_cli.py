"""``clockreader read``: expand the inputs, read them in batches, print lines / JSON / CSV, annotate.
Videos are read frame by frame (one line per frame as it is read) and end with the clock's steady track."""

from __future__ import annotations

import csv
import glob
import json
import sys
from pathlib import Path

from .errors import ClockReaderError
from .images import IMAGE_EXTENSIONS
from .video import VIDEO_EXTENSIONS, is_video


def expand_inputs(inputs: list[str]) -> list[tuple[str, object]]:
    """(name, source) pairs: files, folders (recursive, image and video extensions), globs, ``-`` for stdin.

    A name that matches nothing is kept so that it is reported as an error in its place.
    """
    out: list[tuple[str, object]] = []
    for arg in inputs:
        if arg == "-":
            out.append(("-", sys.stdin.buffer.read()))
            continue
        p = Path(arg)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)
            out.extend((str(f), f) for f in files)
        elif not p.exists() and glob.has_magic(arg):
            out.extend((m, Path(m)) for m in sorted(glob.glob(arg, recursive=True)) if Path(m).is_file())
        else:
            out.append((arg, p))
    return out


def _annotated_path(folder: Path, name: str, taken: set[Path]) -> Path:
    stem = Path(name).stem if name != "-" else "stdin"
    cand = folder / f"{stem}.annotated.png"
    k = 1
    while cand.exists() or cand in taken:  # never write over anything
        cand = folder / f"{stem}.annotated-{k}.png"
        k += 1
    taken.add(cand)
    return cand


CSV_HEADER = ["path", "time", "hour", "minute", "confidence", "unsure", "alternatives", "box", "error", "frame", "t"]


def _emit(args, writer, name: str, res, frame=None) -> None:
    d = res.to_dict()
    where = {} if frame is None else {"frame": frame.frame, "t": None if frame.t is None else round(frame.t, 3)}
    if args.json:
        print(json.dumps({"path": name, **where, **d, "error": None}))
    elif writer:
        alts = " ".join(f"{a['time']}:{a['confidence']:.2f}" for a in d["alternatives"])
        box = " ".join(str(v) for v in d["box"]) if d["box"] else ""
        writer.writerow([name, d["time"], d["hour"], d["minute"], f"{res.confidence:.4f}", res.unsure, alts, box, "",
                         where.get("frame", ""), "" if where.get("t") is None else where["t"]])
    else:
        flag = "  unsure" if res.unsure else ""
        box = "  box " + ",".join(str(round(v)) for v in d["box"]) if d["box"] else ""
        at = "" if frame is None else f" frame {frame.frame}" + ("" if frame.t is None else f" ({frame.t:.2f} s)")
        print(f"{name}{at}  {res}  (confidence {res.confidence:.2f}){flag}{box}")


def _error_row(args, writer, name: str, msg: str) -> None:
    if args.json:
        print(json.dumps({"path": name, "time": None, "hour": None, "minute": None, "confidence": None,
                          "alternatives": [], "box": None, "unsure": None, "error": msg}))
    elif writer:
        writer.writerow([name, "", "", "", "", "", "", "", msg, "", ""])
    else:
        print(f"clockreader read: {msg}", file=sys.stderr)


def _read_video(args, reader, writer, name: str, path) -> bool:
    """Stream one line per sampled frame, then the track; False when the video could not be read whole."""
    from .errors import InvalidVideoError
    from .track import fit_track
    from .video import VideoReading, parse_frames

    frames = parse_frames(args.frames) if args.frames else None
    info, got, error = [], [], None
    try:
        for fr in reader.iter_video(path, every=args.every, frames=frames, locate=args.locate, info=info):
            got.append(fr)
            _emit(args, writer, name, fr.reading, frame=fr)
            sys.stdout.flush()
    except InvalidVideoError as e:
        error = str(e)
    if not got:
        _error_row(args, writer, name, error or f"{name}: no frame was chosen (check --frames / --every)")
        return False
    fps = info[0].fps if info else None
    video = VideoReading(name, info[0] if info else None, got,
                         fit_track([f.frame for f in got], [f.reading.time.index720 for f in got], fps=fps), error)
    if args.json:
        print(json.dumps({"path": name, **{k: v for k, v in video.to_dict().items() if k != "path"}}))
    else:
        print(f"{name}: {video.track.summary()}", file=sys.stderr if writer else sys.stdout)
    if error:
        print(f"clockreader read: {error}", file=sys.stderr)
    return error is None


def run_read(args) -> int:
    from .runtime.reader import load_reader
    from .video import parse_frames

    if getattr(args, "every", 1.0) is not None and args.every < 0:
        print(f"clockreader read: --every must be >= 0 seconds. Got {args.every:g} instead.", file=sys.stderr)
        return 2
    if getattr(args, "frames", None):
        try:
            parse_frames(args.frames)
        except ValueError as e:
            print(f"clockreader read: {e}", file=sys.stderr)
            return 2

    reader = load_reader(args.model, args.threads, locator=args.locator or "default", tta=args.tta,
                         rectify=args.rectify, zoom=not args.no_zoom)
    pairs = expand_inputs(args.inputs)
    if not pairs:
        print("clockreader read: no images found in the given inputs", file=sys.stderr)
        return 2
    writer = None
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_HEADER)
    annotate = Path(args.annotate) if args.annotate else None
    if annotate:
        annotate.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    failed = 0
    bs = max(1, args.batch_size)
    use_locator = args.locate != "never" and reader.locator is not None
    videos = [(n, src) for n, src in pairs if isinstance(src, Path) and is_video(src)]
    pairs = [(n, src) for n, src in pairs if not (isinstance(src, Path) and is_video(src))]
    for name, src in videos:
        failed += not _read_video(args, reader, writer, name, src)
    for start in range(0, len(pairs), bs):
        chunk = pairs[start:start + bs]
        if use_locator:
            results = []
            for _, src in chunk:
                try:
                    results.append(reader.read_all(src, locate=args.locate))
                except ClockReaderError as e:
                    results.append(e)
        else:
            results = [r if isinstance(r, ClockReaderError) else [r] for r in reader.read_batch([src for _, src in chunk], batch_size=bs)]
        for (name, src), res in zip(chunk, results):
            if isinstance(res, ClockReaderError):
                failed += 1
                _error_row(args, writer, name, str(res))
                continue
            for reading in res:
                _emit(args, writer, name, reading)
            if annotate:
                from .annotate import draw_readings
                from .images import load_image

                draw_readings(load_image(src), res).save(_annotated_path(annotate, name, taken))
        sys.stdout.flush()
    return 1 if failed else 0
