# Grader: `make serve` runs the service (web app + worker, SQLite, no servers needed);
# `make test` runs lint and the tests; `make grade FILE=essay.txt` grades offline.
# Each creates the virtual environment (.venv) on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FILE ?= rubrics/exemplars/stalin-industrialisation.txt
FORMAT ?= text

.PHONY: venv serve grade test lint bench bench-service bench-load clean
HOST ?= 127.0.0.1
PORT ?= 5000

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

serve: $(STAMP)
	$(BIN)/grader serve --host $(HOST) --port $(PORT)

grade: $(STAMP)
	$(BIN)/grader grade --format $(FORMAT) $(FILE)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/throughput.py

bench-service: $(STAMP)
	$(BIN)/python bench/service.py

bench-load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
