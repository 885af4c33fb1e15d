import numpy as np
import pytest
from PIL import Image

from clockreader.render import Camera, render_clock, sample_camera, sample_style
from clockreader.render.dataset import preview_sheet
from clockreader.time import ClockTime

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _hands_only(seed, time, camera=None, size=256):
    style = sample_style(np.random.default_rng(seed)).with_hands_only(RED, BLUE)
    style.hour_hand.width = style.minute_hand.width = 0.04
    cam = camera or Camera(radius=size * 0.45, cx=size / 2, cy=size / 2)
    return render_clock(seed, size=size, time=time, style=style, camera=cam, effects=False, background=(255, 255, 255))


def _colour_at(img: Image.Image, xy) -> np.ndarray:
    x, y = int(round(xy[0])), int(round(xy[1]))
    return np.asarray(img)[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).astype(int)


def _is(px: np.ndarray, colour) -> bool:
    return bool((np.abs(px - np.array(colour)).sum(1) < 90).any())


def _along(s, tip, frac):
    c = np.array(s.center)
    return c + (np.array(tip) - c) * frac


def test_same_seed_same_pixels_and_truth():
    a, b = render_clock(seed=123, size=128), render_clock(seed=123, size=128)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert a.time == b.time and a.box == b.box
    c = render_clock(seed=124, size=128)
    assert not np.array_equal(np.asarray(a.image), np.asarray(c.image))


@pytest.mark.parametrize("hm", [(3, 0), (9, 45), (12, 10), (6, 10), (1, 58)])
def test_frontal_hands_point_where_the_label_says(hm):
    t = ClockTime(*hm)
    s = _hands_only(7, t)
    img = s.image
    # pixels along the labelled directions carry the hand colours
    assert _is(_colour_at(img, _along(s, s.tips["hour"], 0.6)), RED)
    assert _is(_colour_at(img, _along(s, s.tips["minute"], 0.9)), BLUE)
    # and the labelled directions are the clock angles (clockwise from 12, y down)
    cx, cy = s.center
    for name, angle in (("hour", t.hour_angle), ("minute", t.minute_angle)):
        x, y = s.tips[name]
        got = np.degrees(np.arctan2(x - cx, -(y - cy))) % 360
        assert min(abs(got - angle), 360 - abs(got - angle)) < 0.5
    # nothing red on the opposite side of the hour hand (the clock is not mirrored or flipped)
    opposite = np.array(s.center) * 2 - np.array(_along(s, s.tips["hour"], 0.6))
    assert not _is(_colour_at(img, opposite), RED) or abs(t.hour_angle - t.minute_angle) % 180 < 10


def test_three_oclock_is_clockwise():
    s = _hands_only(1, ClockTime(3, 0))
    assert s.tips["hour"][0] > s.center[0] + 20          # hour hand to the right
    assert s.tips["minute"][1] < s.center[1] - 20        # minute hand up


@pytest.mark.parametrize("seed", range(6))
def test_tilted_truth_follows_the_pixels(seed):
    rng = np.random.default_rng(seed)
    cam = sample_camera(rng, 256)
    cam.pitch, cam.yaw = 35.0, -25.0
    cam.radius, cam.cx, cam.cy = 100, 128, 128
    t = ClockTime.from_index720(int(rng.integers(720)))
    gap = abs(t.hour_angle - t.minute_angle) % 360
    if min(gap, 360 - gap) < 30:  # keep the hands apart so neither hides the other
        t = ClockTime.from_index720(t.index720 + 25)
    s = _hands_only(seed, t, camera=cam)
    assert _is(_colour_at(s.image, _along(s, s.tips["minute"], 0.85)), BLUE)
    assert _is(_colour_at(s.image, _along(s, s.tips["hour"], 0.6)), RED)
    x0, y0, x1, y1 = s.box
    assert x0 < s.center[0] < x1 and y0 < s.center[1] < y1


@pytest.mark.parametrize("seed", range(30))
def test_camera_never_mirrors(seed):
    s = render_clock(seed, size=96)
    h = s.homography
    c = np.array([*np.linalg.solve(h, [*s.center, 1.0])])  # centre in canvas space (up to scale)
    x, y = c[0] / c[2], c[1] / c[2]
    eps = 1.0

    def f(px, py):
        p = h @ [px, py, 1.0]
        return p[:2] / p[2]

    jac = np.c_[(f(x + eps, y) - f(x, y)) / eps, (f(x, y + eps) - f(x, y)) / eps]
    assert np.linalg.det(jac) > 0


