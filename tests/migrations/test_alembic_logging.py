"""Alembic's ini-file logging never replaces the process's own (byom's handler and format)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from adapters.persistence.sqlalchemy.migrate import migrations_dir
from entrypoints.logging_setup import configure_logging

# The logging sections of Alembic's generated alembic.ini.
INI = """
[alembic]
[loggers]
keys = root,sqlalchemy,alembic
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARNING
handlers = console
[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine
[logger_alembic]
level = INFO
handlers =
qualname = alembic
[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic
[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_an_alembic_ini_does_not_replace_our_handlers(
    tmp_path: Path, restore_logging: None
) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text(INI)
    configure_logging("INFO", "json")
    ours = logging.getLogger().handlers[:]
    config = Config(str(ini))
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}"

    command.upgrade(config, "0001")

    assert logging.getLogger().handlers == ours
    assert logging.getLogger().level == logging.INFO
