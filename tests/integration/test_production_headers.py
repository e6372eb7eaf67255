"""Issue 13, item 8: in production every response tells browsers to use HTTPS only (HSTS)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.settings import Environment
from tests.support.builders import make_settings, memory_world

PATHS = ["/health/live", "/api/v1/users/me", "/v1/models", "/login", "/static/byom.css", "/nowhere"]


@pytest.mark.parametrize("path", PATHS)
async def test_every_production_response_carries_hsts(path: str) -> None:
    settings = replace(make_settings(), env=Environment.PRODUCTION)
    world = memory_world(settings)
    async with AsyncTestClient(create_app(container=world.container)) as client:
        response = await client.get(path, follow_redirects=False)
    hsts = response.headers.get("strict-transport-security", "")
    assert hsts.startswith("max-age="), (path, response.status_code)
    assert int(hsts.split(";")[0].removeprefix("max-age=")) >= 31_536_000
    assert "includesubdomains" in hsts.lower()


async def test_development_sends_no_hsts_over_plain_http_localhost() -> None:
    world = memory_world(make_settings())
    async with AsyncTestClient(create_app(container=world.container)) as client:
        response = await client.get("/health/live")
    assert "strict-transport-security" not in response.headers
