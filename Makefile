# Agent Portal: `make run` serves the demo, `make test` runs every suite, `make mutation` scores the money tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=

.PHONY: run test test-deps bench mutation clean

run: $(VENV)/.run-deps
	LOG_LEVEL=WARNING $(FLASK) db upgrade
	LOG_LEVEL=WARNING $(FLASK) seed --demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.test-deps
	scripts/install-test-dependencies
	$(BIN)/ruff check .
	$(BIN)/ruff format --check portal tests e2e bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 3 --dist loadgroup --ignore=tests/fuzz $(PYTEST_ARGS)
	@# schemathesis against the live API, alone after the other suites (beside them, both ran slower on 2 cores).
	$(BIN)/python -m pytest -s -p no:cacheprovider tests/fuzz

# Mutation testing (not part of `make test`): mutmut mutates the files listed in [tool.mutmut] in pyproject.toml,
# runs the tests listed there against each mutant (the unit tests, one SQLite test; about 4 minutes on 2 cores),
# then the score is printed; below 95 % it fails.
# mutants/ is rebuilt every time so that no verdict is left over from older code or tests.
mutation: $(VENV)/.test-deps
	rm -rf mutants
	$(BIN)/mutmut run
	MUTMUT=$(BIN)/mutmut scripts/mutation-score

# Benchmarks (not part of `make test`): every page against a bare-Flask ceiling at 10,000 agents, the
# orchestrator against raw SQL, and what a scrape and the request metrics cost. wrk comes from Debian's package.
bench: $(VENV)/.test-deps
	source scripts/lib-apt.sh; command -v wrk >/dev/null || apt_install wrk
	$(BIN)/python bench/web.py
	$(BIN)/python bench/orchestrator.py
	$(BIN)/python bench/metrics.py

$(BIN)/python:
	scripts/ensure-python-venv $(PYTHON)
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.run-deps

clean:
	rm -rf $(VENV) test-results .pytest_cache *.egg-info mutants
