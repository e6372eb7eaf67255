"""``byom serve``: the HTTP service under uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging

from entrypoints.cli._support import Commands
from entrypoints.settings import Settings


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="run the HTTP service (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--no-migrate", action="store_true", help="skip development migrations")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if settings.generated_notice:  # the workers load the file this process generated
        logging.getLogger("byom").warning(settings.generated_notice)
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
