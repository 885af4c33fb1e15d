#!/usr/bin/env bash
# The renderer's kinds with three times the budget (issue 24, item 4; docs/history.md, "Choice rule for the kinds
# with three times the budget", fixed 2026-12-02 before measuring). hands2's and hands20's recipes at commit 765872c
# (the renderer with the dial art at 15% and hollow hands at 6%, the hands head), unchanged but for 24 epochs of
# 1,211 renders instead of 8. From a worktree of 765872c with this checkout's runs/ beside it; the two
# trainings run at once, one thread each (about 40 minutes on this session's machine). RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs  (its tracked checkpoints are this checkout's)
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" E2X "hands2X checkpoints/reader-16 40" "hands20X checkpoints/reader-20 41" --epochs 24 --epoch-size 1211 --lr 1.2e-4
