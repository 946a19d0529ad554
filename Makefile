# Rare Disorders Encyclopedia — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Local targets run in development mode; production sets its environment explicitly.
export DJANGO_DEBUG ?= true
# The whole suite's coverage on 2026-12-01, rounded down: `make test` fails below it. A partial
# run (PYTEST_ARGS="-k …") checks no floor.
COVERAGE_FLOOR := 93

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt check bench backup restore stop-db clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install what production runs (requirements.txt)

.PHONY: install-dev
install-dev: $(VENV)/.installed-dev ## Also install the tests and tooling (requirements-dev.txt)

# Written once, for development: the README's `manage.py` commands then run as written.
# Only `make run` writes it, so a production `make install` never gains DJANGO_DEBUG=true.
.env:
	sed "s/^DJANGO_SECRET_KEY=.*/DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" \
		.env.example > $@
	@echo "Wrote a development .env (DJANGO_DEBUG=true, a generated DJANGO_SECRET_KEY)."

run: install .env ## Write a development .env once, migrate, load the demo entries, serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install-dev ## Run the whole test suite with coverage (browser tests need /usr/bin/chromium)
	$(PY) -m pytest --cov $(if $(PYTEST_ARGS),,--cov-fail-under=$(COVERAGE_FLOOR)) $(PYTEST_ARGS)

lint: install-dev ## Lint with ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: install-dev ## Format and fix with ruff
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check: install-dev ## Django checks, missing migrations, lint
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) lint

bench: install ## Import the full Orphanet open data into a benchmark database and time the pages
	$(PY) manage.py benchmark $(BENCH_ARGS)

backup: install ## Back up the database (embedded or DATABASE_URL) to var/backups/, or to FILE=path
	$(PY) manage.py backup $(if $(FILE),--output "$(FILE)")

restore: install ## Replace the database's contents with a backup: make restore FILE=path (asks first)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/….dump"; exit 2; }
	$(PY) manage.py restore "$(FILE)"

stop-db: ## Stop the embedded PostgreSQL (it keeps running between commands)
	$(PY) -m encyclopedia.embedded_db stop

clean: stop-db ## Remove .venv and var/ (the embedded database and collected static files)
	rm -rf $(VENV) var
