"""The test program (the seed's ``clock_time_test``): read a labelled set with a model and score it.

Sources: a dataset path that :func:`clockreader.datasets.read_dataset` reads (e.g. ``real-clocks``,
a Kaggle TIME folder, of which the ``test`` split is used when present), or ``synthetic:N:SEED`` for N
freshly rendered clocks (the standard synthetic test split is ``synthetic:1440:2024``), rendered at 160 px
unless ``synthetic:N:SEED:SIZE`` says otherwise: the same dials, times and views drawn at SIZE px (the
background crops and noise may differ), so a model whose input is larger than 160 px is not handed
upsampled pixels (``synthetic:1440:2024:256``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from .datasets import read_dataset
from .errors import ClockReaderError, DatasetError
from .metrics import abs_error, evaluate, seed_report
from .time import ClockTime

_SYNTH = re.compile(r"^synthetic:(\d+)(?::(\d+)(?::(\d+))?)?$")


@dataclass
class TestItem:
    name: str
    time: ClockTime
    load: Callable[[], Image.Image | str | Path]
    extra: dict = field(default_factory=dict)
    box: tuple[float, float, float, float] | None = None  # the labelled clock, in the image's pixels


def synthetic_kind(sample) -> str:
    """The per-kind group of a rendered test clock: turned round (more than 20 degrees from upright),
    else steeply tilted (40 degrees or more), else upright."""
    roll = (sample.camera.roll + 180) % 360 - 180
    if abs(roll) > 20:
        return "synthetic-turned"
    if np.hypot(sample.camera.pitch, sample.camera.yaw) >= 40:
        return "synthetic-steep-tilt"
    return "synthetic-upright"


def load_test_set(source: str) -> list[TestItem]:
    """The labelled images of ``source`` (see module docstring)."""
    m = _SYNTH.match(source)
    if m:
        from .render.dataset import TEST_RENDER_SIZE, synthetic_test_clocks

        n, seed, size = int(m.group(1)), int(m.group(2) or 2024), int(m.group(3) or TEST_RENDER_SIZE)
        if not 1 <= n <= 100_000:
            raise DatasetError(f"{source}: N must be in [1, 100000]")
        if not 64 <= size <= 1024:
            raise DatasetError(f"{source}: SIZE must be in [64, 1024] pixels")

        items = []
        for i, s in enumerate(synthetic_test_clocks(n, seed, size)):
            items.append(TestItem(f"synthetic-{seed}-{i:05d}", ClockTime(s.time.hour, s.time.minute), (lambda im=s.image: im),
                                  {"kind": synthetic_kind(s)}))
        return items
    if source.startswith("synthetic"):
        raise DatasetError(f"{source}: write synthetic:N, synthetic:N:SEED or synthetic:N:SEED:SIZE, e.g. synthetic:1440:2024")
    items = read_dataset(source)
    if any(it.extra.get("split") == "test" for it in items):
        items = [it for it in items if it.extra.get("split") == "test"]
    return [TestItem(str(it.path), it.time, (lambda p=it.path: p), it.extra, it.box) for it in items]


def load_predictor(model: str | Path | None, threads: int | None = None, tta: bool = False, zoom: bool = True):
    """An ONNX reader (torch-free) or, for a ``.safetensors`` checkpoint, the torch reader."""
    if model is not None and Path(model).suffix == ".safetensors":
        from .train.model import TorchReader

        return TorchReader(model, tta=tta, zoom=zoom)
    from .runtime.reader import ClockReader

    return ClockReader(model, threads, tta=tta, zoom=zoom)


def protocol_crop(item: TestItem) -> Image.Image:
    """The view It's About Time's protocol reads: the labelled box with 20% context, squared, clipped
    (:func:`clockreader.geometry.context_box`), cut from the image at its full resolution."""
    from .geometry import context_box
    from .images import load_image

    if item.box is None:
        raise DatasetError(f"{item.name}: --crop box needs the clock's box (x0,y0,x1,y1 columns) and this image has none")
    im = load_image(item.load())
    x0, y0, x1, y1 = context_box(item.box, im.width, im.height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise DatasetError(f"{item.name}: the box {item.box} lies outside the {im.width}x{im.height} image")
    return im.crop((x0, y0, x1, y1))


def run_test(source: str, model: str | Path | None = None, tolerance: int = 1, batch_size: int = 32,
             progress: bool = True, threads: int | None = None, locate: str = "auto",
             tta: bool = False, zoom: bool = True,
             crop: str = "none") -> tuple[dict, list[dict], list[TestItem]]:
    """Read every image of ``source``; return (figures, per-image records, items).

    ``locate``: ``auto`` (default, as ``clockreader read`` reads a photo) / ``always`` first crop the main
    clock with the bundled locators (``zoom``: with their closer look for tiny clocks); ``never`` scores the
    model on whole images. ``crop="box"``: It's About Time's protocol, the labelled box with 20% context
    read without the locator (:func:`protocol_crop`); every image needs a box.
    """
    if crop not in ("none", "box"):
        raise ValueError(f"The 'crop' parameter must be none or box. Got {crop!r} instead.")
    if locate not in ("auto", "always", "never"):
        raise ValueError(f"The 'locate' parameter must be auto, always or never. Got {locate!r} instead.")
    from tqdm.auto import tqdm

    reader = load_predictor(model, threads, tta, zoom)
    items = load_test_set(source)

    def sources():  # what ``read`` would be given: the photo, or under --crop box the protocol's view of it
        for it in items:
            try:
                yield protocol_crop(it) if crop == "box" else it.load()
            except ClockReaderError as e:
                yield e

    failed, ok_items, readings = [], [], []
    results = reader.read_many(sources(), locate="never" if crop == "box" else locate, batch_size=batch_size, first=True)
    for it, res in zip(tqdm(items, desc="reading", unit="img", disable=not progress), results):
        if isinstance(res, ClockReaderError):
            failed.append({"path": it.name, "true": str(it.time), "error": str(res), **it.extra})
        else:  # the photo's main clock, as ``clockreader read`` prints it
            ok_items.append(it)
            readings.append(res[0])
    if not ok_items:
        raise DatasetError(f"{source}: no image could be read")
    best = np.array([r.time.index720 for r in readings])
    conf = np.array([r.confidence for r in readings])
    unsure = np.array([r.unsure for r in readings])
    # the reader's three best distinct readings (its alternatives lie 3 minutes or more apart)
    top3 = np.array([[r.time.index720, *(ClockTime.parse(t).index720 for t, _ in r.alternatives[:2])] for r in readings])
    y_true = np.array([it.time.index720 for it in ok_items])
    kinds = [it.extra.get("kind", it.extra.get("split", "all")) for it in ok_items]
    figures = evaluate(y_true, best, top3=top3, confidence=conf, unsure=unsure,
                       groups=kinds if len(set(kinds)) > 1 or "kind" in ok_items[0].extra else None, tolerance=tolerance)
    figures["source"], figures["model"] = source, str(getattr(reader, "path", model))
    figures["failed_to_load"] = len(failed)
    figures["tolerance_minutes"] = tolerance
    figures["locate"] = "never" if crop == "box" else locate
    figures["crop"] = crop
    figures["tta"] = bool(tta)
    err = abs_error(y_true, best)
    records: list[dict] = []
    for i, it in enumerate(ok_items):
        got = ClockTime.from_index720(int(best[i]))
        records.append({"path": it.name, "true": str(it.time), "read": str(got), "error_minutes": int(err[i]),
                        "confidence": round(float(conf[i]), 4), "unsure": bool(unsure[i]),
                        "top3": [str(ClockTime.from_index720(int(t))) for t in top3[i]], **it.extra,
                        "box": None if readings[i].box is None else [round(float(v), 1) for v in readings[i].box]})
    figures["seed"]["classification_report"] = seed_report(y_true, best)[0]
    return figures, records + failed, ok_items


def format_table(fig: dict) -> str:
    """The console summary."""
    pct = lambda v: f"{100 * v:6.1f}%"  # noqa: E731
    n = fig["count"]
    f, s, e = fig["field"], fig["seed"], fig["errors"]
    lines = [
        f"clockreader test: {fig['source']}  ({n} images read, {fig['failed_to_load']} failed to load)",
        f"model: {fig['model']}" + ("  (It's About Time's protocol: the labelled box with 20% context, --crop box)" if fig.get("crop") == "box"
                                    else f"  (clocks cropped by the locator: --locate {fig['locate']})" if fig.get("locate", "never") != "never"
                                    else "  (whole images, the model alone: --locate never)")
        + ("  (test-time augmentation: --tta)" if fig.get("tta") else ""),
        "",
        "the field's metrics (It's About Time, CVPR 2022)",
        f"  top-1 within +-{fig['tolerance_minutes']} min   {pct(f['top1_within_1min'])}  ({round(f['top1_within_1min'] * n)}/{n})",
        f"  top-3 within +-{fig['tolerance_minutes']} min   {pct(f.get('top3_within_1min', 0))}",
        f"  hour accuracy          {pct(f['hour_accuracy'])}",
        f"  minute accuracy        {pct(f['minute_accuracy'])}",
        "the seed's metrics",
        f"  5-minute class acc.    {pct(s['accuracy_5min_class'])}",
        f"  score (1 / 0.5 / 0)    {s['score']:6.1f}",
        f"  macro F1 / weighted F1 {s['macro_f1']:.3f} / {s['weighted_f1']:.3f}",
        "errors",
        f"  median / mean / p90    {e['median_minutes']:.0f} / {e['mean_minutes']:.1f} / {e['p90_minutes']:.0f} min",
        f"  hand swaps {e['hand_swap']}, misplaced 12 {e['rotated_12']}, mirror-like {e['mirror']}, "
        f"off by 1 h near the hour {e['off_by_one_hour_near_full_hour']}",
    ]
    if "calibration" in fig:
        lines.append(f"  calibration ECE        {fig['calibration']['ece']:.3f} (mean confidence {fig['calibration']['mean_confidence']:.2f})")
    if "unsure" in fig:
        acc = fig["unsure"]["accuracy_of_sure"]
        lines.append(f"  marked unsure          {fig['unsure']['count']}" + (f" (accuracy of the rest {pct(acc)})" if acc is not None else ""))
    if "groups" in fig:
        lines.append("per kind")
        for g, v in fig["groups"].items():
            lines.append(f"  {g:<18} {v['correct']:>4}/{v['count']:<4} {pct(v['top1_within_1min'])}   hour {pct(v['hour_accuracy'])}   score {v['seed_score']:.1f}")
    return "\n".join(lines)


GALLERY_CONTEXT = 0.6  # a gallery tile shows the located clock with this much of its side round it


def gallery_view(item: TestItem, box: Sequence[float] | None, crop: str = "none") -> tuple[Image.Image, tuple | None]:
    """What a report's tile shows for one reading: a view of the image and the box in it that the hands are drawn
    in (None: the whole view). Under the protocol (``crop="box"``) the protocol's crop with the labelled box; for a
    reading with a ``box`` (the located clock, in the photo's own pixels) the photo round it, ``GALLERY_CONTEXT``
    of its side on each side, so a small clock is not lost in a thumbnail of the whole photo; for a reading of
    the whole photo (``box`` None) the whole image."""
    from .geometry import context_box
    from .images import load_image

    im = load_image(item.load())
    if crop == "box":   # the protocol's own crop (protocol_crop)
        box = item.box
        x0, y0, x1, y1 = context_box(box, im.width, im.height)
    elif box is None:
        return im, None
    else:
        x0, y0, x1, y1 = context_box(box, im.width, im.height, margin=GALLERY_CONTEXT)
    return im.crop((x0, y0, x1, y1)), (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)


def write_report(folder: str | Path, fig: dict, records: list[dict], items: list[TestItem], worst: int = 24) -> list[Path]:
    """Markdown report, error histogram, hour confusion and a gallery of the worst readings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .annotate import draw_reading
    from .render.sheet import contact_sheet

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    read = [r for r in records if "read" in r]
    err = np.array([r["error_minutes"] for r in read])

    fig_h, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(err, bins=np.arange(0, 362, 5), color="#4477aa")
    ax.set_yscale("log")
    ax.set_xlabel("absolute error (minutes, circular over 12 h)")
    ax.set_ylabel("images")
    ax.set_title(f"{fig['source']}: error histogram ({len(err)} images)")
    fig_h.tight_layout(); fig_h.savefig(folder / "error_histogram.png", dpi=100); plt.close(fig_h)

    conf = np.zeros((12, 12), int)
    for r in read:
        conf[ClockTime.parse(r["true"]).hour % 12, ClockTime.parse(r["read"]).hour % 12] += 1
    fig_c, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(conf, cmap="Blues")
    ticks = [str(h or 12) for h in range(12)]
    ax.set_xticks(range(12), ticks); ax.set_yticks(range(12), ticks)
    ax.set_xlabel("read hour"); ax.set_ylabel("true hour"); ax.set_title("hour confusion")
    for i in range(12):
        for j in range(12):
            if conf[i, j]:
                ax.text(j, i, conf[i, j], ha="center", va="center", fontsize=7, color="black" if conf[i, j] < conf.max() / 2 else "white")
    fig_c.tight_layout(); fig_c.savefig(folder / "hour_confusion.png", dpi=100); plt.close(fig_c)

    by_name = {it.name: it for it in items}
    order = sorted(read, key=lambda r: (-r["error_minutes"], -r["confidence"]))[:worst]
    tiles, caps, cols = [], [], []
    for r in order:
        im, box = gallery_view(by_name[r["path"]], r.get("box"), fig.get("crop", "none"))
        tile = draw_reading(im, ClockTime.parse(r["read"]), box=box, truth=ClockTime.parse(r["true"]), label="")
        tile.thumbnail((256, 256))
        tiles.append(tile)
        caps.append(f"{r['read']} (true {r['true']})")
        cols.append((200, 0, 0) if r["error_minutes"] > fig["tolerance_minutes"] else (0, 120, 0))
    paths = [folder / "error_histogram.png", folder / "hour_confusion.png"]
    if tiles:
        contact_sheet(tiles, caps, columns=6, cell=192, caption_colours=cols).save(folder / "worst_readings.png")
        paths.append(folder / "worst_readings.png")

    md = [f"# clockreader test report: `{fig['source']}`", "", "```", format_table(fig), "```", "",
          "![error histogram](error_histogram.png)", "", "![hour confusion](hour_confusion.png)", "",
          f"## Worst {len(order)} readings (red: read hands, green: true hands)", "", "![worst readings](worst_readings.png)", "",
          "## The seed's classification report (144 five-minute classes)", "", "```", fig["seed"]["classification_report"], "```", "",
          "## Every reading", "", "| image | true | read | error (min) | confidence |", "|---|---|---|---|---|"]
    md += [f"| {r['path']} | {r['true']} | {r.get('read', '-')} | {r.get('error_minutes', '-')} | {r.get('confidence', r.get('error', ''))} |" for r in records]
    (folder / "report.md").write_text("\n".join(md) + "\n")
    (folder / "results.json").write_text(json.dumps({"figures": fig, "readings": records}, indent=2))
    return [folder / "report.md", *paths]
