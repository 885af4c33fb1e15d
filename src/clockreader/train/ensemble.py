"""Ensemble clock readers into one ONNX file: every member reads the same input and the output is the mean
of their per-head log-probabilities (a product of experts, the rule :func:`~clockreader.runtime.reader.merge_views`
uses for TTA's views). Unlike a weight mean (``clockreader average``) the members need not be one network's
relatives, and no BatchNorm statistics are mixed; the cost is one forward pass per member.

The file is an ordinary clockreader model (input ``image``, output ``logits`` of layout ``hour720+minute60``,
the spec embedded and beside it), so ``read``, ``test`` and the server use it unchanged. Members trained with
``--hands`` bring their points: the ensemble's layout is then ``hour720+minute60+hands8``, its points those
members' points averaged in proportion to their ``points_weight`` (:func:`point_shares`), and its
``points_weight`` the members' mean weight (a member without the head counts 0). When the hands members agree
on the tips, the joint decode (:func:`clockreader.decode.hand_votes`) then weighs the points as averaging each
member's own joint decode would; where they disagree the averaged tips are a compromise, not a vote of each. Its weights are
stored as float16 or int8 (scaled per output channel, :func:`store_compact`) and brought back to float32 by the
graph itself, which halves (or quarters) the file and keeps the arithmetic in float32 (ONNX Runtime folds these
constants once, when it loads the model; its CPU provider has few float16 kernels, so converting the whole graph
to float16 would be slower, not faster). Only ``onnx`` is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..decode import DIAL_OUTPUTS, NUM_OUTPUTS
from ..errors import ModelError
from ..spec import ModelSpec, sha256_file, source_commit

HEADS = ((0, 720), (720, NUM_OUTPUTS))  # hour hand, minute hand: each is normalised on its own


def member_prefix(k: int) -> str:
    """The prefix of member ``k``'s node and tensor names in an ensemble graph."""
    return f"m{k}_"


def _resolve(model: str | Path) -> Path:
    """A member's file: an ONNX file, a training checkpoint, or the one of them a run folder holds."""
    path = Path(model)
    if path.is_dir():
        found = [path / n for n in ("model.onnx", "model.safetensors") if (path / n).is_file()]
        if not found:
            raise ModelError(f"{path}: no model.onnx or model.safetensors in this folder")
        path = found[0]
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    if path.suffix not in (".onnx", ".safetensors"):
        raise ModelError(f"{path}: an ensemble is built from .onnx models or training checkpoints (model.safetensors "
                         "with its model.json beside it)")
    return path


def _member_spec(path: Path) -> ModelSpec:
    """A member's spec, refused unless it is a clock reader's: for a checkpoint, the ``.json`` beside it must be a
    model spec (a run's ``checkpoint.json`` is its training state, not a spec)."""
    from ..runtime.session import load_spec_for

    if path.suffix == ".safetensors":
        side = path.with_suffix(".json")
        try:
            found = json.loads(side.read_text())
        except (OSError, ValueError):
            found = {}
        if not isinstance(found, dict) or not {"arch", "input_size", "layout"} <= set(found):
            raise ModelError(f"{side}: model spec not found (a training checkpoint is a run's model.safetensors, with its "
                             "model.json beside it)")
        spec = ModelSpec.from_dict(found)
    else:
        spec = load_spec_for(path)
    if not spec.layout.startswith("hour720+minute60"):
        raise ModelError(f"{path}: a {spec.layout} model is not a clock reader")
    return spec


def _exported(path: Path, scratch: Path, k: int) -> Path:
    """Member ``k``'s ONNX file: a training checkpoint is exported into ``scratch`` first (this needs torch, the
    ``train`` extra)."""
    if path.suffix == ".onnx":
        return path
    from .export import export_model
    from .model import load_run

    try:
        net, spec = load_run(path)
    except RuntimeError as e:   # torch's strict load: tensors that do not fit the spec's network
        raise ModelError(f"{path}: the checkpoint does not fit its spec ({str(e).splitlines()[0][:160]})") from None
    export_model(net.eval(), spec, scratch / f"m{k}")
    return scratch / f"m{k}" / "model.onnx"


def new_model_folder(sources: list, out: str | Path, too_few: str) -> Path:
    """The checks that joining models (``ensemble``, ``average``) starts with: two or more sources, and an
    output folder that holds no model yet (nothing is overwritten)."""
    if len(sources) < 2:
        raise ValueError(too_few)
    out = Path(out)
    if (out / "model.onnx").exists():
        raise FileExistsError(f"{out}/model.onnx already exists; choose a new --out folder")
    return out


STORAGE = {"float16": (np.float16, 1.0), "int8": (np.int8, 127.0)}  # stored type, and what a slice's max maps to


