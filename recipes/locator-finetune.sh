#!/usr/bin/env bash
# The bundled main locator fine-tuned with more real windows (locA) and with real mosaics (locB): issue 24,
# item 3. Both start from its checkpoint; 3 epochs of 1,000 synthetic scenes plus 3 windows of each of the 340
# training photos of unlabelled-real/boxes.csv (the 82 whose names hash to 0 mod 5 are held out), lr 5e-4,
# seed 2. Run at once, one thread each (12-15 minutes on 2 CPU cores, plus the threshold choice and figures). Neither was kept (docs/history.md,
# "The locator's fine-tunes"); `--real-mosaic` left the product with it, so locB runs from a worktree of commit
# 8274aa1, where it was.
set -euo pipefail
WT=${WT:-/tmp/wt-8274aa1}   # git worktree add $WT 8274aa1
common=(--pretrained checkpoints/clockreader-locator.safetensors --epochs 3 --epoch-size 1000 --bs 32 --lr 5e-4
        --seed 2 --real-boxes ../shared/data/unlabelled-real/boxes.csv --real-repeat 3)
OMP_NUM_THREADS=1 clockreader train-locator "${common[@]}" --out runs/locA > runs/locA.log 2>&1 &
OMP_NUM_THREADS=1 PYTHONPATH="$WT/src" python -m clockreader train-locator "${common[@]}" --real-mosaic 0.5 --out runs/locB > runs/locB.log 2>&1 &
wait
for run in locA locB; do   # as if bundled: the real scoreboard, then the held-out real boxes and synthetic scenes
  python benchmarks/real.py --locator runs/$run/locator.onnx --out runs/$run/real.json
  python - runs/$run/locator.onnx <<'PY'
import sys
from pathlib import Path

import clockreader.runtime.locator as L
L.DEFAULT_LOCATOR = Path(sys.argv[1]).resolve()   # read where the bundled main locator is, so the small one and zoom run
from clockreader.evaluate_locate import real_box_figures, synthetic_scene_figures
loc = L.ClockLocator()
f = real_box_figures(loc, "../shared/data/unlabelled-real/boxes.csv", held_out_only=True)
s = synthetic_scene_figures(loc, n=150)
print(sys.argv[1], f"held-out {f['found']}/{f['clocks']}, best box {f['best_box_is_labelled_count']}/{f['images']}; scenes recall {s['recall']:.3f}")
PY
done
