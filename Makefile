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

.PHONY: demo test lint typecheck check venv lock check-latest clean chromium

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
	@echo "make: ifnexus --help and --version"
	@cd /tmp && $(CURDIR)/$(LATEST_VENV)/bin/ifnexus --help >/dev/null
	@cd /tmp && $(CURDIR)/$(LATEST_VENV)/bin/ifnexus --version
	@echo "make: smoke tests with the newest versions"
	$(LATEST_VENV)/bin/python -m pytest -q -p no:cacheprovider $(SMOKE_TESTS)

clean:
	rm -rf $(VENV) $(LATEST_VENV) demo_output
