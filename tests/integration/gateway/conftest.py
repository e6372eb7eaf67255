"""The official ``openai`` SDK pointed at the app, over the real adapters and stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.chat_api import make_chat_api
from tests.support.gateway import Gateway


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async for api in make_chat_api("memory"):
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://byom.test") as http:
            yield Gateway(api, http)