def test_sizes_and_validation():
    assert render_clock(seed=5, size=64).image.size == (64, 64)
    with pytest.raises(ValueError, match="'size' parameter of render_clock must be an int in \\[32, 4096\\]. Got 10"):
        render_clock(seed=0, size=10)


def test_styles_vary():
    styles = [sample_style(np.random.default_rng(i)) for i in range(300)]
    assert {s.shape for s in styles} >= {"round", "square", "rounded", "octagon"}
    assert {s.numerals for s in styles} >= {"arabic", "roman", "roman4", "quarters", "none"}
    assert {s.hour_hand.shape for s in styles} >= {"baton", "tapered", "spade", "arrow", "leaf", "dauphine", "breguet", "skeleton"}
    assert any(s.second_hand for s in styles) and any(s.second_hand is None for s in styles)
    assert all(s.hour_hand.length < s.minute_hand.length for s in styles)


def test_preview_sheet_has_captions(tmp_path):
    sheet = preview_sheet(count=8, seed=0, size=64, columns=4)
    assert sheet.size[0] == 4 * 64 and sheet.size[1] > 2 * 64


def test_reader_framing_and_readable_rotations():
    from clockreader.render.style import orientable

    samples = [render_clock(np.random.default_rng([3, i]), size=64, full_rotation=True) for i in range(300)]
    # the reader's input: the dial spans at least ~40% of the frame (smaller clocks are the locator's)
    assert min(s.camera.radius for s in samples) >= 0.42 * 32 - 1e-6
    # turned far round only when the dial shows which way is up (numerals or a brand name)
    far = [s for s in samples if abs(s.camera.roll) > 20]
    assert len(far) > 100 and all(orientable(s.style) for s in far)
    assert any(not orientable(s.style) for s in samples)


def test_turned_sets_the_share_of_turned_dials():
    """`turned` (train --turned) is the share of dials turned round; the default stays 10%, and a share
    outside [0, 1] is refused with the parameter's name."""
    def share(turned):
        rolls = [render_clock(np.random.default_rng([4, i]), size=48, turned=turned, effects=False).camera.roll
                 for i in range(200)]
        return np.mean([abs(r) > 20 for r in rolls])

    assert share(0.0) == 0.0
    assert 0.02 < share(0.1) < 0.15
    assert share(0.6) > 0.3
    with pytest.raises(ValueError, match="'turned' parameter of render_clock"):
        render_clock(0, size=48, turned=1.5)


def test_steep_sets_the_share_of_steeply_tilted_dials():
    """`steep` (train --steep) is the share of dials seen 40-60 degrees off axis; the default stays 15%
    (the test split is drawn with it), and a share outside [0, 1] is refused with the parameter's name."""
    def share(steep):
        cams = [render_clock(np.random.default_rng([5, i]), size=48, steep=steep, effects=False).camera for i in range(200)]
        tilts = np.hypot([c.pitch for c in cams], [c.yaw for c in cams])
        assert tilts.max() <= 60.001
        return np.mean(tilts >= 40)

    assert share(0.0) == 0.0
    assert 0.08 < share(0.15) < 0.23
    assert 0.5 < share(0.6) < 0.7
    assert share(1.0) == 1.0
    with pytest.raises(ValueError, match="'steep' parameter of render_clock"):
        render_clock(0, size=48, steep=-0.1)


def test_counterweights_and_hand_widths_vary_but_stay_readable():
    styles = [sample_style(np.random.default_rng(i)) for i in range(400)]
    minute = [s.minute_hand for s in styles]
    # long counterweights and paddle-shaped ones both occur, and hour hands thinner than minute hands
    assert sum(h.tail > 0.3 for h in minute) > 20
    assert sum(h.tail_width > 1 for h in minute) > 40
    assert 20 < sum(s.hour_hand.width < s.minute_hand.width for s in styles) < 120
    # a tail never outgrows the hour hand: it must not pass for a second hour hand
    assert all(s.minute_hand.tail <= 0.7 * s.hour_hand.length + 1e-9 for s in styles)
    assert all(s.hour_hand.tail <= 0.7 * s.hour_hand.length + 1e-9 for s in styles)


