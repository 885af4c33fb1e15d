"""Training: the tiny run learns, the ImageNet weight mapping is right, export round-trips, errors are clear."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fastai")

from clockreader.errors import DatasetError, ModelError  # noqa: E402
from clockreader.train.model import ClockNet, create_clock_model, load_lite0_imagenet, load_state_file  # noqa: E402


def test_lite0_imagenet_weights_pass_the_sanity_check():
    """matplotlib's sample photo of Grace Hopper must come out as 'military uniform' (652) in the top 3."""
    import timm
    from matplotlib import cbook
    from PIL import Image

    model = load_lite0_imagenet(timm.create_model("tf_efficientnet_lite0", pretrained=False)).eval()
    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        im = Image.open(fh).convert("RGB")
    cfg = timm.data.resolve_data_config({}, model=model)
    x = timm.data.create_transform(**cfg)(im)[None]
    with torch.no_grad():
        top3 = model(x).topk(3).indices[0].tolist()
    assert 652 in top3


def test_tiny_training_lowers_the_loss():
    from fastai.callback.core import Callback

    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import create_learner

    class Losses(Callback):
        def before_fit(self):
            self.values = []

        def after_batch(self):
            if self.training:
                self.values.append(float(self.loss))

    cfg = TrainConfig(arch="resnet10t", pretrained=None, size=48, epoch_size=16, valid_size=16, bs=16, workers=0,
                      lr=3e-3, out="/tmp/unused")
    learn = create_learner(cfg)
    learn.remove_cbs(learn.cbs.filter(lambda c: type(c).__name__ in ("SafetensorsCheckpoint", "FreshDataEachEpoch")))
    rec = Losses()
    # the same 16 clocks every epoch: the net must start to fit them
    learn.fit(12, 3e-3, cbs=[rec])
    first, last = np.mean(rec.values[:2]), np.mean(rec.values[-2:])
    assert last < first - 0.5, (first, last)


def test_export_round_trip(tiny_model):
    spec = json.loads((tiny_model / "model.json").read_text())
    assert spec["arch"] == "resnet10t" and spec["input_size"] == 64 and spec["layout"] == "hour720+minute60"
    assert spec["head"] == "pool"
    assert spec["training"]["command"] and "acc_1min" in spec["metrics"]["valid"]
    check = spec["metrics"]["onnx_check"]
    assert check["max_abs_diff"] < 1e-3 and check["same_readings"]
    # the safetensors weights load back into a fresh net and give the ONNX model's logits
    import onnxruntime as ort

    net = ClockNet("resnet10t", head="pool", size=64)
    net.load_state_dict(load_state_file(tiny_model / "model.safetensors"))
    x = np.random.default_rng(1).normal(size=(3, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        ref = net.eval()(torch.from_numpy(x)).numpy()
    got = ort.InferenceSession(str(tiny_model / "model.onnx")).run(None, {"image": x})[0]
    assert got.shape == (3, 780) and np.abs(ref - got).max() < 1e-3
    meta = ort.InferenceSession(str(tiny_model / "model.onnx")).get_modelmeta().custom_metadata_map
    assert json.loads(meta["clockreader_spec"])["arch"] == "resnet10t"


def test_head_and_warm_start(tmp_path):
    from safetensors.torch import save_file

    x = torch.zeros(2, 3, 96, 96)
    assert ClockNet("resnet10t", head="pool", size=96).eval()(x).shape == (2, 780)
    for gone in ("mlp", "spatial"):      # the spatial head lost its A/B and was removed
        with pytest.raises(ModelError, match=f"Unknown head '{gone}'"):
            ClockNet("resnet10t", head=gone)
    pooled = ClockNet("resnet10t", head="pool")
    save_file({k: v.contiguous() for k, v in pooled.state_dict().items()}, str(tmp_path / "pool.safetensors"))
    net = create_clock_model("resnet10t", str(tmp_path / "pool.safetensors"), size=96)
    for key in ("backbone.conv1.0.weight", "head.weight"):
        assert torch.equal(net.state_dict()[key], pooled.state_dict()[key])


def test_unknown_arch_and_bad_checkpoint(tmp_path):
    with pytest.raises(ModelError, match="Unknown architecture 'resnet_nope'"):
        create_clock_model("resnet_nope", None)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="unreadable checkpoint"):
        create_clock_model("resnet10t", str(bad))
    with pytest.raises(ModelError, match="checkpoint not found"):
        create_clock_model("resnet10t", str(tmp_path / "missing.pth"))
    with pytest.raises(ModelError, match="fits only --arch tf_efficientnet_lite0"):
        create_clock_model("resnet10t", "lite0-imagenet")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "clockreader", *args], capture_output=True, text=True, timeout=120)


