# glue-elt developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STACK_DIR ?= .stack
LINT_PATHS := src tests local_stack glue_jobs bench live_check docs/hooks

.DEFAULT_GOAL := help
.PHONY: help venv docs-venv system-deps lint format test test-matrix unit demo live-check bench stack stack-down dist docs docs-serve docs-params clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install glue-elt with its dev tools
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

DOCS_STAMP := $(VENV)/.docs-installed
docs-venv: $(DOCS_STAMP)
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[dev,docs]'
	touch $(DOCS_STAMP)

system-deps: ## Install PgBouncer, and iproute2's ss (a test reads keepalive timers with it), if missing (Debian packages)
	@missing=""; \
	command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing=" pgbouncer"; \
	command -v ss >/dev/null || [ -x /usr/bin/ss ] || [ -x /sbin/ss ] || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: venv ## ruff (lint + format check), mypy --strict and cfn-lint on deploy/
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy --strict src local_stack bench live_check docs/hooks
	$(VENV)/bin/cfn-lint --template deploy/*.yaml

format: venv ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

MATRIX_PYTHONS ?= 3.9 3.10 3.11 3.12 3.13
MATRIX_FULL ?= $(MATRIX_PYTHONS)
# Pythons of MATRIX_PYTHONS not in MATRIX_FULL run mypy, the unit, boundary and top-level tests only (CI's time).
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)

test-matrix: venv system-deps ## Every test (and mypy) on each Python of MATRIX_PYTHONS that pyenv has, in .venv-<version>
	@set -e; export GLUE_ELT_PGINSTALL="$$($(PY) -c 'import pgserver, pathlib; print(pathlib.Path(pgserver.__file__).parent / "pginstall")')"; \
	for v in $(MATRIX_PYTHONS); do \
		py=$$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -n 1); \
		if [ -z "$$py" ]; then echo "== Python $$v: not under $(PYENV_ROOT)/versions, skipped"; continue; fi; \
		echo "== Python $$v ($$py)"; \
		$(VENV)/bin/uv venv -q --seed --allow-existing --python "$$py" .venv-$$v; \
		VIRTUAL_ENV="$$PWD/.venv-$$v" $(VENV)/bin/uv pip install -q -e '.[dev]'; \
		.venv-$$v/bin/mypy --strict --python-version $$v src local_stack bench live_check; \
		case " $(MATRIX_FULL) " in *" $$v "*) tests="tests";; *) tests="tests/unit tests/boundary $$(ls tests/test_*.py)";; esac; \
		.venv-$$v/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) $$tests; \
	done

unit: venv ## Fast unit tests only (no servers)
	$(VENV)/bin/pytest -q tests/unit

test: venv system-deps lint ## Lint, then every test (integration tests start and stop the local stack)
	$(VENV)/bin/pytest -q $(PYTEST_PARALLEL)

demo: venv system-deps ## Both steps on the local stack as a Glue job runs them: the migration step (dry run, config file, error file re-run, schema mode, schema mode through the Data API), then the SQL step (dry run, run, re-run)
	$(PY) -m local_stack.demo

live-check: venv system-deps ## Both steps and the compatibility record's open questions on a live cluster (GLUE_ELT_LIVE_* set; see docs/live-check.md), else on the local stack
	$(PY) -m live_check $(LIVE_CHECK_ARGS)

bench: venv system-deps ## Benchmark the step against psql and a client-side copy (minutes; not run by tests)
	$(PY) -m bench

stack: venv system-deps ## Start the local stack in the background with the demo's data; prints commands to run the step
	$(PY) -m local_stack up --state-dir $(STACK_DIR)

stack-down: venv ## Stop the local stack started by `make stack`
	$(PY) -m local_stack down --state-dir $(STACK_DIR)

docs: docs-venv ## Build the documentation site into site/ (mkdocs --strict: a broken link or page fails)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

docs-params: venv ## Write docs/parameters.md's tables anew from the steps' Param declarations
	$(PY) docs/hooks/parameters.py

docs-serve: docs-venv ## Serve the documentation site on http://127.0.0.1:8000 while you edit
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

dist: venv ## Build the wheel into dist/
	$(PY) -m pip wheel -q --no-deps -w dist .

clean: ## Remove build artefacts (keeps .venv and the .venv-<version> of test-matrix)
	rm -rf dist build site src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
