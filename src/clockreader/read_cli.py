"""``clockreader read``: expand the inputs, read them in batches, print lines / JSON / CSV, annotate."""

from __future__ import annotations

import csv
import glob
import json
import sys
from pathlib import Path

from .errors import ClockReaderError
from .images import IMAGE_EXTENSIONS


def expand_inputs(inputs: list[str]) -> list[tuple[str, object]]:
    """(name, source) pairs: files, folders (recursive, image extensions), globs, ``-`` for stdin.

    A name that matches nothing is kept so that it is reported as an error in its place.
    """
    out: list[tuple[str, object]] = []
    for arg in inputs:
        if arg == "-":
            out.append(("-", sys.stdin.buffer.read()))
            continue
        p = Path(arg)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS)
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


def _emit(args, writer, name: str, res) -> None:
    d = res.to_dict()
    if args.json:
        print(json.dumps({"path": name, **d, "error": None}))
    elif writer:
        alts = " ".join(f"{a['time']}:{a['confidence']:.2f}" for a in d["alternatives"])
        box = " ".join(str(v) for v in d["box"]) if d["box"] else ""
        writer.writerow([name, d["time"], d["hour"], d["minute"], f"{res.confidence:.4f}", res.unsure, alts, box, ""])
    else:
        flag = "  unsure" if res.unsure else ""
        box = "  box " + ",".join(str(round(v)) for v in d["box"]) if d["box"] else ""
        print(f"{name}  {res}  (confidence {res.confidence:.2f}){flag}{box}")


def run_read(args) -> int:
    from .runtime.reader import load_reader

    reader = load_reader(args.model, args.threads, locator=args.locator or "default", tta=args.tta,
                         rectify=args.rectify, zoom=not args.no_zoom)
    pairs = expand_inputs(args.inputs)
    if not pairs:
        print("clockreader read: no images found in the given inputs", file=sys.stderr)
        return 2
    writer = None
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["path", "time", "hour", "minute", "confidence", "unsure", "alternatives", "box", "error"])
    annotate = Path(args.annotate) if args.annotate else None
    if annotate:
        annotate.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    failed = 0
    bs = max(1, args.batch_size)
    use_locator = args.locate != "never" and reader.locator is not None
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
                msg = str(res)
                if args.json:
                    print(json.dumps({"path": name, "time": None, "hour": None, "minute": None, "confidence": None,
                                      "alternatives": [], "box": None, "unsure": None, "error": msg}))
                elif writer:
                    writer.writerow([name, "", "", "", "", "", "", "", msg])
                else:
                    print(f"clockreader read: {msg}", file=sys.stderr)
                continue
            for reading in res:
                _emit(args, writer, name, reading)
            if annotate:
                from .annotate import draw_readings
                from .images import load_image

                draw_readings(load_image(src), res).save(_annotated_path(annotate, name, taken))
        sys.stdout.flush()
    return 1 if failed else 0
