"""Dial points: the renderer's quarter points (the ``--dial`` head's targets) and the homography they give."""

import numpy as np

from clockreader.geometry import QUARTERS, apply_homography, homography_from_points
from clockreader.render import Camera, render_clock, sample_style
from clockreader.time import ClockTime


def _render(pitch=0.0, yaw=0.0, roll=0.0, size=256):
    style = sample_style(np.random.default_rng(5))
    style.depth, style.wall_shadow = 0.0, 0.0
    cam = Camera(radius=80, cx=size / 2, cy=size / 2, pitch=pitch, yaw=yaw, roll=roll)
    return render_clock(5, size=size, time=ClockTime(2, 40), style=style, camera=cam, effects=False,
                        background=(40, 90, 40))


def _model_points(s):
    return np.asarray(s.dial) / np.asarray(s.image.size) * 2 - 1


def test_dial_points_are_the_truth_the_renderer_draws():
    s = _render(pitch=35.0, yaw=-20.0, roll=70.0)
    assert np.allclose(s.dial[0], s.twelve)  # the first quarter point is the face's edge at 12
    assert s.truth()["dial"][0] == [round(float(v), 2) for v in s.twelve]
    # the four points and the centre lie on one plane: the homography through the quarters maps 0 to the centre
    h = homography_from_points(QUARTERS, s.dial)
    assert np.allclose(apply_homography(h, [[0.0, 0.0]])[0], s.center, atol=1e-6)
    up = np.asarray(s.dial[0]) - np.asarray(s.center)
    assert 60 < np.degrees(np.arctan2(up[0], -up[1])) < 80  # turned 70 degrees clockwise, seen off axis
    d12, d39 = np.linalg.norm(s.dial[0] - s.dial[2]), np.linalg.norm(s.dial[1] - s.dial[3])
    assert min(d12, d39) / max(d12, d39) < 0.9  # tilted: the dial's diameters differ
    head_on = _render()
    offsets = np.asarray(head_on.dial) - np.asarray(head_on.center)  # head-on and upright: a square, 12 on top
    radius = np.linalg.norm(offsets, axis=1).mean()
    assert np.allclose(offsets, radius * QUARTERS, atol=1e-6 * radius + 1e-6)
