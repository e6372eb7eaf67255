"""Adds the pages to the Litestar app (an ``on_app_init`` hook, so app.py stays one line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litestar import Router
from litestar.config.app import AppConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from entrypoints.http.limits import key_check_limit, login_limit, rate_limits
from entrypoints.settings import Settings
from entrypoints.web.account import AccountPage
from entrypoints.web.accounts import AccountPages
from entrypoints.web.activity import ActivityPage
from entrypoints.web.budget import BudgetPage
from entrypoints.web.errors import html_exception_handlers
from entrypoints.web.gateway_tokens import GatewayTokensPage
from entrypoints.web.lazy_templates import LazyJinjaTemplateEngine
from entrypoints.web.models import ModelsPage
from entrypoints.web.security import WEB_OPT, csrf_config, page_security_headers
from entrypoints.web.session import session_subject
from entrypoints.web.usage import UsagePage

HERE = Path(__file__).parent
# Page routes authenticate with the session cookie, never with a bearer token.
PAGE_OPT = {WEB_OPT: True, "exclude_from_auth": True}
_LOGIN_PATHS = frozenset({"/login", "/signup"})
# Page actions that ask a provider about a key.
_KEY_CHECK_SUFFIXES = ("/check", "/validate", "/rotate", "/model")


def web_pages(settings: Settings) -> Callable[[AppConfig], AppConfig]:
    def install(config: AppConfig) -> AppConfig:
        config.route_handlers.extend([page_router(settings), static_router()])
        config.template_config = TemplateConfig(
            directory=HERE / "templates", engine=LazyJinjaTemplateEngine
        )
        config.csrf_config = csrf_config(settings)
        config.before_send.append(page_security_headers)  # on a response's start only
        return config

    return install


def page_router(settings: Settings) -> Router:
    return Router(
        path="/",
        route_handlers=[
            AccountPages,
            AccountPage,
            ModelsPage,
            UsagePage,
            BudgetPage,
            GatewayTokensPage,
            ActivityPage,
        ],
        opt=dict(PAGE_OPT),
        include_in_schema=False,
        exception_handlers=html_exception_handlers(),
        middleware=[
            rate_limits(
                login_limit(settings.auth.login_rate_per_minute, _is_login),
                key_check_limit(
                    settings.auth.validate_rate_per_minute, _is_key_check, session_subject
                ),
            )
        ],
    )


def static_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="static",
        opt=dict(PAGE_OPT),
        include_in_schema=False,
    )


def _is_login(method: str, path: str) -> bool:
    return method == "POST" and path in _LOGIN_PATHS


def _is_key_check(method: str, path: str) -> bool:
    return (
        method == "POST"
        and path.startswith("/models")
        and (path.rstrip("/") == "/models" or path.endswith(_KEY_CHECK_SUFFIXES))
    )
