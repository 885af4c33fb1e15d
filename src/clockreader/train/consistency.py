"""Consistency on unlabelled real clocks (FixMatch, Sohn et al., 2020): the reader's own confident reading of a
real clock, cut as the locators cut it, is the target for the same clock cut and lit another way.

The bundled readers read one real clock differently from boxes that differ by a few pixels (coco-clocks 19927:
2:36 at 0.84 from one box, 7:13 at 0.82 from a box at IoU 0.9 with it; docs/history.md). Renders cannot teach
what a real dial looks like in a loose or shifted crop; real photos can, without a label: each training step
also reads a batch of real clocks (``unlabelled-real/boxes.csv``, no times) twice, a weak view (the box plus the
locators' 15% margin, as :func:`clockreader.runtime.locator.crop_with_margin` cuts it) without gradient and a
strong view (another margin, centre and aspect, other light, sometimes blurred or grey). Where the weak view's
reading is sure (the confidence the reader would report, at least ``threshold``), its
sharpened log-probabilities are the strong view's soft target, for both heads; the loss is added to the
renders' with ``weight`` (FixMatch's lambda), averaged over the whole real batch as FixMatch does.

Views are cut with :func:`clockreader.preprocess.prepare`, the one preprocessing of training and reading.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from ..decode import NUM_OUTPUTS, decode
from ..errors import DatasetError
from ..preprocess import prepare
from ..spec import IMAGENET_MEAN, IMAGENET_STD, ModelSpec

CONTEXT = 2.0          # each clock is kept as a square of this many times its box's longer side, at ...
KEPT_SIDE = 288        # ... this many pixels (every view is cut from it)
WEAK_MARGIN = 0.15     # the locators' margin (crop_with_margin)
THRESHOLD = 0.7        # a weak view teaches from this confidence up: the threshold `pseudo-label` keeps photos at (chosen on real sets)


class RealClockCrops:
    """The boxed clocks of a boxes CSV, each kept as a square around its box (:data:`CONTEXT`), with its
    box in that square's pixels; views of them are cut on demand."""

    def __init__(self, source: str, size: int, resize: str = "squish"):
        from ..evaluate_locate import read_boxes
        from ..images import load_image

        self.spec = ModelSpec(input_size=size, resize=resize, mean=IMAGENET_MEAN, std=IMAGENET_STD)
        self.crops: list[tuple[Image.Image, np.ndarray]] = []
        for path, boxes in read_boxes(source).items():
            im = load_image(path)
            for b in boxes:   # the square around the box, clipped to the photo as the locators' crops are
                side = CONTEXT * max(b[2] - b[0], b[3] - b[1])
                cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
                x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
                x1, y1 = int(min(im.width, cx + side / 2)), int(min(im.height, cy + side / 2))
                scale = KEPT_SIDE / side
                size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
                kept = im.crop((x0, y0, x1, y1)).resize(size, Image.BILINEAR)
                self.crops.append((kept, (np.asarray(b, float) - [x0, y0, x0, y0]) * scale))
        if not self.crops:
            raise DatasetError(f"{source}: no boxed clocks for --consistency")

    def __len__(self) -> int:
        return len(self.crops)

    def views(self, idx, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(weak, strong) float32 batches, (N, 3, S, S), of the clocks ``idx``."""
        weak, strong = [], []
        for i in idx:
            kept, box = self.crops[int(i)]
            weak.append(prepare(_cut(kept, box, WEAK_MARGIN, WEAK_MARGIN, 0.0, 0.0), self.spec))
            strong.append(prepare(_strong(kept, box, rng), self.spec))
        return np.stack(weak), np.stack(strong)


def _cut(kept: Image.Image, box: np.ndarray, mx: float, my: float, dx: float, dy: float) -> Image.Image:
    """The box grown by ``mx``, ``my`` of its width and height on each side, moved by ``dx``, ``dy`` of them."""
    w, h = box[2] - box[0], box[3] - box[1]
    x0, y0 = box[0] - mx * w + dx * w, box[1] - my * h + dy * h
    x1, y1 = box[2] + mx * w + dx * w, box[3] + my * h + dy * h
    return kept.crop((int(max(0, x0)), int(max(0, y0)), int(min(kept.width, x1)), int(min(kept.height, y1))))


def _strong(kept: Image.Image, box: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Another framing (margin 0-40%, each side's share up to 15% apart, the centre moved up to 10% of the box)
    and other light (brightness, contrast and colour 0.6-1.4; a third blurred; a fifth grey)."""
    m = rng.uniform(0.0, 0.4)
    view = _cut(kept, box, m * rng.uniform(0.85, 1.15), m * rng.uniform(0.85, 1.15), *rng.uniform(-0.1, 0.1, 2))
    for enhance in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        view = enhance(view).enhance(rng.uniform(0.6, 1.4))
    if rng.random() < 1 / 3:
        view = view.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    if rng.random() < 0.2:
        view = ImageOps.grayscale(view).convert("RGB")
    return view


def reading_confidence(logits: torch.Tensor) -> torch.Tensor:
    """(N,) the confidence the reader reports for these (N, 780) logits: the joint decode's mass within a
    minute of its reading (:func:`clockreader.decode.decode`)."""
    return torch.from_numpy(decode(logits.detach().float().cpu().numpy(), top_k=1)[1]).to(logits.device, torch.float32)


def consistency_loss(weak: torch.Tensor, strong: torch.Tensor, threshold: float, temperature: float = 0.5) -> tuple[torch.Tensor, float]:
    """FixMatch's unlabelled loss for both reading heads: the strong view's cross-entropy against the weak
    view's sharpened distribution where the weak view is sure, over the whole batch; and the share kept."""
    mask = (reading_confidence(weak) >= threshold).float()
    loss = weak.new_zeros(())
    for a, b in ((0, 720), (720, NUM_OUTPUTS)):
        target = (weak[:, a:b].float() / temperature).softmax(1).detach()
        loss = loss + (-(target * F.log_softmax(strong[:, a:b].float(), 1)).sum(1) * mask).mean()
    return loss, float(mask.mean())


class RealConsistency(Callback):
    """Adds :func:`consistency_loss` on a batch of ``bs`` real clocks to every training step's loss."""

    order = 8   # inside CPUAutocast's context when it is on (it closes at order 10)

    def __init__(self, crops: RealClockCrops, bs: int = 16, weight: float = 1.0, threshold: float = THRESHOLD, seed: int = 0):
        self.crops, self.bs, self.weight, self.threshold = crops, bs, weight, threshold
        self.rng = np.random.default_rng([seed, 99])
        self.kept: list[float] = []

    def before_epoch(self):
        self.rng = np.random.default_rng([int(self.rng.integers(1 << 31)), int(self.epoch)])
        self.kept = []

    def after_loss(self):
        if not self.training:
            return
        idx = self.rng.choice(len(self.crops), self.bs, replace=len(self.crops) < self.bs)
        weak, strong = (torch.from_numpy(v).to(self.dls.device) for v in self.crops.views(idx, self.rng))
        if self.dls.device.type == "cpu":
            weak, strong = (v.contiguous(memory_format=torch.channels_last) for v in (weak, strong))
        with torch.no_grad():
            w = self.model(weak)[:, :NUM_OUTPUTS]
        loss, kept = consistency_loss(w, self.model(strong)[:, :NUM_OUTPUTS], self.threshold)
        self.kept.append(kept)
        self.learn.loss_grad = self.learn.loss_grad + self.weight * loss
        self.learn.loss = self.learn.loss_grad.clone()

    def after_epoch(self):
        if self.kept:
            print(f"consistency: {np.mean(self.kept):.0%} of the real clocks' weak views were sure enough to teach")
