"""Re-measure a reader's BatchNorm statistics on real clock views (AdaBN; Li et al., "Revisiting Batch
Normalization For Practical Domain Adaptation", 2016): no labels, no gradient step, only the running means and
variances of every BatchNorm change.

    python scripts/adapt_bn.py checkpoints/reader-16 --out runs/bnR-16 [--mix 0.5]

The views are what the reader is given in the wild: each boxed clock of ``unlabelled-real`` (``boxes.csv``) cut
with the read path's margin (``crop_with_margin``), and each photo without a box whole (the product shots whose
clock fills the frame), prepared exactly as inference prepares them (``clockreader.preprocess.prepare``). No
evaluation set is read: not coco-clocks, not real-clocks, no time-lapse video.

``--mix m``: keep the rendered clocks' statistics in the mixture too: each BatchNorm's mean and variance become
those of a mixture of the real views (weight ``m``) and the training renders (the checkpoint's own statistics,
weight 1 - m); ``--mix 1`` (default) takes the real views' statistics alone. The statistics are measured by
torch's ``update_bn`` (``torch.optim.swa_utils``: a cumulative average over batches of 32, the network in
training mode). Writes model.safetensors, model.onnx and model.json (the spec names this command and the
checkpoint it came from) in ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.optim.swa_utils import update_bn

from clockreader.images import load_image
from clockreader.preprocess import prepare
from clockreader.runtime.locator import crop_with_margin
from clockreader.spec import source_commit
from clockreader.train.export import export_model
from clockreader.train.model import load_run

UNLABELLED = Path(__file__).resolve().parents[2] / "shared" / "data" / "unlabelled-real"


def real_views(root: Path = UNLABELLED) -> list[Image.Image]:
    """Every boxed clock of ``root`` with the read path's margin, and every photo without a box whole."""
    boxes = defaultdict(list)
    with open(root / "boxes.csv", newline="") as f:
        for row in csv.DictReader(f):
            boxes[row["path"]].append(tuple(float(row[k]) for k in ("x0", "y0", "x1", "y1")))
    with open(root / "sources.csv", newline="") as f:
        paths = [row["path"] for row in csv.DictReader(f)]
    views = []
    for p in paths:
        im = load_image(root / p)
        views.extend([crop_with_margin(im, b) for b in boxes[p]] if boxes.get(p) else [im])
    return views


def bn_layers(model: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def adapt(model: torch.nn.Module, batch: np.ndarray, mix: float = 1.0, bs: int = 32, seed: int = 0) -> int:
    """Replace ``model``'s BatchNorm statistics by those of ``batch`` (N, 3, S, S), mixed with the old ones by
    ``mix`` (see the module's doc). Returns the number of BatchNorm layers changed."""
    layers = bn_layers(model)
    old = [(m.running_mean.clone(), m.running_var.clone()) for m in layers]
    order = np.random.default_rng(seed).permutation(len(batch))
    x = torch.from_numpy(np.ascontiguousarray(batch[order], np.float32))
    loader = [x[i:i + bs] for i in range(0, len(x), bs)]
    update_bn(loader, model)   # resets the statistics, then a cumulative average (momentum None)
    if mix < 1:
        for m, (m0, v0) in zip(layers, old):
            m1, v1 = m.running_mean.clone(), m.running_var.clone()
            mean = mix * m1 + (1 - mix) * m0
            m.running_mean.copy_(mean)
            m.running_var.copy_(mix * (v1 + (m1 - mean) ** 2) + (1 - mix) * (v0 + (m0 - mean) ** 2))
    model.eval()
    return len(layers)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", help="a run folder or model.safetensors with model.json beside it")
    ap.add_argument("--out", required=True)
    ap.add_argument("--mix", type=float, default=1.0, help="weight of the real views' statistics (default 1)")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    src = Path(args.checkpoint)
    src = src / "model.safetensors" if src.is_dir() else src
    out = Path(args.out)
    if (out / "model.onnx").exists():
        sys.exit(f"{out}: already holds a model; give another --out")
    model, spec = load_run(src)
    orig = json.loads(spec.to_json())
    views = real_views()
    batch = np.stack([prepare(v, spec) for v in views])
    n = adapt(model, batch, args.mix)
    spec.training = {"command": "python scripts/adapt_bn.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                     "commit": source_commit(), "bn_views": len(views), "bn_layers": n, "mix": args.mix,
                     "warm_start": {"from": str(src), "training": orig.get("training")}}
    spec.metrics = {}
    export_model(model, spec, out)
    print(f"{out}: {n} BatchNorm layers re-measured on {len(views)} real views (mix {args.mix})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
