"""Put a drawn clock into a photo-like scene: camera homography, background, lighting and sensor effects.

``render_clock(seed)`` is the renderer's entry point. The camera is a pinhole looking at the dial plane
tilted by up to about 60 degrees, so a round dial becomes an ellipse with true perspective; a tilt below
90 degrees can never mirror the dial, so the label stays true. Every keypoint of the truth is mapped
through the same homography as the pixels.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ..errors import InvalidTimeError
from ..geometry import apply_homography, dial_points, homography_from_points
from ..time import ClockTime
from .draw import OUTER, draw_clock, shape_points
from .style import ClockStyle, sample_style


@dataclass
class Camera:
    """Where the dial sits in the frame and how it is seen. Angles in degrees, sizes in output pixels."""

    radius: float          # dial outer radius in output pixels (before perspective)
    cx: float              # dial centre in the output image
    cy: float
    pitch: float = 0.0     # tilt about the horizontal axis
    yaw: float = 0.0       # tilt about the vertical axis
    roll: float = 0.0      # in-plane rotation, clockwise
    distance: float = 4.0  # camera distance in dial radii (smaller: stronger perspective)
    aspect: float = 1.0    # horizontal / vertical scale (a squished photo)


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


def _rotation(pitch: float, yaw: float, roll: float) -> np.ndarray:
    p, y, r = (math.radians(v) for v in (pitch, yaw, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def project(cam: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pinhole projection of (N, 3) points in the clock's frame (outer radii; x right, y down on the dial,
    z behind it) -> (N, 2) output pixels and (N,) depths from the camera."""
    p = points @ _rotation(cam.pitch, cam.yaw, cam.roll).T + np.array([0, 0, cam.distance])
    proj = cam.distance * p[:, :2] / p[:, 2:3]
    return np.c_[cam.cx + cam.radius * cam.aspect * proj[:, 0], cam.cy + cam.radius * proj[:, 1]], p[:, 2]


def camera_homography(cam: Camera, canvas_px: int) -> np.ndarray:
    """Homography from dial-canvas pixels to output pixels for a pinhole camera."""
    c = canvas_px / 2.0
    ro = OUTER * canvas_px
    src = np.array([[0, 0], [canvas_px, 0], [canvas_px, canvas_px], [0, canvas_px]], float)
    dst, _ = project(cam, np.c_[(src - c) / ro, np.zeros(4)])
    return homography_from_points(src, dst)


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
        roll = float(np.clip(rng.normal(0, 7), -20, 20))
    aspect = float(np.exp(rng.uniform(-0.25, 0.25))) if rng.random() < 0.5 else 1.0
    return Camera(radius, cx, cy, tilt * math.cos(direction), tilt * math.sin(direction), roll,
                  float(rng.uniform(2.5, 8.0)), aspect)


# ---------------------------------------------------------------------------------------------------
# backgrounds
@functools.lru_cache(maxsize=1)
def _photo_backgrounds() -> tuple[Image.Image, ...]:
    """The public-domain and CC0 photographs that ship inside the package (``assets/backgrounds``, from
    scikit-image's data folder: scripts/make_render_assets.py), loaded once, in a fixed order."""
    out = []
    for f in sorted((Path(__file__).parent / "assets" / "backgrounds").glob("*.jpg")):
        with Image.open(f) as im:
            out.append(im.convert("RGB"))
    return tuple(out)


