# Two commands on a fresh machine with Python 3.11:
#   make run   — virtualenv, runtime packages, demo database (if missing), dashboard on http://localhost:8501
#   make test  — dev packages, a Chromium for browser tests (Debian package, if absent), the whole suite
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
DEMO_DB := data/demo.duckdb
PORT    ?= 8501
# dashboard processes behind one port (docs/scaling.md): one core each for the readers' page scripts
WORKERS ?= 2
# The demo database is rebuilt when the generator, the loader or the schema change.
DEMO_INPUTS := $(wildcard nyc_cannabis/sources/*.py nyc_cannabis/sources/demo_data/*.* nyc_cannabis/ingest/*.py nyc_cannabis/core/*.py nyc_cannabis/ingest/sql/*/*.sql)

.PHONY: run real test demo bench clean browsers screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the package itself is installed editable, so its console script (nyc-cannabis-enforcement) is on the venv's PATH
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

$(DEMO_DB): $(VENV)/.runtime $(DEMO_INPUTS)
	rm -f $@.building $@.building.wal
	$(BIN)/python -m nyc_cannabis demo --out data/demo --db $@.building
	mv -f $@.building $@

demo: $(DEMO_DB)

run: $(VENV)/.runtime $(DEMO_DB)
	ANALYTICS_DB=$${ANALYTICS_DB:-$(DEMO_DB)} $(BIN)/python -m nyc_cannabis.ui.serve --workers $(WORKERS) --server.port $(PORT) --server.headless true

# the real records: bring data/nypd.duckdb up to date from NYC Open Data (what is new since its last record;
# everything the first time; resumable; $SODA_APP_TOKEN if set), then the dashboard on it
REAL_DB := data/nypd.duckdb

real: $(VENV)/.runtime
	$(BIN)/python -m nyc_cannabis update --db $(REAL_DB)
	ANALYTICS_DB=$(REAL_DB) $(BIN)/python -m nyc_cannabis.ui.serve --workers $(WORKERS) --server.port $(PORT) --server.headless true

browsers:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing Debian's chromium for the browser tests"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "warning: no chromium found; browser tests will be skipped (apt-get install chromium)"; fi; }

# axe-core for the accessibility tests (npm; a stamp file because npm gives installed files old timestamps)
AXE := tests/ui/node_modules/.installed
$(AXE): tests/ui/package.json tests/ui/package-lock.json
	@if command -v npm >/dev/null 2>&1; then (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error) && touch $@; \
	else echo "warning: no npm; the accessibility tests will be skipped (apt-get install npm)"; fi

test: $(VENV)/.dev browsers $(AXE)
	$(BIN)/python -m pytest

screenshots: $(VENV)/.dev browsers $(AXE)
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser -k "every_page or accessible"

bench: $(VENV)/.dev
	$(BIN)/python -m bench
	$(BIN)/python -m bench.ingest_steps
	$(BIN)/python -m bench.project_bench
	$(BIN)/python -m bench.app_bench

clean:
	rm -rf $(VENV) data/demo data/*.duckdb data/*.duckdb.wal tests/ui/node_modules
