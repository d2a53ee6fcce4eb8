# One place for what a developer and CI run. `make test` is the README's test command.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test check lint typecheck importlint pytest bench clean

$(BIN)/darkfleet: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e . --group dev
	touch $(BIN)/darkfleet

setup: $(BIN)/darkfleet

# The main job: simulate the Rajin shuttle scenario, ingest it, detect, show the findings.
demo: setup
	$(BIN)/darkfleet demo

# Everything CI checks: lint, types, layer contracts, tests (incl. doctests).
test: setup check

check: lint typecheck importlint pytest

lint:
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck:
	$(BIN)/mypy

importlint:
	$(BIN)/lint-imports

pytest:
	$(BIN)/python -m pytest -q -p randomly --doctest-modules src/darkfleet tests

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
