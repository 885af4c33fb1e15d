#!/usr/bin/env bash
# Int8 readers (docs/history.md, "Choice rule for int8 readers", fixed 2026-12-02 before measuring; lost, so the
# command left the product): `clockreader quantize` lives on branch int8 and in recipes/patches/int8-6c23c45.patch
# (git apply it on main). Remakes Q(bundled) and measures it as the history says.
set -euo pipefail
OMP_NUM_THREADS=1 clockreader quantize src/clockreader/runtime/weights/clockreader-default.onnx --out runs/Qbundled
python benchmarks/real.py --model runs/Qbundled/model.onnx --out runs/Qbundled/real.json
clockreader test synthetic:1440:2024 --locate never --model runs/Qbundled/model.onnx --threads 1
