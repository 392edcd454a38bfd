# Two commands set everything up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo materialize test lint sandbox clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the demo: the Dagster UI over the local Airbyte sandbox (options: ARGS="--help").
demo: $(STAMP)
	$(BIN)/python -m airbyte_cloud_dagster.demo $(ARGS)

## Headless demo: a fresh sandbox, every asset materialized once, a summary table.
materialize: $(STAMP)
	$(BIN)/python -m airbyte_cloud_dagster.demo_materialize $(ARGS)

## Start only the local Airbyte API sandbox.
sandbox: $(STAMP)
	$(BIN)/python -m airbyte_cloud_dagster.sandbox

## Lint, then run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
