#!/usr/bin/env bash
# The main locator retrained with real photos' boxes mixed into the synthetic scenes (issue 24, item 3).
# The bundled locator's recipe and seed (runs/locator2: 10 epochs of 3000 scenes), shortened to 6 epochs of 2000
# scenes to fit one session's CPU beside other work, plus two windows of
# each of the 340 training photos of unlabelled-real/boxes.csv per epoch; the 82 photos whose names hash to 0
# mod 5 are held out. About 30-45 minutes on 2 CPU cores.
set -euo pipefail
clockreader train-locator --epochs 6 --epoch-size 2000 --bs 32 --lr 2e-3 --seed 1 \
  --real-boxes ../shared/data/unlabelled-real/boxes.csv --real-repeat 2 --out runs/locator-real
