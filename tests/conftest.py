import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_CLOCKS = ROOT.parent / "shared" / "data" / "real-clocks"


@pytest.fixture(scope="session")
def real_clocks() -> Path:
    """The shared real-clock evaluation set; CI must have it, elsewhere the test is skipped."""
    if not (REAL_CLOCKS / "labels.csv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{REAL_CLOCKS} is missing in CI")
        pytest.skip("../shared/data/real-clocks is not here")
    return REAL_CLOCKS


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny model trained for a few seconds and exported (model.onnx, model.safetensors, model.json)."""
    pytest.importorskip("torch")
    from clockreader.train.config import TrainConfig
    from clockreader.train.learner import train

    out = tmp_path_factory.mktemp("tiny-model")
    train(TrainConfig(arch="resnet10t", pretrained=None, size=64, epochs=1, epoch_size=64, valid_size=32, bs=16,
                      workers=0, out=str(out)))
    return out


@contextlib.contextmanager
def serve_in_thread(app):
    """Run ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    try:
        deadline = time.time() + 20
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        th.join(timeout=10)


def write_clock_video(path, times, fps: int = 10, size: int = 256, seed: int = 3, codec: str = "libx264"):
    """One rendered clock (seed's dial and camera, upright) at each time (minutes of 12 h), one frame each,
    encoded with PyAV at ``fps``: a video whose true track is known."""
    import av

    from clockreader import render_clock
    from clockreader.time import ClockTime

    first = render_clock(seed=seed, size=size, turned=0, steep=0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for k, minute in enumerate(times):
            im = render_clock(seed=[seed, k], size=size, time=ClockTime.from_index720(int(minute)),
                              style=first.style, camera=first.camera).image
            for packet in stream.encode(av.VideoFrame.from_image(im)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
