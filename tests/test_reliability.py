"""Reading never breaks and says what it saw (issue 25): every decode failure is that input's error, absurd
shapes are refused at once, boxes are in the input's pixels, broken specs and weights are refused in one
line, `read` gives one answer per input with a status, --annotate never writes outside DIR or over a file."""

import io
import json
import shutil
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from PIL import Image

from clockreader import load_reader, read_time, render_clock
from clockreader.errors import ClockReaderError, InvalidImageError, ModelError
from clockreader.images import load_image
from clockreader.runtime.locator import DEFAULT_LOCATOR, ClockLocator
from clockreader.runtime.reader import DEFAULT_MODEL

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "ICO", "TGA", "PCX", "IM", "DDS", "SGI")


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "clockreader", *args], capture_output=True, timeout=300, **kw)


def _encoded(fmt: str) -> bytes:
    im = render_clock(seed=1, size=64).image
    buf = io.BytesIO()
    im.convert("RGBA" if fmt == "DDS" else "RGB").save(buf, format=fmt)
    return buf.getvalue()


def test_fuzzed_headers_only_ever_give_invalid_image_errors():
    """A few hundred seeded mutations of the first bytes of files in every format Pillow writes here:
    each either decodes to an RGB image or raises InvalidImageError, never anything else."""
    rng = np.random.default_rng(2025)
    cases = 0
    for fmt in FORMATS:
        try:
            data = _encoded(fmt)
        except (OSError, KeyError, ValueError):
            continue
        for _ in range(30):
            b = bytearray(data)
            for _ in range(int(rng.integers(1, 6))):
                pos = int(rng.integers(0, min(len(b), 64)))
                b[pos] = int(rng.integers(0, 256))
            if rng.random() < 0.3:
                b = b[: int(rng.integers(8, len(b)))]
            cases += 1
            try:
                im = load_image(bytes(b))
                assert im.mode == "RGB"
            except InvalidImageError:
                pass
    assert cases >= 300


def test_a_bad_file_among_good_ones_is_its_own_row(tmp_path):
    good = tmp_path / "good.png"
    render_clock(seed=2, size=160).image.save(good)
    dds = tmp_path / "odd.jpg"                        # a DDS with a format Pillow does not decode, named .jpg
    dds.write_bytes(b"DDS " + (124).to_bytes(4, "little") + bytes(72) + (32).to_bytes(4, "little")
                    + (4).to_bytes(4, "little") + b"XXXX" + bytes(40))
    out = list(load_reader().read_many([good, dds, good]))
    assert isinstance(out[1], InvalidImageError) and "odd.jpg" in str(out[1])
    assert all(isinstance(r, list) for r in (out[0], out[2])) and str(out[0][0]) == str(out[2][0])


def test_extreme_aspect_ratios_are_refused_at_once(tmp_path):
    for w, h in ((10000, 10), (10, 14000)):
        p = tmp_path / f"strip{w}.png"
        Image.new("RGB", (w, h), (200, 200, 200)).save(p)
        with pytest.raises(InvalidImageError, match="extreme aspect ratio"):
            load_image(p)
        r = _cli("read", str(p))
        assert r.returncode == 1 and "extreme aspect ratio" in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_loading_leaves_the_warning_filters_alone(tmp_path):
    before = list(warnings.filters)
    with pytest.raises(ClockReaderError):
        load_image(b"not an image")
    load_image(render_clock(seed=1, size=64).image)
    assert list(warnings.filters) == before


def test_boxes_of_large_jpegs_are_in_the_photos_pixels(tmp_path):
    s = render_clock(seed=4, size=1400, turned=0, steep=0)
    bg = Image.new("RGB", (5120, 3840), (120, 130, 140))
    bg.paste(s.image, (2000, 1200))
    bg.save(tmp_path / "big.jpg", quality=90)
    bg.save(tmp_path / "big.png")
    reader = load_reader()
    jpg, png = reader.read_all(tmp_path / "big.jpg")[0].box, reader.read_all(tmp_path / "big.png")[0].box
    assert np.allclose(jpg, png, atol=8), (jpg, png)
    assert 1900 < jpg[0] < 2500 and jpg[2] > 3000      # about where the dial is, not half-size
    assert np.allclose(ClockLocator().locate(tmp_path / "big.jpg")[0].box, jpg, atol=40)   # its own, smaller draft


@pytest.mark.parametrize("change,msg", [({"std": [0.2, 0.0, 0.2]}, "'std' three finite numbers > 0"),
                                        ({"mean": [float("nan"), 0.4, 0.4]}, "'mean' must be three finite"),
                                        ({"input_size": "big"}, "input_size")])
def test_broken_specs_are_refused_in_one_line_naming_the_file(tmp_path, change, msg):
    shutil.copy(DEFAULT_MODEL, tmp_path / "m.onnx")
    spec = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())
    spec.update(change)
    (tmp_path / "m.json").write_text(json.dumps(spec))
    with pytest.raises(ModelError, match=msg) as e:
        load_reader(tmp_path / "m.onnx")
    assert str(tmp_path / "m.json") in str(e.value)
    r = _cli("read", "x.png", "--model", str(tmp_path / "m.onnx"))
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err and err.count("\n") == 1 and "m.json" in err


