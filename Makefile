# Two commands do all the set-up on a fresh machine:
#   make demo   install clockreader into .venv and read clock photos with the bundled model
#   make test   install everything (training, server, test tools) into .venv and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.14.1 torchvision==0.29.1
DEMO_DIR ?= ../shared/data/real-clocks

.PHONY: demo test install install-all bench preview clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

# torch first, pinned, so pip never resolves (and downloads) another torch build
install-all: $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[train,serve,scale,dev]" $(TORCH)

demo: install
	@if [ -d "$(DEMO_DIR)" ]; then \
	  $(BIN)/clockreader read "$(DEMO_DIR)" --annotate out/annotated || true; \
	else \
	  mkdir -p out && $(BIN)/python -c "from clockreader import render_clock; render_clock(seed=7, size=256).image.save('out/demo-clock.jpg')" && \
	  $(BIN)/clockreader read out/demo-clock.jpg --annotate out/annotated; \
	fi
	@echo "annotated images are in out/annotated/"

test: install-all
	$(BIN)/python -m pytest -q

bench: install-all
	$(BIN)/python benchmarks/render_speed.py
	$(BIN)/python benchmarks/inference_speed.py

preview: install
	$(BIN)/clockreader preview --out out/preview.png --count 64 --seed 0

clean:
	rm -rf $(VENV) out build *.egg-info
