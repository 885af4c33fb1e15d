"""`clockreader quantize`: the bundled reader with int8 convolutions reads as the float model reads, carries its
spec and provenance, and is refused where it cannot be made."""

import json

import numpy as np
import pytest

pytest.importorskip("onnx")

from clockreader.cli import main  # noqa: E402
from clockreader.errors import ModelError  # noqa: E402
from clockreader.runtime.session import bundled  # noqa: E402

BUNDLED = bundled("clockreader-default.onnx")


@pytest.fixture(scope="module")
def quantized(tmp_path_factory):
    out = tmp_path_factory.mktemp("q") / "bundled-int8"
    assert main(["quantize", str(BUNDLED), "--out", str(out), "--calibration", "64"]) == 0
    return out


def test_quantized_bundled_reader_reads_as_the_float_one(quantized):
    import onnx

    from clockreader import render_clock
    from clockreader.runtime.reader import load_reader
    from clockreader.spec import sha256_file

    spec = json.loads((quantized / "model.json").read_text())
    record = spec["training"]["quantized_from"]
    assert record["sha256"] == sha256_file(BUNDLED) and record["training"]["ensemble_of"]
    assert spec["training"]["quantization"]["calibration_renders"] == 64
    assert spec["training"]["command"].startswith("clockreader quantize")
    assert spec["sha256"] == sha256_file(quantized / "model.onnx")
    # int8 weights in the graph, not float32 ones, and the file a little over half the float16 one's size
    graph = onnx.load(str(quantized / "model.onnx")).graph
    int8 = [t for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert len(int8) >= 60 and sum(n.op_type == "QuantizeLinear" for n in graph.node) >= 60
    check = spec["metrics"]["int8_check"]
    assert check["renders"] == 96 and check["within_1min"] >= 0.85, check

    fp, q = load_reader(None, threads=1), load_reader(quantized / "model.onnx", threads=1)
    images = [render_clock(seed=[5, i], size=256, effects=False).image for i in range(12)]
    truth = [render_clock(seed=[5, i], size=256, effects=False).time for i in range(12)]
    got_fp = [rs[0].time.index720 for rs in fp.read_many(images, locate="never")]
    got_q = [rs[0].time.index720 for rs in q.read_many(images, locate="never")]
    gap = np.abs(np.subtract(got_fp, got_q)) % 720
    assert np.mean(np.minimum(gap, 720 - gap) <= 1) >= 10 / 12, (got_fp, got_q)
    right = sum(min(abs(g - t.index720) % 720, 720 - abs(g - t.index720) % 720) <= 1 for g, t in zip(got_q, truth))
    assert right >= 9, (got_q, [t.index720 for t in truth])


def test_quantize_refuses_what_it_cannot_make(quantized, tmp_path, capsys):
    from clockreader.train.quantize import quantize_model

    assert main(["quantize", str(BUNDLED), "--out", str(quantized)]) == 1   # nothing is overwritten
    assert "already exists" in capsys.readouterr().err
    with pytest.raises(ModelError, match="already quantized"):
        quantize_model(quantized, tmp_path / "twice", calibration=4)
    with pytest.raises(ModelError, match="clockreader-locator.onnx: a centernet model is not a clock reader"):
        quantize_model(bundled("clockreader-locator.onnx"), tmp_path / "locator", calibration=4)
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ModelError, match="model.pt: a reader's ONNX file"):
        quantize_model(tmp_path / "model.pt", tmp_path / "pt", calibration=4)
