"""The store ports over SQLAlchemy: aiosqlite (embedded default) or asyncpg (PostgreSQL).

Public names: ``build_engine``, ``SqlAlchemyUnitOfWorkFactory`` (the ``UnitOfWorkFactory``),
``SqlAlchemyUnitOfWork``, ``SqlAlchemyHealthProbe``, ``SqlAlchemyKeyCanaryStore``; migrations
in ``.migrate``.

The names load on first use (PEP 562): ``byom db current`` imports ``.migrate`` only, and the
tables (the whole ORM) are not loaded for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.persistence.sqlalchemy.engine import build_engine, database_url
    from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
    from adapters.persistence.sqlalchemy.key_canary_store import SqlAlchemyKeyCanaryStore
    from adapters.persistence.sqlalchemy.unit_of_work import (
        SqlAlchemyUnitOfWork,
        SqlAlchemyUnitOfWorkFactory,
        session_factory,
    )

_HOMES = {
    "build_engine": "engine",
    "database_url": "engine",
    "SqlAlchemyHealthProbe": "health",
    "SqlAlchemyKeyCanaryStore": "key_canary_store",
    "SqlAlchemyUnitOfWork": "unit_of_work",
    "SqlAlchemyUnitOfWorkFactory": "unit_of_work",
    "session_factory": "unit_of_work",
}

__all__ = [
    "SqlAlchemyHealthProbe",
    "SqlAlchemyKeyCanaryStore",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "build_engine",
    "database_url",
    "session_factory",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
