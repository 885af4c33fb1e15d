"""Rectify a tilted or turned dial with its predicted quarter points, so the reader sees it head-on and
upright (the homography step of "It's About Time", CVPR 2022, with keypoints in place of a spatial
transformer).

A reader with the ``+dial8`` layout predicts where the face's edge at 12, 3, 6 and 9 o'clock lies in its
input. Those four points fix the homography from a head-on, upright dial to the photo; warping the photo
back through it gives the dial as the reader knows it best. NumPy and Pillow only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..geometry import QUARTERS, homography_from_points

FACE = 0.4  # the face's radius in the rectified view, as a share of its side (a head-on dial fills ~85% of it)


def image_points(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Dial points from the model's input ([-1, 1], squish-resized) to pixels of the image of ``size``."""
    return (np.asarray(points, float) + 1.0) / 2.0 * np.asarray(size, float)


def rectify(image: Image.Image, points: np.ndarray, side: int | None = None) -> Image.Image | None:
    """The dial in ``image`` seen head-on and upright: a ``side`` x ``side`` view (default: the image's
    shorter side, at most 512) with the face's centre in the middle and its radius ``FACE * side``.

    ``points``: the quarter points in the model's input coordinates ([-1, 1] over a squish-resized image).
    Returns None when the points cannot be a dial (three in a line, or the quadrilateral folds over).
    """
    src = image_points(points, image.size)
    if not _convex_clockwise(src):
        return None
    side = int(side or min(512, min(image.size)))
    dst = side / 2.0 + FACE * side * QUARTERS
    try:
        h = homography_from_points(dst, src)  # rectified pixels -> image pixels, what Pillow asks for
    except np.linalg.LinAlgError:
        return None
    image = image.convert("RGB")
    fill = tuple(int(v) for v in np.asarray(image.resize((8, 8))).reshape(-1, 3).mean(0))
    return image.transform((side, side), Image.PERSPECTIVE, tuple((h / h[2, 2]).ravel()[:8]),
                           resample=Image.BICUBIC, fillcolor=fill)


def _convex_clockwise(p: np.ndarray) -> bool:
    """12, 3, 6, 9 must go round clockwise on the image (y down) and make a convex quadrilateral: a dial
    seen from its front can never be mirrored."""
    a = np.roll(p, -1, 0) - p              # edges 12->3, 3->6, 6->9, 9->12
    b = np.roll(a, -1, 0)                  # each edge's successor
    return bool((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0] > 1e-6).all())
