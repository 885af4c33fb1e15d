"""The training program (the seed's ``clock_time_recognition``): a fastai Learner around a timm backbone.

Layers, fastai style: :func:`create_dataloaders` (data), :func:`create_learner` (Learner with loss,
metrics and callbacks), :func:`train` (fit one cycle, save, export). New behaviour goes in callbacks.
"""

from __future__ import annotations

import json
import logging
import platform
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import fastai.callback.progress  # noqa: F401  (progress bars)
import fastai.callback.schedule  # noqa: F401  (fit_one_cycle, lr_find)
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders, TfmdDL
from fastai.learner import Learner
from fastai.optimizer import Adam
from fastai.torch_core import set_seed
from fastai.vision.augment import aug_transforms
from fastai.data.transforms import Normalize
from torch.utils.data import ConcatDataset

from .. import decode
from ..datasets import read_dataset
from ..errors import DatasetError
from ..spec import IMAGENET_MEAN, IMAGENET_STD, ModelSpec, source_commit
from ..time import MINUTES_12H, circular_diff, index720_to_index144
from .data import LabelledClocks, SyntheticClocks
from .model import LITE0, create_clock_model, load_state_file

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Plain, commented defaults: the ``cpu-small`` preset."""

    arch: str = "tf_efficientnet_lite0"  # any timm architecture name
    pretrained: str | None = LITE0     # none | lite0-imagenet | hub | PATH
    size: int = 128                    # input side in pixels (the seed: 128)
    head: str = "pool"                 # pool (timm's classifier; the spatial head lost its A/B and went)
    resize: str = "squish"             # squish | pad | crop (the seed: squish)
    data: tuple[str, ...] = ("synthetic",)  # "synthetic" and/or dataset paths, mixed
    epochs: int = 20
    epoch_size: int = 8000             # synthetic clocks rendered per epoch
    valid_size: int = 720              # fixed synthetic validation clocks (seeded)
    bs: int = 64
    lr: float = 2e-3                   # one-cycle peak learning rate (check with lr-find)
    wd: float = 0.01
    seed: int = 0
    workers: int = 0                   # DataLoader workers rendering clocks (0: in the training process; on 2 cores a worker slows the step more than it saves, 26 vs 29 s per 20 batches)
    device: str = "auto"               # auto | cpu | cuda
    bf16: bool = False                 # bf16 autocast (CPU: measured slower than channels_last fp32)
    full_rotation: bool = False        # rotate clocks through the full circle (not only +-20 degrees)
    turned: float = 0.1                # share of training dials turned round (only those whose numerals or text show which way is up)
    steep: float = 0.15                # share of training dials seen 40-60 degrees off axis
    far: float = 0.0                   # share of training clocks seen from far away (rendered small, enlarged)
    dial: bool = False                 # also regress the dial's quarter points (an extra target; layout +dial8)
    dial_weight: float = 5.0           # weight of the dial points' L1 loss (in half-frames) beside the reading's
    dial_lr: float = 20.0              # the dial head's learning rate, as a multiple of lr (it starts from zero)
    out: str = "runs/model"
    resume: bool = False
    extra: dict = field(default_factory=dict)


PRESETS = {
    "cpu-small": TrainConfig(),
    # The seed's run: ConvNeXt-XLarge ImageNet-22k, 128 px, 40 epochs. Needs a GPU and the hub (or a
    # local checkpoint passed with --pretrained PATH).
    "seed": TrainConfig(arch="convnext_xlarge.fb_in22k", pretrained="hub", epochs=40, bs=64, lr=1e-4, workers=4),
}


# --------------------------------------------------------------------------------------------- loss
class ClockLoss:
    """Soft cross-entropy of both heads against circular Gaussian targets around the exact time; with dial
    points among the targets, plus ``dial_weight`` times their mean L1 error (x, y in [-1, 1])."""

    def __init__(self, sigma_hour: float = 4.0, sigma_minute: float = 0.6, dial_weight: float = 5.0):
        self.sigma_hour, self.sigma_minute, self.dial_weight = sigma_hour, sigma_minute, dial_weight

    def __call__(self, pred: torch.Tensor, *targets: torch.Tensor) -> torch.Tensor:
        minutes = targets[-1]
        reading = self._reading(pred[:, :decode.NUM_OUTPUTS], minutes)
        if len(targets) == 1:
            return reading
        pts = torch.as_tensor(targets[0]).float().flatten(1)
        return reading + self.dial_weight * F.l1_loss(pred[:, decode.NUM_OUTPUTS:].float(), pts)

    def _reading(self, pred: torch.Tensor, minutes: torch.Tensor) -> torch.Tensor:
        th, tm = decode.soft_targets(minutes.detach().float().cpu().numpy(), self.sigma_hour, self.sigma_minute)
        th = torch.from_numpy(th).to(pred.device, torch.float32)
        tm = torch.from_numpy(tm).to(pred.device, torch.float32)
        pred = pred.float()
        lh = -(th * F.log_softmax(pred[:, :720], 1)).sum(1).mean()
        lm = -(tm * F.log_softmax(pred[:, 720:], 1)).sum(1).mean()
        return lh + lm


# ------------------------------------------------------------------------------------------ metrics
def _readings(pred: torch.Tensor, *targets: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    lp = decode.joint_log_probs(pred[:, :decode.NUM_OUTPUTS].detach().float().cpu().numpy())
    return lp.argmax(1), np.floor(targets[-1].detach().cpu().numpy()).astype(int) % MINUTES_12H


def acc_1min(pred, *targets):
    """Share of readings within +-1 minute (circular over 12 h)."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((circular_diff(got, true) <= 1).mean()))


