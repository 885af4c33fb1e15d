"""A leaner hands head for a trained hands reader (docs/history.md, "Choice rule for a leaner hands head, E2X3L").

The member's backbone and bins stay as they are (frozen); only its hands head is replaced by one of ``--hidden``
channels, fitted to what the old head gives (each point's cell scores, as a distribution over the cells, and its
points) on the same inputs. Distillation needs no labels, so besides renders it uses real images that are never
validation sets (their labels are never read): unlabelled-real's photos as the reader frames them (``ClockReader._plan`` under ``auto``, plus looser,
tighter and shifted cuts of each located clock) and frames of time-lapse videos 0 and 3.

    python recipes/lean_hands.py views --out runs/lean/views.npz            # the inputs, once (uint8, 192 px)
    python recipes/lean_hands.py fit checkpoints/hands2X3 --views runs/lean/views.npz --out runs/hands2X3L

The fit is fastai's one-cycle loop over cached backbone features (the backbone runs once per input), so it takes
minutes, not the hours of a fine-tune. ``fit`` prints, on held-out real views (a tenth of the photos, by photo),
how far the lean head's tips are from the old head's and how often the member's joint decode reads the same minute.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from clockreader.decode import hand_votes, decode, tip_angles
from clockreader.images import draft_scale, load_image
from clockreader.preprocess import normalize, resize_for_model
from clockreader.runtime.locator import crop_with_margin
from clockreader.spec import source_commit
from clockreader.train.data import SyntheticClocks
from clockreader.train.export import export_model
from clockreader.train.model import HandsHead, load_run

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SIZE = 192


def _jitter(rng, im, box):
    """A cut of ``box`` looser or tighter (margin 0-35%) and shifted by up to a tenth of its side."""
    x0, y0, x1, y1 = box
    dx, dy = rng.uniform(-0.1, 0.1, 2) * (x1 - x0, y1 - y0)
    return crop_with_margin(im, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), margin=rng.uniform(0.0, 0.35))


def _small(im) -> np.ndarray:
    return np.asarray(resize_for_model(im, SIZE, "squish"), np.uint8)


def make_views(out: Path, renders: int, seed: int) -> None:
    from clockreader.runtime.reader import load_reader
    from clockreader.video import iter_frames

    rng = np.random.default_rng(seed)
    reader = load_reader(threads=1)
    real, group = [], []   # group: which photo (or video) a view comes from, for the held-out split
    photos = sorted(p for p in (DATA / "unlabelled-real").rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    for k, p in enumerate(tqdm(photos, desc="unlabelled-real")):
        try:
            im = load_image(p, draft_size=1024)
            crops, boxes, found, _ = reader._plan(im, "auto")
        except Exception as e:  # noqa: BLE001 - a bad photo is skipped, as read skips it
            print(f"{p}: skipped ({e})")
            continue
        views = list(crops)
        if boxes is not None and found:   # boxes are in the file's pixels; im may be a JPEG decoded in draft
            sx, sy = draft_scale(im)
            views += [_jitter(rng, im, np.divide(b, [sx, sy, sx, sy])) for b in boxes[:2] for _ in range(2)]
        views = [c for c in views if min(c.size) >= 8]
        real += [_small(v) for v in views]
        group += [k] * len(views)
    for v in (0, 3):   # the two videos that are not kept for validation
        for _, _, frame in iter_frames(DATA / "timelapse" / f"clock_video_{v}.mp4", every=None, frames=slice(0, None, 3)):
            crops, _, _, _ = reader._plan(frame, "auto")
            real += [_small(c) for c in crops[:1]]
            group.append(10_000 + v)
    ds = SyntheticClocks(renders, size=SIZE, seed=seed, turned=0.3)
    synth = [np.rint(ds[i][0].numpy().transpose(1, 2, 0) * 255).astype(np.uint8) for i in tqdm(range(renders), desc="renders")]
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, real=np.stack(real), group=np.array(group), synth=np.stack(synth))
    print(f"{out}: {len(real)} real views from {len(set(group))} photos and videos, {len(synth)} renders")


def features(model, spec, images: np.ndarray, bs: int = 32):
    """Backbone maps at strides 8 and 16 (float16), the old head's points (N, 8) and cell scores (N, 4, G*G),
    and the bins' logits (N, 780) for uint8 (N, S, S, 3) images."""
    f8s, f16s, pts, scores, bins = [], [], [], [], []
    with torch.no_grad():
        for i in tqdm(range(0, len(images), bs), desc="features"):
            x = normalize(images[i:i + bs].transpose(0, 3, 1, 2).astype(np.float32) / 255.0, spec.mean, spec.std)
            f, (f8, f16) = model.backbone.forward_intermediates(torch.from_numpy(np.ascontiguousarray(x)), indices=model.hands_levels)
            p, s = model.hands_head(f8, f16)
            bins.append(model.head(model.backbone.forward_head(f)))
            f8s.append(f8.half()), f16s.append(f16.half()), pts.append(p), scores.append(s)
    return torch.cat(f8s), torch.cat(f16s), torch.cat(pts), torch.cat(scores), torch.cat(bins)