def _procedural_background(rng: np.random.Generator, size: int) -> Image.Image:
    kind = rng.integers(5)
    a = rng.integers(0, 256, 3).astype(np.float32)
    b = rng.integers(0, 256, 3).astype(np.float32)
    if kind == 0:  # gradient
        ang = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:size, 0:size] / size
        t = (xx * math.cos(ang) + yy * math.sin(ang))
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
        arr = a + (b - a) * t[..., None]
    elif kind == 1:  # smooth value noise
        k = int(rng.integers(2, 12))
        small = rng.random((k, k)).astype(np.float32)
        t = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)) / 255.0
        arr = a + (b - a) * t[..., None]
    elif kind == 2:  # wall: plain colour with fine grain and maybe panel/brick lines
        arr = np.broadcast_to(a, (size, size, 3)).copy()
        arr += rng.normal(0, rng.uniform(2, 12), (size, size, 1))
        if rng.random() < 0.5:
            step = int(rng.integers(8, 40))
            arr[::step] *= 0.75
    elif kind == 3:  # outdoors: sky (blue to pale, or dusk) over a tower or facade (a station or church clock)
        yy = np.mgrid[0:size, 0:size][0] / size
        top = np.array([rng.uniform(40, 120), rng.uniform(90, 170), rng.uniform(170, 255)], np.float32)
        if rng.random() < 0.25:  # dusk
            top = np.array([rng.uniform(150, 255), rng.uniform(80, 160), rng.uniform(60, 140)], np.float32)
        low = np.array([rng.uniform(190, 240)] * 3, np.float32)
        arr = top + (low - top) * yy[..., None]
        if rng.random() < 0.7:  # a tower or facade in front of the sky, sometimes in courses of stone
            x0 = int(rng.integers(0, size // 2))
            x1 = int(rng.integers(x0 + size // 3, size + 1))
            g = rng.uniform(70, 200)  # stone, brick or render: greys, sands and reds
            stone = np.array([g * rng.uniform(0.95, 1.25), g, g * rng.uniform(0.7, 1.0)], np.float32)
            arr[:, x0:x1] = stone + rng.normal(0, 6, (size, x1 - x0, 1))
            if rng.random() < 0.6:
                arr[::int(rng.integers(6, 20)), x0:x1] *= 0.8
    else:  # clutter of shapes
        im = Image.new("RGB", (size, size), tuple(int(v) for v in a))
        d = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(3, 12))):
            x0, y0 = rng.integers(-size // 2, size, 2)
            w, h = rng.integers(size // 10, size, 2)
            col = tuple(int(v) for v in rng.integers(0, 256, 3))
            [d.rectangle, d.ellipse][int(rng.integers(2))]((x0, y0, x0 + w, y0 + h), fill=col)
        return im
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def sample_background(rng: np.random.Generator, size: int, photos: bool = True) -> Image.Image:
    """A ``size`` x ``size`` background: a random crop of a packaged photo, or a procedural one."""
    pool = _photo_backgrounds() if photos else ()
    r = rng.random()
    if r < 0.15:  # studio / product shot: plain white or light grey, sometimes a soft gradient
        base = int(rng.integers(200, 256))
        im = Image.new("RGB", (size, size), (base, base, base))
        if rng.random() < 0.5:
            im = Image.blend(im, _procedural_background(rng, size), float(rng.uniform(0.05, 0.25)))
        return im
    if pool and r < 0.6:
        im = pool[int(rng.integers(len(pool)))]
        side = int(rng.uniform(0.2, 1.0) * min(im.size))
        x0 = int(rng.integers(0, im.width - side + 1))
        y0 = int(rng.integers(0, im.height - side + 1))
        return im.resize((size, size), Image.BILINEAR, box=(x0, y0, x0 + side, y0 + side))
    return _procedural_background(rng, size)


# ---------------------------------------------------------------------------------------------------
# photometric and sensor effects
@functools.lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    return yy, xx


_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_TONES = np.array([(1.0, 1.0, 1.0), (1.08, 0.96, 0.78), (0.92, 1.0, 1.08)], np.float32)  # grey, sepia, cool


def _effects(rng: np.random.Generator, im: Image.Image) -> Image.Image:
    size = im.width
    if rng.random() < 0.3:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.4) * size / 128))
    if rng.random() < 0.08:  # motion blur along a random axis
        k = np.zeros((5, 5), np.float32)
        if rng.random() < 0.5:
            k[2, :] = 1
        else:
            k[:, 2] = 1
        im = im.filter(ImageFilter.Kernel((5, 5), k.ravel().tolist(), scale=5))
    if rng.random() < 0.2:  # low resolution
        f = rng.uniform(0.3, 0.7)
        small = im.resize((max(int(size * f), 16),) * 2, Image.BILINEAR)
        im = small.resize((size, size), Image.BILINEAR)
    arr = np.asarray(im, np.float32)
    if rng.random() < 0.5:  # colour cast / white balance
        arr = arr * rng.uniform(0.8, 1.2, 3).astype(np.float32)
    if rng.random() < 0.6:  # brightness and contrast
        arr = (arr - 128) * rng.uniform(0.6, 1.3) + 128 + rng.uniform(-40, 40)
    if rng.random() < 0.35:  # lighting gradient
        yy, xx = _grid(size)
        ang = rng.uniform(0, 2 * math.pi)
        g = 1 + np.float32(rng.uniform(0.2, 0.6)) * (xx * np.float32(math.cos(ang)) + yy * np.float32(math.sin(ang)))
        arr = arr * g[..., None]
    if rng.random() < 0.2:  # vignetting
        yy, xx = _grid(size)
        arr = arr * (1 - np.float32(rng.uniform(0.3, 0.9)) * (xx**2 + yy**2))[..., None]
    if rng.random() < 0.12:  # film grade: lifted blacks, softened whites, teal shadows and warm highlights
        lo, hi = rng.uniform(10, 50), rng.uniform(195, 245)
        arr = lo + arr.clip(0, 255) * np.float32((hi - lo) / 255)
        lum = (arr @ _LUMA)[..., None] / 255
        k = np.float32(rng.uniform(5, 25))
        arr = arr + (1 - lum) * k * np.array([-1, 0.3, 0.8], np.float32) + lum * k * np.array([0.9, 0.3, -0.8], np.float32)
    if rng.random() < 0.1:  # film stock: monochrome or toned, grain coarser than a pixel, halation
        arr = _film_stock(rng, arr, size)
    if rng.random() < 0.06:  # low light: dark frame, strong sensor noise in every channel
        arr = arr * np.float32(rng.uniform(0.2, 0.5)) + rng.normal(0, rng.uniform(6, 16), arr.shape).astype(np.float32)
    if rng.random() < 0.35:
        arr = arr + rng.normal(0, rng.uniform(2, 12), arr.shape).astype(np.float32)
    if rng.random() < 0.08:
        arr = np.repeat(arr @ _LUMA, 3).reshape(arr.shape)
    im = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.4:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=int(rng.integers(15, 90)))
        im = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return im


