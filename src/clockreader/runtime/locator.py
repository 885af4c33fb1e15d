"""Find analog clocks in a wider photo (torch-free: ONNX Runtime + NumPy).

The locator is a small CenterNet-style network (Zhou et al., "Objects as Points", 2019): a heatmap of
clock centres on a grid of ``stride``-pixel cells plus the log width and height of the box at each
centre. Peaks (3x3 local maxima above the spec's ``score_threshold``) become boxes.

It was trained on square scenes, and squishing a wide frame into its square input turns round clocks into
narrow ellipses it does not know (measured with the locator bundled before its retraining, on synthetic scenes
cut to 2.39:1, a film frame: 32% of the clocks found). A photo that is not ``near_square`` is therefore searched in square
windows of its short side, half a side apart, plus the whole photo letterboxed (for the clocks too big for
a window), and the boxes of all views are merged (``locate_views``).

The bundled locator was trained on scenes whose clocks cover 3-85% of the image, and finds almost none that
are under 15% of its side: a clock tower down a street, a wall clock across a room in a film still. A second
bundled locator (``clockreader-locator-small.onnx``), trained on scenes where a quarter of the clocks are that
small, finds them but loses a few of the bigger ones; so the default locator runs both and adds the second's
small boxes that the first did not find (``ClockLocator.locate``), after the first's.

At the locators' 192 px input a clock of 5% of a photo's side is 10 px wide, under the smallest they were
trained on, yet the small-clock locator's heatmap mostly shows a weak peak there (all 33 such clocks in 100
scenes of 768 px had one of 0.2 or more; its score threshold is 0.6). So it then takes a closer look
(``ClockLocator.zoom_extra``): it reads a window of 0.55 of the photo's short side around each weak peak,
which shows the clock 1.8 times bigger, and adds the small clocks it finds there. (The small-clock locator over a
fixed grid of such windows found fewer clocks at its threshold.)

Real clocks on buildings often show no peak at all in the whole photo, to either locator, yet the main locator
finds them in such a window (7 of the 8 coco-clocks photos whose clock no box came near, at scores 0.47-0.93). So,
last, the main locator reads a grid of these windows, half a window apart, over the whole photo (the grid look,
``ClockLocator.grid_extra``), and adds its boxes under ``GRID_SIDE`` of the short side that lie on none found
before, at its spec's ``zoom_threshold`` (0.55: the best F1 on synthetic scenes of 768 px, given the boxes of the
stages before). It takes 9 more passes for a square photo, 12 for 4:3, 24 for a 2.39:1 film frame (locating a
768 px scene: ~120 ms on one thread against ~26 ms without it) and is skipped where the best box fills the photo
(``fills_frame``); coco-clocks recall 40/50 against 35/50, end to end 38/50 against 32/50 with the reader bundled then (docs/history.md, G2, G3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..geometry import box_iou, near_square
from ..images import ImageInput, draft_scale, load_image
from ..preprocess import prepare
from .session import bundled, open_model

DEFAULT_LOCATOR = bundled("clockreader-locator.onnx")
SMALL_LOCATOR = bundled("clockreader-locator-small.onnx")
MERGE_IOU = 0.4        # boxes from different views overlapping more than this are one clock
INSIDE = 0.8           # a box with this share of its area inside a box twice its side is part of that clock
SMALL_SIDE = 0.15      # the small-clock locator adds boxes whose long side is under this share of the photo's short side
SMALL_OVERLAP = 0.3    # ... and that share less than this of their area with any box of the main locator
ZOOM_TILE = 0.55       # the zoomed search reads square windows of this share of the photo's short side ...
ZOOM_HINT = 0.1        # ... centred on the small-clock locator's weaker peaks in the whole photo, from this score up ...
ZOOM_MAX = 8           # ... at most this many of them, strongest first
GRID_SIDE = 0.3        # the grid look adds the main locator's boxes under this share of the photo's short side
FILLS_FRAME = 0.5      # a clock box of this share of the photo's area fills it: `--locate auto` reads the whole photo


@dataclass
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels
    score: float


def decode_heatmap(out: np.ndarray, stride: int, threshold: float, max_boxes: int = 10) -> list[tuple[np.ndarray, float]]:
    """(3, G, G) network output -> [(box in input pixels, score)] from 3x3 local maxima of the heatmap."""
    heat = out[0]
    g_h, g_w = heat.shape
    padded = np.pad(heat, 1, constant_values=-1)
    neigh = np.max([padded[dy:dy + g_h, dx:dx + g_w] for dy in range(3) for dx in range(3)], axis=0)
    ys, xs = np.nonzero((heat >= neigh) & (heat >= threshold))
    order = np.argsort(-heat[ys, xs])[:max_boxes]
    size_in = g_w * stride
    found = []
    for y, x in zip(ys[order], xs[order]):
        cx, cy = (x + 0.5) * stride, (y + 0.5) * stride
        w, h = np.exp(out[1, y, x]) * size_in, np.exp(out[2, y, x]) * size_in
        found.append((np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]), float(heat[y, x])))
    return found


class ClockLocator:
    """Locate clocks with an ONNX locator model (default: the bundled one)."""

    def __init__(self, model: str | Path | None = None, threads: int | None = None, small: str | Path | None = "default",
                 zoom: bool = True):
        """``small``: a second locator for small clocks (``"default"``: the bundled one, with the bundled
        main locator only; None: none). ``zoom``: the small-clock locator also searches the photo in
        enlarged windows around its weaker peaks (:meth:`zoom_extra`), and this locator in a grid of such windows
        over the whole photo (:meth:`grid_extra`), for clocks too small to see in the whole photo (needs ``small``)."""
        path = Path(model) if model is not None else DEFAULT_LOCATOR
        if not path.is_file():
            raise ModelError(f"{path}: locator model not found")
        self.path = path
        self.session, self.spec = open_model(path, threads)
        if self.spec.layout != "centernet":
            raise ModelError(f"{path}: not a locator model (layout {self.spec.layout})")
        if small == "default":
            small = SMALL_LOCATOR if path.resolve() == DEFAULT_LOCATOR and SMALL_LOCATOR.is_file() else None
        self.small = ClockLocator(small, threads, small=None) if small is not None else None
        self.zoom = zoom and self.small is not None

    def locate(self, image: ImageInput, threshold: float | None = None) -> list[Detection]:
        """Boxes of the clocks in ``image``, best first, in the image's own pixel coordinates; then the
        small-clock locator's boxes (if there is one) that are small and lie on none of those; then (``zoom``)
        those of its closer look (:meth:`zoom_extra`), then those of the grid look (:meth:`grid_extra`), unless
        the best box so far fills the photo (:func:`fills_frame`).
        ``threshold`` overrides the main locator's score threshold in the whole photo (the small-clock locator
        keeps its own, and the grid look the spec's ``zoom_threshold``). The small-clock locator reads the whole photo once,
        at its weak-peak score ``ZOOM_HINT``, for both its boxes and the closer look's windows."""
        im = load_image(image, draft_size=int(self.spec.input_size * 2 / (ZOOM_TILE if self.zoom else 1)))
        found = self.locate_alone(im, threshold)
        if self.small is not None:
            extra, hints = self.small_and_hints(im, found)
            found = found + extra
            found = found + self.zoom_extra(im, found, hints=hints) if self.zoom else found
        if self.grid_wanted(im, found):
            found = found + self.grid_extra(im, found)
        sx, sy = draft_scale(im)   # boxes in the input's own pixels when a JPEG was decoded in draft
        if (sx, sy) == (1.0, 1.0):
            return found
        return [Detection(tuple(float(v) for v in np.multiply(d.box, [sx, sy, sx, sy])), d.score) for d in found]

    def small_and_hints(self, im, found: list[Detection]) -> tuple[list[Detection], list[Detection]]:
        """One read of a loaded photo by the small-clock locator: its boxes at its score threshold that are
        small and lie on none of ``found``, and (``zoom``) its weaker peaks from ``ZOOM_HINT`` up, the hints
        for :meth:`zoom_extra`."""
        thr = self.small.spec.score_threshold
        seen = self.small.locate_alone(im, min(thr, ZOOM_HINT) if self.zoom else thr)
        return _new_small([d for d in seen if d.score >= thr], found, im), [d for d in seen if d.score < thr]

    def small_extra(self, im, found: list[Detection], threshold: float | None = None) -> list[Detection]:
        """The small-clock locator's boxes in a loaded photo that are small and lie on none of ``found``."""
        return _new_small(self.small.locate_alone(im, threshold), found, im)

    def zoom_extra(self, im, found: list[Detection], threshold: float | None = None,
                   hints: list[Detection] | None = None) -> list[Detection]:
        """A closer look: the small-clock locator reads an enlarged window (:func:`zoom_window`) around each of
        its weaker peaks in the whole photo (``hints``: its boxes scored from ``ZOOM_HINT`` up to its
        ``score_threshold``, from :meth:`small_and_hints` when not given) that is small and lies on none of ``found``, and
        gives its boxes there, at its spec's ``zoom_threshold``, that are small and lie on none of ``found``."""
        if hints is None:
            hints = self.small_and_hints(im, found)[1]
        views = [zoom_window(d.box, im.width, im.height) for d in _new_small(hints, found, im)[:ZOOM_MAX]]
        if not views:
            return []
        thr = _window_threshold(self.small.spec, threshold)
        return _new_small(self.small.locate_alone(im, thr, views=views), found, im)

    def grid_wanted(self, im, found: list[Detection]) -> bool:
        """Whether :meth:`locate` takes the grid look after the boxes ``found`` so far: with ``zoom``, unless the best
        of them fills the photo (:func:`fills_frame`; ``--locate auto`` would read the whole photo and drop the rest)."""
        return self.zoom and not (found and fills_frame(found[0].box, im.width, im.height))

    def grid_extra(self, im, found: list[Detection], threshold: float | None = None) -> list[Detection]:
        """A grid look: this (main) locator reads square windows of ``ZOOM_TILE`` of the photo's short side, half
        a window apart, over the whole photo (:func:`grid_windows`), and gives its boxes there, at its spec's
        ``zoom_threshold``, that are under ``GRID_SIDE`` of the short side and lie on none of ``found``: small
        clocks whose peak the small-clock locator's closer look never went round."""
        seen = self.locate_alone(im, _window_threshold(self.spec, threshold), views=grid_windows(im.width, im.height))
        return _new_small(seen, found, im, GRID_SIDE)

    def locate_alone(self, im, threshold: float | None = None, views: list | None = None) -> list[Detection]:
        """This model's boxes in a loaded photo, merged over its views (default: :func:`locate_views`),
        without the small-clock locator."""
        thr = self.spec.score_threshold if threshold is None else threshold
        found = []
        for view, inner in locate_views(im.width, im.height) if views is None else views:
            for box, score in self._boxes(im.crop(view), thr):
                box = box + [view[0], view[1], view[0], view[1]]
                if not _cut_by(box, inner):
                    found.append((box, score))
        return _merge(found, im.width, im.height)

    def _boxes(self, view, threshold: float) -> list[tuple[np.ndarray, float]]:
        """Boxes in one view's pixels."""
        x = prepare(view, self.spec)[None]
        out = self.session.run(None, {self.session.get_inputs()[0].name: x})[0][0]
        sx, sy = view.width / self.spec.input_size, view.height / self.spec.input_size
        return [(box * [sx, sy, sx, sy], score) for box, score in decode_heatmap(out, self.spec.stride, threshold)]


