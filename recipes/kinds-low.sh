#!/usr/bin/env bash
# The renderer's dial art and hollow hands at a lower rate (issue 24, item 4; docs/history.md, "Choice rule for
# the kinds at a lower rate", fixed 2026-12-02 before measuring). a170941 took the kinds (art 15%, hollow 6%) out
# of the renderer; branch kinds-low (commit fec8a2a) puts them back at art 5% and hollow 3% and changes nothing
# else against 765872c's renderer, the one hands2 and hands20 were trained on. Both hands members' recipes are run
# again on it, seeds and budgets unchanged, from a worktree of that commit with this checkout's
# runs/ beside it. About 11-13 minutes each on one thread (2026-12-02); the two run at once. RESUME=--resume continues.
# If commit fec8a2a is not in this clone: git worktree add -b X $WT 49aaf23 && git -C $WT am < recipes/patches/kinds-low-fec8a2a.patch
set -euo pipefail
WT=${WT:-../wt-kinds-low}   # git worktree add $WT fec8a2a; ln -s "$PWD/runs" $WT/runs  (its tracked checkpoints are this checkout's)
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2L "hands2L checkpoints/reader-16 40" "hands20L checkpoints/reader-20 41" --epochs 8 --epoch-size 1211 --lr 1.2e-4
