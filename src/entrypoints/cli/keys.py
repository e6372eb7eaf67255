"""``byom keys``: master keys and data keys (generate, status, rewrap, rotate-user)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from entrypoints.cli._support import Commands, run, user_id_of
from entrypoints.cli.progress import Progress
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Container


def register(commands: Commands) -> None:
    keys = commands.add_parser(
        "keys", help="master keys and data keys", description="Master keys and data keys."
    )
    keys_commands = keys.add_subparsers(
        dest="keys_command", required=True, metavar="COMMAND", help="what to do"
    )
    generate = keys_commands.add_parser(
        "generate",
        help="print a new master key line",
        description="Print a new master key line (id:base64 key) for BYOM_ENCRYPTION_KEYS; "
        "needs no other settings.",
    )
    generate.add_argument(
        "--id",
        default=time.strftime("k%Y%m%d"),
        help="the key's id, as data keys will name it (default: k<today>)",
    )
    generate.set_defaults(unconfigured=_keys_generate)
    keys_commands.add_parser(
        "status", help="data keys per master key id", description="Data keys per master key id."
    ).set_defaults(handler=_keys_status)
    rewrap = keys_commands.add_parser(
        "rewrap",
        help="move every data key to the primary key",
        description="Move every data key under the primary (first) master key, in batches; "
        "safe to interrupt and re-run, and to run while serving.",
    )
    rewrap.add_argument(
        "--batch-size", type=int, default=500, help="data keys per batch (default: 500)"
    )
    rewrap.add_argument(
        "--max-batches",
        type=int,
        default=None,
        help="stop after this many batches (default: until every key is moved)",
    )
    rewrap.set_defaults(handler=_keys_rewrap)
    rotate = keys_commands.add_parser(
        "rotate-user",
        help="replace one user's data key",
        description="Give one user a new data key and re-seal their credentials under it.",
    )
    rotate.add_argument("user", help="user id or email")
    rotate.set_defaults(handler=_keys_rotate_user)


def _keys_generate(args: argparse.Namespace) -> int:
    from adapters.crypto.keyring import generate_key_line

    print(generate_key_line(args.id))
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

    return run(settings, work)


def _keys_rewrap(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.metrics import KeyringMetrics

    counter = KeyringMetrics.for_registry().rewrapped

    async def work(c: Container) -> int:
        primary = c.keyring.primary_key_id
        counts = await c.keyring_census.execute()
        progress = Progress(
            f"rewrapping to {primary}", sum(n for kek, n in counts.items() if kek != primary)
        )

        def rewrapped(n: int) -> None:
            # Visible on /metrics when this command shares PROMETHEUS_MULTIPROC_DIR with the
            # server; byom_data_keys there shows the progress in any case.
            counter.inc(n)
            progress.advance(n)

        report = await c.rewrap_data_keys.execute(
            batch_size=args.batch_size, max_batches=args.max_batches, on_batch=rewrapped
        )
        progress.finish()
        print(
            f"rewrapped {report.rewrapped} data keys in {report.batches} batches "
            f"in {progress.elapsed_s:.1f}s ({progress.rate:.0f}/s); "
            f"{report.remaining} not yet under {primary}"
        )
        if report.failed:
            # Ids only: they name rows to look at, never key material (docs/security-tests.md, B6).
            failed = ", ".join(str(key_id) for key_id in report.failed)
            print(
                f"{len(report.failed)} data keys could not be unwrapped: {failed}", file=sys.stderr
            )
            return 1
        return 0 if report.remaining == 0 or args.max_batches else 1

    return run(settings, work, seals_keys=True)


def _keys_rotate_user(args: argparse.Namespace, settings: Settings) -> int:
    async def work(c: Container) -> int:
        user_id = await user_id_of(c, args.user)
        count = await c.rotate_user_data_key.execute(user_id)
        print(f"new data key for {user_id}; {count} credentials re-sealed")
        return 0

    return run(settings, work, seals_keys=True)
