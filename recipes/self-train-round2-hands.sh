#!/usr/bin/env bash
# Self-training, round 2 (issue 24, item 1: label, train, re-label), with the hands head (item 2). Re-label the
# real footage and photos with hands2 (round 1 labelled them with the bundled model), then train stage 16 with
# the hands head on half pseudo-labelled real views (no points: they train the reading alone), half fresh
# renders; its control is hands2 (recipes/hands-ab.sh: the same fine-tune on renders alone, the same images per
# epoch). Run at commit 765872c (hands2's renderer) with commit cac0361's training change applied (`git diff
# cac0361~1 cac0361 -- src/clockreader/train/{data,learner,objectives}.py | git apply`: real photos' NaN points);
# the labels with the product at commit cac0361. Time-lapse videos 2 and 4, coco-clocks and real-clocks are never given to
# pseudo-label. About 40 minutes on one thread. RESUME=--resume continues a stopped run.
set -euo pipefail
[ -f runs/hands2/model.onnx ] || { echo "runs/hands2/model.onnx missing: run recipes/hands-ab.sh first"; exit 1; }
[ -f runs/pseudo2/labels.csv ] || clockreader pseudo-label ../shared/data/timelapse/clock_video_0.mp4 \
  ../shared/data/timelapse/clock_video_3.mp4 ../shared/data/unlabelled-real --model runs/hands2/model.onnx --out runs/pseudo2
REAL=$(($(wc -l < runs/pseudo2/labels.csv) - 1))   # every real view once an epoch, renders for the rest of hands2's 1,211
clockreader train --pretrained checkpoints/reader-16/model.safetensors --size 192 --turned 0.3 --hands \
  --data synthetic --data runs/pseudo2 --epochs 8 --epoch-size $((1211 - REAL)) --lr 1.2e-4 --seed 40 --out runs/self-hands ${RESUME:-}
