"""Training the clock locator: a timm feature pyramid (strides 8 and 16) + a CenterNet head, on
synthetic scenes from ``clockreader.render.scenes``; the same fastai loop as the reader."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import timm
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders, TfmdDL
from fastai.data.transforms import Normalize
from fastai.learner import Learner
from fastai.optimizer import Adam
from fastai.torch_core import TensorImage, set_seed
from torch import nn
from PIL import Image
from torch.utils.data import Dataset

from ..runtime.locator import decode_heatmap
from ..preprocess import to_unit_array
from ..geometry import box_iou
from ..render.scenes import render_scene
from ..spec import IMAGENET_MEAN, IMAGENET_STD, ModelSpec
from .learner import resolve_device
from .model import LITE0, LITE0_ARCHS, load_lite0_imagenet


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


def centernet_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Focal loss on the heatmap (CenterNet's, alpha 2, beta 4) + L1 on log sizes at centres."""
    p = pred[:, 0].float().clamp(1e-4, 1 - 1e-4)
    gt, mask = target[:, 0], target[:, 3]
    pos = (gt >= 0.999).float()
    npos = pos.sum().clamp(min=1.0)
    pos_loss = (torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = (torch.log(1 - p) * p**2 * (1 - gt) ** 4 * (1 - pos)).sum()
    size_loss = (F.l1_loss(pred[:, 1:3].float(), target[:, 1:3], reduction="none").sum(1) * mask).sum()
    return -(pos_loss + neg_loss) / npos + size_loss / npos


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


class FreshScenesEachEpoch(Callback):
    """New scenes (and new windows of the real photos) every epoch: the datasets are seeded by epoch."""

    def before_epoch(self):
        ds = self.dls.train.dataset
        for d in getattr(ds, "datasets", [ds]):
            d.epoch = int(self.epoch) + 1


@dataclass
class LocatorConfig:
    arch: str = "tf_efficientnet_lite0"
    pretrained: str | None = LITE0
    size: int = 192            # scenes and model input, pixels
    stride: int = 8
    epochs: int = 6
    epoch_size: int = 4000
    valid_size: int = 300
    bs: int = 32
    lr: float = 2e-3
    seed: int = 0
    workers: int = 1
    device: str = "auto"
    out: str = "runs/locator"
    eval_scenes: int = 200     # synthetic test scenes scored after training
    real_boxes: str | None = None  # a CSV of real photos' clock boxes mixed into training (the held-out fifth never)
    real_repeat: int = 2       # each real photo this many times an epoch (different windows)


def evaluate_locator(predict, n: int = 300, seed: int = 4242, size: int = 192, iou: float = 0.5,
                     threshold: float = 0.3, stride: int = 8) -> dict:
    """Recall and precision at IoU >= ``iou`` on ``n`` synthetic scenes; ``predict`` maps a batch to outputs."""
    tp = fp = fn = 0
    for i in range(n):
        s = render_scene(np.random.default_rng([seed, i]), size)
        x = ((to_unit_array(s.image) - np.array(IMAGENET_MEAN, np.float32)[:, None, None]) / np.array(IMAGENET_STD, np.float32)[:, None, None])[None]
        dets = decode_heatmap(predict(x.astype(np.float32))[0], stride, threshold)
        boxes = np.array([b for b, _ in dets]).reshape(-1, 4)
        matched = set()
        for b in boxes:
            if len(s.boxes):
                ious = box_iou(b, s.boxes)[0]
                j = int(ious.argmax())
                if ious[j] >= iou and j not in matched:
                    matched.add(j)
                    tp += 1
                    continue
            fp += 1
        fn += len(s.boxes) - len(matched)
    return {"scenes": n, "recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1), "clocks": tp + fn}


def train_locator(cfg: LocatorConfig, command: str | None = None) -> ModelSpec:
    from ..spec import sha256_file, source_commit
    from .export import embed_spec, export_onnx

    import fastai.callback.progress  # noqa: F401
    import fastai.callback.schedule  # noqa: F401

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    set_seed(cfg.seed, reproducible=False)
    device = resolve_device(cfg.device)
    norm = Normalize.from_stats(IMAGENET_MEAN, IMAGENET_STD, cuda=device.type == "cuda")
    train_ds = SceneDataset(cfg.epoch_size, cfg.size, cfg.stride, cfg.seed, 0)
    if cfg.real_boxes:
        from torch.utils.data import ConcatDataset

        real = RealBoxScenes(real_box_items(cfg.real_boxes), cfg.size, cfg.stride, cfg.seed, cfg.real_repeat)
        train_ds = ConcatDataset([train_ds, real])
    valid_ds = SceneDataset(cfg.valid_size, cfg.size, cfg.stride, 10_000 + cfg.seed, 1)
    dls = DataLoaders(TfmdDL(train_ds, bs=cfg.bs, shuffle=True, drop_last=True, num_workers=cfg.workers, after_batch=[norm], device=device),
                      TfmdDL(valid_ds, bs=cfg.bs, num_workers=cfg.workers, after_batch=[norm], device=device), device=device)
    model = LocatorNet(cfg.arch, cfg.pretrained)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    learn = Learner(dls, model, loss_func=centernet_loss, opt_func=Adam, cbs=[FreshScenesEachEpoch()], path=out, model_dir=".")
    t0 = time.time()
    learn.fit_one_cycle(cfg.epochs, cfg.lr)
    model = learn.model.float().cpu().eval().to(memory_format=torch.contiguous_format)

    def predict(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    spec = ModelSpec(arch=cfg.arch, input_size=cfg.size, resize="squish", layout="centernet", stride=cfg.stride,
                     training={"config": asdict(cfg), "command": command or " ".join(sys.argv), "commit": source_commit(),
                               "seconds": round(time.time() - t0)})
    from safetensors.torch import save_file

    from ..evaluate_locate import choose_score_threshold
    from ..runtime.locator import ClockLocator

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "locator.safetensors"))
    export_onnx(model, spec, out / "locator.onnx")
    # the threshold with the best F1 on scenes of their own seed, through the exported model as it will run
    choice = choose_score_threshold(ClockLocator(out / "locator.onnx"), n=cfg.eval_scenes)
    spec.score_threshold = choice["threshold"]
    spec.metrics = {"synthetic_scenes": evaluate_locator(predict, n=cfg.eval_scenes, size=cfg.size, stride=cfg.stride,
                                                         threshold=spec.score_threshold),
                    "score_threshold": choice}
    embed_spec(out / "locator.onnx", spec)  # the same network, its spec now with the threshold
    spec.sha256 = sha256_file(out / "locator.onnx")
    spec.save(out / "locator.json")
    return spec