def test_paddle_counterweight_is_drawn_behind_the_centre():
    """A paddle tail (tail_width > 1) is wider than the shaft, behind the centre, opposite the tip."""
    def minute_pixels_behind(tail_width):
        style = sample_style(np.random.default_rng(1)).with_hands_only(RED, BLUE)
        style.hour_hand.width, style.minute_hand.width = 0.03, 0.02
        style.minute_hand.tail, style.minute_hand.tail_width = 0.4, tail_width
        style.hour_hand.tail = 0.0
        s = render_clock(1, size=256, time=ClockTime(3, 0), style=style, effects=False, background=(255, 255, 255),
                         camera=Camera(radius=256 * 0.45, cx=128, cy=128))
        # at 3:00 the minute hand points up; its tail lies below the centre, 75% of the way out
        c = np.array(s.center)
        tail_end = c - (np.array(s.tips["minute"]) - c) / np.linalg.norm(np.array(s.tips["minute"]) - c) * 0.34 * 0.45 * 256
        x, y = int(round(tail_end[0])), int(round(tail_end[1]))
        row = np.asarray(s.image)[y, x - 15:x + 16].astype(int)
        return int((np.abs(row - np.array(BLUE)).sum(1) < 90).sum())

    plain, paddle = minute_pixels_behind(1.0), minute_pixels_behind(2.5)
    assert plain >= 1 and paddle >= 2 * plain


def test_second_hands_can_carry_a_counterweight():
    seconds = [s.second_hand for s in (sample_style(np.random.default_rng(i)) for i in range(400)) if s.second_hand]
    paddles = [h for h in seconds if h.tail_width > 1]
    assert 30 < len(paddles) < len(seconds) / 2
    assert all(0.15 <= h.tail <= 0.35 and h.tail_width * h.width >= 0.015 for h in paddles)


@pytest.mark.parametrize("shape", ["round", "rounded", "octagon", "square"])
def test_case_side_shows_only_when_the_dial_is_tilted(shape):
    """A deep case adds a shaded side wall outside the dial's outline when seen off axis, none head-on,
    and leaves the truth (box, centre, tips) untouched."""
    def render(depth, pitch):
        style = sample_style(np.random.default_rng(3))
        style.shape, style.depth, style.case_colour, style.wall_shadow = shape, depth, (200, 30, 30), 0.0
        cam = Camera(radius=70, cx=128, cy=128, pitch=pitch, yaw=0.0)
        return render_clock(3, size=256, time=ClockTime(4, 20), style=style, camera=cam, effects=False,
                            background=(255, 255, 255))

    for pitch in (0.0, 40.0):
        flat, deep = render(0.0, pitch), render(0.3, pitch)
        assert deep.box == flat.box and deep.center == flat.center
        assert all(np.allclose(deep.tips[k], flat.tips[k]) for k in ("hour", "minute"))
        changed = np.abs(np.asarray(deep.image, int) - np.asarray(flat.image, int)).sum(2) > 30
        ys, xs = np.nonzero(changed)
        x0, y0, x1, y1 = flat.box
        beyond = (ys < y0 - 2) | (ys > y1 + 2) | (xs < x0 - 2) | (xs > x1 + 2)
        if pitch == 0.0:
            assert beyond.sum() == 0  # head-on, the face hides its own case (but for its blended edge)
        else:
            # seen from below or above, a crescent of case wall (its colour, shaded) lies beyond the face
            assert changed.sum() > 1000 and beyond.sum() > 150
            px = np.asarray(deep.image, int)[ys[beyond], xs[beyond]]
            assert (px[:, 0] > 2 * px[:, 1]).mean() > 0.9  # the red case, darkened by shading


def test_night_lit_dial_keeps_its_light_in_a_dark_scene():
    """A night-lit clock: the scene round the dial falls dark while the dial stays as bright as it was."""
    from clockreader.render.sample import sample_night

    r = render_clock(5, size=192, effects=False, background=(150, 150, 150),
                     camera=Camera(radius=60, cx=96, cy=96))
    lit = np.asarray(sample_night(np.random.default_rng(0)).apply(r.image, r.outline, r.camera.radius), float)
    before = np.asarray(r.image, float)
    x0, y0, x1, y1 = (int(v) for v in r.box)
    corner, inner = (slice(0, 12), slice(0, 12)), (slice(80, 112), slice(80, 112))
    assert lit[corner].mean() < 0.4 * before[corner].mean()  # the wall is in the dark
    assert lit[inner].mean() > 0.85 * before[inner].mean()  # the face is not
    assert lit[y0:y1, x0:x1].mean() > 2 * lit[corner].mean()


