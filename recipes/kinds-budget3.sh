#!/usr/bin/env bash
# The kinds' budget chained on again (docs/history.md, "Choice rule for E2X3", fixed 2026-12-02 before measuring):
# the kept E2X2 members (checkpoints/hands2X2, checkpoints/hands20X2; in git at commit 1f42183: git checkout 1f42183
# -- checkpoints/hands2X2 checkpoints/hands20X2) trained 32 epochs more at the same rate on the same renderer, seeds
# 44 and 45, from the worktree of 765872c with this checkout's runs/ beside it. About 77 minutes (2026-12-02), the two
# at once, one thread each. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2X3 "hands2X3 $PWD/checkpoints/hands2X2 44" "hands20X3 $PWD/checkpoints/hands20X2 45" \
  --epochs 32 --epoch-size 1211 --lr 6e-5
