#!/usr/bin/env bash
# The renderer's kinds with three times the budget (issue 24, item 4; docs/history.md, "Choice rule for the kinds
# with three times the budget", fixed 2026-12-02 before measuring). hands2's and hands20's recipes at commit 765872c
# (the renderer with the dial art at 15% and hollow hands at 6%, the hands head), unchanged but for 24 epochs of
# 1,211 renders instead of 8. From a worktree of 765872c with this checkout's runs/ beside it; the two
# trainings run at once, one thread each (about 40 minutes on this session's machine). RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs  (its tracked checkpoints are this checkout's)
run() {  # out, pretrained, seed
  [ -f "runs/$1/model.onnx" ] && return 0
  (cd "$WT" && OMP_NUM_THREADS=1 PYTHONPATH="$PWD/src" python -m clockreader train --pretrained "checkpoints/$2/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --epochs 24 --epoch-size 1211 --lr 1.2e-4 --seed "$3" --out "runs/$1" ${RESUME:-})
}
run hands2X reader-16 40 >> runs/hands2X.log 2>&1 & first=$!
run hands20X reader-20 41 >> runs/hands20X.log 2>&1 & second=$!
wait $first; wait $second   # a failed training stops the recipe here
for r in hands2X hands20X; do   # the joint decode with hands2's weight
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
done
[ -f runs/E2X/model.onnx ] || clockreader ensemble runs/hands2X runs/hands20X --out runs/E2X
