"""What a synthetic clock looks like: the ClockStyle record and the ONE function that samples it.

Everything random about a clock's design lives in :func:`sample_style`, so the distribution the model is
trained on can be read on one screen (the rest of a photo's randomness is in ``sample.py``). Drawing
(``draw.py``, ``scene.py``) uses no randomness of its own beyond what it is handed.

Ideas for the variety come from the sim-to-real literature on clock reading (Yang et al., "It's About
Time: Analog Clock Reading in the Wild", CVPR 2022, whose renderer varies dials, hands and homographies);
the code is our own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

RGB = tuple[int, int, int]

DIAL_SHAPES = ("round", "round", "round", "round", "square", "rounded", "octagon", "round")
BEZELS = ("none", "thin", "thick", "metal", "wood", "colour")
FACES = ("solid", "radial", "linear", "texture")
MINUTE_TICKS = ("lines", "dots", "none")
HOUR_TICKS = ("lines", "bars", "dots", "triangles", "none")
NUMERALS = ("arabic", "roman4", "roman", "quarters", "none")
HAND_SHAPES = ("baton", "tapered", "spade", "arrow", "leaf", "dauphine", "breguet", "skeleton")

# Fonts that ship inside the package (assets/fonts: matplotlib's DejaVu, STIX and Computer Modern cut to
# printable ASCII by scripts/make_render_assets.py; licences in assets/LICENSES.md), so every install draws the same.
FONT_DIR = Path(__file__).parent / "assets" / "fonts"


@functools.lru_cache(maxsize=1)
def available_fonts() -> tuple[str, ...]:
    """Paths of the TrueType fonts the renderer draws numerals and names with, in a fixed order."""
    return tuple(str(f) for f in sorted(FONT_DIR.glob("*.ttf")))


@dataclass
class HandStyle:
    shape: str = "baton"
    length: float = 0.8          # tip distance from the centre, in dial radii
    width: float = 0.05          # half width at the widest point, in dial radii
    tail: float = 0.15           # counterweight length behind the centre, in dial radii
    colour: RGB = (20, 20, 20)
    outline: RGB | None = None   # a thin outline around the hand (luminous hands, skeletons)
    tail_width: float = 1.0      # > 1: a paddle counterweight this many times the shaft's half width


@dataclass
class ClockStyle:
    """One clock design. Lengths are fractions of the dial radius; colours are RGB 0-255."""

    shape: str = "round"
    corner: float = 0.25                # rounded-square corner radius / radius
    bezel: str = "thin"
    bezel_width: float = 0.06
    bezel_colour: RGB = (40, 40, 40)
    face: str = "solid"
    face_colour: RGB = (245, 245, 240)
    face_colour2: RGB = (220, 220, 215)
    minute_ticks: str = "lines"
    hour_ticks: str = "lines"
    tick_colour: RGB = (20, 20, 20)
    tick_length: float = 0.08
    tick_width: float = 0.025
    numerals: str = "arabic"
    numeral_radius: float = 0.72
    numeral_size: float = 0.2
    numeral_rotated: bool = False
    numeral_colour: RGB = (20, 20, 20)
    font: str | None = None
    hour_hand: HandStyle = field(default_factory=lambda: HandStyle("baton", 0.55, 0.05, 0.1))
    minute_hand: HandStyle = field(default_factory=lambda: HandStyle("baton", 0.85, 0.035, 0.12))
    second_hand: HandStyle | None = None
    hand_shadow: float = 0.0            # shadow offset in dial radii (0: none)
    cap: float = 0.05                   # centre cap radius (0: none)
    cap_colour: RGB = (20, 20, 20)
    brand: str | None = None
    subdial: bool = False
    date_window: int | None = None
    glare: float = 0.0                  # opacity of the glass reflection (0: none)
    glare_angle: float = 30.0
    strap: RGB | None = None            # a watch strap at 12 and 6
    strap_width: float = 0.6
    wall_shadow: float = 0.0            # drop shadow of the clock on the wall behind it
    depth: float = 0.0                  # case depth behind the dial, in outer radii: its side shows when tilted
    case_colour: RGB = (60, 60, 60)

    def with_hands_only(self, hour: RGB = (255, 0, 0), minute: RGB = (0, 0, 255)) -> "ClockStyle":
        """A plain copy with hands of pure colours and nothing else drawn (used to check the labels)."""
        return replace(
            self, bezel="none", face="solid", face_colour=(255, 255, 255), minute_ticks="none",
            hour_ticks="none", numerals="none", cap=0.0, brand=None, subdial=False, date_window=None,
            glare=0.0, strap=None, hand_shadow=0.0, second_hand=None, wall_shadow=0.0, depth=0.0,
            hour_hand=replace(self.hour_hand, colour=hour, outline=None, shape="baton", tail=0.0),
            minute_hand=replace(self.minute_hand, colour=minute, outline=None, shape="baton", tail=0.0),
        )


_BRANDS = ("QUARTZ", "GENEVE", "SWISS MADE", "IKEA", "SEIKO", "Automatic", "TIMEX", "KIENZLE", "Junghans",
           "RAILWAY", "WATERPROOF", "London", "MONDAINE", "Citizen", "1884", "ACME", "Radio Controlled")


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 255) -> RGB:
    return tuple(int(v) for v in rng.integers(lo, hi + 1, 3))  # type: ignore[return-value]


def _luma(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _near(rng: np.random.Generator, c: RGB, spread: int) -> RGB:
    d = rng.integers(-spread, spread + 1, 3)
    return tuple(min(255, max(0, int(v + dv))) for v, dv in zip(c, d))  # type: ignore[return-value]


def _face_colour(rng: np.random.Generator) -> RGB:
    r = rng.random()
    if r < 0.5:   # white, cream, silver
        base = int(rng.integers(215, 256))
        return _near(rng, (base, base, int(base * rng.uniform(0.85, 1.0))), 8)
    if r < 0.68:  # black, navy, dark
        return _colour(rng, 0, 60)
    if r < 0.85:  # pastel / saturated colour
        return _colour(rng, 60, 255)
    return _near(rng, (int(rng.integers(150, 230)),) * 3, 10)  # grey


def _hand_colour(rng: np.random.Generator, face: RGB) -> RGB:
    light_face = _luma(face) > 110
    r = rng.random()
    if r < 0.08:  # low contrast: a colour close to the face, but still readable
        shift = -int(rng.integers(60, 110)) if light_face else int(rng.integers(60, 110))
        return _near(rng, tuple(min(255, max(0, v + shift)) for v in face), 10)  # type: ignore
    if r < 0.2:   # gold, steel, blued
        return [(190, 150, 60), (150, 150, 160), (30, 50, 140), (120, 80, 40)][int(rng.integers(4))]
    if light_face:
        return _colour(rng, 0, 70) if rng.random() < 0.85 else _colour(rng, 0, 160)
    return _colour(rng, 200, 255) if rng.random() < 0.8 else (int(rng.integers(180, 256)), 150, 60)


def _hand(rng: np.random.Generator, length: float, width: float, colour: RGB, shape: str,
          max_tail: float) -> HandStyle:
    # none, short, or a long counterweight (station and office clocks: a tail that can pass for a hand),
    # never longer than max_tail (real tails stay shorter than the hour hand)
    tail = float(rng.choice([0.0, rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.5)], p=[0.3, 0.5, 0.2]))
    tail = min(tail, max_tail)
    tail_width = float(rng.uniform(1.5, 3.0)) if tail > 0 and rng.random() < 0.3 else 1.0
    outline = None
    if shape == "skeleton" or rng.random() < 0.07:
        outline = _colour(rng, 0, 255)
    return HandStyle(shape, length, width, tail, colour, outline, tail_width)


def orientable(style: ClockStyle) -> bool:
    """Whether a dial shows which way is up when turned round: numerals or a brand name."""
    return style.numerals != "none" or style.brand is not None


def sample_style(rng: np.random.Generator) -> ClockStyle:
    """Draw a random clock design. Uses only ``rng``; the same generator state gives the same design."""
    face = _face_colour(rng)
    ink = _hand_colour(rng, face)
    fonts = available_fonts()
    shape = str(rng.choice(DIAL_SHAPES))
    bezel = str(rng.choice(BEZELS, p=[0.18, 0.22, 0.2, 0.18, 0.1, 0.12]))
    bezel_colour = {
        "metal": _near(rng, (int(rng.integers(120, 230)),) * 3, 15),
        "wood": _near(rng, (120, 75, 40), 30),
    }.get(bezel, _colour(rng) if rng.random() < 0.5 else _colour(rng, 0, 60))

    numerals = str(rng.choice(NUMERALS, p=[0.45, 0.08, 0.07, 0.12, 0.28]))
    hour_ticks = str(rng.choice(HOUR_TICKS, p=[0.35, 0.25, 0.12, 0.08, 0.2]))
    if numerals == "none" and hour_ticks == "none" and rng.random() < 0.7:
        hour_ticks = "bars"

    # Hands: the hour hand is shorter and usually wider; sometimes nearly as long as the minute hand.
    minute_len = float(rng.uniform(0.62, 0.98))
    ratio = float(rng.uniform(0.5, 0.75) if rng.random() < 0.85 else rng.uniform(0.75, 0.9))
    hour_len = minute_len * ratio
    minute_w = float(rng.uniform(0.012, 0.06))
    # usually wider than the minute hand, sometimes thinner (then only its length tells them apart)
    hour_w = float(minute_w * (rng.uniform(1.0, 1.9) if rng.random() < 0.85 else rng.uniform(0.6, 1.0)))
    shape_h = str(rng.choice(HAND_SHAPES, p=[0.3, 0.18, 0.08, 0.08, 0.1, 0.12, 0.06, 0.08]))
    shape_m = shape_h if rng.random() < 0.8 else str(rng.choice(HAND_SHAPES))
    hand_colour = ink if rng.random() < 0.85 else _hand_colour(rng, face)
    second = None
    if rng.random() < 0.5:
        red = (int(rng.integers(170, 256)), int(rng.integers(0, 60)), int(rng.integers(0, 60)))
        colour = red if rng.random() < 0.65 else _hand_colour(rng, face)
        length, width = float(rng.uniform(0.75, 1.0)), float(rng.uniform(0.005, 0.012))
        tail, tail_width = float(rng.uniform(0.0, 0.3)), 1.0
        if rng.random() < 0.35:  # a paddle counterweight (office and station clocks)
            tail, tail_width = float(rng.uniform(0.15, 0.35)), float(rng.uniform(3.0, 7.0))
        second = HandStyle("baton", length, width, tail, colour, tail_width=tail_width)

    return ClockStyle(
        shape=shape,
        corner=float(rng.uniform(0.1, 0.5)),
        bezel=bezel,
        bezel_width=float(rng.uniform(0.03, 0.08) if bezel == "thin" else rng.uniform(0.08, 0.2)),
        bezel_colour=bezel_colour,
        face=str(rng.choice(FACES, p=[0.5, 0.2, 0.15, 0.15])),
        face_colour=face,
        face_colour2=_near(rng, face, 50),
        minute_ticks=str(rng.choice(MINUTE_TICKS, p=[0.5, 0.15, 0.35])),
        hour_ticks=hour_ticks,
        tick_colour=ink if rng.random() < 0.8 else _hand_colour(rng, face),
        tick_length=float(rng.uniform(0.04, 0.15)),
        tick_width=float(rng.uniform(0.01, 0.04)),
        numerals=numerals,
        numeral_radius=float(rng.uniform(0.58, 0.8)),
        numeral_size=float(rng.uniform(0.12, 0.3)),
        numeral_rotated=bool(rng.random() < 0.15),
        numeral_colour=ink if rng.random() < 0.8 else _hand_colour(rng, face),
        font=str(rng.choice(fonts)) if fonts else None,
        hour_hand=_hand(rng, hour_len, hour_w, hand_colour, shape_h, max_tail=0.7 * hour_len),
        minute_hand=_hand(rng, minute_len, minute_w, hand_colour, shape_m, max_tail=0.7 * hour_len),
        second_hand=second,
        hand_shadow=float(rng.uniform(0.01, 0.04)) if rng.random() < 0.3 else 0.0,
        cap=float(rng.uniform(0.02, 0.08)) if rng.random() < 0.7 else 0.0,
        cap_colour=hand_colour if rng.random() < 0.7 else _colour(rng),
        brand=str(rng.choice(_BRANDS)) if rng.random() < 0.35 else None,
        subdial=bool(rng.random() < 0.08),
        date_window=int(rng.integers(1, 32)) if rng.random() < 0.1 else None,
        glare=float(rng.uniform(0.1, 0.45)) if rng.random() < 0.3 else 0.0,
        glare_angle=float(rng.uniform(0, 360)),
        strap=_colour(rng, 0, 200) if rng.random() < 0.1 else None,
        strap_width=float(rng.uniform(0.45, 0.75)),
        wall_shadow=float(rng.uniform(0.2, 0.6)) if rng.random() < 0.3 else 0.0,
        # wall and station clocks have a case a few centimetres deep: seen off axis, its side is a crescent
        depth=float(rng.uniform(0.06, 0.4)) if rng.random() < 0.55 else 0.0,
        case_colour=_near(rng, bezel_colour, 25) if rng.random() < 0.75 else _colour(rng),
    )
