"""Model time of hands pairs with a leaner head (random weights: time does not depend on them).

    python recipes/lean_hands_speed.py [ROUNDS]     # interleaved rounds of 40 runs each, one thread
"""
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from clockreader.runtime.reader import DEFAULT_MODEL
from clockreader.runtime.session import create_session
from clockreader.spec import ModelSpec
from clockreader.train.ensemble import ensemble_models
from clockreader.train.export import export_model
from clockreader.train.model import ClockNet

out = Path("runs/lean-speed")
spec = ModelSpec.load("checkpoints/hands2X3/model.json")
variants = {"bundled": DEFAULT_MODEL}
for hidden in (64, 32, 16):
    d = out / f"h{hidden}"
    if not (d / "pair" / "model.onnx").exists():
        net = ClockNet("tf_efficientnet_lite0", hands=True, size=192, hands_hidden=hidden)
        for k in range(2):
            export_model(net, copy.deepcopy(spec), d / f"m{k}")
        ensemble_models([d / "m0", d / "m1"], d / "pair")
    variants[f"h{hidden}"] = d / "pair" / "model.onnx"
sess = {k: create_session(p, threads=1) for k, p in variants.items()}
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
