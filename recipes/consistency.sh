#!/usr/bin/env bash
# Consistency on unlabelled real clocks (FixMatch; issue 24, docs/history.md "Soups and consistency" and "the clean
# consistency A/B"), and the soups S2 and S20. Every training is 8 epochs of 1,211 renders at lr 6e-5, one thread,
# 31-34 minutes with two or three at once on the 2 CPU cores. Steps already done are skipped; RESUME=--resume
# continues a stopped run. Worktrees (each with this checkout's runs/ linked in, `ln -s "$PWD/runs" WT/runs`):
#   CW: commit 041bd01, where `--consistency` was in the product (it left after losing its first A/B);
#   WT: commit 765872c, the renderer with the kinds that every hands member was trained on;
#   KW: 765872c + 041bd01's `--consistency`, for the clean A/B (a local branch, commit 1b587b4 when it ran):
#       git worktree add -b ck-765872c $KW 765872c && git diff 1a32796 041bd01 -- src | git -C $KW apply -3 && git -C $KW commit -qam ck
set -euo pipefail
CW=${CW:-/tmp/wt-041bd01} WT=${WT:-/tmp/wt-765872c} KW=${KW:-/tmp/wt-ck}
csv=$(realpath ../shared/data/unlabelled-real/boxes.csv)   # absolute: the runs start in worktrees
here=$PWD
train() {   # train WORKTREE PARENT SEED OUT [more flags]: a hands member trained on by hands2b's recipe
  local wt=$1 parent=$2 seed=$3 out=$4; shift 4
  [ -f "runs/$out/model.onnx" ] && return 0
  (cd "$wt" && OMP_NUM_THREADS=1 PYTHONPATH="$wt/src" python -m clockreader train \
    --pretrained "$here/checkpoints/$parent/model.safetensors" --size 192 --turned 0.3 --data synthetic --hands \
    --epochs 8 --epoch-size 1211 --lr 6e-5 --seed "$seed" --out "runs/$out" "$@" ${RESUME:-} > "$here/runs/$out.log" 2>&1)
}
train "$CW" hands2 42 C1 --consistency "$csv" &        # first A/B (the product's renderer)
train "$CW" hands20 43 C20 --consistency "$csv" &
train "$WT" hands20 43 hands20b &                      # S20's partner, as recipes/hands-ensembles.sh runs hands2b
wait
train "$KW" hands2 42 Ck2 --consistency "$csv" &       # the clean A/B: controls hands2b and hands20b
train "$KW" hands20 43 Ck20 --consistency "$csv" &
wait
[ -f runs/S2/model.onnx ] || clockreader average checkpoints/hands2/model.safetensors runs/hands2b/model.safetensors --out runs/S2
[ -f runs/S20/model.onnx ] || clockreader average checkpoints/hands20/model.safetensors runs/hands20b/model.safetensors --out runs/S20
for r in C1 C20 S2 S20 hands20b Ck2 Ck20; do   # the joint decode with hands2's weight (the 16:34 UTC rule), then the scoreboards
  [ -f runs/$r/synth.json ] && continue
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
  python benchmarks/real.py --model runs/$r/model.onnx --out runs/$r/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/$r/model.onnx --json runs/$r/synth.json --quiet
done
