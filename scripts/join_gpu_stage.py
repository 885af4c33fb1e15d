"""Join the two safetensors halves that ``scripts/gpu_stage.sh`` brought back from the GPU machine and
export the model here, as ``clockreader train`` does: ``model.safetensors``, ``model.onnx`` (checked
against torch) and ``model.json`` with the GPU run's training record.

    python scripts/join_gpu_stage.py DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from safetensors.torch import load_file

from clockreader.spec import ModelSpec
from clockreader.train.export import export_model
from clockreader.train.model import ClockNet


def main(folder: str) -> None:
    d = Path(folder)
    state = {}
    for part in sorted(d.glob("part*.safetensors")):
        state.update(load_file(str(part)))
    spec = ModelSpec.load(d / "model.json")
    model = ClockNet(spec.arch, head=spec.head, size=spec.input_size, dial=spec.layout.endswith("+dial8"),
                     hands=spec.layout.endswith("+hands8"))
    model.load_state_dict(state)
    spec = export_model(model.eval(), spec, d)
    print(f"exported {d}/model.onnx: {spec.metrics['onnx_check']}")


if __name__ == "__main__":
    main(sys.argv[1])
