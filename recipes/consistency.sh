#!/usr/bin/env bash
# Consistency on unlabelled real clocks (FixMatch; issue 24, docs/history.md "Soups and consistency"): the two
# hands members trained on by hands2b's recipe (8 epochs of 1,211 renders at lr 6e-5) with
# `--consistency ../shared/data/unlabelled-real/boxes.csv`, at commit 041bd01 (the product's renderer), one thread
# each (about 40 minutes each on 2 CPU cores, two runs at once); hands20b, the soup S20's partner, at 765872c as
# recipes/hands-ensembles.sh runs hands2b, seed 43. RESUME=--resume continues a stopped run.
set -euo pipefail
csv=$(realpath ../shared/data/unlabelled-real/boxes.csv)   # absolute: the runs below start in worktrees
common=(--size 192 --turned 0.3 --data synthetic --hands --epochs 8 --epoch-size 1211 --lr 6e-5 --consistency $csv ${RESUME:-})
CW=${CW:-/tmp/wt-041bd01}   # git worktree add $CW 041bd01: `--consistency` left the product after losing its A/B
OMP_NUM_THREADS=1 PYTHONPATH="$CW/src" python -m clockreader train --pretrained checkpoints/hands2/model.safetensors --seed 42 "${common[@]}" --out runs/C1 > runs/C1.log 2>&1 &
OMP_NUM_THREADS=1 PYTHONPATH="$CW/src" python -m clockreader train --pretrained checkpoints/hands20/model.safetensors --seed 43 "${common[@]}" --out runs/C20 > runs/C20.log 2>&1 &
WT=${WT:-/tmp/wt-765872c}   # git worktree add $WT 765872c; ln -s "$PWD/runs" $WT/runs
(cd "$WT" && clockreader train --pretrained "$OLDPWD/checkpoints/hands20/model.safetensors" --size 192 --turned 0.3 \
  --data synthetic --hands --epochs 8 --epoch-size 1211 --lr 6e-5 --seed 43 --out runs/hands20b ${RESUME:-})
wait
clockreader average checkpoints/hands2/model.safetensors runs/hands2b/model.safetensors --out runs/S2
clockreader average checkpoints/hands20/model.safetensors runs/hands20b/model.safetensors --out runs/S20
for r in C1 C20 S2 S20; do   # the joint decode with hands2's weight (the 16:34 UTC rule)
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
  python benchmarks/real.py --model runs/$r/model.onnx --out runs/$r/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/$r/model.onnx --json runs/$r/synth.json --quiet
done

# The clean A/B (docs/history.md, 19:45 UTC): hands2b's and hands20b's runs exactly, on their renderer, with the
# consistency: branch ck-765872c (commit 1b587b4 = 765872c + 041bd01's --consistency).
KW=${KW:-/tmp/wt-ck}   # git worktree add $KW 1b587b4; ln -s "$PWD/runs" $KW/runs
for spec in "hands2 42 Ck2" "hands20 43 Ck20"; do
  set -- $spec
  (cd "$KW" && OMP_NUM_THREADS=1 PYTHONPATH="$KW/src" python -m clockreader train --pretrained "$OLDPWD/checkpoints/$1/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --epochs 8 --epoch-size 1211 --lr 6e-5 --seed $2 --consistency $csv \
    --out runs/$3 ${RESUME:-} > runs/$3.log 2>&1) &
done
wait
for r in Ck2 Ck20 hands20b; do
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
  python benchmarks/real.py --model runs/$r/model.onnx --out runs/$r/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/$r/model.onnx --json runs/$r/synth.json --quiet
done
