"""Clocks rendered per second on one core (target >= 400/s at 128 px, so rendering never slows training).

    python benchmarks/render_speed.py [--size 128] [--count 500]
"""

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from clockreader.render import render_clock  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--count", type=int, default=500)
    a = ap.parse_args()
    for i in range(20):  # warm caches (fonts, background photos)
        render_clock(np.random.default_rng(i), size=a.size)
    t = time.perf_counter()
    for i in range(a.count):
        render_clock(np.random.default_rng([1, i]), size=a.size)
    dt = time.perf_counter() - t
    print(f"render_clock at {a.size} px: {a.count / dt:.0f} clocks/s on one core ({1000 * dt / a.count:.2f} ms each)")


if __name__ == "__main__":
    main()
