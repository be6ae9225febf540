# The two commands of the README's quick start:
#   make run   set up, migrate, load the demo tour and serve on http://127.0.0.1:8000
#   make test  set up and run every check: lint, format, types, OpenAPI drift, the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test fuzz lint lint-openapi openapi bench bench-runsheet bench-load bench-http bench-live clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sykkelturen demo
	$(BIN)/sykkelturen serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/sykkelturen openapi --check
	$(BIN)/pytest

# Schemathesis against a live server, national and county token (a few minutes).
fuzz: $(STAMP)
	$(BIN)/pytest -m fuzz

openapi: $(STAMP)
	$(BIN)/sykkelturen openapi

# Redocly CLI's recommended rules on the committed document (needs node; npm fetches it once).
lint-openapi:
	npx --yes @redocly/cli@2.77.0 lint openapi/openapi.json

bench: $(STAMP)
	$(BIN)/python -m bench.ingest --million

bench-runsheet: $(STAMP)
	$(BIN)/python -m bench.runsheet

bench-load: $(STAMP)
	$(BIN)/python -m bench.load

# Needs wrk (apt-get install wrk).
bench-http: $(STAMP)
	$(BIN)/python -m bench.http

# 40 stages checking in every 30 s, 20 live-stream listeners, two workers (about 2 minutes).
bench-live: $(STAMP)
	$(BIN)/python -m bench.live

clean:
	rm -rf $(VENV) sykkelturen.db sykkelturen.db-wal sykkelturen.db-shm sykkelturen.db-writer.lock
