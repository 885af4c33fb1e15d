"""Read clocks with an ONNX model: :class:`ClockReader` (one read pipeline, :meth:`ClockReader.read_many`),
:func:`load_reader` and :func:`read_time`; a result is a :class:`~clockreader.runtime.reading.Reading`.

Nothing here imports torch. The model's spec (input size, resize, normalisation, output layout) is read
from the JSON beside the ONNX file (or its embedded metadata), and the file's SHA-256 is checked.

>>> from clockreader import render_clock, load_reader
>>> reader = load_reader()
>>> sample = render_clock(seed=3, size=160)
>>> reading = reader.read(sample.image)
>>> 1 <= reading.hour <= 12 and 0 <= reading.minute <= 59
True
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from pathlib import Path

import numpy as np

from ..decode import decode, hand_votes, split_outputs
from ..errors import ClockReaderError, ModelError
from ..images import ImageInput, describe, draft_scale, load_image
from ..preprocess import prepare
from ..time import ClockTime
from .reading import Reading, rows_for
from .session import bundled, open_model

log = logging.getLogger(__name__)

DEFAULT_MODEL = bundled("clockreader-default.onnx")


TTA_SHIFTS = ((0, 0), (3, 3), (-3, -3), (3, -3), (-3, 3))  # pixels at the model's input size


def tta_views(batch: np.ndarray, shifts=TTA_SHIFTS) -> np.ndarray:
    """(V, N, 3, S, S): the batch moved by a few pixels (edges repeated). Shifts keep the time shown,
    unlike flips (a mirrored clock shows another time) or rotations (the hands would turn with the dial)."""
    p = max(max(abs(dy), abs(dx)) for dy, dx in shifts)
    padded = np.pad(batch, ((0, 0), (0, 0), (p, p), (p, p)), mode="edge")
    h, w = batch.shape[2:]
    return np.stack([padded[:, :, p + dy:p + dy + h, p + dx:p + dx + w] for dy, dx in shifts])


def merge_views(logits: np.ndarray) -> np.ndarray:
    """(V, N, 780) logits of V views -> (N, 780): each head's mean log-probability over the views
    (a product of experts; :func:`clockreader.decode.decode` renormalises)."""
    lh = logits[..., :720] - np.logaddexp.reduce(logits[..., :720], axis=-1, keepdims=True)
    lm = logits[..., 720:] - np.logaddexp.reduce(logits[..., 720:], axis=-1, keepdims=True)
    return np.concatenate([lh, lm], axis=-1).mean(0)


def _fills_frame(box, image) -> bool:
    """``--locate auto`` reads the whole photo when its best clock covers at least half of it."""
    from .locator import fills_frame

    return fills_frame(box, image.width, image.height)


def auto_view(image, box):
    """What ``--locate auto`` reads for a clock at ``box``: the whole photo when the clock fills it, else
    the box with the locator's margin."""
    if _fills_frame(box, image):
        return image
    from .locator import crop_with_margin

    return crop_with_margin(image, box)


# images per model call: at 160 px, 8 keeps the peak memory of `read` at ~229 MB (16 took the arena to ~330 MB)
READ_BATCH = 8

