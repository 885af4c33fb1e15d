"""Datasets for training: synthetic clocks rendered on the fly, and labelled image folders.

Each item is ``(TensorImage (3, S, S) in [0, 1], exact minutes since 12:00 as a float tensor)``; with
``dial=True`` a synthetic item is ``(image, TensorPoint (4, 2), minutes)``: the dial's quarter points as
x, y in [-1, 1], which fastai's batch augmentations move with the pixels; with ``hands=True`` the points are
the dial's centre, its 12 o'clock and the hour and minute hands' tips (``train.model.HAND_POINTS``). The
resize is :func:`clockreader.preprocess.resize_for_model`, the same as at inference; augmentation and
normalisation follow as fastai batch transforms.
"""

from __future__ import annotations

import numpy as np
import torch
from fastai.torch_core import TensorImage
from fastai.vision.core import TensorPoint
from torch.utils.data import Dataset

from ..datasets import LabelledImage
from ..images import load_image
from ..preprocess import resize_for_model, to_unit_array
from ..render import render_clock


FAR_SIDES = (0.2, 0.5)  # a far clock is rendered this share of the input size across (38-96 px at 192 px)


class SyntheticClocks(Dataset):
    """``length`` freshly rendered clocks per epoch; sample i of epoch e is seeded by (seed, e, i).

    Set ``epoch`` before each epoch (the trainer's callback does) to get new clocks; keep it fixed for a
    validation set. ``far``: the share of clocks seen from far away: rendered at ``FAR_SIDES`` of the input size
    (32 px at least; its effects at that size) and enlarged to it, as the reader gets a small clock that the locators crop
    from a wide photo.
    """

    n_inp = 1  # the image; the rest of an item is targets (fastai would take all but the last as inputs)

    def __init__(self, length: int, size: int = 128, seed: int = 0, resize: str = "squish",
                 full_rotation: bool = False, split_idx: int = 0, turned: float = 0.1, steep: float = 0.15,
                 dial: bool = False, far: float = 0.0, hands: bool = False):
        self.length, self.size, self.seed, self.resize = length, size, seed, resize
        self.full_rotation, self.split_idx, self.epoch, self.turned, self.steep = full_rotation, split_idx, 0, turned, steep
        self.dial, self.far, self.hands = dial, far, hands
        if (dial or hands) and resize != "squish":
            raise ValueError("dial and hand points are given for squish-resized clocks only")

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int):
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        side = self.size
        if self.far and rng.random() < self.far:
            side = max(32, int(rng.uniform(*FAR_SIDES) * self.size))
        s = render_clock(rng, size=side, full_rotation=self.full_rotation, turned=self.turned, steep=self.steep)
        img = resize_for_model(s.image, self.size, self.resize)
        x, minutes = TensorImage(torch.from_numpy(to_unit_array(img))), torch.tensor(s.time.minutes, dtype=torch.float32)
        if not (self.dial or self.hands):
            return x, minutes
        pts = s.dial if self.dial else [s.center, s.twelve, s.tips["hour"], s.tips["minute"]]
        pts = np.asarray(pts, np.float32) * np.float32(2.0 / side) - 1.0  # rendered at ``side``
        return x, TensorPoint(torch.from_numpy(pts), img_size=(self.size, self.size)), minutes


class LabelledClocks(Dataset):
    """Images from any dataset reader; labels are whole minutes (the bin centre is used as target). With
    ``points=True`` (mixed with synthetic clocks that have points) an item is ``(image, TensorPoint (4, 2) of
    NaN, minutes)``: a real photo's points are unknown, and :class:`~clockreader.train.objectives.ClockLoss`
    leaves them out."""

    n_inp = 1  # the image, as for :class:`SyntheticClocks`

    def __init__(self, items: list[LabelledImage], size: int = 128, resize: str = "squish", split_idx: int = 0,
                 points: bool = False):
        self.items, self.size, self.resize, self.split_idx, self.points = items, size, resize, split_idx, points

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        it = self.items[i]
        img = resize_for_model(load_image(it.path, draft_size=self.size * 2), self.size, self.resize)
        minutes = it.time.index720 + 0.5
        x, minutes = TensorImage(torch.from_numpy(to_unit_array(img))), torch.tensor(minutes, dtype=torch.float32)
        if not self.points:
            return x, minutes
        return x, TensorPoint(torch.full((4, 2), float("nan")), img_size=(self.size, self.size)), minutes
