#!/usr/bin/env bash
# The kinds' budget chained on (docs/history.md, "Choice rule for E2X2", fixed 2026-12-02 before measuring):
# hands2X and hands20X (recipes/kinds-budget.sh) trained 16 epochs more at half the rate on the same renderer, seeds
# 42 and 43, from the worktree of 765872c with this checkout's runs/ beside it. About 25 minutes (2026-12-02), the two
# at once, one thread each. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2X2 "hands2X2 runs/hands2X 42" "hands20X2 runs/hands20X 43" --epochs 16 --epoch-size 1211 --lr 6e-5
