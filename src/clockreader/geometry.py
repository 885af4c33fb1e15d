"""Plane geometry shared by the renderer and the reader: homographies between 4 point pairs, and the
dial's four quarter points (12, 3, 6 and 9 o'clock on the face's edge) that fix a dial's homography.

NumPy only: the reader uses it to rectify a tilted or turned dial without torch or OpenCV.
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
