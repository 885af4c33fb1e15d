"""What the photo goes through once the clock is in it: something in front of the rim, night light, and the
lens, sensor, film and file effects, each applied exactly as its record says.

No randomness here (:mod:`clockreader.render.sample` draws the records): an effect that needs a noise
array carries an integer ``seed`` and makes the array with ``np.random.default_rng(seed)``. The photometric
effects form a tuple applied in order by :func:`apply_effects`; each works either on the PIL image
(``on_array = False``) or on a float32 (H, W, 3) array that may leave 0-255 between steps, and is
clipped to 8 bits only when a PIL step or the end comes.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .camera import Camera
from .style import RGB

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
TONES = np.array([(1.0, 1.0, 1.0), (1.08, 0.96, 0.78), (0.92, 1.0, 1.08)], np.float32)  # grey, sepia, cool


@functools.lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    return yy, xx


def _image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


# ---------------------------------------------------------------------------------------------------
# in front of the clock, and its light
@dataclass(frozen=True)
class Occluder:
    """Something in front of the clock's rim (a lamp, a branch, a shoulder, a frame edge): a disc of radius
    ``extent`` (``blob``) or a bar ``extent`` wide across the frame, whose nearest point is ``near`` from the
    dial's centre in direction ``angle`` (radians, x towards y). Lengths in dial radii; ``near`` >= 0.65
    keeps the hands readable from their roots."""

    angle: float
    near: float
    colour: RGB
    blob: bool
    extent: float

    def draw(self, im: Image.Image, camera: Camera) -> None:
        """Paint the occluder into ``im`` (in place) for a dial where ``camera`` put it."""
        d = ImageDraw.Draw(im)
        near, extent = camera.radius * self.near, camera.radius * self.extent
        ux, uy = math.cos(self.angle), math.sin(self.angle)
        if self.blob:
            cx, cy = camera.cx + ux * (near + extent), camera.cy + uy * (near + extent)
            d.ellipse((cx - extent, cy - extent, cx + extent, cy + extent), fill=tuple(self.colour))
        else:
            px, py = -uy, ux
            far = 4 * camera.radius
            pts = [(camera.cx + ux * near + px * s * far, camera.cy + uy * near + py * s * far) for s in (-1, 1)]
            pts += [(x + ux * extent, y + uy * extent) for x, y in reversed(pts)]
            d.polygon(pts, fill=tuple(self.colour))


@dataclass(frozen=True)
class NightLight:
    """A dial lit at night, from behind or by a floodlight (clock towers in time-lapse footage, station clocks
    after dark): everything else falls to ``dim`` times its light, tinted ``night_tint``; the dial keeps its
    light (``gain``, ``dial_tint``) and glows over its rim (``glow`` of its mean light, blurred by
    ``halo`` dial radii)."""

    halo: float
    dim: float
    night_tint: tuple[float, float, float]
    gain: float
    dial_tint: tuple[float, float, float]
    glow: float

    def apply(self, im: Image.Image, outline: np.ndarray, radius: float) -> Image.Image:
        """The night version of ``im``, whose dial has ``outline`` (image pixels) and ``radius`` pixels."""
        mask = Image.new("L", im.size, 0)
        ImageDraw.Draw(mask).polygon([(float(x), float(y)) for x, y in outline], fill=255)
        m = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(0.5, radius * 0.02))), np.float32)[..., None] / 255
        g = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(2.0, radius * self.halo))), np.float32)[..., None] / 255
        arr = np.asarray(im, np.float32)
        night = arr * np.float32(self.dim) * np.float32(self.night_tint)
        dial = arr * np.float32(self.gain) * np.float32(self.dial_tint)
        light = (dial * m).sum((0, 1)) / max(float(m.sum()), 1.0)
        return _image(dial * m + night * (1 - m) + g * (1 - m) * np.float32(self.glow) * light)


# ---------------------------------------------------------------------------------------------------
# lens, sensor, film and file, in the order :func:`clockreader.render.sample.sample_effects` draws them
@dataclass(frozen=True)
class Blur:
    """Out of focus: a Gaussian blur of ``scale`` pixels at 128 px (scaled with the image)."""

    scale: float
    on_array: ClassVar[bool] = False

    def apply(self, im: Image.Image) -> Image.Image:
        return im.filter(ImageFilter.GaussianBlur(self.scale * im.width / 128))


@dataclass(frozen=True)
class MotionBlur:
    """A shaken camera: a 5-pixel box blur along rows (``horizontal``) or columns."""

    horizontal: bool
    on_array: ClassVar[bool] = False

    def apply(self, im: Image.Image) -> Image.Image:
        k = np.zeros((5, 5), np.float32)
        if self.horizontal:
            k[2, :] = 1
        else:
            k[:, 2] = 1
        return im.filter(ImageFilter.Kernel((5, 5), k.ravel().tolist(), scale=5))


@dataclass(frozen=True)
class LowResolution:
    """A small picture blown up: down to ``factor`` of the side (16 px at least) and back, bilinearly."""

    factor: float
    on_array: ClassVar[bool] = False

    def apply(self, im: Image.Image) -> Image.Image:
        size = im.width
        small = im.resize((max(int(size * self.factor), 16),) * 2, Image.BILINEAR)
        return small.resize((size, size), Image.BILINEAR)


@dataclass(frozen=True)
class ColourCast:
    """Off white balance: each channel times its ``gains``."""

    gains: tuple[float, float, float]
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        return arr * np.float32(self.gains)


@dataclass(frozen=True)
class BrightnessContrast:
    """Exposure: contrast about mid-grey times ``contrast``, then ``brightness`` added."""

    contrast: float
    brightness: float
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        return (arr - 128) * self.contrast + 128 + self.brightness


@dataclass(frozen=True)
class LightGradient:
    """Uneven light: brighter towards ``angle`` (radians), by ``strength`` across the frame."""

    angle: float
    strength: float
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        yy, xx = _grid(arr.shape[1])
        ramp = xx * np.float32(math.cos(self.angle)) + yy * np.float32(math.sin(self.angle))
        return arr * (1 + np.float32(self.strength) * ramp)[..., None]


@dataclass(frozen=True)
class Vignette:
    """Dark corners: light falls by ``strength`` times the squared distance from the centre (in sides)."""

    strength: float
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        yy, xx = _grid(arr.shape[1])
        return arr * (1 - np.float32(self.strength) * (xx**2 + yy**2))[..., None]


@dataclass(frozen=True)
class FilmGrade:
    """A film grade: blacks lifted to ``lo``, whites softened to ``hi``, teal shadows and warm highlights
    by ``tint``."""

    lo: float
    hi: float
    tint: float
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        arr = self.lo + arr.clip(0, 255) * np.float32((self.hi - self.lo) / 255)
        lum = (arr @ LUMA)[..., None] / 255
        k = np.float32(self.tint)
        return arr + (1 - lum) * k * np.array([-1, 0.3, 0.8], np.float32) + lum * k * np.array([0.9, 0.3, -0.8], np.float32)


@dataclass(frozen=True)
class FilmStock:
    """A film still: the frame in one channel toned by ``TONES[tone]`` (grey, sepia, cool), neutral grain of
    strength ``grain`` in cells of ``cell`` px at 192 px (whatever the size) that is strongest in the
    mid-tones, and, when ``halation`` = (blur in sides, strength) is set, a warm glow round the highlights."""

    tone: int
    cell: float
    grain: float
    seed: int
    halation: tuple[float, float] | None = None
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        size = arr.shape[1]
        lum = arr.clip(0, 255) @ LUMA
        out = lum[..., None] * TONES[self.tone]
        cells = max(8, int(192 / self.cell))
        noise = np.random.default_rng(self.seed).normal(0, 1, (cells, cells)).astype(np.float32)
        grain = np.asarray(Image.fromarray(noise).resize((size, size), Image.BILINEAR))
        mid = 4 * (lum / 255) * (1 - lum / 255)
        out = out + (np.float32(self.grain) * grain * (0.3 + mid))[..., None]
        if self.halation is not None:
            blur, strength = self.halation
            bright = Image.fromarray(((lum - 190).clip(0, 65) * 3.9).astype(np.uint8))
            glow = np.asarray(bright.filter(ImageFilter.GaussianBlur(size * blur)), np.float32)
            out = out + glow[..., None] * np.float32(strength) * np.array([1.0, 0.55, 0.35], np.float32)
        return out


@dataclass(frozen=True)
class LowLight:
    """Low light: a frame at ``gain`` of its light with strong sensor noise (``noise`` std) in every channel."""

    gain: float
    noise: float
    seed: int
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        noise = np.random.default_rng(self.seed).normal(0, self.noise, arr.shape).astype(np.float32)
        return arr * np.float32(self.gain) + noise


@dataclass(frozen=True)
class SensorNoise:
    """Sensor noise of ``sigma`` std, independent per pixel and channel."""

    sigma: float
    seed: int
    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        return arr + np.random.default_rng(self.seed).normal(0, self.sigma, arr.shape).astype(np.float32)


@dataclass(frozen=True)
class Greyscale:
    """A black-and-white photo: every channel the luma."""

    on_array: ClassVar[bool] = True

    def apply(self, arr: np.ndarray) -> np.ndarray:
        return np.repeat(arr @ LUMA, 3).reshape(arr.shape)


@dataclass(frozen=True)
class Jpeg:
    """A JPEG file of ``quality`` (1-95)."""

    quality: int
    on_array: ClassVar[bool] = False

    def apply(self, im: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=int(self.quality))
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


Effect = (Blur | MotionBlur | LowResolution | ColourCast | BrightnessContrast | LightGradient | Vignette
          | FilmGrade | FilmStock | LowLight | SensorNoise | Greyscale | Jpeg)


def apply_effects(image: Image.Image, effects: tuple[Effect, ...]) -> Image.Image:
    """``image`` (RGB) through ``effects`` in order; the same records always give the same pixels. An empty
    tuple returns ``image`` itself."""
    x: Image.Image | np.ndarray = image
    for e in effects:
        if e.on_array and isinstance(x, Image.Image):
            x = np.asarray(x, np.float32)
        elif not e.on_array and isinstance(x, np.ndarray):
            x = _image(x)
        x = e.apply(x)
    return _image(x) if isinstance(x, np.ndarray) else x
