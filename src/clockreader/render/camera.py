"""The camera that sees a clock: a pinhole looking at the dial plane, and the homography it gives.

The dial plane is tilted by up to about 60 degrees, so a round dial becomes an ellipse with true
perspective; a tilt below 90 degrees can never mirror the dial, so the label stays true. No randomness
here: :func:`clockreader.render.sample.sample_camera` draws cameras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geometry import homography_from_points
from .draw import OUTER


@dataclass
class Camera:
    """Where the dial sits in the frame and how it is seen. Angles in degrees, sizes in output pixels."""

    radius: float          # dial outer radius in output pixels (before perspective)
    cx: float              # dial centre in the output image
    cy: float
    pitch: float = 0.0     # tilt about the horizontal axis
    yaw: float = 0.0       # tilt about the vertical axis
    roll: float = 0.0      # in-plane rotation, clockwise
    distance: float = 4.0  # camera distance in dial radii (smaller: stronger perspective)
    aspect: float = 1.0    # horizontal / vertical scale (a squished photo)


def _rotation(pitch: float, yaw: float, roll: float) -> np.ndarray:
    p, y, r = (math.radians(v) for v in (pitch, yaw, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def project(cam: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pinhole projection of (N, 3) points in the clock's frame (outer radii; x right, y down on the dial,
    z behind it) -> (N, 2) output pixels and (N,) depths from the camera."""
    p = points @ _rotation(cam.pitch, cam.yaw, cam.roll).T + np.array([0, 0, cam.distance])
    proj = cam.distance * p[:, :2] / p[:, 2:3]
    return np.c_[cam.cx + cam.radius * cam.aspect * proj[:, 0], cam.cy + cam.radius * proj[:, 1]], p[:, 2]


def camera_homography(cam: Camera, canvas_px: int) -> np.ndarray:
    """Homography from dial-canvas pixels to output pixels for a pinhole camera."""
    c = canvas_px / 2.0
    ro = OUTER * canvas_px
    src = np.array([[0, 0], [canvas_px, 0], [canvas_px, canvas_px], [0, canvas_px]], float)
    dst, _ = project(cam, np.c_[(src - c) / ro, np.zeros(4)])
    return homography_from_points(src, dst)
