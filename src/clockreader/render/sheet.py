"""Contact sheets: many rendered clocks with their times printed under them, for people to judge."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont


def contact_sheet(images: Sequence[Image.Image], captions: Sequence[str], columns: int = 8,
                  cell: int = 128, caption_colours: Sequence[tuple[int, int, int]] | None = None) -> Image.Image:
    """Tile ``images`` into a grid of ``cell`` px squares with a caption line under each."""
    rows = (len(images) + columns - 1) // columns
    line = max(12, cell // 8)
    sheet = Image.new("RGB", (columns * cell, rows * (cell + line)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=line - 2)
    for i, (im, text) in enumerate(zip(images, captions)):
        x, y = (i % columns) * cell, (i // columns) * (cell + line)
        sheet.paste(im.convert("RGB").resize((cell, cell)), (x, y))
        colour = caption_colours[i] if caption_colours else (0, 0, 0)
        draw.text((x + cell // 2, y + cell + line // 2), text, fill=colour, font=font, anchor="mm")
    return sheet
