"""Every random choice of one rendered clock, and nothing else: ``sample(rng, size) -> RenderParams``.

The distribution the reader is trained on is :func:`sample` below (with :func:`sample_style` in
``style.py`` for the clock's design): time, design, camera, background, maybe an occluder and a night
light (only with ``effects``), then the photo's effects in the order they apply. Drawing a
:class:`RenderParams` (:func:`clockreader.render.scene.draw_clock_photo`) uses no randomness of its own:
where a record needs a noise array it carries an integer ``seed`` drawn here. So params can be sampled,
looked at or changed (``dataclasses.replace``), and drawn; ``render_clock(seed)`` is exactly
``draw_clock_photo(sample(np.random.default_rng(seed), size))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from ..time import ClockTime
from .backgrounds import (Background, Clutter, Facade, Gradient, Photo, Plain, Procedural, Shape, Sky, ValueNoise,
                          Wall, as_background, photo_backgrounds)
from .camera import Camera
from .effects import (Blur, BrightnessContrast, ColourCast, Effect, FilmGrade, FilmStock, Greyscale, Jpeg,
                      LightGradient, LowLight, LowResolution, MotionBlur, NightLight, Occluder, SensorNoise, Vignette)
from .style import ClockStyle, orientable, sample_style


@dataclass(frozen=True)
class RenderParams:
    """Everything that decides one rendered clock's pixels and truth (``size`` x ``size`` pixels)."""

    size: int
    time: ClockTime
    style: ClockStyle
    camera: Camera
    background: Background
    occluder: Occluder | None = None
    night: NightLight | None = None
    effects: tuple[Effect, ...] = ()


def sample(rng: np.random.Generator, size: int, full_rotation: bool = False, turned: float = 0.1,
           steep: float = 0.15, photos: bool = True, effects: bool = True, time: ClockTime | None = None,
           style: ClockStyle | None = None, camera: Camera | None = None,
           background: Background | Image.Image | tuple[int, int, int] | None = None) -> RenderParams:
    """Draw the params of one clock photo from ``rng``; what is given is kept as it is (a picture or a
    colour for ``background`` becomes its record). ``effects=False`` gives no occluder, night or effects."""
    if time is None:
        time = ClockTime.from_minutes(rng.uniform(0, 720))  # uniform over 12 hours, seconds included
    if style is None:
        style = sample_style(rng)
    if camera is None:
        camera = sample_camera(rng, size, full_rotation, turned, steep)
        if abs(camera.roll) > 20 and not orientable(style):
            # turned far round, a dial with neither numerals nor text hides where 12 is: no one can read it
            camera = replace(camera, roll=_upright_roll(rng))
    background = sample_background(rng, size, photos) if background is None else as_background(background)
    occluder = sample_occluder(rng) if effects and rng.random() < 0.1 else None
    night = sample_night(rng) if effects and rng.random() < 0.06 else None
    return RenderParams(size, time, style, camera, background, occluder, night, sample_effects(rng) if effects else ())


def sample_effects(rng: np.random.Generator) -> tuple[Effect, ...]:
    """The lens, sensor, film and file effects of one photo, in the order they apply (each one independent)."""
    out: list[Effect] = []
    if rng.random() < 0.3:
        out.append(Blur(rng.uniform(0.3, 1.4)))
    if rng.random() < 0.08:  # motion blur along a random axis
        out.append(MotionBlur(horizontal=bool(rng.random() < 0.5)))
    if rng.random() < 0.2:
        out.append(LowResolution(rng.uniform(0.3, 0.7)))
    if rng.random() < 0.5:  # white balance
        out.append(ColourCast(tuple(float(g) for g in rng.uniform(0.8, 1.2, 3))))
    if rng.random() < 0.6:
        out.append(BrightnessContrast(contrast=rng.uniform(0.6, 1.3), brightness=rng.uniform(-40, 40)))
    if rng.random() < 0.35:
        out.append(LightGradient(angle=rng.uniform(0, 2 * math.pi), strength=rng.uniform(0.2, 0.6)))
    if rng.random() < 0.2:
        out.append(Vignette(rng.uniform(0.3, 0.9)))
    if rng.random() < 0.12:
        out.append(FilmGrade(lo=rng.uniform(10, 50), hi=rng.uniform(195, 245), tint=rng.uniform(5, 25)))
    if rng.random() < 0.1:
        out.append(sample_film_stock(rng))
    if rng.random() < 0.06:  # a dark frame with strong sensor noise in every channel
        out.append(LowLight(gain=rng.uniform(0.2, 0.5), noise=rng.uniform(6, 16), seed=_seed(rng)))
    if rng.random() < 0.35:
        out.append(SensorNoise(rng.uniform(2, 12), _seed(rng)))
    if rng.random() < 0.08:
        out.append(Greyscale())
    if rng.random() < 0.4:
        out.append(Jpeg(int(rng.integers(15, 90))))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------
