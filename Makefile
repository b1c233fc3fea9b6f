# canbao — 全民参保登记 data exchange platform. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERSONS ?= 2000
SEED ?= 7
DAYS ?= 1

.PHONY: help setup demo test bench stop clean lint status

help:
	@echo "make demo   - set up everything, start the local stack, run the pipeline on a sample city (PERSONS, SEED, DAYS)"
	@echo "make test   - set up everything and run the test suite against real services"
	@echo "make bench  - benchmarks with baselines measured in the same run (BENCH=name,name SCALE=1000000)"
	@echo "make status - what the local stack is running"
	@echo "make stop   - stop every process the stack started"
	@echo "make clean  - stop, then remove all local state (.local/)"
	@echo "make lint   - ruff"

setup: $(STAMP)

# System packages first (PostgreSQL server binaries, OpenSSH client), then the pinned Python set.
$(STAMP): requirements.txt requirements.lock pyproject.toml
	@bash scripts/bootstrap-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/canbao demo --persons $(PERSONS) --seed $(SEED) --days $(DAYS)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/canbao bench $(if $(BENCH),--only $(BENCH)) $(if $(SCALE),--scale $(SCALE))

status: $(STAMP)
	$(BIN)/canbao services status

stop:
	@if [ -x $(BIN)/canbao ]; then $(BIN)/canbao services down; else echo "nothing to stop (no .venv)"; fi

clean: stop
	rm -rf .local

lint: $(STAMP)
	$(BIN)/ruff check canbao dags plugins tests
