# Two commands: `make run` serves fplan, `make test` runs every check. Both set up what is missing
# (virtualenv, pinned packages, PostGIS, the local cluster, migrations) and are idempotent.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_VERSION ?= 15
POSTGIS_CONTROL := /usr/share/postgresql/$(PG_VERSION)/extension/postgis.control
export DEBIAN_FRONTEND := noninteractive

.PHONY: run test setup db data browser lint typecheck importlint jscheck pytest test-geo test-db test-browser test-slow loadtest clean

run: setup data
	$(BIN)/fplan serve

test: setup lint typecheck importlint jscheck pytest

setup: $(VENV)/.installed db node_modules/.installed

# the map page's MapLibre GL JS, from npm (never committed); Debian's npm when none is installed
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund
	touch $@

# the browser tests drive Debian's Chromium (no browser download); a CJK font draws the Chinese
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
# the printable report: WeasyPrint (PyPI) typesets with Debian's pango; the report test reads
# the PDF back with poppler's pdftoppm and pdftotext
PANGO := /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0
PDFTOPPM := /usr/bin/pdftoppm

browser: $(CHROMIUM) $(CJK_FONT) $(PANGO) $(PDFTOPPM)

$(CHROMIUM) $(CJK_FONT):
	apt-get update -qq
	apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null

$(PANGO) $(PDFTOPPM):
	apt-get update -qq
	apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	# bytecode for every module up front: uv writes none, and with PYTHONDONTWRITEBYTECODE set
	# each command would otherwise compile pandas, sqlalchemy, … from source (seconds per run)
	$(BIN)/python -m compileall -q -j 0 $(VENV) app geo benchmarks tools scenarios >/dev/null
	touch $@

$(POSTGIS_CONTROL):
	apt-get update -qq
	apt-get install -y -qq postgresql-$(PG_VERSION) postgresql-$(PG_VERSION)-postgis-3 >/dev/null

db: $(VENV)/.installed $(POSTGIS_CONTROL)
	$(BIN)/fplan db up
	$(BIN)/fplan db migrate

# the city `make run` prepares for a first look (Changsha: its 51 real hospitals plus the rest)
DEMO_CITY ?= 430100

data: db
	$(BIN)/fplan load hunan --if-empty
	$(BIN)/fplan demo --city $(DEMO_CITY)

# a bounded load on loopback: LOAD_CLIENTS clients for LOAD_SECONDS s on the demo city's cached
# compliance and its coverage; prints p50/p95/p99 per endpoint and fails on any error
LOAD_CLIENTS ?= 50
LOAD_SECONDS ?= 30
LOAD_THINK_S ?= 0

loadtest: data
	$(BIN)/fplan loadtest --city $(DEMO_CITY) --clients $(LOAD_CLIENTS) \
		--duration-s $(LOAD_SECONDS) --think-s $(LOAD_THINK_S)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy app geo scenarios benchmarks tools

importlint: $(VENV)/.installed
	$(BIN)/lint-imports

# the map page's JS (app/static/js): types (tsc --checkJs, strict; tsconfig.json) and lint
# (eslint, zero warnings; eslint.config.mjs), both from package-lock.json's devDependencies
jscheck: node_modules/.installed
	npx --no-install tsc -p .
	npx --no-install eslint --max-warnings 0 app/static/js

pytest: setup browser
	$(BIN)/python -m pytest

# test lanes (markers db, browser, slow; tests/conftest.py applies them by folder and fixture)
# the pure library without a database or the shared real data: seconds, not minutes
test-geo: $(VENV)/.installed
	$(BIN)/python -m pytest tests/geo -m "not slow" -q
# services, API, CLI and migrations on PostGIS, without Chromium or the real-data cases
test-db: setup
	$(BIN)/python -m pytest -m "db and not browser and not slow" -q
test-browser: setup browser
	$(BIN)/python -m pytest -m browser -q
test-slow: setup
	$(BIN)/python -m pytest -m "slow and not browser" -q

clean:
	rm -rf $(VENV) .cache .mypy_cache .pytest_cache .ruff_cache
