"""``byom db``: database migrations."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import TYPE_CHECKING

from entrypoints.cli._support import Commands
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.persistence.sqlalchemy.migrate import MigrationStep


def register(commands: Commands) -> None:
    db = commands.add_parser("db", help="database migrations", description="Database migrations.")
    db_commands = db.add_subparsers(
        dest="db_command", required=True, metavar="COMMAND", help="what to do"
    )
    up = db_commands.add_parser(
        "upgrade",
        help="apply migrations (default: to head)",
        description="Apply migrations, printing each as it is applied.",
    )
    up.add_argument(
        "revision", nargs="?", default="head", help="the revision to reach (default: head)"
    )
    up.set_defaults(handler=_db_upgrade)
    down = db_commands.add_parser(
        "downgrade",
        help="revert migrations",
        description="Revert migrations, printing each as it is reverted.",
    )
    down.add_argument("revision", help="the revision to go back to (`base`: an empty database)")
    down.set_defaults(handler=_db_downgrade)
    db_commands.add_parser(
        "current", help="show the applied revision", description="Print the applied revision."
    ).set_defaults(handler=_db_current)


class _StepPrinter:
    """One line per migration, as Alembic finishes it; the time of the whole run at the end."""

    def __init__(self) -> None:
        self.steps = 0
        self._started = time.monotonic()

    def __call__(self, step: MigrationStep) -> None:
        print(f"{step.source} -> {step.destination}  {step.title}", flush=True)
        self.steps += 1

    def summary(self, revision: str, done: str) -> str:
        took = time.monotonic() - self._started
        return f"database at {revision} ({self.steps} migrations {done} in {took:.1f}s)"


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import upgrade

    printer = _StepPrinter()
    asyncio.run(upgrade(settings.database.url, args.revision, printer))
    print(printer.summary(args.revision, "applied"))
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import downgrade

    printer = _StepPrinter()
    asyncio.run(downgrade(settings.database.url, args.revision, printer))
    print(printer.summary(args.revision, "reverted"))
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.persistence.sqlalchemy.migrate import current

    print(asyncio.run(current(settings.database.url)) or "base (empty database)")
    return 0
