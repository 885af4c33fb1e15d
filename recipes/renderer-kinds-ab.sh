#!/usr/bin/env bash
# The renderer's new kinds (issue 24, item 4: dial art across the face, hollow hands): run it at commit a736f7a, the only
# one whose renderer has them (they lost this A/B and left: docs/history.md). The bundled
# ensemble's first member (stage 16) fine-tuned on renders that include them, against its control runs/ctrl1 (the
# same fine-tune on the renderer before them: recipes/self-train-round1.sh's second command), at the same budget:
# 8 epochs of 1,211 renders, lr 1.2e-4, seed 40. About 30-45 minutes on one thread. RESUME=--resume continues.
set -euo pipefail
clockreader train --pretrained checkpoints/reader-16/model.safetensors --size 192 --turned 0.3 --data synthetic \
  --epochs 8 --epoch-size 1211 --lr 1.2e-4 --seed 40 --out runs/kinds1 ${RESUME:-}