def store_compact(model, dtype: str = "float16", min_size: int = 16) -> int:
    """In place: each float32 weight tensor (two or more dimensions, ``min_size`` or more values) is stored in
    ``dtype`` (``float16`` or ``int8``), scaled per slice along its first axis (an output channel) so that the
    slice's largest weight maps to the type's largest value, with the float32 scales beside them; the graph
    casts and multiplies them back under the tensor's old name. A slice's own scale keeps weights that are
    tiny in float32 (a channel that BatchNorm folding shrank) from rounding to zero. ``int8`` is symmetric
    per-channel weight quantisation (as ONNX Runtime's QDQ weights are), a quarter of the file; the arithmetic
    stays float32 either way. Returns how many tensors were stored."""
    from onnx import TensorProto, helper, numpy_helper

    if dtype not in STORAGE:
        raise ValueError(f"weights can be stored as {', '.join(STORAGE)}, not {dtype}")
    np_type, top = STORAGE[dtype]
    graph = model.graph
    inits, nodes = [], []
    for t in graph.initializer:
        if t.data_type != TensorProto.FLOAT or len(t.dims) < 2 or int(np.prod(t.dims)) < min_size:
            inits.append(t)
            continue
        w = numpy_helper.to_array(t)
        scale = np.abs(w).max(axis=tuple(range(1, w.ndim)), keepdims=True).astype(np.float32) / top
        scale[scale == 0] = 1.0
        unit = w / scale
        stored = np.rint(unit).astype(np_type) if np_type == np.int8 else unit.astype(np_type)
        inits += [numpy_helper.from_array(stored, f"{t.name}_{dtype}"),
                  numpy_helper.from_array(scale, t.name + "_scale")]
        nodes += [helper.make_node("Cast", [f"{t.name}_{dtype}"], [t.name + "_unit"], name=t.name + "_cast", to=TensorProto.FLOAT),
                  helper.make_node("Mul", [t.name + "_unit", t.name + "_scale"], [t.name], name=t.name + "_rescale")]
    count = len(nodes) // 2
    nodes += list(graph.node)
    del graph.initializer[:], graph.node[:]
    graph.initializer.extend(inits)
    graph.node.extend(nodes)
    return count


def ensemble_models(models: list[str | Path], out: str | Path, command: str | None = None,
                    store: str = "float16") -> ModelSpec:
    """Write ``out/model.onnx`` and ``out/model.json``: the ensemble of the clock readers ``models`` (ONNX
    files, run folders or training checkpoints). They must share input size, resize mode and normalisation;
    dial heads are dropped, hands heads' points are averaged (the module's docstring).
    ``store``: how the weights are kept in the file (``float32``, ``float16`` or ``int8``, :func:`store_compact`)."""
    import tempfile

    out = new_model_folder(models, out, "an ensemble needs two or more models")
    sources = [_resolve(m) for m in models]
    specs = [_member_spec(p) for p in sources]   # every check before any export
    feed = lambda s: (s.input_size, s.resize, s.mean, s.std)  # noqa: E731
    for p, s in zip(sources, specs):
        if feed(s) != feed(specs[0]):
            raise ModelError(f"{p}: reads {s.input_size} px ({s.resize}) and cannot share its input with "
                             f"{sources[0]}: {specs[0].input_size} px ({specs[0].resize}), or their normalisations differ")
    with tempfile.TemporaryDirectory(prefix="clockreader-ensemble-") as scratch:
        paths = [_exported(p, Path(scratch), k) for k, p in enumerate(sources)]
        return _join(sources, paths, specs, out, command, store)


def point_shares(specs: list[ModelSpec]) -> list[float]:
    """Each member's share of the ensemble's points: the ``+hands8`` members' in proportion to their
    ``points_weight`` (equal shares if none has a weight yet), 0 for the others."""
    hands = [s.layout.endswith("+hands8") for s in specs]
    w = [s.points_weight if h else 0.0 for s, h in zip(specs, hands)]
    total = sum(w)
    return [x / total for x in w] if total else [h / max(sum(hands), 1) for h in hands]


