"""The bundled members moved towards their ImageNet start, W (docs/history.md, "Choice rule for the members moved
towards their ImageNet start", 2026-12-03): WiSE-FT's interpolation (Wortsman et al., 2022) between each member's
backbone and the packaged ImageNet EfficientNet-Lite0 it was fine-tuned from, heads kept, then the ensemble.

    python recipes/wise_members.py ALPHA [--upto BLOCK] [--name NAME]

Every backbone tensor (parameters and BatchNorm buffers) becomes (1 - ALPHA) w + ALPHA w0; with --upto BLOCK only the
stem and blocks 0..BLOCK move (the early, low-level layers). Writes runs/NAME/{hands2,hands20}/ (model.safetensors,
model.json, model.onnx) and runs/NAME/model.onnx, the two joined by `clockreader ensemble` (points_weight 0.5, the
members' own). NAME defaults to W<ALPHA> (WE<ALPHA>-<BLOCK> with --upto).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import torch

from clockreader.spec import ModelSpec
from clockreader.train.export import export_model
from clockreader.train.model import create_clock_model, load_run

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = {"hands2": "checkpoints/hands2X3L", "hands20": "checkpoints/hands20X3L"}


def moves(key: str, upto: int | None) -> bool:
    """Whether backbone tensor ``key`` is moved: all of them, or with ``upto`` the stem and blocks 0..upto."""
    if upto is None:
        return True
    if key.startswith(("conv_stem.", "bn1.")):
        return True
    return key.startswith("blocks.") and int(key.split(".")[1]) <= upto


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("alpha", type=float)
    ap.add_argument("--upto", type=int)
    ap.add_argument("--name")
    a = ap.parse_args()
    name = a.name or (f"W{a.alpha:g}" if a.upto is None else f"WE{a.alpha:g}-{a.upto}")
    out = ROOT / "runs" / name
    for member, src in MEMBERS.items():
        net, spec = load_run(ROOT / src / "model.safetensors")
        start = create_clock_model(spec.arch, "lite0-imagenet", size=spec.input_size).backbone.state_dict()
        sd = net.backbone.state_dict()
        net.backbone.load_state_dict({k: torch.lerp(v, start[k].to(v.dtype), a.alpha)
                                      if v.is_floating_point() and moves(k, a.upto) else v for k, v in sd.items()})
        training = {**spec.training, "towards_imagenet": {"alpha": a.alpha, "upto": a.upto, "from": src,
                                                          "command": " ".join(["python recipes/wise_members.py", *sys.argv[1:]])}}
        export_model(net.eval(), ModelSpec(**{**spec.__dict__, "sha256": None, "metrics": {}, "training": training}),
                     out / member)
    subprocess.run([sys.executable, "-m", "clockreader", "ensemble", *(str(out / m) for m in MEMBERS), "--out", str(out / "E")],
                   check=True)
    for f in ("model.onnx", "model.json"):
        (out / "E" / f).rename(out / f)
    (out / "E").rmdir()


if __name__ == "__main__":
    main()
