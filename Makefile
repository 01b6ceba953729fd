# `make run` and `make test` are all a new machine needs: both create .venv and install first.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/lanner server local --flows examples/flows

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -m "not slow" -q

test-all: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Benchmarks are not tests: about 25 minutes on two cores, best on a quiet machine.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/foreach.py
	$(VENV)/bin/python benchmarks/namespace_files.py
	$(VENV)/bin/python benchmarks/executor_load.py
	$(VENV)/bin/python benchmarks/profile_foreach.py

clean:
	rm -rf $(VENV) .lanner .pytest_cache .mypy_cache .ruff_cache
