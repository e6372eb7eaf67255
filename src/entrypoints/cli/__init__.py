"""The ``byom`` command: serve, database migrations, key management, operator bootstrap."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from domain.errors import DomainError
from entrypoints.cli import config, db, keys, serve, users
from entrypoints.cli._support import CONFIGURATION_ERROR, Command, Unconfigured
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unconfigured: Unconfigured | None = args.unconfigured
    if unconfigured is not None:
        # Needs no configuration: e.g. `keys generate` is how an operator makes the configuration.
        return unconfigured(args)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return CONFIGURATION_ERROR
    configure_logging(settings.server.log_level, settings.server.log_format)
    handler: Command = args.handler
    try:
        return handler(args, settings)
    except (DomainError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="byom", description=__doc__)
    parser.set_defaults(unconfigured=None)
    commands = parser.add_subparsers(dest="command", required=True)
    for group in (serve, db, keys, users, config):
        group.register(commands)
    return parser
