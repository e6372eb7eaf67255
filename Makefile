# Two commands take a fresh machine to a running service (`make run`) and a green test run (`make test`).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: install run test lint typecheck bench clean

$(UV):
	python3 -m pip install --user --quiet uv

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced

run: install
	$(UV) run byom serve

lint: install
	$(UV) run ruff check src tests migrations
	$(UV) run ruff format --check src tests migrations

typecheck: install
	$(UV) run mypy
	$(UV) run mypy tests
	$(UV) run lint-imports

test: lint typecheck
	$(UV) run pytest --cov --cov-report=term $(PYTEST_ARGS)

bench: install
	$(UV) run python -m tests.bench

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache .coverage var
