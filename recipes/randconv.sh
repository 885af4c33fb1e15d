#!/usr/bin/env bash
# Random convolutions (RandConv, Xu et al. 2021) on the renders (issue 24, sim-to-real; docs/history.md, "Choice
# rule for random convolutions", fixed 2026-12-02 before measuring). hands2's and hands20's recipes at 765872c, the
# same but for --randconv 0.5 (half the training batches seen through one random k x k filter, mixed with the
# image), from a worktree of branch randconv (commit 4e9efe7: 765872c plus the transform) with this checkout's runs/
# beside it. About 12-15 minutes each on one thread (2026-12-02); the two run at once. RESUME=--resume continues.
# If commit 4e9efe7 is not in this clone: git worktree add -b X $WT 765872c && git -C $WT am < recipes/patches/randconv-4e9efe7.patch
set -euo pipefail
WT=${WT:-../wt-randconv}   # git worktree add $WT 4e9efe7; ln -s "$PWD/runs" $WT/runs  (its tracked checkpoints are this checkout's)
run() {  # out, pretrained, seed
  [ -f "runs/$1/model.onnx" ] && return 0
  (cd "$WT" && OMP_NUM_THREADS=1 PYTHONPATH="$PWD/src" python -m clockreader train --pretrained "checkpoints/$2/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --randconv 0.5 --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed "$3" \
    --out "runs/$1" ${RESUME:-})
}
run hands2R reader-16 40 >> runs/hands2R.log 2>&1 & first=$!
run hands20R reader-20 41 >> runs/hands20R.log 2>&1 & second=$!
wait $first; wait $second   # a failed training stops the recipe here
for r in hands2R hands20R; do   # the joint decode with hands2's weight
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
done
[ -f runs/E2R/model.onnx ] || clockreader ensemble runs/hands2R runs/hands20R --out runs/E2R
