# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/data/dagster_home
SEED ?= 7
LOCATIONS ?= 7
MONTHS ?= 12
PORT ?= 8501
# The dashboard listens on this machine only unless told otherwise (ADDRESS=0.0.0.0 behind a TLS proxy).
ADDRESS ?= 127.0.0.1

.PHONY: install browser demo sample-data pipeline users app dagster-ui test bench manifest contracts-doc clean-demo-data

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# The browser test drives Debian's Chromium through Playwright (never a Playwright browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

manifest: install
	$(VENV)/bin/dbt parse --project-dir dbt --profiles-dir dbt --quiet

# The demo starts from a clean slate: it regenerates the sample extracts for today and rebuilds
# the warehouse, the ledger and the outbox under data/ (all gitignored).
clean-demo-data:
	rm -rf data/inbox/* data/quarantine/* data/outbox/* data/warehouse/* data/ledger/* data/synthetic

sample-data: install
	$(PY) -m dagster_project.synthetic --seed $(SEED) --locations $(LOCATIONS) --months $(MONTHS) --out data/inbox --ground-truth data/synthetic/ground_truth.json

pipeline: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster job execute -m dagster_project.definitions -j daily_leak_job

users: install
	$(PY) -m dashboards.seed_demo_users

app: install
	@echo "Dashboard: http://$(ADDRESS):$(PORT)"
	$(VENV)/bin/streamlit run dashboards/app.py --server.headless true --server.address $(ADDRESS) --server.port $(PORT) --browser.gatherUsageStats false

# Demo mode: the seeded users share RCM_DEMO_PASSWORD (refused in production, the default).
demo: export RCM_MODE := demo
demo: install clean-demo-data sample-data pipeline users app

dagster-ui: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster dev -m dagster_project.definitions -p 3000

test: install browser
	$(PY) -m pytest -q

bench: install
	$(PY) bench/pipeline_bench.py

contracts-doc: install
	$(PY) -m dagster_project.contracts.docs
