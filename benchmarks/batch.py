"""Images/s of `read` in one process against `clockreader batch` on a local Ray with 1 and 2 workers.

Renders N clocks (256 px JPEGs), then reads them three ways, one run each: the ClockReader directly in
this process (``read_many``, as ``clockreader read`` does; ONNX Runtime's default threads), and
:func:`clockreader.batch.run_batch` with 1 and with 2 actors of one thread each, each run on a fresh
local Ray with this machine's cores. Prints a table (and ``--json`` writes it):

    python benchmarks/batch.py [--images 300] [--json out/batch.json]

``batch images/s`` counts from Ray being up (actors' start-up and model loading included); ``wall`` is the
whole call, Ray's start and stop too. Rows of every run are checked to be the same readings.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from clockreader import render_clock
from clockreader.batch import run_batch
from clockreader.runtime.reader import load_reader
from clockreader.runtime.reading import rows_for


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=300)
    ap.add_argument("--size", type=int, default=256, help="rendered clock size in pixels")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()

    import pyarrow.parquet as pq

    load_before = os.getloadavg()[0]   # another job on the cores shows here, and in every figure
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "clocks"
        src.mkdir()
        for i in range(args.images):
            render_clock(seed=i, size=args.size).image.save(src / f"{i:05d}.jpg", quality=90)
        paths = sorted(src.glob("*.jpg"))

        reader = load_reader()
        t = time.perf_counter()
        ref = {str(p): rows_for(r)[0]["time"] for p, r in zip(paths, reader.read_many(paths))}
        one = time.perf_counter() - t
        results = [{"how": "read, one process (read_many, ORT threads)", "workers": 1, "images": len(paths),
                    "wall_s": round(one, 2), "images_per_s": round(len(paths) / one, 2), "startup_s": 0.0}]

        for workers in (1, 2):
            out = tmp / f"out-{workers}"
            t = time.perf_counter()
            fig = run_batch([str(src)], out, workers=workers, progress=False, log=lambda _: None)
            wall = time.perf_counter() - t
            got = {r["path"]: r["time"] for r in pq.read_table(out, columns=["path", "time"]).to_pylist()}
            assert got == ref, f"batch with {workers} workers read differently from read"
            results.append({"how": f"batch, local Ray, {workers} worker{'s' if workers > 1 else ''}", "workers": workers,
                            "images": fig["rows"], "wall_s": round(wall, 2), "images_per_s": fig["images_per_s"],
                            "startup_s": fig["startup_s"]})

    load = (round(load_before, 1), round(os.getloadavg()[0], 1))
    print(f"{args.images} rendered {args.size} px clocks on {os.cpu_count()} cores (1-min load average {load[0]} before, "
          f"{load[1]} after); one run each\n")
    print(f"| {'how':44s} | images/s | wall s (all in) | Ray start s |")
    print(f"| {'-' * 44} | -------: | --------------: | ----------: |")
    for r in results:
        print(f"| {r['how']:44s} | {r['images_per_s']:8.1f} | {r['wall_s']:15.1f} | {r['startup_s']:11.1f} |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"cores": os.cpu_count(), "load_average": load, "images": args.images, "size": args.size,
                                               "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
