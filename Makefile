# Single entry point. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CFF_VENV := $(VENV)/tools/cffconvert
PORT ?= 8001

.PHONY: install build serve test clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(PY) -m scripts build

serve: build
	$(PY) -m scripts serve --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf build dist

.PHONY: rate import-ratings

rate: $(STAMP)
	$(PY) -m scripts rate

import-ratings: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import-ratings FILE=path/to/export.csv" >&2; exit 2; }
	$(PY) -m scripts import-ratings "$(FILE)"
