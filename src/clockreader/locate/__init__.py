"""Find analog clocks in a wider photo (torch-free: ONNX Runtime + NumPy).

The locator is a small CenterNet-style network (Zhou et al., "Objects as Points", 2019): a heatmap of
clock centres on a grid of ``stride``-pixel cells plus the log width and height of the box at each
centre. Peaks (3x3 local maxima above the spec's ``score_threshold``) become boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..images import ImageInput, load_image
from ..preprocess import prepare
from ..spec import ModelSpec

DEFAULT_LOCATOR = Path(__file__).resolve().parents[1] / "runtime" / "weights" / "clockreader-locator.onnx"


@dataclass
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels
    score: float


def decode_heatmap(out: np.ndarray, stride: int, threshold: float, max_boxes: int = 10) -> list[tuple[np.ndarray, float]]:
    """(3, G, G) network output -> [(box in input pixels, score)] from 3x3 local maxima of the heatmap."""
    heat = out[0]
    g_h, g_w = heat.shape
    padded = np.pad(heat, 1, constant_values=-1)
    neigh = np.max([padded[dy:dy + g_h, dx:dx + g_w] for dy in range(3) for dx in range(3)], axis=0)
    ys, xs = np.nonzero((heat >= neigh) & (heat >= threshold))
    order = np.argsort(-heat[ys, xs])[:max_boxes]
    size_in = g_w * stride
    found = []
    for y, x in zip(ys[order], xs[order]):
        cx, cy = (x + 0.5) * stride, (y + 0.5) * stride
        w, h = np.exp(out[1, y, x]) * size_in, np.exp(out[2, y, x]) * size_in
        found.append((np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]), float(heat[y, x])))
    return found


class ClockLocator:
    """Locate clocks with an ONNX locator model (default: the bundled one)."""

    def __init__(self, model: str | Path | None = None, threads: int | None = None):
        from ..runtime.reader import _session, load_spec_for

        path = Path(model) if model is not None else DEFAULT_LOCATOR
        if not path.is_file():
            raise ModelError(f"{path}: locator model not found")
        self.path = path
        self.session = _session(path, threads)
        self.spec: ModelSpec = load_spec_for(path, self.session)
        if self.spec.layout != "centernet":
            raise ModelError(f"{path}: not a locator model (layout {self.spec.layout})")

    def locate(self, image: ImageInput, threshold: float | None = None) -> list[Detection]:
        """Boxes of the clocks in ``image``, best first, in the image's own pixel coordinates."""
        im = load_image(image, draft_size=self.spec.input_size * 2)
        x = prepare(im, self.spec)[None]
        out = self.session.run(None, {self.session.get_inputs()[0].name: x})[0][0]
        thr = self.spec.score_threshold if threshold is None else threshold
        sx, sy = im.width / self.spec.input_size, im.height / self.spec.input_size
        dets = []
        for box, score in decode_heatmap(out, self.spec.stride, thr):
            b = np.clip(box * [sx, sy, sx, sy], 0, [im.width, im.height, im.width, im.height])
            if b[2] - b[0] >= 4 and b[3] - b[1] >= 4:
                dets.append(Detection(tuple(float(v) for v in b), score))
        return dets


def crop_with_margin(image, box, margin: float = 0.15):
    """Crop ``box`` from a PIL image, grown by ``margin`` of its size on each side (clipped)."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return image.crop((int(max(0, x0 - mx)), int(max(0, y0 - my)), int(min(image.width, x1 + mx)), int(min(image.height, y1 + my))))
