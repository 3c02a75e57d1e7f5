# The README's two commands: `make demo` (set up + run the bundled example against the local
# AWS sandbox) and `make test` (the test suite). Both create .venv on first use, from the lock.
#
# Dependencies: every package, direct and indirect, is pinned with its hashes in uv.lock
# (docs/dependencies.md says why uv). `make install` installs exactly that lock; `make lock`
# refreshes it on purpose; `make test-latest` tries the newest releases in a throwaway venv.
PYTHON ?= python3
VENV ?= .venv
TOOLS ?= .tools
BIN := $(VENV)/bin
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.obsgen-installed
# uv installs into .venv, uses the interpreter given, never downloads one, and never resolves anew.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test install lock test-latest typecheck clean-venv

install: $(STAMP)

# uv itself comes from PyPI through pip, pinned by version and hash (tools/uv-requirements.txt).
$(UV): tools/uv-requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "obsgen needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --require-hashes --no-deps -r tools/uv-requirements.txt
	@touch $(UV)

# --locked: fail instead of resolving when uv.lock no longer matches pyproject.toml. --compile-bytecode:
# the packages' .pyc are written once here, as pip does at install, instead of every command compiling
# what it imports from source where PYTHONDONTWRITEBYTECODE is set (docs/performance.md, "Start-up").
$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --quiet --locked --compile-bytecode --python $(PYTHON) --extra dev
	@touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# The venv's bin first: tests use its `obsgen` and `aws` (awscli, an independent AWS client);
# .tools/bin gives the wheel test its `uv`. -n auto: a pytest-xdist worker per core (tests/conftest.py caps it).
test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$(CURDIR)/$(TOOLS)/bin:$$PATH" $(BIN)/python -m pytest -q -n auto

typecheck: $(STAMP)
	$(BIN)/python -m mypy

# On purpose only: newest releases allowed by pyproject.toml, and the newest uv, into the locks.
lock: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)
	echo uv | $(UV) pip compile - --generate-hashes --no-header --quiet -o $(TOOLS)/uv-new.txt
	{ head -n 2 tools/uv-requirements.txt; cat $(TOOLS)/uv-new.txt; } > tools/uv-requirements.new && \
	  mv tools/uv-requirements.new tools/uv-requirements.txt && rm -f $(TOOLS)/uv-new.txt

# The suite against today's newest releases, ignoring the lock, in a venv thrown away afterwards:
# drift seen by the team before users see it. Not part of CI.
test-latest: $(UV)
	@set -e; tmp=$$(mktemp -d -t obsgen-latest.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	$(UV) venv --quiet --python $(PYTHON) "$$tmp/venv"; \
	$(UV) pip install --quiet --refresh --python "$$tmp/venv/bin/python" -e '.[dev]'; \
	$(UV) pip freeze --python "$$tmp/venv/bin/python" > "$$tmp/freeze.txt"; \
	echo "newest releases: $$(wc -l < "$$tmp/freeze.txt") packages; differences from uv.lock:"; \
	$(PYTHON) scripts/lock_diff.py uv.lock "$$tmp/freeze.txt" || true; \
	PATH="$$tmp/venv/bin:$(CURDIR)/$(TOOLS)/bin:$$PATH" "$$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider

clean-venv:
	rm -rf $(VENV) $(TOOLS)