# the parts
def _seed(rng: np.random.Generator) -> int:
    """A seed for a drawing function's own noise array."""
    return int(rng.integers(2**63))


def _upright_roll(rng: np.random.Generator) -> float:
    return float(np.clip(rng.normal(0, 7), -20, 20))


def sample_camera(rng: np.random.Generator, size: int, full_rotation: bool = False, turned: float = 0.1,
                  steep: float = 0.15) -> Camera:
    """Random framing of the reader's input: a dial that fills most of the frame, as in a close photo or
    the locator's crop (box + 15% margin, so the dial spans ~77% of it), sometimes with room around it,
    sometimes cut by the frame. Clocks far smaller than the frame are the locator's job
    (:mod:`clockreader.render.scenes` draws those)."""
    r = rng.random()
    if r < 0.72:
        frac = rng.uniform(0.62, 0.98)   # fills the frame (a crop, a product shot)
    elif r < 0.88:
        frac = rng.uniform(0.42, 0.62)   # some room around it (a loose crop)
    else:
        frac = rng.uniform(0.98, 1.2)    # cut by the frame (a tight crop)
    radius = frac * size / 2
    slack = max(size / 2 - radius, 0) + 0.05 * size
    cx = size / 2 + rng.uniform(-slack, slack)
    cy = size / 2 + rng.uniform(-slack, slack)
    t = rng.random()
    # ``steep`` of the dials are seen 40-60 degrees off axis; the rest split 50:35 between 0-15 and 15-40
    mild, moderate = (1 - steep) * 0.5 / 0.85, 1 - steep
    tilt = rng.uniform(0, 15) if t < mild else (rng.uniform(15, 40) if t < moderate else rng.uniform(40, 60))
    direction = rng.uniform(0, 2 * math.pi)
    if full_rotation or rng.random() < turned:  # some upside-down or sideways dials even by default
        roll = rng.uniform(0, 360)
    else:
        roll = _upright_roll(rng)
    aspect = float(np.exp(rng.uniform(-0.25, 0.25))) if rng.random() < 0.5 else 1.0
    return Camera(radius, cx, cy, tilt * math.cos(direction), tilt * math.sin(direction), roll,
                  float(rng.uniform(2.5, 8.0)), aspect)


def sample_background(rng: np.random.Generator, size: int, photos: bool = True) -> Background:
    """A background for a ``size`` px photo: a studio white (15%), a crop of a packaged photo (45%, when
    ``photos`` and the photos ship) or a procedural one."""
    r = rng.random()
    if r < 0.15:  # studio / product shot: plain white or light grey, sometimes a soft gradient
        base = int(rng.integers(200, 256))
        if rng.random() < 0.5:
            overlay = sample_procedural(rng, size)
            return Plain((base, base, base), overlay, float(rng.uniform(0.05, 0.25)))
        return Plain((base, base, base))
    pool = photo_backgrounds() if photos else ()
    if pool and r < 0.6:
        index = int(rng.integers(len(pool)))
        w, h = pool[index].size
        side = int(rng.uniform(0.2, 1.0) * min(w, h))
        x0, y0 = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        return Photo(index, (x0, y0, x0 + side, y0 + side))
    return sample_procedural(rng, size)


