"""Open a model file for reading: find the bundled weights, check the file's SHA-256 against its spec, start
an ONNX Runtime session, load the spec. Shared by the reader and the locators (nothing here imports torch).

A model is ``NAME.onnx`` with its spec in ``NAME.json`` beside it or embedded in the ONNX metadata
(``clockreader_spec``). When the spec gives a ``sha256``, a file that does not match it is refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ModelError
from ..spec import ModelSpec, sha256_file

WEIGHTS = Path(__file__).parent / "weights"


def bundled(name: str) -> Path:
    """The path of a bundled model file (``clockreader-default.onnx``, ``clockreader-locator.onnx``, ...)."""
    return WEIGHTS / name


def create_session(path: Path, threads: int | None = None):
    """An ONNX Runtime CPU session for ``path`` (``threads``: intra-op threads; 0 or None: ONNX Runtime's
    choice, or ``CLOCKREADER_THREADS``)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads or os.environ.get("CLOCKREADER_THREADS", 0) or 0)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        raise ModelError(f"{path}: ONNX Runtime cannot load it ({str(e).splitlines()[0][:160]})") from None


def load_spec_for(model_path: Path, session=None) -> ModelSpec:
    """The spec beside ``model.onnx`` (``model.json``), else the one embedded in the ONNX metadata."""
    side = model_path.with_suffix(".json")
    if side.is_file():
        return ModelSpec.load(side)
    meta = (session or create_session(model_path)).get_modelmeta().custom_metadata_map
    if "clockreader_spec" not in meta:
        raise ModelError(f"{model_path}: no model spec (no {side.name} beside it and none embedded)")
    try:
        return ModelSpec.from_dict(json.loads(meta["clockreader_spec"]))
    except json.JSONDecodeError as e:
        raise ModelError(f"{model_path}: the embedded model spec is not valid JSON ({e})") from None
    except ModelError as e:
        raise ModelError(f"{model_path}: {e}") from None


def open_model(path: Path, threads: int | None = None) -> tuple[object, ModelSpec]:
    """(session, spec) for a verified model file: the spec beside it is read first, so a file whose SHA-256
    does not match it is refused before ONNX Runtime parses it."""
    side = path.with_suffix(".json")
    spec = ModelSpec.load(side) if side.is_file() else None
    if spec is not None and spec.sha256 and sha256_file(path) != spec.sha256:
        raise ModelError(f"{path}: SHA-256 does not match its spec ({side.name}); the file is corrupt or was replaced")
    session = create_session(path, threads)
    return session, spec if spec is not None else load_spec_for(path, session)


__all__ = ["WEIGHTS", "bundled", "create_session", "load_spec_for", "open_model"]
