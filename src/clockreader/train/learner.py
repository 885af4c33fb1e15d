"""Training the clock reader (the seed's ``clock_time_recognition``): its data, network, loss and
metrics on the shared fastai loop (:mod:`clockreader.train.fit`).

:func:`create_dataloaders` (data), :func:`create_learner` (Learner with loss, metrics and the shared
callbacks), :func:`train` (fit one cycle, save, export), :func:`lr_find`.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from fastai.data.core import DataLoaders, TfmdDL
from fastai.data.transforms import Normalize
from fastai.learner import Learner
from fastai.vision.augment import aug_transforms
from torch.utils.data import ConcatDataset

from ..datasets import read_dataset
from ..errors import DatasetError
from ..spec import IMAGENET_MEAN, IMAGENET_STD, ModelSpec
from .callbacks import SafetensorsCheckpoint, read_json
from .config import LITE0, PRESETS, TrainConfig  # noqa: F401  (PRESETS: the CLI's presets)
from .data import LabelledClocks, SyntheticClocks
from .fit import fit, make_learner, plot_history, start_run
from .model import create_clock_model
from .objectives import ClockLoss, acc_1min, acc_5min, acc_hour, dial_err, hands_err


def points_splitter(model) -> list:
    """Two parameter groups: the network, and its points head (dial or hands; trained at ``dial_lr`` times the rate)."""
    head = list((model.dial_head if model.dial_head is not None else model.hands_head).parameters())
    ids = {id(p) for p in head}
    return [[p for p in model.parameters() if id(p) not in ids], head]


# ------------------------------------------------------------------------------------------- build
def create_dataloaders(cfg: TrainConfig, device: torch.device) -> DataLoaders:
    """Training data (synthetic and/or folders, mixed) and a fixed synthetic validation set."""
    parts = []
    if (cfg.dial or cfg.hands) and "synthetic" not in cfg.data:
        raise DatasetError(f"--{'dial' if cfg.dial else 'hands'} learns its points from renders: give --data synthetic "
                           "beside the folders (their photos have no points)")
    for src in cfg.data:
        if src == "synthetic":
            parts.append(SyntheticClocks(cfg.epoch_size, cfg.size, cfg.seed, cfg.resize, cfg.full_rotation, split_idx=0,
                                         turned=cfg.turned, steep=cfg.steep, dial=cfg.dial, far=cfg.far, hands=cfg.hands))
        else:  # a folder's photos have no points: with --dial or --hands they train the reading alone
            items = [it for it in read_dataset(src) if it.extra.get("split", "train") == "train"]
            if not items:
                raise DatasetError(f"{src}: no training images (TIME layout: the train/ split)")
            parts.append(LabelledClocks(items, cfg.size, cfg.resize, split_idx=0, points=cfg.dial or cfg.hands))
    train_ds = parts[0] if len(parts) == 1 else ConcatDataset(parts)
    train_ds.split_idx, train_ds.n_inp = 0, 1   # one input, the image; the rest of an item is targets
    # validation: a fixed seed far from the training seeds, one clock per minute of 12 h by default
    valid_ds = SyntheticClocks(cfg.valid_size, cfg.size, seed=10_000 + cfg.seed, resize=cfg.resize, split_idx=1, dial=cfg.dial,
                               hands=cfg.hands)
    norm = Normalize.from_stats(IMAGENET_MEAN, IMAGENET_STD, cuda=device.type == "cuda")
    # Like the seed's aug_transforms(size=128, min_scale=0.75), but label-safe: never flip (a mirrored
    # clock shows another time) and rotate at most 10 degrees so the dial's 12 stays findable.
    # With dial points: fastai's RandomResizedCropGPU slices point tensors as if they were images; the same
    # crop (a square of 75-100% of the area, anywhere) is a zoom of 1-1.155 about a random centre, which
    # moves points with the pixels.
    crop = dict(min_scale=1.0, min_zoom=1.0, max_zoom=1 / 0.75 ** 0.5) if cfg.dial or cfg.hands else dict(min_scale=0.75)
    augs = aug_transforms(size=cfg.size, do_flip=False, max_rotate=10.0, max_warp=0.1, **crop)
    train_dl = TfmdDL(train_ds, bs=cfg.bs, shuffle=True, drop_last=True, num_workers=cfg.workers,
                      after_batch=[*augs, norm], device=device)
    valid_dl = TfmdDL(valid_ds, bs=cfg.bs * 2, shuffle=False, num_workers=cfg.workers, after_batch=[norm], device=device)
    return DataLoaders(train_dl, valid_dl, device=device)


def create_learner(cfg: TrainConfig) -> Learner:
    device = start_run(cfg)
    dls = create_dataloaders(cfg, device)
    model = create_clock_model(cfg.arch, cfg.pretrained, head=cfg.head, size=cfg.size, dial=cfg.dial, hands=cfg.hands)
    metrics = [acc_1min, acc_hour, acc_5min] + ([dial_err] if cfg.dial else [hands_err] if cfg.hands else [])
    extra = {"splitter": points_splitter} if cfg.dial or cfg.hands else {}
    loss = ClockLoss(dial_weight=cfg.dial_weight, heat_weight=cfg.heat_weight, heat_sigma=cfg.heat_sigma)
    return make_learner(cfg, dls, model, loss, metrics, **extra)


def _warm_start(pretrained: str | None) -> dict:
    """When training starts from an earlier clockreader run, keep that run's own training record (its
    command, commit and time, and so on back), so the spec names the whole recipe."""
    side = Path(pretrained).with_suffix(".json") if pretrained and pretrained not in (LITE0, "hub", "none") else None
    if side is None or not side.is_file():
        return {}
    parent = read_json(side).get("training", {})
    return {"warm_start": {"from": str(pretrained), "training": parent}} if isinstance(parent, dict) else {}


def lr_find(cfg: TrainConfig, plot: str | Path = "lr_find.png", num_it: int = 100) -> dict:
    """fastai's learning-rate finder; saves the loss-vs-lr plot and returns the suggestions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    learn = create_learner(replace(cfg, out=str(Path(cfg.out))))
    learn.remove_cb(SafetensorsCheckpoint)
    sugg = learn.lr_find(num_it=num_it, show_plot=False)
    learn.recorder.plot_lr_find()
    plt.title(f"lr-find: {cfg.arch} at {cfg.size}px, valley {sugg.valley:.2e}")
    Path(plot).parent.mkdir(parents=True, exist_ok=True)
    plt.savefig(plot, dpi=100, bbox_inches="tight")
    plt.close("all")
    return {"valley": float(sugg.valley)}


