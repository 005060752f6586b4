# Leitstand — the two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint-imports install install-dev migrate seed messages compilemessages browser test-unit test-e2e bench clean help

help:
	@echo "make run    set up and start Leitstand on http://$(HOST):$(PORT) with demo data"
	@echo "make test   set up and run the whole test suite (unit, integration, browser)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make messages  extract and compile translations (needs GNU gettext)"

# --- setup -----------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@! $(BIN)/python -m pip show django-fsm >/dev/null 2>&1 || { echo "django-fsm (unmaintained) is installed beside django-fsm-2: remove it"; exit 1; }
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Translations: the compiled .mo files are committed, so gettext is only needed to change them.
compilemessages: | $(BIN)/python
	@if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv -v 0; fi

messages: install
	$(MANAGE) makemessages --all --ignore=.venv --ignore=var --no-obsolete
	$(MANAGE) makemessages --all -d djangojs --ignore=.venv --ignore=var --ignore=var/staticfiles --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

migrate: install
	$(MANAGE) migrate --noinput -v 0

seed: migrate
	$(MANAGE) seed_demo

# --- the two commands -------------------------------------------------------------
run: install compilemessages seed
	@echo
	@echo "Leitstand is starting on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo
	DEBUG=$${DEBUG:-true} $(MANAGE) runserver $(HOST):$(PORT)

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium at $(CHROMIUM): apt-get install chromium"; exit 1; fi; \
	fi

# The layers of docs/architecture.md, as contracts in pyproject.toml [tool.importlinter].
lint-imports: install-dev
	$(BIN)/lint-imports --no-cache

# Which tests a pass runs (pytest -m); CI narrows them per pass (.ci/run), `make test` runs all
# that the database allows: the faults of a PostgreSQL connection (marker "postgres") need one.
ifneq ($(findstring postgres,$(DATABASE_URL)),)
UNIT_TESTS ?= not e2e
else
UNIT_TESTS ?= not e2e and not postgres
endif
E2E_TESTS ?= e2e

test-unit: install-dev compilemessages lint-imports
	$(BIN)/pytest -m "$(UNIT_TESTS)"

# Playwright's sync API keeps an event loop on the main thread: browser tests run in their own process.
test-e2e: install-dev compilemessages browser
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m "$(E2E_TESTS)"

test: test-unit test-e2e

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var tests/artifacts
