"""The synthetic clock renderer: ``style`` (what a clock looks like), ``draw`` (pixels, no randomness),
``scene`` (camera, background, effects) and ``sheet`` (contact sheets for people to look at)."""

from .scene import Camera, RenderedClock, render_clock, sample_camera
from .style import ClockStyle, HandStyle, sample_style

__all__ = ["Camera", "ClockStyle", "HandStyle", "RenderedClock", "render_clock", "sample_camera", "sample_style"]
