#!/usr/bin/env bash
# Self-training of the bundled ensemble's second member (issue 24, item 1): round 1's recipe (recipes/
# self-train-round1.sh) and labels (runs/pseudo1: videos 0 and 3, unlabelled-real) applied to stage 20, so that
# both members are self-trained and joined as the bundled ensemble is. Starts from the members' training
# checkpoints (checkpoints/reader-*/), not from the ONNX. About 35 minutes on one thread.
# RESUME=--resume continues a stopped run.
set -euo pipefail
[ -f runs/pseudo1/labels.csv ] || { echo "runs/pseudo1/labels.csv missing: run recipes/self-train-round1.sh's pseudo-label step"; exit 1; }
[ -f runs/self1/model.onnx ] || { echo "runs/self1/model.onnx missing: run recipes/self-train-round1.sh first"; exit 1; }
clockreader train --pretrained checkpoints/reader-20/model.safetensors --size 192 --turned 0.3 --data synthetic \
  --data runs/pseudo1 --epochs 8 --epoch-size 600 --lr 1.2e-4 --seed 41 --out runs/self20 ${RESUME:-}
[ -f runs/self-both/model.onnx ] || clockreader ensemble runs/self1/model.onnx runs/self20/model.onnx --out runs/self-both
