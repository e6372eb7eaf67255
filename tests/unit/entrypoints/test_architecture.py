"""The layers are what they claim to be, and our packages are the ones imported."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.mark.parametrize("package", ["domain", "application", "adapters", "entrypoints"])
def test_each_package_is_imported_from_src(package: str) -> None:
    # PyPI has unrelated distributions named `entrypoints` and `adapters`: never shadow ours.
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(SRC / package)


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_the_domain_imports_only_the_standard_library() -> None:
    outside = {m for m in _imports("domain") if m != "domain" and m not in sys.stdlib_module_names}
    assert outside == set()


def test_the_application_imports_only_the_domain_and_the_standard_library() -> None:
    allowed = {"domain", "application"}
    outside = {
        m for m in _imports("application") if m not in allowed and m not in sys.stdlib_module_names
    }
    assert outside == set()


def test_only_the_entrypoints_import_the_web_framework() -> None:
    for package in ("domain", "application", "adapters"):
        assert "litestar" not in _imports(package), package
