#!/usr/bin/env bash
# N's recipe (recipes/nearest.sh) with two other seeds, 50 and 51: the ensemble Ns measures how far the
# scoreboard moves between seeds of one recipe (docs/history.md, "Seeds of one recipe, Ns"). Not a candidate.
# Its worktree as recipes/nearest.sh says; measured with bash recipes/measure.sh Ns (the arguments as for N).
set -euo pipefail
WT=${WT:-../wt-near}   # git worktree add $WT nearest; rm -rf $WT/runs; ln -s "$PWD/runs" $WT/runs
FROM=${FROM:-$PWD/checkpoints}
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" Ns "hands2Ns $FROM/hands2F 50" "hands20Ns $FROM/hands20F 51" --epochs 20 --epoch-size 1211 --lr 3e-5
