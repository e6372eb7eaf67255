"""The migration head read from the migration files' text (readiness needs it, and importing
Alembic for it would load Alembic into every worker): a chain, a merge, the annotated and the
plain spelling, and more than one head refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.persistence.sqlalchemy.schema_version import head_revision, migrations_dir


def _migration(directory: Path, name: str, body: str) -> None:
    versions = directory / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (versions / f"{name}.py").write_text(f'"""{name}."""\n\nimport sqlalchemy as sa\n\n{body}\n')


def test_the_head_is_the_revision_no_other_revises(tmp_path: Path) -> None:
    _migration(tmp_path, "a", 'revision: str = "a1"\ndown_revision: str | None = None')
    _migration(tmp_path, "c", 'revision = "c3"\ndown_revision = "b2"')
    _migration(tmp_path, "b", 'revision: str = "b2"\ndown_revision: str | None = "a1"')

    assert head_revision(tmp_path) == "c3"


def test_a_merge_revises_both_of_its_parents(tmp_path: Path) -> None:
    _migration(tmp_path, "a", 'revision = "a"\ndown_revision = None')
    _migration(tmp_path, "b", 'revision = "b"\ndown_revision = "a"')
    _migration(tmp_path, "c", 'revision = "c"\ndown_revision = "a"')
    _migration(tmp_path, "m", 'revision = "m"\ndown_revision = ("b", "c")')

    assert head_revision(tmp_path) == "m"


def test_two_heads_are_an_error_and_no_migrations_no_head(tmp_path: Path) -> None:
    assert head_revision(tmp_path) is None
    _migration(tmp_path, "helper", "def helper() -> None: ...")  # no revision: not a migration
    _migration(tmp_path, "a", 'revision = "a"\ndown_revision = None')
    _migration(tmp_path, "b", 'revision = "b"\ndown_revision = "a"')
    _migration(tmp_path, "c", 'revision = "c"\ndown_revision = "a"')

    with pytest.raises(RuntimeError, match="2 heads: b, c"):
        head_revision(tmp_path)


def test_the_projects_head_is_its_newest_migration() -> None:
    newest = sorted(p.name for p in (migrations_dir() / "versions").glob("0*.py"))[-1]

    assert head_revision() == newest.split("_", 1)[0]
