"""Reading speed and memory with the bundled ONNX model.

Prints: model-only latency on one thread; end-to-end latency from a ~1 MP and a ~12 MP JPEG file;
batch throughput on 2 threads; peak memory (max RSS) of `clockreader read` on 100 images.

    python benchmarks/inference_speed.py [--model OTHER.onnx]

``--model`` measures another reader (an earlier bundled model, say) on the same machine, since figures
from different machines do not compare.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from clockreader.render import render_clock
from clockreader.runtime.reader import load_reader


def timeit(fn, n):
    fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return 1000 * statistics.median(ts)


def peak_memory(tmp: Path, model: str | None) -> None:
    """Max RSS of `clockreader read` on 100 images, measured before this process loads any model (a
    forked child starts as a copy of its parent, which would count towards its peak)."""
    folder = tmp / "hundred"
    folder.mkdir()
    for i in range(100):
        render_clock(seed=i, size=256).image.save(folder / f"{i}.jpg")
    for locate in ("never", "auto"):
        t = time.perf_counter()
        extra = ["--model", model] if model else []
        subprocess.run([sys.executable, "-m", "clockreader", "read", str(folder), "--locate", locate, *extra],
                       check=True, capture_output=True)
        dt = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"clockreader read, 100 images, --locate {locate:<5}: {dt:5.2f} s in all, peak memory so far {peak:.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="reader .onnx to measure (default: the bundled one)")
    model = ap.parse_args().model
    tmp = Path(tempfile.mkdtemp())
    peak_memory(tmp, model)
    r1 = load_reader(model, threads=1)
    size = r1.spec.input_size
    x = np.random.default_rng(0).normal(size=(1, 3, size, size)).astype(np.float32)
    members = len(r1.spec.training.get("ensemble_of", [])) or 1
    print(f"model: {r1.path.name} ({r1.path.stat().st_size / 1e6:.1f} MB), {r1.spec.arch} at {size} px"
          + (f", an ensemble of {members}" if members > 1 else ""))
    print(f"model only, 1 thread:            {timeit(lambda: r1.logits(x), 50):7.2f} ms / image")
    for mp, side in ((1, (1280, 800)), (12, (4000, 3000))):
        p = tmp / f"clock_{mp}mp.jpg"
        render_clock(seed=3, size=512).image.resize(side).save(p, quality=90)
        print(f"end to end, {mp:>2} MP JPEG, 1 thread: {timeit(lambda: r1.read(p), 20):7.2f} ms / image"
              f"   (with the locator: {timeit(lambda: r1.read_all(p, locate='always'), 20):7.2f} ms)")
    r2 = load_reader(model, threads=2)
    xb = np.repeat(x, 32, 0)
    ms = timeit(lambda: r2.logits(xb), 10)
    print(f"batch of 32, 2 threads:          {32000 / ms:7.0f} images/s (model only)")
    from clockreader.runtime.locator import ClockLocator

    loc = ClockLocator(threads=1)
    im1024 = render_clock(seed=5, size=1024).image
    print(f"locate in a 1024 px photo, 1 thread: {timeit(lambda: loc.locate(im1024), 20):6.2f} ms")
    film = Image.new("RGB", (1920, 804), (60, 60, 60))  # a 2.39:1 film frame: a letterboxed view and 4 windows
    film.paste(im1024.resize((600, 600)), (700, 100))
    print(f"locate in a 1920x804 film frame, 1 thread: {timeit(lambda: loc.locate(film), 20):6.2f} ms")
    from clockreader.render.scenes import render_scene

    # scenes of 768 px as locate-test reads them (a quarter of their clocks under 17% of the side), and bands
    # of them cut at 2.39:1: the zoomed search's windows cost most where the small-clock locator sees weak peaks,
    # and the grid look (part of zoom) reads 9 windows of a square photo, 24 of a 2.39:1 band
    scenes = [render_scene(np.random.default_rng([5151, i]), 768).image for i in range(20)]
    bands = [s.crop((0, 223, 768, 544)) for s in scenes]
    for zoom in (True, False):
        lz = ClockLocator(threads=1, zoom=zoom)
        per_scene = timeit(lambda: [lz.locate(s) for s in scenes], 2) / len(scenes)
        per_band = timeit(lambda: [lz.locate(s) for s in bands], 2) / len(bands)
        print(f"locate, mean over 20 scenes of 768 px / their 2.39:1 bands, 1 thread, zoom={zoom!s:<5}: "
              f"{per_scene:6.2f} / {per_band:6.2f} ms")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
