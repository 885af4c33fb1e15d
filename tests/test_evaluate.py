"""The test program: `clockreader test` on tiny sets with a tiny model, and its errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from clockreader.errors import DatasetError
from clockreader.evaluate import format_table, load_test_set, run_test, write_report
from clockreader.render.dataset import synthetic_test_clocks, write_time_layout


def _cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "clockreader", *args], capture_output=True, text=True, timeout=timeout)


def test_synthetic_source_is_stratified_and_deterministic():
    a = load_test_set("synthetic:144:7")
    assert len(a) == 144
    # 144 clocks over 12 h: exactly one per 5-minute class
    assert sorted(it.time.index144 for it in a) == list(range(144))
    b = load_test_set("synthetic:144:7")
    assert [it.time for it in a] == [it.time for it in b]
    # grouped by condition for the per-kind table; most clocks stand upright
    kinds = [it.extra["kind"] for it in a]
    assert set(kinds) == {"synthetic-upright", "synthetic-steep-tilt", "synthetic-turned"}
    assert kinds.count("synthetic-upright") > 72 and kinds.count("synthetic-turned") < 30


def test_synthetic_source_renders_the_same_scenes_at_another_size():
    small, large = load_test_set("synthetic:12:7"), load_test_set("synthetic:12:7:256")
    assert [it.load().size for it in small] == [(160, 160)] * 12
    assert [it.load().size for it in large] == [(256, 256)] * 12
    # the same times and the same kinds of view: only the pixel count differs
    assert [it.time for it in small] == [it.time for it in large]
    assert [it.extra["kind"] for it in small] == [it.extra["kind"] for it in large]
    # the same dial seen the same way, at another scale (backgrounds and noise may be drawn differently)
    for a, b in zip(synthetic_test_clocks(12, 7), synthetic_test_clocks(12, 7, 256)):
        assert a.style == b.style and a.camera.roll == b.camera.roll
        assert a.camera.radius / 160 == pytest.approx(b.camera.radius / 256)
    with pytest.raises(DatasetError, match="SIZE must be in"):
        load_test_set("synthetic:12:7:16")


def test_cli_test_writes_report_and_json(tiny_model, tmp_path):
    data = tmp_path / "TIME"
    write_time_layout(data, per_class=1, size=64, seed=1, fractions=(0, 0, 1), progress=False)
    r = _cli("test", str(data), "--model", str(tiny_model / "model.onnx"), "--json", str(tmp_path / "r.json"),
             "--report", str(tmp_path / "rep"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "top-1 within +-1 min" in r.stdout and "score (1 / 0.5 / 0)" in r.stdout
    res = json.loads((tmp_path / "r.json").read_text())
    fig = res["figures"]
    assert fig["count"] == 144 and len(res["readings"]) == 144
    # the figures agree with the per-image readings
    right = sum(1 for x in res["readings"] if x["error_minutes"] <= 1)
    assert fig["field"]["top1_within_1min"] == pytest.approx(right / 144)
    for name in ("report.md", "error_histogram.png", "hour_confusion.png", "worst_readings.png"):
        assert (tmp_path / "rep" / name).stat().st_size > 500
    assert "classification report" in (tmp_path / "rep" / "report.md").read_text()


def test_checkpoint_and_onnx_agree(tiny_model):
    fo, _, _ = run_test("synthetic:24:3", tiny_model / "model.onnx", progress=False)
    ft, _, _ = run_test("synthetic:24:3", tiny_model / "model.safetensors", progress=False)
    assert fo["field"] == ft["field"]


def test_real_clocks_report_per_kind(tiny_model, real_clocks, tmp_path):
    fig, records, items = run_test(str(real_clocks), tiny_model / "model.onnx", progress=False)
    assert fig["count"] == 45 and set(fig["groups"]) == {"photo", "warped-photo", "render", "drawing", "synthetic"}
    assert sum(g["count"] for g in fig["groups"].values()) == 45
    assert "per kind" in format_table(fig)
    write_report(tmp_path, fig, records, items, worst=4)
    assert (tmp_path / "worst_readings.png").is_file()


def test_bad_dataset_and_model_errors(tmp_path, tiny_model):
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_test_set(str(tmp_path / "missing"))
    with pytest.raises(DatasetError, match="synthetic:N"):
        load_test_set("synthetic:lots")
    r = _cli("test", str(tmp_path / "missing"), "--model", str(tiny_model / "model.onnx"))
    assert r.returncode == 1 and "no such file or folder" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "broken.onnx").write_bytes(b"nope")
    r = _cli("test", "synthetic:4", "--model", str(tmp_path / "broken.onnx"))
    assert r.returncode == 1 and "broken.onnx" in r.stderr and "Traceback" not in r.stderr
    r = _cli("test", "synthetic:4", "--model", str(tmp_path / "nothere.onnx"))
    assert r.returncode == 1 and "model file not found" in r.stderr


def test_report_tiles_show_the_view_that_was_read(tmp_path):
    """A gallery tile is the protocol's crop under --crop box, the located clock with room round it for a located
    reading, and the whole image otherwise; the hands are drawn in the clock's box."""
    from PIL import Image

    from clockreader.annotate import draw_reading
    from clockreader.evaluate import TestItem, gallery_view, protocol_crop
    from clockreader.render import render_clock
    from clockreader.time import ClockTime

    photo = Image.new("RGB", (640, 480), (90, 120, 90))
    photo.paste(render_clock(seed=3, size=80).image, (400, 100))
    item = TestItem("wall.jpg", ClockTime(3, 0), lambda: photo, box=(400, 100, 480, 180))
    im, box = gallery_view(item, None, "box")
    assert im.size == (112, 112) and box == (16, 16, 96, 96)   # the protocol's crop: 20% context each side, squared
    assert im.size == protocol_crop(item).size
    im, box = gallery_view(item, [400, 100, 480, 180], "none")
    assert im.size == (176, 176) and box == (48, 48, 128, 128)   # 0.6 of the clock's side round it
    tile = np.asarray(draw_reading(im, ClockTime(9, 15), box=box, truth=ClockTime(3, 0), label=""), np.int16)
    ys, xs = np.nonzero(np.abs(tile - np.asarray(im, np.int16)).sum(-1))
    assert len(xs) > 200 and xs.min() >= 46 and xs.max() <= 130 and ys.min() >= 46 and ys.max() <= 130   # on the clock
    im, box = gallery_view(item, None, "none")
    assert im.size == (640, 480) and box is None
