#!/usr/bin/env bash
# Clause 5 of the choice rules since E2X3B: three runs of `python benchmarks/inference_speed.py --model M`
# interleaved with three of the bundled model, on the idle machine; prints each run's "model only, 1 thread" figure
# and the two medians.   bash recipes/model-time.sh runs/NAME/model.onnx
set -euo pipefail
export PATH=$PWD/.venv/bin:$PATH
m=$1; log=$(dirname "$m")/model-time.txt; : > "$log"
for i in 1 2 3; do
  for which in bundled "$m"; do
    arg=(); [ "$which" = bundled ] || arg=(--model "$which")
    echo "$which $(python benchmarks/inference_speed.py "${arg[@]}" 2>/dev/null | grep 'model only, 1 thread' | grep -oE '[0-9.]+ ms')" | tee -a "$log"
  done
done
python - "$log" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for name in dict.fromkeys(r[0] for r in rows):
    print(f"{name}: median {statistics.median(float(r[1]) for r in rows if r[0] == name):.2f} ms")
PY