def acc_hour(pred, *targets):
    """Share of readings with the right hour."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((got // 60 == true // 60).mean()))


def acc_5min(pred, *targets):
    """Share of readings in the right 5-minute class (the seed's 144-class accuracy)."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((index720_to_index144(got) == index720_to_index144(true)).mean()))


def dial_err(pred, pts, minutes):
    """Mean distance of the predicted dial points from the true ones, in dial radii (the true points'
    mean distance from their centroid)."""
    p = pred[:, decode.NUM_OUTPUTS:].detach().float().reshape(-1, 4, 2)
    t = torch.as_tensor(pts).detach().float()
    radius = (t - t.mean(1, keepdim=True)).norm(dim=-1).mean(1).clamp_min(1e-3)
    return ((p - t).norm(dim=-1).mean(1) / radius).mean()


def dial_splitter(model) -> list:
    """Two parameter groups: the network, and the dial head (trained at ``dial_lr`` times the rate)."""
    head = list(model.dial_head.parameters())
    ids = {id(p) for p in head}
    return [[p for p in model.parameters() if id(p) not in ids], head]


# ---------------------------------------------------------------------------------------- callbacks
class FreshClocksEachEpoch(Callback):
    """Tell the synthetic training set which epoch it is, so every epoch renders new clocks."""

    order = 0

    def before_epoch(self):
        ds = self.dls.train.dataset
        for d in getattr(ds, "datasets", [ds]):
            if isinstance(d, SyntheticClocks):
                d.epoch = int(self.epoch) + 1


class ChannelsLastInput(Callback):
    """Hand the CPU model its batch in channels-last layout, the layout the model itself is in.

    fastai's default ``CastToTensor`` callback already turns TensorImage into a plain tensor; this only
    fixes the memory layout. Measured on this 2-core CPU, EfficientNet-Lite0, batch 64 at 128 px, with
    ``--workers 0``: ~1.25 s per training step, against ~1.6 s before.
    """

    order = 5

    def before_batch(self):
        if self.dls.device.type == "cpu":
            self.learn.xb = tuple(x.contiguous(memory_format=torch.channels_last) for x in self.xb)


class CPUAutocast(Callback):
    """bf16 autocast on CPU (fastai's MixedPrecision is CUDA-only)."""

    order = 10

    def before_batch(self):
        self._ctx = torch.autocast("cpu", dtype=torch.bfloat16)
        self._ctx.__enter__()

    def after_loss(self):
        self._ctx.__exit__(None, None, None)


class SafetensorsCheckpoint(Callback):
    """After each epoch, save the weights as safetensors plus a JSON of the epoch, its metrics and the
    history of every epoch so far (kept across ``--resume``)."""

    order = 90

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def after_epoch(self):
        from safetensors.torch import save_file

        names = self.recorder.metric_names[1:-1]
        vals = [float(v) if v is not None else None for v in self.recorder.log[1:-1]] if self.recorder.log else []
        if not vals:  # an epoch skipped by --resume: the checkpoint already holds it
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        sd = {k: v.detach().cpu().contiguous() for k, v in self.learn.model.state_dict().items()}
        tmp = self.folder / "checkpoint.safetensors.tmp"
        save_file(sd, str(tmp))
        tmp.replace(self.folder / "checkpoint.safetensors")
        metrics = dict(zip(names, vals))
        ck = self.folder / "checkpoint.json"
        # a resumed run keeps the epochs before it; a new run in the same folder starts a new history
        earlier = [h for h in _read_json(ck).get("history", []) if h.get("epoch", self.epoch) < self.epoch]
        history = earlier + [{"epoch": int(self.epoch), **metrics}]
        ck.write_text(json.dumps({"epoch": int(self.epoch), "metrics": metrics, "history": history}, indent=2))


def _read_json(path: Path) -> dict:
    """A JSON object from ``path``, or {} when it is missing or unreadable (it is only a record)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def plot_history(history: list[dict], path: str | Path, title: str = "") -> Path:
    """Draw the training curve of a run: losses (left) and the validation accuracies (right) per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] + 1 for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for key in ("train_loss", "valid_loss"):
        ax_loss.plot(epochs, [h.get(key) for h in history], marker="o", label=key.replace("_", " "))
    for key, label in (("acc_1min", "within ±1 min"), ("acc_hour", "hour right"), ("acc_5min", "5-minute class")):
        ax_acc.plot(epochs, [100 * h[key] if h.get(key) is not None else None for h in history], marker="o", label=label)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="% of validation clocks", title="validation", ylim=(0, 100))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