def locate_views(width: int, height: int) -> list[tuple[tuple[int, int, int, int], tuple]]:
    """The regions the locator reads of a ``width`` x ``height`` photo, each with its inner edges.

    A near-square photo is one view, itself. A longer one gives the whole photo letterboxed to a square
    (the crop reaches past the photo, and PIL fills that with black) and square windows of its short side,
    half a side apart, so that any clock up to half the short side wide lies whole inside one window; the
    bigger ones are found in the letterboxed view. Each window comes with ``(along_x, edge, ...)``: whether
    the windows run along x, and its inner edges (those inside the photo). A box touching an inner edge is a
    clock cut by the window, and is left to another view.
    """
    short, long = min(width, height), max(width, height)
    if near_square(width, height):
        return [((0, 0, width, height), ())]
    pad = (long - short) // 2
    views = [((0, -pad, long, long - pad) if width > height else (-pad, 0, long - pad, long), ())]
    n = int(np.ceil((long - short) / (short / 2))) + 1
    for o in np.linspace(0, long - short, n).round().astype(int):
        o = int(o)
        axis = 0 if width > height else 1
        inner = tuple((axis, e) for e in (o, o + short) if 0 < e < long)
        views.append(((o, 0, o + short, short) if width > height else (0, o, short, o + short), inner))
    return views


