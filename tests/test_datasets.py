import csv
import json

import numpy as np
import pytest
from PIL import Image

from clockreader.datasets import read_csv_labels, read_dataset, read_images_label_csv, read_named_files, read_time_layout
from clockreader.errors import DatasetError
from clockreader.images import load_image
from clockreader.render.dataset import write_time_layout
from clockreader.time import ClockTime


@pytest.fixture(scope="module")
def time_layout(tmp_path_factory):
    out = tmp_path_factory.mktemp("time") / "TIME"
    write_time_layout(out, per_class=2, size=48, seed=3, fractions=(0.5, 0.5, 0.0), progress=False)
    return out


def test_generated_time_layout_reads_back(time_layout):
    items = list(read_time_layout(time_layout))
    assert len(items) == 288
    assert {it.extra["split"] for it in items} == {"train", "valid"}
    # the folder is the 5-minute class of the true time written in truth.jsonl
    truth = {json.loads(line)["filepaths"]: json.loads(line) for line in (time_layout / "truth.jsonl").read_text().splitlines()}
    for it in items[::17]:
        rel = it.path.relative_to(time_layout).as_posix()
        t = truth[rel]
        assert ClockTime(t["hour"], t["minute"]).index144 == it.time.index144
        assert it.path.parent.name == it.time.class_name
    with (time_layout / "clocks.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["class index", "filepaths", "labels", "data set"]
    r = rows[100]
    assert r["labels"] == r["filepaths"].split("/")[1].replace("-", "_")
    assert int(r["class index"]) == ClockTime.parse(r["labels"]).index144
    assert read_dataset(time_layout)[0].time == items[0].time


def test_generate_refuses_to_overwrite(time_layout):
    with pytest.raises(FileExistsError, match="not empty"):
        write_time_layout(time_layout, per_class=1, progress=False)


def _img(path, mode="RGB"):
    Image.new(mode, (40, 30), (10, 200, 30) if mode == "RGB" else 128).save(path)


def test_csv_reader_keeps_extra_columns(tmp_path):
    _img(tmp_path / "a.png")
    (tmp_path / "labels.csv").write_text("path,hour,minute,kind\na.png,12,5,photo\n")
    (it,) = read_dataset(tmp_path)
    assert it.time == ClockTime(12, 5) and it.extra == {"kind": "photo"} and it.path == tmp_path / "a.png"


@pytest.mark.parametrize("body,msg", [
    ("path,hour\na.png,3\n", "needs columns path,hour,minute"),
    ("path,hour,minute\na.png,3,x\n", r"labels.csv:2: 'hour' and 'minute' must be whole numbers"),
    ("path,hour,minute\na.png,3,7\nb.png,3,75\n", r"labels.csv:3: .*minute"),
    ("path,hour,minute\n,3,7\n", r"labels.csv:2: empty 'path'"),
])
def test_malformed_csv_names_file_and_line(tmp_path, body, msg):
    (tmp_path / "labels.csv").write_text(body)
    with pytest.raises(DatasetError, match=msg):
        list(read_csv_labels(tmp_path / "labels.csv"))


def test_file_name_reader(tmp_path):
    (tmp_path / "sub").mkdir()
    _img(tmp_path / "kitchen_10_08.jpg")
    _img(tmp_path / "sub" / "x_0_45.png")
    _img(tmp_path / "unlabelled.png")
    items = {it.path.name: it.time for it in read_named_files(tmp_path)}
    assert items == {"kitchen_10_08.jpg": ClockTime(10, 8), "x_0_45.png": ClockTime(12, 45)}


def test_images_and_label_csv(tmp_path):
    (tmp_path / "images").mkdir()
    for i in range(3):
        _img(tmp_path / "images" / f"{i}.jpg")
    (tmp_path / "label.csv").write_text("hour,minute\n0,15\n3,0\n11,59\n")
    items = list(read_images_label_csv(tmp_path))
    assert [it.time for it in items] == [ClockTime(12, 15), ClockTime(3, 0), ClockTime(11, 59)]
    (tmp_path / "label.csv").write_text("hour,minute\n0,15\n")
    with pytest.raises(DatasetError, match="1 label rows for 3 images"):
        list(read_images_label_csv(tmp_path))


def test_missing_and_empty_sources(tmp_path):
    with pytest.raises(DatasetError, match="no such file or folder"):
        read_dataset(tmp_path / "nope")
    with pytest.raises(DatasetError, match="no images named like"):
        read_dataset(tmp_path)


def test_real_clocks_csv(real_clocks):
    items = read_dataset(real_clocks)
    assert len(items) == 45
    kinds = {it.extra["kind"] for it in items}
    assert kinds == {"photo", "warped-photo", "render", "drawing", "synthetic"}
    for it in items:
        assert load_image(it.path).mode == "RGB"


@pytest.mark.parametrize("ext", [".jpg", ".jpeg", ".png", ".webp", ".pgm", ".bmp", ".gif"])
def test_every_format_loads(tmp_path, ext):
    arr = (np.random.default_rng(0).random((32, 40, 3)) * 255).astype(np.uint8)
    im = Image.fromarray(arr)
    if ext == ".pgm":
        im = im.convert("L")
    im.save(tmp_path / f"x{ext}")
    out = load_image(tmp_path / f"x{ext}")
    assert out.mode == "RGB" and out.size == (40, 32)


def test_csv_boxes_are_kept_and_checked(tmp_path):
    (tmp_path / "labels.csv").write_text("path,hour,minute,kind,x0,y0,x1,y1\na.png,3,7,photo,10,20,110.5,130\nb.png,4,8,photo,,,,\n")
    a, b = read_dataset(tmp_path)
    assert a.box == (10.0, 20.0, 110.5, 130.0) and b.box is None
    assert a.extra == {"kind": "photo"}                       # the box columns are not extras
    for bad, msg in (("1,2,x,4", "must all be numbers"), ("50,20,10,40", "x1 > x0")):
        (tmp_path / "labels.csv").write_text(f"path,hour,minute,x0,y0,x1,y1\na.png,3,7,{bad}\n")
        with pytest.raises(DatasetError, match=f"labels.csv:2: .*{msg}"):
            read_dataset(tmp_path)
