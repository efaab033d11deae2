# fsmnb — every target sets up what it needs first; nothing is installed by hand.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_STAMP := .venv/.apt

.PHONY: setup demo test lint typecheck unit browser bench lab clean system local-model docs dist binder

## setup: create .venv, install fsmnb with its dev extras, and Debian packages when missing
setup: $(STAMP)

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml $(VENV)/bin/python
	@bash scripts/system-deps.sh
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

## demo: run the example notebooks headless on the offline default model and print a summary
demo: setup
	$(BIN)/python -m fsmnb.demo

lint: setup
	$(BIN)/ruff check fsmnb tests bench
	$(BIN)/ruff format --check fsmnb tests bench

typecheck: setup
	$(BIN)/mypy

## test: set up, then ruff, mypy, pytest (unit, integration, packaging, notebooks, browser), docs
## (Playwright's sync API holds an event loop for its session: the browser tests get their own process)
test: setup
	$(BIN)/ruff check fsmnb tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests --ignore=tests/browser
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax notebooks
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/browser
	$(BIN)/mkdocs build --strict --quiet

unit: setup
	$(BIN)/python -m pytest -q tests/unit

## browser: the JupyterLab-in-Chromium widget tests alone (screenshots in build/screenshots/)
browser: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m browser tests/browser

## docs: the documentation site (MkDocs Material + mkdocs-jupyter + mkdocstrings) into site/,
## warnings as errors (mkdocs.yml has `strict: true`)
docs: setup
	$(BIN)/mkdocs build --strict --quiet

## dist: build the sdist and wheel, check them (twine), install the wheel into a clean venv
## and run a notebook with it
dist: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/packaging

## binder: build an environment from binder/ alone (as repo2docker does) and run every notebook
## in it (2.6 min on a quiet 2-core machine with pip's cache warm; also part of `make test`)
binder: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/integration/binder

## local-model: build llama.cpp (fsmnb[local]) for `local:smollm2` — ~25 min on 2 cores; not part of CI.
## Portable build flags: a native build crashes in its AMX code on some CPUs.
local-model: setup
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
		$(BIN)/python -m pip install -e '.[local]'
	$(BIN)/python -m pytest -q -m local tests

## bench: fsmnb side by side with its peers (installs the peers into .venv-bench)
bench:
	bash bench/run.sh

## lab: open JupyterLab on the example notebooks (saving widget state, as binder/ does)
lab: setup
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@test -f $(VENV)/share/jupyter/lab/settings/overrides.json || cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab --allow-root --notebook-dir=notebooks

clean:
	rm -rf $(VENV) .venv-bench build dist site .pytest_cache .mypy_cache .ruff_cache