class ClockReader:
    """An ONNX Runtime session plus the spec that says how to feed it and decode its output."""

    def __init__(self, model: str | Path | None = None, threads: int | None = None,
                 unsure_threshold: float | None = None, locator: str | Path | None = "default", tta: bool = False,
                 zoom: bool = True):
        path = Path(model) if model is not None else DEFAULT_MODEL
        if path.is_dir():
            path = path / "model.onnx"
        if not path.is_file():
            if model is None:
                raise ModelError(f"the bundled model is missing ({path}); reinstall clockreader or pass --model PATH")
            raise ModelError(f"{path}: model file not found")
        if path.suffix != ".onnx":
            raise ModelError(f"{path}: reading needs an .onnx model (train writes model.onnx beside model.safetensors)")
        self.path = path
        self.session, self.spec = open_model(path, threads)
        if self.spec.layout == "centernet":
            raise ModelError(f"{path}: a locator model, not a reader (give it as --locator)")
        self.input_name = self.session.get_inputs()[0].name
        self.threads, self.tta = threads, tta
        self._locator_source, self.zoom = locator, zoom
        self._locator = None
        self._locator_lock = threading.Lock()   # a server's threads build the locators once, not once each
        self.unsure_threshold = self.spec.unsure_threshold if unsure_threshold is None else unsure_threshold

    # -- low level --------------------------------------------------------------------------------
    def logits(self, batch: np.ndarray) -> np.ndarray:
        """(N, 3, S, S) float32 preprocessed images -> (N, 780) logits (with ``tta``: merged over views)."""
        return self._outputs(batch)[0]

    def _outputs(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(N, 780) reading logits and the (N, 4, 2) points of a model trained with ``--dial`` or ``--hands``
        (None without such a head); a ``+hands8`` model's points also vote in its logits (:meth:`_voted`)."""
        batch = np.ascontiguousarray(batch, np.float32)
        if not self.tta:
            return self._voted(*split_outputs(self._run(batch)))
        views = tta_views(batch)
        logits, dial = self._voted(*split_outputs(self._run(views.reshape(-1, *batch.shape[1:]))))
        merged = merge_views(logits.reshape(len(views), len(batch), -1))
        return merged, None if dial is None else dial[:len(batch)]  # the unshifted view's points

    def _voted(self, logits: np.ndarray, points: np.ndarray | None):
        """A ``+hands8`` model's bins decoded jointly with its points (``spec.points_weight``; see
        :func:`clockreader.decode.hand_votes`)."""
        if points is not None and self.spec.layout.endswith("+hands8") and self.spec.points_weight:
            logits = hand_votes(logits, points, self.spec.points_weight)
        return logits, points

    def image_logits(self, images: list) -> np.ndarray:
        """(N, 780) logits for loaded RGB images."""
        return self._outputs(np.stack([prepare(im, self.spec) for im in images]))[0]

    def _run(self, batch: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {self.input_name: batch})[0]
        if not np.isfinite(out).all():
            raise ModelError(f"{self.path}: the model gave non-finite outputs (NaN or infinity); its weights or spec "
                             f"(mean {self.spec.mean}, std {self.spec.std}) are broken")
        return out

    def prepare(self, image: ImageInput) -> np.ndarray:
        return prepare(self.load(image), self.spec)

    def readings_from_logits(self, logits: np.ndarray, boxes=None) -> list[Reading]:
        best, conf, alts = decode(logits, top_k=4)
        out = []
        for i in range(len(best)):
            t = ClockTime.from_index720(int(best[i]))
            alternatives = [(str(ClockTime.from_index720(int(a))), float(c)) for a, c in alts[i]]
            out.append(Reading(t.hour, t.minute, float(conf[i]), alternatives, bool(conf[i] < self.unsure_threshold),
                               None if boxes is None else boxes[i]))
        return out

    # -- public -----------------------------------------------------------------------------------
    def read(self, image: ImageInput) -> Reading:
        """Read one clock photo (path, bytes, file object, PIL image or HxWx3 array)."""
        return self.readings_from_logits(self.image_logits([self.load(image)]))[0]

    def load(self, image: ImageInput):
        """The image as RGB, decoded at no more than twice the model's input size where the format allows."""
        return load_image(image, draft_size=self.spec.input_size * 2)

    def read_batch(self, images, batch_size: int = READ_BATCH) -> list[Reading | ClockReaderError]:
        """Read many whole images with the model alone; an unreadable one yields its :class:`ClockReaderError`."""
        return [r if isinstance(r, ClockReaderError) else r[0] for r in self.read_many(images, "never", batch_size)]

    @property
    def locator(self):
        """The clock locator (the bundled one by default), loaded on first use; None when there is none."""
        with self._locator_lock:
            return self._load_locator()

    def _load_locator(self):
        if self._locator is None and self._locator_source is not None:
            from .locator import DEFAULT_LOCATOR, ClockLocator

            src = self._locator_source
            if src == "default":
                if not DEFAULT_LOCATOR.is_file():
                    self._locator_source = None
                    return None
                src = DEFAULT_LOCATOR
            self._locator = ClockLocator(src, self.threads, zoom=self.zoom)
        return self._locator

    def read_all(self, image: ImageInput, locate: str = "auto", first: bool = False) -> list[Reading]:
        """Every clock in a photo: find them with the locator, crop each with a margin, read each.

        ``locate``: ``never`` reads the whole image; ``always`` reads every clock found (the whole image,
        marked unsure, when none is found); ``auto`` crops only when the best clock covers less than half
        the image. Readings come surest first (:meth:`read_many`). Each reading's ``box`` is the
        clock's box in the input's own pixels (``first``: that reading alone, see :meth:`read_many`). Raises
        :class:`ClockReaderError` for an unreadable input.
        """
        res = next(self.read_many([image], locate=locate, first=first))
        if isinstance(res, ClockReaderError):
            raise res
        return res

    def read_many(self, sources, locate: str = "auto", batch_size: int = READ_BATCH, first: bool = False):
        """Yield, in order, every clock of each source (a list of :class:`Reading`, as :meth:`read_all`), or
        the :class:`ClockReaderError` of one that cannot be read. The crops of several photos share a model
        call of up to ``batch_size`` images, so the locators' per-photo work and the reader's batched work
        both run whatever ``locate`` is. A source that is a :class:`ClockReaderError` is yielded as it is.
        A photo's clocks come surest first (the whole photo under ``auto`` in front when it is surer still), so
        its first reading is the clock read most surely. ``first``: each list holds that first reading alone."""
        if locate not in ("auto", "always", "never"):
            raise ValueError(f"The 'locate' parameter must be auto, always or never. Got {locate!r} instead.")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"The 'batch_size' parameter must be an int >= 1. Got {batch_size!r} instead.")
        plans: dict[int, object] = {}     # index -> (boxes, found) or the error, until emitted
        views: list[tuple[int, object]] = []
        logits: dict[int, list] = {}
        done, emitted = 0, 0

        def run():
            if views:
                out = self.image_logits([v for _, v in views])
                for (i, _), row in zip(views, out):
                    logits.setdefault(i, []).append(row)
                views.clear()

        def ready(upto: int):
            nonlocal emitted
            while emitted < upto:
                plan = plans.pop(emitted)
                if isinstance(plan, ClockReaderError):
                    yield plan
                else:
                    boxes, found, whole = plan
                    out = np.stack(logits.pop(emitted))
                    readings = self.readings_from_logits(out[:-1] if whole else out, boxes=boxes)
                    if not found:   # the locators see no clock: the whole photo read, but not vouched for
                        readings[0].clock_found = not readings[0].unsure  # a sure reading is a clock they missed
                        readings[0].unsure = True
                    readings.sort(key=lambda r: -r.confidence)   # the surest clock first (stable: ties keep the locators' order)
                    if whole:       # auto: the whole photo was read too; a crop must not lose a surer reading
                        photo = self.readings_from_logits(out[-1:])[0]
                        if photo.confidence > readings[0].confidence:
                            readings = [photo, *readings]
                    yield readings[:1] if first else readings
                emitted += 1

        for i, src in enumerate(sources):
            try:
                if isinstance(src, ClockReaderError):   # an input already known to be bad keeps its place
                    raise src
                crops, boxes, found, whole = self._plan(src, locate)
                plans[i] = (boxes, found, whole)
                views.extend((i, c) for c in crops)
            except ClockReaderError as e:
                plans[i] = e
            done = i + 1
            if len(views) >= batch_size:
                run()
                yield from ready(done)
        run()
        yield from ready(done)

    def _plan(self, image: ImageInput, locate: str):
        """(views to read, their boxes in the input's pixels, whether a clock was found, whether the last view is
        the whole photo, read beside the crops under ``auto``) for one photo."""
        im = load_image(image, draft_size=1024 if locate != "never" else self.spec.input_size * 2)
        if locate == "never" or self.locator is None:
            return [im], None, True, False
        dets = self.locator.locate(im)
        if not dets:
            return [im], None, False, False
        boxes = [d.box for d in dets]      # in the input's own pixels, also when a JPEG was decoded in draft
        sx, sy = draft_scale(im)
        here = [np.divide(b, [sx, sy, sx, sy]) for b in boxes]   # ... and in the decoded image's
        if locate == "auto" and _fills_frame(here[0], im):
            return [im], boxes[:1], True, False
        from .locator import crop_with_margin

        crops = [crop_with_margin(im, b) for b in here]
        if locate == "auto":   # and the whole photo, read as a last view: the crop may cut the dial or be a part of it
            return crops + [im], boxes, True, True
        return crops, boxes, True, False

    def read_rows(self, source: ImageInput, locate: str = "auto", all_clocks: bool = False) -> list[dict]:
        """The JSON/CSV rows of one input (see :func:`rows_for`), never raising for a bad one."""
        return rows_for(next(self.read_many([source], locate=locate, first=not all_clocks)), all_clocks)

    def iter_video(self, path: str | Path, every: float | None = 1.0, frames: slice | None = None,
                   locate: str = "auto", info: list | None = None, batch_size: int = READ_BATCH):
        """Yield a :class:`clockreader.video.FrameReading` for each chosen frame of a video, in order: the
        frame's best clock, read as :meth:`read_all` reads a photo (``locate``), through :meth:`read_many`, so
        frames share model calls of up to ``batch_size`` images. ``every`` (seconds of video) and ``frames`` (a
        slice of frame indices) choose the frames, as in :func:`clockreader.video.iter_frames`; a damaged file
        raises :class:`InvalidVideoError` after its last good frame's reading. A failing model (a
        :class:`ModelError`, not the video's fault) is raised as it is."""
        from ..errors import InvalidVideoError
        from ..video import FrameReading, iter_frames

        where: deque = deque()   # (index, t) of each frame given to read_many, or None for the file's error

        def images():
            try:
                for index, t, image in iter_frames(path, every=every, frames=frames, info=info):
                    where.append((index, t))
                    yield image
            except InvalidVideoError as e:   # after the frames before it are read
                where.append(None)
                yield e

        # each frame's place is in ``where`` before read_many yields its result (never the sentinel)
        results = self.read_many(images(), locate=locate, batch_size=batch_size, first=True)
        for res, at in zip(results, iter(where.popleft, object())):
            if at is None:
                raise res
            if isinstance(res, ClockReaderError):   # a frame no photo reader takes (a 320x12 strip, say)
                raise InvalidVideoError(f"{path}: frame {at[0]}: {str(res).split(': ', 1)[-1]}") from None
            yield FrameReading(at[0], at[1], res[0])

    def read_video(self, path: str | Path, every: float | None = 1.0, frames: slice | None = None,
                   locate: str = "auto", tolerance: float = 3.0):
        """Read a video's frames and fit the clock's steady track through them (:func:`clockreader.track.fit_track`).

        Returns a :class:`clockreader.video.VideoReading`; a damaged file keeps the frames read before the
        damage and says why in ``error``. ``tolerance``: minutes within which a reading agrees with the track.
        """
        from ..errors import InvalidVideoError
        from ..video import VideoReading, track_of

        info: list = []
        got, error = [], None
        try:
            for fr in self.iter_video(path, every=every, frames=frames, locate=locate, info=info):
                got.append(fr)
        except InvalidVideoError as e:
            if not info:
                raise
            error = str(e)
        meta = info[0] if info else None
        track = track_of(got, tolerance=tolerance, fps=meta.fps if meta else None)
        return VideoReading(str(path), meta, got, track, error)

