#!/usr/bin/env bash
# E2X3B (docs/history.md, "Choice rule for E2X3's bins alone", fixed 2026-12-02 before measuring): E2X3's members
# (checkpoints/hands2X3, checkpoints/hands20X3) with their hands heads left out (hands_head.* dropped, layout
# hour720+minute60, no joint decode), joined by `clockreader ensemble`: the bundled model's graph, E2X3's backbones.
# Under a minute; nothing is trained.
set -euo pipefail
for m in hands2X3 hands20X3; do
  mkdir -p "runs/${m}B"
  python - "checkpoints/$m" "runs/${m}B" <<'PY'
import json, sys
from safetensors.torch import load_file, save_file
src, dst = sys.argv[1:]
sd = load_file(f"{src}/model.safetensors")
save_file({k: v.float() for k, v in sd.items() if not k.startswith("hands_head.")}, f"{dst}/model.safetensors")
spec = json.load(open(f"{src}/model.json"))
spec.update(layout="hour720+minute60", sha256=None)
spec.pop("points_weight", None)
json.dump(spec, open(f"{dst}/model.json", "w"), indent=2)
PY
done
[ -f runs/E2X3B/model.onnx ] || clockreader ensemble runs/hands2X3B runs/hands20X3B --out runs/E2X3B
