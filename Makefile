# Rare Disorders Encyclopedia — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Local targets run in development mode; production sets its environment explicitly.
export DJANGO_DEBUG ?= true

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt check bench backup restore stop-db clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned requirements

run: install ## Migrate, load the demo entries and serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install ## Run the whole test suite (browser tests need /usr/bin/chromium)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## Lint with ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: install ## Format and fix with ruff
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check: install ## Django checks, missing migrations, lint
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
