"""The Litestar application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from adapters.persistence.errors import StoreUnavailable
from domain.errors import UserNotFound
from domain.user import User
from entrypoints.bootstrap import Container, build, shared_store
from entrypoints.http.access_tokens import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    REQUIRED_CLAIMS,
    AccessTokenClaims,
)
from entrypoints.http.api_docs import api_docs, render_plugins
from entrypoints.http.auth import AuthController, UserController
from entrypoints.http.budget import BudgetController
from entrypoints.http.credential_events import CredentialEventController
from entrypoints.http.credentials import CredentialController
from entrypoints.http.deps import container_of
from entrypoints.http.draining import Draining
from entrypoints.http.errors import problem_details_plugin
from entrypoints.http.framework import ByomLitestar
from entrypoints.http.garbage import settle_after_startup
from entrypoints.http.gateway.caller import gateway_rate_subject
from entrypoints.http.gateway.completions import OpenAiGatewayController
from entrypoints.http.gateway.errors import app_errors
from entrypoints.http.gateway.rate_headers import apply_token_rate_headers
from entrypoints.http.gateway.tokens import GatewayTokenController
from entrypoints.http.health import HealthController
from entrypoints.http.limits import api_rate_limits, chat_limit, gateway_limit, rate_limits
from entrypoints.http.llm import LlmCatalogController, MyLlmController
from entrypoints.http.metrics import MetricsController, instrument_requests
from entrypoints.http.middleware import (
    RequestContextMiddleware,
    RequestOriginMiddleware,
    finish_response,
    strict_transport_security,
)
from entrypoints.http.openapi import AccessTokenAuth
from entrypoints.http.problems import describe_problems
from entrypoints.http.sessions.controller import AgentSessionController
from entrypoints.http.usage import UsageController
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings
from entrypoints.web import web_pages

logger = logging.getLogger("byom")

# Paths that do not take a bearer access token (the gateway has tokens of its own).
PUBLIC_PATHS = [
    "^/health",
    "^/schema",
    "^/metrics",
    "^/api/v1/auth/(signup|login)$",
    "^/api/v1/llm/providers",
    "^/v1/",  # the OpenAI-compatible gateway authenticates its own tokens
]

DESCRIPTION = f"""Bring your own model: store your LLM provider keys, encrypted, and run agents
on them.

Errors are RFC 9457 `application/problem+json`. Problem types:

{describe_problems()}
"""


async def _retrieve_user(
    token: AccessTokenClaims, connection: ASGIConnection[Any, Any, Any, Any]
) -> User | None:
    container = container_of(connection.app.state)
    try:
        user_id = UUID(token.sub)
        if await token.is_revoked(container.session_revocations, user_id):
            return None  # logged out, password changed or account closed since it was issued
        return await container.get_user.execute(user_id)
    except (UserNotFound, ValueError):
        return None


def create_app(
    settings: Settings | None = None,
    *,
    container: Container | None = None,
    build_container: Callable[[Settings], Container] = build,
    serving: bool = False,
) -> Litestar:
    """Build the app. Given a container, it is used as is and not closed by the app;
    otherwise each worker process builds one on startup (with ``build_container``, which tests
    replace to wire fakes) and closes it on shutdown, in the event loop that serves requests.
    ``serving``: the process is a worker of ``byom serve`` and nothing else (``serving_app``):
    what start-up made is frozen out of the collector's reach (``garbage``), which in a test's
    process would keep every app it started alive."""
    settings = settings or (container.settings if container else Settings.from_env())
    if container is None:
        # Each uvicorn worker is a process of its own that calls this first: its logging is set
        # up here, before uvicorn logs "Started server process" (uvicorn's lines, ours, one format).
        configure_logging(settings.server.log_level, settings.server.log_format)
    draining = Draining(settings.server.shutdown_grace_s)
    state = State({"container": container, "draining": draining})

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = app.state.container is None
        if owned:
            app.state.container = build_container(settings)
        draining.watch_signals()
        try:
            await container_of(app.state).open()
            try:
                await container_of(app.state).keyring_census.ensure_complete()
            except StoreUnavailable:
                # Start anyway: readiness says 503 until the database answers. A master key
                # missing from the keyring still stops startup (checked when reachable).
                logger.warning("database unreachable at startup; master-key census skipped")
            if serving:
                settle_after_startup()
            yield
        finally:
            if owned:
                await container_of(app.state).aclose()

    jwt_auth = AccessTokenAuth(
        token_cls=AccessTokenClaims,
        retrieve_user_handler=_retrieve_user,
        token_secret=settings.auth.jwt_secret,
        algorithm=ALGORITHM,
        require_claims=list(REQUIRED_CLAIMS),
        accepted_issuers=[ISSUER],
        accepted_audiences=[AUDIENCE],
        strict_audience=True,
        exclude=PUBLIC_PATHS,
        exclude_opt_key="exclude_from_auth",
    )

    def outermost_request_context(config: AppConfig) -> AppConfig:
        # After JWTAuth inserted its middleware, so even 401s carry a request id.
        config.middleware.insert(0, DefineMiddleware(RequestContextMiddleware))
        return config

    return ByomLitestar(
        route_handlers=[
            HealthController,
            AuthController,
            UserController,
            CredentialController,
            CredentialEventController,
            LlmCatalogController,
            MyLlmController,
            GatewayTokenController,
            OpenAiGatewayController,
            AgentSessionController,
            UsageController,
            BudgetController,
            MetricsController,
        ],
        plugins=[problem_details_plugin()],
        # Before any controller: unknown /v1 routes answer in OpenAI's shape.
        exception_handlers=app_errors(shared_store=bool(settings.server.redis_url)),
        on_app_init=[
            jwt_auth.on_app_init,
            instrument_requests,  # outside authentication: 401s are counted too
            outermost_request_context,
            web_pages(settings),
            api_docs(settings),
        ],
        middleware=[
            rate_limits(
                *api_rate_limits(
                    login_per_minute=settings.auth.login_rate_per_minute,
                    validate_per_minute=settings.auth.validate_rate_per_minute,
                ),
                chat_limit(settings.limits.chat_rate_per_minute),
                gateway_limit(settings.limits.gateway_rate_per_minute, gateway_rate_subject),
            ),
            RequestOriginMiddleware,  # last: innermost, after anything that rewrites the client
        ],
        lifespan=[lifespan],
        stores={"rate_limit": shared_store(settings, "byom-rate-limit")},
        state=state,
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="BYOM",
            version="1.0.0",
            description=DESCRIPTION,
            path="/schema",
            render_plugins=render_plugins(settings),
        ),
        before_send=[  # run on a response's start only (ByomLitestar._wrap_send)
            apply_token_rate_headers,  # after the per-user limit's headers (rate_headers.py)
            finish_response,
            *([strict_transport_security] if settings.is_production else []),
        ],
        debug=False,
        # Ours (configure_logging): Litestar's would put a handler and format of its own on the
        # root logger. Unhandled exceptions are logged by our exception handlers.
        logging_config=None,
    )


def serving_app() -> Litestar:
    """The app of a ``byom serve`` worker (uvicorn's factory)."""
    return create_app(serving=True)
