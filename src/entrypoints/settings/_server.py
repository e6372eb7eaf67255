"""Settings of the HTTP server: where it listens, what it logs, what it guards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from entrypoints.settings._parsers import (
    flag,
    literal,
    networks,
    positive,
    text,
    upper,
    whole,
)
from entrypoints.settings._variables import setting


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = setting("BYOM_HOST", "127.0.0.1", text, "the address `byom serve` listens on")
    port: int = setting("BYOM_PORT", 8000, whole, "the port `byom serve` listens on")
    workers: int = setting("BYOM_WORKERS", 1, whole, "worker processes of `byom serve`")
    log_level: str = setting("BYOM_LOG_LEVEL", "INFO", upper, "the log level")
    log_format: Literal["console", "json"] = setting(
        "BYOM_LOG_FORMAT",
        "console",
        literal("console", "json"),
        "`console` (for people) or `json` (one object a line, for log collectors)",
        shown="`console`; `json` in production",
        fallback=lambda _, context: "json" if context.production else "console",
    )
    redis_url: str | None = setting(
        "BYOM_REDIS_URL",
        None,
        text,
        "shared rate-limit store and change feed (docs/operations.md) when several instances run",
        secret=True,
    )
    forwarded_allow_ips: tuple[str, ...] = setting(
        "BYOM_FORWARDED_ALLOW_IPS",
        (),
        networks,
        "reverse proxies (IP addresses, CIDR networks, comma-separated) whose "
        "`X-Forwarded-For` and `X-Forwarded-Proto` are believed: the client address (login "
        "throttle, rate limits, audit trail) is then the forwarded one; any other peer's "
        "headers are ignored",
        shown="unset (trust none)",
    )
    max_body_bytes: int = setting(
        "BYOM_MAX_BODY_BYTES", 64 * 1024, whole, "larger request bodies get 413 before parsing"
    )
    api_docs_ui: bool = setting(
        "BYOM_API_DOCS_UI",
        True,
        flag,
        "serve the interactive API docs (Swagger UI, from the package) at `/schema/swagger`",
    )
    metrics_token: str | None = setting(
        "BYOM_METRICS_TOKEN",
        None,
        text,
        "`GET /metrics` then needs `Authorization: Bearer <token>`; required in production",
        secret=True,
    )
    shutdown_grace_s: int = setting(
        "BYOM_SHUTDOWN_GRACE_SECONDS",
        20,
        positive,
        "on SIGTERM, streams still running this long are ended with an SSE `error` event "
        "(the partial reply kept, incomplete); then the worker exits",
    )
    metrics_multiproc_dir: str | None = setting(
        "PROMETHEUS_MULTIPROC_DIR",
        None,
        text,
        "where worker processes share their metrics (prometheus_client's own variable)",
        shown="set by `byom serve --workers N`",
    )
