"""clockreader: read the time from photos of analog clocks.

The public API imports no torch: ``read_time`` and ``load_reader`` run on ONNX Runtime, NumPy and Pillow.

>>> from clockreader import ClockTime
>>> str(ClockTime.parse("3-25"))
'3:25'
"""

from .errors import ClockReaderError, DatasetError, InvalidImageError, InvalidTimeError, ModelError

__version__ = "0.1.0"

__all__ = [
    "ClockReaderError", "ClockTime", "DatasetError", "InvalidImageError", "InvalidTimeError", "ModelError",
    "Reading", "load_reader", "read_time", "render_clock", "__version__",
]


def __getattr__(name: str):
    # Lazy: keeps ``import clockreader`` (and ``--help``, ``--version``) instant and free of NumPy, Pillow and ONNX Runtime.
    if name == "ClockTime":
        from .time import ClockTime

        return ClockTime
    if name in ("read_time", "load_reader", "Reading"):
        from .runtime import reader

        return getattr(reader, name)
    if name == "render_clock":
        from .render import render_clock

        return render_clock
    raise AttributeError(f"module 'clockreader' has no attribute {name!r}")
