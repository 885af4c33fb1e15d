"""Training the clock locator: a timm feature pyramid (strides 8 and 16) + a CenterNet head, on synthetic
scenes from ``clockreader.render.scenes`` (and windows of real photos with boxed clocks), on the same fastai
loop as the reader (:mod:`clockreader.train.fit`); its figures are :mod:`clockreader.evaluate_locate`'s."""

from __future__ import annotations

import math
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import timm
import torch
import torch.nn.functional as F
from fastai.data.core import DataLoaders, TfmdDL
from fastai.data.transforms import Normalize
from fastai.torch_core import TensorImage
from PIL import Image
from torch import nn
from torch.utils.data import ConcatDataset, Dataset

from ..errors import ModelError
from ..preprocess import to_unit_array
from ..render.scenes import render_scene
from ..spec import IMAGENET_MEAN, IMAGENET_STD, ModelSpec
from .config import LITE0, LocatorConfig
from .fit import fit, make_learner, plot_history, start_run
from .model import LITE0_ARCHS, load_lite0_imagenet, load_state_file
from .objectives import centernet_loss


class LocatorNet(nn.Module):
    """Backbone features at strides 8 and 16, fused, then heatmap (sigmoid) + log width + log height."""

    def __init__(self, arch: str = "tf_efficientnet_lite0", pretrained: str | None = LITE0, width: int = 64):
        super().__init__()
        self.backbone = timm.create_model(arch, features_only=True, out_indices=(2, 3))
        if pretrained == LITE0 and arch in LITE0_ARCHS:
            full = load_lite0_imagenet(timm.create_model(arch))
            self.backbone.load_state_dict(full.state_dict(), strict=False)
        c8, c16 = self.backbone.feature_info.channels()
        self.skip, self.lateral = nn.Conv2d(c8, width, 1), nn.Conv2d(c16, width, 1)
        self.head = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(width, 3, 1))
        nn.init.constant_(self.head[-1].bias, 0.0)
        with torch.no_grad():
            self.head[-1].bias[0] = -2.19  # heatmap prior 0.1 (CenterNet)
        if pretrained not in (None, "none", LITE0):   # a locator's training checkpoint: fine-tune the whole net
            self._warm_start(pretrained, arch)

    def _warm_start(self, path: str, arch: str) -> None:
        if Path(path).suffix == ".onnx":
            raise ModelError(f"{path}: an exported ONNX locator cannot be fine-tuned (its BatchNorms are folded away); pass "
                             "its training checkpoint (the bundled one's: checkpoints/clockreader-locator.safetensors)")
        sd, own = load_state_file(path), self.state_dict()
        missing = [k for k in own if k not in sd]
        unexpected = [k for k in sd if k not in own]
        shapes = [k for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
        if missing or unexpected or shapes:
            raise ModelError(f"{path}: not a {arch} locator checkpoint ({len(missing)} tensors missing, {len(shapes)} of "
                             f"other shapes, {len(unexpected)} unexpected)")
        self.load_state_dict({k: v.float() for k, v in sd.items()})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f8, f16 = self.backbone(x)
        y = self.skip(f8) + F.interpolate(self.lateral(f16), size=f8.shape[-2:], mode="nearest")
        out = self.head(y)
        return torch.cat([out[:, :1].sigmoid(), out[:, 1:]], 1)


def scene_target(boxes: np.ndarray, size: int, stride: int) -> np.ndarray:
    """(4, G, G): Gaussian centre heatmap, log w, log h (at centres), centre mask."""
    g = size // stride
    t = np.zeros((4, g, g), np.float32)
    yy, xx = np.mgrid[0:g, 0:g]
    for x0, y0, x1, y1 in boxes:
        cx, cy = (x0 + x1) / 2 / stride - 0.5, (y0 + y1) / 2 / stride - 0.5
        w, h = max(x1 - x0, 1), max(y1 - y0, 1)
        sigma = max(0.6, 0.12 * math.sqrt(w * h) / stride)
        t[0] = np.maximum(t[0], np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2)))
        ix, iy = int(np.clip(round(cx), 0, g - 1)), int(np.clip(round(cy), 0, g - 1))
        t[0, iy, ix] = 1.0
        t[1, iy, ix], t[2, iy, ix], t[3, iy, ix] = math.log(w / size), math.log(h / size), 1.0
    return t


class SceneDataset(Dataset):
    def __init__(self, length: int, size: int, stride: int, seed: int, split_idx: int = 0):
        self.length, self.size, self.stride, self.seed, self.split_idx, self.epoch = length, size, stride, seed, split_idx, 0

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        s = render_scene(np.random.default_rng([self.seed, self.epoch, int(i)]), self.size)
        return TensorImage(torch.from_numpy(to_unit_array(s.image))), torch.from_numpy(scene_target(s.boxes, self.size, self.stride))


