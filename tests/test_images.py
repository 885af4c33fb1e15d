import io

import numpy as np
import pytest
from PIL import Image

from clockreader.errors import ImageTooLargeError, InvalidImageError
from clockreader.images import load_image


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
def test_every_pillow_mode_becomes_rgb(mode):
    im = Image.new(mode, (20, 10))
    out = load_image(im)
    assert out.mode == "RGB" and out.size == (20, 10)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "phone.jpg", exif=exif)
    assert load_image(tmp_path / "phone.jpg").size == (20, 40)


def test_inputs_of_every_kind(tmp_path):
    im = Image.new("RGB", (30, 30), (1, 2, 3))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    assert load_image(buf.getvalue()).size == (30, 30)
    assert load_image(io.BytesIO(buf.getvalue())).size == (30, 30)
    assert load_image(np.zeros((30, 30, 3), np.uint8)).size == (30, 30)
    assert load_image(np.zeros((30, 30), np.float32)).size == (30, 30)


def test_animated_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0))]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    assert load_image(tmp_path / "a.gif").getpixel((0, 0))[0] > 200


@pytest.mark.parametrize("make,msg", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"hello, I am not an image"), "not an image file"),
    (lambda p: p.write_bytes(_png()[:60]), "cannot decode|not an image"),
    (lambda p: Image.new("RGB", (1, 1)).save(p, "PNG"), "too small"),
])
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path, make, msg):
    p = tmp_path / "bad.png"
    make(p)
    with pytest.raises(InvalidImageError, match=msg) as e:
        load_image(p)
    assert str(p) in str(e.value) and "\n" not in str(e.value)


def _png():
    buf = io.BytesIO()
    Image.fromarray((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InvalidImageError, match="file not found"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(InvalidImageError, match="is a folder"):
        load_image(tmp_path)


def test_decompression_bomb_guard(tmp_path):
    # a 1-bit PNG of 12000 x 10000 px is small on disk but over the 100 MP limit
    Image.new("1", (12000, 10000)).save(tmp_path / "bomb.png")
    with pytest.raises(ImageTooLargeError, match="too large"):
        load_image(tmp_path / "bomb.png")


def test_draft_mode_decodes_large_jpeg_smaller(tmp_path):
    Image.new("RGB", (4000, 3000), (90, 90, 90)).save(tmp_path / "big.jpg")
    out = load_image(tmp_path / "big.jpg", draft_size=256)
    assert min(out.size) >= 256 and out.width < 4000
