"""Draw one clock face with its hands onto a transparent square canvas. No randomness here.

The canvas is ``px`` pixels square; the dial (bezel included) is centred and has radius ``OUTER * px``,
leaving room around it for a watch strap. Hands are polygons built from a width profile along the hand,
rotated clockwise from 12 o'clock, so what is drawn is exactly where the label says.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ..time import ClockTime
from .style import RGB, ClockStyle, HandStyle

OUTER = 0.40  # dial outer radius as a fraction of the canvas side

ARABIC = [str(h) for h in range(1, 13)]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
ROMAN4 = ROMAN[:3] + ["IIII"] + ROMAN[4:]


@functools.lru_cache(maxsize=256)
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(int(size), 4)
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _unit(angle_deg: float) -> tuple[float, float]:
    """Unit vector of a clock angle (clockwise from 12) in image coordinates (y down)."""
    a = math.radians(angle_deg)
    return math.sin(a), -math.cos(a)


def shape_points(shape: str, cx: float, cy: float, r: float, corner: float) -> list[tuple[float, float]]:
    """Outline polygon of a non-round dial (square, rounded square, octagon)."""
    if shape == "octagon":
        return [(cx + r * math.cos(math.radians(22.5 + 45 * k)) / math.cos(math.radians(22.5)),
                 cy + r * math.sin(math.radians(22.5 + 45 * k)) / math.cos(math.radians(22.5))) for k in range(8)]
    if shape == "square":
        return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    raise ValueError(shape)


def _fill_shape(draw: ImageDraw.ImageDraw, style: ClockStyle, cx: float, cy: float, r: float, fill) -> None:
    if style.shape == "round":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    elif style.shape == "rounded":
        draw.rounded_rectangle((cx - r, cy - r, cx + r, cy + r), radius=style.corner * r, fill=fill)
    else:
        draw.polygon(shape_points(style.shape, cx, cy, r, style.corner), fill=fill)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def _hand_profile(hand: HandStyle, r: float) -> list[tuple[float, float]]:
    """(distance along the hand, half width) pairs from tail to tip, in pixels."""
    prof = _shaft_profile(hand, r)
    if hand.tail > 0 and hand.tail_width > 1:  # a paddle counterweight on the outer part of the tail
        t, w = hand.tail * r, max(hand.width * r, 0.6) * hand.tail_width
        prof = [(-t, w), (-0.45 * t, w), (-0.3 * t, prof[0][1])] + prof[1:]
    return prof


def _shaft_profile(hand: HandStyle, r: float) -> list[tuple[float, float]]:
    L, w, t = hand.length * r, max(hand.width * r, 0.6), hand.tail * r
    s = hand.shape
    if s == "baton":
        return [(-t, w), (L, w)]
    if s == "tapered":
        return [(-t, w * 0.9), (0, w), (L * 0.97, w * 0.3), (L, 0)]
    if s == "spade":
        return [(-t, w * 0.6), (0.62 * L, w * 0.6), (0.7 * L, w * 2.2), (0.82 * L, w * 1.5), (L, 0)]
    if s == "arrow":
        return [(-t, w * 0.7), (0.78 * L, w * 0.7), (0.78 * L, w * 2.4), (L, 0)]
    if s == "leaf":
        return [(-t, w * 0.4), (0.1 * L, w * 0.8), (0.35 * L, w * 1.7), (0.6 * L, w * 1.5), (0.85 * L, w * 0.7), (L, 0)]
    if s in ("dauphine", "skeleton"):
        return [(-t, w * 0.5), (0.0, w * 0.8), (0.2 * L, w * 1.6), (L, 0)]
    if s == "breguet":
        return [(-t, w * 0.6), (0.68 * L, w * 0.6), (0.68 * L, w * 0.3), (0.9 * L, w * 0.3), (L, 0)]
    raise ValueError(f"unknown hand shape {s!r}")


def hand_polygon(hand: HandStyle, angle: float, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    """The hand's outline in canvas pixels for a clock angle in degrees."""
    ux, uy = _unit(angle)
    px, py = -uy, ux  # perpendicular
    prof = _hand_profile(hand, r)
    right = [(cx + d * ux + w * px, cy + d * uy + w * py) for d, w in prof]
    left = [(cx + d * ux - w * px, cy + d * uy - w * py) for d, w in reversed(prof) if w > 0]
    return right + left


