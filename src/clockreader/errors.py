"""Error hierarchy: every error the tool raises on purpose subclasses ClockReaderError.

They also subclass the matching built-in so callers can catch ``ValueError`` / ``FileNotFoundError``.
Messages are one line and say what to do next.
"""


class ClockReaderError(Exception):
    """Base of every error clockreader raises on purpose."""


class InvalidTimeError(ClockReaderError, ValueError):
    """A clock time or label that cannot be parsed or is out of range."""


class InvalidImageError(ClockReaderError, ValueError):
    """An image that cannot be decoded, is empty, too small or too large."""


class ImageTooLargeError(InvalidImageError):
    """An image over the pixel limit (decompression-bomb guard)."""


class DatasetError(ClockReaderError, ValueError):
    """A dataset folder or label file that cannot be read."""


class ModelError(ClockReaderError, ValueError):
    """A model file or spec that is missing, corrupt or inconsistent."""


class MissingExtraError(ClockReaderError, ImportError):
    """An optional dependency group is not installed."""

    def __init__(self, extra: str, what: str):
        super().__init__(f'{what} needs the "{extra}" extra: from the checkout, pip install -e ".[{extra}]"')


class InvalidVideoError(ClockReaderError, ValueError):
    """A video that cannot be opened, holds no video stream, or is truncated or damaged."""