def zoom_window(box, width: int, height: int, tile: float = ZOOM_TILE) -> tuple[tuple[int, int, int, int], tuple]:
    """A square window of ``tile`` x the photo's short side centred on ``box`` (moved inside the photo), with
    its inner edges (as :func:`locate_views`). Read at the locator's input size, it shows its clocks ``1 /
    tile`` times bigger than the whole photo does: a clock of 5% of the side, 10 px at a 192 px input,
    becomes one of 9%, the size the small-clock locator was trained to find."""
    t = max(1, round(tile * min(width, height)))
    x = int(np.clip(round((box[0] + box[2]) / 2 - t / 2), 0, width - t))
    y = int(np.clip(round((box[1] + box[3]) / 2 - t / 2), 0, height - t))
    inner = _inner_edges(x, y, t, width, height)
    return (x, y, x + t, y + t), inner


def _inner_edges(x: int, y: int, t: int, width: int, height: int) -> tuple:
    """The edges of the square window (x, y, x + t, y + t) that lie inside a ``width`` x ``height`` photo, as
    ((axis, edge), ...), axis 0 = x, 1 = y (a box touching one is cut by the window)."""
    return tuple((axis, e) for axis, lo, length in ((0, x, width), (1, y, height)) for e in (lo, lo + t) if 0 < e < length)