def _draw_hand(draw: ImageDraw.ImageDraw, hand: HandStyle, angle: float, cx: float, cy: float, r: float,
               shadow: float) -> None:
    poly = hand_polygon(hand, angle, cx, cy, r)
    if shadow > 0:
        off = shadow * r
        draw.polygon([(x + off, y + off) for x, y in poly], fill=(0, 0, 0, 90))
    skeleton = hand.shape == "skeleton"
    lw = max(1, int(round(hand.width * r * 0.5)))
    if skeleton:
        draw.polygon(poly, outline=hand.colour + (255,), width=lw)
        # the spine makes the skeleton hand readable at low resolution
        ux, uy = _unit(angle)
        draw.line((cx, cy, cx + ux * hand.length * r, cy + uy * hand.length * r), fill=hand.colour + (255,), width=lw)
    else:
        draw.polygon(poly, fill=hand.colour + (255,), outline=(hand.outline + (255,)) if hand.outline else None)
    if hand.shape == "breguet":  # the hollow ring ("moon") near the tip
        ux, uy = _unit(angle)
        d, rr = 0.75 * hand.length * r, max(hand.width * r * 1.6, 2)
        x, y = cx + ux * d, cy + uy * d
        draw.ellipse((x - rr, y - rr, x + rr, y + rr), outline=hand.colour + (255,), width=max(1, int(rr / 2.5)))


def _text(img: Image.Image, draw: ImageDraw.ImageDraw, xy, text: str, font, colour: RGB, rotate: float = 0.0):
    if not rotate:
        draw.text(xy, text, fill=colour + (255,), font=font, anchor="mm")
        return
    l, t, r_, b = draw.textbbox((0, 0), text, font=font, anchor="lt")
    tile = Image.new("L", (r_ - l + 4, b - t + 4), 0)
    ImageDraw.Draw(tile).text((2 - l, 2 - t), text, fill=255, font=font)
    tile = tile.rotate(-rotate, resample=Image.BILINEAR, expand=True)
    img.paste(colour + (255,), (int(xy[0] - tile.width / 2), int(xy[1] - tile.height / 2)), tile)


def _face_fill(style: ClockStyle, size: int, seed: int) -> Image.Image:
    """Gradient or texture for the face, as an RGB tile of ``size`` pixels (computed small, then scaled)."""
    out_size, size = size, min(size, 64)
    if style.face == "radial":
        g = np.hypot(*np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size))).clip(0, 1)
    elif style.face == "linear":
        g = np.tile(np.linspace(0, 1, size), (size, 1))
    else:  # texture: a deterministic noise from the style's own numbers
        rng = np.random.default_rng(seed)
        small = rng.random((max(size // 8, 2), max(size // 8, 2)))
        g = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)) / 255.0
        g = 0.5 + (g - 0.5) * 0.6
    a, b = np.array(style.face_colour, np.float32), np.array(style.face_colour2, np.float32)
    rgb = a + (b - a) * g[..., None]
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8), "RGB").resize((out_size, out_size), Image.BILINEAR)


