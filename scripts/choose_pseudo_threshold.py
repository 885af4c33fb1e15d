"""Choose pseudo-label's photo threshold on the real validation sets (never trained on): for each photo of
coco-clocks and real-clocks, do its views agree (clockreader.pseudo.photo_views), how confident is the main
reading, and is it right within 1 minute? Prints precision and count of kept labels per threshold and the
lowest threshold whose kept labels are at least 90% right.

    python scripts/choose_pseudo_threshold.py
"""

from pathlib import Path

import numpy as np

from clockreader.datasets import read_dataset
from clockreader.pseudo import AGREE_MINUTES, photo_views
from clockreader.runtime.reader import load_reader
from clockreader.time import circular_diff

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
reader = load_reader()
rows = []
for name in ("coco-clocks", "real-clocks"):
    for it in read_dataset(SHARED / name):
        _, rd, box = photo_views(reader, it.path)
        m = rd[0].time.index720
        agree = box is not None and max(circular_diff(m, r.time.index720) for r in rd[1:]) <= AGREE_MINUTES
        rows.append((name, agree, rd[0].confidence, circular_diff(m, it.time.index720) <= 1))
agree = np.array([r[1] for r in rows]); conf = np.array([r[2] for r in rows]); ok = np.array([r[3] for r in rows])
print(f"{len(rows)} photos; views agree on {agree.sum()} ({ok[agree].mean():.2f} of those right); right overall {ok.mean():.2f}")
chosen = None
for t in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
    keep = agree & (conf >= t)
    prec = ok[keep].mean() if keep.any() else float("nan")
    print(f"threshold {t:.1f}: kept {keep.sum():3d}, right {ok[keep].sum():3d} ({prec:.2f})")
    if chosen is None and keep.any() and prec >= 0.9:
        chosen = t
print(f"chosen: {chosen}")
