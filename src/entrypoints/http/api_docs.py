"""The interactive API docs (Swagger UI) at ``/schema/swagger``, served from this package.

- the page loads files of this origin only (swagger-ui-dist, vendored in ``docs_assets/``): it
  works offline, and no CDN's script runs on the origin of the cookie-authenticated pages;
- the page is our own HTML, not Litestar's template (which inlines the schema, a style block and
  CDN links), so its Content-Security-Policy allows no inline script;
- ``BYOM_API_DOCS_UI=false`` turns the page and its files off; the OpenAPI document stays at
  ``/schema/openapi.json``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.config.app import AppConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope

from entrypoints.settings import Settings

SCHEMA_PATH = "/schema"
DOCS_PATH = f"{SCHEMA_PATH}/swagger"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
ASSETS_DIR = Path(__file__).parent / "docs_assets"

DOCS_HEADERS = {
    "content-security-policy": "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",  # swagger-ui.css draws its icons as data: SVGs
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</head>
<body>
<div id="swagger-ui"></div>
</body>
</html>
"""


class PackagedSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI from this package's files; the schema is fetched from /schema/openapi.json."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            path="/swagger",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        return _PAGE.format(title=title, assets=ASSETS_PATH).encode()


def render_plugins(settings: Settings) -> list[OpenAPIRenderPlugin]:
    """The JSON document first (``/schema`` answers it), then the docs page when enabled."""
    docs = [PackagedSwaggerRenderPlugin()] if settings.server.api_docs_ui else []
    return [JsonRenderPlugin(), *docs]


def api_docs(settings: Settings) -> Callable[[AppConfig], AppConfig]:
    """An ``on_app_init`` hook: the docs' files and their headers, when the docs are enabled."""

    def install(config: AppConfig) -> AppConfig:
        if settings.server.api_docs_ui:
            config.route_handlers.append(
                create_static_files_router(
                    path=ASSETS_PATH,
                    directories=[ASSETS_DIR],
                    name="api-docs-assets",
                    opt={"exclude_from_auth": True},
                    include_in_schema=False,
                )
            )
            config.before_send.append(docs_headers)  # on a response's start only
        return config

    return install


async def docs_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    if scope.get("path", "").startswith((DOCS_PATH, ASSETS_PATH)):
        headers = MutableScopeHeaders.from_message(message)
        for name, value in DOCS_HEADERS.items():
            headers[name] = value
