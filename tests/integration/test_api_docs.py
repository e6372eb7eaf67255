"""Issue 13, item 8: the interactive API docs are served from the package, under a strict CSP,
and can be turned off; the OpenAPI document stays."""

from __future__ import annotations

import re
from dataclasses import replace

from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from tests.support.builders import make_settings, memory_world

DOCS = "/schema/swagger"


async def test_the_docs_page_loads_nothing_from_another_origin_and_its_assets_are_served() -> None:
    world = memory_world(make_settings())
    async with AsyncTestClient(create_app(container=world.container)) as client:
        page = await client.get(DOCS)
        assert page.status_code == 200
        references = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        assert references
        external = [r for r in references if not r.startswith("/") or r.startswith("//")]
        assert external == []
        # Every script is a file: no inline code for the policy to allow.
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
        assert "<style" not in page.text
        assert "style=" not in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "default-src 'none'" in policy
        assert "unsafe-eval" not in policy
        for reference in references:
            asset = await client.get(reference)
            assert asset.status_code == 200, reference
            assert asset.content, reference
            assert asset.headers["x-content-type-options"] == "nosniff"


async def test_the_docs_ui_can_be_turned_off_and_the_openapi_document_stays() -> None:
    settings = make_settings()
    settings = replace(settings, server=replace(settings.server, api_docs_ui=False))
    world = memory_world(settings)
    async with AsyncTestClient(create_app(container=world.container)) as client:
        assert (await client.get(DOCS)).status_code == 404
        assert (await client.get("/schema/assets/swagger-ui-bundle.js")).status_code == 404
        assert (await client.get("/schema/openapi.json")).status_code == 200
