"""Alembic environment. Async; the URL comes from the caller (``migrate.py`` passes a connection
or ``config.attributes["url"]``), else ``-x url=...``, else ``BYOM_DATABASE_URL``."""

from __future__ import annotations

import asyncio
import logging
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from adapters.persistence.sqlalchemy import audit_tables, spend_tables  # noqa: F401 (their tables)
from adapters.persistence.sqlalchemy.engine import build_engine
from adapters.persistence.sqlalchemy.migrate import compare_type
from adapters.persistence.sqlalchemy.tables import metadata

config = context.config
# Alembic's own command line with an ini file: its logging. Never over ours (byom's commands and
# `byom serve` have set up the process's handlers and format already).
has_ours = bool(logging.getLogger().handlers) or "connection" in config.attributes
if config.config_file_name and not has_ours:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    url = url or os.environ.get("BYOM_DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set BYOM_DATABASE_URL or pass -x url=...")
    return str(url) if isinstance(url, str) else url.render_as_string(hide_password=False)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_type,
        on_version_apply=[c for c in (config.attributes.get("on_version_apply"),) if c],
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = build_engine(_url(), foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
