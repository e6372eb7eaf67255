"""Log configuration: one handler and one format for every logger of the process (ours,
uvicorn's, Alembic's, Python warnings): console for people, JSON lines for machines. Every
line logged while a request is served carries its id. Never secrets."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

# httpx logs full request URLs at INFO; keep it and its transport quiet (docs/security.md,
# "Secrets handling").
QUIET = ("httpx", "httpcore", "aiohttp", "sqlalchemy.engine", "aiosqlite", "asyncio")
# Alembic tells at INFO which dialect it found and which plugins it loaded (nine lines for
# `byom db current`); the callers report the migrations they run. Shown at DEBUG.
CHATTY = ("alembic",)
# Loggers that arrive with handlers of their own (uvicorn's default config, Alembic's
# fileConfig): theirs are dropped so that every line goes through ours.
FOREIGN = ("uvicorn", "uvicorn.error", "uvicorn.asgi", "alembic")
# uvicorn's access line holds the query string (tokens in URLs): never logged. byom.access, in
# entrypoints.http.middleware, is the access line (method, path, status, duration).
SILENT = ("uvicorn.access",)

# The request being served (set by entrypoints.http.middleware). Defined here, not there, so
# that logging, which every command sets up, does not import the web framework.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_of(record: logging.LogRecord) -> str:
    """The id passed with the record (the access log's), else the one of the request being
    served in the context that logged it (app, SQLAlchemy, httpx, uvicorn), else ``-``."""
    given = getattr(record, "request_id", None)
    return given if isinstance(given, str) else request_id_var.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """``time level logger: message``, with ``[request id]`` after the logger while serving."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(request_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = request_id_of(record)
        record.request_tag = "" if request_id == "-" else f" [{request_id}]"
        return super().format(record)


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    # Neither format shows a record's thread, process or source line: not gathering them for
    # every record (the logging HOWTO's "Optimization") took a third off the access line's
    # cost, which every request pays (issue 15's profile: 5% of a gateway call).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in FOREIGN:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)  # uvicorn.Config sets its own level on uvicorn.error
    for existing in logging.root.manager.loggerDict.values():
        # A fileConfig (Alembic's ini) disables every logger it does not name, ours included.
        if isinstance(existing, logging.Logger):
            existing.disabled = False
    for name in SILENT:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = False
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)
    # Python warnings (SQLAlchemy's, httpx's) as log lines: same format, same request id.
    logging.captureWarnings(True)
