"""Average the weights of runs of one network: a uniform "model soup" (Wortsman et al., 2022). Between a
model and its own fine-tuned descendant this is WiSE-FT's halfway point, which keeps more of what the
parent read well off the training distribution than the descendant alone.

torch's :class:`~torch.optim.swa_utils.AveragedModel` does the averaging (parameters and BatchNorm
buffers); the result is exported like a trained run, with every parent's training record in its spec.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..spec import ModelSpec, source_commit
from .model import load_run


def average_runs(checkpoints: list[str | Path], out: str | Path, command: str | None = None, size: int | None = None) -> ModelSpec:
    """Average ``model.safetensors`` files (each with its ``model.json`` beside it) into ``out``.

    The runs must share architecture, head and resize mode, and their input size unless ``size`` is given:
    then runs trained at different sizes (a fine-tune at a larger input and its parent) may be averaged,
    and the mean reads ``size`` px."""
    from torch.optim.swa_utils import AveragedModel

    from .ensemble import new_model_folder
    from .export import export_model

    out = new_model_folder(checkpoints, out, "averaging needs two or more runs' model.safetensors")
    paths = [Path(c) for c in checkpoints]
    runs = [load_run(p) for p in paths]
    specs = [s for _, s in runs]
    shape = (specs[0].arch, specs[0].head, size or specs[0].input_size, specs[0].resize)
    for p, s in zip(paths[1:], specs[1:]):
        if s.layout != specs[0].layout:  # another points head: its tensors would pair with the wrong ones
            raise ModelError(f"{p}: a {s.layout} run cannot be averaged with {paths[0]}, a {specs[0].layout} run")
        if (s.arch, s.head, size or s.input_size, s.resize) != shape:
            raise ModelError(f"{p}: {s.arch}/{s.head} at {s.input_size} px ({s.resize}) cannot be averaged with "
                             f"{paths[0]}: {shape[0]}/{shape[1]} at {shape[2]} px ({shape[3]})")
    avg = AveragedModel(runs[0][0], use_buffers=True)
    for net, _ in runs:
        avg.update_parameters(net)
    spec = ModelSpec(**{**specs[0].__dict__, "input_size": shape[2], "metrics": {}, "sha256": None, "training": {
        "command": command or "average_runs", "commit": source_commit(),
        "average_of": [{"from": str(p), "training": s.training} for p, s in zip(paths, specs)],
    }})
    return export_model(avg.module.eval(), spec, out)
