"""A burst of reads against `clockreader serve` on loopback: latency, status counts and the server's peak memory.

Starts the server as `clockreader serve` does (its own process, the uvicorn settings of
``clockreader.server.app.serve_options``), sends ``--requests`` photos, ``--concurrency`` at a time, small
renders and 12 MP JPEGs mixed (every ``--large-every``-th is large), and prints p50/p95 latency, the
count of each status code, and the server process's peak RSS (VmHWM) before and after the burst.

    python benchmarks/server_burst.py [--requests 200] [--concurrency 16] [--large-every 4]
"""

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from PIL import Image

from clockreader.render import render_clock


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def photos(n_small: int = 4, n_large: int = 2) -> tuple[list[bytes], list[bytes]]:
    small = [jpeg(render_clock(seed=s, size=192).image) for s in range(n_small)]
    rng = np.random.default_rng(0)
    large = []
    for s in range(n_large):   # enlarged, with sensor-like grain so the file is about as big as a phone photo (~2.5 MB)
        im = np.asarray(render_clock(seed=100 + s, size=512).image.resize((4000, 3000), Image.BICUBIC), np.int16)
        im = np.clip(im + rng.normal(0, 6, im.shape), 0, 255).astype(np.uint8)
        large.append(jpeg(Image.fromarray(im)))
    return small, large


def proc_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--large-every", type=int, default=4, help="every Nth request sends a 12 MP JPEG (default 4)")
    ap.add_argument("--threads", type=int, help="ONNX Runtime threads of the server (default: its choice)")
    args = ap.parse_args()

    small, large = photos()
    print(f"photos: {len(small)} small ({statistics.mean(map(len, small)) / 1024:.0f} KB), "
          f"{len(large)} of 4000x3000 px ({statistics.mean(map(len, large)) / 2**20:.1f} MB)")
    port = free_port()
    cmd = [sys.executable, "-m", "clockreader", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.time() > deadline:
                print("the server did not start:", server.stderr.read() if server.stderr else "", file=sys.stderr)
                return 1
            time.sleep(0.2)
        # one read of each kind first, so the models are loaded before the burst is timed
        for data in (small[0], large[0]):
            httpx.post(f"{base}/api/v1/read", files={"file": ("warm.jpg", data, "image/jpeg")}, timeout=120)
        idle_kb = proc_kb(server.pid, "VmHWM")

        local = threading.local()

        def one(i: int):
            if not hasattr(local, "client"):
                local.client = httpx.Client(timeout=120)
            big = args.large_every > 0 and i % args.large_every == 0
            data = large[i % len(large)] if big else small[i % len(small)]
            t0 = time.perf_counter()
            try:
                r = local.client.post(f"{base}/api/v1/read", files={"file": (f"{i}.jpg", data, "image/jpeg")})
                status = r.status_code
            except httpx.HTTPError as e:
                status = type(e).__name__
            return big, status, time.perf_counter() - t0

        samples, stop = [], threading.Event()

        def sample():   # the server's resident memory through the burst: bounded means flat, not climbing
            while not stop.wait(0.25):
                samples.append(proc_kb(server.pid, "VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(one, range(args.requests)))
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        peak_kb = proc_kb(server.pid, "VmHWM")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    def pct(xs, q):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))] if xs else float("nan")

    lat = [t for _, _, t in results]
    print(f"{args.requests} requests, {args.concurrency} at a time, every {args.large_every}th a 12 MP JPEG: "
          f"{wall:.1f} s, {args.requests / wall:.1f} req/s on {os.cpu_count()} CPUs")
    for name, xs in (("all", lat), ("small", [t for b, _, t in results if not b]), ("12 MP", [t for b, _, t in results if b])):
        print(f"  latency {name:>5}: p50 {pct(xs, 50) * 1000:.0f} ms, p95 {pct(xs, 95) * 1000:.0f} ms (n={len(xs)})")
    print("  status:", dict(sorted(Counter(str(s) for _, s, _ in results).items())))
    print(f"  server peak RSS: {idle_kb / 1024:.0f} MB after warm-up, {peak_kb / 1024:.0f} MB after the burst")
    if samples:
        half = len(samples) // 2
        print(f"  server RSS during the burst: max {max(samples[:half] or samples) / 1024:.0f} MB in its first half, "
              f"{max(samples[half:]) / 1024:.0f} MB in its second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
