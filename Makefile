# Self-documenting Makefile: `make help` lists the targets.
# Creates its own virtual environment (.venv) from the pinned requirements.lock.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
CHROMIUM ?= /usr/bin/chromium
# Playwright drives Debian's chromium (executable_path): never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.DEFAULT_GOAL := help
.PHONY: help install reports html validate test test-fast lint format benchmark clean clean-outputs hooks browser-deps test-deps

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "; printf "Các lệnh (make <lệnh>):\n"} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies
	@echo "Môi trường: $(VENV) (Python $$($(PY) -c 'import sys; print(sys.version.split()[0])'))"

reports: $(STAMP) ## Build every report (HTML, PDF, Word) from data/raw/ into outputs/
	$(PY) run_all.py

html: $(STAMP) ## Build the HTML reports only
	$(PY) run_all.py --format html

validate: $(STAMP) ## Check every workbook in data/raw/ and write data/processed/
	$(PY) run_all.py validate

test: $(STAMP) ## Run the whole test suite (unit, notebooks, backtests)
	$(PY) -m pytest $(PYTEST_ARGS)

test-deps: ## Install what the tests drive (as root): Debian's chromium (browser), LibreOffice Writer (Word documents), strace (data flow)
	@if { [ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1; } && command -v strace >/dev/null 2>&1 \
	    && command -v soffice >/dev/null 2>&1; then \
	  echo "Chromium: $$(command -v chromium || echo $(CHROMIUM)) (đã cài); LibreOffice: $$(command -v soffice) (đã cài); strace (đã cài)"; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "Chưa có chromium/LibreOffice và không chạy với quyền root: các phép thử cần chúng sẽ được bỏ qua" \
	       "(cài bằng: sudo apt-get install chromium libreoffice-writer-nogui strace)."; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "Chưa có chromium/LibreOffice và máy không có apt-get: các phép thử cần chúng sẽ được bỏ qua" \
	       "(hoặc đặt DOLISA_CHROMIUM=/đường/dẫn/chromium)."; \
	else \
	  echo "Cài chromium, LibreOffice Writer, strace (apt-get)…"; \
	  if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
	     && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	          chromium fonts-liberation2 strace libreoffice-writer-nogui >/dev/null; then \
	    echo "Chromium: $$(command -v chromium) ($$(chromium --version 2>/dev/null | head -n1)); LibreOffice: $$(command -v soffice)"; \
	  else \
	    echo "Không cài được chromium/LibreOffice: các phép thử cần chúng sẽ được bỏ qua."; \
	  fi; \
	fi

browser-deps: test-deps ## Same as test-deps (its former name)

test-fast: $(STAMP) ## Run the unit tests only (no notebook builds)
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

benchmark: $(STAMP) ## Time the build: plain loop with PDF, cold, floor, no-op, one workbook, 200-report scale (~10 min)
	$(PY) benchmarks/benchmark.py

lint: $(STAMP) ## Lint and check formatting (ruff), check notebooks have no outputs
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/check_notebooks.py

format: $(STAMP) ## Format the code (ruff) and strip notebook outputs
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/nbstripout notebooks/*.ipynb

hooks: $(STAMP) ## Install the git pre-commit hooks
	$(VENV)/bin/pre-commit install

clean-outputs: ## Delete generated reports (outputs/) and processed tables
	rm -rf outputs/* data/processed/*
	touch outputs/.gitkeep data/processed/.gitkeep

clean: clean-outputs ## Also delete the virtual environment
	rm -rf $(VENV)
