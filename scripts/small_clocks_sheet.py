#!/usr/bin/env python
"""docs/small_clocks.jpg: scenes with small clocks; the main locator's boxes (orange), the small-clock locator's additions from the whole scene (cyan) and from its enlarged windows around weak peaks (magenta), the truth (thin white)."""
import numpy as np
from PIL import Image, ImageDraw
from clockreader.render.scenes import render_scene
from clockreader.runtime.locator import ClockLocator
loc = ClockLocator()
tiles, i = [], 0
while len(tiles) < 8:
    s = render_scene(np.random.default_rng([31, i]), 384); i += 1
    sides = (s.boxes[:, 2:] - s.boxes[:, :2]).max(1) / 384 if len(s.boxes) else np.zeros(0)
    if not (sides < 0.15).any():
        continue
    main = loc.locate_alone(s.image); extra, hints = loc.small_and_hints(s.image, main)
    zoomed = loc.zoom_extra(s.image, main + extra, hints=hints)
    im = s.image.copy(); d = ImageDraw.Draw(im)
    for b in s.boxes: d.rectangle(tuple(b - [3, 3, -3, -3]), outline=(255, 255, 255), width=1)
    for x in main: d.rectangle(x.box, outline=(255, 140, 0), width=3)
    for x in extra: d.rectangle(x.box, outline=(0, 230, 255), width=3)
    for x in zoomed: d.rectangle(x.box, outline=(255, 0, 220), width=3)
    tiles.append(im)
sheet = Image.new("RGB", (4 * 384, 2 * 384))
for k, t in enumerate(tiles): sheet.paste(t, ((k % 4) * 384, (k // 4) * 384))
sheet.save("docs/small_clocks.jpg", quality=85)
print("saved docs/small_clocks.jpg")
