"""Draw readings over an image: each clock's read hands, its box and its time.

The hands start at the centre of the clock's box (the locators give boxes, not dial centres; for a dial
seen head-on or tilted the two coincide, for a clock whose case or stand is boxed with it they do not). The
hour hand is amber and the minute hand cyan, each on a dark outline, so both stand out from red, white and
black dials; an unsure reading is drawn dashed-boxed and labelled with a "?".
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

from .time import ClockTime

HOUR_COLOUR = (255, 176, 0)
MINUTE_COLOUR = (0, 220, 255)
TRUTH_COLOUR = (40, 220, 40)
OUTLINE = (0, 0, 0)


def _hands(d: ImageDraw.ImageDraw, t: ClockTime, cx: float, cy: float, r: float, w: int, colours) -> None:
    for angle, length, width, col in ((t.hour_angle, 0.5, w * 2, colours[0]), (t.minute_angle, 0.85, w, colours[1])):
        a = math.radians(angle)
        end = (cx + math.sin(a) * r * length, cy - math.cos(a) * r * length)
        d.line((cx, cy, *end), fill=OUTLINE, width=width + 2 * max(1, w // 2))
        d.line((cx, cy, *end), fill=col, width=width)
    d.ellipse((cx - w, cy - w, cx + w, cy + w), fill=OUTLINE)


def _dashed_box(d: ImageDraw.ImageDraw, box, colour, width: int, dash: int) -> None:
    x0, y0, x1, y1 = box
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        n = max(1, int(math.hypot(bx - ax, by - ay) / dash))
        for k in range(0, n, 2):
            t0, t1 = k / n, min(1.0, (k + 1) / n)
            d.line((ax + (bx - ax) * t0, ay + (by - ay) * t0, ax + (bx - ax) * t1, ay + (by - ay) * t1), fill=colour, width=width)


def draw_reading(image: Image.Image, time: ClockTime, box=None, truth: ClockTime | None = None,
                 label: str | None = None, unsure: bool = False) -> Image.Image:
    """A copy of ``image`` with the hands of ``time`` drawn over the clock (``box`` or the whole image); the
    truth, if given, in green underneath. ``label`` (default: the time) is written at the top left."""
    im = image.convert("RGB").copy()
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = box if box is not None else (0, 0, im.width, im.height)
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) / 2
    w = max(2, int(r / 25))
    if truth is not None:
        _hands(d, truth, cx, cy, r, w, (TRUTH_COLOUR, TRUTH_COLOUR))
    _hands(d, time, cx, cy, r, w, (HOUR_COLOUR, MINUTE_COLOUR))
    if box is not None:
        if unsure:
            _dashed_box(d, box, MINUTE_COLOUR, max(1, w // 2), max(4, int(r / 8)))
        else:
            d.rectangle((x0, y0, x1, y1), outline=MINUTE_COLOUR, width=max(1, w // 2))
    text = label if label is not None else str(time) + ("?" if unsure else "") + (f"  (true {truth})" if truth else "")
    font = ImageFont.load_default(size=max(12, int(min(im.size) / 14)))
    d.text((6, 6), text, fill=MINUTE_COLOUR, font=font, stroke_width=2, stroke_fill=OUTLINE)
    return im


def draw_readings(image: Image.Image, readings) -> Image.Image:
    """All readings of one photo drawn over it, each in its box (or over the whole image), with its time and
    confidence; a "no clock" reading draws no hands."""
    im = image
    found = [r for r in readings if getattr(r, "clock_found", True)]
    if not found:
        im = image.convert("RGB").copy()
        font = ImageFont.load_default(size=max(12, int(min(im.size) / 14)))
        ImageDraw.Draw(im).text((6, 6), "no clock", fill=MINUTE_COLOUR, font=font, stroke_width=2, stroke_fill=OUTLINE)
        return im
    for r in found:
        im = draw_reading(im, r.time, box=r.box, unsure=r.unsure,
                          label=f"{r}{'?' if r.unsure else ''}  ({r.confidence:.2f})" if r.box is None else "")
    if any(r.box is not None for r in found):
        d = ImageDraw.Draw(im)
        font = ImageFont.load_default(size=max(12, int(min(im.size) / 20)))
        for r in found:
            if r.box is not None:
                d.text((r.box[0] + 3, r.box[1] + 3), f"{r}{'?' if r.unsure else ''} ({r.confidence:.2f})", fill=MINUTE_COLOUR,
                       font=font, stroke_width=2, stroke_fill=OUTLINE)
    return im
