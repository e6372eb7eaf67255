"""``byom db``: database migrations."""

from __future__ import annotations

import argparse
import asyncio

from entrypoints.cli._support import Commands
from entrypoints.settings import Settings


def register(commands: Commands) -> None:
    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="apply migrations (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_commands.add_parser("downgrade", help="revert migrations")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    db_commands.add_parser("current", help="show the applied revision").set_defaults(
        handler=_db_current
    )


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import upgrade

    asyncio.run(upgrade(settings.database.url, args.revision))
    print(f"database at {args.revision}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import downgrade

    asyncio.run(downgrade(settings.database.url, args.revision))
    print(f"database at {args.revision}")
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import current

    print(asyncio.run(current(settings.database.url)) or "base (empty database)")
    return 0
