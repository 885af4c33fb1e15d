"""What is behind the clock: one small record per kind of background, each drawn exactly from its numbers.

No randomness here (:func:`clockreader.render.sample.sample_background` draws the records): a kind that
needs a noise array carries an integer ``seed`` and makes the array with ``np.random.default_rng(seed)``,
so the same record always gives the same pixels. Every ``draw(size)`` returns a new ``size`` x ``size``
RGB image (the clock is pasted into it in place).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .style import RGB


@functools.lru_cache(maxsize=1)
def photo_backgrounds() -> tuple[Image.Image, ...]:
    """The public-domain and CC0 photographs that ship inside the package (``assets/backgrounds``, from
    scikit-image's data folder: scripts/make_render_assets.py), loaded once, in a fixed order."""
    out = []
    for f in sorted((Path(__file__).parent / "assets" / "backgrounds").glob("*.jpg")):
        with Image.open(f) as im:
            out.append(im.convert("RGB"))
    return tuple(out)


def _image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


@dataclass(frozen=True)
class Gradient:
    """A linear blend from colour ``a`` to ``b`` along direction ``angle`` (radians)."""

    a: RGB
    b: RGB
    angle: float

    def draw(self, size: int) -> Image.Image:
        a, b = np.float32(self.a), np.float32(self.b)
        yy, xx = np.mgrid[0:size, 0:size] / size
        t = xx * math.cos(self.angle) + yy * math.sin(self.angle)
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
        return _image(a + (b - a) * t[..., None])


@dataclass(frozen=True)
class ValueNoise:
    """Smooth blotches from ``a`` to ``b``: a ``cells`` x ``cells`` grid of random levels, upsampled bicubically."""

    a: RGB
    b: RGB
    cells: int
    seed: int

    def draw(self, size: int) -> Image.Image:
        a, b = np.float32(self.a), np.float32(self.b)
        small = np.random.default_rng(self.seed).random((self.cells, self.cells)).astype(np.float32)
        t = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)) / 255.0
        return _image(a + (b - a) * t[..., None])


@dataclass(frozen=True)
class Wall:
    """A plain wall of ``colour`` with fine grain (standard deviation ``grain``), maybe darker panel or brick
    lines every ``lines`` rows."""

    colour: RGB
    grain: float
    seed: int
    lines: int | None = None

    def draw(self, size: int) -> Image.Image:
        arr = np.broadcast_to(np.float32(self.colour), (size, size, 3)).copy()
        arr += np.random.default_rng(self.seed).normal(0, self.grain, (size, size, 1))
        if self.lines:
            arr[::self.lines] *= 0.75
        return _image(arr)


@dataclass(frozen=True)
class Facade:
    """A tower or facade in front of the sky, columns ``x0:x1`` (pixels), of ``stone`` (RGB floats) with a
    little grain, sometimes in courses every ``courses`` rows."""

    x0: int
    x1: int
    stone: tuple[float, float, float]
    courses: int | None = None


@dataclass(frozen=True)
class Sky:
    """Outdoors (a station or church clock): sky from ``top`` (RGB floats) down to a pale grey ``low``,
    maybe behind a :class:`Facade`; ``seed`` makes the facade's grain."""

    top: tuple[float, float, float]
    low: float
    facade: Facade | None = None
    seed: int = 0

    def draw(self, size: int) -> Image.Image:
        top, low = np.float32(self.top), np.float32([self.low] * 3)
        yy = np.mgrid[0:size, 0:size][0] / size
        arr = top + (low - top) * yy[..., None]
        f = self.facade
        if f is not None:
            grain = np.random.default_rng(self.seed).normal(0, 6, (size, f.x1 - f.x0, 1))
            arr[:, f.x0:f.x1] = np.float32(f.stone) + grain
            if f.courses:
                arr[::f.courses, f.x0:f.x1] *= 0.8
        return _image(arr)


@dataclass(frozen=True)
class Shape:
    """One shape of a :class:`Clutter`: an ellipse or a rectangle filling ``box`` (x0, y0, x1, y1 pixels)."""

    ellipse: bool
    box: tuple[int, int, int, int]
    colour: RGB


@dataclass(frozen=True)
class Clutter:
    """Shapes in front of one another on a ``colour`` ground (a shelf, a desk, a poster)."""

    colour: RGB
    shapes: tuple[Shape, ...]

    def draw(self, size: int) -> Image.Image:
        im = Image.new("RGB", (size, size), tuple(self.colour))
        d = ImageDraw.Draw(im)
        for s in self.shapes:
            (d.ellipse if s.ellipse else d.rectangle)(s.box, fill=tuple(s.colour))
        return im


Procedural = Gradient | ValueNoise | Wall | Sky | Clutter


@dataclass(frozen=True)
class Plain:
    """One colour (a studio or product shot, or the colour a caller asked for), with a faint procedural
    background blended in at ``overlay_alpha`` when ``overlay`` is set."""

    colour: RGB | str
    overlay: Procedural | None = None
    overlay_alpha: float = 0.0

    def draw(self, size: int) -> Image.Image:
        im = Image.new("RGB", (size, size), self.colour)
        if self.overlay is not None:
            im = Image.blend(im, self.overlay.draw(size), self.overlay_alpha)
        return im


@dataclass(frozen=True)
class Photo:
    """A square crop ``box`` (x0, y0, x1, y1 in the photo's pixels) of packaged photo ``index``
    (:func:`photo_backgrounds`), resized to the output."""

    index: int
    box: tuple[int, int, int, int]

    def draw(self, size: int) -> Image.Image:
        return photo_backgrounds()[self.index].resize((size, size), Image.BILINEAR, box=self.box)


@dataclass(frozen=True)
class GivenImage:
    """A caller's own picture, resized to the output."""

    image: Image.Image

    def draw(self, size: int) -> Image.Image:
        return self.image.convert("RGB").resize((size, size))


Background = Plain | Photo | GivenImage | Procedural


def as_background(background: Background | Image.Image | tuple[int, int, int] | str) -> Background:
    """A background record from what a caller may hand over: a record, a PIL image or a colour."""
    if isinstance(background, Image.Image):
        return GivenImage(background)
    if isinstance(background, (tuple, list, str, int)):
        return Plain(tuple(background) if isinstance(background, list) else background)
    return background


def draw_background(background: Background, size: int) -> Image.Image:
    """A new ``size`` x ``size`` RGB image of ``background``: the same record always gives the same pixels."""
    return background.draw(size)
