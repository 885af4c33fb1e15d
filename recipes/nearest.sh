#!/usr/bin/env bash
# The nearest-minute convention, N (docs/history.md, "Choice rule for the nearest minute", fixed 2026-12-02 before
# measuring): F2's recipe exactly (F1's members 20 epochs more at lr 3e-5, seeds 48 and 49), on branch `nearest`
# (proportioned + one commit: bin t stands for the hand on tick t), from its worktree with this checkout's runs/
# beside it. F2 is its control. About 30 minutes, the two at once, one thread each. RESUME=--resume continues.
# NAME and SEEDS name another pair of seeds of the same recipe (recipes/nearest-seeds.sh).
set -euo pipefail
WT=${WT:-../wt-near}   # git worktree add $WT nearest; rm -rf $WT/runs; ln -s "$PWD/runs" $WT/runs
# If branch nearest is not in this clone: git worktree add -b nearest $WT 620d581 &&
#   git -C $WT am "$PWD"/recipes/patches/proportioned-15cf73e.patch "$PWD"/recipes/patches/nearest-4adf8b1.patch
FROM=${FROM:-$PWD/checkpoints} NAME=${NAME:-N}
read -r s1 s2 <<< "${SEEDS:-48 49}"
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" "$NAME" "hands2$NAME $FROM/hands2F $s1" "hands20$NAME $FROM/hands20F $s2" --epochs 20 --epoch-size 1211 --lr 3e-5
