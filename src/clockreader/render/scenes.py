"""Wider scenes for the clock locator: zero to three clocks at random sizes, positions and tilts,
composited into packaged photographs, with round lookalikes (plates, wheels, round signs, lamps) as
negatives and occluders partly covering clocks. Clocks range from 0.3% of the image (a clock tower down a street,
a wall clock across a room: 6% of the image's side) to filling it. Truth: one box per clock (x0, y0, x1, y1 in
pixels)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ..geometry import box_iou
from ..time import ClockTime
from .backgrounds import draw_background
from .camera import Camera, camera_homography
from .effects import apply_effects
from .sample import sample_background, sample_effects
from .scene import outline_box, place_clock
from .style import sample_style


# share of scene clocks drawn small, 0.3-3% of the image's area (6-17% of its side); the others cover 3-85%
SMALL_CLOCKS = 0.25
AREAS = {"small": (0.003, 0.03), "other": (0.03, 0.85)}


@dataclass
class Scene:
    image: Image.Image
    boxes: np.ndarray   # (K, 4) x0, y0, x1, y1 of every clock, in pixels
    times: list[ClockTime]


def _scene_camera(rng: np.random.Generator, size: int, area: float) -> Camera:
    radius = math.sqrt(area) * size / 2
    tilt = rng.uniform(0, 50) if rng.random() < 0.7 else rng.uniform(0, 15)
    d = rng.uniform(0, 2 * math.pi)
    return Camera(radius, rng.uniform(radius * 0.8, size - radius * 0.8), rng.uniform(radius * 0.8, size - radius * 0.8),
                  tilt * math.cos(d), tilt * math.sin(d), float(np.clip(rng.normal(0, 8), -25, 25)),
                  float(rng.uniform(2.5, 8.0)), 1.0)


def _lookalike(rng: np.random.Generator, bg: Image.Image, size: int) -> None:
    """Paste a round non-clock thing (plate, wheel, round sign, lamp, ball) into ``bg``."""
    px = 128
    layer = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    c, r = px / 2, px * 0.4
    kind = rng.integers(5)
    col = tuple(int(v) for v in rng.integers(0, 256, 3))
    if kind == 0:  # plate: rim and well
        d.ellipse((c - r, c - r, c + r, c + r), fill=col + (255,))
        d.ellipse((c - r * 0.7, c - r * 0.7, c + r * 0.7, c + r * 0.7), outline=tuple(max(0, v - 40) for v in col) + (255,), width=3)
    elif kind == 1:  # wheel: tyre, rim and spokes
        d.ellipse((c - r, c - r, c + r, c + r), fill=(25, 25, 25, 255))
        d.ellipse((c - r * 0.7, c - r * 0.7, c + r * 0.7, c + r * 0.7), fill=(170, 170, 175, 255))
        for k in range(int(rng.integers(3, 9))):
            a = 2 * math.pi * k / 5 + rng.uniform(0, 1)
            d.line((c, c, c + math.cos(a) * r * 0.7, c + math.sin(a) * r * 0.7), fill=(90, 90, 90, 255), width=4)
    elif kind == 2:  # round sign: red ring, white inside, a bar or a number
        d.ellipse((c - r, c - r, c + r, c + r), fill=(200, 20, 20, 255))
        d.ellipse((c - r * 0.78, c - r * 0.78, c + r * 0.78, c + r * 0.78), fill=(245, 245, 245, 255))
        if rng.random() < 0.5:
            d.rectangle((c - r * 0.5, c - r * 0.12, c + r * 0.5, c + r * 0.12), fill=(20, 20, 20, 255))
        else:
            d.text((c, c), str(int(rng.integers(10, 90))), fill=(10, 10, 10, 255), anchor="mm")
    elif kind == 3:  # lamp / ball: bright blurred disc
        d.ellipse((c - r, c - r, c + r, c + r), fill=(255, 250, int(rng.integers(180, 255)), 255))
        layer = layer.filter(ImageFilter.GaussianBlur(3))
    else:  # a round mirror or porthole: rim with a photo-like fill
        d.ellipse((c - r, c - r, c + r, c + r), fill=col + (255,))
        d.ellipse((c - r * 0.85, c - r * 0.85, c + r * 0.85, c + r * 0.85), fill=tuple(int(v) for v in rng.integers(0, 256, 3)) + (255,))
    area = float(np.exp(rng.uniform(math.log(0.002), math.log(0.2))))
    cam = _scene_camera(rng, size, area)
    h = camera_homography(cam, px)
    inv = np.linalg.inv(h)
    inv /= inv[2, 2]
    warped = layer.transform(bg.size, Image.PERSPECTIVE, tuple(inv.ravel()[:8]), resample=Image.BILINEAR)
    bg.paste(warped.convert("RGB"), (0, 0), warped.getchannel("A"))


def render_scene(seed: int | np.random.Generator | None = None, size: int = 192, max_clocks: int = 3) -> Scene:
    """A ``size`` x ``size`` scene with 0..``max_clocks`` clocks covering 0.3-85% of the image each (a quarter of
    them under 3%, :data:`SMALL_CLOCKS`)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    bg = draw_background(sample_background(rng, size), size)
    r = rng.random()
    n = 0 if r < 0.15 else (1 if r < 0.75 else int(rng.integers(2, max_clocks + 1)))
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.6 else 0):
        _lookalike(rng, bg, size)
    boxes, times = [], []
    for _ in range(n):
        for _try in range(10):
            # from a clock far away up to one that fills the image (so "no box" can mean "no clock")
            lo, hi = AREAS["small" if rng.random() < SMALL_CLOCKS else "other"]
            area = float(np.exp(rng.uniform(math.log(lo), math.log(hi))))
            cam = _scene_camera(rng, size, area)
            approx = np.array([cam.cx - cam.radius, cam.cy - cam.radius, cam.cx + cam.radius, cam.cy + cam.radius])
            if not boxes or box_iou(approx, np.array(boxes), of_smaller=True).max() < 0.05:  # none in or on another
                break
        else:
            continue
        style = sample_style(rng)
        t = ClockTime.from_minutes(rng.uniform(0, 720))
        h, canvas_px, _ = place_clock(bg, style, t, cam)
        _, box = outline_box(style, h, canvas_px, size, size)
        if (box[2] - box[0]) * (box[3] - box[1]) < 0.0015 * size * size:
            continue
        boxes.append(box)
        times.append(t)
        if rng.random() < 0.25:  # an occluder over part of the clock
            d = ImageDraw.Draw(bg)
            x0, y0, x1, y1 = box
            w, hh = (x1 - x0) * rng.uniform(0.15, 0.4), (y1 - y0) * rng.uniform(0.15, 0.4)
            ox, oy = rng.uniform(x0 - w / 2, x1 - w / 2), rng.uniform(y0 - hh / 2, y1 - hh / 2)
            d.rectangle((ox, oy, ox + w, oy + hh), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    image = apply_effects(bg, sample_effects(rng))
    return Scene(image, np.array(boxes, float).reshape(-1, 4), times)


def scene_band(scene: Scene, aspect: float) -> Scene | None:
    """The band of a square ``scene`` with ``aspect`` (width / height; a film frame is 2.39, a portrait
    photo 0.75) that is centred on its first clock, or None when the band would cut a clock in two or
    holds none. Used to score the locator on wide and tall frames, which it was not trained on."""
    if not len(scene.boxes):
        return None
    size = scene.image.width
    wide = aspect >= 1
    length = int(round(size / aspect)) if wide else int(round(size * aspect))
    lo_i, hi_i = (1, 3) if wide else (0, 2)
    first = scene.boxes[0]
    start = int(np.clip((first[lo_i] + first[hi_i] - length) / 2, 0, size - length))
    inside = (scene.boxes[:, lo_i] >= start) & (scene.boxes[:, hi_i] <= start + length)
    outside = (scene.boxes[:, hi_i] <= start) | (scene.boxes[:, lo_i] >= start + length)
    if not (inside | outside).all():
        return None
    shift = np.array([0, start, 0, start] if wide else [start, 0, start, 0], float)
    crop = (0, start, size, start + length) if wide else (start, 0, start + length, size)
    return Scene(scene.image.crop(crop), scene.boxes[inside] - shift, [t for t, k in zip(scene.times, inside) if k])
