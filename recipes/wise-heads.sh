#!/usr/bin/env bash
# WH (docs/history.md, "Choice rule for WL's heads refitted, WH", 2026-12-03): WL0.05-2's members
# (python recipes/wise_members.py 0.05 --after 2: blocks 3-6 moved 5% towards their ImageNet start) with their heads
# trained 8 epochs of 1,211 renders at lr 2e-4, seeds 46 and 47, the backbone frozen (--freeze-backbone: no gradient,
# BatchNorm statistics kept), on the members' own renderer (branch masks, --mask-weight 0; the flag is its commit
# after 3897a33: recipes/patches/freeze-backbone-4e7167a.patch). The two at once, one thread each. RESUME=--resume continues.
# Lost (docs/history.md, "WH, WL's heads refitted": WL's figures again, videos 2 + 4 raw 83 against 89); kept as the record.
set -euo pipefail
WT=${WT:-../wt-masks}   # see recipes/hand-masks.sh for the worktree; if its branch lacks 4e7167a (rebuilt from the
# patches): git -C $WT am "$PWD"/recipes/patches/freeze-backbone-4e7167a.patch
[ -f runs/WL0.05-2/hands2/model.safetensors ] || python recipes/wise_members.py 0.05 --after 2
source "$(dirname "$0")/hands-pair.sh"
hands_pair "$WT" WH "hands2WH runs/WL0.05-2/hands2 46" "hands20WH runs/WL0.05-2/hands20 47" \
  --epochs 8 --epoch-size 1211 --lr 2e-4 --mask-weight 0 --freeze-backbone
