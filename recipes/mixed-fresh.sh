#!/usr/bin/env bash
# XN (docs/history.md, "Choice rule for a fresh mixed pair, XN", 2026-12-03): a fresh pair, the bundled members
# (checkpoints/hands2X3L, hands20X3L) trained 8 epochs more of 1,211 renders at lr 6e-5, seeds 52 and 53, on their own
# renderer (branch masks, --mask-weight 0: the masks' control C's recipe with new seeds); then XA's form: the first
# member's blocks 3-6 moved 5% towards their ImageNet start (recipes/wise_members.py 0.05 --after 2), joined with the
# second member unmoved. The two trainings at once, one thread each: about 15 minutes. RESUME=--resume continues.
set -euo pipefail
WT=${WT:-../wt-masks}   # see recipes/hand-masks.sh for the worktree
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" N52 "hands2N52 $PWD/checkpoints/hands2X3L 52" "hands20N52 $PWD/checkpoints/hands20X3L 53" \
  --epochs 8 --epoch-size 1211 --lr 6e-5 --mask-weight 0
# the members carry the masks branch's training-only mask head (not in their ONNX): copied without it
python - <<'PY'
import os, shutil
from safetensors.torch import load_file, save_file
for m in ("hands2N52", "hands20N52"):
    os.makedirs(f"runs/XNplain/{m}", exist_ok=True)
    save_file({k: v for k, v in load_file(f"runs/{m}/model.safetensors").items() if not k.startswith("hands_head.mask.")},
              f"runs/XNplain/{m}/model.safetensors")
    shutil.copy(f"runs/{m}/model.json", f"runs/XNplain/{m}/model.json")
PY
[ -f runs/XNmoved/model.onnx ] || python recipes/wise_members.py 0.05 --after 2 --members runs/XNplain/hands2N52 runs/XNplain/hands20N52 --name XNmoved
[ -f runs/XN/model.onnx ] || clockreader ensemble runs/XNmoved/hands2 runs/XNplain/hands20N52 --out runs/XN
