# Two commands take a fresh machine to a running service (`make run`) and a green test run (`make test`).
# uv lands in ~/.local/bin, which a fresh shell may not have on PATH: every target calls it by its
# path, and after `make install` the tools run as typed from .venv/bin (.venv/bin/byom ...).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: install run standin test lint fmt hooks typecheck bench profile screenshot readme-settings clean

$(UV):
	python3 -m pip install --user --quiet uv

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (containers often set it), each `byom`
# command would otherwise compile SQLAlchemy, Alembic and Litestar from source, seconds of CPU.
# Here and not in pyproject.toml: there, every `uv run` would re-check all 8000 files (~1.5 s).
.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --compile-bytecode
	@touch $@

install: .venv/.synced

run: install
	$(UV) run byom serve

# The OpenAI stand-in of the README's walk-through (no key, no internet needed).
STANDIN_PORT ?= 9100
standin: install
	$(UV) run python -m tests.support.standin --port $(STANDIN_PORT)

lint: install
	$(UV) run ruff check src tests migrations
	$(UV) run ruff format --check src tests migrations

fmt: install
	$(UV) run ruff check --fix src tests migrations
	$(UV) run ruff format src tests migrations

hooks: install
	$(UV) run pre-commit install

typecheck: install
	$(UV) run mypy
	$(UV) run mypy tests
	$(UV) run lint-imports

test: lint typecheck
	$(UV) run pytest --cov --cov-report=term $(PYTEST_ARGS)

bench: install
	$(UV) run python -m tests.bench

# A py-spy profile of a worker serving chat (PROFILE_ARGS: gateway or gateway-sse, --seconds 20,
# --sqlite).
profile: install
	$(UV) run python -m tests.bench.profile_hot_path $(PROFILE_ARGS)

# docs/screenshot-models.png, taken by Chromium (/usr/bin/chromium) of a real page.
screenshot: install
	$(UV) run python -m tests.support.screenshot_models

# The README's configuration table, generated from the settings' declarations.
readme-settings: install
	$(UV) run python -m entrypoints.settings --readme README.md

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache .coverage var
