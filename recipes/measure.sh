#!/usr/bin/env bash
# Measures a candidate reader runs/NAME/model.onnx as every entry of docs/history.md since E2X3 does:
#
#   bash recipes/measure.sh NAME [REAL_WT] [TODAY_WT] [OLD_WT] [FITTED_WT]
#
# the real scoreboard (`python benchmarks/real.py`, run with REAL_WT's code) beside the synthetic split
# (`clockreader test synthetic:1440:2024 --locate never`) as TODAY_WT's, OLD_WT's (a worktree of 765872c) and
# FITTED_WT's renderer draw it (git worktree add --detach ../wt-765872c 765872c; each worktree's runs/ a link to
# this checkout's). One thread each, the scoreboard and the splits at once. Writes runs/NAME/{real,syn-*}.{json,txt}
# and prints the table and each split's figure. Earlier entries cite it as runs/measure.sh, where it lived before
# 2026-12-03.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH=$root/.venv/bin:$PATH OMP_NUM_THREADS=1
name=$1; real=${2:-$root}; today=${3:-$root}; old=${4:-$root/../wt-765872c}; fitted=${5:-}
d=$root/runs/$name; m=$d/model.onnx
(cd "$real" && PYTHONPATH="$real/src" python benchmarks/real.py --model "$m" --out "$d/real.json" --quiet > "$d/real.txt" 2>&1) &
r=$!
for p in "today $today" "765 $old" ${fitted:+"fitted $fitted"}; do
  set -- $p
  (cd "$2" && PYTHONPATH="$2/src" python -m clockreader test synthetic:1440:2024 --locate never --threads 1 --quiet \
     --model "$m" --json "$d/syn-$1.json" > "$d/syn-$1.txt" 2>&1)
done
wait $r
cat "$d/real.txt"
grep -H "top-1 within" "$d"/syn-*.txt   # each split's figure, as `clockreader test` prints it
