"""Reliability suite: the migrated SQLite and PostgreSQL fixtures of the contract suite."""

from tests.contract.conftest import (  # noqa: F401 (fixtures)
    pg_migrated_url,
    postgres_url,
    sqlite_template,
    sqlite_url,
)
