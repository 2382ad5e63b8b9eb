# ifnexus: `make demo` and `make test` are the two commands. Both create or refresh .venv first,
# installing the pinned versions of constraints.txt (the lock file CI uses too).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := constraints.txt
# The non-blocking newest-versions check installs into a throwaway venv here.
LATEST_VENV ?= .venv-latest
# What the newest-versions check runs: the CLI (usage errors, help, version), the optional
# dependencies, and fast domain tests whose references come from other tools (scanpy, R).
SMOKE_TESTS ?= tests/cli tests/test_version.py tests/test_optional_dependencies.py \
  tests/genesets tests/outcome/test_kaplan_meier.py tests/outcome/test_cuminc.py \
  tests/scoring/test_score_parity.py tests/tumour/test_expression.py

.PHONY: demo test lint typecheck check venv lock check-latest check-oldest clean chromium

$(STAMP): pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || { echo "make: creating the virtual environment $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing pip as pinned in $(LOCK)"
	@$(BIN)/python -m pip install --quiet --upgrade -c $(LOCK) pip
	@echo "make: installing ifnexus and its pinned dependencies ($(LOCK)) into $(VENV); the first time takes a few minutes"
	@$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	@touch $(STAMP)
	@echo "make: $(VENV) is ready"

venv: $(STAMP)

demo: $(STAMP)
	@echo "make: running the demo study into demo_output/"
	$(BIN)/ifnexus demo --out demo_output

# The report test renders HTML in Debian's headless Chromium; install it when absent.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing Debian's chromium for the report rendering test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: chromium not found and not root: the report rendering test will be skipped"; fi; }

# The code checks: ruff (lint, numpy docstrings, public annotations, format) and mypy on src/.
RUFF_LINT := $(BIN)/ruff check src tests benchmarks tools
RUFF_FORMAT := $(BIN)/ruff format --check src tests benchmarks tools
MYPY := $(BIN)/mypy

# The test suite, then the code checks. All of them run; any failure fails `make test`.
test: $(STAMP) chromium
	@status=0; \
	echo "make: running the test suite"; \
	$(BIN)/python -m pytest -q || status=1; \
	echo "make: ruff (lint, numpy docstrings, public annotations, format)"; \
	$(RUFF_LINT) || status=1; \
	$(RUFF_FORMAT) || status=1; \
	echo "make: mypy on src/"; \
	$(MYPY) || status=1; \
	exit $$status

check: lint typecheck

lint: $(STAMP)
	@echo "make: ruff (lint, numpy docstrings, public annotations, format)"
	$(RUFF_LINT)
	$(RUFF_FORMAT)

typecheck: $(STAMP)
	@echo "make: mypy on src/"
	$(MYPY)

# Refresh the lock file from the working .venv (Python 3.11, Linux x86_64). To move to newer
# versions: `make check-latest` (or `.venv/bin/pip install -U -e '.[dev]'`), then
# `make lock LOCK_FROM=.venv-latest` (or plain `make lock`), run `make test`, commit the lock.
LOCK_FROM ?= $(VENV)
lock:
	@test -x $(LOCK_FROM)/bin/python || { echo "make lock: no venv at $(LOCK_FROM) (run make venv)"; exit 1; }
	@echo "make: writing $(LOCK) from the packages installed in $(LOCK_FROM)"
	@{ echo "# The lock of ifnexus's installs: make test, make demo and CI install with -c $(LOCK)."; \
	  echo "# Made by 'make lock' (pip freeze of $(LOCK_FROM), $$($(LOCK_FROM)/bin/python -c 'import platform,sys; print(f"Python {sys.version.split()[0]}, {platform.system()} {platform.machine()}")')); edit pyproject.toml's ranges, not this file."; \
	  $(LOCK_FROM)/bin/python -m pip freeze --all --exclude-editable | grep -v -i -E '^(setuptools|wheel|ifnexus)(==| @)' ; } > $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK)
	@echo "make: $(LOCK) has $$(grep -c '==' $(LOCK)) pins"

# The smoke run of a throwaway venv $(1): ifnexus --help and --version, then SMOKE_TESTS.
define smoke
	@echo "make: ifnexus --help and --version"
	@cd /tmp && $(CURDIR)/$(1)/bin/ifnexus --help >/dev/null
	@cd /tmp && $(CURDIR)/$(1)/bin/ifnexus --version
	@echo "make: smoke tests in $(1)"
	$(1)/bin/python -m pytest -q -p no:cacheprovider $(SMOKE_TESTS)
endef

# NOT part of `make test`: installs the newest versions pyproject.toml's ranges allow (no lock)
# into a throwaway venv and runs the smoke tests, so that a new release that breaks ifnexus is
# seen before users see it. `.ci/latest` runs it in CI without ever failing the build.
check-latest:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	@echo "make: creating the throwaway venv $(LATEST_VENV) for the newest-versions check"
	@rm -rf $(LATEST_VENV)
	@$(PYTHON) -m venv $(LATEST_VENV)
	@$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	@echo "make: installing ifnexus[dev] with the newest versions its ranges allow (no lock)"
	@$(LATEST_VENV)/bin/python -m pip install --quiet '.[dev]'
	@echo "make: versions that differ from $(LOCK) (lock -> newest):"
	@$(LATEST_VENV)/bin/python -m pip freeze --all --exclude-editable | grep -v -i -E "^(setuptools|wheel|ifnexus)(==| @)" \
	  | $(LATEST_VENV)/bin/python .ci/lock_diff.py $(LOCK)
	$(call smoke,$(LATEST_VENV))

# NOT part of `make test` nor CI (a maintainer's check before widening or releasing): the same
# smoke run with the OLDEST release series each lower bound of pyproject.toml allows
# (.ci/lowest_constraints.py), e.g. typer 0.12 with the standalone click.
OLDEST_VENV ?= .venv-oldest
check-oldest:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	@echo "make: creating the throwaway venv $(OLDEST_VENV) for the oldest-versions check"
	@rm -rf $(OLDEST_VENV)
	@$(PYTHON) -m venv $(OLDEST_VENV)
	@$(OLDEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(OLDEST_VENV)/bin/python .ci/lowest_constraints.py pyproject.toml > $(OLDEST_VENV)/oldest.txt
	@echo "make: installing ifnexus[dev] at the oldest versions its ranges allow: $$(tr '\n' ' ' < $(OLDEST_VENV)/oldest.txt)"
	@$(OLDEST_VENV)/bin/python -m pip install --quiet -c $(OLDEST_VENV)/oldest.txt '.[dev]'
	@echo "make: versions that differ from $(LOCK) (lock -> oldest):"
	@$(OLDEST_VENV)/bin/python -m pip freeze --all --exclude-editable | grep -v -i -E "^(setuptools|wheel|ifnexus)(==| @)" \
	  | $(OLDEST_VENV)/bin/python .ci/lock_diff.py $(LOCK)
	$(call smoke,$(OLDEST_VENV))

clean:
	rm -rf $(VENV) $(LATEST_VENV) $(OLDEST_VENV) demo_output