def train(cfg: TrainConfig, command: str | None = None) -> ModelSpec:
    """Train, then save ``model.safetensors``, ``model.json`` and ``model.onnx`` into ``cfg.out``."""
    from .export import export_model

    learn = create_learner(cfg)
    run = fit(learn, cfg, np.array([cfg.lr, cfg.lr * cfg.dial_lr]) if cfg.dial or cfg.hands else None)
    spec = ModelSpec(
        arch=cfg.arch, head=cfg.head, input_size=cfg.size, resize=cfg.resize, mean=IMAGENET_MEAN, std=IMAGENET_STD,
        layout="hour720+minute60+dial8" if cfg.dial else "hour720+minute60+hands8" if cfg.hands else "hour720+minute60",
        training={
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
            "command": command or " ".join(sys.argv), "commit": run.commit, "seconds": round(run.seconds),
            "device": str(learn.dls.device), "host": f"{platform.machine()} {torch.get_num_threads()} threads",
            "torch": torch.__version__,
            **_warm_start(cfg.pretrained),
        },
        metrics={"valid": run.final, "history": run.history},
    )
    out = Path(cfg.out)
    plot_history(run.history, out / "training.png", f"{cfg.arch} at {cfg.size} px, {cfg.epochs} epochs of {cfg.epoch_size} clocks")
    learn.model.eval()
    export_model(learn.model.float().to("cpu").to(memory_format=torch.contiguous_format), spec, out)
    return spec