# ------------------------------------------------------------------------------------------- build
def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    return torch.device(name)


def create_dataloaders(cfg: TrainConfig, device: torch.device) -> DataLoaders:
    """Training data (synthetic and/or folders, mixed) and a fixed synthetic validation set."""
    parts = []
    for src in cfg.data:
        if src == "synthetic":
            parts.append(SyntheticClocks(cfg.epoch_size, cfg.size, cfg.seed, cfg.resize, cfg.full_rotation, split_idx=0,
                                         turned=cfg.turned, steep=cfg.steep, dial=cfg.dial, far=cfg.far))
        elif cfg.dial:
            raise DatasetError(f"{src}: --dial trains on synthetic clocks only (a folder has no dial points)")
        else:
            items = [it for it in read_dataset(src) if it.extra.get("split", "train") == "train"]
            if not items:
                raise DatasetError(f"{src}: no training images (TIME layout: the train/ split)")
            parts.append(LabelledClocks(items, cfg.size, cfg.resize, split_idx=0))
    train_ds = parts[0] if len(parts) == 1 else ConcatDataset(parts)
    train_ds.split_idx = 0
    # validation: a fixed seed far from the training seeds, one clock per minute of 12 h by default
    valid_ds = SyntheticClocks(cfg.valid_size, cfg.size, seed=10_000 + cfg.seed, resize=cfg.resize, split_idx=1, dial=cfg.dial)
    norm = Normalize.from_stats(IMAGENET_MEAN, IMAGENET_STD, cuda=device.type == "cuda")
    # Like the seed's aug_transforms(size=128, min_scale=0.75), but label-safe: never flip (a mirrored
    # clock shows another time) and rotate at most 10 degrees so the dial's 12 stays findable.
    # With dial points: fastai's RandomResizedCropGPU slices point tensors as if they were images; the same
    # crop (a square of 75-100% of the area, anywhere) is a zoom of 1-1.155 about a random centre, which
    # moves points with the pixels.
    crop = dict(min_scale=1.0, min_zoom=1.0, max_zoom=1 / 0.75 ** 0.5) if cfg.dial else dict(min_scale=0.75)
    augs = aug_transforms(size=cfg.size, do_flip=False, max_rotate=10.0, max_warp=0.1, **crop)
    train_dl = TfmdDL(train_ds, bs=cfg.bs, shuffle=True, drop_last=True, num_workers=cfg.workers,
                      after_batch=[*augs, norm], device=device)
    valid_dl = TfmdDL(valid_ds, bs=cfg.bs * 2, shuffle=False, num_workers=cfg.workers, after_batch=[norm], device=device)
    return DataLoaders(train_dl, valid_dl, device=device)


