#!/usr/bin/env bash
# Dense supervision (issue 24, item 2), run at commit 765872c, the only one with the hands head (it lost this A/B and
# left: docs/history.md). The bundled ensemble's first member (stage 16) fine-tuned with the hands
# head (--hands: centre, 12 o'clock and both hands' tips from the stride-8 features, integral regression plus a
# Gaussian cell target per point, from the renderer's truth), against its control runs/kinds1
# (recipes/renderer-kinds-ab.sh: the same fine-tune on the same renderer without the head), at the same budget:
# 8 epochs of 1,211 renders, lr 1.2e-4, seed 40. About 35-45 minutes on one thread. RESUME=--resume continues.
set -euo pipefail
clockreader train --pretrained checkpoints/reader-16/model.safetensors --size 192 --turned 0.3 --data synthetic --hands \
  --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed 40 --out runs/hands2 ${RESUME:-}