def _join(sources: list[Path], paths: list[Path], specs: list[ModelSpec], out: Path, command: str | None,
          store: str) -> ModelSpec:
    import onnx
    from onnx import TensorProto, compose, helper

    nodes, inits, merged, points = [], [], [], []
    shares = point_shares(specs)
    for k, p in enumerate(paths):
        pre = member_prefix(k)
        try:
            m = compose.add_prefix(onnx.load(str(p)), pre)
        except Exception as e:  # noqa: BLE001 - protobuf decoding errors come in many types
            raise ModelError(f"{p}: unreadable ONNX model ({type(e).__name__})") from None
        if k == 0:
            opsets, ir_version = list(m.opset_import), m.ir_version
        image, logits = m.graph.input[0].name, m.graph.output[0].name
        for n in m.graph.node:
            n.input[:] = ["image" if x == image else x for x in n.input]
            nodes.append(n)
        inits.extend(m.graph.initializer)
        heads = []
        for j, (lo, hi) in enumerate(HEADS):
            bounds = [helper.make_tensor(f"{pre}head{j}_{w}", TensorProto.INT64, [1], [v])
                      for w, v in (("start", lo), ("end", hi), ("axis", 1))]
            inits.extend(bounds)
            nodes.append(helper.make_node("Slice", [logits] + [b.name for b in bounds], [f"{pre}head{j}"]))
            nodes.append(helper.make_node("LogSoftmax", [f"{pre}head{j}"], [f"{pre}head{j}_logp"], axis=1))
            heads.append(f"{pre}head{j}_logp")
        nodes.append(helper.make_node("Concat", heads, [f"{pre}logp"], axis=1))
        merged.append(f"{pre}logp")
        share = shares[k]
        if share:   # names no prefixed member name can take (a member may itself be an ensemble with points)
            bounds = [helper.make_tensor(f"{pre}hands_pts_{w}", TensorProto.INT64, [1], [v])
                      for w, v in (("start", NUM_OUTPUTS), ("end", NUM_OUTPUTS + DIAL_OUTPUTS), ("axis", 1))]
            inits.extend(bounds + [helper.make_tensor(f"{pre}hands_share", TensorProto.FLOAT, [], [share])])
            nodes += [helper.make_node("Slice", [logits] + [b.name for b in bounds], [f"{pre}hands_pts"]),
                      helper.make_node("Mul", [f"{pre}hands_pts", f"{pre}hands_share"], [f"{pre}hands_pts_part"])]
            points.append(f"{pre}hands_pts_part")
    inits.append(helper.make_tensor("ens_inv_members", TensorProto.FLOAT, [], [1.0 / len(paths)]))
    mean = "ens_logp_mean" if points else "logits"
    nodes += [helper.make_node("Sum", merged, ["ens_logp_sum"]), helper.make_node("Mul", ["ens_logp_sum", "ens_inv_members"], [mean])]
    if points:
        nodes += [helper.make_node("Sum", points, ["ens_points"]), helper.make_node("Concat", [mean, "ens_points"], ["logits"], axis=1)]
    layout = "hour720+minute60+hands8" if points else "hour720+minute60"
    weight = sum(s.points_weight for s in specs if s.layout.endswith("+hands8")) / len(paths)

    size = specs[0].input_size
    graph = helper.make_graph(
        nodes, "clockreader_ensemble",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", NUM_OUTPUTS + (DIAL_OUTPUTS if points else 0)])],
        inits)
    model = helper.make_model(graph, opset_imports=opsets, ir_version=ir_version)
    if store != "float32":
        store_compact(model, store)
    spec = ModelSpec(**{**specs[0].__dict__, "layout": layout, "points_weight": weight, "metrics": {}, "sha256": None, "training": {
        "command": command or "ensemble_models", "commit": source_commit(),
        "ensemble_of": [{"from": str(p), "training": s.training, "valid": s.metrics.get("valid")}
                        for p, s in zip(sources, specs)],
    }})
    model.metadata_props.add(key="clockreader_spec", value=json.dumps({**json.loads(spec.to_json()), "sha256": None}))
    onnx.checker.check_model(model)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out / "model.onnx"))
    spec.metrics["onnx_check"] = check_ensemble(out / "model.onnx", paths, specs, spec, size)
    spec.sha256 = sha256_file(out / "model.onnx")
    spec.save(out / "model.json")
    return spec


def check_ensemble(path: Path, members: list[Path], specs: list[ModelSpec], spec: ModelSpec, size: int, n: int = 4,
                   seed: int = 0) -> dict:
    """The ensemble against its members run one by one and merged in NumPy (their points by
    :func:`point_shares`), on the same random inputs; readings are compared after the joint decode with
    ``spec.points_weight``."""
    import onnxruntime as ort

    from ..decode import decode, hand_votes, split_outputs
    from ..runtime.reader import merge_views

    run = lambda p, x: ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]  # noqa: E731
    x = np.random.default_rng(seed).normal(size=(n, 3, size, size)).astype(np.float32)
    outs = [split_outputs(run(p, x)) for p in members]
    ref = merge_views(np.stack([logits for logits, _ in outs]))
    shares = point_shares(specs)
    hands = [pts * w for (_, pts), w in zip(outs, shares) if w]
    ref_points = np.sum(hands, axis=0) if hands else None
    got, got_points = split_outputs(run(path, x))
    diff = float(np.abs(ref - got).max())
    if hands:
        diff = max(diff, float(np.abs(ref_points - got_points).max()))
        ref, got = hand_votes(ref, ref_points, spec.points_weight), hand_votes(got, got_points, spec.points_weight)
    return {"max_abs_diff": diff, "same_readings": bool((decode(ref)[0] == decode(got)[0]).all())}


def member_model(model, k: int = 0):
    """Member ``k`` of an ensemble (a loaded ONNX model) as a standalone ONNX model (its names keep their
    prefix), e.g. to check it against the ensemble."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.shape_inference.infer_shapes(model)  # the extractor needs the member output's shape
    return Extractor(model).extract_model(["image"], [f"{member_prefix(k)}{_member_output(model, k)}"])


def _member_output(model, k: int) -> str:
    """The name (without its prefix) of member ``k``'s raw output: the input of its first head slice."""
    pre = member_prefix(k)
    for n in model.graph.node:
        if n.op_type == "Slice" and n.output[0] == f"{pre}head0":
            return n.input[0][len(pre):]
    raise ModelError(f"the model has no ensemble member {k}")


def is_ensemble(model) -> bool:
    return any(n.op_type == "Slice" and n.output[0] == f"{member_prefix(0)}head0" for n in model.graph.node)
