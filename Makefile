# Palermo: `make demo` runs the platform with demo data; `make test` runs the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REFVENV := .venv-reference

.PHONY: demo test lint install install-test system-deps oidc-provider serve bench clean

# Public context files (TIP tiers, 3P index, Global Slavery Index, Missing Migrants) shown beside coordination
# gaps when they are at hand; the demo runs without them.
CONTEXT := $(wildcard ../shared/data/external)

demo: $(VENV)/.installed
	$(BIN)/palermo demo
	$(if $(CONTEXT),PALERMO_CONTEXT_DIR=$(abspath $(CONTEXT)),) $(BIN)/palermo serve

serve: $(VENV)/.installed
	$(BIN)/palermo serve

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Browser tests need Debian's chromium; database tests need PostgreSQL's server binaries.
system-deps:
	@./scripts/system-deps.sh

# The single sign-on tests start a real OpenID Connect provider on loopback (npm's oidc-provider, pinned in tests/oidc).
oidc-provider: system-deps
	@./scripts/oidc-provider.sh

# anonlink and clkhash, the reference the linkage tests and benchmark compare with: stale, so in a venv of their own.
$(REFVENV)/.installed: scripts/reference-venv.sh
	./scripts/reference-venv.sh $(PYTHON)

# ruff (style, bugs, import order) on all Python code; mypy on the package (settings in pyproject.toml).
# No install step of its own (`make test` installs first), so it runs as is in a venv that already has the tools.
lint:
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

test: $(VENV)/.installed-test lint system-deps oidc-provider $(REFVENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test $(REFVENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(REFVENV) palermo-data .pytest_cache test-output
