# HMIS Client Privacy Portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
DEMO_CLIENTS ?= 300

.PHONY: bench bench-quick bench-scale bench-audit wrk help run test test-sqlite test-postgres lint install install-test browser sqlmap static \
        extract-strings update-strings compile-strings check-strings clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create the virtual environment and install the portal

install-test: $(VENV)/.installed-test node_modules/.installed browser sqlmap ## Install what the tests need

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser: ## Install Debian's Chromium for the browser tests (when missing and root)
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi

sqlmap: ## Install Debian's sqlmap for the SQL injection scan (when missing and root)
	@if ! command -v sqlmap >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlmap >/dev/null; \
	  else echo "sqlmap is missing: sudo apt-get install sqlmap" >&2; exit 1; fi; \
	fi

compile-strings: $(VENV)/.installed ## Compile the translation catalogs
	$(BIN)/pybabel compile -d translations --statistics

extract-strings: $(VENV)/.installed ## Extract every string into translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-comments=Translators: \
	  --sort-by-file --no-location --project="HMIS Client Privacy Portal" \
	  -o translations/messages.pot .

update-strings: extract-strings ## Merge new strings into the es and pl catalogs
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

check-strings: $(VENV)/.installed ## Fail when the catalog is stale or es/pl are incomplete
	$(BIN)/python -m portal.i18n_check

# Benchmarks, not part of make test. Knobs (BENCH_CLIENTS, BENCH_DURATION, BENCH_CONNECTIONS, ...)
# are read from the environment: see bench/settings.py and bench/README.md.
# static: the pages name the versioned, compressed static files, as in production; without
# them a repeat visit downloads every stylesheet and script again.
bench: $(VENV)/.installed-bench compile-strings static wrk ## Load, import, page weights, audit chain: bench/results/latest.json
	$(BIN)/python -m bench.run

bench-quick: ## make bench on 2,000 clients for 3 s a page: tries the benchmark, proves nothing
	$(MAKE) --no-print-directory bench BENCH_CLIENTS=2000 BENCH_DURATION=3s BENCH_WARMUP=1s \
	  BENCH_AUDIT_ENTRIES=10000 BENCH_PDF_SAMPLES=5

bench-scale: ## make bench at 1,000,000 clients: the record and queue against the last 100,000-client run (hours)
	$(MAKE) --no-print-directory bench BENCH_CLIENTS=1000000 BENCH_OUT=bench/results/scale.json \
	  BENCH_SCALE_BASE=bench/results/latest.json

bench-audit: $(VENV)/.installed ## Audit chain verification of 1,000,000 entries, alone
	$(BIN)/python bench/audit_verify.py $(or $(BENCH_AUDIT_ENTRIES),1000000)

wrk: ## Install Debian's wrk for the benchmarks (when missing and root)
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; \
	fi

static: $(VENV)/.installed ## Version, gzip and brotli the static files (static/cache_manifest.json)
	$(BIN)/python -m portal.static_files

run: $(VENV)/.installed compile-strings static ## Serve the portal with demo data at http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) demo setup --clients $(DEMO_CLIENTS)
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test compile-strings static check-strings lint ## Run the whole suite: SQLite, then PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Each pass runs on both cores, each xdist worker on a database of its own (a SQLite file;
# test_gw0 and test_gw1 on the PostgreSQL server). On PostgreSQL each operations test module
# stays on one worker (loadgroup): it starts gunicorn instances or a private server once.
# SQLite is the one-machine store of `make run`: the browser tests drive every page on it, and
# the migrations, the import and the demo data (marked `sqlite`) run there too. PostgreSQL is
# the production store: every other test runs on it. (Running all of them twice took 20 min.)
test-sqlite:
	@echo "== test pass 1: SQLite (browser tests and what make run does)"
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 -m "browser or sqlite"

test-postgres:
	@echo "== test pass 2: PostgreSQL (every test but the browser tests)"
	@if $(BIN)/python -m portal.dbcheck "$(PG_TEST_URL)"; then \
	  PORTAL_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest -p no:cacheprovider \
	    -n 2 --dist loadgroup -m "not browser"; \
	else \
	  echo "SKIPPED the PostgreSQL pass: no PostgreSQL answers at $(PG_TEST_URL)."; \
	  if [ -n "$$CI" ]; then echo "CI must run both passes." >&2; exit 1; fi; \
	fi

lint: $(VENV)/.installed-test ## ruff check and format check, mypy strict on portal/
	$(BIN)/ruff check portal tests bench wsgi.py
	$(BIN)/ruff format --check portal tests bench wsgi.py
	$(BIN)/mypy

clean: ## Remove the virtual environment, node_modules and the local database
	rm -rf $(VENV) node_modules instance
