#!/usr/bin/env bash
# One training stage on a lent GPU machine (the device tool's one-shot, 15-minute lease), warm-started
# from the last CPU stage. The renderer, not the GPU, limits the speed there: this measures how many
# clocks per second the machine's cores render, sizes the epochs to fill TRAIN_SECONDS, and runs the
# project's own `clockreader train`. Whatever it ends with (the model, else the last epoch's checkpoint)
# goes to OUT_DIR as two safetensors halves (the device tool returns files of at most 16 MiB);
# `python scripts/join_gpu_stage.py` joins them and exports the ONNX model here.
#
#   scripts/gpu_stage.sh FROM.safetensors OUT_DIR TRAIN_SECONDS [clockreader train options...]
#
# Stage 7 of the bundled model ran as (device tool, carry [".whl", ".gpu"]; .whl holds the wheels of
# fastai 2.8.12, fastcore, fasttransform, plum-dispatch, beartype, fastprogress 1.0.3 and fastdownload;
# .gpu/v8 a copy of runs/v8's model.safetensors and model.json):
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:src
#   bash scripts/gpu_stage.sh .gpu/v8/model.safetensors $OUT 400 --size 160 --bs 256 --lr 2e-3 --seed 7
# The training checkpoints of the readers bundled until 2026-12-03 are in the checkout (checkpoints/reader-16/, checkpoints/reader-20/; today's: checkpoints/hands2X3L/, hands20X3L/),
# so a stage from the bundled model carries [".whl"] only:
#   bash scripts/gpu_stage.sh checkpoints/reader-16/model.safetensors $OUT 470 --size 192 --bs 256 --lr 1e-3 --turned 0.3 --seed 21
# The dial head (see MODEL_CARD.md, "Rectification") learns slowly on the CPU; its next stage belongs here,
# from stage 19's checkpoint carried as .gpu/dial192 (join_gpu_stage.py rebuilds the head from the spec):
#   bash scripts/gpu_stage.sh .gpu/dial192/model.safetensors $OUT 470 --size 192 --bs 256 --lr 1e-3 --turned 0.3 --dial --seed 20
set -uo pipefail
from=$1 out=$2 budget=$3; shift 3
mkdir -p "$out"
# cores this process may use (not `nproc`, which follows OMP_NUM_THREADS: that cost a second stage once)
cores=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
workers=$(( cores > 3 ? cores - 2 : 1 ))
epochs=${EPOCHS:-8}
rate=$(python3 - "$workers" <<'PY'
import sys, time
from torch.utils.data import DataLoader
from clockreader.train.data import SyntheticClocks
dl = DataLoader(SyntheticClocks(100_000, 160, seed=99), batch_size=256, num_workers=int(sys.argv[1]))
t, n = time.time(), 0
for i, (x, _) in enumerate(dl):
    n += len(x)
    if i == 40:
        break
print(int(n / (time.time() - t)))
PY
) || exit 1
# 85% of the measured rate (validation, worker start-up each epoch), in whole batches of 256
size=$(( (budget * rate * 85 / 100 / epochs) / 256 * 256 ))
echo "render rate ${rate}/s with ${workers} workers -> ${epochs} epochs of ${size} clocks"
run=/tmp/gpu-stage
timeout $(( budget + 120 )) python3 -m clockreader train --pretrained "$from" --device "${DEVICE:-cuda}" --workers "$workers" \
    --epochs "$epochs" --epoch-size "$size" --out "$run" "$@"
echo "train exit $?"
python3 - "$run" "$out" <<'PY'
import json, shutil, sys
from pathlib import Path
from safetensors.torch import load_file, save_file
run, out = Path(sys.argv[1]), Path(sys.argv[2])
src = run / "model.safetensors" if (run / "model.safetensors").is_file() else run / "checkpoint.safetensors"
sd = load_file(str(src))
keys = sorted(sd)
for part, ks in enumerate((keys[::2], keys[1::2]), 1):
    save_file({k: sd[k] for k in ks}, str(out / f"part{part}.safetensors"))
for name in ("model.json", "checkpoint.json"):
    if (run / name).is_file():
        shutil.copy(run / name, out / name)
print("saved", src.name, "as", len(keys), "tensors in two halves")
PY
