#!/usr/bin/env bash
# Self-training, round 1 (issue 24, item 1): pseudo-label real footage and photos with the bundled model, then
# fine-tune its first member (stage 16, 192 px) on half real pseudo-labelled views, half fresh renders; and the
# control: the same fine-tune on renders alone, the same number of images per epoch. Time-lapse videos 2 and 4,
# coco-clocks and real-clocks are never given to pseudo-label (they are the validation).
set -euo pipefail
B=checkpoints/reader-16/model.safetensors  # the bundled ensemble's first member (stage 16)
[ -f runs/pseudo1/labels.csv ] || clockreader pseudo-label ../shared/data/timelapse/clock_video_0.mp4 \
  ../shared/data/timelapse/clock_video_3.mp4 ../shared/data/unlabelled-real --out runs/pseudo1
clockreader train --pretrained $B --size 192 --turned 0.3 --data synthetic --data runs/pseudo1 \
  --epochs 8 --epoch-size 600 --lr 1.2e-4 --seed 40 --out runs/self1 ${RESUME:-}
clockreader train --pretrained $B --size 192 --turned 0.3 --data synthetic \
  --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed 40 --out runs/ctrl1 ${RESUME:-}
