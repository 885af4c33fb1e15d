#!/usr/bin/env bash
# The kinds' budget chained on (docs/history.md, "Choice rule for E2X2", fixed 2026-12-02 before measuring):
# hands2X and hands20X (recipes/kinds-budget.sh) trained 16 epochs more at half the rate on the same renderer, seeds
# 42 and 43, from the worktree of 765872c with this checkout's runs/ beside it. About 25 minutes (2026-12-02), the two
# at once, one thread each. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-765872c}   # git worktree add --detach $WT 765872c; ln -s "$PWD/runs" $WT/runs
run() {  # out, from, seed
  [ -f "runs/$1/model.onnx" ] && return 0
  (cd "$WT" && OMP_NUM_THREADS=1 PYTHONPATH="$PWD/src" python -m clockreader train --pretrained "$2/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --epochs 16 --epoch-size 1211 --lr 6e-5 --seed "$3" --out "runs/$1" ${RESUME:-})
}
run hands2X2 runs/hands2X 42 >> runs/hands2X2.log 2>&1 & first=$!
run hands20X2 runs/hands20X 43 >> runs/hands20X2.log 2>&1 & second=$!
wait $first; wait $second   # a failed training stops the recipe here
for r in hands2X2 hands20X2; do   # the joint decode with hands2's weight
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
done
[ -f runs/E2X2/model.onnx ] || clockreader ensemble runs/hands2X2 runs/hands20X2 --out runs/E2X2
