"""The synthetic clock renderer: ``style`` (what a clock looks like), ``sample`` (every random choice of a
photo, ``sample(rng, size) -> RenderParams``), ``draw`` (the dial's pixels), ``camera``, ``backgrounds``
and ``effects`` (drawn exactly from their params), ``scene`` (``draw_clock_photo(params)`` and
``render_clock(seed)``, the two in a row), ``scenes`` (the locator's multi-clock scenes) and ``sheet``
(contact sheets for people to look at)."""

from .camera import Camera
from .sample import RenderParams, sample_camera
from .scene import RenderedClock, draw_clock_photo, render_clock
from .style import ClockStyle, HandStyle, sample_style

__all__ = ["Camera", "ClockStyle", "HandStyle", "RenderParams", "RenderedClock", "draw_clock_photo", "render_clock",
           "sample_camera", "sample_style"]
