"""``GET /metrics``: Prometheus text from Litestar's Prometheus middleware and our instruments.

- requests: ``byom_requests_total`` and ``byom_request_duration_seconds`` by method, route
  template (``/api/v1/users/me/llm-credentials/{credential_id}``, never the raw path), status;
- provider calls: ``byom_provider_calls_total``, ``byom_provider_errors_total`` and
  ``byom_provider_call_duration_seconds`` by provider, operation and outcome (adapters.metrics);
- rewrap progress: ``byom_data_keys`` by master key id, counted when scraped;
- spend control: ``byom_spend_usd_total`` and ``byom_spend_reserved_usd`` by source,
  ``byom_budget_refusals_total`` by cap (adapters.metrics.spend_metrics);
- gateway token refusals: ``byom_gateway_token_refusals_total`` by kind (``rpm``, ``tpm``,
  ``model_not_allowed``, ``expired``; adapters.metrics), never by token or user.

With several worker processes each keeps its own counters: ``byom serve --workers N`` points
prometheus_client's multiprocess mode at a shared directory (PROMETHEUS_MULTIPROC_DIR), and this
endpoint then aggregates every worker's files.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess

from adapters.metrics import KeyringMetrics
from adapters.persistence.errors import StoreUnavailable
from domain.errors import DomainError
from entrypoints.http.deps import container_of
from entrypoints.http.problems import problem_for

logger = logging.getLogger("byom.metrics")

# Chat routes wait for the provider: seconds to minutes, next to milliseconds for the rest.
REQUEST_BUCKETS: list[str | float] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0
]  # fmt: skip
CENSUS_TIMEOUT_S = 2.0
CACHED_LABEL_SETS = 4096


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name="byom",
        prefix="byom",
        group_path=True,  # the route template, not the path: ids never become label values
        buckets=REQUEST_BUCKETS,
        exclude_opt_key="exclude_from_metrics",
        scopes={ScopeType.HTTP},
        middleware_class=RouteMetricsMiddleware,
    )


class RouteMetricsMiddleware(PrometheusMiddleware):
    """Litestar's Prometheus middleware (same series), also right about answers that middleware
    inside it raised: authentication (401, or 503 when the database is down), rate limits (429).
    The app's exception handler answers those outside this middleware, where the stock one
    counts them as 200s that took no time. A label set's series are looked up once and kept
    (``.labels()`` takes a lock and builds its key on every call)."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._in_progress: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = str(scope.get("method", "-")), scope.get("path_template") or "-"
        started = ended = time.perf_counter()
        status = 200

        async def send_and_watch(message: Message) -> None:
            nonlocal status, ended
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                ended = time.perf_counter()
            await send(message)

        in_progress = self._in_progress.get((method, path))
        if in_progress is None:
            in_progress = self.requests_in_progress(self._labels(method, path, 200)).labels(
                method, path, 200, self._config.app_name
            )
            if len(self._in_progress) < CACHED_LABEL_SETS:
                self._in_progress[method, path] = in_progress
        in_progress.inc()
        try:
            await self.app(scope, receive, send_and_watch)
        except Exception as error:
            status, ended = _status_of(error), time.perf_counter()
            raise
        finally:
            in_progress.dec()
            if status >= 500:
                labels = self._labels(method, path, status)
                self.requests_error_count(labels).labels(*labels.values()).inc()
            count, duration = self._count_and_duration(method, path, status)
            count.inc()
            duration.observe(max(ended - started, 0.0))

    def _count_and_duration(self, method: str, path: str, status: int) -> tuple[Any, Any]:
        found = self._series.get((method, path, status))
        if found is None:
            labels = self._labels(method, path, status)
            values = list(labels.values())
            found = (
                self.request_count(labels).labels(*values),
                self.request_time(labels).labels(*values),
            )
            # Clients choose methods and statuses vary: past this many, looked up each time.
            if len(self._series) < CACHED_LABEL_SETS:
                self._series[method, path, status] = found
        return found

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {
            "method": method,
            "path": path,
            "status_code": status,
            "app_name": self._config.app_name,
        }


def _status_of(error: Exception) -> int:
    """The status the app's exception handler answers ``error`` with (errors.py)."""
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, DomainError):
        return problem_for(error).status
    return 500


class MetricsController(Controller):
    path = "/metrics"
    tags = ["Operations"]
    opt = {"exclude_from_auth": True}
    include_in_schema = False

    @get("/", operation_id="Metrics", cache=False)
    async def metrics(self, state: State, request: Request[Any, Any, Any]) -> Response[bytes]:
        settings = container_of(state).settings
        _authorise_scrape(settings.server.metrics_token, request, settings.is_production)
        await _refresh_census(state)
        registry = REGISTRY
        if container_of(state).settings.server.metrics_multiproc_dir:
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST, status_code=200)


def _authorise_scrape(token: str | None, request: Request[Any, Any, Any], production: bool) -> None:
    """Metrics name master key ids and call volumes: a scrape token is required in production
    (settings refuse to start without one) and optional elsewhere."""
    if token is None:
        if production:
            raise NotAuthorizedException("a valid metrics token is required")
        return
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise NotAuthorizedException("a valid metrics token is required")


async def _refresh_census(state: State) -> None:
    """Data keys per master key id, from the database; a scrape still answers when it is down."""
    container = container_of(state)
    try:
        async with asyncio.timeout(CENSUS_TIMEOUT_S):
            counts = await container.keyring_census.execute()
    except (StoreUnavailable, TimeoutError):
        logger.debug("master-key census skipped: the database did not answer")
        return
    keyring = container.keyring
    KeyringMetrics.for_registry().record_census(counts, keyring.key_ids(), keyring.primary_key_id)


def instrument_requests(config: AppConfig) -> AppConfig:
    """An ``on_app_init`` hook: request metrics outside authentication, so 401s count too."""
    config.middleware.insert(0, prometheus_config().middleware)
    return config
