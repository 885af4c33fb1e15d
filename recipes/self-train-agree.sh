#!/usr/bin/env bash
# Self-training round 3, two readers' agreement (issue 24, item 1; docs/history.md, "Choice rules for self-training
# with two readers' agreement", 21:40 UTC 2026-12-01). Labels with this checkout's product; trainings at commit
# 765872c (the renderer every hands member was trained on) with cac0361's real-photo points applied, from a worktree:
#   git worktree add $WT 765872c && git diff cac0361~1 cac0361 -- src/clockreader/train/{data,learner,objectives}.py \
#     | git -C $WT apply -3 && ln -s "$PWD/runs" $WT/runs
# Time-lapse videos 2 and 4, coco-clocks and real-clocks are never given to pseudo-label. Steps already done are
# skipped; RESUME=--resume continues a stopped run. About 10 minutes of labels, then 35-45 minutes a training.
set -euo pipefail
WT=${WT:-/tmp/wt-r3}
here=$PWD V=../shared/data/timelapse
[ -f runs/E2/model.onnx ] || clockreader ensemble checkpoints/hands2 checkpoints/hands20 --out runs/E2
for m in E2 bundled; do
  [ -f runs/pseudo3-$m/labels.csv ] && continue
  arg=(); [ $m = E2 ] && arg=(--model runs/E2/model.onnx)
  OMP_NUM_THREADS=1 clockreader pseudo-label $V/clock_video_0.mp4 $V/clock_video_3.mp4 ../shared/data/unlabelled-real \
    "${arg[@]}" --out runs/pseudo3-$m > runs/pseudo3-$m.log 2>&1 &
done
wait
[ -f runs/pseudo3/labels.csv ] || python scripts/agree_labels.py runs/pseudo3-E2 runs/pseudo3-bundled --out runs/pseudo3
REAL=$(($(wc -l < runs/pseudo3/labels.csv) - 1))   # every agreed real view once an epoch, renders for the rest of 1,211
train() {   # train PARENT SEED OUT: hands2b's / hands20b's run exactly, plus the agreed real views
  local parent=$1 seed=$2 out=$3
  [ -f "runs/$out/model.onnx" ] && return 0
  (cd "$WT" && OMP_NUM_THREADS=1 PYTHONPATH="$WT/src" python -m clockreader train \
    --pretrained "$here/checkpoints/$parent/model.safetensors" --size 192 --turned 0.3 --hands \
    --data synthetic --data "$here/runs/pseudo3" --epochs 8 --epoch-size $((1211 - REAL)) --lr 6e-5 --seed "$seed" \
    --out "runs/$out" ${RESUME:-} > "$here/runs/$out.log" 2>&1)
}
train hands2 42 R3-2 &
train hands20 43 R3-20 &
wait
for r in R3-2 R3-20; do   # the joint decode with hands2's weight (the 16:34 UTC rule), then the scoreboards
  [ -f runs/$r/synth.json ] && continue
  python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" runs/$r/model.json
  python benchmarks/real.py --model runs/$r/model.onnx --out runs/$r/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/$r/model.onnx --json runs/$r/synth.json --quiet
done
# E5, the pairing E1 did not try (stage 16 with hands20), under the bundling rule
[ -f runs/E5/model.onnx ] || clockreader ensemble checkpoints/reader-16 checkpoints/hands20 --out runs/E5
[ -f runs/E5/synth.json ] || { python benchmarks/real.py --model runs/E5/model.onnx --out runs/E5/real.json --quiet
  clockreader test synthetic:1440:2024 --locate never --model runs/E5/model.onnx --json runs/E5/synth.json --quiet; }
