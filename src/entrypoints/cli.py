"""The ``byom`` command: serve, database migrations, key management, operator bootstrap."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from adapters.crypto.keyring import generate_key_line
from domain.errors import DomainError
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings, SettingsError

if TYPE_CHECKING:
    # Imported where used: the process that supervises `byom serve --workers N` then never
    # loads the application (about a second and 70 MB that only the workers need).
    from entrypoints.bootstrap import Container

Command = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "keys" and args.keys_command == "generate":
        # Needs no configuration: it is how an operator makes the configuration.
        print(generate_key_line(args.id))
        return 0
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.server.log_level, settings.server.log_format)
    handler: Command = args.handler
    try:
        return handler(args, settings)
    except (DomainError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="byom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--no-migrate", action="store_true", help="skip development migrations")
    serve.set_defaults(handler=_serve)

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

    keys = commands.add_parser("keys", help="master keys and data keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    generate = keys_commands.add_parser("generate", help="print a new master key line")
    generate.add_argument("--id", default=time.strftime("k%Y%m%d"))
    keys_commands.add_parser("status", help="data keys per master key id").set_defaults(
        handler=_keys_status
    )
    rewrap = keys_commands.add_parser("rewrap", help="move every data key to the primary key")
    rewrap.add_argument("--batch-size", type=int, default=500)
    rewrap.add_argument("--max-batches", type=int, default=None)
    rewrap.set_defaults(handler=_keys_rewrap)
    rotate = keys_commands.add_parser("rotate-user", help="replace one user's data key")
    rotate.add_argument("user", help="user id or email")
    rotate.set_defaults(handler=_keys_rotate_user)

    users = commands.add_parser("users", help="accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    create = users_commands.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(handler=_users_create)
    return parser


def _run(settings: Settings, work: Callable[[Container], Awaitable[int]]) -> int:
    from entrypoints.bootstrap import build

    async def go() -> int:
        container = build(settings)
        try:
            return await work(container)
        finally:
            await container.aclose()

    return asyncio.run(go())


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if not settings.is_production and not args.no_migrate:
        from adapters.persistence.sqlalchemy.migrate import upgrade

        asyncio.run(upgrade(settings.database.url))
    workers = args.workers or settings.server.workers
    if workers > 1 or settings.server.metrics_multiproc_dir:
        _metrics_shared_by_workers(settings)
    uvicorn.run(
        "entrypoints.http.app:create_app",
        factory=True,
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
        workers=workers,
        log_level=settings.server.log_level.lower(),
        access_log=False,  # our own access log never includes query strings or headers
        log_config=None,  # keep ours: uvicorn's would log request lines with query strings
        proxy_headers=False,
        server_header=False,
    )
    return 0


def _metrics_shared_by_workers(settings: Settings) -> None:
    """prometheus_client's multiprocess mode: each worker writes its counters to files in one
    directory and /metrics adds them up. The directory is emptied first (counters of a previous
    run must not carry over) and handed to the workers through the environment, which
    prometheus_client reads when a worker imports it."""
    import os
    from pathlib import Path

    directory = Path(settings.server.metrics_multiproc_dir or settings.var_dir / "prometheus")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory.resolve())


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


def _keys_status(args: argparse.Namespace, settings: Settings) -> int:
    async def work(c: Container) -> int:
        counts = await c.keyring_census.execute()
        primary = c.keyring.primary_key_id
        for key_id in dict.fromkeys((*c.keyring.key_ids(), *counts)):
            marks = [m for m, on in (("primary", key_id == primary),) if on]
            if key_id not in c.keyring.key_ids():
                marks.append("MISSING from keyring")
            suffix = f" ({', '.join(marks)})" if marks else ""
            print(f"{key_id}\t{counts.get(key_id, 0)} data keys{suffix}")
        return 0

    return _run(settings, work)


def _keys_rewrap(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.metrics import KeyringMetrics

    counter = KeyringMetrics.for_registry().rewrapped

    def rewrapped(n: int) -> None:
        # Visible on /metrics when this command shares PROMETHEUS_MULTIPROC_DIR with the server;
        # byom_data_keys there shows the progress in any case.
        counter.inc(n)
        print(f"rewrapped a batch of {n}", flush=True)

    async def work(c: Container) -> int:
        report = await c.rewrap_data_keys.execute(
            batch_size=args.batch_size,
            max_batches=args.max_batches,
            on_batch=rewrapped,
        )
        print(
            f"rewrapped {report.rewrapped} data keys in {report.batches} batches; "
            f"{report.remaining} not yet under {c.keyring.primary_key_id}"
        )
        if report.failed:
            # Ids only: they name rows to look at, never key material (SECURITY-TESTS B6).
            failed = ", ".join(str(key_id) for key_id in report.failed)
            print(
                f"{len(report.failed)} data keys could not be unwrapped: {failed}", file=sys.stderr
            )
            return 1
        return 0 if report.remaining == 0 or args.max_batches else 1

    return _run(settings, work)


def _keys_rotate_user(args: argparse.Namespace, settings: Settings) -> int:
    async def work(c: Container) -> int:
        user_id = await _user_id(c, args.user)
        count = await c.rotate_user_data_key.execute(user_id)
        print(f"new data key for {user_id}; {count} credentials re-sealed")
        return 0

    return _run(settings, work)


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()

    async def work(c: Container) -> int:
        user = await c.register_user.execute(email=args.email, password=password)
        print(f"created user {user.id} <{user.email}>")
        return 0

    return _run(settings, work)


async def _user_id(c: Container, who: str) -> UUID:
    try:
        return UUID(who)
    except ValueError:
        async with c.uow() as uow:
            user = await uow.users.by_email(who.strip().lower())
        if user is None:
            raise ValueError(f"no user with email {who!r}") from None
        return user.id


if __name__ == "__main__":
    raise SystemExit(main())
