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

NO_TERMINAL = "error: no terminal to ask for the password on: pipe it in with --password-stdin"


def register(commands: Commands) -> None:
    users = commands.add_parser("users", help="accounts", description="Accounts.")
    users_commands = users.add_subparsers(
        dest="users_command", required=True, metavar="COMMAND", help="what to do"
    )
    create = users_commands.add_parser(
        "create",
        help="create an account",
        description="Create an account. The password is asked for on the terminal, or read "
        "from the first line of stdin with --password-stdin.",
    )
    create.add_argument("--email", required=True, help="the account's email (its login)")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (for scripts)",
    )
    create.set_defaults(handler=_users_create)


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not sys.stdin.isatty():
        # getpass would read from /dev/tty or fail with EOFError: say what to do instead.
        print(NO_TERMINAL, file=sys.stderr)
        return 2
    else:
        password = getpass.getpass()

    async def work(c: Container) -> int:
        user = await c.register_user.execute(email=args.email, password=password)
        print(f"created user {user.id} <{user.email}>")
        return 0

    return run(settings, work, seals_keys=True)