def draw_clock(style: ClockStyle, time: ClockTime, px: int) -> tuple[Image.Image, dict]:
    """Draw ``style`` showing ``time`` on a transparent ``px`` x ``px`` RGBA canvas.

    Returns the canvas and the keypoints in canvas pixels: ``center``, ``radius`` (face radius),
    ``twelve`` (the face edge at 12 o'clock), ``tips`` (``hour``, ``minute``, ``second`` or None).
    """
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img, "RGBA")
    c = px / 2.0
    ro = OUTER * px
    r = ro * (1.0 - (style.bezel_width if style.bezel != "none" else 0.0))

    if style.strap is not None:
        sw = style.strap_width * ro
        draw.rectangle((c - sw, 0, c + sw, px), fill=style.strap + (255,))
        dark = _mix(style.strap, (0, 0, 0), 0.3) + (255,)
        draw.line((c - sw, 0, c - sw, px), fill=dark, width=max(1, px // 100))
        draw.line((c + sw, 0, c + sw, px), fill=dark, width=max(1, px // 100))

    # bezel
    if style.bezel == "metal":
        steps = 6
        for k in range(steps):
            t = k / (steps - 1)
            col = _mix(_mix(style.bezel_colour, (255, 255, 255), 0.5), _mix(style.bezel_colour, (0, 0, 0), 0.4), abs(0.5 - t) * 2)
            _fill_shape(draw, style, c, c, ro - (ro - r) * t, col + (255,))
    elif style.bezel != "none":
        _fill_shape(draw, style, c, c, ro, style.bezel_colour + (255,))
        if style.bezel == "wood":
            for k in range(1, 4):
                rr = r + (ro - r) * k / 4
                draw.ellipse((c - rr, c - rr, c + rr, c + rr), outline=_mix(style.bezel_colour, (0, 0, 0), 0.25) + (255,))

    # face
    if style.face == "solid":
        _fill_shape(draw, style, c, c, r, style.face_colour + (255,))
    else:
        mask = Image.new("L", (px, px), 0)
        _fill_shape(ImageDraw.Draw(mask), style, c, c, r, 255)
        seed = sum(style.face_colour) * 7 + int(r)
        img.paste(_face_fill(style, px, seed), (0, 0), mask)

    # ticks
    tw = max(1, int(round(style.tick_width * r)))
    tick = style.tick_colour + (255,)
    for k in range(60):
        ux, uy = _unit(6 * k)
        hourly = k % 5 == 0
        kind = style.hour_ticks if hourly else style.minute_ticks
        if hourly and kind == "none" and style.minute_ticks != "none":
            kind = style.minute_ticks
        if kind == "none":
            continue
        r1 = r * 0.96
        if kind in ("lines", "bars"):
            length = style.tick_length * r * (1.0 if hourly else 0.5)
            width = tw * (2 if kind == "bars" else 1) if hourly else max(1, tw // 2)
            r0 = r1 - length
            draw.line((c + ux * r0, c + uy * r0, c + ux * r1, c + uy * r1), fill=tick, width=width)
        elif kind == "dots":
            d = (tw * 1.5 if hourly else tw * 0.7) + 0.5
            x, y = c + ux * (r1 - d), c + uy * (r1 - d)
            draw.ellipse((x - d, y - d, x + d, y + d), fill=tick)
        elif kind == "triangles":
            h = style.tick_length * r
            px_, py_ = -uy, ux
            pts = [(c + ux * r1 + px_ * h * 0.4, c + uy * r1 + py_ * h * 0.4),
                   (c + ux * r1 - px_ * h * 0.4, c + uy * r1 - py_ * h * 0.4),
                   (c + ux * (r1 - h), c + uy * (r1 - h))]
            draw.polygon(pts, fill=tick)

    # numerals
    if style.numerals != "none":
        labels = {"arabic": ARABIC, "roman": ROMAN, "roman4": ROMAN4, "quarters": ARABIC}[style.numerals]
        roman = style.numerals.startswith("roman")
        font = _font(style.font, style.numeral_size * r * (0.7 if roman else 1.0))
        for h in range(1, 13):
            if style.numerals == "quarters" and h % 3:
                continue
            ux, uy = _unit(30 * h)
            rn = style.numeral_radius * r
            _text(img, draw, (c + ux * rn, c + uy * rn), labels[h - 1], font, style.numeral_colour,
                  rotate=(30 * h) % 360 if style.numeral_rotated else 0.0)

    # distractors
    if style.brand:
        font = _font(style.font, r * 0.11)
        draw.text((c, c - r * 0.35), style.brand, fill=style.numeral_colour + (255,), font=font, anchor="mm")
    if style.subdial:
        sx, sy, sr = c, c + r * 0.42, r * 0.17
        draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), outline=style.tick_colour + (255,), width=max(1, tw // 2))
        ux, uy = _unit((style.face_colour[0] * 13) % 360)
        draw.line((sx, sy, sx + ux * sr * 0.8, sy + uy * sr * 0.8), fill=style.tick_colour + (255,), width=max(1, tw // 2))
    if style.date_window is not None:
        dx, dy, dh = c + r * 0.55, c, r * 0.09
        draw.rectangle((dx - dh * 1.3, dy - dh, dx + dh * 1.3, dy + dh), fill=(250, 250, 250, 255),
                       outline=style.tick_colour + (255,))
        draw.text((dx, dy), str(style.date_window), fill=(10, 10, 10, 255), font=_font(style.font, dh * 1.6), anchor="mm")

    # hands: hour, minute, second (from bottom to top)
    tips = {}
    hands = [("hour", style.hour_hand, time.hour_angle), ("minute", style.minute_hand, time.minute_angle)]
    if style.second_hand is not None:
        hands.append(("second", style.second_hand, time.second_angle))
    for name, hand, angle in hands:
        _draw_hand(draw, hand, angle, c, c, r, style.hand_shadow)
        ux, uy = _unit(angle)
        tips[name] = (c + ux * hand.length * r, c + uy * hand.length * r)
    tips.setdefault("second", None)
    if style.cap > 0:
        cr = style.cap * r
        draw.ellipse((c - cr, c - cr, c + cr, c + cr), fill=style.cap_colour + (255,))

    if style.glare > 0:
        band = Image.new("L", (px, px), 0)
        ux, uy = _unit(style.glare_angle)
        bd = ImageDraw.Draw(band)
        # a lens-shaped highlight on one side of the glass
        ox, oy = c - ux * r * 0.9, c - uy * r * 0.9
        bd.ellipse((ox - r * 1.1, oy - r * 1.1, ox + r * 1.1, oy + r * 1.1), fill=int(255 * style.glare))
        face_mask = Image.new("L", (px, px), 0)
        _fill_shape(ImageDraw.Draw(face_mask), style, c, c, r, 255)
        img.paste((255, 255, 255, 255), (0, 0), ImageChops.multiply(band, face_mask))

    keypoints = {"center": (c, c), "radius": r, "outer_radius": ro, "twelve": (c, c - r), "tips": tips}
    return img, keypoints
