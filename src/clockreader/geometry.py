"""Plane geometry shared by the renderer and the reader: homographies between 4 point pairs, and the
dial's four quarter points (12, 3, 6 and 9 o'clock on the face's edge) that fix a dial's homography,
the overlap of boxes, and when a photo is near enough to square to be squished into a model's input.

NumPy only.
"""

from __future__ import annotations

import numpy as np

# The face's edge at 12, 3, 6 and 9 o'clock on a unit dial (x right, y down), in that order.
QUARTERS = np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])


def homography_from_points(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """3x3 homography mapping 4 ``src`` points onto 4 ``dst`` points (direct linear solve).

    Written out (eight equations) rather than pulling in OpenCV for ``getPerspectiveTransform``.
    Raises ``numpy.linalg.LinAlgError`` when three of the points are in a line.
    """
    a, b = [], []
    for (x, y), (u, v) in zip(np.asarray(src, float), np.asarray(dst, float)):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    h = np.linalg.solve(np.asarray(a, float), np.asarray(b, float))
    return np.append(h, 1.0).reshape(3, 3)


def apply_homography(h: np.ndarray, pts) -> np.ndarray:
    """(N, 2) points mapped through the 3x3 homography ``h``."""
    pts = np.atleast_2d(np.asarray(pts, float))
    p = np.c_[pts, np.ones(len(pts))] @ np.asarray(h, float).T
    return p[:, :2] / p[:, 2:3]


def dial_points(h: np.ndarray, center: tuple[float, float], radius: float) -> np.ndarray:
    """(4, 2) the quarter points of a dial of ``radius`` around ``center`` in canvas pixels, mapped by ``h``."""
    return apply_homography(h, np.asarray(center, float) + radius * QUARTERS)


def box_iou(a: np.ndarray, b: np.ndarray, of_smaller: bool = False) -> np.ndarray:
    """(N, M) intersection over union of two box arrays (x0, y0, x1, y1); with ``of_smaller``, over the
    smaller box's area instead (1 when one box holds the other)."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    if of_smaller:
        return inter / (np.minimum(area(a)[:, None], area(b)[None, :]) + 1e-9)
    return inter / (area(a)[:, None] + area(b)[None, :] - inter + 1e-9)


# a photo whose long side is at most this times its short side is squished whole into the locator: 4:3 and
# 3:4 photos are (windows found 1% more of their clocks and read none more, for 3x the locator's time);
# 3:2 and wider frames are not (measured: docs/history.md, "Clocks in wide and tall frames")
NEAR_SQUARE = 1.4


def near_square(width: float, height: float) -> bool:
    """Whether a ``width`` x ``height`` photo can be squished into the locator's square input without
    squashing a round clock out of the shapes it learnt (a tilted dial is an ellipse too, but not a 2.39:1 one)."""
    return max(width, height) <= NEAR_SQUARE * min(width, height)


def context_box(box, width: int, height: int, margin: float = 0.2) -> tuple[int, int, int, int]:
    """The crop of It's About Time's protocol (``crop_with_context``): ``box`` (x0, y0, x1, y1) grown by
    ``margin`` of its longer side on each side, made square about its centre, clipped to the image.

    >>> context_box((40, 40, 60, 80), 200, 200)
    (22, 32, 78, 88)
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    half = max(x1 - x0, y1 - y0) * (0.5 + margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (int(max(0, round(cx - half))), int(max(0, round(cy - half))),
            int(min(width, round(cx + half))), int(min(height, round(cy + half))))
