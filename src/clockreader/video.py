"""Decode the frames of a video with PyAV (FFmpeg's libraries in a wheel: no system ffmpeg needed).

>>> from clockreader.video import parse_frames
>>> parse_frames("10:100:5")
slice(10, 100, 5)

Frames are numbered as decoded, from 0 (the time-lapse set's ``frames.csv`` counts them the same way);
``t`` is the frame's presentation time in seconds. A file that cannot be opened, holds no video stream or
stops before the frames its header promises raises :class:`InvalidVideoError` with one line naming the
file and the problem; the frames decoded before the damage are still yielded first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .errors import InvalidVideoError, MissingExtraError

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def parse_frames(text: str) -> slice:
    """``A:B:STEP`` (Python slice syntax over frame indices, any part may be empty) -> a slice."""
    parts = text.split(":")
    if not 1 <= len(parts) <= 3 or (len(parts) == 1 and not text.strip()):
        raise ValueError(f"--frames must be A:B:STEP (e.g. 0:600:10 or ::30). Got {text!r} instead.")
    try:
        vals = [int(p) if p.strip() else None for p in parts] + [None] * (3 - len(parts))
    except ValueError:
        raise ValueError(f"--frames must be A:B:STEP of whole numbers (e.g. 0:600:10 or ::30). Got {text!r} instead.") from None
    a, b, step = vals
    if len(parts) == 1:  # a single frame
        b = a + 1
    if (a is not None and a < 0) or (b is not None and b < 0) or (step is not None and step < 1):
        raise ValueError(f"--frames must have A, B >= 0 and STEP >= 1. Got {text!r} instead.")
    return slice(a or 0, b, step or 1)


@dataclass
class VideoInfo:
    path: str
    width: int
    height: int
    fps: float | None            # the stream's average frame rate, None when the container does not say
    frames: int | None           # frames the container says it holds (None or 0 when unknown)
    duration: float | None       # seconds


def _av():
    try:
        import av
    except ImportError:  # pragma: no cover - av is a core dependency
        raise MissingExtraError("video", "reading videos") from None
    return av


def _open(path: Path):
    av = _av()
    name = str(path)
    if not path.exists():
        raise InvalidVideoError(f"{name}: file not found")
    if path.is_dir():
        raise InvalidVideoError(f"{name}: is a folder, not a video")
    if path.stat().st_size == 0:
        raise InvalidVideoError(f"{name}: empty file (0 bytes)")
    try:
        container = av.open(name)
    except av.FFmpegError as e:
        raise InvalidVideoError(f"{name}: cannot open video ({_why(e)})") from None
    if not container.streams.video:
        container.close()
        raise InvalidVideoError(f"{name}: holds no video stream")
    return container


def _why(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return str(msg).splitlines()[0][:160]


def video_info(path: str | Path) -> VideoInfo:
    """What the container says about its first video stream (nothing is decoded)."""
    path = Path(path)
    with _open(path) as container:
        return _info(path, container)


def _info(path: Path, container) -> VideoInfo:
    s = container.streams.video[0]
    fps = float(s.average_rate) if s.average_rate else None
    # the container's duration stands in only when the video is its one stream: with audio it may run longer
    duration = float(s.duration * s.time_base) if s.duration and s.time_base else (
        container.duration / 1e6 if container.duration and len(container.streams) == 1 else None)
    return VideoInfo(str(path), s.codec_context.width, s.codec_context.height, fps, int(s.frames or 0) or None, duration)


def iter_frames(path: str | Path, every: float | None = 1.0, frames: slice | None = None,
                info: list | None = None) -> Iterator[tuple[int, float | None, Image.Image]]:
    """Yield ``(frame index, t in seconds, RGB image)`` for the chosen frames of ``path``.

    ``frames``: a slice of frame indices (``parse_frames``); else ``every``: the first frame at or after each
    multiple of ``every`` seconds (``None`` or 0: every frame). ``info``: a list that receives the
    :class:`VideoInfo` before the first frame. Frames that are skipped are decoded (their index depends on
    it) but not converted. Raises :class:`InvalidVideoError` after the last good frame when the file is damaged.
    """
    av = _av()
    path = Path(path)
    container = _open(path)
    try:
        meta = _info(path, container)
        if info is not None:
            info.append(meta)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_t, index, last_t = 0.0, -1, None
        stop = frames.stop if frames is not None else None
        start, stride = (frames.start or 0, frames.step or 1) if frames is not None else (0, 1)
        try:
            for index, frame in enumerate(container.decode(stream)):
                t = float(frame.time) if frame.time is not None else (index / meta.fps if meta.fps else None)
                last_t = t
                if frames is not None:
                    if stop is not None and index >= stop:
                        return
                    take = index >= start and (index - start) % stride == 0
                elif every:
                    tt = t if t is not None else float(index)
                    take = tt + 1e-6 >= next_t
                    if take:
                        next_t = (int((tt + 1e-6) // every) + 1) * every
                else:
                    take = True
                if take:
                    yield index, t, frame.to_image()
        except av.FFmpegError as e:
            where = f"after frame {index}" if index >= 0 else "at its first frame"
            raise InvalidVideoError(f"{path}: damaged video, decoding stopped {where} ({_why(e)})") from None
        decoded = index + 1
        if meta.frames and decoded < meta.frames and (stop is None or decoded < stop):
            raise InvalidVideoError(f"{path}: truncated or damaged video: decoded {decoded} of the {meta.frames} frames its header lists")
        if decoded == 0:
            raise InvalidVideoError(f"{path}: no frame could be decoded")
        step = 1 / meta.fps if meta.fps else 0.04
        if stop is None and meta.duration and last_t is not None and last_t + step < meta.duration - max(2 * step, 0.1):
            raise InvalidVideoError(f"{path}: truncated or damaged video: frames stop at {last_t:.2f} s of the {meta.duration:.2f} s its header gives")
    finally:
        container.close()




@dataclass
class FrameReading:
    """One sampled frame's reading (``reading``: a :class:`clockreader.Reading`)."""

    frame: int
    t: float | None
    reading: object

    def to_dict(self) -> dict:
        return {"frame": self.frame, "t": None if self.t is None else round(self.t, 3), **self.reading.to_dict()}


