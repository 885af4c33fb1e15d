"""The one preprocessing used by training AND inference: resize to the model's square input, scale to
[0, 1], normalise with the spec's mean/std, lay out as (3, H, W) float32.

Training applies its augmentation between :func:`resize_for_model` and :func:`normalize` (fastai batch
transforms work on [0, 1] images); inference calls :func:`prepare` which does both steps.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .spec import ModelSpec


def resize_for_model(image: Image.Image, size: int, method: str = "squish") -> Image.Image:
    """Resize an RGB image to ``size`` x ``size``.

    ``squish`` stretches (the seed's fastai ``Resize(method='squish')``), ``pad`` letterboxes with the
    edge colour's mean, ``crop`` takes the centre square. Bilinear with Pillow's antialiasing.
    """
    image = image.convert("RGB")
    if method == "squish":
        return image.resize((size, size), Image.BILINEAR, reducing_gap=3.0)
    if method == "crop":
        side = min(image.size)
        x0, y0 = (image.width - side) // 2, (image.height - side) // 2
        return image.resize((size, size), Image.BILINEAR, box=(x0, y0, x0 + side, y0 + side), reducing_gap=3.0)
    if method == "pad":
        scale = size / max(image.size)
        w, h = max(1, round(image.width * scale)), max(1, round(image.height * scale))
        small = image.resize((w, h), Image.BILINEAR, reducing_gap=3.0)
        arr = np.asarray(small)
        fill = tuple(int(v) for v in np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]]).mean(0))
        out = Image.new("RGB", (size, size), fill)
        out.paste(small, ((size - w) // 2, (size - h) // 2))
        return out
    raise ValueError(f"The 'method' parameter of resize_for_model must be one of squish, pad, crop. Got {method!r} instead.")


def to_unit_array(image: Image.Image) -> np.ndarray:
    """(3, H, W) float32 in [0, 1] from an RGB image."""
    return np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0


def normalize(x: np.ndarray, mean, std) -> np.ndarray:
    """Normalise a (..., 3, H, W) array in [0, 1] with per-channel mean/std."""
    m = np.asarray(mean, np.float32).reshape(3, 1, 1)
    s = np.asarray(std, np.float32).reshape(3, 1, 1)
    return (x - m) / s


def prepare(image: Image.Image, spec: ModelSpec) -> np.ndarray:
    """The model input for one RGB image: (3, S, S) float32, S = ``spec.input_size``."""
    return normalize(to_unit_array(resize_for_model(image, spec.input_size, spec.resize)), spec.mean, spec.std)