def test_cli_errors_are_one_line(tmp_path):
    r = _cli("train", "--arch", "resnet_nope", "--pretrained", "none", "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and "Unknown architecture 'resnet_nope'" in r.stderr and "Traceback" not in r.stderr
    r = _cli("train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "no such file or folder" in r.stderr
    bad = tmp_path / "x.pth"
    bad.write_bytes(b"\x80\x04garbage")
    r = _cli("train", "--arch", "resnet10t", "--pretrained", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and "unreadable checkpoint" in r.stderr


def test_lr_find_saves_plot(tmp_path):
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import lr_find

    cfg = TrainConfig(arch="resnet10t", pretrained=None, size=48, epoch_size=64, valid_size=16, bs=8, workers=0,
                      out=str(tmp_path))
    res = lr_find(cfg, tmp_path / "lr.png", num_it=30)
    assert 1e-7 < res["valley"] < 10
    assert (tmp_path / "lr.png").stat().st_size > 5000


def test_resume_continues_from_the_checkpoint(tmp_path):
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import train

    cfg = TrainConfig(arch="resnet10t", pretrained=None, size=48, epochs=1, epoch_size=16, valid_size=16, bs=8,
                      workers=0, out=str(tmp_path))
    train(cfg)
    assert json.loads((tmp_path / "checkpoint.json").read_text())["epoch"] == 0
    spec = train(TrainConfig(**{**cfg.__dict__, "epochs": 2, "resume": True}))
    assert json.loads((tmp_path / "checkpoint.json").read_text())["epoch"] == 1
    assert spec.metrics["onnx_check"]["same_readings"]
    # the history keeps the epoch run before the resume, and the curve is drawn from it
    history = spec.metrics["history"]
    assert [h["epoch"] for h in history] == [0, 1]
    assert all(0.0 <= h["acc_1min"] <= 1.0 and h["valid_loss"] > 0 for h in history)
    assert (tmp_path / "training.png").stat().st_size > 5000
    with pytest.raises(FileNotFoundError, match="no checkpoint.json to resume from"):
        train(TrainConfig(**{**cfg.__dict__, "out": str(tmp_path / "empty"), "resume": True}))


def test_warm_start_records_the_earlier_run(tmp_path):
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import train

    first = TrainConfig(arch="resnet10t", pretrained=None, size=48, epochs=1, epoch_size=16, valid_size=16, bs=8,
                        workers=0, out=str(tmp_path / "a"))
    train(first, command="stage one")
    spec = train(TrainConfig(**{**first.__dict__, "pretrained": str(tmp_path / "a" / "model.safetensors"),
                                "out": str(tmp_path / "b")}), command="stage two")
    assert spec.training["command"] == "stage two"
    assert spec.training["warm_start"]["training"]["command"] == "stage one"
    assert "warm_start" not in spec.training["warm_start"]["training"]


def test_average_is_the_mean_of_the_runs_and_records_them(tiny_model, tmp_path):
    """`clockreader average`: every float tensor is the mean of the runs', the ONNX export reads like
    torch, both parents' records are kept, and mismatched or too few runs are refused with the reason."""
    import shutil

    from safetensors.torch import load_file, save_file

    from clockreader.cli import main
    from clockreader.spec import ModelSpec

    a = tiny_model / "model.safetensors"
    other = tmp_path / "other"
    other.mkdir()
    sd = load_file(str(a))
    save_file({k: v + 1.0 if v.is_floating_point() else v for k, v in sd.items()}, str(other / "model.safetensors"))
    shutil.copy(tiny_model / "model.json", other / "model.json")

    assert main(["average", str(a), str(other / "model.safetensors"), "--out", str(tmp_path / "avg")]) == 0
    got = load_file(str(tmp_path / "avg" / "model.safetensors"))
    for k, v in sd.items():
        if v.is_floating_point():
            assert torch.allclose(got[k], v + 0.5, atol=1e-5), k
    spec = ModelSpec.load(tmp_path / "avg" / "model.json")
    assert spec.metrics["onnx_check"]["same_readings"] and spec.sha256
    assert [p["from"] for p in spec.training["average_of"]] == [str(a), str(other / "model.safetensors")]
    assert spec.training["command"].startswith("clockreader average")

    # nothing is overwritten
    assert main(["average", str(a), str(other / "model.safetensors"), "--out", str(tmp_path / "avg")]) == 1
    # another input size cannot be averaged
    spec_b = json.loads((other / "model.json").read_text())
    (other / "model.json").write_text(json.dumps({**spec_b, "input_size": 96}))
    from clockreader.train.average import average_runs

    with pytest.raises(ModelError, match="at 96 px .* cannot be averaged"):
        average_runs([a, other / "model.safetensors"], tmp_path / "avg2")
    # unless the mean's own input size is named (a fine-tune at a larger input and its parent)
    assert main(["average", str(a), str(other / "model.safetensors"), "--size", "96", "--out", str(tmp_path / "avg96")]) == 0
    spec96 = ModelSpec.load(tmp_path / "avg96" / "model.json")
    assert spec96.input_size == 96 and spec96.metrics["onnx_check"]["same_readings"]
    with pytest.raises(ValueError, match="two or more"):
        average_runs([a], tmp_path / "avg3")


def test_bundled_readers_training_checkpoints_compute_the_bundled_model(tmp_path):
    """Each bundled reader's training checkpoint is kept (checkpoints/hands2X3L, hands20X3L: float16
    safetensors with the spec beside them), and the two, run in torch and merged as the ensemble merges them
    (each head's mean log-probabilities, the points' mean, then the joint decode with the points), give the bundled
    ONNX model's readings. An exported ONNX is refused for fine-tuning, naming them."""
    import onnxruntime as ort

    from clockreader.decode import decode, hand_votes, split_outputs
    from clockreader.preprocess import prepare
    from clockreader.render import render_clock
    from clockreader.runtime.reader import DEFAULT_MODEL, merge_views
    from clockreader.spec import ModelSpec
    from clockreader.train.model import load_run

    root = pathlib.Path(__file__).resolve().parents[1] / "checkpoints"
    nets = [load_run(root / name / "model.safetensors") for name in ("hands2X3L", "hands20X3L")]
    spec = nets[0][1]
    assert spec.input_size == 192 and all(s.arch == "tf_efficientnet_lite0" for _, s in nets)
    assert all(m.hands_head.body[0].out_channels == 32 for m, _ in nets)   # the lean heads (recipes/lean_hands.py)
    lean = [s.training["lean_hands"] for _, s in nets]   # fitted to E2X3's members
    assert [d["from"] for d in lean] == ["checkpoints/hands2X3", "checkpoints/hands20X3"] and all(d["hidden"] == 32 for d in lean)
    x = np.stack([prepare(render_clock(seed=s, size=192).image, spec) for s in range(6)])
    with torch.no_grad():
        outs = [split_outputs(m.eval()(torch.from_numpy(x)).numpy()) for m, _ in nets]
    mine = merge_views(np.stack([lg for lg, _ in outs]))
    points = np.mean([p for _, p in outs], axis=0)
    got, got_points = split_outputs(ort.InferenceSession(str(DEFAULT_MODEL), providers=["CPUExecutionProvider"])
                                    .run(None, {"image": x})[0])
    assert np.abs(mine - got).max() < 0.1 and np.abs(points - got_points).max() < 0.01
    weight = ModelSpec.load(DEFAULT_MODEL.with_suffix(".json")).points_weight
    assert weight == 0.5
    assert (decode(hand_votes(mine, points, weight))[0] == decode(hand_votes(got, got_points, weight))[0]).all()

    with pytest.raises(ModelError, match="cannot be fine-tuned .* checkpoints/hands2X3L/"):
        create_clock_model("tf_efficientnet_lite0", str(DEFAULT_MODEL), size=192)
    with pytest.raises(ModelError, match="model.onnx: an exported ONNX model cannot be fine-tuned"):
        load_run(tmp_path / "model.onnx")


def _points_run(tiny_model, tmp_path, head: str):
    """A one-epoch run from the tiny model with a points head (``dial`` or ``hands``): its folder, after
    checking its layout, its points error and its ONNX check."""
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import train

    out = tmp_path / head
    train(TrainConfig(arch="resnet10t", pretrained=str(tiny_model / "model.safetensors"), size=64, epochs=1,
                      epoch_size=32, valid_size=16, bs=16, lr=1e-3, out=str(out), **{head: True}))
    spec = json.loads((out / "model.json").read_text())
    assert spec["layout"] == f"hour720+minute60+{head}8" and 0 < spec["metrics"]["valid"][f"{head}_err"] < 10
    assert spec["metrics"]["onnx_check"]["same_readings"]
    return out


def test_dial_model_warm_starts_exports_and_reads(tiny_model, tmp_path):
    """``--dial`` keeps the parent's reading head, adds the quarter-point head, exports 788 outputs, and the
    reader reads such a model as any other (its points are not used for reading)."""
    from clockreader import load_reader
    from clockreader.preprocess import prepare
    from clockreader.render import render_clock

    out = _points_run(tiny_model, tmp_path, "dial")
    parent = create_clock_model("resnet10t", str(tiny_model / "model.safetensors"), size=64, dial=True)
    assert torch.equal(parent.head.weight, load_state_file(tiny_model / "model.safetensors")["head.weight"])
    with torch.no_grad():  # the dial head starts as a head-on, upright dial
        start = parent.eval()(torch.zeros(2, 3, 64, 64))[:, 780:].view(2, 4, 2)
    assert torch.allclose(start, torch.tensor([[0.0, -0.6], [0.6, 0.0], [0.0, 0.6], [-0.6, 0.0]]).expand(2, 4, 2))

    reader = load_reader(out, locator=None)
    im = render_clock(seed=7, size=128, steep=1.0).image
    logits, dial = reader._outputs(prepare(im, reader.spec)[None])
    assert logits.shape == (1, 780) and dial.shape == (1, 4, 2)
    res = subprocess.run([sys.executable, "-m", "clockreader", "test", "synthetic:8:1", "--model", str(out / "model.onnx"),
                          "--locate", "never", "--quiet", "--json", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-500:]
    assert json.loads((tmp_path / "r.json").read_text())["figures"]["count"] == 8


def test_hands_model_learns_dense_points_exports_and_reads(tiny_model, tmp_path):
    """``--hands`` keeps the parent's reading head, adds the hands head on the stride-8 features (centre,
    12 o'clock, both tips), trains it against dense cell targets as well as the points, exports 788 outputs,
    and the reader reads such a model as any other."""
    from clockreader import load_reader
    from clockreader.preprocess import prepare
    from clockreader.render import render_clock
    from clockreader.train.objectives import ClockLoss, heat_loss

    out = _points_run(tiny_model, tmp_path, "hands")
    net = create_clock_model("resnet10t", str(tiny_model / "model.safetensors"), size=64, hands=True)
    assert torch.equal(net.head.weight, load_state_file(tiny_model / "model.safetensors")["head.weight"])
    x = torch.zeros(2, 3, 64, 64)
    assert net.train()(x).shape == (2, 788 + 4 * 8 * 8) and net.eval()(x).shape == (2, 788)  # cells at stride 8
    assert torch.allclose(net.eval()(x)[:, 780:], torch.zeros(2, 8), atol=1e-6)  # no prior: every point starts at the centre

    # the dense target: a score map peaked on the true cell costs less than a flat one or one peaked elsewhere
    pts = torch.tensor([[[0.0, 0.0], [0.0, -0.8], [0.4, -0.2], [-0.5, 0.5]]])
    flat, right, wrong = torch.zeros(1, 4 * 64), torch.zeros(1, 4, 8, 8), torch.zeros(1, 4, 8, 8)
    for k, (px, py) in enumerate(pts[0].tolist()):
        ix, iy = min(int((px + 1) * 4), 7), min(int((py + 1) * 4), 7)
        right[0, k, iy, ix] = 1.0
        wrong[0, k, (iy + 4) % 8, (ix + 4) % 8] = 1.0   # half the frame away
    assert heat_loss(right.flatten(1), pts) < heat_loss(flat, pts) < heat_loss(wrong.flatten(1), pts)
    outside = pts.clone()
    outside[0, 3] = torch.tensor([1.5, 0.0])   # a tip out of the frame has no cell: it does not count
    assert torch.isclose(heat_loss(right.flatten(1), outside), heat_loss(right[:, :3].flatten(1), pts[:, :3]))
    assert ClockLoss()(torch.cat([torch.zeros(1, 788), flat], 1), pts, torch.tensor([30.0])) > ClockLoss()(torch.zeros(1, 788), pts, torch.tensor([30.0]))

    reader = load_reader(out, locator=None)
    logits, points = reader._outputs(prepare(render_clock(seed=7, size=128).image, reader.spec)[None])
    assert logits.shape == (1, 780) and points.shape == (1, 4, 2)
    with pytest.raises(ModelError, match="not both"):
        ClockNet("resnet10t", size=64, dial=True, hands=True)


def test_a_leaner_hands_head_loads_at_its_checkpoints_width(tmp_path):
    """A hands head made narrower than 64 channels (recipes/lean_hands.py) is rebuilt at its own width from
    the checkpoint, with the same outputs, both to read (``load_run``) and to fine-tune from (``train --pretrained``,
    which must not drop it for a fresh 64-channel head); the spec does not have to say it."""
    from safetensors.torch import save_file

    from clockreader.spec import ModelSpec
    from clockreader.train.model import load_run

    net = ClockNet("resnet10t", size=64, hands=True, hands_hidden=16).eval()
    torch.nn.init.normal_(net.hands_head.out.weight, std=0.1)   # points away from the centre
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp_path / "model.safetensors"))
    ModelSpec(arch="resnet10t", input_size=64, layout="hour720+minute60+hands8").save(tmp_path / "model.json")
    loaded, _ = load_run(tmp_path / "model.safetensors")
    assert loaded.hands_head.body[0].out_channels == 16
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(loaded.eval()(x), net(x)) and net(x)[:, 780:].abs().max() > 0
        tuned = create_clock_model("resnet10t", str(tmp_path / "model.safetensors"), size=64, hands=True).eval()
        assert tuned.hands_head.body[0].out_channels == 16 and torch.equal(tuned(x), net(x))


def test_hands_model_trains_on_real_photos_beside_renders(tiny_model, tmp_path):
    """``--hands --data synthetic,FOLDER``: labelled photos (pseudo-labels) have no points; they come with NaN
    points, which the batch augmentations carry, and train the reading alone; the loss stays finite and the
    renders' points still count."""
    import csv

    from clockreader.render import render_clock
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import train
    from clockreader.train.objectives import ClockLoss

    folder = tmp_path / "pseudo"
    (folder / "images").mkdir(parents=True)
    with (folder / "labels.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "hour", "minute"])
        for seed in range(16):
            s = render_clock(seed=100 + seed, size=96)
            s.image.save(folder / "images" / f"{seed}.jpg")
            w.writerow([f"images/{seed}.jpg", s.time.hour, s.time.minute])
    out = tmp_path / "mixed"
    train(TrainConfig(arch="resnet10t", pretrained=str(tiny_model / "model.safetensors"), size=64, epochs=1, epoch_size=16,
                      valid_size=16, bs=16, lr=1e-3, out=str(out), hands=True, data=["synthetic", str(folder)]))
    spec = json.loads((out / "model.json").read_text())
    assert spec["layout"].endswith("+hands8") and np.isfinite(spec["metrics"]["valid"]["train_loss"])

    torch.manual_seed(0)
    pred, pts, minutes = torch.randn(4, 788 + 4 * 64), torch.rand(4, 4, 2) * 2 - 1, torch.tensor([30.0, 100.0, 200.0, 700.0])
    unknown = pts.clone()
    unknown[2:] = float("nan")   # two real photos: their points unknown
    loss, reading = ClockLoss(), ClockLoss()._reading(pred[:, :780], minutes)
    got = loss(pred, unknown, minutes)
    assert torch.isfinite(got)
    points_only = loss(pred[:2], pts[:2], minutes[:2]) - ClockLoss()._reading(pred[:2, :780], minutes[:2])
    assert torch.isclose(got, reading + points_only, atol=1e-5)   # all four readings, two photos' points
    assert torch.isclose(loss(pred, torch.full_like(pts, float("nan")), minutes), reading)
    with pytest.raises(DatasetError, match="--hands learns its points from renders: give --data synthetic"):
        train(TrainConfig(arch="resnet10t", pretrained=None, size=64, epochs=1, hands=True, data=[str(folder)],
                          out=str(tmp_path / "folders-only")))


def test_hand_votes_decode_the_bins_jointly_with_the_points():
    """A +hands8 model's points vote in decoding (spec.points_weight): each tip's angle about the predicted
    centre, measured from the predicted 12, pulls its hand's bins; weight 0 leaves the bins alone."""
    from clockreader.decode import decode, hand_votes, tip_angles

    # centre, 12 o'clock, and the tips of 4:15 (the hour hand at 127.75 degrees, the minute hand at 93), y down
    tip = lambda deg, r: [r * np.sin(np.radians(deg)), -r * np.cos(np.radians(deg))]  # noqa: E731
    pts = np.array([[[0.0, 0.0], [0.0, -0.8], tip(127.75, 0.4), tip(93.0, 0.6)]])
    hour, minute = tip_angles(pts)
    assert abs(hour[0] - 127.75) < 1e-6 and abs(minute[0] - 93.0) < 1e-6
    turned = pts @ np.array([[0.0, 1.0], [-1.0, 0.0]])  # the whole dial turned 90 degrees: the same time
    assert np.allclose(tip_angles(turned), (hour, minute))
    flat = np.zeros((1, 780), np.float32)
    assert np.array_equal(hand_votes(flat, pts, 0.0), flat)
    assert decode(hand_votes(flat, pts, 8.0))[0][0] == 4 * 60 + 15  # 4:15, from the points alone
    sure = flat.copy()
    sure[0, 2 * 60 + 40] = sure[0, 720 + 40] = 12.0   # bins sure of 2:40: a weak vote does not overturn them
    assert decode(hand_votes(sure, pts, 0.5))[0][0] == 2 * 60 + 40


def _perturbed_copy(tiny_model, folder, seed=3):
    """The tiny model with its reading head's bias moved (another member for an ensemble)."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(tiny_model / "model.onnx"))
    t = next(t for t in m.graph.initializer if t.name == "head.bias")
    t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t) + np.random.default_rng(seed).normal(0, 2, t.dims[0]).astype(np.float32), t.name))
    folder.mkdir()
    onnx.save(m, str(folder / "model.onnx"))
    spec = json.loads((tiny_model / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**spec, "sha256": None}))
    return folder / "model.onnx"


def test_ensemble_averages_its_members_readings_in_one_onnx_file(tiny_model, tmp_path):
    """`clockreader ensemble`: one ONNX file whose output is the mean of its members' per-head
    log-probabilities, weights stored as float16 (about half the members' size), both members' records in
    its spec, read by the runtime like any model;
    mismatched inputs, a locator, too few models and an existing output are refused with the reason."""
    import onnxruntime as ort

    from clockreader import load_reader
    from clockreader.cli import main
    from clockreader.render import render_clock
    from clockreader.runtime.reader import merge_views
    from clockreader.spec import ModelSpec
    from clockreader.train.ensemble import ensemble_models

    a, b = tiny_model / "model.onnx", _perturbed_copy(tiny_model, tmp_path / "b")
    out = tmp_path / "ens"
    assert main(["ensemble", str(a), str(b.parent), "--out", str(out)]) == 0
    spec = ModelSpec.load(out / "model.json")
    assert spec.layout == "hour720+minute60" and spec.input_size == 64 and spec.sha256
    assert [m["from"] for m in spec.training["ensemble_of"]] == [str(a), str(b)]
    assert spec.training["command"].startswith("clockreader ensemble") and spec.metrics["onnx_check"]["same_readings"]
    assert (out / "model.onnx").stat().st_size < 0.6 * (a.stat().st_size + b.stat().st_size)

    x = np.random.default_rng(4).normal(size=(5, 3, 64, 64)).astype(np.float32)
    run = lambda p: ort.InferenceSession(str(p)).run(None, {"image": x})[0]  # noqa: E731
    want, got = merge_views(np.stack([run(a), run(b)])), run(out / "model.onnx")
    assert got.shape == (5, 780) and np.abs(got - want).max() < 0.05
    assert np.abs(got - merge_views(run(a)[None])).max() > 0.1  # the second member counts
    reading = load_reader(out, locator=None).read(render_clock(seed=1, size=96).image)
    assert 1 <= reading.hour <= 12 and 0 <= reading.minute < 60

    assert main(["ensemble", str(a), str(b), "--out", str(out)]) == 1  # nothing is overwritten
    with pytest.raises(ValueError, match="two or more"):
        ensemble_models([a], tmp_path / "one")
    spec_b = json.loads((b.parent / "model.json").read_text())
    (b.parent / "model.json").write_text(json.dumps({**spec_b, "input_size": 96}))
    with pytest.raises(ModelError, match="reads 96 px .* cannot share its input"):
        ensemble_models([a, b], tmp_path / "sizes")
    from clockreader.runtime.locator import DEFAULT_LOCATOR

    with pytest.raises(ModelError, match="centernet model is not a clock reader"):
        ensemble_models([a, DEFAULT_LOCATOR], tmp_path / "locator")
    locator_checkpoint = pathlib.Path(__file__).resolve().parents[1] / "checkpoints" / "clockreader-locator.safetensors"
    with pytest.raises(ModelError, match="clockreader-locator.json: model spec not found"):  # a checkpoint needs its spec
        ensemble_models([a, locator_checkpoint], tmp_path / "locator")
    with pytest.raises(ModelError, match="model.pt: an ensemble is built from .onnx models or training checkpoints"):
        (tmp_path / "model.pt").write_bytes(b"x")
        ensemble_models([a, tmp_path / "model.pt"], tmp_path / "pt")


def test_an_ensemble_carries_its_hands_members_points_and_decodes_jointly(tiny_model, tmp_path):
    """A ``--hands`` member brings its points: the ensemble's output is the members' merged logits followed by
    the hands members' mean points (layout +hands8), its points_weight is the members' mean weight (a member
    without the head counts 0), and the runtime reads it with the joint decode."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    from clockreader import load_reader
    from clockreader.decode import hand_votes, split_outputs
    from clockreader.preprocess import prepare
    from clockreader.render import render_clock
    from clockreader.runtime.reader import merge_views
    from clockreader.spec import ModelSpec
    from clockreader.train.ensemble import ensemble_models

    hands = _points_run(tiny_model, tmp_path, "hands")
    side = json.loads((hands / "model.json").read_text())
    (hands / "model.json").write_text(json.dumps({**side, "points_weight": 2.0}))
    plain, members = tiny_model / "model.onnx", [hands / "model.onnx", tiny_model / "model.onnx"]
    spec = ensemble_models([hands / "model.safetensors", tiny_model], tmp_path / "ens")  # a checkpoint is exported first
    assert [m["from"] for m in spec.training["ensemble_of"]] == [str(hands / "model.safetensors"), str(plain)]
    assert spec.layout == "hour720+minute60+hands8" and spec.points_weight == 1.0  # (2 + 0) / 2
    assert spec.metrics["onnx_check"]["same_readings"] and spec.metrics["onnx_check"]["max_abs_diff"] < 0.05

    x = np.random.default_rng(6).normal(size=(3, 3, 64, 64)).astype(np.float32)
    run = lambda p: split_outputs(ort.InferenceSession(str(p)).run(None, {"image": x})[0])  # noqa: E731
    (h_logits, h_points), (p_logits, _) = run(members[0]), run(plain)
    logits, points = run(tmp_path / "ens" / "model.onnx")
    assert np.abs(logits - merge_views(np.stack([h_logits, p_logits]))).max() < 0.05
    assert np.abs(points - h_points).max() < 0.01   # one hands member: its points are the ensemble's

    # two hands members: their points weighed by their points_weight (2 and 6: shares 1/4 and 3/4)
    other = tmp_path / "hands-b"
    other.mkdir()
    onnx_b = onnx.load(str(members[0]))
    t = next(t for t in onnx_b.graph.initializer if t.name == "hands_head.out.bias")   # cell scores and offsets
    t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t) + np.random.default_rng(1).normal(0, 1, 12).astype(np.float32), t.name))
    onnx.save(onnx_b, str(other / "model.onnx"))
    (other / "model.json").write_text(json.dumps({**side, "points_weight": 6.0, "sha256": None}))
    two = ensemble_models([members[0], other], tmp_path / "two")
    assert two.layout.endswith("+hands8") and two.points_weight == 4.0 and two.metrics["onnx_check"]["same_readings"]
    b_logits, b_points = run(other / "model.onnx")
    assert np.abs(b_points - h_points).max() > 0.05   # the second member's points differ
    _, two_points = run(tmp_path / "two" / "model.onnx")
    assert np.abs(two_points - (0.25 * h_points + 0.75 * b_points)).max() < 0.01
    nested = ensemble_models([tmp_path / "ens", members[0]], tmp_path / "nested")   # an ensemble of an ensemble
    assert nested.layout.endswith("+hands8") and nested.metrics["onnx_check"]["same_readings"]

    # the runtime decodes the ensemble jointly: its points vote with the spec's weight, per view under TTA
    reader = load_reader(tmp_path / "ens", locator=None)
    im = prepare(render_clock(seed=3, size=96).image, reader.spec)[None]
    raw, raw_points = split_outputs(ort.InferenceSession(str(tmp_path / "ens" / "model.onnx")).run(None, {"image": im})[0])
    voted, _ = reader._outputs(im)
    assert np.allclose(voted, hand_votes(raw, raw_points, 1.0), atol=1e-5) and not np.allclose(voted, raw)
    assert load_reader(tmp_path / "ens", locator=None, tta=True).read(render_clock(seed=3, size=96).image).hour in range(1, 13)

    with pytest.raises(ModelError, match="checkpoint.json: model spec not found"):   # a run's training state is no spec
        (hands / "checkpoint.safetensors").write_bytes((hands / "model.safetensors").read_bytes())
        (hands / "checkpoint.json").write_text(json.dumps({"metrics": {}, "epoch": 1}))
        ensemble_models([hands / "checkpoint.safetensors", plain], tmp_path / "state")
    assert not (tmp_path / "state").exists()   # refused before anything was written
    (tmp_path / "no-model").mkdir()
    with pytest.raises(ModelError, match="no-model: no model.onnx or model.safetensors in this folder"):
        ensemble_models([tmp_path / "no-model", plain], tmp_path / "empty")


def test_ensemble_can_store_its_weights_as_int8(tiny_model, tmp_path):
    """`clockreader ensemble --store int8`: per-channel int8 weights, a quarter of float32 (so three
    readers of the bundled size fit the 20 MB limit), read by ONNX Runtime close to the float32 ensemble;
    an unknown storage type is refused."""
    import onnxruntime as ort

    from clockreader.cli import main
    from clockreader.train.ensemble import store_compact

    a, b = tiny_model / "model.onnx", _perturbed_copy(tiny_model, tmp_path / "b")
    assert main(["ensemble", str(a), str(b), "--out", str(tmp_path / "f32"), "--store", "float32"]) == 0
    assert main(["ensemble", str(a), str(b), "--out", str(tmp_path / "i8"), "--store", "int8"]) == 0
    f32, i8 = tmp_path / "f32" / "model.onnx", tmp_path / "i8" / "model.onnx"
    assert i8.stat().st_size < 0.3 * f32.stat().st_size

    x = np.random.default_rng(5).normal(size=(5, 3, 64, 64)).astype(np.float32)
    run = lambda p: ort.InferenceSession(str(p)).run(None, {"image": x})[0]  # noqa: E731
    want, got = run(f32), run(i8)
    assert np.abs(got - want).max() < 0.1 * np.abs(want).max()
    assert (got[:, :720].argmax(1) == want[:, :720].argmax(1)).all()

    import onnx
    with pytest.raises(ValueError, match="float16, int8, not int4"):
        store_compact(onnx.load(str(a)), "int4")
    with pytest.raises(SystemExit):  # argparse names the choices
        main(["ensemble", str(a), str(b), "--out", str(tmp_path / "x"), "--store", "int4"])
    assert not (tmp_path / "x").exists()


def test_far_clocks_are_rendered_small_and_enlarged_with_their_dial_points():
    """`train --far`: a share of the training clocks is rendered at 20-50% of the input size and enlarged, as
    the reader gets a small clock cropped from a wide photo; the label and the dial points stay right."""
    from clockreader.train.data import SyntheticClocks

    near, far = SyntheticClocks(8, 192, seed=3, dial=True), SyntheticClocks(8, 192, seed=3, dial=True, far=1.0)

    def detail(x):  # mean absolute difference between neighbouring pixels: fine detail
        return float(np.abs(np.diff(np.asarray(x), axis=-1)).mean())

    def spread(p):  # the dial's span in the frame: distance between opposite quarter points, in [-1, 1] units
        p = np.asarray(p)
        return float(np.linalg.norm(p[0] - p[2]) + np.linalg.norm(p[1] - p[3])) / 2

    items_near, items_far = [near[i] for i in range(8)], [far[i] for i in range(8)]
    for x, p, m in items_far:
        assert x.shape == (3, 192, 192) and p.shape == (4, 2) and 0 <= float(m) < 720
        assert (np.abs(np.asarray(p)) <= 1.2).all()
    # the points are scaled with the clock: its dial spans as much of the frame as a near clock's does
    assert np.median([spread(p) for _, p, _ in items_far]) == pytest.approx(np.median([spread(p) for _, p, _ in items_near]), rel=0.3)
    assert np.mean([detail(x) for x, _, _ in items_far]) < 0.8 * np.mean([detail(x) for x, _, _ in items_near])
    assert SyntheticClocks(4, 96, seed=3).far == 0.0
