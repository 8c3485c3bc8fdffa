# Single entry point. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CFF_VENV := $(VENV)/tools/cffconvert
CFFCONVERT := $(CFF_VENV)/bin/cffconvert
CROISSANT_VENV := $(VENV)/tools/croissant
MLCROISSANT := $(CROISSANT_VENV)/bin/mlcroissant
FRICTIONLESS4_VENV := $(VENV)/tools/frictionless4
FRICTIONLESS4 := $(FRICTIONLESS4_VENV)/bin/frictionless
DS1_VENV := $(VENV)/tools/datasette1
DATASETTE1 := $(DS1_VENV)/bin/datasette
PORT ?= 8001

.PHONY: install build serve test test-fast docs clean release diff tools

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@# datasette-vega (until 0.2.0) put its 944 KB script on every page; the site now draws its
	@# own charts on the pages that have one (site/static/chart.js): an older venv loses it
	$(PY) -m pip uninstall --quiet --yes datasette-vega 2>/dev/null || true
	touch $(STAMP)

install: $(STAMP)

# cffconvert needs jsonschema<4 and frictionless jsonschema>=4.20, so it gets its own venv.
$(CFFCONVERT): requirements-cffconvert.lock
	$(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/python -m pip install --quiet -r requirements-cffconvert.lock
	touch $(CFFCONVERT)

# mlcroissant (checks croissant.json) pins its own pandas, numpy and rdflib: its own venv.
$(MLCROISSANT): requirements-croissant.lock
	$(PYTHON) -m venv $(CROISSANT_VENV)
	$(CROISSANT_VENV)/bin/python -m pip install --quiet -r requirements-croissant.lock
	touch $(MLCROISSANT)

# frictionless 4 (Data Package v1) cannot share a venv with frictionless 5: its own venv.
$(FRICTIONLESS4): requirements-frictionless4.lock
	$(PYTHON) -m venv $(FRICTIONLESS4_VENV)
	$(FRICTIONLESS4_VENV)/bin/python -m pip install --quiet -r requirements-frictionless4.lock
	touch $(FRICTIONLESS4)

# The newest Datasette 1.0 alpha, for the smoke test of the site on it (tests/test_datasette1.py).
$(DATASETTE1): requirements-datasette1.lock
	$(PYTHON) -m venv $(DS1_VENV)
	$(DS1_VENV)/bin/python -m pip install --quiet -r requirements-datasette1.lock
	touch $(DATASETTE1)

tools: $(CFFCONVERT) $(MLCROISSANT) $(FRICTIONLESS4) $(DATASETTE1)

build: $(STAMP)
	$(PY) -m scripts build

serve: build
	$(PY) -m scripts serve --port $(PORT)

# Both tiers run on two cores (pytest-xdist); loadfile keeps a test file's server and browser in one worker.
test: $(STAMP) tools
	$(PY) -m pytest -n 2 --dist loadfile

# The quick tier: no browser, no cffconvert, no server processes, no private builds.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -m "not slow and not browser and not server and not cffconvert and not datasette1"

docs: $(STAMP)
	$(PY) -m scripts docs

release: $(STAMP)
	$(PY) -m scripts release

# make diff OLD=dist/<name>-<version> NEW=.   (folders with datapackage.json, or zips)
NEW ?= .
diff: $(STAMP)
	$(if $(OLD),,$(error give the old version: make diff OLD=path NEW=path))
	$(PY) -m scripts diff $(OLD) $(NEW)

# Deletes only what a build or a release can make again; release records (releases/) are kept.
# Plain python3 is enough (the command imports nothing outside the standard library), so it
# works before the first install too.
clean:
	@$(PYTHON) -m scripts clean

.PHONY: rate import-ratings

rate: $(STAMP)
	$(PY) -m scripts rate

import-ratings: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import-ratings FILE=path/to/export.csv [YES=1]" >&2; exit 2; }
	$(PY) -m scripts import-ratings "$(FILE)" $(if $(YES),--yes)
