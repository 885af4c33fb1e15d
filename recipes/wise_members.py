"""The bundled members moved towards their ImageNet start, W (docs/history.md, "Choice rule for the members moved
towards their ImageNet start", 2026-12-03): WiSE-FT's interpolation (Wortsman et al., 2022) between each member's
backbone and the packaged ImageNet EfficientNet-Lite0 it was fine-tuned from, heads kept, then the ensemble.

    python recipes/wise_members.py ALPHA [--upto BLOCK | --after BLOCK] [--name NAME] [--members DIR DIR]

Every backbone tensor (parameters and BatchNorm buffers) becomes (1 - ALPHA) w + ALPHA w0; with --upto BLOCK only the
stem and blocks 0..BLOCK move (the early, low-level layers), with --after BLOCK only the later blocks and the last
1 x 1 convolution (conv_head, bn2). Writes runs/NAME/{hands2,hands20}/ (model.safetensors,
model.json, model.onnx) and runs/NAME/model.onnx, the two joined by `clockreader ensemble` (points_weight 0.5, the
members' own). None was bundled (docs/history.md, from "The members moved towards their ImageNet start, W" to
"Replication probe R"): the variants that move the later blocks gain 2-5 coco-clocks under the protocol, and the
hard videos' raw frames and today's synthetic split lose. --members
runs/Cplain/...: C's members copied without their training-only mask head (docs/history.md, "Replication probe R").
NAME defaults to W<ALPHA> (WE<ALPHA>-<BLOCK> with --upto, WL<ALPHA>-<BLOCK> with --after).
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


def moves(key: str, upto: int | None = None, after: int | None = None) -> bool:
    """Whether backbone tensor ``key`` is moved: all of them; with ``upto`` the stem and blocks 0..upto; with
    ``after`` the blocks after it and the last 1 x 1 convolution."""
    block = int(key.split(".")[1]) if key.startswith("blocks.") else None
    if upto is not None:
        return key.startswith(("conv_stem.", "bn1.")) or (block is not None and block <= upto)
    if after is not None:
        return key.startswith(("conv_head.", "bn2.")) or (block is not None and block > after)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("alpha", type=float)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--upto", type=int)
    g.add_argument("--after", type=int)
    ap.add_argument("--name")
    ap.add_argument("--members", nargs=2, metavar="DIR", default=list(MEMBERS.values()),
                    help="the two members' folders (model.safetensors, model.json; default the bundled ones)")
    a = ap.parse_args()
    name = a.name or (f"WE{a.alpha:g}-{a.upto}" if a.upto is not None else
                      f"WL{a.alpha:g}-{a.after}" if a.after is not None else f"W{a.alpha:g}")
    out = ROOT / "runs" / name
    for member, src in zip(MEMBERS, a.members):
        net, spec = load_run(ROOT / src / "model.safetensors")
        start = create_clock_model(spec.arch, "lite0-imagenet", size=spec.input_size).backbone.state_dict()
        sd = net.backbone.state_dict()
        net.backbone.load_state_dict({k: torch.lerp(v, start[k].to(v.dtype), a.alpha)
                                      if v.is_floating_point() and moves(k, a.upto, a.after) else v for k, v in sd.items()})
        training = {**spec.training, "towards_imagenet": {"alpha": a.alpha, "upto": a.upto, "after": a.after, "from": src,
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