def _film_stock(rng: np.random.Generator, arr: np.ndarray, size: int) -> np.ndarray:
    """A film still: the frame in one toned channel, neutral grain in cells of 1-3 px at 192 px that is
    strongest in the mid-tones, and sometimes halation (a warm glow round the highlights)."""
    lum = arr.clip(0, 255) @ _LUMA
    arr = lum[..., None] * _TONES[rng.choice(3, p=[0.55, 0.3, 0.15])]
    cells = max(8, int(192 / rng.uniform(1.0, 3.0)))  # grain cells of 1-3 px at 192 px, whatever the size
    grain = Image.fromarray(rng.normal(0, 1, (cells, cells)).astype(np.float32)).resize((size, size), Image.BILINEAR)
    mid = 4 * (lum / 255) * (1 - lum / 255)
    arr = arr + (np.float32(rng.uniform(6, 24)) * np.asarray(grain) * (0.3 + mid))[..., None]
    if rng.random() < 0.4:
        bright = Image.fromarray(((lum - 190).clip(0, 65) * 3.9).astype(np.uint8))
        glow = np.asarray(bright.filter(ImageFilter.GaussianBlur(size * rng.uniform(0.01, 0.04))), np.float32)
        arr = arr + glow[..., None] * np.float32(rng.uniform(0.3, 0.8)) * np.array([1.0, 0.55, 0.35], np.float32)
    return arr


def _night_lit(rng: np.random.Generator, im: Image.Image, outline: np.ndarray, radius: float) -> Image.Image:
    """A dial lit at night, from behind or by a floodlight (clock towers in time-lapse footage, station clocks
    after dark): everything else falls to a dim, cool night; the dial keeps its light and glows over its rim."""
    mask = Image.new("L", im.size, 0)
    ImageDraw.Draw(mask).polygon([(float(x), float(y)) for x, y in outline], fill=255)
    m = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(0.5, radius * 0.02))), np.float32)[..., None] / 255
    g = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(2.0, radius * rng.uniform(0.08, 0.3)))), np.float32)[..., None] / 255
    arr = np.asarray(im, np.float32)
    night = arr * np.float32(rng.uniform(0.04, 0.25)) * rng.uniform((0.6, 0.7, 0.9), (0.9, 0.9, 1.1)).astype(np.float32)
    dial = arr * np.float32(rng.uniform(0.9, 1.25)) * rng.uniform((0.95, 0.85, 0.6), (1.1, 1.0, 0.95)).astype(np.float32)
    light = (dial * m).sum((0, 1)) / max(float(m.sum()), 1.0)
    out = dial * m + night * (1 - m) + g * (1 - m) * np.float32(rng.uniform(0.2, 0.7)) * light
    return Image.fromarray(out.clip(0, 255).astype(np.uint8), "RGB")


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


