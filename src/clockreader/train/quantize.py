"""Quantize a clock reader to int8 for the CPU: ONNX Runtime's static quantization (``quantize_static``, QDQ
format, weights int8 per output channel, activations uint8 calibrated on renders), applied to the convolutions,
where nearly all the time goes; the classifier, the log-softmaxes and the points' integral stay float32, so the
720 + 60 bins keep their resolution. On an x86 CPU with VNNI the convolutions run as int8 kernels (about three
times faster at batch 1, one thread; see ``benchmarks/inference_speed.py``).

The model is first constant-folded by ONNX Runtime (its basic graph optimisations), so weights that an ensemble
stores as float16 or int8 with scales (:func:`clockreader.train.ensemble.store_compact`) are plain float32
initializers again, which the quantizer needs. The output is an ordinary clockreader model: ``model.onnx``
(the spec embedded) and ``model.json`` beside it, with the float model's spec, the quantization's record in
``training`` and how often its readings agree with the float model's in ``metrics``. Needs only ``onnx`` and
``onnxruntime`` (no torch).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..spec import ModelSpec, sha256_file, source_commit

CALIBRATION_SEED = 7919   # renders [CALIBRATION_SEED, i] calibrate; [CALIBRATION_SEED + 1, i] check
CHECK_RENDERS = 96


def renders_for(spec: ModelSpec, n: int, seed: int) -> np.ndarray:
    """``n`` rendered clocks (256 px, the renderer's defaults) prepared as the model reads them: (n, 3, S, S)."""
    from ..preprocess import prepare
    from ..render import render_clock

    return np.stack([prepare(render_clock(seed=[seed, i], size=256).image, spec) for i in range(n)]).astype(np.float32)


def _readings(path: Path, x: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Minutes past 12 read by the model at ``path`` from the prepared batch ``x`` (joint decode with the
    spec's ``points_weight``, as the reader decodes)."""
    import onnxruntime as ort

    from ..decode import decode, hand_votes, split_outputs

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits, points = split_outputs(np.concatenate([sess.run(None, {"image": x[i:i + 16]})[0] for i in range(0, len(x), 16)]))
    if points is not None and spec.points_weight:
        logits = hand_votes(logits, points, spec.points_weight)
    return decode(logits)[0]


def quantize_model(model: str | Path, out: str | Path, calibration: int = 128, command: str | None = None) -> ModelSpec:
    """Write ``out/model.onnx`` and ``out/model.json``: ``model`` (a reader's ONNX file or the folder holding it)
    with its convolutions in int8, calibrated on ``calibration`` renders."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    from ..runtime.session import open_model

    src = Path(model)
    src = src / "model.onnx" if src.is_dir() else src
    if not src.is_file() or src.suffix != ".onnx":
        raise ModelError(f"{src}: a reader's ONNX file (or the folder holding model.onnx) is what is quantized")
    out = Path(out)
    if (out / "model.onnx").exists():
        raise FileExistsError(f"{out}/model.onnx already exists; choose a new --out folder")
    if calibration < 1:
        raise ValueError("--calibration needs at least one render")
    _, spec = open_model(src)   # refuses a file whose SHA-256 does not match its spec
    if not spec.layout.startswith("hour720+minute60"):
        raise ModelError(f"{src}: a {spec.layout} model is not a clock reader")
    if spec.training.get("quantized_from"):
        raise ModelError(f"{src}: this model is already quantized")

    x = renders_for(spec, calibration, CALIBRATION_SEED)

    class Renders(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(x[i:i + 1] for i in range(len(x)))

        def get_next(self):
            batch = next(self.batches, None)
            return None if batch is None else {"image": batch}

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clockreader-quantize-") as scratch:
        folded = Path(scratch) / "folded.onnx"
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(src), opts, providers=["CPUExecutionProvider"])
        quantize_static(str(folded), str(out / "model.onnx"), Renders(), quant_format=QuantFormat.QDQ,
                        per_channel=True, weight_type=QuantType.QInt8,
                        activation_type=QuantType.QUInt8)
    qspec = ModelSpec(**{**spec.__dict__, "metrics": {}, "sha256": None, "training": {
        "command": command or "quantize_model", "commit": source_commit(),
        "quantized_from": {"from": str(src), "sha256": sha256_file(src), "training": spec.training,
                           "metrics": {k: v for k, v in spec.metrics.items() if k != "history"}},
        "quantization": {"method": "onnxruntime quantize_static, QDQ, Conv only, int8 weights per channel, "
                                   "uint8 activations (MinMax)", "calibration_renders": calibration,
                         "calibration_seed": CALIBRATION_SEED},
    }})
    m = onnx.load(str(out / "model.onnx"))
    kept = [p for p in m.metadata_props if p.key != "clockreader_spec"]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    m.metadata_props.add(key="clockreader_spec", value=json.dumps({**json.loads(qspec.to_json()), "sha256": None}))
    onnx.save(m, str(out / "model.onnx"))
    check = renders_for(spec, CHECK_RENDERS, CALIBRATION_SEED + 1)
    a, b = _readings(src, check, spec), _readings(out / "model.onnx", check, qspec)
    gap = np.abs(a - b) % 720
    qspec.metrics["int8_check"] = {"renders": CHECK_RENDERS, "same_reading": float(np.mean(gap == 0)),
                                   "within_1min": float(np.mean(np.minimum(gap, 720 - gap) <= 1))}
    qspec.sha256 = sha256_file(out / "model.onnx")
    qspec.save(out / "model.json")
    return qspec
