#!/usr/bin/env bash
# The hands' masks, M (docs/history.md, "Choice rule for the hands' masks", fixed 2026-12-03 before measuring): the
# bundled members (checkpoints/hands2X3L, hands20X3L) trained 8 epochs more of 1,211 renders at lr 6e-5, seeds 46 and
# 47, on branch `masks` (this checkout at 5c63d3d with 765872c's renderer kinds back, the members' own renderer, and
# one commit: a training-only head that learns which cells lie on the hour hand and on the minute hand, centre to
# tip, from the renderer's points). The control C is the same command with --mask-weight 0 (the same renders, the
# same shuffles). Lost (M2 against C2: 3 coco clocks fewer under the protocol); kept as the record. The four trainings at once, one thread each: about 25 minutes. RESUME=--resume continues.
# LR and TAG: the same pair at another rate (M2 and C2: LR=2e-4 TAG=2).
set -euo pipefail
WT=${WT:-../wt-masks}   # git worktree add $WT masks; rm -rf $WT/runs; ln -s "$PWD/runs" $WT/runs
# If branch masks is not in this clone: git worktree add -b masks $WT 5c63d3d && git -C $WT am "$PWD"/recipes/patches/masks-3897a33.patch
source "$(dirname "$0")/hands-pair.sh"
args=(--epochs 8 --epoch-size 1211 --lr "${LR:-6e-5}")
m=M${TAG:-} c=C${TAG:-}
hands_pair "$WT" $m "hands2$m $PWD/checkpoints/hands2X3L 46" "hands20$m $PWD/checkpoints/hands20X3L 47" "${args[@]}" &
hands_pair "$WT" $c "hands2$c $PWD/checkpoints/hands2X3L 46" "hands20$c $PWD/checkpoints/hands20X3L 47" "${args[@]}" --mask-weight 0 &
wait %1; wait %2