def create_learner(cfg: TrainConfig) -> Learner:
    device = resolve_device(cfg.device)
    set_seed(cfg.seed, reproducible=False)
    dls = create_dataloaders(cfg, device)
    model = create_clock_model(cfg.arch, cfg.pretrained, head=cfg.head, size=cfg.size, dial=cfg.dial)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)  # measured ~1.7x faster than NCHW here
    cbs = [FreshClocksEachEpoch(), ChannelsLastInput(), SafetensorsCheckpoint(Path(cfg.out))]
    if cfg.bf16:
        cbs.append(CPUAutocast())
    metrics = [acc_1min, acc_hour, acc_5min] + ([dial_err] if cfg.dial else [])
    extra = {"splitter": dial_splitter} if cfg.dial else {}
    learn = Learner(dls, model, loss_func=ClockLoss(dial_weight=cfg.dial_weight), opt_func=Adam, wd=cfg.wd,
                    metrics=metrics, cbs=cbs, path=cfg.out, model_dir=".", **extra)
    return learn


def _warm_start(pretrained: str | None) -> dict:
    """When training starts from an earlier clockreader run, keep that run's own training record (its
    command, commit and time, and so on back), so the spec names the whole recipe."""
    side = Path(pretrained).with_suffix(".json") if pretrained and pretrained not in (LITE0, "hub", "none") else None
    if side is None or not side.is_file():
        return {}
    parent = _read_json(side).get("training", {})
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

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    learn = create_learner(cfg)
    start_epoch = 0
    if cfg.resume:
        ck = out / "checkpoint.json"
        if not ck.is_file():
            raise FileNotFoundError(f"{out}: no checkpoint.json to resume from; run without --resume")
        learn.model.load_state_dict(load_state_file(out / "checkpoint.safetensors"))
        start_epoch = json.loads(ck.read_text())["epoch"] + 1
        log.info("resuming at epoch %d", start_epoch)
    commit = source_commit()  # the code this run starts with (the tree may move on while it trains)
    t0 = time.time()
    lr = np.array([cfg.lr, cfg.lr * cfg.dial_lr]) if cfg.dial else cfg.lr
    learn.fit_one_cycle(cfg.epochs, lr, start_epoch=start_epoch)
    duration = time.time() - t0
    # the checkpoint callback already read each epoch's figures off the recorder; the last are the run's
    history = _read_json(out / "checkpoint.json").get("history", [])
    final = {k: v for k, v in history[-1].items() if k != "epoch"} if history else {}
    spec = ModelSpec(
        arch=cfg.arch, head=cfg.head, input_size=cfg.size, resize=cfg.resize, mean=IMAGENET_MEAN, std=IMAGENET_STD,
        layout="hour720+minute60+dial8" if cfg.dial else "hour720+minute60",
        training={
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
            "command": command or " ".join(sys.argv), "commit": commit, "seconds": round(duration),
            "device": str(learn.dls.device), "host": f"{platform.machine()} {torch.get_num_threads()} threads",
            "torch": torch.__version__,
            **_warm_start(cfg.pretrained),
        },
        metrics={"valid": final, "history": history},
    )
    plot_history(history, out / "training.png", f"{cfg.arch} at {cfg.size} px, {cfg.epochs} epochs of {cfg.epoch_size} clocks")
    learn.model.eval()
    export_model(learn.model.float().to("cpu").to(memory_format=torch.contiguous_format), spec, out)
    return spec