def track_of(frames: list, tolerance: float = 3.0, fps: float | None = None):
    """The steady track (:func:`clockreader.track.fit_track`) through frame readings, fitted to the frames
    where a clock was seen (a "no clock" frame's guess is no reading of the clock)."""
    from .track import fit_track

    seen = [f for f in frames if getattr(f.reading, "clock_found", True)]
    return fit_track([f.frame for f in seen], [f.reading.time.index720 for f in seen], tolerance=tolerance, fps=fps)


@dataclass
class VideoReading:
    """A video's frame readings, the steady track fitted through them, and the error that stopped decoding (if any)."""

    path: str
    info: VideoInfo | None
    frames: list[FrameReading]
    track: object                # clockreader.track.Track
    error: str | None = None

    def smoothed(self) -> list:
        """The track's reading for every sampled frame (the raw readings when no steady track fits)."""
        if not self.track.steady:
            return [f.reading.time for f in self.frames]
        return [self.track.time_at(f.frame) for f in self.frames]

    def inliers(self) -> list[bool]:
        """For every sampled frame, whether its reading lies on the track (False for a frame with no clock)."""
        on = dict(zip(self.track.frames.tolist(), self.track.inliers.tolist()))
        return [bool(on.get(f.frame, False)) for f in self.frames]

    def to_dict(self) -> dict:
        smooth = self.smoothed()
        return {
            "path": self.path, "fps": None if not self.info or not self.info.fps else round(self.info.fps, 3),
            "frames_read": len(self.frames), "track": self.track.to_dict(), "summary": self.track.summary(),
            "smoothed": [{"frame": f.frame, "t": None if f.t is None else round(f.t, 3), "time": str(s), "inlier": bool(inl)}
                         for f, s, inl in zip(self.frames, smooth, self.inliers())],
            "error": self.error,
        }


__all__ = ["VIDEO_EXTENSIONS", "FrameReading", "VideoInfo", "VideoReading", "is_video", "track_of", "iter_frames", "parse_frames", "video_info"]
