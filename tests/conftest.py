"""Shared fixtures. PostgreSQL tests run when BYOM_TEST_POSTGRES_URL is set; in CI they must.

SQLite databases are copies of one file migrated once per session; the PostgreSQL database is
migrated once per session and its tables are emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from adapters.persistence.sqlalchemy.migrate import upgrade
from tests.support.databases import (
    database_named,
    empty_tables,
    pg_admin,
    postgres_url_or_skip,
    run_blocking,
)

if TYPE_CHECKING:
    from tests.support.kms_standin import KmsStandin

# --- PostgreSQL: one fresh database per test session, dropped at the end ----------------------


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Callable[[], str]]:
    """Creates fresh, uniquely named PostgreSQL databases (``byom_test_<hex>``) on the server of
    BYOM_TEST_POSTGRES_URL and drops them when the session ends, so parallel runs never meet."""
    base = postgres_url_or_skip()
    created: list[str] = []

    def create() -> str:
        name = f"byom_test_{uuid.uuid4().hex[:16]}"
        run_blocking(pg_admin(base, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return database_named(base, name)

    yield create
    for name in created:
        run_blocking(pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_url(pg_database: Callable[[], str]) -> str:
    """The URL of an empty PostgreSQL database for this session (migrate it yourself)."""
    return pg_database()


# --- migrated databases: SQLite copies of one template, PostgreSQL emptied between tests ------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "byom.db"
    run_blocking(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_migrated_url(pg_url: str) -> str:
    run_blocking(upgrade(pg_url))
    return pg_url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of its own for one test."""
    path = tmp_path / "byom.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def postgres_url(pg_migrated_url: str) -> str:
    """The session's migrated PostgreSQL database, emptied for this test."""
    run_blocking(empty_tables(pg_migrated_url))
    return pg_migrated_url


# --- AWS KMS: moto's server mode on a free port, one per session ------------------------------


@pytest.fixture(scope="session")
def kms_standin() -> Iterator[KmsStandin]:
    from tests.support.kms_standin import running_kms_standin  # moto loads only when used

    with running_kms_standin() as standin:
        yield standin


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's dummy credentials, where AWS's chain looks first (and no profile or role)."""
    from tests.support.kms_standin import AWS_ENV

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# --- slow tests: in CI always; locally only when asked for ------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.slow`` tests run in CI (CI is set) or with ``-m slow``; a local
    ``make test`` skips them and says so."""
    if os.environ.get("CI") or config.getoption("markexpr", ""):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI, or locally with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
