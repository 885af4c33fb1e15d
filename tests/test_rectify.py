"""Dial points and rectification: the renderer's quarter points, the homography they give, and the
rectified view the reader reads."""

import numpy as np
import pytest

from clockreader.geometry import QUARTERS, apply_homography, homography_from_points
from clockreader.render import Camera, render_clock, sample_style
from clockreader.runtime.rectify import FACE, rectify
from clockreader.time import ClockTime


def _render(pitch=0.0, yaw=0.0, roll=0.0, size=256):
    style = sample_style(np.random.default_rng(5))
    style.depth, style.wall_shadow = 0.0, 0.0
    cam = Camera(radius=80, cx=size / 2, cy=size / 2, pitch=pitch, yaw=yaw, roll=roll)
    return render_clock(5, size=size, time=ClockTime(2, 40), style=style, camera=cam, effects=False,
                        background=(40, 90, 40))


def _model_points(s):
    return np.asarray(s.dial) / np.asarray(s.image.size) * 2 - 1


def test_dial_points_are_the_truth_the_renderer_draws():
    s = _render(pitch=35.0, yaw=-20.0, roll=70.0)
    assert np.allclose(s.dial[0], s.twelve)  # the first quarter point is the face's edge at 12
    assert s.truth()["dial"][0] == [round(float(v), 2) for v in s.twelve]
    # the four points and the centre lie on one plane: the homography through the quarters maps 0 to the centre
    h = homography_from_points(QUARTERS, s.dial)
    assert np.allclose(apply_homography(h, [[0.0, 0.0]])[0], s.center, atol=1e-6)
    up = np.asarray(s.dial[0]) - np.asarray(s.center)
    assert 60 < np.degrees(np.arctan2(up[0], -up[1])) < 80  # turned 70 degrees clockwise, seen off axis
    d12, d39 = np.linalg.norm(s.dial[0] - s.dial[2]), np.linalg.norm(s.dial[1] - s.dial[3])
    assert min(d12, d39) / max(d12, d39) < 0.9  # tilted: the dial's diameters differ
    head_on = _render()
    offsets = np.asarray(head_on.dial) - np.asarray(head_on.center)  # head-on and upright: a square, 12 on top
    radius = np.linalg.norm(offsets, axis=1).mean()
    assert np.allclose(offsets, radius * QUARTERS, atol=1e-6 * radius + 1e-6)


def _face(img, side):
    a = np.asarray(img.convert("L").resize((side, side)), float)
    yy, xx = np.mgrid[:side, :side]
    inside = (xx + 0.5 - side / 2) ** 2 + (yy + 0.5 - side / 2) ** 2 < (0.9 * FACE * side) ** 2
    return a[inside]


def test_rectify_shows_a_tilted_turned_dial_as_the_head_on_one():
    """Rectified with its own quarter points, a dial seen 50 degrees off axis and turned by 100 degrees
    looks like the same dial seen head-on and upright (pixel correlation inside the face)."""
    flat, tilted = _render(), _render(pitch=50.0, roll=100.0)
    ref = _face(rectify(flat.image, _model_points(flat), side=200), 200)
    got = _face(rectify(tilted.image, _model_points(tilted), side=200), 200)
    raw = _face(tilted.image.resize((200, 200)), 200)
    assert np.corrcoef(ref, got)[0, 1] > 0.8
    assert np.corrcoef(ref, raw)[0, 1] < 0.3


def test_rectify_refuses_points_that_are_no_dial():
    s = _render()
    pts = _model_points(s)
    assert rectify(s.image, pts[::-1]) is None          # mirrored: 12, 9, 6, 3 goes round anticlockwise
    assert rectify(s.image, np.zeros((4, 2))) is None   # all in one place
    assert rectify(s.image, pts).size == (256, 256)


@pytest.mark.parametrize("size", [64, 96])
def test_dial_points_follow_the_pixels_through_the_training_augmentation(size):
    """Labels that come out of augmentation out of step with the image are the classic bug: bright dots put
    where the points are must still be where the augmented points say."""
    torch = pytest.importorskip("torch")
    from fastai.data.core import TfmdDL
    from fastai.torch_core import TensorImage
    from fastai.vision.core import TensorPoint

    from clockreader.train.learner import TrainConfig, create_dataloaders

    cfg = TrainConfig(size=size, epoch_size=8, bs=8, valid_size=8, dial=True, pretrained=None)
    tfms = create_dataloaders(cfg, torch.device("cpu")).train.after_batch.fs

    class Dots(torch.utils.data.Dataset):
        n_inp = 1

        def __len__(self):
            return 8

        def __getitem__(self, i):
            pts = np.random.default_rng(i).uniform(0.25 * size, 0.75 * size, (4, 2)).astype(np.float32)
            img = np.zeros((3, size, size), np.float32)
            for k, (x, y) in enumerate(pts[:3]):
                img[k, int(y) - 2:int(y) + 3, int(x) - 2:int(x) + 3] = 1.0
            p = (np.floor(pts) + 0.5) * 2 / size - 1  # the dots' centres
            return TensorImage(torch.from_numpy(img)), TensorPoint(torch.from_numpy(p), img_size=(size, size)), torch.tensor(0.0)

    torch.manual_seed(0)
    errs = []
    for _ in range(3):
        x, p, _ = TfmdDL(Dots(), bs=8, after_batch=tfms, device="cpu").one_batch()
        for b in range(8):
            for k in range(3):
                ch = x[b, k].numpy() - np.median(x[b, k].numpy())
                ys, xs = np.nonzero(ch > 0.5 * ch.max())
                w = ch[ys, xs]
                got = np.array([(xs * w).sum(), (ys * w).sum()]) / w.sum() + 0.5
                errs.append(np.abs(got - (p[b, k].numpy() + 1) * size / 2).max())
    assert np.max(errs) < 1.0, np.max(errs)
