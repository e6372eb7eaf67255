"""``byom serve``: the HTTP service under uvicorn, stopped gracefully on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
from types import FrameType
from typing import TYPE_CHECKING

from entrypoints.cli._support import Commands
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.persistence.sqlalchemy.migrate import MigrationStep

logger = logging.getLogger("byom.migrate")

# Beyond the app's own grace for streams: time for them to write their last event and store
# what arrived, before uvicorn cancels whatever is still running.
_AFTER_GRACE_S = 5
_WORKER_HEALTHCHECK_S = 30


def register(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service (uvicorn)",
        description="Run the HTTP service under uvicorn. In development, pending migrations "
        "are applied first.",
    )
    serve.add_argument("--host", help="the address to listen on (default: BYOM_HOST)")
    serve.add_argument("--port", type=int, help="the port to listen on (default: BYOM_PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (default: BYOM_WORKERS)")
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply migrations before listening, in production too (instances started at "
        "once take turns: the first migrates, the others find the schema at head)",
    )
    serve.add_argument("--no-migrate", action="store_true", help="skip the development migrations")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # Start-up makes what lives as long as the process: the collector's passes over it took
    # 0.2 s of the time to ready and found 55 objects of garbage (what the migration check
    # leaves is frozen with the rest: bounded, once). A worker turns it back on, tuned, once it
    # is ready (entrypoints/http/garbage.py); the supervisor once it has forked.
    gc.disable()
    import uvicorn

    from entrypoints.cli._http_protocol import DrainingHttpToolsProtocol

    if settings.generated_notice:  # the workers load the file this process generated
        logging.getLogger("byom").warning(settings.generated_notice)
    migrated = False
    if args.migrate or (not settings.is_production and not args.no_migrate):
        migrated = asyncio.run(_migrate(settings.database.url))
    workers = args.workers or settings.server.workers
    # Each worker reads its settings again and must know it is not alone: SQLite has no change
    # feed between processes (entrypoints/bootstrap/change_feed.py).
    os.environ["BYOM_WORKERS"] = str(workers)
    if workers > 1 or settings.server.metrics_multiproc_dir:
        _metrics_shared_by_workers(settings)
    trusted = settings.server.forwarded_allow_ips
    config = uvicorn.Config(
        "entrypoints.http.app:serving_app",
        factory=True,
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
        workers=workers,
        log_level=settings.server.log_level.lower(),
        access_log=False,  # our own access log never includes query strings or headers
        # Ours, set up by main() here and by create_app() in each worker: uvicorn's loggers
        # go through our handler and format (uvicorn's config would log query strings).
        log_config=None,
        # Only the proxies named in BYOM_FORWARDED_ALLOW_IPS: their X-Forwarded-For becomes the
        # client address (login throttle, rate limits, audit trail). Anyone else's is ignored,
        # or a client could pick the address its failed logins are counted against.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=list(trusted) or None,
        server_header=False,
        # No websocket routes: uvicorn would import a websocket library into every worker.
        ws="none",
        http=DrainingHttpToolsProtocol,
        timeout_graceful_shutdown=settings.server.shutdown_grace_s + _AFTER_GRACE_S,
        # uvicorn's default (5 s) kills a worker still importing on a busy machine, whose
        # replacement is as slow: the supervisor's pings may wait for a worker's start.
        timeout_worker_healthcheck=_WORKER_HEALTHCHECK_S,
    )
    if workers > 1:
        from entrypoints.cli._supervisor import Supervisor

        # Having migrated, this process holds Alembic, which forked workers would inherit.
        Supervisor(config, sockets=[config.bind_socket()], fork=not migrated).run()
        return 0
    # uvicorn re-raises the signal it stopped on once it has: this handler makes a SIGTERM
    # exit 0, and a SIGINT (Ctrl-C) ends quietly, as uvicorn.run() would, not in a traceback.
    signal.signal(signal.SIGTERM, _stopped)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


async def _migrate(url: str) -> bool:
    """Whether it imported Alembic (the schema was not at head when it looked)."""
    from adapters.persistence.sqlalchemy.schema_version import at_head

    if await at_head(url):
        return False  # nothing to do, and Alembic stays out of this process and its workers
    from adapters.persistence.sqlalchemy.migrate import upgrade

    await upgrade(url, on_step=_log_step)
    return True


def _log_step(step: MigrationStep) -> None:
    logger.info("migrated %s -> %s: %s", step.source, step.destination, step.title)


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _metrics_shared_by_workers(settings: Settings) -> None:
    """prometheus_client's multiprocess mode: each worker writes its counters to files in one
    directory and /metrics adds them up. The directory is emptied first (counters of a previous
    run must not carry over) and handed to the workers through the environment, which
    prometheus_client reads when a worker imports it."""
    from pathlib import Path

    directory = Path(settings.server.metrics_multiproc_dir or settings.var_dir / "prometheus")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory.resolve())