def _window_threshold(spec, threshold: float | None) -> float:
    """A locator's threshold in enlarged windows: ``threshold`` if given, else its spec's ``zoom_threshold``, else
    its ``score_threshold``."""
    if threshold is not None:
        return threshold
    return spec.zoom_threshold if spec.zoom_threshold is not None else spec.score_threshold


def fills_frame(box, width: int, height: int) -> bool:
    """Whether a clock at ``box`` fills a ``width`` x ``height`` photo (``FILLS_FRAME`` of its area): ``--locate
    auto`` then reads the whole photo, and :meth:`ClockLocator.locate` skips its grid look."""
    return (box[2] - box[0]) * (box[3] - box[1]) >= FILLS_FRAME * width * height


def grid_windows(width: int, height: int, tile: float = ZOOM_TILE) -> list[tuple[tuple[int, int, int, int], tuple]]:
    """Square windows of ``tile`` x the photo's short side, at most half a window apart, covering a ``width`` x
    ``height`` photo, each with its inner edges (as :func:`locate_views`)."""
    t = max(1, round(tile * min(width, height)))

    def starts(length):
        n = int(np.ceil(max(length - t, 0) / (t / 2))) + 1
        return sorted({int(o) for o in np.linspace(0, max(length - t, 0), n).round()})
    views = []
    for y in starts(height):
        for x in starts(width):
            inner = _inner_edges(x, y, t, width, height)
            views.append(((x, y, x + t, y + t), inner))
    return views


def _cut_by(box: np.ndarray, inner: tuple) -> bool:
    """Whether ``box`` touches one of a window's inner edges (``inner``: ((axis, edge), ...), axis 0 = x, 1 = y)."""
    for axis, e in inner:
        lo, hi = box[axis], box[axis + 2]
        margin = 0.01 * (hi - lo) + 1
        if lo < e + margin and hi > e - margin:
            return True
    return False


def _merge(found: list[tuple[np.ndarray, float]], width: int, height: int, max_boxes: int = 10) -> list[Detection]:
    """The best-scoring box of each clock seen in several views (greedy non-maximum suppression)."""
    kept: list[tuple[np.ndarray, float]] = []
    for box, score in sorted(found, key=lambda t: -t[1]):
        b = np.clip(box, 0, [width, height, width, height])
        if b[2] - b[0] < 4 or b[3] - b[1] < 4:
            continue
        if kept and box_iou(b, np.array([k[0] for k in kept])).max() > MERGE_IOU:
            continue
        kept.append((b, score))
    kept = _outer(kept)
    return [Detection(tuple(float(v) for v in b), score) for b, score in kept[:max_boxes]]


def _outer(kept: list[tuple[np.ndarray, float]]) -> list[tuple[np.ndarray, float]]:
    """Drop a box that lies within a box at least twice its side (``INSIDE`` of its area): a numeral, a
    sub-dial or the cap of the clock around it, not another clock to read (the main locator trained with real
    watch boxes scores such boxes; one ranked first would make a dial's numeral the photo's clock)."""
    if len(kept) < 2:
        return kept
    boxes = np.array([b for b, _ in kept])
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    inside = box_iou(boxes, boxes, of_smaller=True)
    return [k for i, k in enumerate(kept)
            if not any(inside[i, j] >= INSIDE and side[j] >= 2 * side[i] for j in range(len(kept)) if j != i)]


def _new_small(dets: list[Detection], found: list[Detection], im, side: float = SMALL_SIDE) -> list[Detection]:
    """The boxes of ``dets`` under ``side`` of the photo's short side that lie on none of ``found``."""
    taken = np.array([d.box for d in found]).reshape(-1, 4)
    limit = side * min(im.width, im.height)
    return [d for d in dets if max(d.box[2] - d.box[0], d.box[3] - d.box[1]) < limit
            and (not len(taken) or box_iou(np.array(d.box), taken, of_smaller=True).max() < SMALL_OVERLAP)]


def crop_with_margin(image, box, margin: float = 0.15):
    """Crop ``box`` from a PIL image, grown by ``margin`` of its size on each side (clipped)."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return image.crop((int(max(0, x0 - mx)), int(max(0, y0 - my)), int(min(image.width, x1 + mx)), int(min(image.height, y1 + my))))
