# Two commands set everything up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo materialize test test-fast lint sandbox clean docs soak soak-quick

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
	$(BIN)/python -m airbyte_cloud_dagster.demo.materialize $(ARGS)

## Start only the local Airbyte API sandbox.
sandbox: $(STAMP)
	$(BIN)/python -m airbyte_cloud_dagster.sandbox

## Lint, build the docs (broken links fail), then run the whole test suite on two workers
## (pytest-xdist: about half the time on 2 cores; the tests share no port or file).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory docs
	$(BIN)/python -m pytest -n 2

## Build the docs site (docs/, mkdocs.yml) into site/; a broken link or anchor fails it.
## Quiet unless it fails (mkdocs --quiet would hide the warnings that --strict fails on).
docs: $(STAMP)
	@$(BIN)/mkdocs build --strict > $(VENV)/mkdocs.log 2>&1 \
		|| { cat $(VENV)/mkdocs.log; echo "make docs: the docs build failed"; exit 1; }

## The edit-test loop: the tests not marked slow (no subprocess, no browser, none over ~1 s).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(STAMP)
	$(BIN)/ruff check .

## The soak: ~350 sync requests through every path against sandboxes with faults at seeded
## rates; exits 1 when a target is missed (about 6 minutes; options: ARGS="--seed 2 --json f").
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py $(ARGS)

## The soak in about a minute, as CI runs it after make test.
soak-quick: $(STAMP)
	$(BIN)/python benchmarks/soak.py --quick $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info site