_DEFAULT: dict = {}


def load_reader(model: str | Path | None = None, threads: int | None = None,
                locator: str | Path | None = "default", tta: bool = False, zoom: bool = True) -> ClockReader:
    """A :class:`ClockReader` for ``model`` (an .onnx path or a folder), or the bundled default model.

    ``locator``: ``"default"`` (the bundled clock locator, if any), a path to a locator .onnx, or None.
    ``tta``: read five slightly shifted views of each image and merge them (5x the model time).
    ``zoom``: the bundled locators also take a closer look, in enlarged windows around weak peaks and over a
    grid of such windows, for clocks too small to see in the whole photo (``ClockLocator(zoom=...)``); False
    is faster (locating a 768 px scene: ~26 ms against ~120 ms on one thread; a close-up costs the same).
    """
    return ClockReader(model, threads, locator=locator, tta=tta, zoom=zoom)


def read_time(image: ImageInput, model: str | Path | None = None) -> Reading:
    """Read the time from one clock photo with the bundled model (cached after the first call), as
    ``clockreader read`` does: the clock read most surely (``read_all(image, locate="auto")[0]``, with its
    ``box``), or the whole photo when the clock fills it. ``load_reader().read(image)`` reads the whole
    photo with the model alone.

    >>> from clockreader import read_time, render_clock
    >>> read_time(render_clock(seed=1).image).hour in range(1, 13)
    True
    """
    key = str(model)
    if key not in _DEFAULT:
        _DEFAULT[key] = ClockReader(model)
    return _DEFAULT[key].read_all(image, locate="auto", first=True)[0]


__all__ = ["ClockReader", "Reading", "describe", "load_reader", "read_time"]