def test_film_stock_is_one_toned_channel_with_coarse_grain():
    """Film stock: a colour photo becomes one toned channel (grey, sepia or cool) plus neutral grain that
    is coarser than a pixel (neighbouring pixels' noise agrees more than independent noise would)."""
    from clockreader.render.effects import TONES
    from clockreader.render.sample import sample_film_stock

    flat = np.zeros((192, 192, 3), np.float32) + np.array([200, 60, 90], np.float32)  # a pink wall
    for seed in range(6):
        out = sample_film_stock(np.random.default_rng(seed)).apply(flat.copy())
        spread = out - out[..., :1]  # the grain is the same in every channel, so this is the tone alone
        assert spread.std((0, 1)).max() < 0.01
        lum = float(flat[0, 0] @ np.array([0.299, 0.587, 0.114]))
        assert any(np.allclose(spread[0, 0], lum * (tone - tone[0]), atol=0.5) for tone in TONES)
        g = out[..., 0] - out[..., 0].mean()
        assert g.std() > 3  # grain is there
        corr = (g[:, 1:] * g[:, :-1]).mean() / (g * g).mean()
        assert corr > 0.3  # and spans more than one pixel (iid noise: ~0)


def test_sample_is_the_only_randomness():
    """`sample` draws every random choice; drawing params is deterministic: the same params give the same
    pixels, the params of a seed draw exactly `render_clock(seed)`, and a changed param changes only its part."""
    from dataclasses import replace

    from clockreader.render import draw_clock_photo
    from clockreader.render.sample import sample

    def px(r):
        return np.asarray(r.image)

    for seed in range(6):
        p = sample(np.random.default_rng(seed), 64)
        a, b = draw_clock_photo(p), draw_clock_photo(p)
        assert np.array_equal(px(a), px(b))
        ref = render_clock(seed, size=64)
        assert np.array_equal(px(a), px(ref)) and a.truth() == ref.truth() and ref.params == p
        # no occluder, night or effects: exactly the render without effects (whose other draws are the same)
        plain = draw_clock_photo(replace(p, occluder=None, night=None, effects=()))
        assert np.array_equal(px(plain), px(render_clock(seed, size=64, effects=False)))
        assert plain.truth() == a.truth()
        # another time moves the hands only; another roll turns the dial about the same centre
        later = draw_clock_photo(replace(p, time=ClockTime.from_minutes((p.time.index720 + 200) % 720)))
        assert later.box == a.box and later.center == a.center and not np.allclose(later.tips["minute"], a.tips["minute"])
        turned = draw_clock_photo(replace(p, camera=replace(p.camera, roll=p.camera.roll + 90)))
        assert np.allclose(turned.center, a.center) and not np.allclose(turned.twelve, a.twelve)


def test_every_background_and_effect_draws_the_same_pixels_from_its_record():
    """Each kind of background and effect record is drawn from its numbers alone (noise from its own seed)."""
    from clockreader.render.backgrounds import draw_background
    from clockreader.render.effects import apply_effects
    from clockreader.render.sample import sample_background, sample_effects

    kinds, fx = set(), set()
    for i in range(150):
        bg = sample_background(np.random.default_rng([8, i]), 48)
        effects = sample_effects(np.random.default_rng([9, i]))
        kinds.add(type(bg).__name__)
        kinds.add(type(getattr(bg, "overlay", None)).__name__)
        fx.update(type(e).__name__ for e in effects)
        im = draw_background(bg, 48)
        assert im.size == (48, 48) and np.array_equal(np.asarray(im), np.asarray(draw_background(bg, 48)))
        once, twice = apply_effects(im, effects), apply_effects(im.copy(), effects)
        assert np.array_equal(np.asarray(once), np.asarray(twice))
    assert kinds >= {"Plain", "Photo", "Gradient", "ValueNoise", "Wall", "Sky", "Clutter"}
    assert fx == {"Blur", "MotionBlur", "LowResolution", "ColourCast", "BrightnessContrast", "LightGradient", "Vignette",
                  "FilmGrade", "FilmStock", "LowLight", "SensorNoise", "Greyscale", "Jpeg"}


PINNED = {0: "b87f8826a86028e2", 1: "4c516b90c12925d3", 2: "a1d88e62546a4c3a"}  # sha256 of render_clock(seed, 128) pixels (re-pinned when sample.py took all randomness)


def test_renders_are_the_same_pixels_in_every_install():
    """Fonts and background photos ship inside the package: a core install (no matplotlib, no scikit-image)
    draws exactly what a [train] install draws, and what was drawn when these digests were pinned."""
    import hashlib
    import subprocess
    import sys

    code = ("import sys, hashlib\nsys.modules['matplotlib'] = None\nsys.modules['skimage'] = None\n"
            "from clockreader import render_clock\n"
            "print(*(hashlib.sha256(render_clock(seed=k, size=128).image.tobytes()).hexdigest()[:16] for k in range(3)))")
    without = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert without.returncode == 0, without.stderr[-500:]
    here = [hashlib.sha256(render_clock(seed=k, size=128).image.tobytes()).hexdigest()[:16] for k in range(3)]
    assert without.stdout.split() == here == [PINNED[k] for k in range(3)]

