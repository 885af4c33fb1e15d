#!/usr/bin/env bash
# Fitted hands chained on, F2 (docs/history.md, "Choice rule for F2", fixed 2026-12-02 before measuring): F1's members
# (checkpoints/hands2F, checkpoints/hands20F; or runs/ after recipes/fitted-hands.sh) trained 20 epochs more at half
# the rate (lr 3e-5), seeds 48 and 49, on the renderer of branch `proportioned`, from its worktree with this
# checkout's runs/ beside it. About 35 minutes, the two at once, one thread each. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-prop}   # git worktree add $WT proportioned; rm -rf $WT/runs; ln -s "$PWD/runs" $WT/runs
# If branch proportioned is not in this clone: git worktree add -b proportioned $WT 620d581 &&
#   git -C $WT am < recipes/patches/proportioned-15cf73e.patch (the revert of a170941, then the fitted hands)
FROM=${FROM:-$PWD/checkpoints}
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" F2 "hands2F2 $FROM/hands2F 48" "hands20F2 $FROM/hands20F 49" --epochs 20 --epoch-size 1211 --lr 3e-5
