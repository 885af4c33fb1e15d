"""Put a drawn clock into a photo, and the renderer's entry point ``render_clock(seed)``.

``render_clock`` is ``draw_clock_photo(sample(rng, ...))``: :mod:`clockreader.render.sample` draws every
random choice into a :class:`~clockreader.render.sample.RenderParams`, and :func:`draw_clock_photo` turns
params into pixels and truth with no randomness of its own: background, the clock pasted in as the
camera sees it (case side and wall shadow included), occluder, night light, photo effects. Every keypoint
of the truth is mapped through the same homography as the pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ..errors import InvalidTimeError
from ..geometry import apply_homography, dial_points
from ..time import ClockTime
from .backgrounds import Background, draw_background
from .camera import Camera, camera_homography, project
from .draw import OUTER, draw_clock, shape_points
from .effects import apply_effects
from .sample import RenderParams, sample
from .style import ClockStyle



@dataclass
class RenderedClock:
    """A rendered sample and its full truth. All points are (x, y) in output-image pixels."""

    image: Image.Image
    time: ClockTime
    center: tuple[float, float]
    twelve: tuple[float, float]
    tips: dict
    outline: np.ndarray            # (N, 2) dial outline
    box: tuple[float, float, float, float]  # x0, y0, x1, y1, clipped to the image
    homography: np.ndarray          # 3x3, dial canvas pixels -> image pixels
    dial: np.ndarray                # (4, 2) the face's edge at 12, 3, 6 and 9 o'clock (geometry.QUARTERS)
    style: ClockStyle = field(repr=False)
    camera: Camera = field(repr=False)
    params: RenderParams | None = field(default=None, repr=False)  # what it was drawn from (draw_clock_photo)

    @property
    def hour_angle(self) -> float:
        return self.time.hour_angle

    @property
    def minute_angle(self) -> float:
        return self.time.minute_angle

    def truth(self) -> dict:
        """The truth as plain JSON-ready values."""
        r = lambda p: None if p is None else [round(float(p[0]), 2), round(float(p[1]), 2)]  # noqa: E731
        return {
            "hour": self.time.hour, "minute": self.time.minute, "second": round(self.time.second, 3),
            "hour_angle": round(self.hour_angle, 3), "minute_angle": round(self.minute_angle, 3),
            "center": r(self.center), "twelve": r(self.twelve),
            "tips": {k: r(v) for k, v in self.tips.items()},
            "box": [round(float(v), 2) for v in self.box],
            "outline": [r(p) for p in self.outline],
            "homography": [[round(float(v), 6) for v in row] for row in self.homography],
            "dial": [r(p) for p in self.dial],
        }


def _outline(style: ClockStyle, canvas_px: int, n: int = 32) -> np.ndarray:
    c, ro = canvas_px / 2, OUTER * canvas_px
    if style.shape in ("square", "rounded"):
        t = np.linspace(-1, 1, n // 4, endpoint=False)
        sides = [np.c_[t, -np.ones_like(t)], np.c_[np.ones_like(t), t], np.c_[-t, np.ones_like(t)], np.c_[-np.ones_like(t), -t]]
        return c + ro * np.concatenate(sides)
    a = np.linspace(0, 2 * math.pi, n, endpoint=False)
    scale = 1 / math.cos(math.pi / 8) if style.shape == "octagon" else 1.0
    return np.c_[c + ro * scale * np.cos(a), c + ro * scale * np.sin(a)]


def place_clock(bg: Image.Image, style: ClockStyle, time: ClockTime, camera: Camera) -> tuple[np.ndarray, int, dict]:
    """Draw a clock and paste it into ``bg`` (in place) as ``camera`` sees it, with its wall shadow.

    Returns the homography (canvas -> image pixels), the canvas size and the canvas keypoints.
    """
    # Draw at about 1.6x the output resolution; the perspective warp then filters it down.
    canvas_px = int(np.clip(1.6 * camera.radius * 2 / (2 * OUTER), 48, 1024))
    canvas, kp = draw_clock(style, time, canvas_px)
    h = camera_homography(camera, canvas_px)
    inv = np.linalg.inv(h)
    inv /= inv[2, 2]
    warped = canvas.transform(bg.size, Image.PERSPECTIVE, tuple(inv.ravel()[:8]), resample=Image.BILINEAR)
    alpha = warped.getchannel("A")
    side = _case_side(bg.size, style, camera) if style.depth > 0 else None
    if side is not None:
        alpha = ImageChops.lighter(alpha, side.getchannel("A"))  # the case casts its shadow too
    if style.wall_shadow > 0:
        off = int(max(1, camera.radius * 0.06))
        shadow = Image.new("L", bg.size, 0)
        shadow.paste(alpha, (off, off))
        shadow = shadow.filter(ImageFilter.GaussianBlur(max(1.0, camera.radius * 0.05)))
        shadow = shadow.point(lambda v: int(v * style.wall_shadow))
        bg.paste((0, 0, 0), (0, 0), shadow)
    if side is not None:
        bg.paste(side.convert("RGB"), (0, 0), side.getchannel("A"))
    bg.paste(warped.convert("RGB"), (0, 0), warped.getchannel("A"))
    return h, canvas_px, kp


def _rim(style: ClockStyle, n: int = 64) -> np.ndarray:
    """(M, 2) points round the dial's outer edge, clockwise on screen, in outer radii from the centre."""
    if style.shape == "round":
        a = np.linspace(0, 2 * math.pi, n, endpoint=False)
        return np.c_[np.cos(a), np.sin(a)]
    if style.shape == "rounded":  # four quarter circles of radius `corner`; the straight sides join them
        k, q = style.corner, max(n // 4, 2)
        arcs = []
        for start, (sx, sy) in zip((-90, 0, 90, 180), ((1, -1), (1, 1), (-1, 1), (-1, -1))):
            a = np.radians(np.linspace(start, start + 90, q))
            arcs.append(np.c_[sx * (1 - k) + k * np.cos(a), sy * (1 - k) + k * np.sin(a)])
        return np.concatenate(arcs)
    corners = np.array(shape_points(style.shape, 0.0, 0.0, 1.0, style.corner))
    t = np.linspace(0, 1, max(n // len(corners), 1), endpoint=False)[:, None]
    return np.concatenate([a + t * (b - a) for a, b in zip(corners, np.roll(corners, -1, axis=0))])


def _case_side(size: tuple[int, int], style: ClockStyle, camera: Camera, n: int = 64,
               supersample: int = 2) -> Image.Image:
    """The side wall of the clock's case, ``style.depth`` deep behind the dial, as an RGBA layer of
    ``size``: one shaded quad per step round the rim, farthest first (a convex case hides its own back),
    drawn at ``supersample`` times the size and filtered down for smooth edges. The camera stands at
    least 2.5 radii away and tilts at most 60 degrees, so every point of the case lies in front of it."""
    rim = _rim(style, n)
    front, zf = project(camera, np.c_[rim, np.zeros(len(rim))])
    back, zb = project(camera, np.c_[rim, np.full(len(rim), style.depth)])
    nxt = np.roll(np.arange(len(rim)), -1)
    order = np.argsort(-(zf + zf[nxt] + zb + zb[nxt]))  # painter's algorithm
    edge = rim[nxt] - rim
    normal = np.arctan2(-edge[:, 0], edge[:, 1])  # outward (the rim runs clockwise on screen)
    light = math.radians(-110)  # light from above, a little to the left
    layer = Image.new("RGBA", (size[0] * supersample, size[1] * supersample), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    base = np.asarray(style.case_colour, float)
    for i in order:
        j = nxt[i]
        shade = 0.45 + 0.35 * (1 + math.cos(normal[i] - light)) / 2
        col = tuple(int(v) for v in (base * shade).clip(0, 255)) + (255,)
        quad = np.stack([front[i], front[j], back[j], back[i]]) * supersample
        d.polygon([tuple(p) for p in quad], fill=col)
    return layer.resize(size, Image.BOX)


def outline_box(style: ClockStyle, h: np.ndarray, canvas_px: int, width: int, height: int) -> tuple[np.ndarray, tuple]:
    """The dial outline in image pixels and its bounding box clipped to the image."""
    outline = apply_homography(h, _outline(style, canvas_px))
    x0, y0 = outline.min(0).clip(0, [width, height])
    x1, y1 = outline.max(0).clip(0, [width, height])
    return outline, (float(x0), float(y0), float(x1), float(y1))

def draw_clock_photo(params: RenderParams) -> RenderedClock:
    """The photo ``params`` describe, with its full truth. No randomness: the same params give the same pixels.

    >>> from clockreader.render.sample import sample
    >>> p = sample(np.random.default_rng(0), 96)
    >>> np.array_equal(np.asarray(draw_clock_photo(p).image), np.asarray(render_clock(0, size=96).image))
    True
    """
    size, style, camera = params.size, params.style, params.camera
    bg = draw_background(params.background, size)
    h, canvas_px, kp = place_clock(bg, style, params.time, camera)
    outline, box = outline_box(style, h, canvas_px, size, size)
    if params.occluder is not None:
        params.occluder.draw(bg, camera)
    if params.night is not None:
        bg = params.night.apply(bg, outline, camera.radius)
    image = apply_effects(bg, params.effects)

    pts = {k: apply_homography(h, v)[0] if v is not None else None for k, v in kp["tips"].items()}
    return RenderedClock(
        image=image, time=params.time, center=tuple(apply_homography(h, kp["center"])[0]),
        twelve=tuple(apply_homography(h, kp["twelve"])[0]), tips=pts, outline=outline,
        box=box, homography=h, dial=dial_points(h, kp["center"], kp["radius"]), style=style, camera=camera,
        params=params,
    )


def render_clock(
    seed: int | np.random.Generator | None = None,
    size: int = 128,
    time: ClockTime | None = None,
    style: ClockStyle | None = None,
    camera: Camera | None = None,
    full_rotation: bool = False,
    turned: float = 0.1,
    steep: float = 0.15,
    photos: bool = True,
    effects: bool = True,
    background: Background | Image.Image | tuple[int, int, int] | None = None,
) -> RenderedClock:
    """Render one synthetic clock photo of ``size`` x ``size`` pixels with its full truth.

    ``seed`` (an int or a NumPy Generator) decides everything that is not given: the same seed gives the
    same pixels. ``time`` defaults to a uniform draw over the 720 minutes of 12 hours plus seconds. To
    look at or change what was drawn, use :func:`clockreader.render.sample.sample` and
    :func:`draw_clock_photo` (this function is the two in a row).

    >>> sample = render_clock(seed=0, size=128)
    >>> sample.image.size
    (128, 128)
    """
    if not isinstance(size, (int, np.integer)) or not 32 <= size <= 4096:
        raise ValueError(f"The 'size' parameter of render_clock must be an int in [32, 4096]. Got {size!r} instead.")
    if not 0.0 <= turned <= 1.0:
        raise ValueError(f"The 'turned' parameter of render_clock must be a share in [0, 1]. Got {turned!r} instead.")
    if not 0.0 <= steep <= 1.0:
        raise ValueError(f"The 'steep' parameter of render_clock must be a share in [0, 1]. Got {steep!r} instead.")
    if time is not None and not isinstance(time, ClockTime):
        raise InvalidTimeError(f"The 'time' parameter of render_clock must be a ClockTime. Got {time!r} instead.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return draw_clock_photo(sample(rng, int(size), full_rotation, turned, steep, photos, effects, time=time,
                                   style=style, camera=camera, background=background))