def test_locator_weights_are_checked_against_their_sha256(tmp_path):
    shutil.copy(DEFAULT_LOCATOR, tmp_path / "loc.onnx")
    shutil.copy(DEFAULT_LOCATOR.with_suffix(".json"), tmp_path / "loc.json")
    with open(tmp_path / "loc.onnx", "r+b") as fh:
        fh.seek(-16, 2)
        fh.write(b"\0" * 16)
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        ClockLocator(tmp_path / "loc.onnx")


def test_read_time_of_none_says_what_it_needs():
    with pytest.raises(InvalidImageError, match="expected a path, bytes"):
        read_time(None)


def test_the_locators_are_built_once_under_threads():
    reader = load_reader()
    got = []
    threads = [threading.Thread(target=lambda: got.append(reader.locator)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in got}) == 1


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    (d / "a" / "b").mkdir(parents=True)
    render_clock(seed=4, size=256, turned=0, steep=0).image.save(d / "a" / "one.jpg")
    render_clock(seed=5, size=256, turned=0, steep=0).image.save(d / "a" / "b" / "two.png")
    Image.new("RGB", (300, 200), (128, 128, 128)).save(d / "a" / "wall.png")       # nothing like a clock
    two = Image.new("RGB", (900, 400), (90, 100, 90))                              # two clocks side by side
    two.paste(render_clock(seed=4, size=300, turned=0, steep=0).image, (40, 50))
    two.paste(render_clock(seed=6, size=300, turned=0, steep=0).image, (560, 50))
    two.save(d / "pair.png")
    return d


def test_one_row_per_photo_with_a_status_and_a_summary(photos, tmp_path):
    r = _cli("read", str(photos / "a"), "--json")
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert r.returncode == 0 and len(rows) == 3
    by = {x["path"].rsplit("/", 1)[-1]: x for x in rows}
    assert by["wall.png"]["status"] == "no clock" and by["wall.png"]["time"] is None
    assert by["one.jpg"]["status"] in ("ok", "unsure") and by["one.jpg"]["time"]
    assert r.stderr.decode().strip().splitlines()[-1] == "clockreader read: 2 read, " + \
        f"{sum(x['status'] == 'unsure' for x in rows)} unsure, 1 no clock, 0 failed"
    pair = [json.loads(x) for x in _cli("read", str(photos / "pair.png"), "--json").stdout.decode().splitlines()]
    every = [json.loads(x) for x in _cli("read", str(photos / "pair.png"), "--json", "--all").stdout.decode().splitlines()]
    assert len(pair) == 1 and len(every) >= 2 and every[0] == pair[0] and all(x["box"] for x in every)
    (tmp_path / "none").mkdir()
    r = _cli("read", str(tmp_path / "none"))
    assert r.returncode == 1 and "no images or videos in this folder" in r.stderr.decode()


def test_csv_has_conventional_fields(photos):
    r = _cli("read", str(photos / "a" / "one.jpg"), "--csv")
    header, row = r.stdout.decode().splitlines()[:2]
    assert header.split(",")[:11] == ["path", "status", "time", "hour", "minute", "confidence", "unsure", "x0", "y0", "x1", "y1"]
    import csv

    rec = next(csv.DictReader(io.StringIO(r.stdout.decode())))
    assert rec["unsure"] in ("true", "false") and isinstance(json.loads(rec["alternatives"]), list)


def test_annotate_mirrors_folders_and_refuses_bad_dirs(photos, tmp_path):
    out = tmp_path / "ann"
    r = _cli("read", str(photos), "--annotate", str(out), "--json")
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert r.returncode == 0
    assert (out / "a" / "one.annotated.jpg").is_file() and (out / "a" / "b" / "two.annotated.png").is_file()
    assert {x["annotated"] for x in rows} == {str(p) for p in out.rglob("*.annotated.*")}
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere" / "d")
    (tmp_path / "afile").write_text("x")
    for bad, msg in (("dangling", "dangling symbolic link"), ("afile", "exists and is not a folder")):
        r = _cli("read", str(photos / "a" / "one.jpg"), "--annotate", str(tmp_path / bad))
        err = r.stderr.decode()
        assert r.returncode == 2 and msg in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "nowhere").exists()


def test_usage_errors_and_a_closed_pipe(photos, tmp_path):
    for flag, val in (("--batch-size", "0"), ("--threads", "-1"), ("--every", "-2")):
        r = _cli("read", str(photos / "a"), flag, val)
        assert r.returncode == 2 and r.stderr.decode().count("\n") == 1
    p = subprocess.Popen([sys.executable, "-m", "clockreader", "read", str(photos), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err
    sheet = tmp_path / "sheet.png"
    sheet.write_bytes(b"keep me")
    r = _cli("preview", "--out", str(sheet), "--count", "4", "--size", "48")
    assert r.returncode == 1 and "not overwritten" in r.stderr.decode() and sheet.read_bytes() == b"keep me"
    assert _cli("preview", "--out", str(sheet), "--count", "4", "--size", "48", "--force").returncode == 0
    assert Image.open(sheet).size[0] > 48


def test_help_and_version_import_nothing_heavy():
    code = ("import sys\nfrom clockreader.cli import main\nfor argv in (['--help'], ['--version'], ['read', '--help'], ['test', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('numpy', 'PIL', 'onnxruntime', 'torch', 'av', 'ray') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout.decode().strip().splitlines()[-1] == "[]", r.stdout.decode()[-300:]
