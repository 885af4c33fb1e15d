#!/usr/bin/env bash
# WC (docs/history.md, "Choice rule for W's follow-ups, WC and WE", 2026-12-03): W0.05's members
# (python recipes/wise_members.py 0.05: the bundled members moved 5% towards their ImageNet start) trained 8 epochs
# more of 1,211 renders at lr 6e-5, seeds 46 and 47, on their own renderer: exactly the control C of the hands' masks
# (recipes/hand-masks.sh, --mask-weight 0, branch masks), from W0.05 instead of the bundled members. The two at once,
# one thread each: about 15 minutes on the idle machine. RESUME=--resume continues.
# Lost (docs/history.md, "W's follow-ups, WC and WE": coco-clocks back to 35/50 under the protocol); kept as the record.
set -euo pipefail
WT=${WT:-../wt-masks}   # see recipes/hand-masks.sh for the worktree
[ -f runs/W0.05/hands2/model.safetensors ] || python recipes/wise_members.py 0.05
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" WC "hands2WC runs/W0.05/hands2 46" "hands20WC runs/W0.05/hands20 47" \
  --epochs 8 --epoch-size 1211 --lr 6e-5 --mask-weight 0
