"""The store ports over SQLAlchemy: aiosqlite (embedded default) or asyncpg (PostgreSQL).

Public names: ``build_engine``, ``SqlAlchemyUnitOfWorkFactory`` (the ``UnitOfWorkFactory``),
``SqlAlchemyUnitOfWork``, ``SqlAlchemyHealthProbe``, ``SqlAlchemyKeyCanaryStore``; migrations
in ``.migrate``.
"""

from adapters.persistence.sqlalchemy.engine import build_engine, database_url
from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
from adapters.persistence.sqlalchemy.key_canary_store import SqlAlchemyKeyCanaryStore
from adapters.persistence.sqlalchemy.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
    session_factory,
)

__all__ = [
    "SqlAlchemyHealthProbe",
    "SqlAlchemyKeyCanaryStore",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "build_engine",
    "database_url",
    "session_factory",
]
