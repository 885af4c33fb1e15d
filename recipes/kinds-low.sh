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
run() {  # out, pretrained, seed
  [ -f "runs/$1/model.onnx" ] && return 0
  (cd "$WT" && OMP_NUM_THREADS=1 PYTHONPATH="$PWD/src" python -m clockreader train --pretrained "checkpoints/$2/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed "$3" --out "runs/$1" ${RESUME:-})
}
run hands2L reader-16 40 >> runs/hands2L.log 2>&1 & first=$!
run hands20L reader-20 41 >> runs/hands20L.log 2>&1 & second=$!
wait $first; wait $second   # a failed training stops the recipe here
for r in hands2L hands20L; do   # the joint decode with hands2's weight, as for hands20
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
done
[ -f runs/E2L/model.onnx ] || clockreader ensemble runs/hands2L runs/hands20L --out runs/E2L
