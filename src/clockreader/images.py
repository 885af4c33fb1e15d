"""Load any image input (path, bytes, file object, PIL image, NumPy array) as an RGB PIL image.

Applies EXIF orientation (phone photos), takes the first frame of animations, converts every Pillow mode
(1, L, LA, P, RGB, RGBA, CMYK, I;16, F) to RGB, guards against decompression bombs, and uses Pillow's
JPEG draft mode so a 12 MP photo decodes at a reduced scale when the model needs far fewer pixels.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageTooLargeError, InvalidImageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".pgm", ".ppm", ".pbm", ".bmp", ".gif", ".tif", ".tiff")
MAX_PIXELS = 100_000_000  # 100 MP: larger images are refused as possible decompression bombs
MIN_SIDE = 8
MAX_ASPECT = 20           # a longer side more than this times the shorter is refused (a 10000x10 strip is no photo)
ORIGINAL_SIZE = "clockreader_original_size"  # ``im.info`` key: the size before a JPEG draft decode reduced it

ImageInput = Union[str, Path, bytes, bytearray, io.IOBase, Image.Image, np.ndarray]


def describe(source) -> str:
    """A short name for an input, used at the start of error messages."""
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    return f"<{type(source).__name__}>"


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(arr)
        return Image.fromarray(arr.astype(np.uint8), "L").convert("RGB")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")


def load_image(source: ImageInput, draft_size: int | None = None) -> Image.Image:
    """Return ``source`` as an RGB image; raise :class:`InvalidImageError` with a one-line reason.

    ``draft_size`` lets JPEG decoding skip resolution that is not needed (the result is at least
    ``draft_size`` pixels on its shorter side when the original was).
    """
    name = describe(source)
    original = None
    if isinstance(source, Image.Image):
        im = source
    elif isinstance(source, np.ndarray):
        arr = source
        if arr.dtype != np.uint8:
            if np.issubdtype(arr.dtype, np.floating) and arr.size and arr.max() <= 1.0:
                arr = arr * 255
            arr = np.clip(arr, 0, 255).astype(np.uint8)
        if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4)):
            im = Image.fromarray(arr[..., 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr)
        else:
            raise InvalidImageError(f"{name}: an image array must be (H, W), (H, W, 3) or (H, W, 4); got shape {arr.shape}")
    else:
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.exists():
                raise InvalidImageError(f"{name}: file not found")
            if path.is_dir():
                raise InvalidImageError(f"{name}: is a folder, not an image")
            if path.stat().st_size == 0:
                raise InvalidImageError(f"{name}: empty file (0 bytes)")
            fp = path
        elif isinstance(source, (bytes, bytearray)):
            if not source:
                raise InvalidImageError(f"{name}: empty input (0 bytes)")
            fp = io.BytesIO(bytes(source))
        elif hasattr(source, "read"):
            fp = source
        else:
            raise InvalidImageError(f"{name}: expected a path, bytes, a file object, a PIL image or an array; got {type(source).__name__}")
        try:
            im = Image.open(fp)
            if im.width * im.height > MAX_PIXELS:
                raise ImageTooLargeError(
                    f"{name}: image is too large ({im.width}x{im.height} px; the limit is {MAX_PIXELS // 1_000_000} MP)"
                )
            _check_aspect(name, im.width, im.height)
            original = im.size
            if draft_size and im.format == "JPEG":
                im.draft("RGB", (draft_size, draft_size))
            im.seek(0)
            im.load()
            if im.size == original:
                original = None
        except InvalidImageError:
            raise
        except Image.DecompressionBombError:
            raise ImageTooLargeError(f"{name}: image is too large (decompression-bomb guard, limit {MAX_PIXELS // 1_000_000} MP)") from None
        except UnidentifiedImageError:
            raise InvalidImageError(f"{name}: not an image file, or a format Pillow cannot read") from None
        except MemoryError:
            raise ImageTooLargeError(f"{name}: not enough memory to decode this image") from None
        except Exception as e:  # noqa: BLE001 - Pillow's plugins raise anything (NotImplementedError, TypeError, struct.error ...)
            why = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
            raise InvalidImageError(f"{name}: cannot decode image ({why})") from None
    before = im.size
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 - a broken EXIF block should not make a readable image fail
        pass
    if original is not None and im.size != before:   # turned a quarter by its EXIF orientation
        original = original[::-1]
    if min(im.size) < MIN_SIDE:
        raise InvalidImageError(f"{name}: image is too small ({im.width}x{im.height} px; at least {MIN_SIDE} px a side)")
    _check_aspect(name, im.width, im.height)
    if im.width * im.height > MAX_PIXELS:
        raise ImageTooLargeError(f"{name}: image is too large ({im.width}x{im.height} px; the limit is {MAX_PIXELS // 1_000_000} MP)")
    try:
        out = _to_rgb(im)
    except Exception as e:  # noqa: BLE001 - as above: any failure of a plugin is this input's error
        raise InvalidImageError(f"{name}: cannot convert image to RGB ({str(e)[:160] or type(e).__name__})") from None
    if original is not None:
        out.info[ORIGINAL_SIZE] = tuple(original)
    return out


def _check_aspect(name: str, width: int, height: int) -> None:
    if min(width, height) > 0 and max(width, height) > MAX_ASPECT * min(width, height):
        raise InvalidImageError(f"{name}: extreme aspect ratio ({width}x{height} px; at most {MAX_ASPECT}:1)")


def draft_scale(image: Image.Image) -> tuple[float, float]:
    """(sx, sy) that map this image's pixels to the input's own: 1, 1 unless a JPEG draft decode reduced it."""
    ow, oh = image.info.get(ORIGINAL_SIZE, image.size)
    return ow / image.width, oh / image.height