class RealBoxScenes(Dataset):
    """Real photos with hand-drawn clock boxes (``unlabelled-real/boxes.csv``), as the locator sees them: a
    random square window (0.6-1 of the short side, so clocks appear at several sizes; the whole photo
    when it is near square and the draw says so) squished to ``size``, with the boxes whose centre lies in
    it, clipped. Seeded by (seed, epoch, i) like the scenes. ``repeat``: each photo this many times an epoch."""

    def __init__(self, items: list[tuple[str, np.ndarray]], size: int, stride: int, seed: int, repeat: int = 1):
        self.items, self.size, self.stride, self.seed, self.repeat, self.epoch = items, size, stride, seed, repeat, 0

    def __len__(self):
        return len(self.items) * self.repeat

    def __getitem__(self, i):
        from ..images import load_image

        path, boxes = self.items[i % len(self.items)]
        rng = np.random.default_rng([self.seed, 7, self.epoch, int(i)])
        im = load_image(path)
        w, h = im.size
        short = min(w, h)
        side = short if rng.random() < 0.3 else int(short * rng.uniform(0.6, 1.0))
        if side == short and max(w, h) <= 1.4 * short and rng.random() < 0.5:
            x0, y0, cw, ch = 0, 0, w, h          # the whole near-square photo, as the locator reads it
        else:
            x0, y0, cw, ch = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1)), side, side
        view = im.crop((x0, y0, x0 + cw, y0 + ch)).resize((self.size, self.size), Image.BILINEAR)
        b = boxes - [x0, y0, x0, y0]
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        b = b[(cx >= 0) & (cx < cw) & (cy >= 0) & (cy < ch)]
        b = np.clip(b, 0, [cw, ch, cw, ch]) * np.array([self.size / cw, self.size / ch] * 2)
        return TensorImage(torch.from_numpy(to_unit_array(view))), torch.from_numpy(scene_target(b, self.size, self.stride))


def real_box_items(source: str, hold_out: bool = False) -> list[tuple[str, np.ndarray]]:
    """The training (or, with ``hold_out``, the held-out) photos of a boxes CSV, with their boxes."""
    from ..evaluate_locate import held_out, read_boxes

    return [(p, b) for p, b in read_boxes(source).items() if held_out(p) == hold_out]


def create_dataloaders(cfg: LocatorConfig, device: torch.device) -> DataLoaders:
    """Fresh synthetic scenes each epoch (with windows of real boxed photos when ``cfg.real_boxes``), and fixed
    validation scenes of another seed."""
    norm = Normalize.from_stats(IMAGENET_MEAN, IMAGENET_STD, cuda=device.type == "cuda")
    train_ds = SceneDataset(cfg.epoch_size, cfg.size, cfg.stride, cfg.seed, 0)
    if cfg.real_boxes:
        real = RealBoxScenes(real_box_items(cfg.real_boxes), cfg.size, cfg.stride, cfg.seed, cfg.real_repeat)
        train_ds = ConcatDataset([train_ds, real])
    valid_ds = SceneDataset(cfg.valid_size, cfg.size, cfg.stride, 10_000 + cfg.seed, 1)
    return DataLoaders(TfmdDL(train_ds, bs=cfg.bs, shuffle=True, drop_last=True, num_workers=cfg.workers, after_batch=[norm], device=device),
                       TfmdDL(valid_ds, bs=cfg.bs, num_workers=cfg.workers, after_batch=[norm], device=device), device=device)


def train_locator(cfg: LocatorConfig, command: str | None = None) -> ModelSpec:
    """Train on the shared loop (:func:`clockreader.train.fit.fit`: checkpoint and history each epoch,
    ``cfg.resume``), export ``locator.onnx`` with ``locator.safetensors`` and ``training.png`` beside it, choose its
    score threshold on synthetic scenes and score it there (:mod:`clockreader.evaluate_locate`)."""
    from safetensors.torch import save_file

    from ..evaluate_locate import choose_score_threshold, synthetic_scene_figures
    from ..runtime.locator import ClockLocator
    from ..spec import sha256_file
    from .export import embed_spec, export_onnx

    device = start_run(cfg)
    learn = make_learner(cfg, create_dataloaders(cfg, device), LocatorNet(cfg.arch, cfg.pretrained), centernet_loss)
    run = fit(learn, cfg)
    out = Path(cfg.out)
    plot_history(run.history, out / "training.png", f"locator: {cfg.arch} at {cfg.size} px, {cfg.epochs} epochs of {cfg.epoch_size} scenes")
    model = learn.model.float().cpu().eval().to(memory_format=torch.contiguous_format)
    spec = ModelSpec(arch=cfg.arch, input_size=cfg.size, resize="squish", layout="centernet", stride=cfg.stride,
                     training={"config": asdict(cfg), "command": command or " ".join(sys.argv), "commit": run.commit,
                               "seconds": round(run.seconds)})
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "locator.safetensors"))
    onnx_path = out / "locator.onnx"

    def save(spec):  # the ONNX carries its spec; the spec beside it names the file's SHA-256 (a rerun replaces both)
        embed_spec(onnx_path, spec)
        spec.sha256 = sha256_file(onnx_path)
        spec.save(out / "locator.json")

    export_onnx(model, spec, onnx_path)
    save(spec)
    # through the exported model as it will run, alone (no small-clock locator, no zoomed search):
    # the threshold with the best F1 on scenes of their own seed, then the figures on the scenes of the figures' seed
    choice = choose_score_threshold(ClockLocator(onnx_path, small=None), n=cfg.eval_scenes)
    spec.score_threshold = choice["threshold"]
    save(spec)  # the same network, its spec now with the threshold
    figures = synthetic_scene_figures(ClockLocator(onnx_path, small=None, zoom=False), n=cfg.eval_scenes)
    spec.metrics = {"synthetic_scenes": figures, "score_threshold": choice, "valid": run.final, "history": run.history}
    save(spec)
    return spec
