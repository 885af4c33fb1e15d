"""What training optimises and watches: the reader's loss and metrics, and the locator's loss.

The reader's outputs are 720 hour-hand bins + 60 minute-hand bins (``clockreader.decode``), with the dial's
quarter points after them for a ``--dial`` model; its targets are the exact minutes (and the points).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .. import decode
from ..time import MINUTES_12H, circular_diff, index720_to_index144


# ------------------------------------------------------------------------------------ the reader
class ClockLoss:
    """Soft cross-entropy of both heads against circular Gaussian targets around the exact time; with points
    among the targets (dial or hands), plus ``dial_weight`` times their mean L1 error (x, y in [-1, 1]); and
    when the network also hands over each point's cell scores (a ``HandsHead`` in training), plus
    ``heat_weight`` times their cross-entropy against a Gaussian of ``heat_sigma`` cells round the true point.
    An image whose points are unknown (NaN: a real photo) counts for its reading only; the points terms are
    means over the images whose points are known."""

    def __init__(self, sigma_hour: float = 4.0, sigma_minute: float = 0.6, dial_weight: float = 5.0,
                 heat_weight: float = 1.0, heat_sigma: float = 1.0):
        self.sigma_hour, self.sigma_minute, self.dial_weight = sigma_hour, sigma_minute, dial_weight
        self.heat_weight, self.heat_sigma = heat_weight, heat_sigma

    def __call__(self, pred: torch.Tensor, *targets: torch.Tensor) -> torch.Tensor:
        minutes = targets[-1]
        n = decode.NUM_OUTPUTS
        reading = self._reading(pred[:, :n], minutes)
        if len(targets) == 1:
            return reading
        pts = torch.as_tensor(targets[0]).float()
        known = torch.isfinite(pts).flatten(1).all(1)   # a real photo's points are NaN: unknown, left out
        if not known.any():
            return reading
        pred, pts = pred[known], pts[known]
        loss = reading + self.dial_weight * F.l1_loss(pred[:, n:n + decode.DIAL_OUTPUTS].float(), pts.flatten(1))
        if pred.shape[1] > n + decode.DIAL_OUTPUTS:
            loss = loss + self.heat_weight * heat_loss(pred[:, n + decode.DIAL_OUTPUTS:].float(), pts, self.heat_sigma)
        return loss

    def _reading(self, pred: torch.Tensor, minutes: torch.Tensor) -> torch.Tensor:
        th, tm = decode.soft_targets(minutes.detach().float().cpu().numpy(), self.sigma_hour, self.sigma_minute)
        th = torch.from_numpy(th).to(pred.device, torch.float32)
        tm = torch.from_numpy(tm).to(pred.device, torch.float32)
        pred = pred.float()
        lh = -(th * F.log_softmax(pred[:, :720], 1)).sum(1).mean()
        lm = -(tm * F.log_softmax(pred[:, 720:], 1)).sum(1).mean()
        return lh + lm


def _readings(pred: torch.Tensor, *targets: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    lp = decode.joint_log_probs(pred[:, :decode.NUM_OUTPUTS].detach().float().cpu().numpy())
    return lp.argmax(1), np.floor(targets[-1].detach().cpu().numpy()).astype(int) % MINUTES_12H


def acc_1min(pred, *targets):
    """Share of readings within +-1 minute (circular over 12 h)."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((circular_diff(got, true) <= 1).mean()))


def acc_hour(pred, *targets):
    """Share of readings with the right hour."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((got // 60 == true // 60).mean()))


def acc_5min(pred, *targets):
    """Share of readings in the right 5-minute class (the seed's 144-class accuracy)."""
    got, true = _readings(pred, *targets)
    return torch.tensor(float((index720_to_index144(got) == index720_to_index144(true)).mean()))


def heat_loss(scores: torch.Tensor, pts: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Cross-entropy of each point's softmax over G x G cells, (N, P*G*G) scores (row-major cells of a square
    input's square map), against a normalised Gaussian of ``sigma`` cells round its true position (``pts``:
    (N, P, 2) in [-1, 1]); points outside the frame do not count."""
    n, p = pts.shape[:2]
    g = int(round((scores.shape[1] / p) ** 0.5))
    if g * g * p != scores.shape[1]:
        raise ValueError(f"heat_loss takes {p} square maps of cell scores; got {scores.shape[1]} scores")
    c = (torch.arange(g, dtype=scores.dtype, device=scores.device) + 0.5) * (2.0 / g) - 1
    cy, cx = c.repeat_interleave(g), c.repeat(g)
    d2 = (cx - pts[..., :1]) ** 2 + (cy - pts[..., 1:]) ** 2            # (N, P, G*G), in half-frames squared
    target = torch.softmax(-d2 / (2 * (sigma * 2.0 / g) ** 2), -1)
    inside = (pts.abs() <= 1).all(-1).float()                          # (N, P)
    ce = -(target * F.log_softmax(scores.view(n, p, -1), -1)).sum(-1)
    return (ce * inside).sum() / inside.sum().clamp_min(1.0)


def hands_err(pred, pts, minutes):
    """Mean distance of the predicted centre, 12 o'clock and hand tips from the true ones, in dial radii (the
    true centre's distance from the true 12)."""
    p = pred[:, decode.NUM_OUTPUTS:decode.NUM_OUTPUTS + decode.DIAL_OUTPUTS].detach().float().reshape(-1, 4, 2)
    t = torch.as_tensor(pts).detach().float()
    radius = (t[:, 1] - t[:, 0]).norm(dim=-1).clamp_min(1e-3)
    return ((p - t).norm(dim=-1).mean(1) / radius).mean()


def dial_err(pred, pts, minutes):
    """Mean distance of the predicted dial points from the true ones, in dial radii (the true points'
    mean distance from their centroid)."""
    p = pred[:, decode.NUM_OUTPUTS:decode.NUM_OUTPUTS + decode.DIAL_OUTPUTS].detach().float().reshape(-1, 4, 2)
    t = torch.as_tensor(pts).detach().float()
    radius = (t - t.mean(1, keepdim=True)).norm(dim=-1).mean(1).clamp_min(1e-3)
    return ((p - t).norm(dim=-1).mean(1) / radius).mean()


# ----------------------------------------------------------------------------------- the locator
def centernet_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Focal loss on the heatmap (CenterNet's, alpha 2, beta 4) + L1 on log sizes at centres."""
    p = pred[:, 0].float().clamp(1e-4, 1 - 1e-4)
    gt, mask = target[:, 0], target[:, 3]
    pos = (gt >= 0.999).float()
    npos = pos.sum().clamp(min=1.0)
    pos_loss = (torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = (torch.log(1 - p) * p**2 * (1 - gt) ** 4 * (1 - pos)).sum()
    size_loss = (F.l1_loss(pred[:, 1:3].float(), target[:, 1:3], reduction="none").sum(1) * mask).sum()
    return -(pos_loss + neg_loss) / npos + size_loss / npos
