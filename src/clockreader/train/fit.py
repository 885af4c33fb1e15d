"""The one training loop of reader and locator: a fastai Learner with the shared callbacks, fit one cycle,
resumable, with every epoch's figures kept and drawn.

A model's own module builds its data, network, loss and metrics, then calls :func:`make_learner` and
:func:`fit`; new behaviour goes in callbacks (:mod:`clockreader.train.callbacks`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import fastai.callback.progress  # noqa: F401  (progress bars)
import fastai.callback.schedule  # noqa: F401  (fit_one_cycle, lr_find)
import torch
from fastai.learner import Learner
from fastai.optimizer import Adam
from fastai.torch_core import set_seed

from ..spec import source_commit
from .callbacks import ChannelsLastInput, CPUAutocast, FreshDataEachEpoch, SafetensorsCheckpoint, read_json
from .config import FitConfig

log = logging.getLogger(__name__)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    return torch.device(name)


def start_run(cfg: FitConfig) -> torch.device:
    """Seed everything for the run and pick its device (before its data and network are built)."""
    set_seed(cfg.seed, reproducible=False)
    return resolve_device(cfg.device)


def make_learner(cfg: FitConfig, dls, model: torch.nn.Module, loss_func, metrics=(), **kwargs) -> Learner:
    """A fastai Learner (Adam, ``cfg.wd``) with the callbacks every run uses: fresh data each epoch,
    channels-last input on the CPU (the model is moved to that layout too), a checkpoint with the history
    after each epoch in ``cfg.out``, and bf16 autocast when ``cfg.bf16``."""
    if dls.device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)  # measured ~1.7x faster than NCHW here
    cbs = [FreshDataEachEpoch(), ChannelsLastInput(), SafetensorsCheckpoint(Path(cfg.out))]
    if cfg.bf16:
        cbs.append(CPUAutocast())
    return Learner(dls, model, loss_func=loss_func, opt_func=Adam, wd=cfg.wd, metrics=list(metrics), cbs=cbs,
                   path=cfg.out, model_dir=".", **kwargs)


@dataclass
class FitResult:
    history: list[dict]     # every epoch's losses and metrics, the epochs before a resume included
    seconds: float          # this process's fitting time
    commit: str | None      # the code the run started with (the tree may move on while it trains)

    @property
    def final(self) -> dict:
        return {k: v for k, v in self.history[-1].items() if k != "epoch"} if self.history else {}


def fit(learn: Learner, cfg: FitConfig, lr=None) -> FitResult:
    """``fit_one_cycle`` for ``cfg.epochs`` at peak ``lr`` (default ``cfg.lr``; an array: one per parameter
    group). With ``cfg.resume`` the weights come from ``cfg.out/checkpoint.safetensors`` and the schedule
    goes on at the epoch after the checkpoint's."""
    from .model import load_state_file

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    start_epoch = 0
    if cfg.resume:
        ck = out / "checkpoint.json"
        if not ck.is_file():
            raise FileNotFoundError(f"{out}: no checkpoint.json to resume from; run without --resume")
        learn.model.load_state_dict(load_state_file(out / "checkpoint.safetensors"))
        start_epoch = json.loads(ck.read_text())["epoch"] + 1
        log.info("resuming at epoch %d", start_epoch)
    commit = source_commit()
    t0 = time.time()
    learn.fit_one_cycle(cfg.epochs, cfg.lr if lr is None else lr, start_epoch=start_epoch)
    # the checkpoint callback read each epoch's figures off the recorder; its history is the run's
    return FitResult(read_json(out / "checkpoint.json").get("history", []), time.time() - t0, commit)


LABELS = {"acc_1min": "within ±1 min", "acc_hour": "hour right", "acc_5min": "5-minute class"}


def plot_history(history: list[dict], path: str | Path, title: str = "") -> Path:
    """Draw the training curve of a run: losses (left) and the validation accuracies, if any (right), per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] + 1 for h in history]
    shares = [k for k in LABELS if any(h.get(k) is not None for h in history)]
    fig, axes = plt.subplots(1, 2 if shares else 1, figsize=(10 if shares else 5.5, 3.6), squeeze=False)
    ax_loss = axes[0, 0]
    for key in ("train_loss", "valid_loss"):
        ax_loss.plot(epochs, [h.get(key) for h in history], marker="o", label=key.replace("_", " "))
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    if shares:
        ax_acc = axes[0, 1]
        for key in shares:
            ax_acc.plot(epochs, [100 * h[key] if h.get(key) is not None else None for h in history], marker="o", label=LABELS[key])
        ax_acc.set(xlabel="epoch", ylabel="% of validation clocks", title="validation", ylim=(0, 100))
    for ax in axes[0]:
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
