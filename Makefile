# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/data/dagster_home
SEED ?= 7
LOCATIONS ?= 7
MONTHS ?= 12
# Ports: the dashboard (Streamlit) and the Dagster UI. `make demo PORT=8600 DAGSTER_PORT=3100`.
PORT ?= 8501
DAGSTER_PORT ?= 3000
# The Dagster daemon that `make demo` runs next to the dashboard: its log and pid live under data/.
DAEMON_LOG := $(DAGSTER_HOME)/daemon.log
DAEMON_PID := $(DAGSTER_HOME)/daemon.pid
# The dashboard listens on this machine only unless told otherwise (ADDRESS=0.0.0.0 behind a TLS proxy).
ADDRESS ?= 127.0.0.1


.PHONY: install lock lint format browser postgresql demo sample-data pipeline users app serve dagster-ui test bench manifest contracts-doc clean-demo-data

install: $(VENV)/.installed

# requirements.lock pins every package, direct and transitive, so a fresh machine installs exactly what CI tested.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

# Re-pin after changing the dependencies in pyproject.toml (uv resolves; pip installs).
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 --quiet --no-header -o requirements.lock

# ruff (lint and format) on the Python, sqlfluff on the dbt models. The dbt templater compiles each model and
# opens the profile's DuckDB file, so it gets a scratch one.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	RCM_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(VENV)/bin/sqlfluff lint dbt/models

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	RCM_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(VENV)/bin/sqlfluff fix dbt/models

# The browser test drives Debian's Chromium through Playwright (never a Playwright browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# The tests start throwaway PostgreSQL clusters (the server warehouse and the ledger on PostgreSQL) from Debian's
# server binaries; nothing runs as a service.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; }

# The Dagster instance settings (run queue limits, run monitoring) are committed; DAGSTER_HOME is not.
$(DAGSTER_HOME)/dagster.yaml: dagster_project/instance/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

# dbt's manifest for Dagster, parsed (when older than the project) with the vars and target folder of the daily
# build, so that build starts from dbt's partial parse instead of parsing the project again.
manifest: install
	$(PY) -m dagster_project.dbt_project

# The demo starts from a clean slate: it regenerates the sample extracts for today and rebuilds
# the warehouse, the ledger and the outbox under data/ (all gitignored).
clean-demo-data:
	rm -rf data/inbox/* data/quarantine/* data/outbox/* data/warehouse/* data/ledger/* data/synthetic

sample-data: install
	$(PY) -m dagster_project.synthetic --seed $(SEED) --locations $(LOCATIONS) --months $(MONTHS) --out data/inbox --ground-truth data/synthetic/ground_truth.json

# One line per step while it runs, then a summary (files, quarantine, flags, drafts, time per stage).
pipeline: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m dagster_project.run_demo

users: install
	$(PY) -m dashboards.seed_demo_users

STREAMLIT := $(VENV)/bin/streamlit run dashboards/app.py --server.headless true --server.address $(ADDRESS) --server.port $(PORT) \
	--browser.gatherUsageStats false

app: install
	@echo "Dashboard: http://$(ADDRESS):$(PORT)  (demo users and password: see README)"
	$(STREAMLIT)

# The dashboard in the foreground and the Dagster daemon in the background (schedules, sensors, the run
# queue: approved actions go out within about a minute); stopping the dashboard (Ctrl-C) stops the daemon.
serve: install manifest $(DAGSTER_HOME)/dagster.yaml
	@echo "Dashboard: http://$(ADDRESS):$(PORT)  (demo users and password: see README)"
	@echo "Dagster daemon: running, log in $(DAEMON_LOG)"
	@$(VENV)/bin/dagster-daemon run -m dagster_project.definitions >> $(DAEMON_LOG) 2>&1 & \
	daemon=$$!; echo $$daemon > $(DAEMON_PID); \
	trap 'kill $$daemon 2>/dev/null; wait $$daemon 2>/dev/null; rm -f $(DAEMON_PID)' EXIT HUP INT TERM; \
	$(STREAMLIT)

# Demo mode: the seeded users share RCM_DEMO_PASSWORD (refused in production, the default).
demo: export RCM_MODE := demo
demo: install clean-demo-data sample-data pipeline users serve

# While `make demo` runs, its daemon already drives schedules and sensors: then only the web UI starts.
dagster-ui: install manifest $(DAGSTER_HOME)/dagster.yaml
	@echo "Dagster UI: http://localhost:$(DAGSTER_PORT)"
	@if [ -f $(DAEMON_PID) ] && kill -0 "$$(cat $(DAEMON_PID))" 2>/dev/null; then \
	  exec $(VENV)/bin/dagster-webserver -m dagster_project.definitions -p $(DAGSTER_PORT); \
	else \
	  exec $(VENV)/bin/dagster dev -m dagster_project.definitions -p $(DAGSTER_PORT); \
	fi

test: install browser postgresql
	$(PY) -m pytest -q

bench: install
	$(PY) bench/pipeline_bench.py

contracts-doc: install
	$(PY) -m dagster_project.contracts.docs
