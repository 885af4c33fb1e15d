#!/usr/bin/env bash
# The hands ensembles (issue 24; docs/history.md, "The hands ensembles", rules fixed at 15:45 UTC 2026-12-01).
# Trainings run at commit 765872c (hands2's renderer, with the kinds), as recipes/hands-ab.sh does: from a git
# worktree of it, with this checkout's runs/ beside it. About 35-50 minutes each on one thread; two ran at once.
# RESUME=--resume continues a stopped run. Then, in this checkout: the ensembles and their scoreboards.
set -euo pipefail
WT=${WT:-/tmp/wt-765872c}   # git worktree add $WT 765872c; ln -s "$PWD/runs" $WT/runs
if [ ! -f runs/hands20/model.onnx ]; then   # stage 20 with the hands head, hands2's recipe, seed 41
  (cd "$WT" && PYTHONPATH="$WT/src" python -m clockreader train --pretrained checkpoints/reader-20/model.safetensors --size 192 --turned 0.3 --data synthetic \
    --hands --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed 41 --out runs/hands20 ${RESUME:-})
fi
if [ ! -f runs/hands2b/model.onnx ]; then   # hands2 trained on: 8 more epochs at half the rate, seed 42
  (cd "$WT" && PYTHONPATH="$WT/src" python -m clockreader train --pretrained "$OLDPWD/checkpoints/hands2/model.safetensors" --size 192 --turned 0.3 \
    --data synthetic --hands --epochs 8 --epoch-size 1211 --lr 6e-5 --seed 42 --out runs/hands2b ${RESUME:-})
fi
for r in hands20 hands2b; do   # the joint decode with hands2's weight (the 16:34 UTC rule)
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
done
[ -f runs/E1/model.onnx ] || clockreader ensemble checkpoints/hands2 checkpoints/reader-20 --out runs/E1
[ -f runs/E2/model.onnx ] || clockreader ensemble runs/hands2 runs/hands20 --out runs/E2
for r in E1 E2 hands20 hands2b; do
  python benchmarks/real.py --model runs/$r/model.onnx --out runs/$r/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/$r/model.onnx --json runs/$r/synth.json --quiet
done
