"""ModelSpec: everything needed to use a trained model, stored as JSON beside it and inside the ONNX file.

As in timm, the preprocessing a model needs travels *with* the model: inference builds its input from
the spec alone, so training and reading can never disagree on size, resize method or normalisation.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .decode import DIAL_OUTPUTS, NUM_OUTPUTS
from .errors import ModelError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE_METHODS = ("squish", "pad", "crop")
# hour720+minute60: the clock reader's logits; +dial8: then the dial's quarter points, +hands8: then its centre,
# 12 o'clock and the hands' tips (see decode.split_outputs); centernet: the locator's (heatmap, log width, log height)
LAYOUTS = ("hour720+minute60", "hour720+minute60+dial8", "hour720+minute60+hands8", "centernet")


@dataclass
class ModelSpec:
    """How to feed and decode a clock model.

    The output layout ``hour720+minute60`` means logits of shape (N, 780): 720 bins for the hour hand's
    position (minute of 12 h) followed by 60 bins for the minute hand (see ``clockreader.decode``).
    """

    arch: str = "tf_efficientnet_lite0"
    input_size: int = 128
    resize: str = "squish"
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    layout: str = "hour720+minute60"
    head: str = "pool"                             # reader network head: pool (see train.model)
    unsure_threshold: float = 0.5                  # reader: below this confidence a reading is unsure
    points_weight: float = 0.0                     # +hands8 reader: weight of the hands' points in decoding (decode.hand_votes)
    stride: int = 8                                # locator: heatmap cell size in input pixels
    score_threshold: float = 0.3                   # locator: lowest heatmap peak that counts as a clock
    zoom_threshold: float | None = None            # small-clock locator: the same in the zoomed search's tiles; main locator: in the grid look's (None: score_threshold)
    version: str = "0.1.0"
    training: dict = field(default_factory=dict)   # data, command, seed, commit, duration
    metrics: dict = field(default_factory=dict)    # validation figures
    sha256: str | None = None                      # of the ONNX file, checked on load

    def __post_init__(self):
        if self.resize not in RESIZE_METHODS:
            raise ModelError(f"Model spec: 'resize' must be one of {RESIZE_METHODS}. Got {self.resize!r} instead.")
        if not isinstance(self.input_size, int) or not 32 <= self.input_size <= 1024:
            raise ModelError(f"Model spec: 'input_size' must be an int in [32, 1024]. Got {self.input_size!r} instead.")
        if self.layout not in LAYOUTS:
            raise ModelError(f"Model spec: unknown output layout {self.layout!r}; this clockreader knows {', '.join(LAYOUTS)}.")
        try:
            self.mean = tuple(float(v) for v in self.mean)  # type: ignore[assignment]
            self.std = tuple(float(v) for v in self.std)  # type: ignore[assignment]
        except (TypeError, ValueError):
            raise ModelError(f"Model spec: 'mean' and 'std' must be three numbers each. Got {self.mean!r} and {self.std!r} instead.") from None
        if len(self.mean) != 3 or len(self.std) != 3 or not all(math.isfinite(v) for v in self.mean + self.std) \
                or min(self.std) <= 0:
            raise ModelError(f"Model spec: 'mean' must be three finite numbers and 'std' three finite numbers > 0. "
                             f"Got {self.mean!r} and {self.std!r} instead.")

    @property
    def num_outputs(self) -> int:
        return NUM_OUTPUTS + DIAL_OUTPUTS if self.layout.endswith(("+dial8", "+hands8")) else NUM_OUTPUTS

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSpec":
        if not isinstance(d, dict):
            raise ModelError(f"Model spec is malformed: a JSON object is needed, got {type(d).__name__}")
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except (TypeError, ValueError) as e:
            raise ModelError(f"Model spec is malformed: {e}") from None

    @classmethod
    def load(cls, path: str | Path) -> "ModelSpec":
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise ModelError(f"{path}: model spec not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ModelError(f"{path}: model spec is not valid JSON ({e})") from None
        except ModelError as e:   # name the file
            raise ModelError(f"{path}: {e}") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")


def source_commit() -> str | None:
    """The git commit of this clockreader's source tree (recorded in the specs that training writes), or None
    outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).parent).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file (a model's, recorded in its spec and checked when it is loaded)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
