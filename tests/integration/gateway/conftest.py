"""The official ``openai`` SDK pointed at the app, over the real adapters and stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import httpx2
import pytest

from tests.support.chat_api import make_chat_api
from tests.support.gateway import Gateway


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async for api in make_chat_api("memory"):
        app, base_url = api.client.app, "http://byom.test"
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http,
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url) as sdk,
        ):
            yield Gateway(api, http, sdk)
