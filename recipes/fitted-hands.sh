#!/usr/bin/env bash
# Fitted hands, F1 (docs/history.md, "Choice rule for fitted hands", fixed 2026-12-02 before measuring): the kept
# E2X3 members (checkpoints/hands2X3, checkpoints/hands20X3) trained 20 epochs more at lr 6e-5, seeds 46 and 47,
# exactly as E2X4 was (recipes/kinds-budget4.sh, its control), on the renderer of branch `proportioned` (765872c's
# kinds plus fitted hands: 40% of designs with the minute hand at the rim and the hour hand at the numerals' inner
# edge), from its worktree with this checkout's runs/ beside it. About 40 minutes, the two at once, one thread each.
set -euo pipefail
WT=${WT:-../wt-prop}   # git worktree add $WT proportioned; rm -rf $WT/runs; ln -s "$PWD/runs" $WT/runs
# If branch proportioned is not in this clone: git worktree add -b proportioned $WT 620d581 &&
#   git -C $WT am < recipes/patches/proportioned-15cf73e.patch (the revert of a170941, then the fitted hands)
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" F1 "hands2F $PWD/checkpoints/hands2X3 46" "hands20F $PWD/checkpoints/hands20X3 47" \
  --epochs 20 --epoch-size 1211 --lr 6e-5
