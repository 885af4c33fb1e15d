"""The bundled model reads clocks: floors a few points under the figures measured for MODEL_CARD.md, so a
worse model (or a broken preprocessing path) fails here."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from clockreader.evaluate import run_test
from clockreader.runtime.reader import load_reader

SYNTHETIC_FLOOR = 0.70   # share within +-1 minute on synthetic:300:2024 (measured 0.850 on the 1440 split, 2026-12-03)
REAL_FLOOR = 0.70        # share within +-1 minute on ../shared/data/real-clocks (measured 42/45 = 0.93, 2026-12-03)


def test_bundled_model_on_synthetic_clocks():
    fig, records, _ = run_test("synthetic:300:2024", progress=False)
    assert fig["field"]["top1_within_1min"] >= SYNTHETIC_FLOOR, fig["field"]
    # readings are spread over the dial, not one favourite time
    assert len({r["read"] for r in records}) > 150


def test_bundled_model_on_real_clocks(real_clocks):
    fig, records, _ = run_test(str(real_clocks), progress=False)
    assert fig["count"] == 45
    assert fig["field"]["top1_within_1min"] >= REAL_FLOOR, fig["field"]
    # an always-10:10 model would score 35% on this set: ours must read the other times too
    not_1010 = [r for r in records if r["true"] not in ("10:07", "10:08", "10:09", "10:10", "10:11")]
    right = sum(r["error_minutes"] <= 1 for r in not_1010)
    assert right >= 0.3 * len(not_1010)


def test_confidence_means_something(real_clocks):
    """Right readings are more confident than wrong ones, on synthetic and real clocks."""
    for source in ("synthetic:200:77", str(real_clocks)):
        _, records, _ = run_test(source, progress=False)
        ok = [r["confidence"] for r in records if r["error_minutes"] <= 1]
        bad = [r["confidence"] for r in records if r["error_minutes"] > 1]
        assert np.mean(ok) > np.mean(bad) + 0.1, source


def test_photos_without_clocks_are_unsure():
    spec = importlib.util.find_spec("skimage")
    if spec is None:
        pytest.skip("scikit-image is not installed")
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    names = ["astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "grass.png", "gravel.png",
             "page.png", "rocket.jpg", "text.png", "hubble_deep_field.jpg", "horse.png"]
    reader = load_reader()
    unsure = sum(all(r.unsure for r in reader.read_all(folder / n)) for n in names)
    assert unsure >= 0.75 * len(names)