def _rgb(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def sample_procedural(rng: np.random.Generator, size: int) -> Procedural:
    """One of five procedural backgrounds, equally likely: gradient, value noise, wall, sky, clutter."""
    kind = int(rng.integers(5))
    if kind == 0:
        return Gradient(_rgb(rng), _rgb(rng), rng.uniform(0, 2 * math.pi))
    if kind == 1:
        return ValueNoise(_rgb(rng), _rgb(rng), int(rng.integers(2, 12)), _seed(rng))
    if kind == 2:  # plain colour with fine grain and maybe panel/brick lines
        colour, grain, seed = _rgb(rng), rng.uniform(2, 12), _seed(rng)
        return Wall(colour, grain, seed, int(rng.integers(8, 40)) if rng.random() < 0.5 else None)
    if kind == 3:  # sky (blue to pale, or dusk) over a tower or facade (a station or church clock)
        if rng.random() < 0.25:  # dusk
            top = (rng.uniform(150, 255), rng.uniform(80, 160), rng.uniform(60, 140))
        else:
            top = (rng.uniform(40, 120), rng.uniform(90, 170), rng.uniform(170, 255))
        low = rng.uniform(190, 240)
        facade = None
        if rng.random() < 0.7:  # sometimes in courses of stone
            x0 = int(rng.integers(0, size // 2))
            x1 = int(rng.integers(x0 + size // 3, size + 1))
            g = rng.uniform(70, 200)  # stone, brick or render: greys, sands and reds
            stone = (g * rng.uniform(0.95, 1.25), g, g * rng.uniform(0.7, 1.0))
            facade = Facade(x0, x1, stone, int(rng.integers(6, 20)) if rng.random() < 0.6 else None)
        return Sky(top, low, facade, _seed(rng))
    ground, shapes = _rgb(rng), []
    for _ in range(int(rng.integers(3, 12))):
        x0, y0 = (int(v) for v in rng.integers(-size // 2, size, 2))
        w, h = (int(v) for v in rng.integers(size // 10, size, 2))
        colour = _rgb(rng)
        shapes.append(Shape(bool(rng.integers(2)), (x0, y0, x0 + w, y0 + h), colour))
    return Clutter(ground, tuple(shapes))


def sample_occluder(rng: np.random.Generator) -> Occluder:
    """A blob (half the time) or a bar in front of the rim, no nearer the centre than 0.65 dial radii."""
    angle, near, colour = rng.uniform(0, 2 * math.pi), rng.uniform(0.65, 1.0), _rgb(rng)
    blob = bool(rng.random() < 0.5)
    return Occluder(angle, near, colour, blob, rng.uniform(0.25, 0.7) if blob else rng.uniform(0.1, 0.5))


def sample_night(rng: np.random.Generator) -> NightLight:
    """A dim, cool night round a dial that keeps its (warm) light."""
    return NightLight(
        halo=rng.uniform(0.08, 0.3), dim=rng.uniform(0.04, 0.25),
        night_tint=tuple(float(v) for v in rng.uniform((0.6, 0.7, 0.9), (0.9, 0.9, 1.1))),
        gain=rng.uniform(0.9, 1.25), dial_tint=tuple(float(v) for v in rng.uniform((0.95, 0.85, 0.6), (1.1, 1.0, 0.95))),
        glow=rng.uniform(0.2, 0.7))


def sample_film_stock(rng: np.random.Generator) -> FilmStock:
    """Mostly grey, else sepia or cool; grain cells 1-3 px at 192 px; halation 40% of the time."""
    tone, cell, seed, grain = int(rng.choice(3, p=[0.55, 0.3, 0.15])), rng.uniform(1.0, 3.0), _seed(rng), rng.uniform(6, 24)
    halation = (rng.uniform(0.01, 0.04), rng.uniform(0.3, 0.8)) if rng.random() < 0.4 else None
    return FilmStock(tone, cell, grain, seed, halation)
