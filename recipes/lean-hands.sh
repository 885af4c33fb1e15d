#!/usr/bin/env bash
# E2X3L (docs/history.md, "Choice rule for a leaner hands head, E2X3L", fixed 2026-12-03 before measuring): E2X3's
# members (checkpoints/hands2X3, checkpoints/hands20X3) with each hands head replaced by one of 32 channels, fitted to
# the old head's output with the backbone and the bins frozen (recipes/lean_hands.py), then joined by
# `clockreader ensemble`. About 30 minutes (2026-12-03): the inputs 2 minutes, then the two fits at once, one thread
# each (the backbone's features 7 minutes, cached in runs/lean; 120 epochs of the head 16). Epochs and rate were
# chosen on held-out unlabelled-real views (how often the lean head reads the minute the old one reads), before any
# scoreboard measurement.
# A finished step is skipped. Measure with: bash recipes/measure.sh E2X3L
set -euo pipefail
export PATH=$PWD/.venv/bin:$PATH OMP_NUM_THREADS=1
[ -f runs/lean/views.npz ] || python recipes/lean_hands.py views --out runs/lean/views.npz --renders 10000 --seed 60
pids=()
for m in hands2X3 hands20X3; do
  [ -f "runs/${m}L/model.onnx" ] || { python recipes/lean_hands.py fit "checkpoints/$m" --views runs/lean/views.npz \
    --out "runs/${m}L" --hidden 32 --epochs 120 --lr 1e-2 --seed 60 > "runs/lean/$m.log" 2>&1 & pids+=($!); }
done
for p in "${pids[@]}"; do wait "$p"; done   # a failed fit stops the recipe here
[ -f runs/E2X3L/model.onnx ] || clockreader ensemble runs/hands2X3L runs/hands20X3L --out runs/E2X3L
