# saferplaces: every target creates .venv and installs what it needs on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install tools demo test bench lint format docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP)

# System tools: Graphviz's dot draws the governance diagram (saferplaces strategy render);
# headless Chromium prints the assessment to PDF (assess --pdf); poppler-utils renders its pages
# in the tests.
tools:
	@command -v dot >/dev/null || (apt-get update -q && apt-get install -y -q graphviz)
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	@command -v pdftoppm >/dev/null || (apt-get update -q && apt-get install -y -q poppler-utils)

# The demo needs no system tool: it builds the workspace and loads the strategy (no rendering).
demo: $(STAMP)
	$(BIN)/saferplaces demo demo-workspace

test: $(STAMP) tools
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

clean:
	rm -rf $(VENV) demo-workspace bench/.work .pytest_cache .mypy_cache .ruff_cache

docs: $(STAMP)
	$(BIN)/typer saferplaces.cli utils docs --name saferplaces --title "CLI reference" --output docs/cli.md
