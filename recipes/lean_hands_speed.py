"""Model time of hands pairs with a leaner head (random weights: time does not depend on them)."""
import sys, time, statistics, copy
from pathlib import Path
import numpy as np, torch
import onnxruntime as ort
from clockreader.train import model as M
from clockreader.train.export import export_onnx
from clockreader.train.ensemble import ensemble_models
from clockreader.spec import ModelSpec

out = Path("runs/lean-speed"); out.mkdir(parents=True, exist_ok=True)
spec = ModelSpec.load("checkpoints/hands2X3/model.json")
variants = {}
for hidden in (64, 32, 16):
    d = out / f"h{hidden}"
    if not (d / "pair" / "model.onnx").exists():
        net = M.ClockNet("tf_efficientnet_lite0", hands=True, size=192, hands_hidden=hidden)
        for k in range(2):
            m = d / f"m{k}"; m.mkdir(parents=True, exist_ok=True)
            s = copy.deepcopy(spec); s.sha256 = None
            export_onnx(net, s, m / "model.onnx")
            from safetensors.torch import save_file
            save_file({k2: v.contiguous() for k2, v in net.state_dict().items()}, str(m / "model.safetensors"))
            s.save(m / "model.json") if hasattr(s, "save") else (m / "model.json").write_text(s.to_json())
        ensemble_models([d / "m0" / "model.onnx", d / "m1" / "model.onnx"], d / "pair")
    variants[f"h{hidden}"] = d / "pair" / "model.onnx"
variants = {"bundled": Path("src/clockreader/runtime/weights/clockreader-default.onnx"), **variants}
sess = {}
for k, p in variants.items():
    o = ort.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1
    sess[k] = ort.InferenceSession(str(p), o, providers=["CPUExecutionProvider"])
x = np.random.default_rng(0).normal(size=(1, 3, 192, 192)).astype(np.float32)
res = {k: [] for k in sess}
for rnd in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    for k, s in sess.items():
        s.run(None, {"image": x})
        ts = []
        for _ in range(40):
            t = time.perf_counter(); s.run(None, {"image": x}); ts.append(time.perf_counter() - t)
        res[k].append(1000 * statistics.median(ts))
for k, v in res.items():
    print(f"{k:8s} median {statistics.median(v):6.2f} ms  runs {' '.join(f'{a:.2f}' for a in v)}")
