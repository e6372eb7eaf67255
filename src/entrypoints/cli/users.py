"""``byom users``: accounts made by the operator."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from entrypoints.cli._support import Commands, run
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Container


def register(commands: Commands) -> None:
    users = commands.add_parser("users", help="accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    create = users_commands.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(handler=_users_create)


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()

    async def work(c: Container) -> int:
        user = await c.register_user.execute(email=args.email, password=password)
        print(f"created user {user.id} <{user.email}>")
        return 0

    return run(settings, work)
