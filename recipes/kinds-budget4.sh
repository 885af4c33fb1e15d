#!/usr/bin/env bash
# The kinds' budget chained on a third time (docs/history.md, "Choice rule for E2X4", fixed 2026-12-02 before
# measuring): the kept E2X3 members (checkpoints/hands2X3, checkpoints/hands20X3) trained 20 epochs more at the same
# rate on the same renderer, seeds 46 and 47, from the worktree of 765872c with this checkout's runs/ beside it. About
# 40 minutes (2026-12-02), the two at once, one thread each. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2X4 "hands2X4 $PWD/checkpoints/hands2X3 46" "hands20X4 $PWD/checkpoints/hands20X3 47" \
  --epochs 20 --epoch-size 1211 --lr 6e-5
