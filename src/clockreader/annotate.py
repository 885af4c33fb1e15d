"""Draw a reading over an image: the read hands from the dial centre, the time, and the box."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

from .time import ClockTime


def draw_reading(image: Image.Image, time: ClockTime, box=None, truth: ClockTime | None = None,
                 label: str | None = None, colour=(255, 40, 40)) -> Image.Image:
    """A copy of ``image`` with the hands of ``time`` drawn over the clock (``box`` or the whole image).

    The hour hand is drawn at half the minute hand's length; the truth, if given, in green underneath.
    """
    im = image.convert("RGB").copy()
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = box if box is not None else (0, 0, im.width, im.height)
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) / 2
    w = max(2, int(r / 25))
    for t, col in ([(truth, (40, 220, 40))] if truth else []) + [(time, colour)]:
        for angle, length, width in ((t.hour_angle, 0.5, w * 2), (t.minute_angle, 0.85, w)):
            a = math.radians(angle)
            d.line((cx, cy, cx + math.sin(a) * r * length, cy - math.cos(a) * r * length), fill=col, width=width)
    if box is not None:
        d.rectangle((x0, y0, x1, y1), outline=colour, width=max(1, w // 2))
    text = label if label is not None else str(time) + (f"  (true {truth})" if truth else "")
    font = ImageFont.load_default(size=max(12, int(min(im.size) / 14)))
    d.text((6, 6), text, fill=colour, font=font, stroke_width=2, stroke_fill=(0, 0, 0))
    return im


def draw_readings(image: Image.Image, readings) -> Image.Image:
    """All readings of one photo drawn over it (each in its box, or over the whole image)."""
    im = image
    for r in readings:
        im = draw_reading(im, r.time, box=r.box, label=f"{r}  ({r.confidence:.2f})" if r.box is None else "")
    if any(r.box is not None for r in readings):
        d = ImageDraw.Draw(im)
        font = ImageFont.load_default(size=max(12, int(min(im.size) / 20)))
        for r in readings:
            if r.box is not None:
                d.text((r.box[0] + 3, r.box[1] + 3), f"{r} ({r.confidence:.2f})", fill=(255, 40, 40), font=font,
                       stroke_width=2, stroke_fill=(0, 0, 0))
    return im
