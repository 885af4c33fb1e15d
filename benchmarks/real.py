"""The real scoreboard: every real labelled set the project can see, in one table, with counts.

    python benchmarks/real.py [--model M.onnx] [--frames ::5] [--out docs/results/real.json]

Rows: ``coco-clocks`` under It's About Time's protocol (the labelled box with 20% context, read without
the locator; that paper's reader: 80.4% on all 1,911 COCO clocks) and end to end (as ``clockreader read``
reads the photo); the locators on ``coco-clocks`` boxes; each ``timelapse`` video raw (each frame alone) and
tracked (the steady track's reading), within 2 minutes (the labels are a fixed step per frame); ``real-clocks``
photos and all kinds, within 1 minute, end to end; and what an always-10:10 reader scores on each image set.
This table, not one set, decides which model is bundled. It writes the JSON and prints the table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from clockreader.evaluate import run_test
from clockreader.evaluate_locate import real_box_figures
from clockreader.evaluate_video import run_video_test
from clockreader.time import ClockTime, circular_diff
from clockreader.video import parse_frames

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TEN_TEN = ClockTime(10, 10).index720


def _row(name: str, correct: int, count: int, note: str = "", baseline: int | None = None) -> dict:
    return {"set": name, "correct": int(correct), "count": int(count), "accuracy": round(correct / max(count, 1), 4),
            "always_10_10": baseline, "note": note}


def _ten_ten(records: list[dict], tol: int) -> int:
    return int(sum(circular_diff(ClockTime.parse(r["true"]).index720, TEN_TEN) <= tol for r in records if "true" in r))


def scoreboard(model: str | None = None, frames: str = "::5", progress: bool = True) -> dict:
    rows, t0 = [], time.time()
    coco, lapse, real = SHARED / "coco-clocks", SHARED / "timelapse", SHARED / "real-clocks"
    if (coco / "labels.csv").is_file():
        for crop, name in (("box", "coco-clocks protocol"), ("none", "coco-clocks end to end")):
            fig, rec, _ = run_test(str(coco), model, tolerance=1, crop=crop, progress=progress)
            n = fig["count"] + fig["failed_to_load"]
            rows.append(_row(name, round(fig["field"]["top1_within_1min"] * fig["count"]), n,
                             "box + 20% context, no locator" if crop == "box" else "locators, then the reader", _ten_ten(rec, 1)))
        from clockreader.runtime.locator import ClockLocator

        loc = real_box_figures(ClockLocator(), str(coco), progress=progress)
        rows.append(_row("coco-clocks locator recall", loc["found"], loc["clocks"], f"IoU 0.5; best box is the clock "
                         f"{loc['best_box_is_labelled_count']}/{loc['images']}, precision {loc['found']}/{loc['boxes_given']} (a lower bound)"))
    if (lapse / "videos.csv").is_file():
        fig, rec = run_video_test(lapse, model, tolerance=2, frames=parse_frames(frames), progress=progress)
        for name, v in fig["videos"].items():
            if not v["frames"]:   # a video that could not be read: a row of nothing read, with the reason
                rows.append(_row(f"timelapse {name} raw", 0, 0, v["error"]))
                continue
            truth = [r for r in rec if r["video"] == name]
            base = _ten_ten(truth, 2)
            note = f"frames {frames}; " + (f"track {v['track']['start']} + {v['track']['rate_minutes_per_frame']:.3f} min/frame"
                                            if v["track"]["steady"] else "no steady track: tracked = raw")
            rows.append(_row(f"timelapse {name} raw", v["raw_correct"], v["frames"], note, base))
            rows.append(_row(f"timelapse {name} tracked", v["tracked_correct"], v["frames"], note, base))
    if (real / "labels.csv").is_file():
        fig, rec, _ = run_test(str(real), model, tolerance=1, progress=progress)
        g = fig["groups"]["photo"]
        rows.append(_row("real-clocks photos", g["correct"], g["count"], "end to end; 13 of 23 at about 10:10",
                         _ten_ten([r for r in rec if r.get("kind") == "photo"], 1)))
        rows.append(_row("real-clocks all kinds", round(fig["field"]["top1_within_1min"] * fig["count"]), fig["count"],
                         "photos, warped photos, renders, drawings, synthetic", _ten_ten(rec, 1)))
    return {"model": str(model or "bundled"), "rows": rows, "seconds": round(time.time() - t0, 1)}


def format_board(board: dict) -> str:
    lines = [f"real scoreboard: {board['model']}", f"{'set':<36} {'read right':>16}   {'always 10:10':>12}   note"]
    for r in board["rows"]:
        base = "" if r["always_10_10"] is None else f"{r['always_10_10']}/{r['count']}"
        lines.append(f"{r['set']:<36} {r['correct']:>5}/{r['count']:<4} {100 * r['accuracy']:5.1f}%   {base:>12}   {r['note']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="reader .onnx (default: the bundled model)")
    ap.add_argument("--locator", help="a main locator .onnx to measure in place of the bundled one (with the bundled "
                    "small-clock locator and zoomed search, as if it were bundled)")
    ap.add_argument("--frames", default="::5", help="time-lapse frames to read (default ::5, every fifth; ::1 for all)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "results" / "real.json"))
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args()
    if args.locator:
        import clockreader.runtime.locator as loc

        loc.DEFAULT_LOCATOR = Path(args.locator).resolve()   # read wherever the bundled main locator is
    board = scoreboard(args.model, args.frames, progress=not args.quiet)
    if args.locator:
        board["locator"] = args.locator
    if args.model:
        from clockreader.spec import sha256_file

        board["model_sha256"] = sha256_file(args.model)
    print(format_board(board))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(board, indent=2) + "\n")
    print(f"saved {args.out} ({board['seconds']:.0f} s)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
