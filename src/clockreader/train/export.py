"""Save a trained model: ``model.safetensors`` (weights), ``model.onnx`` (spec in its metadata) and
``model.json`` (the spec, with the ONNX file's SHA-256). The ONNX export is checked against torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..spec import ModelSpec, sha256_file


def export_onnx(model: torch.nn.Module, spec: ModelSpec, path: str | Path, opset: int = 17) -> None:
    """Export with a dynamic batch dimension; the spec goes into the ONNX metadata ``clockreader_spec``."""
    model = model.eval().float().cpu()
    x = torch.zeros(1, 3, spec.input_size, spec.input_size)
    path = Path(path)
    torch.onnx.export(model, (x,), str(path), input_names=["image"], output_names=["logits"], opset_version=opset,
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    # (the output is named "logits" for both layouts; for the locator it holds heatmap and log sizes)
    embed_spec(path, spec)


def embed_spec(path: str | Path, spec: ModelSpec) -> None:
    """Write ``spec`` into the ONNX file's metadata (``clockreader_spec``), replacing the one there."""
    import onnx

    m = onnx.load(str(path))
    kept = [p for p in m.metadata_props if p.key != "clockreader_spec"]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    m.metadata_props.add(key="clockreader_spec", value=json.dumps({**json.loads(spec.to_json()), "sha256": None}))
    onnx.save(m, str(path))


def check_onnx(model: torch.nn.Module, path: str | Path, size: int, n: int = 4, seed: int = 0) -> dict:
    """Run torch and ONNX Runtime on the same random inputs: max |logit diff| and whether readings agree."""
    import onnxruntime as ort

    from ..decode import decode, split_outputs

    x = np.random.default_rng(seed).normal(size=(n, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        ref = model.eval().float().cpu()(torch.from_numpy(x)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"image": x})[0]
    same = (decode(split_outputs(ref)[0])[0] == decode(split_outputs(got)[0])[0]).all()
    return {"max_abs_diff": float(np.abs(ref - got).max()), "same_readings": bool(same)}


def export_model(model: torch.nn.Module, spec: ModelSpec, out: str | Path) -> ModelSpec:
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    export_onnx(model, spec, out / "model.onnx")
    spec.metrics["onnx_check"] = check_onnx(model, out / "model.onnx", spec.input_size)
    spec.sha256 = sha256_file(out / "model.onnx")
    spec.save(out / "model.json")
    return spec
