#!/usr/bin/env bash
# Random convolutions (RandConv, Xu et al. 2021) on the renders (issue 24, sim-to-real; docs/history.md, "Choice
# rule for random convolutions", fixed 2026-12-02 before measuring). hands2's and hands20's recipes at 765872c, the
# same but for --randconv 0.5 (half the training batches seen through one random k x k filter, mixed with the
# image), from a worktree of branch randconv (commit 4e9efe7: 765872c plus the transform) with this checkout's runs/
# beside it. About 12-15 minutes each on one thread (2026-12-02); the two run at once. RESUME=--resume continues.
# If commit 4e9efe7 is not in this clone: git worktree add -b X $WT 765872c && git -C $WT am < recipes/patches/randconv-4e9efe7.patch
set -euo pipefail
WT=${WT:-../wt-randconv}   # git worktree add $WT 4e9efe7; ln -s "$PWD/runs" $WT/runs  (its tracked checkpoints are this checkout's)
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2R "hands2R checkpoints/reader-16 40" "hands20R checkpoints/reader-20 41" --randconv 0.5 --epochs 8 --epoch-size 1211 --lr 1.2e-4
