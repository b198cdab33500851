# The two set-up commands of the README: `make run` (later issues) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run lint test chaos bench bench-import events k8s clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The whole system on this machine: Redis (REDIS_URL or our own), SQLite stores under var/.
run: install
	$(PY) -m shared.launcher

lint: install
	$(VENV)/bin/ruff format --check shared services tests bench
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The whole suite: lint, types, import rules, unit, integration and fault tests.
test: lint
	$(PY) -m pytest

# Two replicas of every service through a rolling restart, SIGKILLs and a Redis restart under
# load, then every effect counted (tests/support/chaos.py; a bounded run is part of make test).
chaos: install
	$(PY) -m tests.support.chaos

bench: install
	$(PY) -m bench.bus
	$(PY) -m bench.api

# A synthetic Kalimantan Selatan (1.7 million persons) imported through the registry, fanned out
# to cases; `PERSONS=20000 make bench-import` for a shorter run.
bench-import: install
	$(PY) -m bench.import --persons $(or $(PERSONS),1700000)

events: install
	$(PY) -m shared.cli events export

# deploy/k8s/rendered/: what `kubectl kustomize` makes of each overlay, kept in the repository so
# CI validates it without kubectl (tests/deploy/test_kubernetes.py checks it is current).
k8s:
	for overlay in kabupaten provinsi; do \
		kubectl kustomize deploy/k8s/overlays/$$overlay > deploy/k8s/rendered/$$overlay.yaml; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