class Distil(torch.nn.Module):
    """The student's loss: KL from the old head's cell distribution per point, plus ``w`` times the points' L1."""

    def __init__(self, w: float = 10.0):
        super().__init__()
        self.w = w

    def forward(self, pred, t_pts, t_scores):
        pts, scores = pred
        kl = F.kl_div(scores.log_softmax(-1), t_scores.log_softmax(-1), log_target=True, reduction="none").sum(-1).mean()
        return kl + self.w * (pts - t_pts).abs().mean()


class _Feats(torch.utils.data.Dataset):
    def __init__(self, f8, f16, pts, scores):
        self.t = (f8, f16, pts, scores)

    def __len__(self):
        return len(self.t[0])

    def __getitem__(self, i):
        f8, f16, p, s = (t[i] for t in self.t)
        return f8.float(), f16.float(), p, s


def agreement(bins, t_pts, s_pts, weight: float) -> dict:
    """How far the lean head's tips are from the old head's (degrees) and how often the joint decode agrees."""
    t, s = t_pts.numpy().reshape(-1, 4, 2), s_pts.numpy().reshape(-1, 4, 2)
    dh = [np.abs((a - b + 180) % 360 - 180) for a, b in zip(tip_angles(t), tip_angles(s))]
    rt = decode(hand_votes(bins.numpy(), t, weight))[0]
    rs = decode(hand_votes(bins.numpy(), s, weight))[0]
    return {"views": len(t), "hour_tip_deg_median": float(np.median(dh[0])), "hour_tip_deg_p95": float(np.percentile(dh[0], 95)),
            "minute_tip_deg_median": float(np.median(dh[1])), "minute_tip_deg_p95": float(np.percentile(dh[1], 95)),
            "same_reading": float((rt == rs).mean())}


def fit(member: Path, views: Path, out: Path, hidden: int, epochs: int, lr: float, seed: int, w: float = 10.0) -> None:
    import fastai.callback.schedule  # noqa: F401 - Learner.fit_one_cycle
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.learner import Learner
    from fastai.torch_core import set_seed

    t0 = time.time()
    set_seed(seed)   # the student's first weights and fastai's shuffling
    model, spec = load_run(member / "model.safetensors")
    model.eval()
    d = np.load(views)
    held = np.isin(d["group"], np.unique(d["group"][d["group"] < 10_000])[::10])   # a tenth of the photos, by photo
    parts = {"train": np.concatenate([d["synth"], d["real"][~held]]), "held": d["real"][held]}
    cache = views.with_name(f"features-{views.stem}-{member.name}.pt")   # the backbone's work, kept for a rerun of the fit
    if cache.exists():
        feats = torch.load(cache)
    else:
        feats = {k: features(model, spec, v) for k, v in parts.items()}
        torch.save(feats, cache)
    c8, c16 = feats["train"][0].shape[1], feats["train"][1].shape[1]
    student = HandsHead(c8, c16, hidden=hidden)
    dls = DataLoaders(DataLoader(_Feats(*feats["train"][:4]), bs=128, shuffle=True, drop_last=True),
                      DataLoader(_Feats(*feats["held"][:4]), bs=256))
    dls.n_inp = 2
    learn = Learner(dls, student, loss_func=Distil(w))
    learn.fit_one_cycle(epochs, lr)
    student.eval()
    with torch.no_grad():
        f8, f16, t_pts, _, bins = feats["held"]
        s_pts = student(f8.float(), f16.float())[0]
    report = agreement(bins, t_pts, s_pts, spec.points_weight)
    print(f"held-out real views: {report}")
    lean = copy.deepcopy(model)
    lean.hands_head = student
    spec = copy.deepcopy(spec)
    spec.metrics, spec.sha256 = {"lean_head_vs_old_on_held_out_real": report}, None
    spec.training = {**spec.training, "lean_hands": {
        "from": str(member), "hidden": hidden, "epochs": epochs, "lr": lr, "seed": seed, "points_loss": w, "views": str(views),
        "train_inputs": int(len(parts["train"])), "renders": int(len(d["synth"])), "commit": source_commit(),
        "command": f"python recipes/lean_hands.py fit {member} --views {views} --out {out} --hidden {hidden} "
                   f"--epochs {epochs} --lr {lr} --seed {seed} --points-loss {w}", "minutes": round((time.time() - t0) / 60, 1)}}
    export_model(lean.eval(), spec, out)
    print(f"{out}: hands head of {hidden} channels, {(time.time() - t0) / 60:.1f} min")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("views")
    v.add_argument("--out", type=Path, required=True)
    v.add_argument("--renders", type=int, default=10000)
    v.add_argument("--seed", type=int, default=60)
    f = sub.add_parser("fit")
    f.add_argument("member", type=Path)
    f.add_argument("--views", type=Path, required=True)
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--hidden", type=int, default=32)
    f.add_argument("--epochs", type=int, default=120)
    f.add_argument("--lr", type=float, default=1e-2)
    f.add_argument("--seed", type=int, default=60)
    f.add_argument("--points-loss", type=float, default=10.0, help="weight of the points' L1 beside the cells' KL")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.cmd == "views":
        if a.out.exists():
            raise SystemExit(f"{a.out} exists; not overwritten")
        make_views(a.out, a.renders, a.seed)
    else:
        if (a.out / "model.onnx").exists():
            raise SystemExit(f"{a.out} exists; not overwritten")
        fit(a.member, a.views, a.out, a.hidden, a.epochs, a.lr, a.seed, a.points_loss)


if __name__ == "__main__":
    main()
