"""One declaration per setting: the loader and the README's table read the same one."""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from entrypoints.settings import Settings
from entrypoints.settings.__main__ import main
from entrypoints.settings._variables import SPEC, PerProvider, Section, Var, variables
from entrypoints.settings.table import BEGIN, END, markdown_table, with_table

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

README = Path(__file__).resolve().parents[4] / "README.md"


def test_the_readme_shows_the_table_the_settings_declare() -> None:
    readme = README.read_text()
    assert readme == with_table(readme), (
        "README.md's configuration table differs from the settings' declarations: "
        "run `make readme-settings` (python -m entrypoints.settings --readme README.md)"
    )


def _every_field(cls: type[DataclassInstance]) -> list[str]:
    found: list[str] = []
    for f in fields(cls):
        assert SPEC in f.metadata, f"{cls.__name__}.{f.name} declares no setting"
        spec = f.metadata[SPEC]
        found += _every_field(spec.of) if isinstance(spec, Section) else [f.name]
    return found


def test_every_field_is_declared_and_every_variable_named_once() -> None:
    derived = 2  # crypto.dev_keys_file, auth.generated_jwt_secret: no variable sets them
    assert len(_every_field(Settings)) == len(list(variables(Settings))) + derived
    names = [spec.name for _field, spec in variables(Settings)]
    assert len(names) == len(set(names))


def test_the_table_has_a_row_per_variable_with_its_default() -> None:
    table = markdown_table()
    declared = dict(variables(Settings))
    assert len(table.splitlines()) == 2 + len(declared)
    port = declared["server.port"]
    assert isinstance(port, Var)
    assert port.default == Settings().server.port == 8000
    assert "| `BYOM_PORT` | `8000` |" in table
    assert "| `BYOM_ALLOW_PRIVATE_BASE_URLS` | `false` |" in table
    assert "| `BYOM_REDIS_URL` | unset |" in table
    assert isinstance(declared["providers.system_default.api_keys"], PerProvider)


def test_with_table_replaces_only_the_text_between_the_markers() -> None:
    readme = f"# title\n\n{BEGIN}\n| stale |\n{END}\n\n## next\n"
    updated = with_table(readme)
    assert updated == f"# title\n\n{BEGIN}\n{markdown_table()}{END}\n\n## next\n"
    assert with_table(updated) == updated


def test_with_table_refuses_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_table("# no table here\n")


def test_the_command_prints_or_rewrites_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["settings", "--markdown"])
    assert main() == 0
    assert capsys.readouterr().out == markdown_table()
    readme = tmp_path / "README.md"
    readme.write_text(f"{BEGIN}\n{END}\n")
    monkeypatch.setattr(sys, "argv", ["settings", "--readme", str(readme)])
    assert main() == 0
    assert readme.read_text() == f"{BEGIN}\n{markdown_table()}{END}\n"
