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


MAX_MODULE_LINES = 250
APPLICATION = SRC / "application"


def test_no_module_outgrows_a_read() -> None:
    too_long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these past {MAX_MODULE_LINES} lines"


def test_the_application_is_a_package_per_feature() -> None:
    loose = {p.name for p in APPLICATION.glob("*.py")} - {"__init__.py", "byom.py"}
    assert loose == set(), "use cases live in a feature package (application/<feature>/)"


def _use_case_modules() -> list[Path]:
    return sorted(
        path
        for path in APPLICATION.glob("*/*.py")
        if not path.name.startswith("_")  # helpers (and __init__) are not use cases
    )


@pytest.mark.parametrize("path", _use_case_modules(), ids=lambda p: str(p.relative_to(APPLICATION)))
def test_a_use_case_module_holds_one_use_case_named_for_it(path: Path) -> None:
    """``add_credential.py`` holds ``AddCredential``, the one class of the module with an
    ``execute``; anything else it needs beside it is an input or output value."""
    tree = ast.parse(path.read_text())
    with_execute = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == "execute"
            for item in node.body
        )
    ]
    expected = "".join(part.title() for part in path.stem.split("_"))
    assert with_execute == [expected]


def test_only_bootstrap_wires_the_application_helpers() -> None:
    """A controller, a page or a command calls use cases; the ``_x`` helpers they are built
    from are wired in one place."""
    reaching: set[str] = set()
    for path in (SRC / "entrypoints").rglob("*.py"):
        if "bootstrap" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "application" and any(p.startswith("_") for p in parts[1:]):
                    reaching.add(f"{path.relative_to(SRC)}: {node.module}")
    assert reaching == set()