def _occlude(rng: np.random.Generator, im: Image.Image, camera: Camera) -> None:
    """Something in front of the clock's rim (a lamp, a branch, a shoulder, a frame edge): a blob or bar
    that comes no nearer the centre than 0.65 dial radii, so the hands stay readable from their roots."""
    d = ImageDraw.Draw(im)
    ang = rng.uniform(0, 2 * math.pi)
    near = camera.radius * rng.uniform(0.65, 1.0)
    ux, uy = math.cos(ang), math.sin(ang)
    col = tuple(int(v) for v in rng.integers(0, 256, 3))
    if rng.random() < 0.5:  # a blob whose nearest point is `near` from the centre
        r = camera.radius * rng.uniform(0.25, 0.7)
        cx, cy = camera.cx + ux * (near + r), camera.cy + uy * (near + r)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=col)
    else:  # a bar across the frame, perpendicular to the direction, `near` from the centre
        w = camera.radius * rng.uniform(0.1, 0.5)
        px, py = -uy, ux
        far = 4 * camera.radius
        pts = [(camera.cx + ux * near + px * s * far, camera.cy + uy * near + py * s * far) for s in (-1, 1)]
        pts += [(x + ux * w, y + uy * w) for x, y in reversed(pts)]
        d.polygon(pts, fill=col)


def orientable(style: ClockStyle) -> bool:
    """Whether a dial shows which way is up when turned round: numerals or a brand name."""
    return style.numerals != "none" or style.brand is not None


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
    background: Image.Image | tuple[int, int, int] | None = None,
) -> RenderedClock:
    """Render one synthetic clock photo of ``size`` x ``size`` pixels with its full truth.

    ``seed`` (an int or a NumPy Generator) decides everything that is not given: the same seed gives the
    same pixels. ``time`` defaults to a uniform draw over the 720 minutes of 12 hours plus seconds.

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
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if time is None:
        time = ClockTime.from_minutes(rng.uniform(0, 720))
    elif not isinstance(time, ClockTime):
        raise InvalidTimeError(f"The 'time' parameter of render_clock must be a ClockTime. Got {time!r} instead.")
    style = style or sample_style(rng)
    if camera is None:
        camera = sample_camera(rng, size, full_rotation, turned, steep)
        if abs(camera.roll) > 20 and not orientable(style):
            # turned far round, a dial with neither numerals nor text hides where 12 is: no one can read it
            camera = replace(camera, roll=float(np.clip(rng.normal(0, 7), -20, 20)))

    if background is None:
        bg = sample_background(rng, size, photos)
    elif isinstance(background, Image.Image):
        bg = background.convert("RGB").resize((size, size))
    else:
        bg = Image.new("RGB", (size, size), background)
    h, canvas_px, kp = place_clock(bg, style, time, camera)
    outline, box = outline_box(style, h, canvas_px, size, size)
    if effects and rng.random() < 0.1:
        _occlude(rng, bg, camera)
    if effects and rng.random() < 0.06:
        bg = _night_lit(rng, bg, outline, camera.radius)
    image = _effects(rng, bg) if effects else bg

    pts = {k: apply_homography(h, v)[0] if v is not None else None for k, v in kp["tips"].items()}
    return RenderedClock(
        image=image, time=time, center=tuple(apply_homography(h, kp["center"])[0]),
        twelve=tuple(apply_homography(h, kp["twelve"])[0]), tips=pts, outline=outline,
        box=box, homography=h, dial=dial_points(h, kp["center"], kp["radius"]), style=style, camera=camera,
    )
